// Pooling, means and resizes of int8 tensors: aten::max_pool1d/2d -> MAX_POOL_2D,
// avg_pool2d / adaptive_avg_pool2d -> AVERAGE_POOL_2D (avg_pool2d in float between DEQUANTIZE and
// QUANTIZE where TFLite's divisor differs from PyTorch's) or MEAN, aten::mean -> MEAN,
// upsample_nearest2d / upsample_bilinear2d -> RESIZE_*. These run in NHWC (TRANSPOSEs around,
// which the layout pass cancels) and keep PyTorch's output quantization (requantized when a
// kernel's differs).
#include "common.hpp"

#include <algorithm>

namespace quant {

namespace {

constexpr int kInput = 0, kKernel = 1, kStride = 2, kPadding = 3;

std::vector<int64_t> per_axis(const litecast::Node& n, int i, const std::vector<int64_t>& fallback, size_t k) {
  std::vector<int64_t> v = n.ints(i);
  if (v.empty()) return fallback;
  if (v.size() == 1) return std::vector<int64_t>(k, v[0]);
  if (v.size() != k) n.decline("window arguments do not match the spatial rank");
  return v;
}

std::vector<int64_t> as_4d(std::vector<int64_t> s) {
  if (s.size() == 3) s.insert(s.begin() + 2, 1);
  return s;
}

// Axes of a pooling window; 1-d pools get a trivial H axis.
std::array<Axis, 2> window_axes(const litecast::Node& n) {
  std::vector<int64_t> in = as_4d(n.info(kInput).shape), out = as_4d(n.output_info(0).shape);
  const size_t k = n.info(kInput).rank() == 3 ? 1 : 2;
  std::vector<int64_t> kernel = per_axis(n, kKernel, {}, k);
  std::vector<int64_t> stride = per_axis(n, kStride, kernel, k);
  std::vector<int64_t> padding = per_axis(n, kPadding, std::vector<int64_t>(k, 0), k);
  if (k == 1) kernel.insert(kernel.begin(), 1), stride.insert(stride.begin(), 1), padding.insert(padding.begin(), 0);
  std::array<Axis, 2> a;
  for (size_t d = 0; d < 2; ++d) a[d] = {in[2 + d], out[2 + d], kernel.at(d), stride.at(d), 1, padding.at(d)};
  return a;
}

int32_t pool(const litecast::Node& n, int32_t code, int32_t t, const std::array<Axis, 2>& a, const char* padding) {
  std::vector<int64_t> in = n.tensor_info(t).shape;
  int32_t y = q_tensor(n, {in[0], a[0].out, a[1].out, in[3]}, tensor_q(n, t));
  n.op(code, {t}, {y})
      .set("padding", padding)
      .set("stride_h", a[0].stride)
      .set("stride_w", a[1].stride)
      .set("filter_height", a[0].kernel)
      .set("filter_width", a[1].kernel)
      .set("fused_activation_function", "NONE");
  return y;
}

// MAX_POOL_2D needs equal input and output quantization, which PyTorch keeps as well.
void max_pool(litecast::Node& n) {
  require_quantized_input(n, kInput);
  if (n.num_inputs() > 4)
    for (int64_t d : n.ints(4))
      if (d != 1) n.decline("dilation > 1 (MAX_POOL_2D has none)");
  std::array<Axis, 2> a = window_axes(n);
  int32_t t = to_nhwc(n, kInput);
  const char* padding = place_windows(n, t, a, -128);  // the lowest code never wins a window
  bind_nhwc(n, 0, pool(n, LC_OP_MAX_POOL_2D, t, a, padding));
}

// PyTorch's divisor of each window of one axis (o*stride - before .. + kernel): the window
// clipped to the padded input when padding counts, else to the input itself.
std::vector<int64_t> window_counts(const Axis& a, bool include_pad) {
  std::vector<int64_t> c;
  for (int64_t o = 0; o < a.out; ++o) {
    const int64_t start = o * a.stride - a.before, end = start + a.kernel;
    c.push_back(include_pad ? std::min(end, a.in + a.before) - start
                            : std::min(end, a.in) - std::max<int64_t>(start, 0));
  }
  return c;
}

// The general form, in float: DEQUANTIZE, PAD with 0.0, AVERAGE_POOL_2D VALID (which divides
// by the whole window), MUL by kernel area / PyTorch's divisor per output position (or one
// number for divisor_override), QUANTIZE to the output's quantization.
int32_t avg_pool_float(const litecast::Node& n, int32_t t, std::array<Axis, 2> a, bool include_pad, int64_t divisor) {
  std::vector<std::vector<int64_t>> counts{window_counts(a[0], include_pad), window_counts(a[1], include_pad)};
  std::vector<int64_t> s = n.tensor_info(t).shape;
  int32_t x = n.add_tensor(LC_FLOAT32, s);
  n.op(LC_OP_DEQUANTIZE, {t}, {x});
  const int64_t top = a[0].before, bottom = a[0].after(), left = a[1].before, right = a[1].after();
  if (top || bottom || left || right) {
    std::vector<int64_t> padded{s[0], s[1] + top + bottom, s[2] + left + right, s[3]};
    int32_t p = n.add_tensor(LC_FLOAT32, padded);
    n.op(LC_OP_PAD, {x, hw_paddings(n, top, bottom, left, right)}, {p});
    x = p;
    absorb_padding(a);
  }
  int32_t y = n.add_tensor(LC_FLOAT32, {s[0], a[0].out, a[1].out, s[3]});
  n.op(LC_OP_AVERAGE_POOL_2D, {x}, {y})
      .set("padding", "VALID")
      .set("stride_h", a[0].stride)
      .set("stride_w", a[1].stride)
      .set("filter_height", a[0].kernel)
      .set("filter_width", a[1].kernel)
      .set("fused_activation_function", "NONE");
  const double area = static_cast<double>(a[0].kernel * a[1].kernel);
  std::vector<float> ratio;
  bool all_one = true;
  for (int64_t ch : counts[0])
    for (int64_t cw : counts[1]) {
      const double d = divisor ? static_cast<double>(divisor) : static_cast<double>(ch * cw);
      if (d <= 0) n.decline("a window with no input element");
      ratio.push_back(static_cast<float>(area / d));
      all_one = all_one && ratio.back() == 1.0f;
    }
  if (!all_one) {
    const bool one = divisor != 0;
    int32_t r = one ? n.const_f32({1}, {ratio[0]}) : n.const_f32({1, a[0].out, a[1].out, 1}, ratio);
    int32_t z = n.add_tensor(LC_FLOAT32, {s[0], a[0].out, a[1].out, s[3]});
    n.op(LC_OP_MUL, {y, r}, {z}).set("fused_activation_function", "NONE");
    y = z;
  }
  int32_t q = q_tensor(n, {s[0], a[0].out, a[1].out, s[3]}, output_q(n, 0));
  n.op(LC_OP_QUANTIZE, {y}, {q});
  return q;
}

// avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override).
// PyTorch divides each window's sum by divisor_override, else by the window clipped to the
// padded input (count_include_pad) or to the input. In int8 where TFLite divides alike:
// VALID windows; SAME-placed windows that exclude the padding; zero-point padding + VALID
// when the padding counts and no window reaches past it. Otherwise the float form above.
void avg_pool(litecast::Node& n) {
  require_quantized_input(n, kInput);
  std::array<Axis, 2> a = window_axes(n);
  const bool include_pad = n.num_inputs() > 5 ? n.flag(5) : true;
  int64_t divisor = n.num_inputs() > 6 && !n.is_none(6) ? n.i64(6) : 0;
  if (divisor < 0) n.decline("negative divisor_override");
  const bool valid = a[0].valid() && a[1].valid();
  const bool within_padding = a[0].after() <= a[0].before && a[1].after() <= a[1].before;
  if (divisor == a[0].kernel * a[1].kernel && (valid || (include_pad && within_padding))) divisor = 0;  // the same
  int32_t t = to_nhwc(n, kInput);
  if (divisor == 0 && valid) return bind_nhwc(n, 0, pool(n, LC_OP_AVERAGE_POOL_2D, t, a, "VALID"));
  if (divisor == 0 && !include_pad && a[0].same() && a[1].same())
    return bind_nhwc(n, 0, pool(n, LC_OP_AVERAGE_POOL_2D, t, a, "SAME"));
  if (divisor == 0 && include_pad && within_padding) {
    t = pad_hw(n, t, a[0].before, a[0].after(), a[1].before, a[1].after(),
               static_cast<int8_t>(tensor_q(n, t).zero_point));
    absorb_padding(a);
    return bind_nhwc(n, 0, pool(n, LC_OP_AVERAGE_POOL_2D, t, a, "VALID"));
  }
  bind_nhwc(n, 0, avg_pool_float(n, t, a, include_pad, divisor));
}

void adaptive_avg_pool(litecast::Node& n) {
  require_quantized_input(n, kInput);
  std::vector<int64_t> in = as_4d(n.info(kInput).shape), out = as_4d(n.output_info(0).shape);
  if (out[2] == 1 && out[3] == 1) {
    int32_t y = like_output(n, 0);
    const std::vector<int32_t> axes = n.info(kInput).rank() == 4 ? std::vector<int32_t>{2, 3} : std::vector<int32_t>{2};
    n.op(LC_OP_MEAN, {n.input(kInput), n.const_i32(axes)}, {y}).set("keep_dims", true);
    return n.output(0, y);
  }
  if (in[2] % out[2] != 0 || in[3] % out[3] != 0) n.decline("output size must divide the input size");
  std::array<Axis, 2> a;
  for (size_t d = 0; d < 2; ++d) {
    const int64_t w = in[2 + d] / out[2 + d];
    a[d] = {in[2 + d], out[2 + d], w, w, 1, 0};
  }
  bind_nhwc(n, 0, pool(n, LC_OP_AVERAGE_POOL_2D, to_nhwc(n, kInput), a, "VALID"));
}

// aten::mean(x, dims, keepdim, dtype)
void mean(litecast::Node& n) {
  require_quantized_input(n, 0);
  const int64_t rank = n.info(0).rank();
  std::vector<int32_t> axes;
  for (int64_t d : n.ints(1)) axes.push_back(static_cast<int32_t>(d < 0 ? d + rank : d));
  int32_t y = like_output(n, 0);
  n.op(LC_OP_MEAN, {n.input(0), n.const_i32(axes)}, {y}).set("keep_dims", n.flag(2));
  n.output(0, y);
}

template <bool kBilinear>
void upsample(litecast::Node& n) {
  require_quantized_input(n, 0);
  if (n.info(0).rank() != 4) n.decline("4-D input only");
  std::vector<int64_t> out = n.output_info(0).shape;
  int32_t t = to_nhwc(n, 0);
  std::vector<int64_t> in = n.tensor_info(t).shape;
  int32_t y = q_tensor(n, {out[0], out[2], out[3], out[1]}, tensor_q(n, t));
  int32_t size = n.const_i32({static_cast<int32_t>(out[2]), static_cast<int32_t>(out[3])});
  if (kBilinear) {
    const bool align = n.flag(2);
    n.op(LC_OP_RESIZE_BILINEAR, {t, size}, {y}).set("align_corners", align).set("half_pixel_centers", !align);
  } else {
    if (out[2] % in[1] != 0 || out[3] % in[2] != 0) n.decline("integer scale factors only");
    n.op(LC_OP_RESIZE_NEAREST_NEIGHBOR, {t, size}, {y}).set("align_corners", false).set("half_pixel_centers", false);
  }
  bind_nhwc(n, 0, y);
}

}  // namespace

static const Family family([](litecast::Registrar& r) {
  const char* on_q = "quantized int8 inputs only";
  r.translator("aten::max_pool1d", kAtenPriority, on_q, max_pool);
  r.translator("aten::max_pool2d", kAtenPriority, on_q, max_pool);
  r.translator("aten::avg_pool2d", kAtenPriority,
               "quantized int8; any padding, count_include_pad, divisor_override (float between Q/DQ when TFLite "
               "divides otherwise)",
               avg_pool);
  r.translator("aten::adaptive_avg_pool2d", kAtenPriority, "quantized int8; output 1 or dividing sizes",
               adaptive_avg_pool);
  r.translator("aten::adaptive_avg_pool1d", kAtenPriority, "quantized int8; output 1 or dividing sizes",
               adaptive_avg_pool);
  r.translator("aten::mean", kAtenPriority, on_q, mean);
  r.translator("aten::upsample_nearest2d", kAtenPriority, "quantized int8; integer factors", upsample<false>);
  r.translator("aten::upsample_bilinear2d", kAtenPriority, on_q, upsample<true>);
});

}  // namespace quant
