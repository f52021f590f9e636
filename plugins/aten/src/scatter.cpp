// Writes at indices, as values: scatter (tensor or number source) and index_put (constant or
// computed index tensors, accumulate). TFLite has no "tensor with some elements replaced" operator; both become a
// SELECT_V2 between the written elements and self, under a mask of the positions written.
#include "math_emit.hpp"
#include "pointwise.hpp"

#include <algorithm>
#include <numeric>
#include <string>

namespace aten {

namespace {

int64_t numel(const std::vector<int64_t>& shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
}

// Row-major strides of `shape`.
std::vector<int64_t> strides_of(const std::vector<int64_t>& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) s[d - 1] = s[d] * shape[d];
  return s;
}

// Input i (a tensor or a number) as a tensor of `dtype` broadcast to `shape` (RESHAPE + TILE).
int32_t broadcast_to(const litecast::Node& n, int i, int32_t dtype, const std::vector<int64_t>& shape) {
  int32_t v = operand(n, i, dtype);
  std::vector<int64_t> have = n.tensor_info(v).shape;
  if (have == shape) return v;
  if (have.size() > shape.size()) n.decline("the values have more dimensions than the place they are written to");
  have.insert(have.begin(), shape.size() - have.size(), 1);
  std::vector<int32_t> multiples;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (have[d] != 1 && have[d] != shape[d]) n.decline("the values do not broadcast to the place written");
    multiples.push_back(static_cast<int32_t>(have[d] == shape[d] ? 1 : shape[d]));
  }
  v = reshape(n, v, have);
  if (std::all_of(multiples.begin(), multiples.end(), [](int32_t m) { return m == 1; })) return v;
  int32_t y = n.add_tensor(dtype, shape);
  n.op(LC_OP_TILE, {v, n.const_i32(multiples)}, {y});
  return y;
}

// scatter(self, dim, index, src | value): self with self[..., index[p], ...] = src[p] (index in
// place of coordinate `dim`). The index may be computed at run time: a one-hot comparison of
// index with the positions along dim gives the mask (REDUCE_ANY) and the values written (SUM of
// one-hot * src); PyTorch leaves duplicate indices undefined, so summing them is no loss.
void scatter(litecast::Node& n) {
  if (n.num_inputs() > 4 && !n.is_none(4)) n.decline("scatter with reduce= is not supported");
  const litecast::TensorInfo self = n.info(0), index = n.info(2);
  const litecast::TensorInfo out = n.output_info(0);
  if (out.dtype != LC_FLOAT32 && out.dtype != LC_INT32) n.decline("float32 or int32 tensors only");
  const int64_t rank = self.rank();
  if (rank == 0 || index.rank() != rank) n.decline("index must have the rank of self (and not be 0-d)");
  const int64_t dim = normalize_dim(n, n.i64(1), rank);
  const auto d = static_cast<size_t>(dim);
  for (size_t k = 0; k < self.shape.size(); ++k)
    if (k != d && index.shape[k] != self.shape[k])
      n.decline("index smaller than self outside dim (only index.size(d) == self.size(d) for d != dim)");
  const int64_t width = self.shape[d];

  // one_hot[..., k, j, ...] = index[..., k, ...] == j, j along the new dim d + 1.
  std::vector<int64_t> idx_shape = index.shape;
  idx_shape.insert(idx_shape.begin() + static_cast<int64_t>(d) + 1, 1);
  const int32_t idx_dtype = index.dtype == LC_INT64 ? LC_INT64 : LC_INT32;
  int32_t idx = reshape(n, operand(n, 2, idx_dtype), idx_shape);
  std::vector<int64_t> iota_shape(static_cast<size_t>(rank) + 1, 1);
  iota_shape[d + 1] = width;
  int32_t iota = -1;
  if (idx_dtype == LC_INT64) {
    std::vector<int64_t> v(static_cast<size_t>(width));
    std::iota(v.begin(), v.end(), int64_t{0});
    iota = n.add_tensor(LC_INT64, iota_shape, v.data(), v.size() * sizeof(int64_t));
  } else {
    std::vector<int32_t> v(static_cast<size_t>(width));
    std::iota(v.begin(), v.end(), 0);
    iota = n.const_i32(iota_shape, v);
  }
  std::vector<int64_t> hot_shape = idx_shape;
  hot_shape[d + 1] = width;
  int32_t hot = n.add_tensor(LC_BOOL, hot_shape);
  n.op(LC_OP_EQUAL, {idx, iota}, {hot});
  const int32_t axis = n.const_i32({1}, {static_cast<int32_t>(dim)});
  int32_t mask = n.add_tensor(LC_BOOL, self.shape);
  n.op(LC_OP_REDUCE_ANY, {hot, axis}, {mask}).set("keep_dims", false);

  int32_t written = -1;
  if (n.input_kind(3) == LC_VALUE_TENSOR && n.info(3).rank() > 0) {
    // src[p] for p in index's shape: the leading corner of src, then one-hot weighted and summed.
    litecast::TensorInfo src = n.info(3);
    if (src.rank() != rank) n.decline("src must have the rank of self");
    int32_t s = operand(n, 3, out.dtype);
    if (src.shape != index.shape) {
      std::vector<int32_t> begin(static_cast<size_t>(rank), 0), size(index.shape.begin(), index.shape.end());
      int32_t cut = n.add_tensor(out.dtype, index.shape);
      n.op(LC_OP_SLICE, {s, n.const_i32(begin), n.const_i32(size)}, {cut});
      s = cut;
    }
    s = reshape(n, s, idx_shape);
    int32_t weights = pw::cast(n, hot, out.dtype);
    int32_t spread = pw::binary(n, LC_OP_MUL, weights, s, out.dtype);
    written = n.add_tensor(out.dtype, self.shape);
    n.op(LC_OP_SUM, {spread, axis}, {written}).set("keep_dims", false);
  } else {
    written = operand(n, 3, out.dtype);  // a number (or a 0-d tensor): broadcast by SELECT_V2
  }
  n.output(0, pw::select(n, mask, written, operand(n, 0, out.dtype)));
}

