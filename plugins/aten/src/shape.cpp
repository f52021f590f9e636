// Reshapes. Shapes are static: the output shape LibTorch computed is the target.
#include "common.hpp"

namespace aten {

namespace {

void reshape(litecast::Node& n) {
  litecast::TensorInfo out = n.output_info(0);
  std::vector<int32_t> shape(out.shape.begin(), out.shape.end());
  int32_t s = n.const_i32(shape);
  n.unary_like_output(LC_OP_RESHAPE, {n.input(0), s});
}

}  // namespace

const Family family([](litecast::Registrar& r) {
  for (const char* op : {"aten::view", "aten::reshape", "aten::flatten"})
    r.translator(op, kPriority, "static shapes", reshape);
});

}  // namespace aten
