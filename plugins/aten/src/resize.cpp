// Resizes -> RESIZE_NEAREST_NEIGHBOR, RESIZE_BILINEAR (3-d ones: GATHER / FULLY_CONNECTED); pixel_shuffle /
// pixel_unshuffle -> DEPTH_TO_SPACE / SPACE_TO_DEPTH. Each resize first builds, per axis, the sampling PyTorch does and
// the one TFLite's kernel would do; only when they agree is the TFLite op emitted. Otherwise the exact PyTorch sampling
// is emitted: GATHER (nearest) or a per-axis FULLY_CONNECTED with the interpolation weights (linear).
#include "spatial.hpp"

#include <algorithm>
#include <cmath>

namespace aten {

namespace {

using spatial::AxisMap;

constexpr int kInput = 0, kAlignCorners = 2;
constexpr int kNearestScales = 2, kLinearScales = 3;

struct Resize {
  std::vector<int64_t> in, out;  // 4-D NCHW
  std::vector<double> scales;    // per spatial axis (H, W); 0: PyTorch uses in / out
};

// The scale factors arrive as one float[] (the .vec overloads) or one float? per axis.
std::vector<double> read_scales(const litecast::Node& n, int scales, size_t k) {
  std::vector<double> s(k, 0.0);
  if (n.input_kind(scales) == LC_VALUE_FLOAT_LIST) {
    s = n.floats(scales);
    if (s.size() == 1) s.assign(k, s[0]);
    if (s.size() != k) n.decline("one scale factor per spatial axis expected");
  } else {
    for (size_t d = 0; d < k; ++d)  // input_kind is NONE past the last input as well
      if (!n.is_none(scales + static_cast<int>(d))) s[d] = n.f64(scales + static_cast<int>(d));
  }
  return s;
}

Resize read_resize(const litecast::Node& n, int scales) {
  litecast::TensorInfo x = n.info(kInput);
  if (x.dtype != LC_FLOAT32) n.decline("float32 input only");
  if (x.rank() != 3 && x.rank() != 4) n.decline("1-d resizes on 3-D input and 2-d resizes on 4-D input only");
  const size_t k = static_cast<size_t>(x.rank() - 2);
  std::vector<double> s = read_scales(n, scales, k);
  if (k == 1) s.insert(s.begin(), 0.0);
  Resize r{x.shape, spatial::output_4d(n, 0), s};
  if (k == 1) r.in.insert(r.in.begin() + 2, 1);
  return r;
}

// PyTorch's source-to-destination scale when not aligning corners.
float torch_scale(int64_t in, int64_t out, double scale) {
  return scale > 0 ? static_cast<float>(1.0 / scale) : static_cast<float>(in) / static_cast<float>(out);
}

// As PyTorch 2.x samples: 'nearest' copies when the size is kept and halves the index when it
// doubles, whatever the scale factor says, and otherwise floors o / scale_factor; 'nearest-exact'
// samples at pixel centres.
std::vector<int32_t> torch_nearest(int64_t in, int64_t out, double scale, bool exact) {
  const float s = torch_scale(in, out, scale);
  const float offset = exact ? 0.5f : 0.0f;
  std::vector<int32_t> src;
  for (int64_t o = 0; o < out; ++o) {
    int64_t i = static_cast<int64_t>(std::floor((static_cast<float>(o) + offset) * s));
    if (!exact && out == in) i = o;
    if (!exact && out == 2 * in) i = o / 2;
    src.push_back(static_cast<int32_t>(std::min<int64_t>(i, in - 1)));
  }
  return src;
}

// RESIZE_NEAREST_NEIGHBOR without align_corners; half_pixel_centers for 'nearest-exact'.
std::vector<int32_t> tflite_nearest(int64_t in, int64_t out, bool half_pixel) {
  const float s = static_cast<float>(in) / static_cast<float>(out);
  const float offset = half_pixel ? 0.5f : 0.0f;
  std::vector<int32_t> src;
  for (int64_t o = 0; o < out; ++o) {
    const int32_t i = static_cast<int32_t>(std::floor((static_cast<float>(o) + offset) * s));
    src.push_back(std::max(std::min(i, static_cast<int32_t>(in - 1)), 0));
  }
  return src;
}

AxisMap torch_linear(int64_t in, int64_t out, bool align_corners, double scale) {
  AxisMap m{out, in, std::vector<float>(static_cast<size_t>(out * in), 0.0f)};
  const float s = align_corners ? (out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f)
                                : torch_scale(in, out, scale);
  for (int64_t o = 0; o < out; ++o) {
    const float src = align_corners ? s * o : std::max(s * (o + 0.5f) - 0.5f, 0.0f);
    const int64_t i0 = static_cast<int64_t>(src), i1 = i0 + (i0 < in - 1 ? 1 : 0);
    const float w1 = src - static_cast<float>(i0);
    m.m[static_cast<size_t>(o * in + i0)] += 1.0f - w1;
    m.m[static_cast<size_t>(o * in + i1)] += w1;
  }
  return m;
}

// PyTorch's bicubic weights (Keys' cubic convolution, A = -0.75) over the 4 input pixels
// around each source position, clamped at the edges; the source position is not clamped to 0.
AxisMap torch_cubic(int64_t in, int64_t out, bool align_corners, double scale) {
  AxisMap m{out, in, std::vector<float>(static_cast<size_t>(out * in), 0.0f)};
  const float s = align_corners ? (out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f)
                                : torch_scale(in, out, scale);
  const float a = -0.75f;
  auto near = [a](float x) { return ((a + 2.0f) * x - (a + 3.0f)) * x * x + 1.0f; };
  auto far = [a](float x) { return ((a * x - 5.0f * a) * x + 8.0f * a) * x - 4.0f * a; };
  for (int64_t o = 0; o < out; ++o) {
    const float src = align_corners ? s * static_cast<float>(o) : s * (static_cast<float>(o) + 0.5f) - 0.5f;
    const float base = std::floor(src), t = src - base;
    const float w[4] = {far(t + 1.0f), near(t), near(1.0f - t), far(2.0f - t)};
    for (int k = 0; k < 4; ++k) {
      const int64_t i = std::clamp<int64_t>(static_cast<int64_t>(base) - 1 + k, 0, in - 1);
      m.m[static_cast<size_t>(o * in + i)] += w[k];
    }
  }
  return m;
}

// RESIZE_BILINEAR with align_corners (true) or half_pixel_centers (false).
AxisMap tflite_linear(int64_t in, int64_t out, bool align_corners) {
  AxisMap m{out, in, std::vector<float>(static_cast<size_t>(out * in), 0.0f)};
  const float s = align_corners && out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1)
                                           : static_cast<float>(in) / static_cast<float>(out);
  for (int64_t o = 0; o < out; ++o) {
    const float v = align_corners ? o * s : (o + 0.5f) * s - 0.5f;
    const int64_t i0 = std::max<int64_t>(static_cast<int64_t>(std::floor(v)), 0);
    const int64_t i1 = std::min<int64_t>(static_cast<int64_t>(std::ceil(v)), in - 1);
    m.m[static_cast<size_t>(o * in + i0)] += 1.0f - (v - static_cast<float>(i0));
    m.m[static_cast<size_t>(o * in + i1)] += v - static_cast<float>(i0);
  }
  return m;
}

bool same_weights(const AxisMap& a, const AxisMap& b) {
  for (size_t i = 0; i < a.m.size(); ++i)
    if (std::fabs(a.m[i] - b.m[i]) > 1e-6f) return false;
  return true;
}

void tflite_resize(const litecast::Node& n, int32_t code, const Resize& r, bool align_corners, bool half_pixel) {
  int32_t y = spatial::new_nhwc(n, r.out);
  int32_t size = n.const_i32({static_cast<int32_t>(r.out[2]), static_cast<int32_t>(r.out[3])});
  n.op(code, {spatial::to_nhwc(n, kInput), size}, {y})
      .set("align_corners", align_corners)
      .set("half_pixel_centers", half_pixel);
  spatial::bind_nhwc(n, 0, y);
}

int32_t gather(const litecast::Node& n, int32_t t, int axis, const std::vector<int32_t>& indices) {
  std::vector<int64_t> shape = n.tensor_info(t).shape;
  shape[static_cast<size_t>(axis)] = static_cast<int64_t>(indices.size());
  int32_t y = n.add_tensor(n.tensor_info(t).dtype, shape);
  n.op(LC_OP_GATHER, {t, n.const_i32(indices)}, {y}).set("axis", axis).set("batch_dims", 0);
  return y;
}

bool is_identity(const std::vector<int32_t>& v) {
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i] != static_cast<int32_t>(i)) return false;
  return true;
}

