// torchvision::roi_align and roi_pool, and the RoI building blocks they share with ps_roi.cpp.
//
// torchvision::roi_align(input [N, C, H, W], rois [K, 5], spatial_scale, pooled_height,
// pooled_width, sampling_ratio, aligned) -> [K, C, ph, pw]: each output bin is the mean of
// grid_h x grid_w bilinear samples inside the box (rois rows are (batch index, x1, y1, x2, y2)).
// The grid is sampling_ratio x sampling_ratio, or with sampling_ratio <= 0 ceil(bin height) x
// ceil(bin width), which depends on each box.
//
// Bilinear sampling on a regular grid is separable: the mean over a bin is Ay @ V @ Ax^T, where
// Ay[k] ([ph, H]) holds, for each output row, the averaged interpolation weights of the input
// rows (built from the boxes at run time by comparing floor(y) with the row numbers), and Ax[k]
// the same for columns. Samples outside [-1, H] x [-1, W] weigh nothing, as in torchvision. So
// the boxes may be computed by the model (a two-stage head) and the operator is two
// BATCH_MATMULs on the feature maps GATHERed per box.
//
// The adaptive grid: each bin gets a fixed number of sample slots starting at its first sample
// that can weigh anything (index computed at run time), the slots past ceil(bin size) weigh
// nothing. exact_slots() bounds how many samples can weigh anything (size + 5 for an axis of
// `size` pixels), so the result is exact for any box; with constant boxes the slots are the
// largest grid among them when that is fewer.
#include "roi.hpp"
#include "torchvision.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace torchvision {

namespace {

// The weights of each input row for bilinear samples at `pos` (any shape S): [S..., size],
// zero where `keep` (a bool of shape S, or -1) is false. torchvision's rule: a sample outside
// [-1, size] weighs nothing, one below 0 counts as 0, one at or past size - 1 is the last row.
// With the position clamped so, the weights are the tent max(0, 1 - |pos - row|); a sample that
// weighs nothing is moved to -2, where the tent is 0 on every row.
int32_t sample_weights(const Emit& e, int32_t pos, int32_t keep, int64_t size) {
  std::vector<int64_t> col = e.shape(pos);
  col.push_back(1);
  int32_t inside = e.binary(LC_OP_LOGICAL_AND, e.binary(LC_OP_GREATER_EQUAL, pos, e.scalar(-1.0f), LC_BOOL),
                            e.binary(LC_OP_LESS_EQUAL, pos, e.scalar(static_cast<float>(size)), LC_BOOL), LC_BOOL);
  if (keep >= 0) inside = e.binary(LC_OP_LOGICAL_AND, inside, keep, LC_BOOL);
  int32_t at =
      e.binary(LC_OP_MINIMUM, e.binary(LC_OP_MAXIMUM, pos, e.scalar(0.0f)), e.scalar(static_cast<float>(size - 1)));
  int32_t moved = e.tensor(LC_FLOAT32, e.shape(pos));
  e.n.op(LC_OP_SELECT_V2, {inside, at, e.scalar(-2.0f)}, {moved});
  int32_t distance =
      e.unary(LC_OP_ABS, e.binary(LC_OP_SUB, e.reshape(moved, col), e.iota(size, static_cast<int>(col.size()))));
  return e.unary(LC_OP_RELU, e.binary(LC_OP_SUB, e.scalar(1.0f), distance));
}

int32_t fixed_axis_weights(const Emit& e, int32_t bin, int32_t lo, int64_t k, int64_t pooled, int64_t grid,
                           int64_t size) {
  // Sample s = p * grid + i sits at lo + bin * (p + (i + 0.5) / grid).
  std::vector<float> frac;
  for (int64_t p = 0; p < pooled; ++p)
    for (int64_t i = 0; i < grid; ++i)
      frac.push_back(static_cast<float>(p) + (static_cast<float>(i) + 0.5f) / static_cast<float>(grid));
  const int64_t samples = pooled * grid;
  int32_t pos = e.binary(LC_OP_ADD, lo, e.binary(LC_OP_MUL, bin, e.n.const_f32({1, samples}, frac)));  // [K, S]
  int32_t w = e.reshape(sample_weights(e, pos, -1, size), {k, pooled, grid, size});
  return e.binary(LC_OP_MUL, e.sum(w, 2), e.scalar(1.0f / static_cast<float>(grid)));
}

int32_t adaptive_axis_weights(const Emit& e, int32_t bin, int32_t lo, int64_t k, int64_t pooled, int64_t slots,
                              int64_t size) {
  int32_t grid = e.unary(LC_OP_CEIL, bin);                        // [K, 1]
  int32_t count = e.binary(LC_OP_MAXIMUM, grid, e.scalar(1.0f));  // a divisor that is never 0
  std::vector<float> ps;
  for (int64_t p = 0; p < pooled; ++p) ps.push_back(static_cast<float>(p));
  int32_t start = e.binary(LC_OP_ADD, lo, e.binary(LC_OP_MUL, e.n.const_f32({1, pooled}, ps), bin));  // [K, P]
  // The first sample at or past -1: i >= (-1 - start) / step - 0.5, taken one early for rounding,
  // kept in [0, count] (a degenerate step only has to give a finite index).
  int32_t step = e.binary(LC_OP_MAXIMUM, e.binary(LC_OP_DIV, bin, count), e.scalar(1e-6f));
  int32_t first = e.binary(LC_OP_DIV, e.binary(LC_OP_SUB, e.scalar(-1.0f), start), step);
  first = e.binary(LC_OP_SUB, e.unary(LC_OP_CEIL, e.binary(LC_OP_SUB, first, e.scalar(0.5f))), e.scalar(1.0f));
  first = e.binary(LC_OP_MINIMUM, e.binary(LC_OP_MAXIMUM, first, e.scalar(0.0f)), count);
  int32_t index = e.binary(LC_OP_ADD, e.reshape(first, {k, pooled, 1}), e.iota(slots, 3));  // [K, P, M]
  int32_t grid3 = e.reshape(grid, {k, 1, 1}), count3 = e.reshape(count, {k, 1, 1});
  int32_t taken = e.binary(LC_OP_LESS, index, grid3, LC_BOOL);
  // As torchvision: start + (i + 0.5) * bin / grid.
  int32_t offset = e.binary(
      LC_OP_DIV, e.binary(LC_OP_MUL, e.binary(LC_OP_ADD, index, e.scalar(0.5f)), e.reshape(bin, {k, 1, 1})), count3);
  int32_t pos = e.binary(LC_OP_ADD, e.reshape(start, {k, pooled, 1}), offset);
  int32_t w = sample_weights(e, pos, taken, size);  // [K, P, M, size]
  return e.binary(LC_OP_DIV, e.sum(w, 2), count3);
}

}  // namespace

