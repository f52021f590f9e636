// Normalization layers as exact decompositions: batch_norm (inference: one MUL and one ADD
// with per-channel constants; training or missing running stats: batch statistics),
// layer_norm, group_norm, instance_norm. Statistics use MEAN, SUB, MUL, MEAN, ADD eps, RSQRT
// in float32, as PyTorch's CPU kernels do (biased variance); rms_norm MUL, MEAN, ADD eps, RSQRT.
#include "math_emit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace aten {

int32_t emit_normalize(const litecast::Node& n, int32_t x, const std::vector<int64_t>& axes, double eps, int32_t gamma,
                       int32_t beta) {
  int32_t mean = emit_reduce(n, LC_OP_MEAN, x, axes, true);
  int32_t centered = emit_binary(n, LC_OP_SUB, x, mean);
  int32_t var = emit_reduce(n, LC_OP_MEAN, emit_binary(n, LC_OP_MUL, centered, centered), axes, true);
  int32_t inv_std = emit_unary(n, LC_OP_RSQRT, emit_binary(n, LC_OP_ADD, var, scalar_f32(n, static_cast<float>(eps))));
  int32_t y = emit_binary(n, LC_OP_MUL, centered, inv_std);
  if (gamma >= 0) y = emit_binary(n, LC_OP_MUL, y, gamma);
  if (beta >= 0) y = emit_binary(n, LC_OP_ADD, y, beta);
  return y;
}