template <bool Exact>
void upsample_nearest(litecast::Node& n) {
  Resize r = read_resize(n, kNearestScales);
  std::vector<int32_t> h = torch_nearest(r.in[2], r.out[2], r.scales[0], Exact);
  std::vector<int32_t> w = torch_nearest(r.in[3], r.out[3], r.scales[1], Exact);
  if (h == tflite_nearest(r.in[2], r.out[2], Exact) && w == tflite_nearest(r.in[3], r.out[3], Exact))
    return tflite_resize(n, LC_OP_RESIZE_NEAREST_NEIGHBOR, r, false, Exact);
  int32_t t = spatial::as_4d(n, n.input(kInput));
  if (!is_identity(h) || h.size() != static_cast<size_t>(r.in[2])) t = gather(n, t, 2, h);
  if (!is_identity(w) || w.size() != static_cast<size_t>(r.in[3])) t = gather(n, t, 3, w);
  spatial::bind_output(n, 0, t);
}

void upsample_linear(litecast::Node& n) {
  Resize r = read_resize(n, kLinearScales);
  const bool align = n.flag(kAlignCorners);
  AxisMap h = torch_linear(r.in[2], r.out[2], align, r.scales[0]);
  AxisMap w = torch_linear(r.in[3], r.out[3], align, r.scales[1]);
  if (same_weights(h, tflite_linear(r.in[2], r.out[2], align)) &&
      same_weights(w, tflite_linear(r.in[3], r.out[3], align)))
    return tflite_resize(n, LC_OP_RESIZE_BILINEAR, r, align, !align);
  spatial::bind_output(n, 0, spatial::separable_map(n, spatial::as_4d(n, n.input(kInput)), h, w));
}