int64_t exact_slots(int64_t size) {
  return size + 5;
}

int32_t axis_weights(const Emit& e, int32_t lo, int32_t hi, int64_t k, int64_t pooled, int64_t size, bool at_least_one,
                     Sampling sampling) {
  int32_t extent = e.binary(LC_OP_SUB, hi, lo);
  if (at_least_one) extent = e.binary(LC_OP_MAXIMUM, extent, e.scalar(1.0f));
  int32_t bin = e.binary(LC_OP_DIV, extent, e.scalar(static_cast<float>(pooled)));
  if (sampling.ratio > 0) return fixed_axis_weights(e, bin, lo, k, pooled, sampling.ratio, size);
  return adaptive_axis_weights(e, bin, lo, k, pooled, sampling.slots, size);
}

int32_t box_coord(const Emit& e, int32_t rois, int64_t k, int32_t col, double scale, float offset) {
  int32_t scaled = e.binary(LC_OP_MUL, e.column(rois, k, col), e.scalar(static_cast<float>(scale)));
  return offset == 0.0f ? scaled : e.binary(LC_OP_SUB, scaled, e.scalar(offset));
}

int32_t box_maps(const Emit& e, int32_t input, int32_t rois, const std::vector<int64_t>& in_shape, int64_t k) {
  // One image: every box reads it, and the ops that follow broadcast it (no K copies).
  if (in_shape[0] == 1) return input;
  int32_t index = e.unary(LC_OP_CAST, e.reshape(e.column(rois, k, 0), {k}), LC_INT32);
  int32_t maps = e.tensor(LC_FLOAT32, {k, in_shape[1], in_shape[2], in_shape[3]});
  e.n.op(LC_OP_GATHER, {input, index}, {maps}).set("axis", 0);
  return maps;
}

