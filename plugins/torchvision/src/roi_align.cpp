// torchvision::roi_align and roi_pool.
//
// torchvision::roi_align(input [N, C, H, W], rois [K, 5], spatial_scale, pooled_height,
// pooled_width, sampling_ratio, aligned) -> [K, C, ph, pw]: each output bin is the mean of
// sampling_ratio x sampling_ratio bilinear samples inside the box (rois rows are
// (batch index, x1, y1, x2, y2)).
//
// Bilinear sampling on a regular grid is separable: the mean over a bin is Ay @ V @ Ax^T, where
// Ay[k] ([ph, H]) holds, for each output row, the averaged interpolation weights of the input
// rows (built from the boxes at run time by comparing floor(y) with the row numbers), and Ax[k]
// the same for columns. Samples outside [-1, H] x [-1, W] weigh nothing, as in torchvision. So
// the boxes may be computed by the model (a two-stage head) and the operator is two
// BATCH_MATMULs on the feature maps GATHERed per box.
#include "torchvision.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

namespace torchvision {

namespace {

struct Emit {
  const litecast::Node& n;

  int32_t tensor(int32_t dtype, const std::vector<int64_t>& shape) const { return n.add_tensor(dtype, shape); }
  std::vector<int64_t> shape(int32_t t) const { return n.tensor_info(t).shape; }
  int32_t scalar(float v) const { return n.add_tensor(LC_FLOAT32, {}, &v, sizeof v); }