// 3-d resizes of NCDHW tensors: TFLite has no 3-d resize, so PyTorch's sampling per axis
// (D, H, W) is emitted directly: a GATHER per resized axis (nearest) or a FULLY_CONNECTED with
// the interpolation weights over each resized axis, moved last and back (trilinear).
int32_t map_last_axis(const litecast::Node& n, int32_t t, int axis, const AxisMap& m) {
  const int rank = n.tensor_info(t).rank();
  std::vector<int32_t> perm(static_cast<size_t>(rank));
  for (int d = 0; d < rank; ++d) perm[static_cast<size_t>(d)] = d;
  std::swap(perm[static_cast<size_t>(axis)], perm.back());
  const bool move = axis != rank - 1;
  int32_t x = move ? transpose(n, t, perm) : t;
  std::vector<int64_t> shape = n.tensor_info(x).shape;
  shape.back() = m.rows;
  int32_t y = n.add_tensor(LC_FLOAT32, shape);
  n.op(LC_OP_FULLY_CONNECTED, {x, n.const_f32({m.rows, m.cols}, m.m), -1}, {y})
      .set("fused_activation_function", "NONE")
      .set("keep_num_dims", true);
  return move ? transpose(n, y, perm) : y;
}

template <bool Linear, bool Exact>
void upsample_3d(litecast::Node& n) {
  litecast::TensorInfo x = n.info(kInput);
  if (x.dtype != LC_FLOAT32) n.decline("float32 input only");
  if (x.rank() != 5) n.decline("3-d resizes on 5-D input only");
  const std::vector<int64_t> out = n.output_info(0).shape;
  const std::vector<double> scales = read_scales(n, Linear ? kLinearScales : kNearestScales, 3);
  const bool align = Linear && n.flag(kAlignCorners);
  int32_t t = n.input(kInput);
  for (int axis = 2; axis < 5; ++axis) {
    const int64_t in_size = x.shape[static_cast<size_t>(axis)], out_size = out[static_cast<size_t>(axis)];
    const double scale = scales[static_cast<size_t>(axis - 2)];
    if (Linear) {
      AxisMap m = torch_linear(in_size, out_size, align, scale);
      if (!m.identity()) t = map_last_axis(n, t, axis, m);
    } else {
      std::vector<int32_t> src = torch_nearest(in_size, out_size, scale, Exact);
      if (!is_identity(src) || out_size != in_size) t = gather(n, t, axis, src);
    }
  }
  if (t != n.input(kInput)) return n.output(0, t);
  n.unary_like_output(LC_OP_RESHAPE, {t, n.const_i32(std::vector<int32_t>(out.begin(), out.end()))});
}

void upsample_bicubic(litecast::Node& n) {
  Resize r = read_resize(n, kLinearScales);
  if (n.info(kInput).rank() != 4) n.decline("4-D input only");
  const bool align = n.flag(kAlignCorners);
  AxisMap h = torch_cubic(r.in[2], r.out[2], align, r.scales[0]);
  AxisMap w = torch_cubic(r.in[3], r.out[3], align, r.scales[1]);
  int32_t y = spatial::separable_map(n, n.input(kInput), h, w);
  if (y != n.input(kInput)) return n.output(0, y);
  n.unary_like_output(LC_OP_RESHAPE, {y, n.const_i32(std::vector<int32_t>(r.out.begin(), r.out.end()))});
}

