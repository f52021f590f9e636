// Helpers of the pointwise translators; see pointwise.hpp.
#include "pointwise.hpp"

#include <algorithm>
#include <string>

namespace aten::pw {

namespace {

// LiteRT 2.3's kernels broadcast up to 8-D (ADD to SELECT_V2 and PRELU alike, checked without
// delegates); the e2e fixtures ew_broadcast_* and cmp_broadcast_* run 5-D, 6-D and 8-D cases.
constexpr int kBroadcastRank = 8;

enum Category { kNone = 0, kBool = 1, kInt = 2, kFloat = 3 };

Category category_of(int32_t dtype) {
  switch (dtype) {
    case LC_BOOL: return kBool;
    case LC_FLOAT32:
    case LC_FLOAT16: return kFloat;
    default: return kInt;
  }
}

std::vector<int64_t> broadcast_shape(const litecast::Node& n, const std::vector<int32_t>& ts) {
  std::vector<int64_t> out;
  for (int32_t t : ts) {
    std::vector<int64_t> s = n.tensor_info(t).shape;
    if (s.size() > out.size()) out.insert(out.begin(), s.size() - out.size(), 1);
    size_t off = out.size() - s.size();
    for (size_t k = 0; k < s.size(); ++k) {
      int64_t& o = out[off + k];
      if (s[k] == o || s[k] == 1) continue;
      if (o != 1) n.fail("operand shapes do not broadcast");
      o = s[k];
    }
  }
  return out;
}

// Emits `code` over `ts` into a fresh tensor of `dtype` shaped by numpy broadcasting.
int32_t broadcasting(const litecast::Node& n, int32_t code, const std::vector<int32_t>& ts, int32_t dtype) {
  std::vector<int64_t> shape = broadcast_shape(n, ts);
  bool differ = false;
  for (int32_t t : ts) differ = differ || n.tensor_info(t).shape != shape;
  if (differ && static_cast<int>(shape.size()) > kBroadcastRank)
    n.decline("broadcasting beyond " + std::to_string(kBroadcastRank) + "-D");
  int32_t out = n.add_tensor(dtype, shape);
  n.op(code, ts, {out});
  return out;
}

}  // namespace

void require_unquantized(const litecast::Node& n) {
  for (int i = 0; i < n.num_inputs(); ++i)
    if (n.input_kind(i) == LC_VALUE_TENSOR && !n.info(i).scales.empty())
      n.decline("quantized input " + std::to_string(i) + ": left to the quantized plugin");
}

int32_t promoted(const litecast::Node& n, std::initializer_list<int> ins) {
  Category c = kNone;
  for (int i : ins) {
    Category k = kNone;
    switch (n.input_kind(i)) {
      case LC_VALUE_TENSOR: k = category_of(n.info(i).dtype); break;
      case LC_VALUE_FLOAT: k = kFloat; break;
      case LC_VALUE_INT: k = kInt; break;
      case LC_VALUE_BOOL: k = kBool; break;
      case LC_VALUE_NONE: break;
      default: n.decline("input " + std::to_string(i) + " is neither a tensor nor a number");
    }
    c = std::max(c, k);
  }
  if (c == kFloat) return LC_FLOAT32;
  if (c == kInt) return LC_INT32;
  if (c == kBool) return LC_BOOL;
  n.decline("no tensor or number inputs");
}

void require_numeric(const litecast::Node& n, int32_t dtype, bool bool_ok) {
  if (dtype == LC_FLOAT32 || dtype == LC_INT32 || (bool_ok && dtype == LC_BOOL)) return;
  n.decline(bool_ok ? "float32, int32/int64 and bool tensors only" : "float32 and int32/int64 tensors only");
}

int32_t scalar(const litecast::Node& n, int32_t dtype, double v) { return scalar_constant(n, dtype, v); }

std::optional<double> number(const litecast::Node& n, int i) {
  int32_t kind = n.input_kind(i);
  if (kind == LC_VALUE_INT || kind == LC_VALUE_FLOAT || kind == LC_VALUE_BOOL) return n.f64(i);
  if (kind != LC_VALUE_TENSOR) return std::nullopt;
  litecast::TensorInfo t = n.info(i);
  if (!t.is_constant || t.numel() != 1 || t.rank() > n.output_info(0).rank()) return std::nullopt;
  return n.f64(i);
}

int32_t unary(const litecast::Node& n, int32_t code, int32_t x, int32_t dtype) {
  litecast::TensorInfo info = n.tensor_info(x);
  int32_t out = n.add_tensor(dtype < 0 ? info.dtype : dtype, info.shape);
  n.op(code, {x}, {out});
  return out;
}

int32_t binary(const litecast::Node& n, int32_t code, int32_t a, int32_t b, int32_t dtype) {
  return broadcasting(n, code, {a, b}, dtype < 0 ? n.tensor_info(a).dtype : dtype);
}

int32_t select(const litecast::Node& n, int32_t cond, int32_t a, int32_t b) {
  return broadcasting(n, LC_OP_SELECT_V2, {cond, a, b}, n.tensor_info(a).dtype);
}

int32_t truth(const litecast::Node& n, int32_t x) {
  litecast::TensorInfo info = n.tensor_info(x);
  if (info.dtype == LC_BOOL) return x;
  require_numeric(n, info.dtype);
  return binary(n, LC_OP_NOT_EQUAL, x, scalar(n, info.dtype, 0), LC_BOOL);
}

int32_t cast(const litecast::Node& n, int32_t x, int32_t dtype) {
  litecast::TensorInfo info = n.tensor_info(x);
  if (info.dtype == dtype) return x;
  int32_t out = n.add_tensor(dtype, info.shape);
  n.op(LC_OP_CAST, {x}, {out});
  return out;
}

}  // namespace aten::pw
