// An overload-specific registration: "aten::add.Tensor" at priority 100, the same priority
// as the first-party plugin's op-wide "aten::add". At equal priority the overload-specific
// entry must be tried first, although "litecast.aten" < "test.add-overload" would win a
// tie on plugin id. It computes x + y as SUB(x, NEG(y)), which is exact and leaves a NEG in
// the operator histogram (the first-party add emits ADD), so the test can see who won and
// still check the result against PyTorch.
#include <litecast/plugin.hpp>

namespace {

void translate_add_tensor(litecast::Node& n) {
  if (n.overload() != "Tensor") n.fail("called for overload '" + n.overload() + "', registered for 'Tensor' only");
  if (n.num_inputs() != 3 || n.input_kind(0) != LC_VALUE_TENSOR || n.input_kind(1) != LC_VALUE_TENSOR)
    n.decline("two tensor operands only");
  if (n.f64(2) != 1.0) n.decline("alpha != 1");
  litecast::TensorInfo x = n.info(0), y = n.info(1);
  if (x.dtype != LC_FLOAT32 || y.dtype != LC_FLOAT32 || n.output_info(0).dtype != LC_FLOAT32)
    n.decline("float32 only");
  int32_t neg_y = n.add_tensor(LC_FLOAT32, y.shape);
  n.op(LC_OP_NEG, {n.input(1)}, {neg_y});
  n.unary_like_output(LC_OP_SUB, {n.input(0), neg_y}).set("fused_activation_function", "NONE");
}

}  // namespace

LITECAST_PLUGIN("test.add-overload", "1.0.0", "aten::add.Tensor as SUB(x, NEG(y))", [](litecast::Registrar& r) {
  r.translator("aten::add.Tensor", 100, "float32, alpha 1", translate_add_tensor);
})
