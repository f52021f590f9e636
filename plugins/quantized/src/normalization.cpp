// quantized::layer_norm / group_norm / instance_norm (nn.quantized.LayerNorm, GroupNorm,
// InstanceNorm1d/2d/3d): TFLite has no int8 normalization kernel, so these run in float
// between DEQUANTIZE and QUANTIZE (to the op's output scale and zero point): MEAN, SUB, MUL,
// MEAN, ADD eps, RSQRT, MUL (biased variance, as PyTorch), then the affine parameters.
// (quantized::batch_norm* is one int8 op: see elementwise.cpp.)
#include "common.hpp"

#include <algorithm>
#include <string>

namespace quant {

namespace {

std::vector<int64_t> broadcast(const litecast::Node& n, std::vector<int64_t> a, std::vector<int64_t> b) {
  if (a.size() < b.size()) std::swap(a, b);
  b.insert(b.begin(), a.size() - b.size(), 1);
  for (size_t d = 0; d < a.size(); ++d) {
    if (a[d] != b[d] && a[d] != 1 && b[d] != 1) n.fail("normalization: shapes do not broadcast");
    a[d] = std::max(a[d], b[d]);
  }
  return a;
}

int32_t f32_binary(const litecast::Node& n, int32_t code, int32_t a, int32_t b) {
  int32_t y = n.add_tensor(LC_FLOAT32, broadcast(n, n.tensor_info(a).shape, n.tensor_info(b).shape));
  n.op(code, {a, b}, {y}).set("fused_activation_function", "NONE");
  return y;
}

int32_t f32_mean(const litecast::Node& n, int32_t x, const std::vector<int32_t>& axes) {
  std::vector<int64_t> shape = n.tensor_info(x).shape;
  for (int32_t d : axes) shape[static_cast<size_t>(d)] = 1;
  int32_t y = n.add_tensor(LC_FLOAT32, shape);
  n.op(LC_OP_MEAN, {x, n.const_i32(axes)}, {y}).set("keep_dims", true);
  return y;
}

int32_t f32_reshape(const litecast::Node& n, int32_t x, const std::vector<int64_t>& shape) {
  if (n.tensor_info(x).shape == shape) return x;
  int32_t y = n.add_tensor(LC_FLOAT32, shape);
  n.op(LC_OP_RESHAPE, {x, n.const_i32(std::vector<int32_t>(shape.begin(), shape.end()))}, {y});
  return y;
}

// (x - mean) / sqrt(var + eps) over `axes`.
int32_t normalize(const litecast::Node& n, int32_t x, const std::vector<int32_t>& axes, double eps) {
  int32_t centered = f32_binary(n, LC_OP_SUB, x, f32_mean(n, x, axes));
  int32_t var = f32_mean(n, f32_binary(n, LC_OP_MUL, centered, centered), axes);
  var = f32_binary(n, LC_OP_ADD, var, n.const_f32({1}, {static_cast<float>(eps)}));
  int32_t inv_std = n.add_tensor(LC_FLOAT32, n.tensor_info(var).shape);
  n.op(LC_OP_RSQRT, {var}, {inv_std});
  return f32_binary(n, LC_OP_MUL, centered, inv_std);
}

// Input 0 dequantized to float.
int32_t dequantized_input(const litecast::Node& n) {
  input_q(n, 0);
  int32_t x = n.add_tensor(LC_FLOAT32, n.info(0).shape);
  n.op(LC_OP_DEQUANTIZE, {n.input(0)}, {x});
  return x;
}

// y * weight + bias with constant parameter inputs w, b (None: skipped) shaped as `shape`.
int32_t affine(const litecast::Node& n, int32_t y, int w, int b, const std::vector<int64_t>& shape) {
  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  for (int i : {w, b}) {
    if (n.is_none(i)) continue;
    if (!n.info(i).is_constant) n.decline("weight and bias must be constants (freeze the model)");
    std::vector<float> v = n.floats_of(i);
    if (static_cast<int64_t>(v.size()) != count)
      n.decline("a parameter with " + std::to_string(v.size()) + " elements");
    y = f32_binary(n, i == w ? LC_OP_MUL : LC_OP_ADD, y, n.const_f32(shape, v));
  }
  return y;
}

void bind_quantized(const litecast::Node& n, int32_t y) {
  int32_t q = like_output(n, 0);
  n.op(LC_OP_QUANTIZE, {y}, {q});
  n.output(0, q);
}

// [C, 1, ...]: a per-channel parameter broadcast over dim 1 of a rank-`rank` tensor.
std::vector<int64_t> channel_shape(int64_t c, int64_t rank) {
  std::vector<int64_t> s{c};
  s.resize(static_cast<size_t>(std::max<int64_t>(rank - 1, 1)), 1);
  return s;
}

// layer_norm(qx, normalized_shape, weight?, bias?, eps, output_scale, output_zero_point)
void layer_norm(litecast::Node& n) {
  litecast::TensorInfo t = n.info(0);
  std::vector<int64_t> normalized = n.ints(1);
  const int64_t k = static_cast<int64_t>(normalized.size());
  if (k == 0 || k > t.rank()) n.decline("normalized_shape longer than the input's shape");
  if (!std::equal(normalized.begin(), normalized.end(), t.shape.end() - k))
    n.decline("normalized_shape does not match the input's last dims");
  std::vector<int32_t> axes;
  for (int64_t d = t.rank() - k; d < t.rank(); ++d) axes.push_back(static_cast<int32_t>(d));
  int32_t y = normalize(n, dequantized_input(n), axes, n.f64(4));
  bind_quantized(n, affine(n, y, 2, 3, normalized));
}

// group_norm(qx, num_groups, weight?, bias?, eps, output_scale, output_zero_point):
// [N, C, *] normalized as [N, G, C/G * prod(*)].
void group_norm(litecast::Node& n) {
  litecast::TensorInfo t = n.info(0);
  if (t.rank() < 2) n.decline("needs a batch and a channel dimension");
  const int64_t groups = n.i64(1), c = t.shape[1];
  if (groups <= 0 || c % groups != 0) n.decline("channels not divisible by num_groups");
  int32_t x = f32_reshape(n, dequantized_input(n), {t.shape[0], groups, t.numel() / (t.shape[0] * groups)});
  int32_t y = f32_reshape(n, normalize(n, x, {2}, n.f64(4)), t.shape);
  bind_quantized(n, affine(n, y, 2, 3, channel_shape(c, t.rank())));
}

// instance_norm(qx, weight?, bias?, eps, output_scale, output_zero_point): per sample and channel.
void instance_norm(litecast::Node& n) {
  litecast::TensorInfo t = n.info(0);
  if (t.rank() < 3) n.decline("needs a batch, a channel and a spatial dimension");
  std::vector<int32_t> axes;
  for (int64_t d = 2; d < t.rank(); ++d) axes.push_back(static_cast<int32_t>(d));
  int32_t y = normalize(n, dequantized_input(n), axes, n.f64(3));
  bind_quantized(n, affine(n, y, 1, 2, channel_shape(t.shape[1], t.rank())));
}

}  // namespace

static const Family family([](litecast::Registrar& r) {
  const char* how = "int8 in and out; float statistics between DEQUANTIZE and QUANTIZE; constant affine parameters";
  r.translator("quantized::layer_norm", kPriority, how, layer_norm);
  r.translator("quantized::group_norm", kPriority, how, group_norm);
  r.translator("quantized::instance_norm", kPriority, how, instance_norm);
});

}  // namespace quant
