// Joining and splitting along a dimension: cat, stack, the split family (split, chunk,
// tensor_split, unbind) and roll, which is a split and a concatenation. Split-like ops return
// a Tensor[]; they bind it with output_list, and the host hands the items to ListUnpack and
// to list consumers such as cat.
#include "common.hpp"

#include <algorithm>

namespace aten {

namespace {

// Item k of list input i as a tensor of element type `dtype` (PyTorch promotes cat's inputs).
int32_t list_item(const litecast::Node& n, int i, int k, int32_t dtype) {
  litecast::TensorInfo it = n.info(i, k);
  int32_t t = n.input(i, k);
  if (it.dtype == dtype) return t;
  int32_t cast = n.add_tensor(dtype, it.shape);
  n.op(LC_OP_CAST, {t}, {cast});
  return cast;
}

// cat(tensors, dim): CONCATENATION. PyTorch skips legacy empty 1-D items; so do we.
void cat(litecast::Node& n) {
  litecast::TensorInfo out = n.output_info(0);
  if (out.numel() == 0) n.decline("the result is empty");
  int64_t axis = normalize_dim(n, n.i64(1), out.rank());
  std::vector<int32_t> parts;
  for (int k = 0; k < n.list_size(0); ++k)
    if (n.info(0, k).numel() > 0) parts.push_back(list_item(n, 0, k, out.dtype));
  if (parts.size() == 1) {
    std::vector<int32_t> shape(out.shape.begin(), out.shape.end());
    n.unary_like_output(LC_OP_RESHAPE, {parts[0], n.const_i32(shape)});
    return;
  }
  int32_t y = n.add_like_output(0);
  n.op(LC_OP_CONCATENATION, parts, {y}).set("axis", axis);
  n.output(0, y);
}

// stack(tensors, dim): PACK along a new dimension.
void stack(litecast::Node& n) {
  litecast::TensorInfo out = n.output_info(0);
  int64_t axis = normalize_dim(n, n.i64(1), out.rank());
  std::vector<int32_t> parts;
  for (int k = 0; k < n.list_size(0); ++k) parts.push_back(list_item(n, 0, k, out.dtype));
  if (parts.empty()) n.decline("stack of an empty list");
  int32_t y = n.add_like_output(0);
  n.op(LC_OP_PACK, parts, {y}).set("values_count", static_cast<int64_t>(parts.size())).set("axis", axis);
  n.output(0, y);
}

// Splits `x` (shape `shape`) along `dim` into pieces of `sizes`: SPLIT when they are equal,
// SPLIT_V otherwise. Returns the pieces.
std::vector<int32_t> split_pieces(const litecast::Node& n, int32_t x, const std::vector<int64_t>& shape,
                                  int64_t dim, const std::vector<int64_t>& sizes) {
  auto d = static_cast<size_t>(dim);
  std::vector<int32_t> pieces;
  for (int64_t s : sizes) {
    if (s <= 0) n.decline("a piece of the split would be empty");
    std::vector<int64_t> piece = shape;
    piece[d] = s;
    pieces.push_back(n.add_tensor(n.tensor_info(x).dtype, piece));
  }
  const auto num = static_cast<int64_t>(sizes.size());
  if (num == 1) {
    std::vector<int32_t> s(shape.begin(), shape.end());
    n.op(LC_OP_RESHAPE, {x, n.const_i32(s)}, {pieces[0]});
    return pieces;
  }
  int32_t axis = static_cast<int32_t>(dim);
  int32_t axis_t = n.add_tensor(LC_INT32, {}, &axis, sizeof axis);
  if (std::all_of(sizes.begin(), sizes.end(), [&](int64_t s) { return s == sizes[0]; })) {
    n.op(LC_OP_SPLIT, {axis_t, x}, pieces).set("num_splits", num);
  } else {
    std::vector<int32_t> sz(sizes.begin(), sizes.end());
    n.op(LC_OP_SPLIT_V, {x, n.const_i32(sz), axis_t}, pieces).set("num_splits", num);
  }
  return pieces;
}

// Pieces of `size` along a dimension of `total`, the last one shorter (split, chunk).
std::vector<int64_t> even_sizes(const litecast::Node& n, int64_t total, int64_t size) {
  if (size <= 0) n.decline("split size must be positive");
  std::vector<int64_t> sizes;
  for (int64_t at = 0; at < total; at += size) sizes.push_back(std::min(size, total - at));
  return sizes;
}

// tensor_split's sections: the first total % sections pieces are one longer.
std::vector<int64_t> section_sizes(const litecast::Node& n, int64_t total, int64_t sections) {
  if (sections <= 0) n.decline("tensor_split needs a positive number of sections");
  std::vector<int64_t> sizes;
  for (int64_t k = 0; k < sections; ++k) sizes.push_back(total / sections + (k < total % sections ? 1 : 0));
  return sizes;
}

// tensor_split's indices: boundaries, clamped to the dimension like Python slices.
std::vector<int64_t> boundary_sizes(int64_t total, const std::vector<int64_t>& indices) {
  std::vector<int64_t> sizes;
  int64_t prev = 0;
  for (int64_t i : indices) {
    int64_t at = std::clamp(i < 0 ? i + total : i, int64_t{0}, total);
    sizes.push_back(std::max(int64_t{0}, at - prev));
    prev = std::max(prev, at);
  }
  sizes.push_back(total - prev);
  return sizes;
}

// split(self, int size | int[] sizes, dim), split_with_sizes, chunk, tensor_split.
void split(litecast::Node& n) {
  litecast::TensorInfo in = n.info(0);
  int64_t dim = normalize_dim(n, n.i64(2), in.rank());
  int64_t total = in.shape[static_cast<size_t>(dim)];
  std::string kind = n.kind();
  bool by_list = n.input_kind(1) == LC_VALUE_INT_LIST;
  std::vector<int64_t> sizes;
  if (kind == "aten::chunk" || kind == "aten::unsafe_chunk") {
    int64_t chunks = n.i64(1);
    if (chunks <= 0) n.decline("chunk needs a positive number of chunks");
    sizes = even_sizes(n, total, (total + chunks - 1) / chunks);
  } else if (kind == "aten::tensor_split") {
    sizes = by_list ? boundary_sizes(total, n.ints(1)) : section_sizes(n, total, n.i64(1));
  } else {
    sizes = by_list ? n.ints(1) : even_sizes(n, total, n.i64(1));
  }
  if (sizes.empty()) n.decline("split of an empty dimension");
  n.output_list(0, split_pieces(n, n.input(0), in.shape, dim, sizes));
}

// unbind(self, dim): UNPACK.
void unbind(litecast::Node& n) {
  litecast::TensorInfo in = n.info(0);
  int64_t dim = normalize_dim(n, n.i64(1), in.rank());
  int64_t count = in.shape[static_cast<size_t>(dim)];
  if (count == 0) n.decline("unbind of an empty dimension");
  std::vector<int64_t> item = in.shape;
  item.erase(item.begin() + dim);
  std::vector<int32_t> pieces;
  for (int64_t k = 0; k < count; ++k) pieces.push_back(n.add_tensor(in.dtype, item));
  n.op(LC_OP_UNPACK, {n.input(0)}, pieces).set("num", count).set("axis", dim);
  n.output_list(0, pieces);
}

// `x` rolled by `shift` along `dim`: its last `shift` entries move to the front.
int32_t roll_one(const litecast::Node& n, int32_t x, int64_t dim, int64_t shift) {
  std::vector<int64_t> shape = n.tensor_info(x).shape;
  int64_t size = shape[static_cast<size_t>(dim)];
  int64_t s = size == 0 ? 0 : ((shift % size) + size) % size;
  if (s == 0) return x;
  std::vector<int32_t> parts = split_pieces(n, x, shape, dim, {size - s, s});
  int32_t y = n.add_tensor(n.tensor_info(x).dtype, shape);
  n.op(LC_OP_CONCATENATION, {parts[1], parts[0]}, {y}).set("axis", dim);
  return y;
}

// roll(self, shifts, dims); without dims the flattened tensor rolls.
void roll(litecast::Node& n) {
  litecast::TensorInfo in = n.info(0);
  std::vector<int64_t> shifts = n.ints(1);
  std::vector<int64_t> dims = n.is_none(2) ? std::vector<int64_t>{} : n.ints(2);
  int32_t x = n.input(0);
  if (dims.empty()) {
    if (shifts.size() != 1) n.decline("roll without dims takes one shift");
    x = roll_one(n, reshape(n, x, {in.numel()}), 0, shifts[0]);
  } else {
    if (shifts.size() != dims.size()) n.decline("roll: shifts and dims differ in length");
    for (size_t k = 0; k < dims.size(); ++k) x = roll_one(n, x, normalize_dim(n, dims[k], in.rank()), shifts[k]);
  }
  std::vector<int32_t> shape(in.shape.begin(), in.shape.end());
  n.unary_like_output(LC_OP_RESHAPE, {x, n.const_i32(shape)});
}

// aten::__getitem__ on a list a split produced (scripted code indexes lists this way).
void list_item_getter(litecast::Node& n) {
  if (n.input_kind(0) != LC_VALUE_TENSOR_LIST) n.decline("not a list of tensors");
  int64_t size = n.list_size(0), k = n.i64(1);
  if (k < -size || k >= size) n.decline("list index out of range");
  litecast::TensorInfo out = n.output_info(0);
  std::vector<int32_t> shape(out.shape.begin(), out.shape.end());
  n.unary_like_output(LC_OP_RESHAPE, {n.input(0, static_cast<int>(k < 0 ? k + size : k)), n.const_i32(shape)});
}

}  // namespace

const Family family([](litecast::Registrar& r) {
  for (const char* op : {"aten::cat", "aten::concat", "aten::concatenate"})
    r.translator(op, kPriority, "mixed element types cast to the result's", cat);
  r.translator("aten::stack", kPriority, "mixed element types cast to the result's", stack);
  for (const char* op : {"aten::split", "aten::unsafe_split", "aten::split_with_sizes", "aten::unsafe_split_with_sizes",
                         "aten::chunk", "aten::unsafe_chunk", "aten::tensor_split"})
    r.translator(op, kPriority, "static sizes; no empty pieces", split);
  r.translator("aten::unbind", kPriority, "non-empty dimension", unbind);
  r.translator("aten::roll", kPriority, "static shifts (SPLIT_V + CONCATENATION per dim)", roll);
  r.translator("aten::__getitem__.t", kPriority, "lists of tensors a split produced", list_item_getter);
});

}  // namespace aten
