// Ops that only change shape or element order: reshapes, squeeze/unsqueeze, dimension
// permutations, broadcasting, repeats and flips. Shapes are static: where LibTorch's output
// shape is the whole answer (every reshape-like op) it is the target, and identities are
// still emitted as RESHAPE/TRANSPOSE so that the host's remove_identities decides about them.
#include "common.hpp"

#include <algorithm>
#include <numeric>

namespace aten {

namespace {

std::vector<int32_t> to_i32(const std::vector<int64_t>& v) {
  return std::vector<int32_t>(v.begin(), v.end());
}

// view, reshape, flatten, unflatten, squeeze, unsqueeze, *_as: the output shape says it all.
void reshape_to_output(litecast::Node& n) {
  litecast::TensorInfo out = n.output_info(0);
  n.unary_like_output(LC_OP_RESHAPE, {n.input(0), n.const_i32(to_i32(out.shape))});
}

void emit_permutation(litecast::Node& n, const std::vector<int32_t>& perm) {
  n.output(0, transpose(n, n.input(0), perm));
}

std::vector<int32_t> identity_perm(int rank) {
  std::vector<int32_t> p(static_cast<size_t>(rank));
  std::iota(p.begin(), p.end(), 0);
  return p;
}

void permute(litecast::Node& n) {
  int rank = n.info(0).rank();
  std::vector<int64_t> dims = n.ints(1);
  if (static_cast<int>(dims.size()) != rank) n.decline("permute: dims do not match the rank");
  std::vector<int32_t> perm;
  for (int64_t d : dims) perm.push_back(static_cast<int32_t>(normalize_dim(n, d, rank)));
  emit_permutation(n, perm);
}

// transpose / swapaxes / swapdims (self, dim0, dim1).
void swap_dims(litecast::Node& n) {
  int rank = n.info(0).rank();
  if (rank == 0) return reshape_to_output(n);
  std::vector<int32_t> perm = identity_perm(rank);
  std::swap(perm[static_cast<size_t>(normalize_dim(n, n.i64(1), rank))],
            perm[static_cast<size_t>(normalize_dim(n, n.i64(2), rank))]);
  emit_permutation(n, perm);
}

// t: a 0-D or 1-D tensor is returned as is.
void matrix_t(litecast::Node& n) {
  int rank = n.info(0).rank();
  if (rank < 2) return reshape_to_output(n);
  if (rank > 2) n.decline("t() expects at most 2 dimensions");
  emit_permutation(n, {1, 0});
}

// numpy_T: all dimensions reversed.
void reverse_dims(litecast::Node& n) {
  std::vector<int32_t> perm = identity_perm(n.info(0).rank());
  std::reverse(perm.begin(), perm.end());
  emit_permutation(n, perm);
}

// mT: the last two dimensions swapped.
void matrix_transpose_last(litecast::Node& n) {
  int rank = n.info(0).rank();
  if (rank < 2) n.decline("mT needs at least 2 dimensions");
  std::vector<int32_t> perm = identity_perm(rank);
  std::swap(perm[static_cast<size_t>(rank - 2)], perm[static_cast<size_t>(rank - 1)]);
  emit_permutation(n, perm);
}

// movedim(self, source, destination), int or int[] each: the moved dimensions land at their
// destinations, the others keep their order in the remaining places.
void movedim(litecast::Node& n) {
  int rank = n.info(0).rank();
  std::vector<int64_t> src = n.ints(1), dst = n.ints(2);
  if (src.size() != dst.size()) n.decline("movedim: source and destination differ in length");
  std::vector<int32_t> perm(static_cast<size_t>(rank), -1);
  std::vector<bool> moved(static_cast<size_t>(rank), false);
  for (size_t k = 0; k < src.size(); ++k) {
    int64_t s = normalize_dim(n, src[k], rank), d = normalize_dim(n, dst[k], rank);
    if (perm[static_cast<size_t>(d)] != -1 || moved[static_cast<size_t>(s)]) n.decline("movedim: repeated dimension");
    perm[static_cast<size_t>(d)] = static_cast<int32_t>(s);
    moved[static_cast<size_t>(s)] = true;
  }
  int32_t next = 0;
  for (int32_t& p : perm) {
    if (p != -1) continue;
    while (moved[static_cast<size_t>(next)]) ++next;
    p = next++;
  }
  emit_permutation(n, perm);
}

// Output 0 as TILE of `x`; a RESHAPE (that remove_identities drops) when nothing repeats.
void tile(litecast::Node& n, int32_t x, const std::vector<int32_t>& multiples) {
  bool repeats = std::any_of(multiples.begin(), multiples.end(), [](int32_t m) { return m != 1; });
  if (repeats)
    n.unary_like_output(LC_OP_TILE, {x, n.const_i32(multiples)});
  else
    n.unary_like_output(LC_OP_RESHAPE, {x, n.const_i32(to_i32(n.output_info(0).shape))});
}

// expand, expand_as, broadcast_to: leading unit dims by RESHAPE, then TILE by the growth of
// each dim. TILE rather than BROADCAST_TO, which needs operator version 2 (TFLite 2.5 runtimes)
// and which not every runtime (nor every delegate) has.
void expand(litecast::Node& n) {
  litecast::TensorInfo in = n.info(0), out = n.output_info(0);
  if (in.rank() > out.rank()) n.decline("expand: the result has fewer dimensions than the input");
  std::vector<int64_t> shape(static_cast<size_t>(out.rank() - in.rank()), 1);
  shape.insert(shape.end(), in.shape.begin(), in.shape.end());
  int32_t x = shape == in.shape ? n.input(0) : reshape(n, n.input(0), shape);
  std::vector<int32_t> multiples;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] != 1 && shape[d] != out.shape[d]) n.decline("expand: sizes do not broadcast");
    multiples.push_back(static_cast<int32_t>(shape[d] == out.shape[d] ? 1 : out.shape[d]));
  }
  tile(n, x, multiples);
}

