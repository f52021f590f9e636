// Activations on int8 tensors: quantized::relu6/hardswish/leaky_relu/elu/sigmoid and aten::relu,
// hardtanh, sigmoid, tanh, hardswish, hardsigmoid on quantized inputs. LOGISTIC and TANH fix
// their int8 output quantization (1/256, -128 and 1/128, 0): a QUANTIZE follows when PyTorch's
// differs.
#include "common.hpp"

#include <utility>

namespace quant {

namespace {

// A one-input op into a tensor with quantization q, then bound (requantized to the output's).
litecast::Op unary_into(const litecast::Node& n, int32_t code, const QParams& q) {
  int32_t y = q_tensor(n, n.output_info(0).shape, q);
  litecast::Op op = n.op(code, {n.input(0)}, {y});
  bind(n, 0, y);
  return op;
}

void relu(litecast::Node& n) {
  require_quantized_input(n, 0);
  unary_into(n, LC_OP_RELU, output_q(n, 0));
}

void relu6(litecast::Node& n) {
  require_quantized_input(n, 0);
  unary_into(n, LC_OP_RELU6, output_q(n, 0));
}

void hardtanh(litecast::Node& n) {
  require_quantized_input(n, 0);
  const double lo = n.f64(1), hi = n.f64(2);
  if (lo == 0 && hi == 6) return relu6(n);
  if (lo == -1 && hi == 1) return void(unary_into(n, LC_OP_RELU_N1_TO_1, output_q(n, 0)));
  if (lo == 0 && hi > 1e30) return relu(n);
  n.decline("hardtanh bounds other than [0, 6] and [-1, 1]");
}

void hardswish(litecast::Node& n) {
  require_quantized_input(n, 0);
  unary_into(n, LC_OP_HARD_SWISH, output_q(n, 0));
}

void sigmoid(litecast::Node& n) {
  require_quantized_input(n, 0);
  unary_into(n, LC_OP_LOGISTIC, {1.0 / 256, -128});
}

void tanh(litecast::Node& n) {
  require_quantized_input(n, 0);
  unary_into(n, LC_OP_TANH, {1.0 / 128, 0});
}

// quantized::leaky_relu(qx, negative_slope, inplace, output_scale, output_zero_point);
// aten::leaky_relu(x, negative_slope)
void leaky_relu(litecast::Node& n) {
  require_quantized_input(n, 0);
  const double slope = n.f64(1);
  unary_into(n, LC_OP_LEAKY_RELU, output_q(n, 0)).set("alpha", slope);
}

// quantized::elu(x, output_scale, output_zero_point, alpha, scale, input_scale)
void elu(litecast::Node& n) {
  require_quantized_input(n, 0);
  for (int i = 3; i <= 5 && i < n.num_inputs(); ++i)
    if (n.f64(i) != 1.0) n.decline("TFLite's ELU has alpha = scale = input_scale = 1 only");
  unary_into(n, LC_OP_ELU, output_q(n, 0));
}

// hardsigmoid(x) = relu6(x + 3) / 6: ADD with a fused RELU6 into six times the output's scale,
// then MUL by 1/6 into the output's quantization. Two int8 ops, each rounding to the output
// step.
void hardsigmoid(litecast::Node& n) {
  require_quantized_input(n, 0);
  QParams qy = output_q(n, 0);
  std::vector<int64_t> shape = n.output_info(0).shape;
  Quant three{{3.0f / 127}, {0}, 0}, sixth{{1.0f / 6 / 127}, {0}, 0};
  int32_t t = q_tensor(n, shape, {qy.scale * 6, qy.zero_point});
  n.op(LC_OP_ADD, {n.input(0), q_constant_i8(n, {}, {127}, three)}, {t}).set("fused_activation_function", "RELU6");
  int32_t y = q_tensor(n, shape, qy);
  n.op(LC_OP_MUL, {t, q_constant_i8(n, {}, {127}, sixth)}, {y}).set("fused_activation_function", "NONE");
  n.output(0, y);
}

// quantized::softmax(qx, dim, output_scale, output_zero_point): SOFTMAX works on the last
// axis and writes (1/256, -128); other axes are moved last and back.
void softmax(litecast::Node& n) {
  litecast::TensorInfo x = n.info(0);
  input_q(n, 0);
  const int64_t rank = x.rank();
  int64_t dim = n.i64(1);
  if (dim < 0) dim += rank;
  if (dim < 0 || dim >= rank) n.decline("dimension out of range");
  std::vector<int32_t> perm;
  for (int32_t d = 0; d < rank; ++d) perm.push_back(d);
  std::swap(perm[static_cast<size_t>(dim)], perm.back());
  int32_t t = dim == rank - 1 ? n.input(0) : transpose(n, n.input(0), perm);
  int32_t y = q_tensor(n, n.tensor_info(t).shape, {1.0 / 256, -128});
  n.op(LC_OP_SOFTMAX, {t}, {y}).set("beta", 1.0);
  if (dim != rank - 1) y = transpose(n, y, perm);
  bind(n, 0, y);
}

}  // namespace

static const Family family([](litecast::Registrar& r) {
  const char* same = "int8";
  r.translator("quantized::relu6", kPriority, same, relu6);
  r.translator("quantized::hardswish", kPriority, same, hardswish);
  r.translator("quantized::leaky_relu", kPriority, same, leaky_relu);
  r.translator("quantized::elu", kPriority, "int8; alpha 1", elu);
  r.translator("quantized::sigmoid", kPriority, "int8; LOGISTIC then requantize", sigmoid);
  r.translator("quantized::softmax", kPriority, "int8; any dim (moved last); SOFTMAX then requantize", softmax);
  const char* on_q = "quantized int8 inputs only (float ones go to the ATen plugin)";
  const std::pair<const char*, litecast::TranslateFn> on_quantized[] = {{"aten::relu", relu},
                                                                        {"aten::relu_", relu},
                                                                        {"aten::relu6", relu6},
                                                                        {"aten::hardtanh", hardtanh},
                                                                        {"aten::hardtanh_", hardtanh},
                                                                        {"aten::hardswish", hardswish},
                                                                        {"aten::hardswish_", hardswish},
                                                                        {"aten::sigmoid", sigmoid},
                                                                        {"aten::tanh", tanh},
                                                                        {"aten::leaky_relu", leaky_relu},
                                                                        {"aten::hardsigmoid", hardsigmoid},
                                                                        {"aten::hardsigmoid_", hardsigmoid}};
  for (const auto& [op, fn] : on_quantized) r.translator(op, kAtenPriority, on_q, fn);
});

}  // namespace quant