int32_t separable_bins(const Emit& e, int32_t ay, int32_t maps, int32_t ax, int64_t k, int64_t c, int64_t ph,
                       int64_t pw, int64_t h, int64_t w) {
  int32_t rows = e.tensor(LC_FLOAT32, {k, c, ph, w});
  e.n.op(LC_OP_BATCH_MATMUL, {e.reshape(ay, {k, 1, ph, h}), maps}, {rows}).set("adj_x", false).set("adj_y", false);
  int32_t out = e.tensor(LC_FLOAT32, {k, c, ph, pw});
  e.n.op(LC_OP_BATCH_MATMUL, {rows, e.reshape(ax, {k, 1, pw, w})}, {out}).set("adj_x", false).set("adj_y", true);
  return out;
}

int64_t largest_grid(const litecast::Node& n, int rois_input, int lo_col, double scale, float offset, bool at_least_one,
                     int64_t pooled) {
  if (!n.info(rois_input).is_constant) return 0;
  std::vector<float> r = n.floats_of(rois_input);
  int64_t largest = 1;
  for (size_t b = 0; b + 5 <= r.size(); b += 5) {
    const float s = static_cast<float>(scale);
    float extent =
        (r[b + static_cast<size_t>(lo_col) + 2] * s - offset) - (r[b + static_cast<size_t>(lo_col)] * s - offset);
    if (at_least_one) extent = std::max(extent, 1.0f);
    const float grid = std::ceil(extent / static_cast<float>(pooled));
    if (!(grid < 1e9f)) return 0;  // inf or NaN: leave it to the bound
    largest = std::max(largest, static_cast<int64_t>(grid));
  }
  return largest;
}

Sampling sampling_for(const litecast::Node& n, int64_t ratio, int lo_col, double scale, float offset, bool at_least_one,
                      int64_t pooled, int64_t size) {
  Sampling s;
  s.ratio = ratio;
  if (ratio > 0) return s;
  s.slots = exact_slots(size);
  const int64_t known = largest_grid(n, 1, lo_col, scale, offset, at_least_one, pooled);
  if (known > 0) s.slots = std::min(s.slots, known);
  return s;
}

namespace {

void roi_align(litecast::Node& n) {
  litecast::TensorInfo in = n.info(0), boxes = n.info(1);
  if (in.dtype != LC_FLOAT32 || boxes.dtype != LC_FLOAT32) n.decline("float32 only");
  if (in.rank() != 4 || boxes.rank() != 2 || boxes.shape[1] != 5) n.decline("input [N, C, H, W] and rois [K, 5] only");
  const double scale = n.f64(2);
  const int64_t ph = n.i64(3), pw = n.i64(4), ratio = n.i64(5);
  const bool aligned = n.flag(6);
  const int64_t k = boxes.shape[0], c = in.shape[1], h = in.shape[2], w = in.shape[3];
  const Emit e{n};
  int32_t rois = n.input(1);
  const float offset = aligned ? 0.5f : 0.0f;
  int32_t x1 = box_coord(e, rois, k, 1, scale, offset), y1 = box_coord(e, rois, k, 2, scale, offset);
  int32_t x2 = box_coord(e, rois, k, 3, scale, offset), y2 = box_coord(e, rois, k, 4, scale, offset);
  int32_t ay = axis_weights(e, y1, y2, k, ph, h, !aligned, sampling_for(n, ratio, 2, scale, offset, !aligned, ph, h));
  int32_t ax = axis_weights(e, x1, x2, k, pw, w, !aligned, sampling_for(n, ratio, 1, scale, offset, !aligned, pw, w));
  n.output(0, separable_bins(e, ay, box_maps(e, n.input(0), rois, in.shape, k), ax, k, c, ph, pw, h, w));
}

}  // namespace

int32_t round_away(const Emit& e, int32_t x) {
  int32_t mag = e.unary(LC_OP_FLOOR, e.binary(LC_OP_ADD, e.unary(LC_OP_ABS, x), e.scalar(0.5f)));
  return e.binary(LC_OP_MUL, e.unary(LC_OP_SIGN, x), mag);
}