// PyTorch orders the r x r block inside each output channel (c * r * r + i * r + j); TFLite's
// DEPTH_TO_SPACE / SPACE_TO_DEPTH order the block outside ((i * r + j) * C + c).
std::vector<int32_t> block_outside(int64_t channels, int64_t block) {
  std::vector<int32_t> idx;  // idx[(q * C) + c] = c * r * r + q
  const int64_t rr = block * block;
  for (int64_t q = 0; q < rr; ++q)
    for (int64_t c = 0; c < channels; ++c) idx.push_back(static_cast<int32_t>(c * rr + q));
  return idx;
}

std::vector<int32_t> inverse(const std::vector<int32_t>& p) {
  std::vector<int32_t> inv(p.size());
  for (size_t i = 0; i < p.size(); ++i) inv[static_cast<size_t>(p[i])] = static_cast<int32_t>(i);
  return inv;
}

void pixel_shuffle(litecast::Node& n) {
  litecast::TensorInfo x = n.info(kInput), out = n.output_info(0);
  if (x.rank() != 4) n.decline("4-D input only");
  const int64_t r = n.i64(1);
  int32_t t = n.input(kInput);
  if (out.shape[1] > 1) t = gather(n, t, 1, block_outside(out.shape[1], r));
  int32_t y = spatial::new_nhwc(n, out.shape);
  n.op(LC_OP_DEPTH_TO_SPACE, {to_channels_last(n, t)}, {y}).set("block_size", r);
  n.output(0, to_channels_first(n, y));
}

void pixel_unshuffle(litecast::Node& n) {
  litecast::TensorInfo x = n.info(kInput), out = n.output_info(0);
  if (x.rank() != 4) n.decline("4-D input only");
  const int64_t r = n.i64(1);
  int32_t y = spatial::new_nhwc(n, out.shape);
  n.op(LC_OP_SPACE_TO_DEPTH, {to_channels_last(n, n.input(kInput))}, {y}).set("block_size", r);
  int32_t t = to_channels_first(n, y);
  if (x.shape[1] > 1) t = gather(n, t, 1, inverse(block_outside(x.shape[1], r)));
  n.output(0, t);
}

}  // namespace

const Family family([](litecast::Registrar& r) {
  const char* nearest = "float32; 1-d/2-d; sizes or scale factors; GATHER where TFLite's sampling differs";
  r.translator("aten::upsample_nearest1d", kPriority, nearest, upsample_nearest<false>);
  r.translator("aten::upsample_nearest2d", kPriority, nearest, upsample_nearest<false>);
  r.translator("aten::_upsample_nearest_exact1d", kPriority, nearest, upsample_nearest<true>);
  r.translator("aten::_upsample_nearest_exact2d", kPriority, nearest, upsample_nearest<true>);
  const char* linear = "float32; 1-d/2-d; align_corners both; FULLY_CONNECTED per axis where TFLite's sampling differs";
  r.translator("aten::upsample_linear1d", kPriority, linear, upsample_linear);
  r.translator("aten::upsample_bilinear2d", kPriority, linear, upsample_linear);
  r.translator("aten::upsample_bicubic2d", kPriority,
               "float32; 4-D; align_corners both; sizes or scale factors; no antialias; FULLY_CONNECTED per axis "
               "with PyTorch's cubic weights",
               upsample_bicubic);
  const char* nearest3d = "float32; 5-D; sizes or scale factors; GATHER per resized axis";
  r.translator("aten::upsample_nearest3d", kPriority, nearest3d, upsample_3d<false, false>);
  r.translator("aten::_upsample_nearest_exact3d", kPriority, nearest3d, upsample_3d<false, true>);
  r.translator("aten::upsample_trilinear3d", kPriority,
               "float32; 5-D; align_corners both; sizes or scale factors; FULLY_CONNECTED per resized axis",
               upsample_3d<true, false>);
  r.translator("aten::pixel_shuffle", kPriority, "4-D; channel order fixed by GATHER when C_out > 1", pixel_shuffle);
  r.translator("aten::pixel_unshuffle", kPriority, "4-D; channel order fixed by GATHER when C_in > 1", pixel_unshuffle);
});

}  // namespace aten
