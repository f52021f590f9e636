// Convolutions, 1-d and 2-d, plain and transposed -> CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV.
// 1-d convolutions run as 2-d ones with H = 1; 3-d ones (5-D input) go to volumetric.cpp.
// Weights are constants, rearranged here into TFLite's layouts; padding TFLite's SAME/VALID
// cannot place becomes an explicit PAD.
#include "spatial.hpp"
#include "volumetric.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

namespace aten {

namespace {

using spatial::Axes;

constexpr int kInput = 0, kWeight = 1, kBias = 2, kStride = 3, kPadding = 4, kDilation = 5;
// aten::_convolution and aten::convolution (output_padding at 7)
constexpr int kTransposed = 6, kGroups = 8;
// aten::conv1d, aten::conv2d, aten::_convolution_mode
constexpr int kConvGroups = 6;
// aten::conv_transpose1d/2d: (input, weight, bias, stride, padding, output_padding, groups, dilation)
constexpr int kTransposeGroups = 6, kTransposeDilation = 7;

struct Conv {
  std::vector<int64_t> stride, dilation, before;  // output_padding shows in the output size
  bool transposed = false;
  int64_t groups = 1;
};

// Weights as 4-D [d0, d1, kh, kw] floats: OIHW for convolutions, IOHW for transposed ones.
struct Weights {
  litecast::ConstSpan<float> v;  // the host's elements, not a copy: valid while the translator runs
  int64_t d0 = 0, d1 = 0, kh = 1, kw = 1;
  float at(int64_t a, int64_t b, int64_t y, int64_t x) const {
    return v[static_cast<size_t>(((a * d1 + b) * kh + y) * kw + x)];
  }
};

size_t spatial_dims(const litecast::Node& n) {
  litecast::TensorInfo x = n.info(kInput);
  if (x.dtype != LC_FLOAT32) n.decline("float32 input only");
  if (x.rank() < 3 || x.rank() > 5) n.decline("1-d, 2-d and 3-d convolutions only");
  return static_cast<size_t>(x.rank() - 2);
}

// Padding given as numbers, or as 'same' / 'valid' (aten::_convolution_mode, conv2d.padding).
std::vector<int64_t> read_padding(const litecast::Node& n, const Conv& c, const std::vector<int64_t>& kernel) {
  size_t k = kernel.size();
  if (n.input_kind(kPadding) != LC_VALUE_STRING) return spatial::per_axis(n, kPadding, k, {});
  std::string mode = n.str(kPadding);
  if (mode == "valid") return std::vector<int64_t>(k, 0);
  if (mode != "same") n.decline("padding mode '" + mode + "'");
  std::vector<int64_t> before;  // PyTorch puts the odd element of the total after
  for (size_t d = 0; d < k; ++d) before.push_back(c.dilation[d] * (kernel[d] - 1) / 2);
  return before;
}

std::vector<int64_t> kernel_of(const litecast::Node& n) {
  std::vector<int64_t> w = n.info(kWeight).shape;
  return std::vector<int64_t>(w.begin() + 2, w.end());
}

Conv read_conv(const litecast::Node& n, int groups, int dilation, bool transposed) {
  size_t k = spatial_dims(n);
  Conv c;
  c.transposed = transposed;
  c.stride = spatial::per_axis(n, kStride, k, {});
  c.dilation = spatial::per_axis(n, dilation, k, {});
  c.groups = n.i64(groups);
  c.before = read_padding(n, c, kernel_of(n));
  if (c.stride.size() != k || c.dilation.size() != k || c.before.size() != k) n.decline("malformed window arguments");
  return c;
}

Weights read_weights(const litecast::Node& n) {
  litecast::TensorInfo w = n.info(kWeight);
  if (!w.is_constant) n.decline("weights must be constant");
  Weights r;
  r.v = n.floats_view(kWeight);
  r.d0 = w.shape[0];
  r.d1 = w.shape[1];
  r.kh = w.rank() == 4 ? w.shape[2] : 1;
  r.kw = w.shape.back();
  return r;
}

std::vector<float> read_bias(const litecast::Node& n, int64_t channels) {
  if (n.is_none(kBias)) return std::vector<float>(static_cast<size_t>(channels), 0.0f);
  if (!n.info(kBias).is_constant) n.decline("bias must be constant");
  return n.floats_of(kBias);
}

// The filter constant. A fake-quantized weight (QAT; the host reports its quantization) keeps
// it as an int8 filter + DEQUANTIZE, which a later pass folds into an int8 kernel. `f` holds
// output channels [o0, o0 + shape[axis]) along `axis`.
// `f` may point into the weight input's own elements: passed on unchanged, they are not copied.
int32_t filter_constant(const litecast::Node& n, const std::vector<int64_t>& shape, litecast::ConstSpan<float> f,
                        int64_t o0, int32_t axis) {
  litecast::TensorInfo w = n.info(kWeight);
  if (w.scales.empty() || (w.scales.size() > 1 && w.quantized_axis != 0)) return n.const_f32(shape, f.data(), f.size());
  const bool per_channel = w.scales.size() > 1;
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) inner *= shape[d];
  const int64_t channels = shape[static_cast<size_t>(axis)];
  std::vector<int8_t> codes(f.size());
  for (size_t k = 0; k < f.size(); ++k) {
    const size_t c = per_channel ? static_cast<size_t>(o0 + (static_cast<int64_t>(k) / inner) % channels) : 0;
    const double q = std::round(f[k] / w.scales[c]) + static_cast<double>(w.zero_points[c]);
    codes[k] = static_cast<int8_t>(std::min(127.0, std::max(-128.0, q)));
  }
  std::vector<float> scales;
  std::vector<int64_t> zero_points;
  for (int64_t c = 0; c < (per_channel ? channels : 1); ++c) {
    scales.push_back(static_cast<float>(w.scales[static_cast<size_t>(per_channel ? o0 + c : 0)]));
    zero_points.push_back(w.zero_points[static_cast<size_t>(per_channel ? o0 + c : 0)]);
  }
  lc_quant_t q{};
  q.struct_size = sizeof q;
  q.scales = scales.data();
  q.zero_points = zero_points.data();
  q.count = static_cast<int32_t>(scales.size());
  q.quantized_axis = per_channel ? axis : 0;
  int32_t i8 = n.add_tensor(LC_INT8, shape, codes.data(), codes.size(), &q);
  int32_t filter = n.add_tensor(LC_FLOAT32, shape);
  n.op(LC_OP_DEQUANTIZE, {i8}, {filter});
  return filter;
}

void set_window(litecast::Op& op, const Axes& a, const char* padding) {
  op.set("padding", padding)
      .set("stride_h", a[0].stride)
      .set("stride_w", a[1].stride)
      .set("fused_activation_function", "NONE");
}

// CONV_2D of output channels [o0, o0 + count) of w; input channels per group = w.d1.
int32_t conv_2d(const litecast::Node& n, int32_t x, const Weights& w, const std::vector<float>& bias, int64_t o0,
                int64_t count, const Axes& a, const char* padding) {
  const size_t per_o = static_cast<size_t>(w.d1 * w.kh * w.kw);
  litecast::ConstSpan<float> ohwi{w.v.data() + static_cast<size_t>(o0) * per_o, static_cast<size_t>(count) * per_o};
  std::vector<float> f;
  if (w.d1 != 1 && w.kh * w.kw != 1) {  // otherwise OIHW is already OHWI
    f.resize(ohwi.size());
    float* out = f.data();
    for (int64_t o = o0; o < o0 + count; ++o)
      for (int64_t y = 0; y < w.kh; ++y)
        for (int64_t xx = 0; xx < w.kw; ++xx)
          for (int64_t i = 0; i < w.d1; ++i) *out++ = w.at(o, i, y, xx);
    ohwi = {f.data(), f.size()};
  }
  std::vector<float> b(bias.begin() + o0, bias.begin() + o0 + count);
  int32_t filter = filter_constant(n, {count, w.kh, w.kw, w.d1}, ohwi, o0, 0);
  std::vector<int64_t> in = n.tensor_info(x).shape;
  int32_t y = n.add_tensor(LC_FLOAT32, {in[0], a[0].out, a[1].out, count});
  litecast::Op op = n.op(LC_OP_CONV_2D, {x, filter, n.const_f32({count}, b)}, {y});
  set_window(op, a, padding);
  op.set("dilation_h_factor", a[0].dilation).set("dilation_w_factor", a[1].dilation);
  return y;
}

int32_t depthwise(const litecast::Node& n, int32_t x, const Weights& w, const std::vector<float>& bias, int64_t in_c,
                  const Axes& a, const char* padding) {
  std::vector<float> f;  // 1HWO
  for (int64_t y = 0; y < w.kh; ++y)
    for (int64_t xx = 0; xx < w.kw; ++xx)
      for (int64_t o = 0; o < w.d0; ++o) f.push_back(w.at(o, 0, y, xx));
  int32_t filter = filter_constant(n, {1, w.kh, w.kw, w.d0}, {f.data(), f.size()}, 0, 3);
  std::vector<int64_t> in = n.tensor_info(x).shape;
  int32_t y = n.add_tensor(LC_FLOAT32, {in[0], a[0].out, a[1].out, w.d0});
  litecast::Op op = n.op(LC_OP_DEPTHWISE_CONV_2D, {x, filter, n.const_f32({w.d0}, bias)}, {y});
  set_window(op, a, padding);
  op.set("depth_multiplier", w.d0 / in_c)
      .set("dilation_h_factor", a[0].dilation)
      .set("dilation_w_factor", a[1].dilation);
  return y;
}

// SPLIT along channels + one CONV_2D per group + CONCATENATION: runs on every TFLite runtime.
int32_t grouped(const litecast::Node& n, int32_t x, const Weights& w, const std::vector<float>& bias, int64_t groups,
                const Axes& a, const char* padding) {
  std::vector<int64_t> in = n.tensor_info(x).shape;
  std::vector<int32_t> parts, outs;
  for (int64_t g = 0; g < groups; ++g) parts.push_back(n.add_tensor(LC_FLOAT32, {in[0], in[1], in[2], in[3] / groups}));
  int32_t axis = n.const_i32({}, {3});
  n.op(LC_OP_SPLIT, {axis, x}, parts).set("num_splits", groups);
  const int64_t per = w.d0 / groups;
  for (int64_t g = 0; g < groups; ++g)
    outs.push_back(conv_2d(n, parts[static_cast<size_t>(g)], w, bias, g * per, per, a, padding));
  int32_t y = n.add_tensor(LC_FLOAT32, {in[0], a[0].out, a[1].out, w.d0});
  n.op(LC_OP_CONCATENATION, outs, {y}).set("axis", 3).set("fused_activation_function", "NONE");
  return y;
}

void forward(const litecast::Node& n, const Conv& c) {
  litecast::TensorInfo x = n.info(kInput);
  const int64_t in_c = x.shape[1];
  if (c.groups < 1 || in_c % c.groups != 0) n.decline("groups must divide the input channels");
  Weights w = read_weights(n);
  std::vector<float> bias = read_bias(n, w.d0);
  Axes a = spatial::make_axes(x.shape, n.output_info(0).shape, kernel_of(n), c.stride, c.dilation, c.before);
  int32_t t = spatial::to_nhwc(n, kInput);
  const char* padding = spatial::place_windows(n, t, a, 0.0f);
  int32_t y;
  if (c.groups == 1)
    y = conv_2d(n, t, w, bias, 0, w.d0, a, padding);
  else if (c.groups == in_c)
    y = depthwise(n, t, w, bias, in_c, a, padding);
  else if (n.option("group_conv_rewrite"))
    y = grouped(n, t, w, bias, c.groups, a, padding);
  else
    y = conv_2d(n, t, w, bias, 0, w.d0, a, padding);  // groups = C_in / filter's C_in; LiteRT runs it
  spatial::bind_nhwc(n, 0, y);
}

// One axis of a transposed convolution: input i reaches outputs i * stride + j - before.
struct TransposedAxis {
  int64_t in = 1, out = 1, kernel = 1, stride = 1, before = 0;  // kernel dilated
  int64_t full() const { return (in - 1) * stride + kernel; }
  // TFLite derives its padding from the output size as a SAME convolution back would.
  bool same_matches() const {
    return (out + stride - 1) / stride == in && std::max<int64_t>(full() - out, 0) / 2 == before;
  }
  // VALID (no padding) into this size, then crop `before` off; kernels require size < full + stride.
  int64_t valid_size() const { return std::max(full(), before + out); }
};

// Input channels [i0, i0 + count) of IOHW weights as OHWI, with the dilation's zeros in the
// kernel (TRANSPOSE_CONV has no dilation).
std::vector<float> dilated_ohwi(const Weights& w, int64_t dh, int64_t dw, int64_t i0, int64_t count) {
  const int64_t kh = dh * (w.kh - 1) + 1, kw = dw * (w.kw - 1) + 1;
  std::vector<float> f(static_cast<size_t>(w.d1 * kh * kw * count), 0.0f);
  for (int64_t o = 0; o < w.d1; ++o)
    for (int64_t y = 0; y < w.kh; ++y)
      for (int64_t x = 0; x < w.kw; ++x)
        for (int64_t i = 0; i < count; ++i)
          f[static_cast<size_t>(((o * kh + y * dh) * kw + x * dw) * count + i)] = w.at(i0 + i, o, y, x);
  return f;
}

struct TransposedPlan {
  std::array<TransposedAxis, 2> a;
  int64_t dh = 1, dw = 1;
  bool same = false;
  std::vector<int64_t> size;  // NHWC output of each TRANSPOSE_CONV
};

TransposedPlan plan_transposed(const litecast::Node& n, const Conv& c, const Weights& w) {
  std::vector<int64_t> in = n.info(kInput).shape, out = n.output_info(0).shape;
  TransposedPlan p;
  const size_t k = in.size() - 2;
  const int64_t kernel[2] = {w.kh, w.kw};
  for (size_t d = 0; d < k; ++d) {
    TransposedAxis& t = p.a[2 - k + d];
    t = {in[2 + d], out[2 + d], c.dilation[d] * (kernel[2 - k + d] - 1) + 1, c.stride[d], c.before[d]};
    if (t.valid_size() - t.full() >= t.stride)
      n.decline("output_padding beyond the padding needs stride > output_padding");
  }
  p.dh = k == 2 ? c.dilation[0] : 1;
  p.dw = c.dilation.back();
  p.same = p.a[0].same_matches() && p.a[1].same_matches();
  p.size = {in[0], p.same ? p.a[0].out : p.a[0].valid_size(), p.same ? p.a[1].out : p.a[1].valid_size(), w.d1};
  return p;
}

// TRANSPOSE_CONV of input channels [i0, i0 + count) to w's output channels of that group.
int32_t transpose_conv(const litecast::Node& n, int32_t x, const Weights& w, const std::vector<float>& bias,
                       const TransposedPlan& p, int64_t i0, int64_t count) {
  int32_t filter = n.const_f32({w.d1, p.a[0].kernel, p.a[1].kernel, count}, dilated_ohwi(w, p.dh, p.dw, i0, count));
  std::vector<int32_t> inputs{n.const_i32(std::vector<int32_t>(p.size.begin(), p.size.end())), filter, x};
  if (!bias.empty()) inputs.push_back(n.const_f32({w.d1}, bias));
  int32_t y = n.add_tensor(LC_FLOAT32, p.size);
  n.op(LC_OP_TRANSPOSE_CONV, inputs, {y})
      .set("padding", p.same ? "SAME" : "VALID")
      .set("stride_h", p.a[0].stride)
      .set("stride_w", p.a[1].stride)
      .set("fused_activation_function", "NONE");
  return y;
}

// Groups as SPLIT + one TRANSPOSE_CONV per group + CONCATENATION.
int32_t grouped_transpose_conv(const litecast::Node& n, int32_t x, const Weights& w, const std::vector<float>& bias,
                               const TransposedPlan& p, int64_t groups) {
  std::vector<int64_t> in = n.tensor_info(x).shape;
  const int64_t per = in[3] / groups;
  std::vector<int32_t> parts, outs;
  for (int64_t g = 0; g < groups; ++g) parts.push_back(n.add_tensor(LC_FLOAT32, {in[0], in[1], in[2], per}));
  n.op(LC_OP_SPLIT, {n.const_i32({}, {3}), x}, parts).set("num_splits", groups);
  for (int64_t g = 0; g < groups; ++g) {
    std::vector<float> b;
    if (!bias.empty()) b.assign(bias.begin() + g * w.d1, bias.begin() + (g + 1) * w.d1);
    outs.push_back(transpose_conv(n, parts[static_cast<size_t>(g)], w, b, p, g * per, per));
  }
  int32_t y = n.add_tensor(LC_FLOAT32, {p.size[0], p.size[1], p.size[2], p.size[3] * groups});
  n.op(LC_OP_CONCATENATION, outs, {y}).set("axis", 3).set("fused_activation_function", "NONE");
  return y;
}

void transposed(const litecast::Node& n, const Conv& c) {
  Weights w = read_weights(n);
  TransposedPlan p = plan_transposed(n, c, w);
  std::vector<int64_t> out = spatial::output_4d(n, 0);
  if (c.groups < 1 || w.d0 % c.groups != 0) n.decline("groups must divide the input channels");
  std::vector<float> bias = n.is_none(kBias) ? std::vector<float>{} : read_bias(n, out[1]);
  int32_t x = spatial::to_nhwc(n, kInput);
  int32_t y =
      c.groups == 1 ? transpose_conv(n, x, w, bias, p, 0, w.d0) : grouped_transpose_conv(n, x, w, bias, p, c.groups);
  if (!p.same && (p.size[1] != out[2] || p.size[2] != out[3])) {
    std::vector<int32_t> begin{0, static_cast<int32_t>(p.a[0].before), static_cast<int32_t>(p.a[1].before), 0};
    std::vector<int32_t> extent{static_cast<int32_t>(out[0]), static_cast<int32_t>(out[2]),
                                static_cast<int32_t>(out[3]), static_cast<int32_t>(out[1])};
    int32_t cropped = spatial::new_nhwc(n, out);
    n.op(LC_OP_SLICE, {y, n.const_i32(begin), n.const_i32(extent)}, {cropped});
    y = cropped;
  }
  spatial::bind_nhwc(n, 0, y);
}

void emit(const litecast::Node& n, const Conv& c) {
  if (n.info(kInput).rank() == 5)
    volumetric::convolution(n, {c.stride, c.dilation, c.before, c.groups, c.transposed});
  else if (c.transposed)
    transposed(n, c);
  else
    forward(n, c);
}

void convolution(litecast::Node& n) {
  emit(n, read_conv(n, kGroups, kDilation, n.flag(kTransposed)));
}

void conv(litecast::Node& n) {
  emit(n, read_conv(n, kConvGroups, kDilation, false));
}

void conv_transpose(litecast::Node& n) {
  emit(n, read_conv(n, kTransposeGroups, kTransposeDilation, true));
}

}  // namespace