// Where index_put writes: the index tensors (None for a dimension taken whole), the shape
// they broadcast to, and the shape of self[indices] (the broadcast index shape in place of
// the indexed dims when they are adjacent, else in front).
struct IndexPlan {
  std::vector<int32_t> tensors;  // per dim of self: the index tensor, or -1
  std::vector<std::vector<int64_t>> shapes;
  std::vector<size_t> adv, rest;
  std::vector<int64_t> bshape, rshape;
  size_t bpos = 0;
  bool constant = true;
};

IndexPlan plan_index_put(const litecast::Node& n, const litecast::TensorInfo& self) {
  const auto rank = static_cast<size_t>(self.rank());
  const int count = n.list_size(1);
  if (count == 0 || static_cast<size_t>(count) > rank) n.decline("index_put: no or too many indices");
  IndexPlan p;
  p.tensors.assign(rank, -1);
  p.shapes.resize(rank);
  for (int k = 0; k < count; ++k) {
    int32_t tensor = -1;
    try {
      tensor = n.input(1, k);
    } catch (const litecast::HostFailed&) {
      n.host()->set_error(n.ctx(), "");
      continue;  // None: the whole dimension
    }
    litecast::TensorInfo t = n.tensor_info(tensor);
    if (t.dtype == LC_BOOL || t.dtype == LC_UINT8) n.decline("boolean mask indices");
    if (t.dtype != LC_INT32 && t.dtype != LC_INT64) n.decline("integer index tensors only");
    const auto kk = static_cast<size_t>(k);
    p.tensors[kk] = tensor;
    p.shapes[kk] = t.shape;
    p.constant = p.constant && t.is_constant;
    std::vector<int64_t> a = p.bshape, b = t.shape;
    size_t r = std::max(a.size(), b.size());
    a.insert(a.begin(), r - a.size(), 1);
    b.insert(b.begin(), r - b.size(), 1);
    for (size_t i = 0; i < r; ++i) {
      if (a[i] != b[i] && a[i] != 1 && b[i] != 1) n.decline("index shapes do not broadcast");
      a[i] = std::max(a[i], b[i]);
    }
    p.bshape = a;
  }
  for (size_t k = 0; k < rank; ++k) (p.tensors[k] >= 0 ? p.adv : p.rest).push_back(k);
  if (p.adv.empty()) n.decline("index_put without index tensors");
  const bool adjacent = p.adv.back() - p.adv.front() + 1 == p.adv.size();
  std::vector<int64_t> pre, post;
  for (size_t k : p.rest) (adjacent && k < p.adv.front() ? pre : post).push_back(self.shape[k]);
  p.rshape = pre;
  p.bpos = pre.size();
  p.rshape.insert(p.rshape.end(), p.bshape.begin(), p.bshape.end());
  p.rshape.insert(p.rshape.end(), post.begin(), post.end());
  return p;
}

