// The ATen plugin: translators for aten:: ops. Each src/*.cpp registers its own op family.
#include "common.hpp"

#include <cstring>

namespace aten {

namespace {
std::vector<RegisterFn>& families() {
  static std::vector<RegisterFn> f;
  return f;
}
}  // namespace

Family::Family(RegisterFn fn) { families().push_back(fn); }

void register_all(litecast::Registrar& r) {
  for (RegisterFn fn : families()) fn(r);
}

int32_t new_tensor(const litecast::Node& n, int32_t dtype, const std::vector<int64_t>& shape) {
  return n.add_tensor(dtype, shape);
}

int32_t scalar_constant(const litecast::Node& n, int32_t dtype, double v) {
  if (dtype == LC_FLOAT32) {
    float f = static_cast<float>(v);
    return n.add_tensor(LC_FLOAT32, {}, &f, sizeof f);
  }
  if (dtype == LC_INT32) {
    int32_t k = static_cast<int32_t>(v);
    return n.add_tensor(LC_INT32, {}, &k, sizeof k);
  }
  if (dtype == LC_BOOL) {
    uint8_t b = v != 0;
    return n.add_tensor(LC_BOOL, {}, &b, sizeof b);
  }
  n.decline("a scalar constant of this element type");
}

int32_t operand(const litecast::Node& n, int i, int32_t dtype) {
  switch (n.input_kind(i)) {
    case LC_VALUE_TENSOR: {
      litecast::TensorInfo t = n.info(i);
      if (t.dtype == dtype) return n.input(i);
      // PyTorch promotes mixed operands (a traced `x - 1` holds a 0-d int64 constant).
      if (t.is_constant && dtype == LC_FLOAT32) {
        std::vector<float> v = n.floats_of(i);
        return n.add_tensor(LC_FLOAT32, t.shape, v.data(), v.size() * sizeof(float));
      }
      if (t.is_constant && dtype == LC_INT32) {
        std::vector<int32_t> v = n.data<int32_t>(i, LC_INT32);
        return n.add_tensor(LC_INT32, t.shape, v.data(), v.size() * sizeof(int32_t));
      }
      int32_t cast = n.add_tensor(dtype, t.shape);
      n.op(LC_OP_CAST, {n.input(i)}, {cast});
      return cast;
    }
    case LC_VALUE_INT:
    case LC_VALUE_FLOAT:
    case LC_VALUE_BOOL: return scalar_constant(n, dtype, n.f64(i));
    default: n.decline("input " + std::to_string(i) + " is neither a tensor nor a number");
  }
}

int32_t transpose(const litecast::Node& n, int32_t t, const std::vector<int32_t>& perm) {
  litecast::TensorInfo info = n.tensor_info(t);
  if (static_cast<size_t>(info.rank()) != perm.size()) n.fail("transpose: permutation does not match the rank");
  std::vector<int64_t> shape;
  for (int32_t p : perm) shape.push_back(info.shape[static_cast<size_t>(p)]);
  int32_t out = n.add_tensor(info.dtype, shape);
  n.op(LC_OP_TRANSPOSE, {t, n.const_i32(perm)}, {out});
  return out;
}

int32_t to_channels_last(const litecast::Node& n, int32_t t) {
  int rank = n.tensor_info(t).rank();
  if (rank == 4) return transpose(n, t, {0, 2, 3, 1});
  if (rank == 3) return transpose(n, t, {0, 2, 1});
  if (rank == 5) return transpose(n, t, {0, 2, 3, 4, 1});
  n.decline("channels-last layout needs a 3-D to 5-D tensor");
}

int32_t to_channels_first(const litecast::Node& n, int32_t t) {
  int rank = n.tensor_info(t).rank();
  if (rank == 4) return transpose(n, t, {0, 3, 1, 2});
  if (rank == 3) return transpose(n, t, {0, 2, 1});
  if (rank == 5) return transpose(n, t, {0, 4, 1, 2, 3});
  n.decline("channels-first layout needs a 3-D to 5-D tensor");
}

int32_t reshape(const litecast::Node& n, int32_t t, const std::vector<int64_t>& shape) {
  litecast::TensorInfo info = n.tensor_info(t);
  std::vector<int32_t> s(shape.begin(), shape.end());
  int32_t out = n.add_tensor(info.dtype, shape);
  n.op(LC_OP_RESHAPE, {t, n.const_i32(s)}, {out});
  return out;
}

int64_t normalize_dim(const litecast::Node& n, int64_t dim, int64_t rank) {
  int64_t d = dim < 0 ? dim + rank : dim;
  if (d < 0 || d >= rank) n.decline("dimension " + std::to_string(dim) + " out of range for rank " + std::to_string(rank));
  return d;
}

}  // namespace aten

LITECAST_PLUGIN("litecast.aten", "0.1.0", "ATen ops (aten::*)", [](litecast::Registrar& r) { aten::register_all(r); })