// broadcast_tensors(tensors): each input expanded (RESHAPE + TILE, as expand) to the shape they
// broadcast to; an input already of that shape is passed through.
void broadcast_tensors(litecast::Node& n) {
  const int count = n.list_size(0);
  std::vector<litecast::TensorInfo> infos;
  size_t rank = 0;
  for (int i = 0; i < count; ++i) {
    infos.push_back(n.info(0, i));
    rank = std::max(rank, infos.back().shape.size());
  }
  std::vector<int64_t> to(rank, 1);
  for (const litecast::TensorInfo& t : infos)
    for (size_t d = 0; d < t.shape.size(); ++d) {
      int64_t& o = to[rank - t.shape.size() + d];
      const int64_t s = t.shape[d];
      if (s != 1 && o != 1 && s != o) n.decline("broadcast_tensors: shapes do not broadcast");
      if (s != 1) o = s;
    }
  std::vector<int32_t> outs;
  for (int i = 0; i < count; ++i) {
    const litecast::TensorInfo& t = infos[static_cast<size_t>(i)];
    int32_t x = n.input(0, i);
    if (t.shape == to) {
      outs.push_back(x);
      continue;
    }
    std::vector<int64_t> shape(rank - t.shape.size(), 1);
    shape.insert(shape.end(), t.shape.begin(), t.shape.end());
    if (shape != t.shape) x = reshape(n, x, shape);
    std::vector<int32_t> multiples;
    for (size_t d = 0; d < rank; ++d) multiples.push_back(static_cast<int32_t>(shape[d] == to[d] ? 1 : to[d]));
    int32_t y = n.add_tensor(t.dtype, to);
    n.op(LC_OP_TILE, {x, n.const_i32(multiples)}, {y});
    outs.push_back(y);
  }
  n.output_list(0, outs);
}

// repeat_interleave(self, repeats, dim): with repeats a number or a constant tensor, the element
// taken for each output position along dim is known: one GATHER by a constant map. Without dim,
// self is flattened first.
void repeat_interleave(litecast::Node& n) {
  litecast::TensorInfo in = n.info(0);
  if (!in.scales.empty()) n.decline("quantized tensors");
  int32_t x = n.input(0);
  int64_t dim = 0;
  if (n.is_none(2)) {
    int64_t total = 1;
    for (int64_t s : in.shape) total *= s;
    x = reshape(n, x, {total});
    in.shape = {total};
  } else {
    dim = normalize_dim(n, n.i64(2), in.rank());
  }
  const int64_t size = in.shape[static_cast<size_t>(dim)];
  std::vector<int64_t> reps;
  if (n.input_kind(1) == LC_VALUE_INT) {
    reps.assign(static_cast<size_t>(size), n.i64(1));
  } else {
    if (!n.info(1).is_constant) n.decline("repeats computed at run time give a data-dependent shape");
    reps = n.data<int64_t>(1, LC_INT64);
    if (reps.size() == 1) reps.assign(static_cast<size_t>(size), reps[0]);
  }
  if (static_cast<int64_t>(reps.size()) != size) n.decline("repeats must have one count per element along dim");
  std::vector<int32_t> map;
  for (int64_t i = 0; i < size; ++i)
    for (int64_t k = 0; k < reps[static_cast<size_t>(i)]; ++k) map.push_back(static_cast<int32_t>(i));
  if (map.empty()) n.decline("an empty result");
  std::vector<int64_t> shape = in.shape;
  shape[static_cast<size_t>(dim)] = static_cast<int64_t>(map.size());
  int32_t y = n.add_tensor(in.dtype, shape);
  n.op(LC_OP_GATHER, {x, n.const_i32(map)}, {y}).set("axis", static_cast<int32_t>(dim));
  n.output(0, y);
}

