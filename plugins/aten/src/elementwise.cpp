// Binary arithmetic with PyTorch's broadcasting and type promotion: the output's element type
// (what LibTorch computed) is the type both operands are brought to. int64 is INT32 in TFLite.
#include "pointwise.hpp"

#include <optional>
#include <string>

namespace aten {

namespace {

using pw::binary;
using pw::scalar;
using pw::unary;

constexpr int kSelf = 0, kOther = 1, kThird = 2;

// The output's element type, after checking that the node is arithmetic on tensors (aten::add
// also adds ints and concatenates lists; those are constants here or not ours).
int32_t arithmetic_type(const litecast::Node& n) {
  if (n.input_kind(kSelf) != LC_VALUE_TENSOR && n.input_kind(kOther) != LC_VALUE_TENSOR)
    n.decline("no tensor operand");
  pw::require_unquantized(n);
  int32_t dtype = n.output_info(0).dtype;
  pw::require_numeric(n, dtype);
  return dtype;
}

// Input i times alpha (input `alpha_input`, 1 when absent), as a tensor of `dtype`. A number
// absorbs alpha into the constant.
int32_t scaled(const litecast::Node& n, int i, int alpha_input, int32_t dtype) {
  double alpha = alpha_input < n.num_inputs() && !n.is_none(alpha_input) ? n.f64(alpha_input) : 1.0;
  std::optional<double> v = pw::number(n, i);
  if (v) return scalar(n, dtype, *v * alpha);
  int32_t t = operand(n, i, dtype);
  return alpha == 1.0 ? t : binary(n, LC_OP_MUL, t, scalar(n, dtype, alpha));
}

// Operators that map one to one, by TorchScript op.
struct Arithmetic {
  const char* op;
  int32_t code;
};
constexpr Arithmetic kArithmetic[] = {
    {"aten::add", LC_OP_ADD},         {"aten::sub", LC_OP_SUB},           {"aten::mul", LC_OP_MUL},
    {"aten::maximum", LC_OP_MAXIMUM}, {"aten::minimum", LC_OP_MINIMUM},   {"aten::floor_divide", LC_OP_FLOOR_DIV},
    {"aten::remainder", LC_OP_FLOOR_MOD},
};
static_assert(pw::unique_ops(kArithmetic), "an op listed twice in kArithmetic");

void arithmetic(litecast::Node& n) {
  int32_t dtype = arithmetic_type(n);
  std::string kind = n.kind();
  for (const Arithmetic& a : kArithmetic) {
    if (kind != a.op) continue;
    bool alpha = a.code == LC_OP_ADD || a.code == LC_OP_SUB;
    int32_t self = operand(n, kSelf, dtype);
    int32_t other = alpha ? scaled(n, kOther, kThird, dtype) : operand(n, kOther, dtype);
    return n.output(0, binary(n, a.code, self, other));
  }
  n.fail("no row for " + kind);
}

// rsub(self, other, alpha) = other - alpha * self
void rsub(litecast::Node& n) {
  int32_t dtype = arithmetic_type(n);
  int32_t self = scaled(n, kSelf, kThird, dtype);
  n.output(0, binary(n, LC_OP_SUB, operand(n, kOther, dtype), self));
}

// trunc(q) = q < 0 ? ceil(q) : floor(q), for float q.
int32_t truncate(const litecast::Node& n, int32_t q) {
  int32_t negative = binary(n, LC_OP_LESS, q, scalar(n, LC_FLOAT32, 0), LC_BOOL);
  return pw::select(n, negative, unary(n, LC_OP_CEIL, q), unary(n, LC_OP_FLOOR, q));
}

// aten::div(self, other, rounding_mode): true division (always float), 'trunc' or 'floor'.
// TFLite's DIV on int32 truncates like C, which is 'trunc'; FLOOR_DIV floors for both types.
void div(litecast::Node& n) {
  int32_t dtype = arithmetic_type(n);
  std::string mode = n.num_inputs() > kThird && !n.is_none(kThird) ? n.str(kThird) : "";
  int32_t a = operand(n, kSelf, dtype), b = operand(n, kOther, dtype);
  if (mode.empty()) return n.output(0, binary(n, LC_OP_DIV, a, b));
  if (mode == "floor") return n.output(0, binary(n, LC_OP_FLOOR_DIV, a, b));
  if (mode != "trunc") n.decline("rounding_mode '" + mode + "'");
  int32_t q = binary(n, LC_OP_DIV, a, b);
  n.output(0, dtype == LC_INT32 ? q : truncate(n, q));
}

// x ** k for a constant exponent k that has an exact cheaper form, or -1.
int32_t power_special(const litecast::Node& n, int32_t x, double k, int32_t dtype) {
  if (k == 1) return x;
  if (k == 2) return binary(n, LC_OP_MUL, x, x);
  if (k == 3) return binary(n, LC_OP_MUL, binary(n, LC_OP_MUL, x, x), x);
  if (dtype != LC_FLOAT32) return -1;
  if (k == 0.5) return unary(n, LC_OP_SQRT, x);
  if (k == -0.5) return unary(n, LC_OP_RSQRT, x);
  if (k == -1) return binary(n, LC_OP_DIV, scalar(n, LC_FLOAT32, 1), x);
  return -1;
}

// aten::pow(self, exponent): tensor ** number, tensor ** tensor, number ** tensor.
void pow(litecast::Node& n) {
  int32_t dtype = arithmetic_type(n);
  if (n.input_kind(kSelf) == LC_VALUE_TENSOR) {
    if (std::optional<double> k = pw::number(n, kOther)) {
      int32_t y = power_special(n, operand(n, kSelf, dtype), *k, dtype);
      if (y >= 0) return n.output(0, y);
    }
  }
  n.output(0, binary(n, LC_OP_POW, operand(n, kSelf, dtype), operand(n, kOther, dtype)));
}

}  // namespace

const Family elementwise_family([](litecast::Registrar& r) {
  for (const Arithmetic& a : kArithmetic)
    r.translator(a.op, kPriority, "float32/int32; numpy broadcasting (explicit beyond the kernel's rank)", arithmetic);
  r.translator("aten::rsub", kPriority, "float32/int32; alpha folded", rsub);
  r.translator("aten::div", kPriority, "float32/int32; rounding_mode None, 'trunc', 'floor'", div);
  r.translator("aten::pow", kPriority, "float32/int32; exponent 1, 2, 3, 0.5, -0.5, -1 exact special cases, else POW",
               pow);
});

}  // namespace aten