// Constant index tensors, accumulate=False: the positions written are known, so a constant map
// says, for every element of self, which element of values (broadcast to self[indices]'s
// shape) lands there; GATHER by that map and SELECT_V2 under the constant mask of written
// positions. A later duplicate wins, as on PyTorch's CPU.
void index_put_constant(const litecast::Node& n, const IndexPlan& p, const litecast::TensorInfo& self, int32_t dtype) {
  const std::vector<int64_t>& rshape = p.rshape;
  const int64_t total = numel(self.shape), rtotal = numel(rshape);
  if (total > (int64_t{1} << 24)) n.decline("tensor too large for a constant index map");
  std::vector<std::vector<int64_t>> values(p.tensors.size());
  for (size_t k : p.adv) values[k] = n.data<int64_t>(1, LC_INT64, static_cast<int>(k));
  const std::vector<int64_t> sstride = strides_of(self.shape), rstride = strides_of(rshape);
  std::vector<int32_t> map(static_cast<size_t>(total), 0);
  std::vector<uint8_t> mask(static_cast<size_t>(total), 0);
  std::vector<int64_t> coord(rshape.size());
  const size_t bend = p.bpos + p.bshape.size();
  for (int64_t q = 0; q < rtotal; ++q) {
    int64_t rem = q;
    for (size_t i = 0; i < rshape.size(); ++i) {
      coord[i] = rem / rstride[i];
      rem %= rstride[i];
    }
    // Coordinates of this element in self.
    int64_t offset = 0;
    size_t next_rest = 0;
    for (size_t i = 0; i < rshape.size(); ++i) {
      if (i >= p.bpos && i < bend) continue;
      offset += coord[i] * sstride[p.rest[next_rest++]];
    }
    for (size_t k : p.adv) {
      const std::vector<int64_t>& sh = p.shapes[k];
      int64_t flat = 0, stride = 1;
      for (size_t j = sh.size(); j-- > 0;) {
        const int64_t c = sh[j] == 1 ? 0 : coord[bend - sh.size() + j];
        flat += c * stride;
        stride *= sh[j];
      }
      int64_t v = values[k][static_cast<size_t>(flat)];
      if (v < 0) v += self.shape[k];
      if (v < 0 || v >= self.shape[k]) n.fail("index out of range");
      offset += v * sstride[k];
    }
    map[static_cast<size_t>(offset)] = static_cast<int32_t>(q);
    mask[static_cast<size_t>(offset)] = 1;
  }
  int32_t v = broadcast_to(n, 2, dtype, rshape);
  v = reshape(n, v, {rtotal});
  int32_t gathered = n.add_tensor(dtype, {total});
  n.op(LC_OP_GATHER, {v, n.const_i32(map)}, {gathered}).set("axis", 0);
  int32_t m = n.add_tensor(LC_BOOL, self.shape, mask.data(), mask.size());
  n.output(0, pw::select(n, m, reshape(n, gathered, self.shape), operand(n, 0, dtype)));
}

