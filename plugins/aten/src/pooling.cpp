// Pooling, 1-d and 2-d -> MAX_POOL_2D, AVERAGE_POOL_2D, MEAN. 1-d pools run as 2-d ones with
// H = 1. PyTorch's padding and ceil_mode become TFLite's SAME where it places the windows
// identically, else an explicit pad (lowest float for max, zeros for average, whose divisor
// PyTorch's rules then fix by a constant factor per output position).
#include "spatial.hpp"

#include <algorithm>
#include <limits>
#include <string>

namespace aten {

namespace {

using spatial::Axes;
using spatial::Axis;

constexpr int kInput = 0, kKernel = 1, kStride = 2, kPadding = 3;
// ceil_mode (max 5, avg 4) needs no reading: it shows in the output size LibTorch computed.
constexpr int kMaxDilation = 4;
constexpr int kAvgCountIncludePad = 5, kAvgDivisorOverride = 6;

size_t spatial_dims(const litecast::Node& n) {
  litecast::TensorInfo x = n.info(kInput);
  if (x.dtype != LC_FLOAT32) n.decline("float32 input only");
  if (x.rank() != 3 && x.rank() != 4) n.decline("1-d pools on 3-D input and 2-d pools on 4-D input only");
  return static_cast<size_t>(x.rank() - 2);
}

Axes window_axes(const litecast::Node& n, size_t k) {
  std::vector<int64_t> kernel = spatial::per_axis(n, kKernel, k, {});
  std::vector<int64_t> stride = spatial::per_axis(n, kStride, k, kernel);
  std::vector<int64_t> padding = spatial::per_axis(n, kPadding, k, std::vector<int64_t>(k, 0));
  if (kernel.size() != k) n.decline("kernel size missing");
  return spatial::make_axes(n.info(kInput).shape, n.output_info(0).shape, kernel, stride, std::vector<int64_t>(k, 1),
                            padding);
}

int32_t pool_2d(const litecast::Node& n, int32_t code, int32_t x_nhwc, const Axes& a, const char* padding) {
  std::vector<int64_t> in = n.tensor_info(x_nhwc).shape;
  int32_t y = n.add_tensor(LC_FLOAT32, {in[0], a[0].out, a[1].out, in[3]});
  n.op(code, {x_nhwc}, {y})
      .set("padding", padding)
      .set("stride_h", a[0].stride)
      .set("stride_w", a[1].stride)
      .set("filter_height", a[0].kernel)
      .set("filter_width", a[1].kernel)
      .set("fused_activation_function", "NONE");
  return y;
}

void max_pool(litecast::Node& n) {
  size_t k = spatial_dims(n);
  for (int64_t d : spatial::per_axis(n, kMaxDilation, k, {}))
    if (d != 1) n.decline("dilation > 1 (MAX_POOL_2D has none)");
  Axes a = window_axes(n, k);
  int32_t t = spatial::to_nhwc(n, kInput);
  // PyTorch keeps every window on at least one input element, so the pad value never wins.
  const char* padding = spatial::place_windows(n, t, a, std::numeric_limits<float>::lowest());
  spatial::bind_nhwc(n, 0, pool_2d(n, LC_OP_MAX_POOL_2D, t, a, padding));
}

// PyTorch's divisor for each output position of one axis: the window clipped to the input
// and its padding (ceil_mode windows may reach past both), or to the input alone.
std::vector<int64_t> torch_divisors(const Axis& a, bool count_include_pad) {
  std::vector<int64_t> d;
  for (int64_t o = 0; o < a.out; ++o) {
    int64_t start = o * a.stride - a.before;
    int64_t end = std::min(start + a.kernel, a.in + a.before);
    d.push_back(count_include_pad ? end - start : std::min(end, a.in) - std::max<int64_t>(start, 0));
  }
  return d;
}

// TFLite's divisor: the window clipped to the input (SAME skips padding; VALID has none).
std::vector<int64_t> tflite_divisors(const Axis& a, const char* padding) {
  const int64_t before = std::string(padding) == "SAME" ? spatial::same_before(a) : 0;
  std::vector<int64_t> d;
  for (int64_t o = 0; o < a.out; ++o) {
    int64_t start = o * a.stride - before;
    d.push_back(std::min(start + a.kernel, a.in) - std::max<int64_t>(start, 0));
  }
  return d;
}

// Factor per output position (row-major H x W) turning TFLite's mean into PyTorch's.
std::vector<float> divisor_factors(const Axes& torch, const Axes& tflite, const char* padding, bool include_pad,
                                   int64_t divisor_override) {
  std::vector<int64_t> th = torch_divisors(torch[0], include_pad), tw = torch_divisors(torch[1], include_pad);
  std::vector<int64_t> lh = tflite_divisors(tflite[0], padding), lw = tflite_divisors(tflite[1], padding);
  std::vector<float> f;
  for (size_t i = 0; i < th.size(); ++i)
    for (size_t j = 0; j < tw.size(); ++j) {
      int64_t divisor = divisor_override > 0 ? divisor_override : th[i] * tw[j];
      f.push_back(static_cast<float>(static_cast<double>(lh[i] * lw[j]) / static_cast<double>(divisor)));
    }
  return f;
}

bool all_ones(const std::vector<float>& f) {
  for (float v : f)
    if (v != 1.0f) return false;
  return true;
}

void avg_pool(litecast::Node& n) {
  size_t k = spatial_dims(n);
  const bool include_pad = n.flag(kAvgCountIncludePad);
  int64_t divisor_override = 0;
  if (k == 2 && !n.is_none(kAvgDivisorOverride)) divisor_override = n.i64(kAvgDivisorOverride);
  const Axes torch_axes = window_axes(n, k);
  Axes a = torch_axes;
  int32_t t = spatial::to_nhwc(n, kInput);
  // SAME averages over the input part of each window only: right when PyTorch does too.
  const char* natural = spatial::tflite_padding(a);
  const bool same_exact = natural && std::string(natural) == "SAME" && divisor_override == 0 &&
                          all_ones(divisor_factors(torch_axes, a, "SAME", include_pad, 0));
  const char* padding = spatial::place_windows(n, t, a, 0.0f, same_exact);
  std::vector<float> f = divisor_factors(torch_axes, a, padding, include_pad, divisor_override);
  int32_t y = pool_2d(n, LC_OP_AVERAGE_POOL_2D, t, a, padding);
  if (!all_ones(f)) {
    int32_t scaled = n.add_tensor(LC_FLOAT32, n.tensor_info(y).shape);
    n.op(LC_OP_MUL, {y, n.const_f32({1, a[0].out, a[1].out, 1}, f)}, {scaled}).set("fused_activation_function", "NONE");
    y = scaled;
  }
  spatial::bind_nhwc(n, 0, y);
}

// Adaptive window o of an axis: [floor(o * in / out), ceil((o + 1) * in / out)), averaged.
spatial::AxisMap adaptive_mean(int64_t in, int64_t out) {
  spatial::AxisMap m{out, in, std::vector<float>(static_cast<size_t>(out * in), 0.0f)};
  for (int64_t o = 0; o < out; ++o) {
    const int64_t start = o * in / out, end = ((o + 1) * in + out - 1) / out;
    for (int64_t i = start; i < end; ++i) m.m[static_cast<size_t>(o * in + i)] = 1.0f / static_cast<float>(end - start);
  }
  return m;
}

// Windows that tile the input exactly: kernel = stride = in / out on both axes.
Axes tiling_axes(const std::vector<int64_t>& in, const std::vector<int64_t>& out) {
  Axes a;
  for (size_t d = 0; d < 2; ++d) {
    const int64_t w = in[2 + d] / out[2 + d];
    a[d] = Axis{in[2 + d], out[2 + d], w, w, 1, 0, 0};
  }
  return a;
}

bool tiles(const std::vector<int64_t>& in, const std::vector<int64_t>& out) {
  return in[2] % out[2] == 0 && in[3] % out[3] == 0;
}

void adaptive_avg_pool(litecast::Node& n) {
  spatial_dims(n);
  std::vector<int64_t> in = spatial::shape_4d(n.info(kInput).shape), out = spatial::output_4d(n, 0);
  if (tiles(in, out) && (out[2] > 1 || out[3] > 1)) {
    Axes a = tiling_axes(in, out);
    return spatial::bind_nhwc(n, 0, pool_2d(n, LC_OP_AVERAGE_POOL_2D, spatial::to_nhwc(n, kInput), a, "VALID"));
  }
  int32_t t = spatial::as_4d(n, n.input(kInput));
  int32_t y;
  if (out[2] == 1 && out[3] == 1) {
    y = n.add_tensor(LC_FLOAT32, out);
    n.op(LC_OP_MEAN, {t, n.const_i32({2, 3})}, {y}).set("keep_dims", true);
  } else {
    y = spatial::separable_map(n, t, adaptive_mean(in[2], out[2]), adaptive_mean(in[3], out[3]));
  }
  spatial::bind_output(n, 0, y);
}

// PyTorch's indices of the maxima: flat positions h * W + w in each (N, C) plane. Each
// window's elements are gathered into one axis, ARG_MAX finds the position q within it.
int32_t window_argmax(const litecast::Node& n, int32_t t, const Axes& a) {
  std::vector<int64_t> s = n.tensor_info(t).shape;
  const int64_t kh = a[0].kernel, kw = a[1].kernel, oh = a[0].out, ow = a[1].out, width = s[3];
  int32_t r = reshape(n, t, {s[0] * s[1], oh, kh, ow, kw});
  r = reshape(n, transpose(n, r, {0, 1, 3, 2, 4}), {s[0], s[1], oh, ow, kh * kw});
  const std::vector<int64_t> plane{s[0], s[1], oh, ow};
  int32_t q = n.add_tensor(LC_INT32, plane);
  n.op(LC_OP_ARG_MAX, {r, n.const_i32({4})}, {q}).set("output_type", "INT32");
  std::vector<int32_t> offset, base;  // q -> position in the window; window -> its first position
  for (int64_t k = 0; k < kh * kw; ++k) offset.push_back(static_cast<int32_t>(k / kw * width + k % kw));
  for (int64_t i = 0; i < oh; ++i)
    for (int64_t j = 0; j < ow; ++j) base.push_back(static_cast<int32_t>(i * kh * width + j * kw));
  int32_t within = n.add_tensor(LC_INT32, plane);
  n.op(LC_OP_GATHER, {n.const_i32(offset), q}, {within}).set("axis", 0).set("batch_dims", 0);
  int32_t index = n.add_tensor(LC_INT32, plane);
  n.op(LC_OP_ADD, {within, n.const_i32({oh, ow}, base)}, {index}).set("fused_activation_function", "NONE");
  return index;
}

void adaptive_max_pool(litecast::Node& n) {
  spatial_dims(n);
  std::vector<int64_t> in = spatial::shape_4d(n.info(kInput).shape), out = spatial::output_4d(n, 0);
  if (!tiles(in, out)) n.decline("output size must divide the input size");
  Axes a = tiling_axes(in, out);
  spatial::bind_nhwc(n, 0, pool_2d(n, LC_OP_MAX_POOL_2D, spatial::to_nhwc(n, kInput), a, "VALID"));
  if (n.num_outputs() > 1) spatial::bind_output(n, 1, window_argmax(n, spatial::as_4d(n, n.input(kInput)), a));
}

}  // namespace

const Family family([](litecast::Registrar& r) {
  const char* max = "float32; 1-d/2-d; dilation 1; any padding and ceil_mode";
  r.translator("aten::max_pool1d", kPriority, max, max_pool);
  r.translator("aten::max_pool2d", kPriority, max, max_pool);
  const char* avg = "float32; 1-d/2-d; any padding, ceil_mode, count_include_pad, divisor_override";
  r.translator("aten::avg_pool1d", kPriority, avg, avg_pool);
  r.translator("aten::avg_pool2d", kPriority, avg, avg_pool);
  const char* adaptive_avg =
      "float32; 1-d/2-d; output 1 -> MEAN, dividing sizes -> AVERAGE_POOL_2D, else FULLY_CONNECTED per axis";
  r.translator("aten::adaptive_avg_pool1d", kPriority, adaptive_avg, adaptive_avg_pool);
  r.translator("aten::adaptive_avg_pool2d", kPriority, adaptive_avg, adaptive_avg_pool);
  const char* adaptive_max = "float32; 1-d/2-d; output size must divide the input size; indices via ARG_MAX";
  r.translator("aten::adaptive_max_pool1d", kPriority, adaptive_max, adaptive_max_pool);
  r.translator("aten::adaptive_max_pool2d", kPriority, adaptive_max, adaptive_max_pool);
});

}  // namespace aten
