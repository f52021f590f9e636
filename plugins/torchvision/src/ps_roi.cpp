// torchvision::ps_roi_align and ps_roi_pool: position-sensitive RoI pooling (R-FCN).
//
// Output channel c at bin (i, j) reads input channel c * ph * pw + i * pw + j, so the input has
// C = C_out * ph * pw channels. Both compute every channel at every bin with the separable
// weights of roi_align.cpp (Ay @ V @ Ax^T), then keep the channel that belongs to each bin: the
// [K, C_out, ph*pw (channel's bin), ph*pw (bin)] result times an identity, summed over the first
// ph*pw axis. That costs ph * pw times the arithmetic of the bins kept, and adds only zeros.
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

// [K, C, ph, pw] with every channel at every bin -> [K, C_out, ph, pw], channel c * P + b at bin b.
int32_t own_channels(const Emit& e, int32_t all, const PsShape& s) {
  const int64_t bins = s.ph * s.pw;
  std::vector<float> eye(static_cast<size_t>(bins * bins), 0.0f);
  for (int64_t b = 0; b < bins; ++b) eye[static_cast<size_t>(b * bins + b)] = 1.0f;
  int32_t masked = e.binary(LC_OP_MUL, e.reshape(all, {s.k, s.c_out, bins, bins}), e.n.const_f32({bins, bins}, eye));
  return e.reshape(e.sum(masked, 2), {s.k, s.c_out, s.ph, s.pw});
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
  auto sampling = [&](int lo_col, int64_t pooled, int64_t size) {
    Sampling smp;
    smp.ratio = ratio;
    if (ratio > 0) return smp;
    smp.slots = exact_slots(size);
    const int64_t known = largest_grid(n, 1, lo_col, scale, 0.5f, false, pooled);
    if (known > 0) smp.slots = std::min(smp.slots, known);
    return smp;
  };
  int32_t x1 = box_coord(e, rois, s.k, 1, scale, 0.5f), y1 = box_coord(e, rois, s.k, 2, scale, 0.5f);
  int32_t x2 = box_coord(e, rois, s.k, 3, scale, 0.5f), y2 = box_coord(e, rois, s.k, 4, scale, 0.5f);
  int32_t ay = axis_weights(e, y1, y2, s.k, s.ph, s.h, false, sampling(2, s.ph, s.h));
  int32_t ax = axis_weights(e, x1, x2, s.k, s.pw, s.w, false, sampling(1, s.pw, s.w));
  int32_t maps = box_maps(e, n.input(0), rois, n.info(0).shape, s.k);
  n.output(0, own_channels(e, separable_bins(e, ay, maps, ax, s.k, s.c, s.ph, s.pw, s.h, s.w), s));
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
  n.output(0, own_channels(e, separable_bins(e, ay, maps, ax, s.k, s.c, s.ph, s.pw, s.h, s.w), s));
  channel_mapping(n, s);
}

}  // namespace

void register_ps_roi(litecast::Registrar& r) {
  r.translator("torchvision::ps_roi_align", kPriority,
               "float32; sampling_ratio > 0, or <= 0 (adaptive grid, exact: 2*H+4 sample slots per bin, fewer for "
               "constant boxes); boxes may be computed; every channel at every bin (ph*pw times the work), own "
               "channel kept; an empty adaptive grid gives 0 where PyTorch divides 0 by 0",
               ps_roi_align);
  r.translator("torchvision::ps_roi_pool", kPriority,
               "float32; boxes may be computed; bin means as separable 0/1 weights + 2 BATCH_MATMUL, every channel at "
               "every bin (ph*pw times the work), own channel kept",
               ps_roi_pool);
}

}  // namespace torchvision