// Index tensors computed at run time, or accumulate=True: the flat position in self of every
// element of self[indices] is computed in the graph (a constant for the dims taken whole plus
// index * stride per indexed dim, negative indices wrapped by FLOOR_MOD), and SCATTER_ND, which
// sums duplicates, spreads the values over a zero tensor of self's size. accumulate adds that
// to self; otherwise a second SCATTER_ND of ones marks the positions written and SELECT_V2 takes
// the values there (duplicates, which PyTorch leaves undefined, are summed).
void index_put_scatter(const litecast::Node& n, const IndexPlan& p, const litecast::TensorInfo& self, int32_t dtype,
                       bool accumulate) {
  const std::vector<int64_t>& rshape = p.rshape;
  const int64_t total = numel(self.shape), rtotal = numel(rshape);
  if (total >= (int64_t{1} << 31)) n.decline("tensor too large for int32 positions");
  const std::vector<int64_t> sstride = strides_of(self.shape);
  const size_t bend = p.bpos + p.bshape.size();
  // The dims taken whole: their part of the position, constant, with 1 at the index dims.
  std::vector<int64_t> cshape = rshape;
  for (size_t i = p.bpos; i < bend; ++i) cshape[i] = 1;
  const std::vector<int64_t> cstride = strides_of(cshape);
  std::vector<int32_t> base(static_cast<size_t>(numel(cshape)));
  for (int64_t q = 0; q < numel(cshape); ++q) {
    int64_t rem = q, offset = 0;
    size_t next_rest = 0;
    for (size_t i = 0; i < cshape.size(); ++i) {
      const int64_t c = rem / cstride[i];
      rem %= cstride[i];
      if (i >= p.bpos && i < bend) continue;
      offset += c * sstride[p.rest[next_rest++]];
    }
    base[static_cast<size_t>(q)] = static_cast<int32_t>(offset);
  }
  int32_t position = n.const_i32(cshape, base);
  for (size_t k : p.adv) {
    int32_t t = pw::cast(n, p.tensors[k], LC_INT32);
    t = pw::binary(n, LC_OP_FLOOR_MOD, t, pw::scalar(n, LC_INT32, static_cast<double>(self.shape[k])));
    if (sstride[k] != 1) t = pw::binary(n, LC_OP_MUL, t, pw::scalar(n, LC_INT32, static_cast<double>(sstride[k])));
    std::vector<int64_t> placed(rshape.size(), 1);
    const std::vector<int64_t>& sh = p.shapes[k];
    for (size_t j = 0; j < sh.size(); ++j) placed[bend - sh.size() + j] = sh[j];
    position = pw::binary(n, LC_OP_ADD, position, reshape(n, t, placed));
  }
  if (n.tensor_info(position).shape != rshape) n.decline("index shapes do not cover the written region");
  int32_t positions = reshape(n, position, {rtotal, 1});
  const int32_t size = n.const_i32({static_cast<int32_t>(total)});
  auto scatter_nd = [&](int32_t updates, int32_t type) {
    int32_t y = n.add_tensor(type, {total});
    n.op(LC_OP_SCATTER_ND, {positions, updates, size}, {y});
    return reshape(n, y, self.shape);
  };
  int32_t spread = scatter_nd(reshape(n, broadcast_to(n, 2, dtype, rshape), {rtotal}), dtype);
  int32_t x = operand(n, 0, dtype);
  if (accumulate) return n.output(0, pw::binary(n, LC_OP_ADD, x, spread));
  int32_t hits = scatter_nd(n.const_i32({rtotal}, std::vector<int32_t>(static_cast<size_t>(rtotal), 1)), LC_INT32);
  int32_t written = pw::binary(n, LC_OP_GREATER, hits, pw::scalar(n, LC_INT32, 0), LC_BOOL);
  n.output(0, pw::select(n, written, spread, x));
}

// index_put(self, indices, values, accumulate), integer index tensors (not masks).
void index_put(litecast::Node& n) {
  const litecast::TensorInfo self = n.info(0), out = n.output_info(0);
  if (out.dtype != LC_FLOAT32 && out.dtype != LC_INT32) n.decline("float32 or int32 tensors only");
  const bool accumulate = n.num_inputs() > 3 && n.flag(3);
  IndexPlan p = plan_index_put(n, self);
  if (p.constant && !accumulate) return index_put_constant(n, p, self, out.dtype);
  index_put_scatter(n, p, self, out.dtype, accumulate);
}

// Element types the writes handle: float32, int32 (int64 is int32 in TFLite) and bool.
int32_t written_dtype(const litecast::Node& n) {
  const litecast::TensorInfo out = n.output_info(0);
  if (!out.scales.empty()) n.decline("quantized tensors");
  if (out.dtype != LC_FLOAT32 && out.dtype != LC_INT32 && out.dtype != LC_BOOL)
    n.decline("float32, int32 or bool tensors only");
  return out.dtype;
}

// copy(self, src) (the functional form of copy_, made by the host from writes into views) and
// fill(self, value): src or value cast to self's element type and broadcast to its shape.
void copy_or_fill(litecast::Node& n) {
  const int32_t dtype = written_dtype(n);
  n.output(0, broadcast_to(n, 1, dtype, n.output_info(0).shape));
}

// Slice `size` elements from `begin` along dim d of t.
int32_t slice_dim(const litecast::Node& n, int32_t t, size_t d, int64_t begin, int64_t size) {
  std::vector<int64_t> shape = n.tensor_info(t).shape;
  std::vector<int32_t> b(shape.size(), 0), s(shape.begin(), shape.end());
  b[d] = static_cast<int32_t>(begin);
  s[d] = static_cast<int32_t>(size);
  shape[d] = size;
  int32_t y = n.add_tensor(n.tensor_info(t).dtype, shape);
  n.op(LC_OP_SLICE, {t, n.const_i32(b), n.const_i32(s)}, {y});
  return y;
}

