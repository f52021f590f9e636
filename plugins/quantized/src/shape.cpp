// aten ops that move or select int8 data without changing it: reshapes, permutes, slices,
// concatenation, splits. Each keeps the input's quantization (which PyTorch does too) and
// declines float inputs, which the ATen plugin translates.
#include "common.hpp"

#include <algorithm>

namespace quant {

namespace {

void reshape_to_output(litecast::Node& n) {
  require_quantized_input(n, 0);
  n.output(0, reshape(n, n.input(0), n.output_info(0).shape));
}

void identity(litecast::Node& n) {
  require_quantized_input(n, 0);
  n.output(0, n.input(0));
}

int64_t norm_dim(const litecast::Node& n, int64_t d, int64_t rank) {
  int64_t k = d < 0 ? d + rank : d;
  if (k < 0 || k >= std::max<int64_t>(rank, 1)) n.decline("dimension out of range");
  return k;
}

void permute(litecast::Node& n) {
  require_quantized_input(n, 0);
  const int64_t rank = n.info(0).rank();
  std::vector<int32_t> perm;
  for (int64_t d : n.ints(1)) perm.push_back(static_cast<int32_t>(norm_dim(n, d, rank)));
  n.output(0, transpose(n, n.input(0), perm));
}

void swap_dims(litecast::Node& n) {
  require_quantized_input(n, 0);
  const int64_t rank = n.info(0).rank();
  std::vector<int32_t> perm;
  for (int32_t d = 0; d < rank; ++d) perm.push_back(d);
  if (rank < 2 && n.kind() == "aten::t") return n.output(0, n.input(0));
  int64_t a = n.kind() == "aten::t" ? 0 : norm_dim(n, n.i64(1), rank);
  int64_t b = n.kind() == "aten::t" ? 1 : norm_dim(n, n.i64(2), rank);
  std::swap(perm[static_cast<size_t>(a)], perm[static_cast<size_t>(b)]);
  n.output(0, transpose(n, n.input(0), perm));
}

// STRIDED_SLICE of `t` along `dim` from begin to end (exclusive) by step.
int32_t strided_slice(const litecast::Node& n, int32_t t, int64_t dim, int64_t begin, int64_t end, int64_t step,
                      bool shrink) {
  litecast::TensorInfo info = n.tensor_info(t);
  const size_t rank = info.shape.size();
  std::vector<int32_t> b(rank, 0), e(rank, 0), s(rank, 1);
  for (size_t d = 0; d < rank; ++d) e[d] = static_cast<int32_t>(info.shape[d]);
  b[static_cast<size_t>(dim)] = static_cast<int32_t>(begin);
  e[static_cast<size_t>(dim)] = static_cast<int32_t>(end);
  s[static_cast<size_t>(dim)] = static_cast<int32_t>(step);
  std::vector<int64_t> shape = info.shape;
  shape[static_cast<size_t>(dim)] = (end - begin + step - 1) / step;
  if (shrink) shape.erase(shape.begin() + dim);
  int32_t y = q_tensor(n, shape, tensor_q(n, t));
  const int64_t r = static_cast<int64_t>(rank);
  n.op(LC_OP_STRIDED_SLICE, {t, n.const_i32({r}, b), n.const_i32({r}, e), n.const_i32({r}, s)}, {y})
      .set("shrink_axis_mask", shrink ? (int64_t{1} << dim) : 0);
  return y;
}

// aten::slice(x, dim, start?, end?, step)
void slice(litecast::Node& n) {
  require_quantized_input(n, 0);
  litecast::TensorInfo x = n.info(0);
  const int64_t dim = norm_dim(n, n.i64(1), x.rank());
  const int64_t size = x.shape[static_cast<size_t>(dim)];
  auto bound = [&](int i, int64_t dflt) {
    if (n.is_none(i)) return dflt;
    int64_t v = n.i64(i);
    if (v < 0) v += size;
    return std::min(std::max<int64_t>(v, 0), size);
  };
  const int64_t start = bound(2, 0), end = bound(3, size), step = n.i64(4);
  if (step < 1 || end <= start) n.decline("positive steps and non-empty results only");
  n.output(0, strided_slice(n, n.input(0), dim, start, end, step, false));
}

void select(litecast::Node& n) {
  require_quantized_input(n, 0);
  litecast::TensorInfo x = n.info(0);
  const int64_t dim = norm_dim(n, n.i64(1), x.rank());
  int64_t index = n.i64(2);
  if (index < 0) index += x.shape[static_cast<size_t>(dim)];
  n.output(0, strided_slice(n, n.input(0), dim, index, index + 1, 1, true));
}

// aten::cat on quantized tensors (PyTorch requires equal quantization; requantized anyway).
void cat(litecast::Node& n) {
  const int count = n.list_size(0);
  if (count < 1 || n.info(0, 0).scales.empty()) n.decline("not a list of quantized tensors");
  QParams qy = output_q(n, 0);
  std::vector<int32_t> parts;
  for (int k = 0; k < count; ++k) parts.push_back(requantize(n, n.input(0, k), qy));
  const int64_t dim = norm_dim(n, n.i64(1), n.output_info(0).rank());
  int32_t y = like_output(n, 0);
  n.op(LC_OP_CONCATENATION, parts, {y}).set("axis", dim).set("fused_activation_function", "NONE");
  n.output(0, y);
}

// chunk/split into static pieces: one STRIDED_SLICE per piece (bound as the list output).
void split(litecast::Node& n) {
  require_quantized_input(n, 0);
  litecast::TensorInfo x = n.info(0);
  const int64_t dim = norm_dim(n, n.i64(2), x.rank());
  std::vector<int64_t> sizes;
  const int64_t total = x.shape[static_cast<size_t>(dim)];
  if (n.kind() == "aten::chunk" || n.kind() == "aten::unsafe_chunk") {
    const int64_t chunks = n.i64(1), each = (total + chunks - 1) / chunks;
    for (int64_t at = 0; at < total; at += each) sizes.push_back(std::min(each, total - at));
  } else if (n.input_kind(1) == LC_VALUE_INT) {
    const int64_t each = n.i64(1);
    for (int64_t at = 0; at < total; at += each) sizes.push_back(std::min(each, total - at));
  } else {
    sizes = n.ints(1);
  }
  std::vector<int32_t> parts;
  int64_t at = 0;
  for (int64_t s : sizes) {
    parts.push_back(strided_slice(n, n.input(0), dim, at, at + s, 1, false));
    at += s;
  }
  n.output_list(0, parts);
}

// aten::constant_pad_nd(x, pad, value) and aten::pad(x, pad, "constant", value): PAD fills with
// the zero point (0.0), PADV2 with the value's code. Pads run from the last dimension back.
void constant_pad(litecast::Node& n) {
  require_quantized_input(n, 0);
  const bool generic = n.kind() == "aten::pad";
  if (generic && n.str(2) != "constant") n.decline("constant mode only");
  const int value_at = generic ? 3 : 2;
  const double value = n.is_none(value_at) ? 0.0 : n.f64(value_at);
  litecast::TensorInfo x = n.info(0);
  std::vector<int64_t> pad = n.ints(1);
  if (pad.size() % 2 || static_cast<int>(pad.size() / 2) > x.rank()) n.decline("malformed pad list");
  std::vector<int32_t> p(static_cast<size_t>(2 * x.rank()), 0);
  for (size_t k = 0; k < pad.size(); ++k) {
    if (pad[k] < 0) n.decline("negative pads (crops)");
    const size_t dim = static_cast<size_t>(x.rank()) - 1 - k / 2;
    p[2 * dim + k % 2] = static_cast<int32_t>(pad[k]);
  }
  QParams q = input_q(n, 0);
  int32_t y = q_tensor(n, n.output_info(0).shape, q);
  int32_t paddings = n.const_i32({x.rank(), 2}, p);
  const int8_t code = clamp_i8(value / q.scale + static_cast<double>(q.zero_point));
  if (code == q.zero_point) {
    n.op(LC_OP_PAD, {n.input(0), paddings}, {y});
  } else {
    Quant qq{{static_cast<float>(q.scale)}, {q.zero_point}, 0};
    n.op(LC_OP_PADV2, {n.input(0), paddings, q_constant_i8(n, {1}, {code}, qq)}, {y});
  }
  bind(n, 0, y);
}

}  // namespace

static const Family family([](litecast::Registrar& r) {
  const char* on_q = "quantized int8 inputs only; quantization kept";
  for (const char* op : {"aten::view", "aten::reshape", "aten::flatten", "aten::unflatten", "aten::view_as",
                         "aten::reshape_as", "aten::_unsafe_view", "aten::squeeze", "aten::unsqueeze"})
    r.translator(op, kAtenPriority, on_q, reshape_to_output);
  for (const char* op : {"aten::contiguous", "aten::clone", "aten::detach", "aten::dropout", "aten::feature_dropout"})
    r.translator(op, kAtenPriority, on_q, identity);
  r.translator("aten::permute", kAtenPriority, on_q, permute);
  for (const char* op : {"aten::transpose", "aten::swapaxes", "aten::swapdims", "aten::t"})
    r.translator(op, kAtenPriority, on_q, swap_dims);
  r.translator("aten::slice.Tensor", kAtenPriority, on_q, slice);
  r.translator("aten::select.int", kAtenPriority, on_q, select);
  for (const char* op : {"aten::cat", "aten::concat", "aten::concatenate"})
    r.translator(op, kAtenPriority, "quantized int8 inputs; requantized to the output's", cat);
  for (const char* op : {"aten::constant_pad_nd", "aten::pad"})
    r.translator(op, kAtenPriority, "quantized int8; constant mode; non-negative pads", constant_pad);
  for (const char* op : {"aten::split", "aten::split_with_sizes", "aten::chunk", "aten::unsafe_chunk"})
    r.translator(op, kAtenPriority, on_q, split);
});

}  // namespace quant