const Family family([](litecast::Registrar& r) {
  const char* forward_limits =
      "float32; 1-d/2-d/3-d; constant weights and bias; any stride/padding/dilation; depthwise; "
      "other groups native or via --group-conv-rewrite; 3-d: CONV_3D on NDHWC, groups via SPLIT";
  r.translator("aten::_convolution", kPriority, forward_limits, convolution);
  r.translator("aten::convolution", kPriority, forward_limits, convolution);
  r.translator("aten::_convolution_mode", kPriority, forward_limits, conv);
  r.translator("aten::conv1d", kPriority, forward_limits, conv);
  r.translator("aten::conv2d", kPriority, forward_limits, conv);
  r.translator("aten::conv3d", kPriority, forward_limits, conv);
  const char* transposed_limits =
      "float32; 1-d/2-d/3-d; constant weights; any stride/padding/dilation; output_padding < stride; "
      "groups via SPLIT + TRANSPOSE_CONV (3-d: CONV_3D_TRANSPOSE) per group";
  r.translator("aten::conv_transpose1d", kPriority, transposed_limits, conv_transpose);
  r.translator("aten::conv_transpose2d", kPriority, transposed_limits, conv_transpose);
  r.translator("aten::conv_transpose3d", kPriority, transposed_limits, conv_transpose);
});

}  // namespace aten