// repeat(self, repeats) needs len(repeats) >= rank and prepends unit dimensions; tile(self,
// dims) instead pads dims with leading ones.
void repeat(litecast::Node& n) {
  litecast::TensorInfo in = n.info(0);
  std::vector<int64_t> reps = n.ints(1);
  if (reps.size() < in.shape.size()) reps.insert(reps.begin(), in.shape.size() - reps.size(), 1);
  int32_t x = n.input(0);
  if (reps.size() > in.shape.size()) {
    std::vector<int64_t> shape(reps.size() - in.shape.size(), 1);
    shape.insert(shape.end(), in.shape.begin(), in.shape.end());
    x = reshape(n, x, shape);
  }
  tile(n, x, to_i32(reps));
}

// flip(self, dims): REVERSE_V2, one per run of adjacent dims (LiteRT reverses several axes
// at once only when they are contiguous).
void flip(litecast::Node& n) {
  int rank = n.info(0).rank();
  const std::vector<int64_t> dims = n.ints(1);
  std::vector<int32_t> axes;
  for (int64_t d : dims) {
    int32_t a = static_cast<int32_t>(normalize_dim(n, d, rank));
    if (std::find(axes.begin(), axes.end(), a) != axes.end()) n.decline("flip: repeated dimension");
    axes.push_back(a);
  }
  std::sort(axes.begin(), axes.end());
  litecast::TensorInfo out = n.output_info(0);
  int32_t x = n.input(0);
  for (size_t first = 0, end = 0; first < axes.size(); first = end) {
    for (end = first + 1; end < axes.size() && axes[end] == axes[end - 1] + 1;) ++end;
    std::vector<int32_t> run(axes.begin() + static_cast<std::ptrdiff_t>(first),
                             axes.begin() + static_cast<std::ptrdiff_t>(end));
    int32_t y = n.add_tensor(out.dtype, out.shape);
    n.op(LC_OP_REVERSE_V2, {x, n.const_i32(run)}, {y});
    x = y;
  }
  if (x == n.input(0)) return reshape_to_output(n);
  n.output(0, x);
}

// fliplr / flipud: flip of dim 1 / dim 0.
void flip_fixed(litecast::Node& n) {
  int64_t dim = n.kind() == "aten::fliplr" ? 1 : 0;
  if (n.info(0).rank() <= dim) n.decline("fliplr/flipud: too few dimensions");
  int32_t axis = static_cast<int32_t>(dim);
  n.unary_like_output(LC_OP_REVERSE_V2, {n.input(0), n.const_i32({axis})});
}

}  // namespace

const Family family([](litecast::Registrar& r) {
  for (const char* op : {"aten::view", "aten::reshape", "aten::flatten", "aten::unflatten", "aten::view_as",
                         "aten::reshape_as", "aten::_unsafe_view", "aten::squeeze", "aten::unsqueeze"})
    r.translator(op, kPriority, "static shapes (RESHAPE to the shape LibTorch computed)", reshape_to_output);
  r.translator("aten::permute", kPriority, "any rank", permute);
  for (const char* op : {"aten::transpose", "aten::swapaxes", "aten::swapdims"})
    r.translator(op, kPriority, "any rank", swap_dims);
  r.translator("aten::t", kPriority, "rank <= 2", matrix_t);
  r.translator("aten::numpy_T", kPriority, "any rank", reverse_dims);
  r.translator("aten::mT", kPriority, "rank >= 2", matrix_transpose_last);
  for (const char* op : {"aten::movedim", "aten::moveaxis"}) r.translator(op, kPriority, "int or int[] dims", movedim);
  for (const char* op : {"aten::expand", "aten::expand_as", "aten::broadcast_to"})
    r.translator(op, kPriority, "static shapes (RESHAPE + TILE)", expand);
  r.translator("aten::repeat_interleave", kPriority, "repeats a number or a constant tensor; one GATHER",
               repeat_interleave);
  r.translator("aten::broadcast_tensors", kPriority, "static shapes (RESHAPE + TILE per input)", broadcast_tensors);
  for (const char* op : {"aten::repeat", "aten::tile"}) r.translator(op, kPriority, "static repeats (TILE)", repeat);
  r.translator("aten::flip", kPriority, "any dims (REVERSE_V2 per run of adjacent dims)", flip);
  for (const char* op : {"aten::fliplr", "aten::flipud"}) r.translator(op, kPriority, "REVERSE_V2", flip_fixed);
});

}  // namespace aten
