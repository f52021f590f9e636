// Activations: one TFLite operator where one computes exactly what PyTorch does, else a short
// decomposition of exact operators (no polynomial approximations). Float32; quantized inputs
// are declined for the quantized plugin.
#include "pointwise.hpp"

#include <cmath>
#include <limits>
#include <optional>
#include <string>

namespace aten {

namespace {

using pw::binary;
using pw::scalar;
using pw::unary;

constexpr double kInf = std::numeric_limits<double>::infinity();

// Input 0 as float32, after checking that the node computes in float32.
int32_t float_input(const litecast::Node& n) {
  pw::require_unquantized(n);
  if (n.output_info(0).dtype != LC_FLOAT32) n.decline("float32 only");
  return operand(n, 0, LC_FLOAT32);
}

int32_t mul_by(const litecast::Node& n, int32_t x, double k) {
  return k == 1.0 ? x : binary(n, LC_OP_MUL, x, scalar(n, LC_FLOAT32, k));
}

// Activations that are one TFLite operator.
struct OneOp {
  const char* op;
  int32_t code;
};
constexpr OneOp kOneOp[] = {
    {"aten::relu", LC_OP_RELU}, {"aten::relu6", LC_OP_RELU6},          {"aten::sigmoid", LC_OP_LOGISTIC},
    {"aten::tanh", LC_OP_TANH}, {"aten::hardswish", LC_OP_HARD_SWISH},
};
static_assert(pw::unique_ops(kOneOp), "an op listed twice in kOneOp");

void one_op(litecast::Node& n) {
  std::string kind = n.kind();
  for (const OneOp& o : kOneOp) {
    if (kind != o.op) continue;
    // RELU has no int32 kernel; an integer relu is a MAXIMUM with 0.
    if (o.code == LC_OP_RELU && n.output_info(0).dtype == LC_INT32) {
      int32_t x = n.input(0);
      return n.output(0, binary(n, LC_OP_MAXIMUM, x, scalar(n, LC_INT32, 0)));
    }
    return n.output(0, unary(n, o.code, float_input(n)));
  }
  n.fail("no row for " + kind);
}

// Clamps to [lo, hi] that are one TFLite activation; others are MAXIMUM and MINIMUM.
struct ClampOp {
  double lo, hi;
  int32_t code;
};
constexpr ClampOp kClampOps[] = {
    {0, kInf, LC_OP_RELU}, {0, 6, LC_OP_RELU6}, {-1, 1, LC_OP_RELU_N1_TO_1}, {0, 1, LC_OP_RELU_0_TO_1}};

// A bound of clamp: none, a number, or a tensor.
struct Bound {
  std::optional<double> value;
  int32_t tensor = -1;
  bool present() const { return value || tensor >= 0; }
};

Bound bound(const litecast::Node& n, int i, int32_t dtype) {
  if (i < 0 || n.is_none(i)) return {};
  if (std::optional<double> v = pw::number(n, i)) return {v, -1};
  return {std::nullopt, operand(n, i, dtype)};
}

// aten::clamp(x, min, max), clamp_min(x, min), clamp_max(x, max), hardtanh(x, min, max);
// bounds are numbers or tensors that broadcast against x. Where min > max the result is max,
// as in PyTorch, because MINIMUM comes last.
void clamp(litecast::Node& n) {
  pw::require_unquantized(n);
  std::string kind = n.kind();
  int lo_input = kind == "aten::clamp_max" ? -1 : 1;
  int hi_input = kind == "aten::clamp_min" ? -1 : (kind == "aten::clamp_max" ? 1 : 2);
  int32_t dtype = n.output_info(0).dtype;
  pw::require_numeric(n, dtype);
  int32_t x = operand(n, 0, dtype);
  Bound lo = bound(n, lo_input, dtype), hi = bound(n, hi_input, dtype);
  if (dtype == LC_FLOAT32 && lo.tensor < 0 && hi.tensor < 0) {
    double l = lo.value.value_or(-kInf), h = hi.value.value_or(kInf);
    for (const ClampOp& c : kClampOps)
      if (c.lo == l && c.hi == h) return n.output(0, unary(n, c.code, x));
  }
  if (lo.present()) x = binary(n, LC_OP_MAXIMUM, x, lo.value ? scalar(n, dtype, *lo.value) : lo.tensor);
  if (hi.present()) x = binary(n, LC_OP_MINIMUM, x, hi.value ? scalar(n, dtype, *hi.value) : hi.tensor);
  n.output(0, x);
}

void leaky_relu(litecast::Node& n) {
  int32_t x = float_input(n);
  double slope = n.num_inputs() > 1 ? n.f64(1) : 0.01;
  int32_t y = n.add_like_output(0);
  n.op(LC_OP_LEAKY_RELU, {x}, {y}).set("alpha", slope);
  n.output(0, y);
}

// aten::prelu(x, weight): weight has one slope, or one per channel (dim 1). TFLite's PRELU
// broadcasts alpha against x's trailing dims, so per-channel alpha becomes [C, 1, ..., 1].
void prelu(litecast::Node& n) {
  int32_t x = float_input(n);
  litecast::TensorInfo xi = n.info(0), w = n.info(1);
  int64_t c = w.numel();
  if (c == 1 && w.is_constant) {
    int32_t y = n.add_like_output(0);
    n.op(LC_OP_LEAKY_RELU, {x}, {y}).set("alpha", static_cast<double>(n.floats_of(1)[0]));
    return n.output(0, y);
  }
  if (xi.rank() < 2 || (c != 1 && xi.shape[1] != c)) n.decline("weight must have 1 or input.size(1) slopes");
  std::vector<int64_t> shape(static_cast<size_t>(xi.rank() - 1), 1);
  shape[0] = c;
  int32_t alpha = w.is_constant ? n.const_f32(shape, n.floats_of(1)) : reshape(n, operand(n, 1, LC_FLOAT32), shape);
  n.output(0, binary(n, LC_OP_PRELU, x, alpha));
}

// scale * (x > 0 ? x : alpha * (exp(x * input_scale) - 1)). TFLite's ELU is the alpha = 1 case
// (expm1 below zero); in general relu(x) + alpha * ELU(min(x, 0) * input_scale) is the same
// function, since ELU of a non-positive input is its expm1 and ELU(0) = 0.
int32_t elu(const litecast::Node& n, int32_t x, double alpha, double scale, double input_scale) {
  if (alpha == 1 && scale == 1 && input_scale == 1) return unary(n, LC_OP_ELU, x);
  if (!(input_scale > 0)) n.decline("input_scale must be positive");
  int32_t neg = mul_by(n, binary(n, LC_OP_MINIMUM, x, scalar(n, LC_FLOAT32, 0)), input_scale);
  int32_t y = binary(n, LC_OP_ADD, unary(n, LC_OP_RELU, x), mul_by(n, unary(n, LC_OP_ELU, neg), alpha));
  return mul_by(n, y, scale);
}

// aten::elu(x, alpha, scale, input_scale), aten::selu(x), aten::celu(x, alpha).
void elu_family(litecast::Node& n) {
  int32_t x = float_input(n);
  std::string kind = n.kind();
  auto arg = [&](int i, double fallback) { return i < n.num_inputs() && !n.is_none(i) ? n.f64(i) : fallback; };
  if (kind == "aten::selu") return n.output(0, elu(n, x, 1.6732632423543772848, 1.0507009873554804934, 1));
  if (kind == "aten::celu") {
    double alpha = arg(1, 1.0);
    if (alpha == 0) n.decline("celu with alpha = 0");
    return n.output(0, elu(n, x, alpha, 1, 1 / alpha));
  }
  n.output(0, elu(n, x, arg(1, 1.0), arg(2, 1.0), arg(3, 1.0)));
}

// TFLite's GELU computes both of PyTorch's forms: 0.5 x (1 + erf(x / sqrt 2)) and the tanh
// approximation. The legacy_gelu switch forces the tanh form whatever the model used.
void gelu(litecast::Node& n) {
  int32_t x = float_input(n);
  std::string approximate = n.num_inputs() > 1 && !n.is_none(1) ? n.str(1) : "none";
  if (approximate != "none" && approximate != "tanh") n.decline("approximate='" + approximate + "'");
  const char* legacy = n.option("legacy_gelu");
  bool tanh_form = approximate == "tanh" || (legacy && std::string(legacy) != "0");
  int32_t y = n.add_like_output(0);
  n.op(LC_OP_GELU, {x}, {y}).set("approximate", tanh_form);
  n.output(0, y);
}

void silu(litecast::Node& n) {
  int32_t x = float_input(n);
  n.output(0, binary(n, LC_OP_MUL, x, unary(n, LC_OP_LOGISTIC, x)));
}

// log(1 + exp(beta x)) / beta written as (relu(beta x) + log(1 + exp(-|beta x|))) / beta: the
// same function, without exp overflowing. PyTorch returns x itself where beta x > threshold;
// the formula differs from x there by at most log(1 + exp(-threshold)) / beta, so the SELECT is
// emitted only when that can exceed 1e-7.
int32_t softplus(const litecast::Node& n, int32_t x, double beta, double threshold) {
  int32_t bx = mul_by(n, x, beta);
  int32_t e = unary(n, LC_OP_EXP, unary(n, LC_OP_NEG, unary(n, LC_OP_ABS, bx)));
  int32_t tail = unary(n, LC_OP_LOG, binary(n, LC_OP_ADD, e, scalar(n, LC_FLOAT32, 1)));
  int32_t sum = binary(n, LC_OP_ADD, unary(n, LC_OP_RELU, bx), tail);
  int32_t y = beta == 1 ? sum : binary(n, LC_OP_DIV, sum, scalar(n, LC_FLOAT32, beta));
  if (std::log1p(std::exp(-threshold)) / beta <= 1e-7) return y;
  int32_t above = binary(n, LC_OP_GREATER, bx, scalar(n, LC_FLOAT32, threshold), LC_BOOL);
  return pw::select(n, above, x, y);
}

void softplus_op(litecast::Node& n) {
  int32_t x = float_input(n);
  double beta = n.num_inputs() > 1 ? n.f64(1) : 1.0;
  double threshold = n.num_inputs() > 2 ? n.f64(2) : 20.0;
  if (!(beta > 0)) n.decline("beta must be positive");
  n.output(0, softplus(n, x, beta, threshold));
}

// x * tanh(log(1 + exp(x))), as PyTorch computes it (no threshold). Where exp overflows to
// inf, tanh(inf) = 1 still gives x, so the plain form is exact enough and half the operators.
void mish(litecast::Node& n) {
  int32_t x = float_input(n);
  int32_t e = binary(n, LC_OP_ADD, unary(n, LC_OP_EXP, x), scalar(n, LC_FLOAT32, 1));
  n.output(0, binary(n, LC_OP_MUL, x, unary(n, LC_OP_TANH, unary(n, LC_OP_LOG, e))));
}

// log(sigmoid(x)) = min(x, 0) - log(1 + exp(-|x|)), without exp overflowing.
void log_sigmoid(litecast::Node& n) {
  int32_t x = float_input(n);
  int32_t e = unary(n, LC_OP_EXP, unary(n, LC_OP_NEG, unary(n, LC_OP_ABS, x)));
  int32_t tail = unary(n, LC_OP_LOG, binary(n, LC_OP_ADD, e, scalar(n, LC_FLOAT32, 1)));
  n.output(0, binary(n, LC_OP_SUB, binary(n, LC_OP_MINIMUM, x, scalar(n, LC_FLOAT32, 0)), tail));
}

// relu6(x + 3) / 6, as PyTorch computes it.
void hardsigmoid(litecast::Node& n) {
  int32_t x = float_input(n);
  int32_t r = unary(n, LC_OP_RELU6, binary(n, LC_OP_ADD, x, scalar(n, LC_FLOAT32, 3)));
  n.output(0, binary(n, LC_OP_DIV, r, scalar(n, LC_FLOAT32, 6)));
}

// aten::threshold(x, threshold, value): x > threshold ? x : value.
void threshold(litecast::Node& n) {
  int32_t x = float_input(n);
  int32_t above = binary(n, LC_OP_GREATER, x, scalar(n, LC_FLOAT32, n.f64(1)), LC_BOOL);
  n.output(0, pw::select(n, above, x, scalar(n, LC_FLOAT32, n.f64(2))));
}

// softsign(x) = x / (1 + |x|).
void softsign(litecast::Node& n) {
  int32_t x = float_input(n);
  n.output(0, binary(n, LC_OP_DIV, x, binary(n, LC_OP_ADD, unary(n, LC_OP_ABS, x), scalar(n, LC_FLOAT32, 1))));
}

// logit(x, eps) = log(z / (1 - z)), z = x clamped to [eps, 1 - eps] when eps is given.
void logit(litecast::Node& n) {
  int32_t z = float_input(n);
  if (n.num_inputs() > 1 && !n.is_none(1)) {
    const double eps = n.f64(1);
    z = binary(n, LC_OP_MINIMUM, binary(n, LC_OP_MAXIMUM, z, scalar(n, LC_FLOAT32, eps)),
               scalar(n, LC_FLOAT32, 1.0 - eps));
  }
  int32_t q = binary(n, LC_OP_DIV, z, binary(n, LC_OP_SUB, scalar(n, LC_FLOAT32, 1), z));
  n.output(0, unary(n, LC_OP_LOG, q));
}

// glu(x, dim) = a * sigmoid(b), a and b the two halves of x along dim (SPLIT).
void glu(litecast::Node& n) {
  int32_t x = float_input(n);
  std::vector<int64_t> shape = n.info(0).shape;
  const int64_t dim = normalize_dim(n, n.i64(1), static_cast<int64_t>(shape.size()));
  const auto d = static_cast<size_t>(dim);
  if (shape[d] % 2 != 0) n.decline("glu: the split dimension has an odd size");
  shape[d] /= 2;
  int32_t a = n.add_tensor(LC_FLOAT32, shape), b = n.add_tensor(LC_FLOAT32, shape);
  n.op(LC_OP_SPLIT, {n.const_i32({}, {static_cast<int32_t>(dim)}), x}, {a, b}).set("num_splits", 2);
  n.output(0, binary(n, LC_OP_MUL, a, unary(n, LC_OP_LOGISTIC, b)));
}

}  // namespace

const Family activation_family([](litecast::Registrar& r) {
  for (const OneOp& o : kOneOp) r.translator(o.op, kPriority, "float32 (relu also int32); one TFLite op", one_op);
  const char* clamp_limits =
      "float32/int32; number or tensor bounds; RELU/RELU6/RELU_N1_TO_1/RELU_0_TO_1 when they fit";
  for (const char* op : {"aten::clamp", "aten::clamp_min", "aten::clamp_max", "aten::hardtanh"})
    r.translator(op, kPriority, clamp_limits, clamp);
  r.translator("aten::leaky_relu", kPriority, "float32; LEAKY_RELU", leaky_relu);
  r.translator("aten::prelu", kPriority, "float32; 1 slope (LEAKY_RELU) or C slopes on dim 1 (PRELU)", prelu);
  const char* elu_limits = "float32; ELU when alpha = scale = input_scale = 1, else exact decomposition around ELU";
  for (const char* op : {"aten::elu", "aten::selu", "aten::celu"}) r.translator(op, kPriority, elu_limits, elu_family);
  r.translator("aten::gelu", kPriority, "float32; GELU, exact erf or tanh form (legacy_gelu forces tanh)", gelu);
  r.translator("aten::silu", kPriority, "float32; x * LOGISTIC(x)", silu);
  r.translator("aten::softplus", kPriority, "float32; beta > 0; overflow-free form, threshold by SELECT_V2",
               softplus_op);
  r.translator("aten::mish", kPriority, "float32; x * tanh(log(1 + exp(x)))", mish);
  r.translator("aten::log_sigmoid", kPriority, "float32; overflow-free form", log_sigmoid);
  r.translator("aten::hardsigmoid", kPriority, "float32; relu6(x + 3) / 6", hardsigmoid);
  r.translator("aten::threshold", kPriority, "float32; SELECT_V2", threshold);
  r.translator("aten::glu", kPriority, "float32; SPLIT in halves, a * LOGISTIC(b)", glu);
  r.translator("aten::softsign", kPriority, "float32; x / (1 + |x|)", softsign);
  r.translator("aten::logit", kPriority, "float32; eps clamp optional; LOG(z / (1 - z))", logit);
});

}  // namespace aten
