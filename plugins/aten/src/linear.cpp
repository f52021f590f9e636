// aten::linear -> FULLY_CONNECTED. TFLite keeps weights as [out, in], as PyTorch does.
#include "common.hpp"

namespace aten {

namespace {

constexpr int kInput = 0, kWeight = 1, kBias = 2;

void linear(litecast::Node& n) {
  litecast::TensorInfo x = n.info(kInput);
  litecast::TensorInfo w = n.info(kWeight);
  if (x.dtype != LC_FLOAT32 || w.rank() != 2) n.decline("float32 input and 2-D weight only");
  int32_t bias = n.is_none(kBias) ? -1 : n.input(kBias);
  int32_t y = n.add_like_output(0);
  n.op(LC_OP_FULLY_CONNECTED, {n.input(kInput), n.input(kWeight), bias}, {y})
      .set("fused_activation_function", "NONE")
      .set("keep_num_dims", x.rank() != 2);
  n.output(0, y);
}

}  // namespace

const Family family([](litecast::Registrar& r) {
  r.translator("aten::linear", kPriority, "float32; 2-D weight", linear);
});

}  // namespace aten
