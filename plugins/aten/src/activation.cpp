// Activations that are one TFLite op each.
#include "common.hpp"

namespace aten {

namespace {

template <int32_t Code>
void unary(litecast::Node& n) {
  if (n.output_info(0).dtype != LC_FLOAT32) n.decline("float32 only");
  n.unary_like_output(Code, {n.input(0)});
}

}  // namespace

const Family family([](litecast::Registrar& r) {
  r.translator("aten::relu", kPriority, "float32", unary<LC_OP_RELU>);
  r.translator("aten::sigmoid", kPriority, "float32", unary<LC_OP_LOGISTIC>);
  r.translator("aten::tanh", kPriority, "float32", unary<LC_OP_TANH>);
});

}  // namespace aten
