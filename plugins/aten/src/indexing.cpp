// Basic indexing and lookups: slice, narrow, select, index_select, embedding, gather, and the
// ops that order or scan along a dimension, topk, cumsum and cumprod. Bounds are static: PyTorch's
// Python-style bounds (negative, None, beyond the size) are resolved here into constants.
// Advanced indexing (aten::index) lives in advanced_index.cpp.
#include "spatial.hpp"

#include <algorithm>

namespace aten {

namespace {

std::vector<int32_t> to_i32(const std::vector<int64_t>& v) {
  return std::vector<int32_t>(v.begin(), v.end());
}

// Binds output 0 to `t`, or to a RESHAPE of it when `t` is the node's input (an identity
// the host's remove_identities then drops unless it is a model output).
void bind_result(litecast::Node& n, int32_t t) {
  if (t != n.input(0)) return n.output(0, t);
  n.unary_like_output(LC_OP_RESHAPE, {t, n.const_i32(to_i32(n.output_info(0).shape))});
}

// x[begin:end:step] along `dim`, bounds already resolved (0 <= begin < end <= size): SLICE
// for unit steps, STRIDED_SLICE otherwise; `x` itself when nothing is cut.
int32_t slice_dim(const litecast::Node& n, int32_t x, int64_t dim, int64_t begin, int64_t end, int64_t step) {
  litecast::TensorInfo in = n.tensor_info(x);
  auto d = static_cast<size_t>(dim);
  if (begin == 0 && end == in.shape[d] && step == 1) return x;
  std::vector<int64_t> shape = in.shape;
  shape[d] = (end - begin + step - 1) / step;
  int32_t y = n.add_tensor(in.dtype, shape);
  std::vector<int32_t> b(in.shape.size(), 0);
  b[d] = static_cast<int32_t>(begin);
  if (step == 1) {
    n.op(LC_OP_SLICE, {x, n.const_i32(b), n.const_i32(to_i32(shape))}, {y});
    return y;
  }
  std::vector<int32_t> e = to_i32(in.shape), s(in.shape.size(), 1);
  e[d] = static_cast<int32_t>(end);
  s[d] = static_cast<int32_t>(step);
  n.op(LC_OP_STRIDED_SLICE, {x, n.const_i32(b), n.const_i32(e), n.const_i32(s)}, {y});
  return y;
}

// A Python slice bound: None -> `fallback`, negative counts from the end, clamped to [0, size].
int64_t bound(const litecast::Node& n, int i, int64_t size, int64_t fallback) {
  if (n.is_none(i)) return fallback;
  int64_t v = n.i64(i);
  if (v < 0) v += size;
  return std::clamp(v, int64_t{0}, size);
}

// slice(self, dim, start, end, step)
void slice(litecast::Node& n) {
  litecast::TensorInfo in = n.info(0);
  if (n.output_info(0).numel() == 0) n.decline("the slice is empty");
  int64_t dim = normalize_dim(n, n.i64(1), in.rank());
  int64_t size = in.shape[static_cast<size_t>(dim)];
  int64_t step = n.is_none(4) ? 1 : n.i64(4);
  if (step <= 0) n.decline("slice step must be positive");
  int64_t begin = bound(n, 2, size, 0), end = bound(n, 3, size, size);
  bind_result(n, slice_dim(n, n.input(0), dim, begin, end, step));
}

// narrow(self, dim, start, length)
void narrow(litecast::Node& n) {
  litecast::TensorInfo in = n.info(0);
  if (n.output_info(0).numel() == 0) n.decline("the result is empty");
  int64_t dim = normalize_dim(n, n.i64(1), in.rank());
  int64_t size = in.shape[static_cast<size_t>(dim)];
  int64_t start = n.i64(2), length = n.i64(3);
  if (start < 0) start += size;
  if (start < 0 || length < 0 || start + length > size) n.decline("narrow: range out of bounds");
  bind_result(n, slice_dim(n, n.input(0), dim, start, start + length, 1));
}

// select(self, dim, index): STRIDED_SLICE that shrinks the dimension away.
void select(litecast::Node& n) {
  litecast::TensorInfo in = n.info(0);
  int64_t dim = normalize_dim(n, n.i64(1), in.rank());
  auto d = static_cast<size_t>(dim);
  int64_t index = n.i64(2);
  if (index < -in.shape[d] || index >= in.shape[d]) n.decline("select: index out of range");
  if (index < 0) index += in.shape[d];
  std::vector<int32_t> b(in.shape.size(), 0), e = to_i32(in.shape), s(in.shape.size(), 1);
  b[d] = static_cast<int32_t>(index);
  e[d] = static_cast<int32_t>(index + 1);
  n.unary_like_output(LC_OP_STRIDED_SLICE, {n.input(0), n.const_i32(b), n.const_i32(e), n.const_i32(s)})
      .set("shrink_axis_mask", int64_t{1} << dim);
}

// GATHER of `indices` along `axis` of `params`, reshaped to output 0 when needed (a 0-D
// index_select index keeps its dimension in PyTorch).
void gather_axis(litecast::Node& n, int32_t params, int32_t indices, int64_t axis) {
  litecast::TensorInfo p = n.tensor_info(params), i = n.tensor_info(indices), out = n.output_info(0);
  if (i.dtype != LC_INT32) n.decline("indices must be integers");
  auto a = static_cast<size_t>(axis);
  std::vector<int64_t> shape(p.shape.begin(), p.shape.begin() + static_cast<std::ptrdiff_t>(a));
  shape.insert(shape.end(), i.shape.begin(), i.shape.end());
  shape.insert(shape.end(), p.shape.begin() + static_cast<std::ptrdiff_t>(a) + 1, p.shape.end());
  int32_t y = n.add_tensor(p.dtype, shape);
  n.op(LC_OP_GATHER, {params, indices}, {y}).set("axis", axis).set("batch_dims", int64_t{0});
  bind_result(n, shape == out.shape ? y : reshape(n, y, out.shape));
}

// index_select(self, dim, index)
void index_select(litecast::Node& n) {
  gather_axis(n, n.input(0), n.input(2), normalize_dim(n, n.i64(1), n.info(0).rank()));
}

// embedding(weight, indices, padding_idx, scale_grad_by_freq, sparse): rows of the weight
// (padding_idx only matters for training).
void embedding(litecast::Node& n) {
  gather_axis(n, n.input(0), n.input(1), 0);
}

// Coordinates of every element of `shape` in row-major order, `rank` ints each, keeping only
// the dimensions in [from, to).
std::vector<int32_t> coordinate_grid(const std::vector<int64_t>& shape, size_t from, size_t to) {
  int64_t count = 1;
  for (int64_t s : shape) count *= s;
  std::vector<int32_t> grid, pos(shape.size(), 0);
  for (int64_t e = 0; e < count; ++e) {
    for (size_t d = from; d < to; ++d) grid.push_back(pos[d]);
    for (size_t d = shape.size(); d-- > 0;) {
      if (++pos[d] < shape[d]) break;
      pos[d] = 0;
    }
  }
  return grid;
}

// gather(self, dim, index): out[p] = self[p with p[dim] = index[p]]. GATHER_ND with the
// coordinates [grid before dim, index, grid after dim] concatenated on a new last axis.
void gather(litecast::Node& n) {
  litecast::TensorInfo in = n.info(0), idx = n.info(2);
  const int rank = in.rank();
  const auto dim = static_cast<size_t>(normalize_dim(n, n.i64(1), rank));
  if (idx.rank() != rank) n.decline("gather: index and input differ in rank");
  if (idx.numel() == 0) n.decline("gather: empty index");
  std::vector<int64_t> part = idx.shape;
  part.push_back(0);
  std::vector<int32_t> pieces;
  if (dim > 0) {
    part.back() = static_cast<int64_t>(dim);
    pieces.push_back(n.const_i32(part, coordinate_grid(idx.shape, 0, dim)));
  }
  part.back() = 1;
  pieces.push_back(reshape(n, n.input(2), part));
  if (dim + 1 < static_cast<size_t>(rank)) {
    part.back() = rank - static_cast<int64_t>(dim) - 1;
    pieces.push_back(n.const_i32(part, coordinate_grid(idx.shape, dim + 1, static_cast<size_t>(rank))));
  }
  int32_t coords = pieces[0];
  if (pieces.size() > 1) {
    part.back() = rank;
    coords = n.add_tensor(LC_INT32, part);
    n.op(LC_OP_CONCATENATION, pieces, {coords}).set("axis", static_cast<int64_t>(rank));
  }
  n.unary_like_output(LC_OP_GATHER_ND, {n.input(0), coords});
}

int32_t negate(const litecast::Node& n, int32_t x) {
  litecast::TensorInfo t = n.tensor_info(x);
  int32_t y = n.add_tensor(t.dtype, t.shape);
  n.op(LC_OP_NEG, {x}, {y});
  return y;
}

// topk(self, k, dim, largest, sorted) -> (values, indices). TOPK_V2 works on the last
// dimension and finds the largest: other dims are transposed there and back, the smallest
// are the largest of the negation. The results always come sorted (a valid unsorted order).
void topk(litecast::Node& n) {
  litecast::TensorInfo in = n.info(0);
  const int rank = in.rank();
  if (rank == 0) n.decline("topk of a 0-D tensor");
  if (in.dtype != LC_FLOAT32 && in.dtype != LC_INT32) n.decline("topk: only float32 and int32");
  auto dim = static_cast<int32_t>(normalize_dim(n, n.i64(2), rank));
  const bool largest = n.is_none(3) || n.flag(3);
  std::vector<int32_t> perm(static_cast<size_t>(rank));
  for (int32_t d = 0; d < rank; ++d) perm[static_cast<size_t>(d)] = d;
  std::swap(perm[static_cast<size_t>(dim)], perm.back());
  const bool moved = dim != rank - 1;
  // NEG sits outside the transposes: the host's sink_transposes loops on TRANSPOSE -> NEG.
  int32_t x = largest ? n.input(0) : negate(n, n.input(0));
  if (moved) x = transpose(n, x, perm);
  std::vector<int64_t> shape = n.tensor_info(x).shape;
  int32_t k = static_cast<int32_t>(n.i64(1));
  shape.back() = k;
  int32_t values = n.add_tensor(in.dtype, shape), indices = n.add_tensor(LC_INT32, shape);
  n.op(LC_OP_TOPK_V2, {x, n.add_tensor(LC_INT32, {}, &k, sizeof k)}, {values, indices});
  if (!largest) values = negate(n, values);
  if (moved) {
    values = transpose(n, values, perm);
    indices = transpose(n, indices, perm);
  }
  n.output(0, values);
  n.output(1, indices);
}

// cumsum(self, dim, dtype): CUMSUM, after a CAST when dtype (or int promotion) asks for one.
void cumsum(litecast::Node& n) {
  litecast::TensorInfo in = n.info(0), out = n.output_info(0);
  if (in.rank() == 0) return bind_result(n, n.input(0));
  if (out.dtype != LC_FLOAT32 && out.dtype != LC_INT32) n.decline("cumsum: only float32 and int32 results");
  int32_t axis = static_cast<int32_t>(normalize_dim(n, n.i64(1), in.rank()));
  int32_t x = n.input(0);
  if (in.dtype != out.dtype) {
    x = n.add_tensor(out.dtype, in.shape);
    n.op(LC_OP_CAST, {n.input(0)}, {x});
  }
  n.unary_like_output(LC_OP_CUMSUM, {x, n.add_tensor(LC_INT32, {}, &axis, sizeof axis)})
      .set("exclusive", false)
      .set("reverse", false);
}

// cumprod(self, dim, dtype): TFLite has no cumulative product. A log-depth scan instead: for
// shifts 1, 2, 4, ... below the size, y *= y shifted along dim by that much (PADV2 with ones
// in front of a SLICE): ceil(log2(size)) MULs, each element the product of its prefix.
void cumprod(litecast::Node& n) {
  litecast::TensorInfo in = n.info(0), out = n.output_info(0);
  if (in.rank() == 0) return bind_result(n, n.input(0));
  if (out.dtype != LC_FLOAT32 && out.dtype != LC_INT32) n.decline("cumprod: only float32 and int32 results");
  const auto d = static_cast<size_t>(normalize_dim(n, n.i64(1), in.rank()));
  int32_t y = n.input(0);
  if (in.dtype != out.dtype) {
    y = n.add_tensor(out.dtype, in.shape);
    n.op(LC_OP_CAST, {n.input(0)}, {y});
  }
  const int64_t size = in.shape[d];
  for (int64_t shift = 1; shift < size; shift *= 2) {
    int32_t head = slice_dim(n, y, static_cast<int64_t>(d), 0, size - shift, 1);
    spatial::Pads pads(in.shape.size(), {0, 0});
    pads[d][0] = shift;
    int32_t shifted = spatial::pad(n, head, pads, 1.0f);
    int32_t product = n.add_tensor(out.dtype, in.shape);
    n.op(LC_OP_MUL, {y, shifted}, {product}).set("fused_activation_function", "NONE");
    y = product;
  }
  bind_result(n, y);
}

}  // namespace

const Family family([](litecast::Registrar& r) {
  r.translator("aten::slice.Tensor", kPriority, "static bounds; positive steps; no empty results", slice);
  r.translator("aten::narrow", kPriority, "static start and length", narrow);
  r.translator("aten::select.int", kPriority, "static index", select);
  r.translator("aten::index_select", kPriority, "GATHER; indices in range", index_select);
  r.translator("aten::embedding", kPriority, "GATHER on the weight; padding_idx ignored (inference)", embedding);
  r.translator("aten::gather", kPriority, "GATHER_ND with a static coordinate grid", gather);
  r.translator("aten::topk", kPriority, "float32/int32; any dim; largest or smallest; always sorted", topk);
  r.translator("aten::cumsum", kPriority, "float32/int32 results", cumsum);
  r.translator("aten::cumprod", kPriority,
               "float32/int32 results; log-depth scan: ceil(log2(size)) x (SLICE + PADV2 of ones + MUL)", cumprod);
});

}  // namespace aten