  // Elementwise binary op with numpy broadcasting of the shapes (equal ranks or 0-d).
  int32_t binary(int32_t code, int32_t a, int32_t b, int32_t dtype = LC_FLOAT32) const {
    std::vector<int64_t> sa = shape(a), sb = shape(b);
    if (sa.size() < sb.size()) sa.insert(sa.begin(), sb.size() - sa.size(), 1);
    if (sb.size() < sa.size()) sb.insert(sb.begin(), sa.size() - sb.size(), 1);
    std::vector<int64_t> out(sa.size());
    for (size_t i = 0; i < sa.size(); ++i) out[i] = sa[i] == 1 ? sb[i] : sa[i];
    int32_t y = tensor(dtype, out);
    litecast::Op op = n.op(code, {a, b}, {y});
    if (code == LC_OP_ADD || code == LC_OP_SUB || code == LC_OP_MUL || code == LC_OP_DIV)
      op.set("fused_activation_function", "NONE");
    return y;
  }
  int32_t unary(int32_t code, int32_t x, int32_t dtype = LC_FLOAT32) const {
    int32_t y = tensor(dtype, shape(x));
    n.op(code, {x}, {y});
    return y;
  }
  int32_t reshape(int32_t x, const std::vector<int64_t>& to) const {
    int32_t y = tensor(n.tensor_info(x).dtype, to);
    std::vector<int32_t> s(to.begin(), to.end());
    n.op(LC_OP_RESHAPE, {x, n.const_i32(s)}, {y});
    return y;
  }
  // Column c of a [K, 5] tensor as [K, 1].
  int32_t column(int32_t rois, int64_t k, int32_t c) const {
    int32_t y = tensor(LC_FLOAT32, {k, 1});
    n.op(LC_OP_SLICE, {rois, n.const_i32({0, c}), n.const_i32({static_cast<int32_t>(k), 1})}, {y});
    return y;
  }
};

// The averaged interpolation weights along one axis: [K, pooled, size]. `lo`/`hi` are the box's
// start and end coordinates ([K, 1], already scaled and offset).
int32_t axis_weights(const Emit& e, int32_t lo, int32_t hi, int64_t k, int64_t pooled, int64_t grid, int64_t size,
                     bool aligned) {
  int32_t extent = e.binary(LC_OP_SUB, hi, lo);
  if (!aligned) extent = e.binary(LC_OP_MAXIMUM, extent, e.scalar(1.0f));
  int32_t bin = e.binary(LC_OP_DIV, extent, e.scalar(static_cast<float>(pooled)));
  // Sample s = p * grid + i sits at lo + bin * (p + (i + 0.5) / grid).
  std::vector<float> frac;
  for (int64_t p = 0; p < pooled; ++p)
    for (int64_t i = 0; i < grid; ++i)
      frac.push_back(static_cast<float>(p) + (static_cast<float>(i) + 0.5f) / static_cast<float>(grid));
  const int64_t samples = pooled * grid;
  int32_t pos = e.binary(LC_OP_ADD, lo, e.binary(LC_OP_MUL, bin, e.n.const_f32({1, samples}, frac)));  // [K, S]
  const float last = static_cast<float>(size - 1);
  int32_t inside = e.binary(LC_OP_LOGICAL_AND, e.binary(LC_OP_GREATER_EQUAL, pos, e.scalar(-1.0f), LC_BOOL),
                            e.binary(LC_OP_LESS_EQUAL, pos, e.scalar(static_cast<float>(size)), LC_BOOL), LC_BOOL);
  pos = e.binary(LC_OP_MAXIMUM, pos, e.scalar(0.0f));
  int32_t low = e.binary(LC_OP_MINIMUM, e.unary(LC_OP_FLOOR, pos), e.scalar(last));
  int32_t high = e.binary(LC_OP_MINIMUM, e.binary(LC_OP_ADD, low, e.scalar(1.0f)), e.scalar(last));
  // At the last row low == high and the two weights add up to 1, as torchvision's clamp gives.
  int32_t frac_hi = e.binary(LC_OP_SUB, pos, low);
  int32_t frac_lo = e.binary(LC_OP_SUB, e.scalar(1.0f), frac_hi);
  std::vector<float> rows(static_cast<size_t>(size));
  for (int64_t r = 0; r < size; ++r) rows[static_cast<size_t>(r)] = static_cast<float>(r);
  int32_t iota = e.n.const_f32({1, 1, size}, rows);
  auto hot = [&](int32_t at) {
    return e.unary(LC_OP_CAST, e.binary(LC_OP_EQUAL, e.reshape(at, {k, samples, 1}), iota, LC_BOOL));
  };
  int32_t w = e.binary(LC_OP_ADD, e.binary(LC_OP_MUL, hot(low), e.reshape(frac_lo, {k, samples, 1})),
                       e.binary(LC_OP_MUL, hot(high), e.reshape(frac_hi, {k, samples, 1})));
  w = e.binary(LC_OP_MUL, w, e.reshape(e.unary(LC_OP_CAST, inside), {k, samples, 1}));  // [K, S, size]
  int32_t grouped = e.reshape(w, {k, pooled, grid, size});
  int32_t summed = e.tensor(LC_FLOAT32, {k, pooled, size});
  e.n.op(LC_OP_SUM, {grouped, e.n.const_i32({1}, {2})}, {summed}).set("keep_dims", false);
  return e.binary(LC_OP_MUL, summed, e.scalar(1.0f / static_cast<float>(grid)));
}

void roi_align(litecast::Node& n) {
  litecast::TensorInfo in = n.info(0), boxes = n.info(1);
  if (in.dtype != LC_FLOAT32 || boxes.dtype != LC_FLOAT32) n.decline("float32 only");
  if (in.rank() != 4 || boxes.rank() != 2 || boxes.shape[1] != 5) n.decline("input [N, C, H, W] and rois [K, 5] only");
  const double scale = n.f64(2);
  const int64_t ph = n.i64(3), pw = n.i64(4), ratio = n.i64(5);
  const bool aligned = n.flag(6);
  if (ratio <= 0)
    n.decline("sampling_ratio <= 0 (a grid that depends on each box's size); give a fixed sampling_ratio");
  const int64_t k = boxes.shape[0], c = in.shape[1], h = in.shape[2], w = in.shape[3];
  const Emit e{n};
  int32_t rois = n.input(1);
  const float offset = aligned ? 0.5f : 0.0f;
  auto coord = [&](int32_t col) {
    return e.binary(LC_OP_SUB, e.binary(LC_OP_MUL, e.column(rois, k, col), e.scalar(static_cast<float>(scale))),
                    e.scalar(offset));
  };
  int32_t x1 = coord(1), y1 = coord(2), x2 = coord(3), y2 = coord(4);
  int32_t ay = axis_weights(e, y1, y2, k, ph, ratio, h, aligned);  // [K, ph, H]
  int32_t ax = axis_weights(e, x1, x2, k, pw, ratio, w, aligned);  // [K, pw, W]
  // The feature map of each box's image: GATHER by the batch index.
  int32_t index = e.unary(LC_OP_CAST, e.reshape(e.column(rois, k, 0), {k}), LC_INT32);
  int32_t maps = e.tensor(LC_FLOAT32, {k, c, h, w});
  n.op(LC_OP_GATHER, {n.input(0), index}, {maps}).set("axis", 0);
  int32_t rows = e.tensor(LC_FLOAT32, {k, c, ph, w});
  n.op(LC_OP_BATCH_MATMUL, {e.reshape(ay, {k, 1, ph, h}), maps}, {rows}).set("adj_x", false).set("adj_y", false);
  int32_t out = e.tensor(LC_FLOAT32, {k, c, ph, pw});
  n.op(LC_OP_BATCH_MATMUL, {rows, e.reshape(ax, {k, 1, pw, w})}, {out}).set("adj_x", false).set("adj_y", true);
  n.output(0, out);
}

// round() as C's: half away from zero (TFLite's ROUND rounds half to even).
int32_t round_away(const Emit& e, int32_t x) {
  int32_t mag = e.unary(LC_OP_FLOOR, e.binary(LC_OP_ADD, e.unary(LC_OP_ABS, x), e.scalar(0.5f)));
  return e.binary(LC_OP_MUL, e.unary(LC_OP_SIGN, x), mag);
}

// Which rows (or columns) each bin of each box covers: [K, pooled, size] bool. `lo`/`hi` are the
// box's rounded start and end ([K, 1]); bins are [floor(p * bin), ceil((p + 1) * bin)) from lo,
// clipped to the image, as torchvision computes them.
int32_t bin_mask(const Emit& e, int32_t lo, int32_t hi, int64_t k, int64_t pooled, int64_t size) {
  int32_t extent =
      e.binary(LC_OP_MAXIMUM, e.binary(LC_OP_ADD, e.binary(LC_OP_SUB, hi, lo), e.scalar(1.0f)), e.scalar(1.0f));
  int32_t bin = e.binary(LC_OP_DIV, extent, e.scalar(static_cast<float>(pooled)));
  std::vector<float> p0, p1;
  for (int64_t p = 0; p < pooled; ++p) {
    p0.push_back(static_cast<float>(p));
    p1.push_back(static_cast<float>(p + 1));
  }
  auto clip = [&](int32_t t) {
    return e.binary(LC_OP_MINIMUM, e.binary(LC_OP_MAXIMUM, e.binary(LC_OP_ADD, t, lo), e.scalar(0.0f)),
                    e.scalar(static_cast<float>(size)));
  };
  int32_t start = clip(e.unary(LC_OP_FLOOR, e.binary(LC_OP_MUL, bin, e.n.const_f32({1, pooled}, p0))));
  int32_t end = clip(e.unary(LC_OP_CEIL, e.binary(LC_OP_MUL, bin, e.n.const_f32({1, pooled}, p1))));
  std::vector<float> rows(static_cast<size_t>(size));
  for (int64_t r = 0; r < size; ++r) rows[static_cast<size_t>(r)] = static_cast<float>(r);
  int32_t iota = e.n.const_f32({1, 1, size}, rows);
  return e.binary(LC_OP_LOGICAL_AND, e.binary(LC_OP_GREATER_EQUAL, iota, e.reshape(start, {k, pooled, 1}), LC_BOOL),
                  e.binary(LC_OP_LESS, iota, e.reshape(end, {k, pooled, 1}), LC_BOOL), LC_BOOL);
}

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
  int32_t rows = bin_mask(e, y1, y2, k, ph, h);  // [K, ph, H]
  int32_t cols = bin_mask(e, x1, x2, k, pw, w);  // [K, pw, W]
  int32_t index = e.unary(LC_OP_CAST, e.reshape(e.column(rois, k, 0), {k}), LC_INT32);
  int32_t maps = e.tensor(LC_FLOAT32, {k, c, h, w});
  n.op(LC_OP_GATHER, {n.input(0), index}, {maps}).set("axis", 0);
  const float lowest = std::numeric_limits<float>::lowest();
  int32_t floor_t = e.scalar(lowest);
  // Columns: [K, C, H, 1, W] against [K, 1, 1, pw, W] -> max over W -> [K, C, H, pw].
  int32_t by_col = e.tensor(LC_FLOAT32, {k, c, h, pw, w});
  n.op(LC_OP_SELECT_V2, {e.reshape(cols, {k, 1, 1, pw, w}), e.reshape(maps, {k, c, h, 1, w}), floor_t}, {by_col});
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
               "float32; fixed sampling_ratio > 0; aligned or not; boxes may be computed; separable bilinear "
               "weights + 2 BATCH_MATMUL",
               roi_align);
}

}  // namespace torchvision