// slice_scatter(self, src, dim, start, end, step) and select_scatter(self, src, dim, index):
// self with src written into self[..., start:end:step, ...] (the host makes them from writes
// into slices). Step 1 is a CONCATENATION of self's untouched ends around src; a larger step
// GATHERs src along dim by a constant map and SELECT_V2s it in under a constant mask.
void slice_scatter(litecast::Node& n) {
  const int32_t dtype = written_dtype(n);
  const litecast::TensorInfo self = n.info(0);
  const int64_t rank = self.rank();
  const int64_t dim = normalize_dim(n, n.i64(2), rank);
  const auto d = static_cast<size_t>(dim);
  const int64_t size = self.shape[d];
  int64_t start = 0, end = size, step = 1;
  if (n.kind() == "aten::select_scatter") {
    start = n.i64(3);
    if (start < 0) start += size;
    end = start + 1;
  } else {
    if (!n.is_none(3)) start = n.i64(3);
    if (!n.is_none(4)) end = n.i64(4);
    step = n.i64(5);
    if (start < 0) start += size;
    if (end < 0) end += size;
    start = std::clamp<int64_t>(start, 0, size);
    end = std::clamp<int64_t>(end, start, size);
  }
  if (step < 1) n.decline("slice step must be positive");
  const int64_t count = (end - start + step - 1) / step;
  std::vector<int64_t> src_shape = self.shape;
  src_shape[d] = count;
  int32_t src = operand(n, 1, dtype);
  if (n.tensor_info(src).shape != src_shape) src = reshape(n, src, src_shape);  // select_scatter: the dim back
  int32_t x = operand(n, 0, dtype);
  if (count == 0) return n.output(0, x);
  if (step == 1) {
    std::vector<int32_t> parts;
    if (start > 0) parts.push_back(slice_dim(n, x, d, 0, start));
    parts.push_back(src);
    if (end < size) parts.push_back(slice_dim(n, x, d, end, size - end));
    if (parts.size() == 1) return n.output(0, src);
    int32_t y = n.add_tensor(dtype, self.shape);
    n.op(LC_OP_CONCATENATION, parts, {y})
        .set("axis", static_cast<int32_t>(dim))
        .set("fused_activation_function", "NONE");
    return n.output(0, y);
  }
  std::vector<int32_t> map(static_cast<size_t>(size), 0);
  std::vector<uint8_t> hit(static_cast<size_t>(size), 0);
  for (int64_t k = 0; k < count; ++k) {
    map[static_cast<size_t>(start + k * step)] = static_cast<int32_t>(k);
    hit[static_cast<size_t>(start + k * step)] = 1;
  }
  int32_t spread = n.add_tensor(dtype, self.shape);
  n.op(LC_OP_GATHER, {src, n.const_i32(map)}, {spread}).set("axis", static_cast<int32_t>(dim));
  std::vector<int64_t> mask_shape(static_cast<size_t>(rank), 1);
  mask_shape[d] = size;
  int32_t mask = n.add_tensor(LC_BOOL, mask_shape, hit.data(), hit.size());
  n.output(0, pw::select(n, mask, spread, x));
}

}  // namespace

const Family scatter_family([](litecast::Registrar& r) {
  r.translator("aten::copy", kPriority, "float32/int32/bool; src cast and broadcast to self (writes into views)",
               copy_or_fill);
  r.translator("aten::fill", kPriority, "float32/int32/bool; the value broadcast to self's shape", copy_or_fill);
  const char* put = "float32/int32/bool; step 1 by CONCATENATION, larger steps by GATHER + SELECT_V2";
  r.translator("aten::slice_scatter", kPriority, put, slice_scatter);
  r.translator("aten::select_scatter", kPriority, put, slice_scatter);
  const char* scatter_limits =
      "float32/int32; index of self's shape except along dim (may be computed); tensor or number source; no reduce";
  for (const char* op : {"aten::scatter", "aten::scatter_"}) r.translator(op, kPriority, scatter_limits, scatter);
  const char* put_limits =
      "float32/int32; integer index tensors (not masks); constant: GATHER + SELECT_V2 (a later duplicate "
      "wins); computed or accumulate=True: SCATTER_ND (duplicates summed)";
  for (const char* op : {"aten::index_put", "aten::index_put_"}) r.translator(op, kPriority, put_limits, index_put);
});

}  // namespace aten
