// Binary arithmetic with PyTorch's broadcasting, which TFLite's ADD/SUB/MUL/DIV share.
#include "common.hpp"

namespace aten {

namespace {

// `other * alpha` as a tensor, folding alpha == 1 away.
int32_t scaled(const litecast::Node& n, int32_t other, int alpha_input) {
  if (alpha_input >= n.num_inputs() || n.is_none(alpha_input)) return other;
  double alpha = n.f64(alpha_input);
  if (alpha == 1.0) return other;
  litecast::TensorInfo o = n.tensor_info(other);
  float a = static_cast<float>(alpha);
  int32_t a_t = n.add_tensor(LC_FLOAT32, {}, &a, sizeof a);
  int32_t out = n.add_tensor(o.dtype, o.shape);
  n.op(LC_OP_MUL, {other, a_t}, {out});
  return out;
}

template <int32_t Code>
void binary(litecast::Node& n) {
  litecast::TensorInfo out = n.output_info(0);
  if (out.dtype != LC_FLOAT32 && out.dtype != LC_INT32) n.decline("only float32 and int32 arithmetic");
  int32_t a = operand(n, 0, out.dtype);
  int32_t b = operand(n, 1, out.dtype);
  if (Code == LC_OP_ADD || Code == LC_OP_SUB) b = scaled(n, b, 2);
  n.unary_like_output(Code, {a, b});
}

// rsub(a, b, alpha) = b - alpha * a
void rsub(litecast::Node& n) {
  litecast::TensorInfo out = n.output_info(0);
  int32_t a = scaled(n, operand(n, 0, out.dtype), 2);
  int32_t b = operand(n, 1, out.dtype);
  n.unary_like_output(LC_OP_SUB, {b, a});
}

}  // namespace

const Family family([](litecast::Registrar& r) {
  r.translator("aten::add", kPriority, "float32/int32; alpha folded", binary<LC_OP_ADD>);
  r.translator("aten::sub", kPriority, "float32/int32; alpha folded", binary<LC_OP_SUB>);
  r.translator("aten::mul", kPriority, "float32/int32", binary<LC_OP_MUL>);
  r.translator("aten::rsub", kPriority, "float32/int32", rsub);
});

}  // namespace aten
