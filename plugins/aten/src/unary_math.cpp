// Unary math: one TFLite operator per op where TFLite has it, short exact forms otherwise.
// Integer inputs of float functions (sqrt of an int64 tensor) are cast as PyTorch promotes them.
#include "pointwise.hpp"

#include <cmath>
#include <string>

namespace aten {

namespace {

using pw::binary;
using pw::scalar;
using pw::unary;

// What a row does with int32 outputs (floor of an integer tensor is the tensor itself).
enum IntCase { kFloatOnly, kSameOp, kIdentity };

struct UnaryOp {
  const char* op;
  int32_t code;
  IntCase ints;
};
constexpr UnaryOp kUnary[] = {
    {"aten::sqrt", LC_OP_SQRT, kFloatOnly},  {"aten::rsqrt", LC_OP_RSQRT, kFloatOnly},
    {"aten::exp", LC_OP_EXP, kFloatOnly},    {"aten::log", LC_OP_LOG, kFloatOnly},
    {"aten::sin", LC_OP_SIN, kFloatOnly},    {"aten::cos", LC_OP_COS, kFloatOnly},
    {"aten::abs", LC_OP_ABS, kSameOp},       {"aten::neg", LC_OP_NEG, kSameOp},
    {"aten::sign", LC_OP_SIGN, kSameOp},     {"aten::floor", LC_OP_FLOOR, kIdentity},
    {"aten::ceil", LC_OP_CEIL, kIdentity},   {"aten::round", LC_OP_ROUND, kIdentity},
};
static_assert(pw::unique_ops(kUnary), "an op listed twice in kUnary");

// Input 0 in the output's element type, after checking that type is float32 or int32.
int32_t input_as_output(const litecast::Node& n) {
  if (n.input_kind(0) != LC_VALUE_TENSOR) n.decline("math on a number");
  pw::require_unquantized(n);
  int32_t dtype = n.output_info(0).dtype;
  pw::require_numeric(n, dtype);
  return operand(n, 0, dtype);
}

// ROUND rounds half to even, as torch.round does; `decimals` scales by 10^d around it the way
// PyTorch does (multiply then divide for d > 0, divide then multiply for d < 0).
int32_t round_decimals(const litecast::Node& n, int32_t x, int64_t decimals) {
  if (decimals == 0) return unary(n, LC_OP_ROUND, x);
  int32_t ten = scalar(n, LC_FLOAT32, std::pow(10.0, static_cast<double>(decimals < 0 ? -decimals : decimals)));
  int32_t first = decimals > 0 ? LC_OP_MUL : LC_OP_DIV, then = decimals > 0 ? LC_OP_DIV : LC_OP_MUL;
  return binary(n, then, unary(n, LC_OP_ROUND, binary(n, first, x, ten)), ten);
}

void unary_op(litecast::Node& n) {
  int32_t x = input_as_output(n);
  int32_t dtype = n.tensor_info(x).dtype;
  std::string kind = n.kind();
  for (const UnaryOp& u : kUnary) {
    if (kind != u.op) continue;
    if (dtype == LC_INT32 && u.ints == kIdentity) return n.output(0, x);
    if (dtype == LC_INT32 && u.ints == kFloatOnly) n.decline("float32 only");
    if (u.code == LC_OP_ROUND && n.num_inputs() > 1 && !n.is_none(1))
      return n.output(0, round_decimals(n, x, n.i64(1)));
    return n.output(0, unary(n, u.code, x));
  }
  n.fail("no row for " + kind);
}

// Functions without a TFLite operator of their own.
void reciprocal(litecast::Node& n) {
  int32_t x = input_as_output(n);
  if (n.tensor_info(x).dtype != LC_FLOAT32) n.decline("float32 only");
  n.output(0, binary(n, LC_OP_DIV, scalar(n, LC_FLOAT32, 1), x));
}

void square(litecast::Node& n) {
  int32_t x = input_as_output(n);
  n.output(0, binary(n, LC_OP_MUL, x, x));
}

// log(1 + x) and exp(x) - 1: the absolute error of the plain forms in float32 stays near
// 1e-7 for small x, which the relative forms exist to fix but the tolerance does not need.
void log1p(litecast::Node& n) {
  int32_t x = input_as_output(n);
  if (n.tensor_info(x).dtype != LC_FLOAT32) n.decline("float32 only");
  n.output(0, unary(n, LC_OP_LOG, binary(n, LC_OP_ADD, x, scalar(n, LC_FLOAT32, 1))));
}

void expm1(litecast::Node& n) {
  int32_t x = input_as_output(n);
  if (n.tensor_info(x).dtype != LC_FLOAT32) n.decline("float32 only");
  n.output(0, binary(n, LC_OP_SUB, unary(n, LC_OP_EXP, x), scalar(n, LC_FLOAT32, 1)));
}

// log2, log10 and exp2 through the natural forms: one MUL by a constant.
template <int Base>
void log_base(litecast::Node& n) {
  int32_t x = input_as_output(n);
  if (n.tensor_info(x).dtype != LC_FLOAT32) n.decline("float32 only");
  const float inv_ln = Base == 2 ? 1.4426950408889634f : 0.4342944819032518f;  // 1 / ln(base)
  n.output(0, binary(n, LC_OP_MUL, unary(n, LC_OP_LOG, x), scalar(n, LC_FLOAT32, inv_ln)));
}

void exp2(litecast::Node& n) {
  int32_t x = input_as_output(n);
  if (n.tensor_info(x).dtype != LC_FLOAT32) n.decline("float32 only");
  n.output(0, unary(n, LC_OP_EXP, binary(n, LC_OP_MUL, x, scalar(n, LC_FLOAT32, 0.6931471805599453f))));
}

}  // namespace

const Family unary_math_family([](litecast::Registrar& r) {
  for (const UnaryOp& u : kUnary) {
    const char* limits = u.ints == kFloatOnly  ? "float32 (integer inputs promoted)"
                         : u.ints == kSameOp   ? "float32/int32"
                                               : "float32; identity on integers";
    r.translator(u.op, kPriority, limits, unary_op);
  }
  r.translator("aten::reciprocal", kPriority, "float32; 1 / x", reciprocal);
  r.translator("aten::square", kPriority, "float32/int32; x * x", square);
  r.translator("aten::log1p", kPriority, "float32; log(1 + x)", log1p);
  r.translator("aten::expm1", kPriority, "float32; exp(x) - 1", expm1);
  r.translator("aten::log2", kPriority, "float32; log(x) / ln 2", log_base<2>);
  r.translator("aten::log10", kPriority, "float32; log(x) / ln 10", log_base<10>);
  r.translator("aten::exp2", kPriority, "float32; exp(x ln 2)", exp2);
});

}  // namespace aten
