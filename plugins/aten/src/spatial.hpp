// Shared by the convolution, pooling, resize and padding translators: where PyTorch's
// windows sit against TFLite's SAME/VALID padding, explicit padding, 1-d ops run as 2-d
// ones (H = 1), and per-axis linear maps (adaptive pooling, resizes TFLite cannot match).
#ifndef LITECAST_PLUGINS_ATEN_SPATIAL_HPP
#define LITECAST_PLUGINS_ATEN_SPATIAL_HPP

#include "common.hpp"

#include <array>
#include <vector>

namespace aten::spatial {

// One spatial axis of a sliding-window op as PyTorch places its windows: window o starts
// at o * stride - before. `after` is the padding the last window really reaches, which
// ceil_mode may push past PyTorch's own padding and a stride may leave short of it.
struct Axis {
  int64_t in = 1, out = 1, kernel = 1, stride = 1, dilation = 1, before = 0, after = 0;
  int64_t extent() const { return dilation * (kernel - 1) + 1; }
};
using Axes = std::array<Axis, 2>;                  // H, W; H stays trivial (1 -> 1) for 1-d ops
using Pads = std::vector<std::array<int64_t, 2>>;  // {before, after} per dimension

// Axes of a k-dimensional window op (k = 1 or 2) from NC... shapes and per-axis lists.
Axes make_axes(const std::vector<int64_t>& in_shape, const std::vector<int64_t>& out_shape,
               const std::vector<int64_t>& kernel, const std::vector<int64_t>& stride,
               const std::vector<int64_t>& dilation, const std::vector<int64_t>& before);

// TFLite padding that places the windows exactly as PyTorch does; nullptr when only an
// explicit pad followed by a VALID window can.
const char* tflite_padding(const Axes& a);
// TFLite's own SAME padding before axis a (what its kernels compute).
int64_t same_before(const Axis& a);

// The padding to give a TFLite window op over the NHWC tensor t: SAME or VALID when one
// places the windows as PyTorch does (SAME only if allow_same), else t is padded with
// pad_value first, the axes are updated to the padded input, and the answer is VALID.
const char* place_windows(const litecast::Node& n, int32_t& t, Axes& a, float pad_value, bool allow_same = true);

// Integer-list input i with one entry per spatial axis: a single value repeats, an empty
// list means `fallback` (pool stride = kernel).
std::vector<int64_t> per_axis(const litecast::Node& n, int i, size_t k, const std::vector<int64_t>& fallback);

// PAD (value 0) or PADV2 of t; pads hold one {before, after} >= 0 per dimension.
int32_t pad(const litecast::Node& n, int32_t t, const Pads& pads, float value);

// Input i in NHWC for a TFLite NHWC kernel: NCHW transposed; NCW transposed to NWC, then
// reshaped to (N, 1, W, C). Transposing first lets consecutive 1-d layers' transposes meet.
int32_t to_nhwc(const litecast::Node& n, int i);
// Binds node output i to the NHWC tensor y, back in PyTorch's NCHW (or NCW) layout.
void bind_nhwc(const litecast::Node& n, int i, int32_t y);

// A 3-D (N, C, W) tensor as 4-D (N, C, 1, W); 4-D passes through.
int32_t as_4d(const litecast::Node& n, int32_t t);
// Binds node output i to the 4-D NCHW tensor y, reshaped back when that output is 3-D.
void bind_output(const litecast::Node& n, int i, int32_t y);
// A fresh float tensor shaped like the NHWC form of the 4-D NCHW shape `nchw`.
int32_t new_nhwc(const litecast::Node& n, const std::vector<int64_t>& nchw);
// The 4-D (NCHW) form of an NCW or NCHW shape, and of node output i.
std::vector<int64_t> shape_4d(std::vector<int64_t> s);
std::vector<int64_t> output_4d(const litecast::Node& n, int i);

// Row-major [rows x cols] matrix that maps an axis of `cols` entries to `rows` entries.
struct AxisMap {
  int64_t rows = 0, cols = 0;
  std::vector<float> m;
  bool identity() const;
};
// y = M_h . x . M_w^T on each (N, C) plane of the 4-D NCHW tensor x, as FULLY_CONNECTED.
int32_t separable_map(const litecast::Node& n, int32_t x, const AxisMap& h, const AxisMap& w);

}  // namespace aten::spatial

#endif