int32_t bin_mask(const Emit& e, int32_t lo, int32_t hi, int64_t k, int64_t pooled, int64_t size, float extra,
                 int64_t clip) {
  int32_t extent = e.binary(LC_OP_SUB, hi, lo);
  if (extra != 0.0f) extent = e.binary(LC_OP_ADD, extent, e.scalar(extra));
  extent = e.binary(LC_OP_MAXIMUM, extent, e.scalar(1.0f));
  int32_t bin = e.binary(LC_OP_DIV, extent, e.scalar(static_cast<float>(pooled)));
  std::vector<float> p0, p1;
  for (int64_t p = 0; p < pooled; ++p) {
    p0.push_back(static_cast<float>(p));
    p1.push_back(static_cast<float>(p + 1));
  }
  auto clipped = [&](int32_t t) {
    return e.binary(LC_OP_MINIMUM, e.binary(LC_OP_MAXIMUM, e.binary(LC_OP_ADD, t, lo), e.scalar(0.0f)),
                    e.scalar(static_cast<float>(clip)));
  };
  int32_t start = clipped(e.unary(LC_OP_FLOOR, e.binary(LC_OP_MUL, bin, e.n.const_f32({1, pooled}, p0))));
  int32_t end = clipped(e.unary(LC_OP_CEIL, e.binary(LC_OP_MUL, bin, e.n.const_f32({1, pooled}, p1))));
  int32_t iota = e.iota(size, 3);
  return e.binary(LC_OP_LOGICAL_AND, e.binary(LC_OP_GREATER_EQUAL, iota, e.reshape(start, {k, pooled, 1}), LC_BOOL),
                  e.binary(LC_OP_LESS, iota, e.reshape(end, {k, pooled, 1}), LC_BOOL), LC_BOOL);
}

