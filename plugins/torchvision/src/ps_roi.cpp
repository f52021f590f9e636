// torchvision::ps_roi_align and ps_roi_pool: position-sensitive RoI pooling (R-FCN).
//
// Output channel c at bin (i, j) reads input channel c * ph * pw + i * pw + j, so the input has
// C = C_out * ph * pw channels. Both use the separable per-axis weights of roi_align.cpp
// (Ay @ V @ Ax^T), applied per bin to that bin's channels only (own_bins).
//
// ps_roi_align(input, rois, spatial_scale, ph, pw, sampling_ratio) -> (output, channel_mapping):
// as roi_align with aligned=True (box coordinates minus half a pixel, no minimum size), sampling
// grid sampling_ratio, or ceil(bin size) when <= 0. ps_roi_pool(input, rois, spatial_scale, ph,
// pw) -> (output, channel_mapping): the mean of each bin, boxes rounded to whole pixels (half
// away from zero), extent max(end - start, 1), bins clipped to [0, size - 1] (so the last row and
// column never count, as in torchvision), an empty bin is 0.
#include "roi.hpp"
#include "torchvision.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace torchvision {

namespace {

struct PsShape {
  int64_t k, c, h, w, ph, pw, c_out;
};

PsShape check_ps(const litecast::Node& n) {
  litecast::TensorInfo in = n.info(0), boxes = n.info(1);
  if (in.dtype != LC_FLOAT32 || boxes.dtype != LC_FLOAT32) n.decline("float32 only");
  if (in.rank() != 4 || boxes.rank() != 2 || boxes.shape[1] != 5) n.decline("input [N, C, H, W] and rois [K, 5] only");
  PsShape s{boxes.shape[0], in.shape[1], in.shape[2], in.shape[3], n.i64(3), n.i64(4), 0};
  if (s.ph <= 0 || s.pw <= 0 || s.c % (s.ph * s.pw) != 0)
    n.fail("the input's " + std::to_string(s.c) + " channels are not a multiple of the " + std::to_string(s.ph) +
           " x " + std::to_string(s.pw) + " output bins");
  s.c_out = s.c / (s.ph * s.pw);
  return s;
}

// Each bin reads only its own channels: out[k, c, b] = sum over h, w of
// Ay[k, i(b), h] * V[c * P + b, h, w] * Ax[k, j(b), w] for bin b = i * pw + j of P = ph * pw.
// The map is laid out [P, H, C_out * W] (per box [K, P, H, C_out * W] with several images), the
// weights picked per bin ([K, P, H] and [K, P, W]), then two BATCH_MATMULs batched over (box, bin).
int32_t own_bins(const Emit& e, int32_t ay, int32_t ax, int32_t maps, const PsShape& s) {
  const int64_t bins = s.ph * s.pw;
  std::vector<int32_t> row_of, col_of;
  for (int64_t b = 0; b < bins; ++b) {
    row_of.push_back(static_cast<int32_t>(b / s.pw));
    col_of.push_back(static_cast<int32_t>(b % s.pw));
  }
  auto per_bin = [&](int32_t weights, const std::vector<int32_t>& which, int64_t size) {
    int32_t y = e.tensor(LC_FLOAT32, {s.k, bins, size});
    e.n.op(LC_OP_GATHER, {weights, e.n.const_i32(which)}, {y}).set("axis", 1);
    return y;
  };
  int32_t wy = e.reshape(per_bin(ay, row_of, s.h), {s.k, bins, 1, s.h});
  int32_t wx = e.reshape(per_bin(ax, col_of, s.w), {s.k, bins, s.w, 1});
  const int64_t lead = e.shape(maps)[0];  // 1 (one image, broadcast) or K
  int32_t laid = e.transpose(e.reshape(maps, {lead, s.c_out, bins, s.h, s.w}), {0, 2, 3, 1, 4});
  laid = e.reshape(laid, {lead, bins, s.h, s.c_out * s.w});
  int32_t rows = e.tensor(LC_FLOAT32, {s.k, bins, 1, s.c_out * s.w});
  e.n.op(LC_OP_BATCH_MATMUL, {wy, laid}, {rows}).set("adj_x", false).set("adj_y", false);
  int32_t out = e.tensor(LC_FLOAT32, {s.k, bins, s.c_out, 1});
  e.n.op(LC_OP_BATCH_MATMUL, {e.reshape(rows, {s.k, bins, s.c_out, s.w}), wx}, {out})
      .set("adj_x", false)
      .set("adj_y", false);
  return e.reshape(e.transpose(e.reshape(out, {s.k, bins, s.c_out}), {0, 2, 1}), {s.k, s.c_out, s.ph, s.pw});
}

// The second output: the input channel each output element read (c * ph * pw + i * pw + j), a
// constant (the host wants every output bound, used or not).
void channel_mapping(const litecast::Node& n, const PsShape& s) {
  if (n.num_outputs() < 2) return;
  std::vector<int32_t> map;
  for (int64_t b = 0; b < s.k; ++b)
    for (int64_t c = 0; c < s.c_out * s.ph * s.pw; ++c) map.push_back(static_cast<int32_t>(c));
  int32_t t = n.const_i32({s.k, s.c_out, s.ph, s.pw}, map);
  const int32_t dtype = n.output_info(1).dtype;
  if (dtype != LC_INT32) {
    int32_t cast = n.add_tensor(dtype, {s.k, s.c_out, s.ph, s.pw});
    n.op(LC_OP_CAST, {t}, {cast});
    t = cast;
  }
  n.output(1, t);
}

void ps_roi_align(litecast::Node& n) {
  const PsShape s = check_ps(n);
  const double scale = n.f64(2);
  const int64_t ratio = n.i64(5);
  const Emit e{n};
  int32_t rois = n.input(1);
  int32_t x1 = box_coord(e, rois, s.k, 1, scale, 0.5f), y1 = box_coord(e, rois, s.k, 2, scale, 0.5f);
  int32_t x2 = box_coord(e, rois, s.k, 3, scale, 0.5f), y2 = box_coord(e, rois, s.k, 4, scale, 0.5f);
  int32_t ay = axis_weights(e, y1, y2, s.k, s.ph, s.h, false, sampling_for(n, ratio, 2, scale, 0.5f, false, s.ph, s.h));
  int32_t ax = axis_weights(e, x1, x2, s.k, s.pw, s.w, false, sampling_for(n, ratio, 1, scale, 0.5f, false, s.pw, s.w));
  int32_t maps = box_maps(e, n.input(0), rois, n.info(0).shape, s.k);
  n.output(0, own_bins(e, ay, ax, maps, s));
  channel_mapping(n, s);
}

// Mean-pooling weights of one axis: the bin mask divided by the number of rows in the bin
// (at least 1, so an empty bin stays 0).
int32_t mean_weights(const Emit& e, int32_t mask, int64_t k, int64_t pooled) {
  int32_t ones = e.unary(LC_OP_CAST, mask);  // [K, P, size]
  int32_t count = e.binary(LC_OP_MAXIMUM, e.sum(ones, 2), e.scalar(1.0f));
  return e.binary(LC_OP_DIV, ones, e.reshape(count, {k, pooled, 1}));
}

void ps_roi_pool(litecast::Node& n) {
  const PsShape s = check_ps(n);
  const double scale = n.f64(2);
  const Emit e{n};
  int32_t rois = n.input(1);
  auto coord = [&](int32_t col) { return round_away(e, box_coord(e, rois, s.k, col, scale, 0.0f)); };
  int32_t x1 = coord(1), y1 = coord(2), x2 = coord(3), y2 = coord(4);
  int32_t ay = mean_weights(e, bin_mask(e, y1, y2, s.k, s.ph, s.h, 0.0f, s.h - 1), s.k, s.ph);
  int32_t ax = mean_weights(e, bin_mask(e, x1, x2, s.k, s.pw, s.w, 0.0f, s.w - 1), s.k, s.pw);
  int32_t maps = box_maps(e, n.input(0), rois, n.info(0).shape, s.k);
  n.output(0, own_bins(e, ay, ax, maps, s));
  channel_mapping(n, s);
}

}  // namespace

void register_ps_roi(litecast::Registrar& r) {
  r.translator("torchvision::ps_roi_align", kPriority,
               "float32; sampling_ratio > 0, or <= 0 (adaptive grid, exact: H+5 sample slots per bin, fewer for "
               "constant boxes); boxes may be computed; per-bin weights + 2 BATCH_MATMUL over (box, bin); an "
               "empty adaptive grid gives 0 where PyTorch divides 0 by 0",
               ps_roi_align);
  r.translator("torchvision::ps_roi_pool", kPriority,
               "float32; boxes may be computed; bin means as separable 0/1 weights per bin + 2 BATCH_MATMUL over (box, "
               "bin)",
               ps_roi_pool);
}

}  // namespace torchvision