namespace {

// Shape [C, 1, ...] that broadcasts a per-channel vector over dim 1 of a rank-`rank` tensor.
std::vector<int64_t> channel_shape(int64_t channels, int rank) {
  std::vector<int64_t> s{channels};
  for (int i = 2; i < rank; ++i) s.push_back(1);
  return s;
}

// Optional per-channel parameter input i shaped to broadcast over dim 1; -1 when None.
int32_t channel_param(const litecast::Node& n, int i, int64_t channels, int rank) {
  if (n.is_none(i)) return -1;
  litecast::TensorInfo t = n.info(i);
  if (t.numel() != channels) n.decline("a per-channel parameter with " + std::to_string(t.numel()) + " elements");
  std::vector<int64_t> shape = channel_shape(channels, rank);
  if (t.is_constant) return n.const_f32(shape, n.floats_of(i));
  return reshape(n, operand(n, i, LC_FLOAT32), shape);
}

// Every dimension of a rank-`rank` tensor from `first` on (and dim 0 when `with_batch`).
std::vector<int64_t> stat_axes(int rank, int first, bool with_batch) {
  std::vector<int64_t> axes;
  if (with_batch) axes.push_back(0);
  for (int d = first; d < rank; ++d) axes.push_back(d);
  return axes;
}

void check_float(const litecast::Node& n) {
  if (n.info(0).dtype != LC_FLOAT32) n.decline("float32 only");
  if (n.info(0).rank() < 2) n.decline("needs a batch and a channel dimension");
}

// y = x * scale + shift with scale = w / sqrt(var + eps), shift = b - mean * scale, per channel.
void running_stats_affine(litecast::Node& n, int w, int b, int mean, int var, double eps) {
  litecast::TensorInfo t = n.info(0);
  int64_t c = t.shape[1];
  for (int i : {mean, var})
    if (!n.info(i).is_constant) n.decline("running statistics must be constants (freeze the model)");
  for (int i : {w, b})
    if (!n.is_none(i) && !n.info(i).is_constant) n.decline("weight and bias must be constants (freeze the model)");
  std::vector<float> m = n.floats_of(mean), v = n.floats_of(var);
  std::vector<float> wv = n.is_none(w) ? std::vector<float>(c, 1.0f) : n.floats_of(w);
  std::vector<float> bv = n.is_none(b) ? std::vector<float>(c, 0.0f) : n.floats_of(b);
  if (static_cast<int64_t>(m.size()) != c || v.size() != m.size() || wv.size() != m.size() || bv.size() != m.size())
    n.decline("per-channel parameters do not match the channel count");
  std::vector<float> scale(c), shift(c);
  for (int64_t k = 0; k < c; ++k) {
    scale[k] = static_cast<float>(wv[k] / std::sqrt(static_cast<double>(v[k]) + eps));
    shift[k] = bv[k] - m[k] * scale[k];
  }
  std::vector<int64_t> shape = channel_shape(c, t.rank());
  int32_t y = emit_binary(n, LC_OP_MUL, n.input(0), n.const_f32(shape, scale));
  n.output(0, emit_binary(n, LC_OP_ADD, y, n.const_f32(shape, shift)));
}

// batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn)
void batch_norm(litecast::Node& n) {
  check_float(n);
  litecast::TensorInfo t = n.info(0);
  double eps = n.f64(7);
  if (!n.flag(5) && !n.is_none(3) && !n.is_none(4)) return running_stats_affine(n, 1, 2, 3, 4, eps);
  int64_t c = t.shape[1];
  int32_t y = emit_normalize(n, n.input(0), stat_axes(t.rank(), 2, true), eps, channel_param(n, 1, c, t.rank()),
                             channel_param(n, 2, c, t.rank()));
  n.output(0, y);
}

// instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps, cudnn)
void instance_norm(litecast::Node& n) {
  check_float(n);
  litecast::TensorInfo t = n.info(0);
  double eps = n.f64(7);
  if (!n.flag(5)) {
    if (n.is_none(3) || n.is_none(4)) n.decline("use_input_stats=false without running statistics");
    return running_stats_affine(n, 1, 2, 3, 4, eps);
  }
  int64_t c = t.shape[1];
  int32_t y = emit_normalize(n, n.input(0), stat_axes(t.rank(), 2, false), eps, channel_param(n, 1, c, t.rank()),
                             channel_param(n, 2, c, t.rank()));
  n.output(0, y);
}

// How many of the input's last dims `normalized` (layer_norm's and rms_norm's normalized_shape)
// names; declines when it does not match them.
int last_dims(const litecast::Node& n, const litecast::TensorInfo& t, const std::vector<int64_t>& normalized) {
  int k = static_cast<int>(normalized.size());
  if (k == 0 || k > t.rank()) n.decline("normalized_shape longer than the input's shape");
  for (int i = 0; i < k; ++i)
    if (t.shape[static_cast<size_t>(t.rank() - k + i)] != normalized[static_cast<size_t>(i)])
      n.decline("normalized_shape does not match the input's last dims");
  return k;
}

// layer_norm(input, normalized_shape, weight, bias, eps, cudnn): statistics over the last dims.
void layer_norm(litecast::Node& n) {
  litecast::TensorInfo t = n.info(0);
  if (t.dtype != LC_FLOAT32) n.decline("float32 only");
  int k = last_dims(n, t, n.ints(1));
  int32_t gamma = n.is_none(2) ? -1 : operand(n, 2, LC_FLOAT32);
  int32_t beta = n.is_none(3) ? -1 : operand(n, 3, LC_FLOAT32);
  n.output(0, emit_normalize(n, n.input(0), stat_axes(t.rank(), t.rank() - k, false), n.f64(4), gamma, beta));
}

// rms_norm(input, normalized_shape, weight=None, eps=None): x / sqrt(mean(x^2) + eps) * weight
// over the last dims; eps None is float32's machine epsilon (torch.finfo(torch.float32).eps).
void rms_norm(litecast::Node& n) {
  litecast::TensorInfo t = n.info(0);
  if (t.dtype != LC_FLOAT32) n.decline("float32 only");
  int k = last_dims(n, t, n.ints(1));
  double eps = n.is_none(3) ? static_cast<double>(std::numeric_limits<float>::epsilon()) : n.f64(3);
  int32_t x = n.input(0);
  std::vector<int64_t> axes = stat_axes(t.rank(), t.rank() - k, false);
  int32_t mean_sq = emit_reduce(n, LC_OP_MEAN, emit_binary(n, LC_OP_MUL, x, x), axes, true);
  int32_t inv_rms =
      emit_unary(n, LC_OP_RSQRT, emit_binary(n, LC_OP_ADD, mean_sq, scalar_f32(n, static_cast<float>(eps))));
  int32_t y = emit_binary(n, LC_OP_MUL, x, inv_rms);
  if (!n.is_none(2)) y = emit_binary(n, LC_OP_MUL, y, operand(n, 2, LC_FLOAT32));
  n.output(0, y);
}

// group_norm(input, num_groups, weight, bias, eps, cudnn): [N, C, *] viewed as [N, G, C/G * prod(*)].
void group_norm(litecast::Node& n) {
  check_float(n);
  litecast::TensorInfo t = n.info(0);
  int64_t groups = n.i64(1), c = t.shape[1];
  if (groups <= 0 || c % groups != 0) n.decline("channels not divisible by num_groups");
  int32_t grouped = reshape(n, n.input(0), {t.shape[0], groups, t.numel() / (t.shape[0] * groups)});
  int32_t y = emit_normalize(n, grouped, {2}, n.f64(4), -1, -1);
  y = reshape(n, y, t.shape);
  int32_t gamma = channel_param(n, 2, c, t.rank()), beta = channel_param(n, 3, c, t.rank());
  if (gamma >= 0) y = emit_binary(n, LC_OP_MUL, y, gamma);
  if (beta >= 0) y = emit_binary(n, LC_OP_ADD, y, beta);
  n.output(0, y);
}

// cosine_similarity(x1, x2, dim, eps) = sum(x1 / max(|x1|, eps) * x2 / max(|x2|, eps)) over dim,
// each norm taken over dim of the operands broadcast together.
void cosine_similarity(litecast::Node& n) {
  if (n.info(0).dtype != LC_FLOAT32 || n.info(1).dtype != LC_FLOAT32) n.decline("float32 only");
  std::vector<int64_t> a = n.info(0).shape, b = n.info(1).shape;
  const size_t rank = std::max(a.size(), b.size());
  a.insert(a.begin(), rank - a.size(), 1);
  b.insert(b.begin(), rank - b.size(), 1);
  const int64_t dim = normalize_dim(n, n.i64(2), static_cast<int64_t>(rank));
  const float eps = static_cast<float>(n.f64(3));
  auto unit = [&](int i, const std::vector<int64_t>& shape) {
    int32_t x = n.input(i);
    if (n.info(i).shape != shape) x = reshape(n, x, shape);
    int32_t norm = emit_unary(n, LC_OP_SQRT, emit_reduce(n, LC_OP_SUM, emit_binary(n, LC_OP_MUL, x, x), {dim}, true));
    return emit_binary(n, LC_OP_DIV, x, emit_binary(n, LC_OP_MAXIMUM, norm, scalar_f32(n, eps)));
  };
  int32_t y = emit_reduce(n, LC_OP_SUM, emit_binary(n, LC_OP_MUL, unit(0, a), unit(1, b)), {dim}, false);
  if (n.tensor_info(y).shape != n.output_info(0).shape) y = reshape(n, y, n.output_info(0).shape);
  n.output(0, y);
}

}  // namespace

const Family family([](litecast::Registrar& r) {
  r.translator("aten::cosine_similarity", kPriority, "float32; operands broadcast; norms clamped by eps",
               cosine_similarity);
  r.translator("aten::batch_norm", kPriority,
               "float32, rank >= 2; eval: per-channel MUL + ADD (constant stats); training: batch stats", batch_norm);
  r.translator("aten::instance_norm", kPriority, "float32, rank >= 2; input stats, or constant running stats",
               instance_norm);
  r.translator("aten::layer_norm", kPriority, "float32; normalized_shape = last dims; affine optional", layer_norm);
  r.translator("aten::rms_norm", kPriority, "float32; normalized_shape = last dims; weight optional", rms_norm);
  r.translator("aten::group_norm", kPriority, "float32, rank >= 2; affine optional", group_norm);
});

}  // namespace aten
