// quantized::add/mul (+ _relu, scalar forms) -> int8 ADD/MUL; quantized::cat -> CONCATENATION
// (inputs requantized to the output's quantization, which TFLite's int8 kernel requires);
// quantized::batch_norm1d/2d (+ _relu) -> a 1x1 per-channel DEPTHWISE_CONV_2D (one int8 op,
// weights a = gamma / sqrt(var + eps) per channel, bias beta - mean * a).
#include "common.hpp"

#include <cmath>

namespace quant {

namespace {

int32_t binary_op_code(const std::string& kind) {
  return kind.find("mul") != std::string::npos ? LC_OP_MUL : LC_OP_ADD;
}
const char* activation_of(const std::string& kind) {
  return kind.find("_relu") != std::string::npos ? "RELU" : "NONE";
}

// A number as a 0-d int8 constant quantized to represent it exactly (zero point 0).
int32_t scalar_q(const litecast::Node& n, double v) {
  const double scale = v == 0 ? 1.0 : std::abs(v) / 127.0;
  Quant q{{static_cast<float>(scale)}, {0}, 0};
  return q_constant_i8(n, {}, {static_cast<int8_t>(v == 0 ? 0 : (v > 0 ? 127 : -127))}, q);
}

void binary(litecast::Node& n) {
  const std::string kind = n.kind();
  int32_t y = like_output(n, 0);
  int32_t a, b;
  if (is_quantized_input(n, 0) && is_quantized_input(n, 1)) {  // constants too: int8 with their quantization
    input_q(n, 0);
    input_q(n, 1);
    a = n.input(0);
    b = n.input(1);
  } else {  // add_scalar / mul_scalar / .Scalar / .Scalar2: one quantized tensor and a number
    const int t = n.input_kind(0) == LC_VALUE_TENSOR ? 0 : 1;
    input_q(n, t);
    std::vector<float> c = floats_or_empty(n, 1 - t);
    if (c.size() != 1) n.decline("the scalar operand must be a single number");
    a = n.input(t);
    b = scalar_q(n, c[0]);
  }
  n.op(binary_op_code(kind), {a, b}, {y}).set("fused_activation_function", activation_of(kind));
  n.output(0, y);
}

void cat(litecast::Node& n) {
  QParams qy = output_q(n, 0);
  litecast::TensorInfo out = n.output_info(0);
  const int count = n.list_size(0);
  std::vector<int32_t> parts;
  for (int k = 0; k < count; ++k) {
    input_q(n, 0, k);
    parts.push_back(requantize(n, n.input(0, k), qy));
  }
  int64_t dim = n.i64(1);
  if (dim < 0) dim += out.rank();
  int32_t y = like_output(n, 0);
  n.op(LC_OP_CONCATENATION, parts, {y}).set("axis", dim).set("fused_activation_function", "NONE");
  n.output(0, y);
}

// batch_norm(qx, weight?, bias?, mean, var, eps, output_scale, output_zero_point)
void batch_norm(litecast::Node& n) {
  litecast::TensorInfo x = n.info(0);
  QParams qx = input_q(n, 0);
  const int64_t c = x.shape.at(1);
  std::vector<float> gamma = floats_or_empty(n, 1), beta = floats_or_empty(n, 2);
  std::vector<float> mean = n.floats_of(3), var = n.floats_of(4);
  const double eps = n.f64(5);
  if (static_cast<int64_t>(mean.size()) != c || static_cast<int64_t>(var.size()) != c) n.decline("statistics size");
  std::vector<int8_t> w(static_cast<size_t>(c));
  std::vector<int32_t> b(static_cast<size_t>(c));
  Quant wq, bq;
  for (size_t k = 0; k < static_cast<size_t>(c); ++k) {
    const double a = (gamma.empty() ? 1.0 : gamma[k]) / std::sqrt(var[k] + eps);
    const double shift = (beta.empty() ? 0.0 : beta[k]) - mean[k] * a;
    const double ws = a == 0 ? 1.0 : std::abs(a) / 127.0;
    w[k] = clamp_i8(a / ws);
    wq.scales.push_back(static_cast<float>(ws));
    bq.scales.push_back(static_cast<float>(qx.scale * ws));
    b[k] = clamp_i32(shift / (qx.scale * ws));
  }
  wq.zero_points.assign(wq.scales.size(), 0);
  bq.zero_points.assign(bq.scales.size(), 0);
  wq.axis = 3;
  int32_t t;
  if (x.rank() == 4 || x.rank() == 3) {
    t = to_nhwc(n, 0);
  } else if (x.rank() == 2) {
    t = reshape(n, n.input(0), {x.shape[0], 1, 1, c});
  } else {
    n.decline("2-D to 4-D inputs");
  }
  std::vector<int64_t> s = n.tensor_info(t).shape;
  int32_t y = q_tensor(n, s, output_q(n, 0));
  n.op(LC_OP_DEPTHWISE_CONV_2D, {t, q_constant_i8(n, {1, 1, 1, c}, w, wq), q_constant_i32(n, {c}, b, bq)}, {y})
      .set("padding", "VALID")
      .set("stride_h", 1)
      .set("stride_w", 1)
      .set("depth_multiplier", 1)
      .set("fused_activation_function", activation_of(n.kind()));
  if (x.rank() == 2) return n.output(0, reshape(n, y, x.shape));
  bind_nhwc(n, 0, y);
}

}  // namespace

static const Family family([](litecast::Registrar& r) {
  for (const char* op : {"quantized::add", "quantized::add_relu", "quantized::mul", "quantized::mul_relu",
                         "quantized::add_scalar", "quantized::add_scalar_relu", "quantized::mul_scalar"})
    r.translator(op, kPriority, "int8; broadcasting; a scalar operand as an int8 constant", binary);
  r.translator("quantized::cat", kPriority, "int8; inputs requantized to the output's quantization", cat);
  for (const char* op : {"quantized::batch_norm1d", "quantized::batch_norm2d", "quantized::batch_norm1d_relu",
                         "quantized::batch_norm2d_relu", "quantized::batch_norm"})
    r.translator(op, kPriority, "int8; as a 1x1 per-channel DEPTHWISE_CONV_2D", batch_norm);
});

}  // namespace quant
