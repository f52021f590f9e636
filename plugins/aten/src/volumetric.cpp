// Volumetric (3-D) ops on NCDHW tensors: convolutions -> CONV_3D / CONV_3D_TRANSPOSE, pools ->
// two 2-D pools, adaptive pools -> MEAN / REDUCE_MAX, pools, or per axis FULLY_CONNECTED (average)
// and GATHER + REDUCE_MAX (maximum).
//
// Layout: the TFLite kernels take NDHWC, so the input is transposed in and the result back;
// the host's transpose pass cancels the pairs between consecutive 3-D ops. Model inputs and
// outputs stay NCDHW (as TinyNeuralNetwork, nchw_transpose changes 4-D ones only).
//
// TFLite has no 3-D pooling. Max and average over a box window are separable: the window's
// maximum (or sum) is that over D of the ones over (H, W). So a pool runs as one 2-D pool over
// (H, W) on (N*D, H, W, C) and one over (D, 1) on (N, D, H'*W', C), both VALID on an input
// padded explicitly; PyTorch's divisors (count_include_pad, ceil_mode, divisor_override) are
// then a constant factor per output position, as for the 2-D pools.
#include "volumetric.hpp"

#include "spatial.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <string>

namespace aten {

namespace volumetric {

namespace {

constexpr int kInput = 0, kWeight = 1, kBias = 2;

// One spatial axis as PyTorch places its windows: window o starts at o * stride - before;
// `after` is the padding the last window reaches (what an explicit PAD must add).
struct Axis3 {
  int64_t in = 1, out = 1, kernel = 1, stride = 1, dilation = 1, before = 0, after = 0;
  int64_t extent() const { return dilation * (kernel - 1) + 1; }
};
using Axes3 = std::array<Axis3, 3>;

Axes3 make_axes(const std::vector<int64_t>& in, const std::vector<int64_t>& out, const std::vector<int64_t>& kernel,
                const std::vector<int64_t>& stride, const std::vector<int64_t>& dilation,
                const std::vector<int64_t>& before) {
  Axes3 a;
  for (size_t d = 0; d < 3; ++d) {
    Axis3& x = a[d];
    x = {in[2 + d], out[2 + d], kernel[d], stride[d], dilation[d], before[d], 0};
    x.after = std::max<int64_t>((x.out - 1) * x.stride + x.extent() - x.in - x.before, 0);
  }
  return a;
}

// Pads the NDHWC tensor t so that VALID windows sit where PyTorch's do; the axes then
// describe the padded input.
int32_t pad_windows(const litecast::Node& n, int32_t t, Axes3& a, float value) {
  t = spatial::pad(
      n, t, {{0, 0}, {a[0].before, a[0].after}, {a[1].before, a[1].after}, {a[2].before, a[2].after}, {0, 0}}, value);
  for (Axis3& x : a) {
    x.in += x.before + x.after;
    x.before = x.after = 0;
  }
  return t;
}

std::vector<int64_t> ndhwc(const std::vector<int64_t>& ncdhw) {
  return {ncdhw[0], ncdhw[2], ncdhw[3], ncdhw[4], ncdhw[1]};
}

void require_5d_float(const litecast::Node& n) {
  litecast::TensorInfo x = n.info(kInput);
  if (x.dtype != LC_FLOAT32) n.decline("float32 input only");
  if (x.rank() != 5) n.decline("expects a 5-D (N, C, D, H, W) input");
}

// ---- convolutions -------------------------------------------------------------------

struct Weights5 {
  std::vector<float> v;
  std::array<int64_t, 5> s{};  // [d0, d1, kd, kh, kw]
  float at(int64_t a, int64_t b, int64_t z, int64_t y, int64_t x) const {
    return v[static_cast<size_t>((((a * s[1] + b) * s[2] + z) * s[3] + y) * s[4] + x)];
  }
};

Weights5 read_weights(const litecast::Node& n) {
  litecast::TensorInfo w = n.info(kWeight);
  if (!w.is_constant) n.decline("weights must be constant");
  if (w.rank() != 5) n.decline("3-D convolution weights must be 5-D");
  Weights5 r;
  r.v = n.floats_of(kWeight);
  for (size_t d = 0; d < 5; ++d) r.s[d] = w.shape[d];
  return r;
}

std::vector<float> read_bias(const litecast::Node& n, int64_t channels) {
  if (n.is_none(kBias)) return std::vector<float>(static_cast<size_t>(channels), 0.0f);
  if (!n.info(kBias).is_constant) n.decline("bias must be constant");
  return n.floats_of(kBias);
}

// SPLIT of the NDHWC tensor t into `groups` parts along channels (t itself for one group).
std::vector<int32_t> split_channels(const litecast::Node& n, int32_t t, int64_t groups) {
  if (groups == 1) return {t};
  std::vector<int64_t> s = n.tensor_info(t).shape;
  s[4] /= groups;
  std::vector<int32_t> parts;
  for (int64_t g = 0; g < groups; ++g) parts.push_back(n.add_tensor(LC_FLOAT32, s));
  n.op(LC_OP_SPLIT, {n.const_i32({}, {4}), t}, parts).set("num_splits", groups);
  return parts;
}

int32_t concat_channels(const litecast::Node& n, const std::vector<int32_t>& parts) {
  if (parts.size() == 1) return parts[0];
  std::vector<int64_t> s = n.tensor_info(parts[0]).shape;
  s[4] *= static_cast<int64_t>(parts.size());
  int32_t y = n.add_tensor(LC_FLOAT32, s);
  n.op(LC_OP_CONCATENATION, parts, {y}).set("axis", 4).set("fused_activation_function", "NONE");
  return y;
}

void set_strides(litecast::Op& op, const Axes3& a, bool dilation) {
  op.set("padding", "VALID")
      .set("stride_d", a[0].stride)
      .set("stride_h", a[1].stride)
      .set("stride_w", a[2].stride)
      .set("fused_activation_function", "NONE");
  if (dilation)
    op.set("dilation_d_factor", a[0].dilation)
        .set("dilation_h_factor", a[1].dilation)
        .set("dilation_w_factor", a[2].dilation);
}

void forward(const litecast::Node& n, const ConvArgs& c) {
  litecast::TensorInfo x = n.info(kInput);
  Weights5 w = read_weights(n);
  const int64_t groups = c.groups, in_c = x.shape[1], out_c = w.s[0], per_in = w.s[1];
  if (groups < 1 || in_c % groups != 0 || per_in * groups != in_c || out_c % groups != 0)
    n.decline("groups must divide the input and output channels");
  const int64_t per_out = out_c / groups;
  std::vector<float> bias = read_bias(n, out_c);
  Axes3 a = make_axes(x.shape, n.output_info(0).shape, {w.s[2], w.s[3], w.s[4]}, c.stride, c.dilation, c.before);
  int32_t t = pad_windows(n, to_channels_last(n, n.input(kInput)), a, 0.0f);
  std::vector<int32_t> outs;
  std::vector<int32_t> parts = split_channels(n, t, groups);
  for (int64_t g = 0; g < groups; ++g) {
    std::vector<float> f;  // [kd, kh, kw, in, out]
    f.reserve(static_cast<size_t>(w.s[2] * w.s[3] * w.s[4] * per_in * per_out));
    for (int64_t z = 0; z < w.s[2]; ++z)
      for (int64_t y = 0; y < w.s[3]; ++y)
        for (int64_t xx = 0; xx < w.s[4]; ++xx)
          for (int64_t i = 0; i < per_in; ++i)
            for (int64_t o = 0; o < per_out; ++o) f.push_back(w.at(g * per_out + o, i, z, y, xx));
    int32_t filter = n.const_f32({w.s[2], w.s[3], w.s[4], per_in, per_out}, f);
    std::vector<float> b(bias.begin() + g * per_out, bias.begin() + (g + 1) * per_out);
    int32_t y = n.add_tensor(LC_FLOAT32, {x.shape[0], a[0].out, a[1].out, a[2].out, per_out});
    litecast::Op op = n.op(LC_OP_CONV_3D, {parts[static_cast<size_t>(g)], filter, n.const_f32({per_out}, b)}, {y});
    set_strides(op, a, true);
    outs.push_back(y);
  }
  n.output(0, to_channels_first(n, concat_channels(n, outs)));
}

// Transposed: input i reaches outputs i * stride + j * dilation - before. CONV_3D_TRANSPOSE
// runs VALID (no padding) into max(full size, before + out), whose extra rows (output_padding)
// get no contribution, and the result is cropped by `before`. The dilation is written into
// the kernel as zeros, as the 2-D translator does.
void transposed(const litecast::Node& n, const ConvArgs& c) {
  litecast::TensorInfo x = n.info(kInput);
  std::vector<int64_t> out = n.output_info(0).shape;
  Weights5 w = read_weights(n);
  const int64_t groups = c.groups, in_c = x.shape[1], per_out = w.s[1];
  if (groups < 1 || in_c % groups != 0 || w.s[0] != in_c) n.decline("groups must divide the input channels");
  const int64_t per_in = in_c / groups, out_c = per_out * groups;
  std::array<int64_t, 3> ext{}, size{};
  for (size_t d = 0; d < 3; ++d) {
    ext[d] = c.dilation[d] * (w.s[2 + d] - 1) + 1;
    const int64_t full = (x.shape[2 + d] - 1) * c.stride[d] + ext[d];
    size[d] = std::max(full, c.before[d] + out[2 + d]);
    if (size[d] - full >= c.stride[d]) n.decline("output_padding beyond the padding needs stride > output_padding");
  }
  std::vector<float> bias = n.is_none(kBias) ? std::vector<float>{} : read_bias(n, out_c);
  std::vector<int32_t> parts = split_channels(n, to_channels_last(n, n.input(kInput)), groups), outs;
  Axes3 a;
  for (size_t d = 0; d < 3; ++d) a[d].stride = c.stride[d];
  const std::vector<int64_t> shape{x.shape[0], size[0], size[1], size[2], per_out};
  for (int64_t g = 0; g < groups; ++g) {
    std::vector<float> f(static_cast<size_t>(ext[0] * ext[1] * ext[2] * per_out * per_in), 0.0f);  // [kd,kh,kw,o,i]
    for (int64_t z = 0; z < w.s[2]; ++z)
      for (int64_t y = 0; y < w.s[3]; ++y)
        for (int64_t xx = 0; xx < w.s[4]; ++xx)
          for (int64_t o = 0; o < per_out; ++o)
            for (int64_t i = 0; i < per_in; ++i) {
              const int64_t zz = z * c.dilation[0], yy = y * c.dilation[1], xd = xx * c.dilation[2];
              f[static_cast<size_t>((((zz * ext[1] + yy) * ext[2] + xd) * per_out + o) * per_in + i)] =
                  w.at(g * per_in + i, o, z, y, xx);
            }
    std::vector<int32_t> inputs{n.const_i32(std::vector<int32_t>(shape.begin(), shape.end())),
                                n.const_f32({ext[0], ext[1], ext[2], per_out, per_in}, f),
                                parts[static_cast<size_t>(g)]};
    if (!bias.empty())
      inputs.push_back(
          n.const_f32({per_out}, std::vector<float>(bias.begin() + g * per_out, bias.begin() + (g + 1) * per_out)));
    int32_t y = n.add_tensor(LC_FLOAT32, shape);
    litecast::Op op = n.op(LC_OP_CONV_3D_TRANSPOSE, inputs, {y});
    set_strides(op, a, false);
    outs.push_back(y);
  }
  int32_t y = concat_channels(n, outs);
  if (size[0] != out[2] || size[1] != out[3] || size[2] != out[4]) {
    std::vector<int32_t> begin{0, static_cast<int32_t>(c.before[0]), static_cast<int32_t>(c.before[1]),
                               static_cast<int32_t>(c.before[2]), 0};
    std::vector<int64_t> o = ndhwc(out);
    int32_t cropped = n.add_tensor(LC_FLOAT32, o);
    n.op(LC_OP_SLICE, {y, n.const_i32(begin), n.const_i32(std::vector<int32_t>(o.begin(), o.end()))}, {cropped});
    y = cropped;
  }
  n.output(0, to_channels_first(n, y));
}

// ---- pools --------------------------------------------------------------------------

constexpr int kKernel = 1, kStride = 2, kPadding = 3, kMaxDilation = 4;
constexpr int kAvgCountIncludePad = 5, kAvgDivisorOverride = 6;

struct Pool {
  Axes3 torch;  // as PyTorch places the windows (for the divisors)
  Axes3 valid;  // over the explicitly padded input
};

Pool read_pool(const litecast::Node& n, const std::vector<int64_t>& dilation = {1, 1, 1}) {
  std::vector<int64_t> kernel = spatial::per_axis(n, kKernel, 3, {});
  std::vector<int64_t> stride = spatial::per_axis(n, kStride, 3, kernel);
  std::vector<int64_t> padding = spatial::per_axis(n, kPadding, 3, {0, 0, 0});
  if (kernel.size() != 3) n.decline("kernel size missing");
  Pool p;
  p.torch = make_axes(n.info(kInput).shape, n.output_info(0).shape, kernel, stride, dilation, padding);
  p.valid = p.torch;
  return p;
}

int32_t pool_2d(const litecast::Node& n, int32_t code, int32_t x, int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                const std::vector<int64_t>& out) {
  int32_t y = n.add_tensor(LC_FLOAT32, out);
  n.op(code, {x}, {y})
      .set("padding", "VALID")
      .set("stride_h", sh)
      .set("stride_w", sw)
      .set("filter_height", kh)
      .set("filter_width", kw)
      .set("fused_activation_function", "NONE");
  return y;
}

// The separable 3-D pool of the padded NDHWC tensor t (axes over the padded input, VALID).
int32_t pool_3d(const litecast::Node& n, int32_t code, int32_t t, const Axes3& a) {
  std::vector<int64_t> s = n.tensor_info(t).shape;  // N, D, H, W, C
  const int64_t N = s[0], C = s[4];
  const Axis3 &d = a[0], &h = a[1], &w = a[2];
  int32_t y = t;
  if (h.kernel > 1 || w.kernel > 1 || h.stride > 1 || w.stride > 1 || h.out != h.in || w.out != w.in) {
    int32_t planes = reshape(n, t, {N * d.in, h.in, w.in, C});
    y = reshape(n, pool_2d(n, code, planes, h.kernel, w.kernel, h.stride, w.stride, {N * d.in, h.out, w.out, C}),
                {N, d.in, h.out, w.out, C});
  }
  if (d.kernel > 1 || d.stride > 1 || d.out != d.in) {
    int32_t depth = reshape(n, y, {N, d.in, h.out * w.out, C});
    y = reshape(n, pool_2d(n, code, depth, d.kernel, 1, d.stride, 1, {N, d.out, h.out * w.out, C}),
                {N, d.out, h.out, w.out, C});
  }
  return y;
}

// The maximum over windows along `axis` of t: `index` lists, window after window, the `width`
// positions each window reads; they are GATHERed side by side, then REDUCE_MAX over each.
int32_t max_over_windows(const litecast::Node& n, int32_t t, int axis, int64_t windows, int64_t width,
                         const std::vector<int32_t>& index) {
  std::vector<int64_t> s = n.tensor_info(t).shape;
  const auto a = static_cast<size_t>(axis);
  s[a] = windows * width;
  int32_t gathered = n.add_tensor(LC_FLOAT32, s);
  n.op(LC_OP_GATHER, {t, n.const_i32(index)}, {gathered}).set("axis", axis).set("batch_dims", 0);
  int64_t before = 1, after = 1;
  for (size_t d = 0; d < s.size(); ++d)
    if (d != a) (d < a ? before : after) *= s[d];
  int32_t r = reshape(n, gathered, {before, windows, width, after});
  int32_t m = n.add_tensor(LC_FLOAT32, {before, windows, after});
  n.op(LC_OP_REDUCE_MAX, {r, n.const_i32({2})}, {m}).set("keep_dims", false);
  s[a] = windows;
  return reshape(n, m, s);
}

void max_pool3d(litecast::Node& n) {
  require_5d_float(n);
  const std::vector<int64_t> dilation = spatial::per_axis(n, kMaxDilation, 3, {1, 1, 1});
  Pool p = read_pool(n, dilation);
  // PyTorch keeps every window on at least one input element, so the pad value never wins.
  int32_t t = pad_windows(n, to_channels_last(n, n.input(kInput)), p.valid, std::numeric_limits<float>::lowest());
  if (dilation == std::vector<int64_t>{1, 1, 1})
    return n.output(0, to_channels_first(n, pool_3d(n, LC_OP_MAX_POOL_2D, t, p.valid)));
  // MAX_POOL_2D has no dilation: each axis's dilated windows are gathered instead.
  for (size_t d = 0; d < 3; ++d) {
    const Axis3& x = p.valid[d];
    std::vector<int32_t> index;
    for (int64_t o = 0; o < x.out; ++o)
      for (int64_t q = 0; q < x.kernel; ++q) index.push_back(static_cast<int32_t>(o * x.stride + q * x.dilation));
    t = max_over_windows(n, t, static_cast<int>(d) + 1, x.out, x.kernel, index);
  }
  n.output(0, to_channels_first(n, t));
}

// Per axis and output position: PyTorch's window length counted with padding (clipped to
// the padded input) and without it.
struct Lengths {
  std::vector<int64_t> with_pad, input_only;
};

Lengths lengths(const Axis3& a) {
  Lengths l;
  for (int64_t o = 0; o < a.out; ++o) {
    const int64_t start = o * a.stride - a.before, end = std::min(start + a.kernel, a.in + a.before);
    l.with_pad.push_back(end - start);
    l.input_only.push_back(std::min(end, a.in) - std::max<int64_t>(start, 0));
  }
  return l;
}

void avg_pool3d(litecast::Node& n) {
  require_5d_float(n);
  const bool include_pad = n.flag(kAvgCountIncludePad);
  const int64_t override_divisor = n.is_none(kAvgDivisorOverride) ? 0 : n.i64(kAvgDivisorOverride);
  Pool p = read_pool(n);
  int32_t t = pad_windows(n, to_channels_last(n, n.input(kInput)), p.valid, 0.0f);
  int32_t y = pool_3d(n, LC_OP_AVERAGE_POOL_2D, t, p.valid);
  // The two pools divide by the whole kernel volume; PyTorch by its divisor.
  const Axes3& a = p.torch;
  const double volume = static_cast<double>(a[0].kernel * a[1].kernel * a[2].kernel);
  std::array<Lengths, 3> l{lengths(a[0]), lengths(a[1]), lengths(a[2])};
  std::vector<float> f;
  bool ones = true;
  for (int64_t i = 0; i < a[0].out; ++i)
    for (int64_t j = 0; j < a[1].out; ++j)
      for (int64_t k = 0; k < a[2].out; ++k) {
        auto at = [](const std::vector<int64_t>& v, int64_t o) { return v[static_cast<size_t>(o)]; };
        int64_t divisor = override_divisor;
        if (divisor == 0)
          divisor = include_pad ? at(l[0].with_pad, i) * at(l[1].with_pad, j) * at(l[2].with_pad, k)
                                : at(l[0].input_only, i) * at(l[1].input_only, j) * at(l[2].input_only, k);
        f.push_back(static_cast<float>(volume / static_cast<double>(divisor)));
        ones = ones && f.back() == 1.0f;
      }
  if (!ones) {
    int32_t scaled = n.add_tensor(LC_FLOAT32, n.tensor_info(y).shape);
    n.op(LC_OP_MUL, {y, n.const_f32({1, a[0].out, a[1].out, a[2].out, 1}, f)}, {scaled})
        .set("fused_activation_function", "NONE");
    y = scaled;
  }
  n.output(0, to_channels_first(n, y));
}

// Adaptive pools: windows [floor(o * in / out), ceil((o + 1) * in / out)) per axis.
bool tiles(const std::vector<int64_t>& in, const std::vector<int64_t>& out) {
  for (size_t d = 2; d < 5; ++d)
    if (in[d] % out[d] != 0) return false;
  return true;
}

Axes3 tiling_axes(const std::vector<int64_t>& in, const std::vector<int64_t>& out) {
  Axes3 a;
  for (size_t d = 0; d < 3; ++d) {
    const int64_t k = in[2 + d] / out[2 + d];
    a[d] = Axis3{in[2 + d], out[2 + d], k, k, 1, 0, 0};
  }
  return a;
}

bool to_one(const std::vector<int64_t>& out) {
  return out[2] == 1 && out[3] == 1 && out[4] == 1;
}

int32_t reduce_dhw(const litecast::Node& n, int32_t code) {
  int32_t y = n.add_tensor(LC_FLOAT32, n.output_info(0).shape);
  n.op(code, {n.input(kInput), n.const_i32({2, 3, 4})}, {y}).set("keep_dims", true);
  return y;
}

// FULLY_CONNECTED over axis `axis` of the NCDHW tensor t (moved last and back).
int32_t map_axis(const litecast::Node& n, int32_t t, int axis, int64_t in, int64_t out) {
  if (in == out) return t;
  std::vector<float> m(static_cast<size_t>(out * in), 0.0f);
  for (int64_t o = 0; o < out; ++o) {
    const int64_t start = o * in / out, end = ((o + 1) * in + out - 1) / out;
    for (int64_t i = start; i < end; ++i) m[static_cast<size_t>(o * in + i)] = 1.0f / static_cast<float>(end - start);
  }
  std::vector<int32_t> perm{0, 1, 2, 3, 4};
  std::swap(perm[static_cast<size_t>(axis)], perm[4]);
  int32_t moved = axis == 4 ? t : transpose(n, t, perm);
  std::vector<int64_t> s = n.tensor_info(moved).shape;
  s[4] = out;
  int32_t y = n.add_tensor(LC_FLOAT32, s);
  n.op(LC_OP_FULLY_CONNECTED, {moved, n.const_f32({out, in}, m), -1}, {y})
      .set("fused_activation_function", "NONE")
      .set("keep_num_dims", true);
  return axis == 4 ? y : transpose(n, y, perm);
}

void adaptive_avg_pool3d(litecast::Node& n) {
  require_5d_float(n);
  std::vector<int64_t> in = n.info(kInput).shape, out = n.output_info(0).shape;
  if (to_one(out)) return n.output(0, reduce_dhw(n, LC_OP_MEAN));
  if (tiles(in, out)) {
    int32_t t = to_channels_last(n, n.input(kInput));
    return n.output(0, to_channels_first(n, pool_3d(n, LC_OP_AVERAGE_POOL_2D, t, tiling_axes(in, out))));
  }
  int32_t y = n.input(kInput);
  for (int axis = 2; axis < 5; ++axis)
    y = map_axis(n, y, axis, in[static_cast<size_t>(axis)], out[static_cast<size_t>(axis)]);
  n.output(0, y);
}

// PyTorch's indices of the maxima: flat positions (d * H + h) * W + w in each (N, C) volume.
// Each window's elements are gathered into one axis, ARG_MAX finds the position q within it.
int32_t window_argmax(const litecast::Node& n, const Axes3& a) {
  std::vector<int64_t> s = n.info(kInput).shape;
  const int64_t H = s[3], W = s[4], kd = a[0].kernel, kh = a[1].kernel, kw = a[2].kernel;
  const int64_t od = a[0].out, oh = a[1].out, ow = a[2].out;
  int32_t r = reshape(n, n.input(kInput), {s[0] * s[1] * od, kd, oh, kh, ow, kw});
  r = reshape(n, transpose(n, r, {0, 2, 4, 1, 3, 5}), {s[0], s[1], od, oh, ow, kd * kh * kw});
  const std::vector<int64_t> volume{s[0], s[1], od, oh, ow};
  int32_t q = n.add_tensor(LC_INT32, volume);
  n.op(LC_OP_ARG_MAX, {r, n.const_i32({5})}, {q}).set("output_type", "INT32");
  std::vector<int32_t> offset, base;  // q -> position in the window; window -> its first position
  for (int64_t k = 0; k < kd * kh * kw; ++k)
    offset.push_back(static_cast<int32_t>((k / (kh * kw) * H + k / kw % kh) * W + k % kw));
  for (int64_t i = 0; i < od; ++i)
    for (int64_t j = 0; j < oh; ++j)
      for (int64_t l = 0; l < ow; ++l) base.push_back(static_cast<int32_t>((i * kd * H + j * kh) * W + l * kw));
  int32_t within = n.add_tensor(LC_INT32, volume);
  n.op(LC_OP_GATHER, {n.const_i32(offset), q}, {within}).set("axis", 0).set("batch_dims", 0);
  int32_t index = n.add_tensor(LC_INT32, volume);
  n.op(LC_OP_ADD, {within, n.const_i32({od, oh, ow}, base)}, {index}).set("fused_activation_function", "NONE");
  return index;
}

// Adaptive maximum along one axis of the NCDHW tensor t whose windows do not tile it (a short
// window repeats its last element, which a maximum ignores). Box windows are separable, so
// axis by axis.
int32_t adaptive_max_axis(const litecast::Node& n, int32_t t, int axis, int64_t in, int64_t out) {
  int64_t longest = 0;
  for (int64_t o = 0; o < out; ++o) longest = std::max(longest, ((o + 1) * in + out - 1) / out - o * in / out);
  std::vector<int32_t> index;
  for (int64_t o = 0; o < out; ++o) {
    const int64_t start = o * in / out, end = ((o + 1) * in + out - 1) / out;
    for (int64_t q = 0; q < longest; ++q) index.push_back(static_cast<int32_t>(std::min(start + q, end - 1)));
  }
  return max_over_windows(n, t, axis, out, longest, index);
}

void adaptive_max_pool3d(litecast::Node& n) {
  require_5d_float(n);
  std::vector<int64_t> in = n.info(kInput).shape, out = n.output_info(0).shape;
  const bool with_indices = n.num_outputs() > 1;
  if (!tiles(in, out)) {
    if (with_indices && n.output_uses(1) > 0) n.decline("indices need output sizes that divide the input sizes");
    int32_t y = n.input(kInput);
    for (int axis = 2; axis < 5; ++axis)
      if (in[static_cast<size_t>(axis)] != out[static_cast<size_t>(axis)])
        y = adaptive_max_axis(n, y, axis, in[static_cast<size_t>(axis)], out[static_cast<size_t>(axis)]);
    n.output(0, y);
    if (with_indices) {  // unused by the model
      const std::vector<int64_t> shape = n.output_info(1).shape;
      std::vector<int32_t> zeros(static_cast<size_t>(shape[0] * shape[1] * shape[2] * shape[3] * shape[4]), 0);
      n.output(1, n.const_i32(shape, zeros));
    }
    return;
  }
  const Axes3 a = tiling_axes(in, out);
  if (to_one(out)) {
    n.output(0, reduce_dhw(n, LC_OP_REDUCE_MAX));
  } else {
    int32_t t = to_channels_last(n, n.input(kInput));
    n.output(0, to_channels_first(n, pool_3d(n, LC_OP_MAX_POOL_2D, t, a)));
  }
  if (with_indices) n.output(1, window_argmax(n, a));
}

}  // namespace

void convolution(const litecast::Node& n, const ConvArgs& c) {
  require_5d_float(n);
  if (c.stride.size() != 3 || c.dilation.size() != 3 || c.before.size() != 3) n.decline("malformed window arguments");
  if (c.transposed)
    transposed(n, c);
  else
    forward(n, c);
}

}  // namespace volumetric

const Family volumetric_family([](litecast::Registrar& r) {
  r.translator("aten::max_pool3d", kPriority,
               "float32; 5-D; any padding and ceil_mode; separable: MAX_POOL_2D over (H, W), then over D; with "
               "dilation: GATHER + REDUCE_MAX per axis",
               volumetric::max_pool3d);
  r.translator("aten::avg_pool3d", kPriority,
               "float32; 5-D; any padding, ceil_mode, count_include_pad, divisor_override; separable: "
               "AVERAGE_POOL_2D over (H, W), then over D, then a divisor factor",
               volumetric::avg_pool3d);
  r.translator("aten::adaptive_avg_pool3d", kPriority,
               "float32; 5-D; output 1 -> MEAN, dividing sizes -> 2-D pools, else FULLY_CONNECTED per axis",
               volumetric::adaptive_avg_pool3d);
  r.translator("aten::adaptive_max_pool3d", kPriority,
               "float32; 5-D; output 1 -> REDUCE_MAX, dividing sizes -> 2-D pools, indices via ARG_MAX; other "
               "sizes: GATHER + REDUCE_MAX per axis, indices not computed",
               volumetric::adaptive_max_pool3d);
});

}  // namespace aten