namespace {

// torchvision::roi_pool(input, rois, spatial_scale, pooled_height, pooled_width) -> [K, C, ph, pw]:
// the maximum over each bin of the box (boxes rounded to whole pixels), 0 for an empty bin.
// Separable: the maximum over the columns of each column bin, then over the rows of each row
// bin, with the elements outside a bin replaced by the lowest float (SELECT_V2, REDUCE_MAX).
void roi_pool(litecast::Node& n) {
  litecast::TensorInfo in = n.info(0), boxes = n.info(1);
  if (in.dtype != LC_FLOAT32 || boxes.dtype != LC_FLOAT32) n.decline("float32 only");
  if (in.rank() != 4 || boxes.rank() != 2 || boxes.shape[1] != 5) n.decline("input [N, C, H, W] and rois [K, 5] only");
  const double scale = n.f64(2);
  const int64_t ph = n.i64(3), pw = n.i64(4);
  const int64_t k = boxes.shape[0], c = in.shape[1], h = in.shape[2], w = in.shape[3];
  if (k * c * h * w * std::max(ph, pw) > (int64_t{1} << 26))
    n.decline("too large for the masked maximum (boxes x channels x height x width x bins > 2^26)");
  const Emit e{n};
  int32_t rois = n.input(1);
  auto coord = [&](int32_t col) {
    return round_away(e, e.binary(LC_OP_MUL, e.column(rois, k, col), e.scalar(static_cast<float>(scale))));
  };
  int32_t x1 = coord(1), y1 = coord(2), x2 = coord(3), y2 = coord(4);
  // roi_pool's bins: extent end - start + 1, clipped to [0, size].
  int32_t rows = bin_mask(e, y1, y2, k, ph, h, 1.0f, h);  // [K, ph, H]
  int32_t cols = bin_mask(e, x1, x2, k, pw, w, 1.0f, w);  // [K, pw, W]
  int32_t maps = box_maps(e, n.input(0), rois, in.shape, k);
  const float lowest = std::numeric_limits<float>::lowest();
  int32_t floor_t = e.scalar(lowest);
  // Columns: [K, C, H, 1, W] against [K, 1, 1, pw, W] -> max over W -> [K, C, H, pw].
  int32_t by_col = e.tensor(LC_FLOAT32, {k, c, h, pw, w});
  n.op(LC_OP_SELECT_V2, {e.reshape(cols, {k, 1, 1, pw, w}), e.reshape(maps, {e.shape(maps)[0], c, h, 1, w}), floor_t},
       {by_col});
  int32_t col_max = e.tensor(LC_FLOAT32, {k, c, h, pw});
  n.op(LC_OP_REDUCE_MAX, {by_col, n.const_i32({1}, {4})}, {col_max}).set("keep_dims", false);
  // Rows: [K, C, 1, H, pw] against [K, 1, ph, H, 1] -> max over H -> [K, C, ph, pw].
  int32_t by_row = e.tensor(LC_FLOAT32, {k, c, ph, h, pw});
  n.op(LC_OP_SELECT_V2, {e.reshape(rows, {k, 1, ph, h, 1}), e.reshape(col_max, {k, c, 1, h, pw}), floor_t}, {by_row});
  int32_t out = e.tensor(LC_FLOAT32, {k, c, ph, pw});
  n.op(LC_OP_REDUCE_MAX, {by_row, n.const_i32({1}, {3})}, {out}).set("keep_dims", false);
  // An empty bin (no row or no column) is 0.
  auto any = [&](int32_t mask, int64_t bins) {
    int32_t y = e.tensor(LC_BOOL, {k, bins});
    n.op(LC_OP_REDUCE_ANY, {mask, n.const_i32({1}, {2})}, {y}).set("keep_dims", false);
    return y;
  };
  int32_t filled = e.binary(LC_OP_LOGICAL_AND, e.reshape(any(rows, ph), {k, 1, ph, 1}),
                            e.reshape(any(cols, pw), {k, 1, 1, pw}), LC_BOOL);
  int32_t result = e.tensor(LC_FLOAT32, {k, c, ph, pw});
  n.op(LC_OP_SELECT_V2, {filled, out, e.scalar(0.0f)}, {result});
  n.output(0, result);
  if (n.num_outputs() < 2) return;
  // argmax: h * W + w of the first maximum in row-major order (-1 for an empty bin). ARG_MAX
  // gives the first maximum: per row h the column of its maximum in each column bin, then the
  // first row of the row bin whose maximum is the bin's; its column is picked by a one-hot SUM.
  int32_t col_arg = e.tensor(LC_INT32, {k, c, h, pw});
  n.op(LC_OP_ARG_MAX, {by_col, n.const_i32({4})}, {col_arg}).set("output_type", "INT32");
  int32_t row_arg = e.tensor(LC_INT32, {k, c, ph, pw});
  n.op(LC_OP_ARG_MAX, {by_row, n.const_i32({3})}, {row_arg}).set("output_type", "INT32");
  std::vector<int32_t> hs(static_cast<size_t>(h));
  for (int64_t r = 0; r < h; ++r) hs[static_cast<size_t>(r)] = static_cast<int32_t>(r);
  int32_t hot = e.binary(LC_OP_EQUAL, e.reshape(row_arg, {k, c, ph, 1, pw}), n.const_i32({1, 1, 1, h, 1}, hs),
                         LC_BOOL);  // [K, C, ph, H, pw]
  int32_t picked =
      e.binary(LC_OP_MUL, e.unary(LC_OP_CAST, hot, LC_INT32), e.reshape(col_arg, {k, c, 1, h, pw}), LC_INT32);
  int32_t col = e.tensor(LC_INT32, {k, c, ph, pw});
  n.op(LC_OP_SUM, {picked, n.const_i32({1}, {3})}, {col}).set("keep_dims", false);
  const int32_t width = static_cast<int32_t>(w), minus = -1;
  int32_t flat = e.binary(LC_OP_ADD, e.binary(LC_OP_MUL, row_arg, n.const_i32({}, {width}), LC_INT32), col, LC_INT32);
  int32_t arg = e.tensor(LC_INT32, {k, c, ph, pw});
  n.op(LC_OP_SELECT_V2, {filled, flat, n.const_i32({}, {minus})}, {arg});
  const int32_t dtype = n.output_info(1).dtype;
  if (dtype != LC_INT32) arg = e.unary(LC_OP_CAST, arg, dtype);
  n.output(1, arg);
}

}  // namespace

void register_roi_align(litecast::Registrar& r) {
  r.translator("torchvision::roi_pool", kPriority,
               "float32; boxes may be computed; bin masks + SELECT_V2 + REDUCE_MAX (up to 2^26 masked elements)",
               roi_pool);
  r.translator("torchvision::roi_align", kPriority,
               "float32; aligned or not; sampling_ratio > 0, or <= 0 (adaptive grid, exact: H+5 sample slots "
               "per bin, fewer for constant boxes); boxes may be computed; separable bilinear weights + 2 BATCH_MATMUL",
               roi_align);
}

}  // namespace torchvision
