// Ops that rearrange or mask by position, all with constant positions: tril/triu (a constant
// mask), diff (two SLICEs), meshgrid (RESHAPE + TILE), one_hot (EQUAL with the class numbers),
// sort/argsort (TOPK_V2 over the whole dim), atan2 (ATAN2).
#include "pointwise.hpp"

#include <numeric>
#include <string>
#include <vector>

namespace aten {

namespace {

// tril(x, diagonal) / triu(x, diagonal): elements kept where col - row <= diagonal (tril) or
// >= diagonal (triu), over the last two dims; the others are 0.
void triangle(litecast::Node& n) {
  litecast::TensorInfo in = n.info(0);
  if (in.rank() < 2) n.decline("at least 2-D");
  if (in.dtype != LC_FLOAT32 && in.dtype != LC_INT32) n.decline("float32 or int32 only");
  const int64_t diagonal = n.num_inputs() > 1 ? n.i64(1) : 0;
  const bool lower = n.kind() == "aten::tril";
  const int64_t rows = in.shape[in.shape.size() - 2], cols = in.shape.back();
  std::vector<uint8_t> keep(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      keep[static_cast<size_t>(r * cols + c)] = lower ? (c - r <= diagonal) : (c - r >= diagonal);
  int32_t mask = n.add_tensor(LC_BOOL, {rows, cols}, keep.data(), keep.size());
  n.output(0, pw::select(n, mask, n.input(0), pw::scalar(n, in.dtype, 0)));
}

// diff(x, n=1, dim=-1) without prepend/append: x[1:] - x[:-1] along dim, n times.
void diff(litecast::Node& n) {
  litecast::TensorInfo in = n.info(0);
  if (in.dtype != LC_FLOAT32 && in.dtype != LC_INT32) n.decline("float32 or int32 only");
  if (!n.is_none(3) || !n.is_none(4)) n.decline("prepend/append are not supported");
  const int64_t times = n.i64(1);
  const auto d = static_cast<size_t>(normalize_dim(n, n.i64(2), in.rank()));
  int32_t x = n.input(0);
  std::vector<int64_t> shape = in.shape;
  for (int64_t t = 0; t < times; ++t) {
    if (shape[d] < 2) n.decline("diff of fewer than two elements");
    std::vector<int64_t> part = shape;
    part[d] -= 1;
    std::vector<int32_t> size(part.begin(), part.end()), b0(shape.size(), 0), b1(shape.size(), 0);
    b1[d] = 1;
    int32_t hi = n.add_tensor(in.dtype, part), lo = n.add_tensor(in.dtype, part);
    n.op(LC_OP_SLICE, {x, n.const_i32(b1), n.const_i32(size)}, {hi});
    n.op(LC_OP_SLICE, {x, n.const_i32(b0), n.const_i32(size)}, {lo});
    x = pw::binary(n, LC_OP_SUB, hi, lo, in.dtype);
    shape = part;
  }
  n.output(0, x);
}

// meshgrid(tensors, indexing): each 1-D input reshaped to its own axis and TILEd to the grid.
void meshgrid(litecast::Node& n) {
  const int count = n.list_size(0);
  const bool xy = n.num_inputs() > 1 && !n.is_none(1) && n.str(1) == "xy";
  std::vector<int64_t> sizes;
  for (int i = 0; i < count; ++i) {
    litecast::TensorInfo t = n.info(0, i);
    if (t.rank() > 1) n.decline("1-D inputs only");
    sizes.push_back(t.rank() == 0 ? 1 : t.shape[0]);
  }
  if (xy && count >= 2) std::swap(sizes[0], sizes[1]);
  std::vector<int32_t> outs;
  for (int i = 0; i < count; ++i) {
    size_t axis = static_cast<size_t>(i);
    if (xy && count >= 2 && i < 2) axis = static_cast<size_t>(1 - i);
    std::vector<int64_t> shape(sizes.size(), 1);
    shape[axis] = sizes[axis];
    int32_t x = reshape(n, n.input(0, i), shape);
    std::vector<int32_t> multiples;
    for (size_t d = 0; d < sizes.size(); ++d) multiples.push_back(static_cast<int32_t>(d == axis ? 1 : sizes[d]));
    int32_t y = n.add_tensor(n.info(0, i).dtype, sizes);
    n.op(LC_OP_TILE, {x, n.const_i32(multiples)}, {y});
    outs.push_back(y);
  }
  n.output_list(0, outs);
}

// one_hot(x, num_classes): x[..., None] == [0, 1, ..., C - 1], as int.
void one_hot(litecast::Node& n) {
  litecast::TensorInfo in = n.info(0), out = n.output_info(0);
  const int64_t classes = out.shape.back();
  std::vector<int32_t> iota(static_cast<size_t>(classes));
  std::iota(iota.begin(), iota.end(), 0);
  std::vector<int64_t> shape = in.shape;
  shape.push_back(1);
  int32_t x = reshape(n, pw::cast(n, n.input(0), LC_INT32), shape);
  int32_t hot = pw::binary(n, LC_OP_EQUAL, x, n.const_i32({classes}, iota), LC_BOOL);
  n.output(0, pw::cast(n, hot, out.dtype));
}

// sort(x, dim, descending) -> (values, indices) and argsort: TOPK_V2 over the whole dim, which
// TRANSPOSEs bring last and back; ascending sorts -x. TOPK_V2 puts equal values in index order,
// so the result is the stable sort (PyTorch's with stable=True; without, PyTorch's CPU sort is
// stable as well).
void sort(litecast::Node& n) {
  litecast::TensorInfo in = n.info(0);
  if (in.dtype != LC_FLOAT32 && in.dtype != LC_INT32) n.decline("float32 or int32 only");
  if (in.rank() == 0) n.decline("0-d input");
  const bool argsort = n.kind() == "aten::argsort";
  // sort.stable / argsort.stable: (self, stable, dim, descending)
  const int dim_at = n.overload() == "stable" ? 2 : 1;
  const int64_t dim = normalize_dim(n, n.i64(dim_at), in.rank());
  const bool descending = n.flag(dim_at + 1);
  std::vector<int32_t> perm(static_cast<size_t>(in.rank()));
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[static_cast<size_t>(dim)], perm.back());
  const bool moved = dim != in.rank() - 1;
  std::vector<int64_t> shape = in.shape;
  std::swap(shape[static_cast<size_t>(dim)], shape.back());
  const int32_t k = static_cast<int32_t>(shape.back());
  int32_t x = moved ? transpose(n, n.input(0), perm) : n.input(0);
  if (!descending) x = pw::unary(n, LC_OP_NEG, x);
  int32_t values = n.add_tensor(in.dtype, shape), indices = n.add_tensor(LC_INT32, shape);
  n.op(LC_OP_TOPK_V2, {x, n.add_tensor(LC_INT32, {}, &k, sizeof k)}, {values, indices});
  if (!descending) values = pw::unary(n, LC_OP_NEG, values);
  if (moved) {
    values = transpose(n, values, perm);
    indices = transpose(n, indices, perm);
  }
  const int idx_out = argsort ? 0 : 1;
  if (!argsort) n.output(0, values);
  n.output(idx_out, pw::cast(n, indices, n.output_info(idx_out).dtype));
}

void atan2(litecast::Node& n) {
  if (n.output_info(0).dtype != LC_FLOAT32) n.decline("float32 only");
  n.output(0, pw::binary(n, LC_OP_ATAN2, operand(n, 0, LC_FLOAT32), operand(n, 1, LC_FLOAT32), LC_FLOAT32));
}

}  // namespace

const char* const kSortLimits =
    "float32/int32; any dim (TRANSPOSE around TOPK_V2); ascending via NEG; stable (equal values in index order)";

const Family arrange_family([](litecast::Registrar& r) {
  r.translator("aten::tril", kPriority, "float32/int32; constant mask + SELECT_V2", triangle);
  r.translator("aten::triu", kPriority, "float32/int32; constant mask + SELECT_V2", triangle);
  r.translator("aten::diff", kPriority, "float32/int32; no prepend/append; SLICE - SLICE", diff);
  r.translator("aten::meshgrid", kPriority, "1-D inputs; ij or xy indexing; RESHAPE + TILE", meshgrid);
  r.translator("aten::one_hot", kPriority, "EQUAL with the class numbers", one_hot);
  r.translator("aten::sort", kPriority, kSortLimits, sort);
  r.translator("aten::argsort", kPriority, kSortLimits, sort);
  r.translator("aten::atan2", kPriority, "float32; ATAN2", atan2);
});

}  // namespace aten
