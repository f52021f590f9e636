// Helpers of the spatial op families; see spatial.hpp.
#include "spatial.hpp"

#include <algorithm>
#include <string>

namespace aten::spatial {

namespace {

Axis make_axis(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t dilation, int64_t before) {
  Axis a{in, out, kernel, stride, dilation, before, 0};
  a.after = std::max<int64_t>((out - 1) * stride + a.extent() - in - before, 0);
  return a;
}

bool valid_matches(const Axis& a) {
  return a.before == 0 && (a.in - a.extent()) / a.stride + 1 == a.out;
}

bool same_matches(const Axis& a) {
  return (a.in + a.stride - 1) / a.stride == a.out && same_before(a) == a.before;
}

int32_t fc_last_axis(const litecast::Node& n, int32_t x, const AxisMap& m) {
  std::vector<int64_t> shape = n.tensor_info(x).shape;
  shape.back() = m.rows;
  int32_t w = n.const_f32({m.rows, m.cols}, m.m);
  int32_t y = n.add_tensor(LC_FLOAT32, shape);
  n.op(LC_OP_FULLY_CONNECTED, {x, w, -1}, {y}).set("fused_activation_function", "NONE").set("keep_num_dims", true);
  return y;
}

}  // namespace

Axes make_axes(const std::vector<int64_t>& in_shape, const std::vector<int64_t>& out_shape,
               const std::vector<int64_t>& kernel, const std::vector<int64_t>& stride,
               const std::vector<int64_t>& dilation, const std::vector<int64_t>& before) {
  Axes a;
  const size_t k = in_shape.size() - 2;
  for (size_t d = 0; d < k; ++d)
    a[2 - k + d] = make_axis(in_shape[2 + d], out_shape[2 + d], kernel[d], stride[d], dilation[d], before[d]);
  return a;
}

int64_t same_before(const Axis& a) {
  int64_t out = (a.in + a.stride - 1) / a.stride;
  return std::max<int64_t>((out - 1) * a.stride + a.extent() - a.in, 0) / 2;
}

const char* tflite_padding(const Axes& a) {
  if (valid_matches(a[0]) && valid_matches(a[1])) return "VALID";
  if (same_matches(a[0]) && same_matches(a[1])) return "SAME";
  return nullptr;
}

const char* place_windows(const litecast::Node& n, int32_t& t, Axes& a, float pad_value, bool allow_same) {
  const char* padding = tflite_padding(a);
  if (padding && (allow_same || std::string(padding) == "VALID")) return padding;
  t = pad(n, t, {{0, 0}, {a[0].before, a[0].after}, {a[1].before, a[1].after}, {0, 0}}, pad_value);
  for (Axis& ax : a) {
    ax.in += ax.before + ax.after;
    ax.before = ax.after = 0;
  }
  return "VALID";
}

std::vector<int64_t> per_axis(const litecast::Node& n, int i, size_t k, const std::vector<int64_t>& fallback) {
  std::vector<int64_t> v = n.ints(i);
  if (v.empty()) return fallback;
  if (v.size() == 1) return std::vector<int64_t>(k, v[0]);
  if (v.size() != k)
    n.decline("input " + std::to_string(i) + " has " + std::to_string(v.size()) + " entries for " + std::to_string(k) +
              " spatial dimensions");
  return v;
}

int32_t pad(const litecast::Node& n, int32_t t, const Pads& pads, float value) {
  litecast::TensorInfo info = n.tensor_info(t);
  if (pads.size() != info.shape.size()) n.fail("pad: one {before, after} per dimension expected");
  std::vector<int32_t> p;
  std::vector<int64_t> shape = info.shape;
  bool any = false;
  for (size_t d = 0; d < pads.size(); ++d) {
    p.push_back(static_cast<int32_t>(pads[d][0]));
    p.push_back(static_cast<int32_t>(pads[d][1]));
    shape[d] += pads[d][0] + pads[d][1];
    any = any || pads[d][0] != 0 || pads[d][1] != 0;
  }
  if (!any) return t;
  int32_t paddings = n.const_i32({static_cast<int64_t>(pads.size()), 2}, p);
  int32_t y = n.add_tensor(info.dtype, shape);
  if (value == 0.0f) {
    n.op(LC_OP_PAD, {t, paddings}, {y});
  } else if (info.dtype == LC_INT32) {
    int32_t v = n.const_i32({1}, {static_cast<int32_t>(value)});
    n.op(LC_OP_PADV2, {t, paddings, v}, {y});
  } else {
    int32_t v = n.const_f32({1}, {value});
    n.op(LC_OP_PADV2, {t, paddings, v}, {y});
  }
  return y;
}

int32_t to_nhwc(const litecast::Node& n, int i) {
  litecast::TensorInfo x = n.info(i);
  if (x.rank() == 4) return to_channels_last(n, n.input(i));
  if (x.rank() != 3) n.decline("expects a 3-D (N, C, W) or 4-D (N, C, H, W) input");
  return reshape(n, to_channels_last(n, n.input(i)), {x.shape[0], 1, x.shape[2], x.shape[1]});
}

void bind_nhwc(const litecast::Node& n, int i, int32_t y) {
  litecast::TensorInfo out = n.output_info(i);
  if (out.rank() == 4) return n.output(i, to_channels_first(n, y));
  n.output(i, to_channels_first(n, reshape(n, y, {out.shape[0], out.shape[2], out.shape[1]})));
}

int32_t as_4d(const litecast::Node& n, int32_t t) {
  std::vector<int64_t> s = n.tensor_info(t).shape;
  if (s.size() == 4) return t;
  if (s.size() != 3) n.decline("expects a 3-D (N, C, W) or 4-D (N, C, H, W) input");
  return reshape(n, t, {s[0], s[1], 1, s[2]});
}

void bind_output(const litecast::Node& n, int i, int32_t y) {
  litecast::TensorInfo out = n.output_info(i);
  n.output(i, out.rank() == 3 ? reshape(n, y, out.shape) : y);
}

int32_t new_nhwc(const litecast::Node& n, const std::vector<int64_t>& nchw) {
  return n.add_tensor(LC_FLOAT32, {nchw[0], nchw[2], nchw[3], nchw[1]});
}

std::vector<int64_t> shape_4d(std::vector<int64_t> s) {
  if (s.size() == 3) s.insert(s.begin() + 2, 1);
  return s;
}

std::vector<int64_t> output_4d(const litecast::Node& n, int i) {
  return shape_4d(n.output_info(i).shape);
}

bool AxisMap::identity() const {
  if (rows != cols) return false;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      if (m[static_cast<size_t>(r * cols + c)] != (r == c ? 1.0f : 0.0f)) return false;
  return true;
}

int32_t separable_map(const litecast::Node& n, int32_t x, const AxisMap& h, const AxisMap& w) {
  if (!w.identity()) x = fc_last_axis(n, x, w);
  if (h.identity()) return x;
  x = transpose(n, x, {0, 1, 3, 2});
  x = fc_last_axis(n, x, h);
  return transpose(n, x, {0, 1, 3, 2});
}

}  // namespace aten::spatial
