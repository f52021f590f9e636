// aten::scaled_dot_product_attention, what torch 2.x traces nn.MultiheadAttention and the
// nn.Transformer layers into when autograd is on (and whenever a mask keeps them off the fast
// path): softmax(q k^T * scale + mask) v as BATCH_MATMUL, MUL, SELECT_V2 or ADD, SOFTMAX,
// BATCH_MATMUL. A row whose keys are all masked out gives zeros, as PyTorch 2.x does (its
// "safe softmax"); TFLite's SOFTMAX would give NaN there, so such rows are selected to 0.
#include "math_emit.hpp"

#include <cmath>
#include <limits>
#include <string>

namespace aten {

namespace {

constexpr float kMinusInf = -std::numeric_limits<float>::infinity();

// SELECT_V2: `a` where `cond`, else `b`, in the broadcast shape of the three.
int32_t select(const litecast::Node& n, int32_t cond, int32_t a, int32_t b) {
  std::vector<int64_t> shape = n.tensor_info(a).shape;
  for (int32_t t : {cond, b}) {
    std::vector<int64_t> s = n.tensor_info(t).shape;
    if (s.size() > shape.size()) shape.insert(shape.begin(), s.size() - shape.size(), 1);
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t& d = shape[shape.size() - s.size() + i];
      if (s[i] != d && s[i] != 1 && d != 1) n.decline("attn_mask does not broadcast to the attention scores");
      if (d == 1) d = s[i];
    }
  }
  int32_t y = n.add_tensor(n.tensor_info(a).dtype, shape);
  n.op(LC_OP_SELECT_V2, {cond, a, b}, {y});
  return y;
}

// key or value [..., Hk, S, D] with every head repeated `groups` times in place
// (repeat_interleave over dim -3): [..., Hk, 1, S, D] broadcast to [..., Hk, groups, S, D].
int32_t repeat_heads(const litecast::Node& n, int32_t t, int64_t groups) {
  std::vector<int64_t> s = n.tensor_info(t).shape;
  size_t h = s.size() - 3;
  std::vector<int64_t> one = s, wide = s, out = s;
  one.insert(one.begin() + static_cast<std::ptrdiff_t>(h) + 1, 1);
  wide.insert(wide.begin() + static_cast<std::ptrdiff_t>(h) + 1, groups);
  out[h] *= groups;
  std::vector<int32_t> w(wide.begin(), wide.end());
  int32_t b = n.add_tensor(LC_FLOAT32, wide);
  n.op(LC_OP_BROADCAST_TO, {reshape(n, t, one), n.const_i32(w)}, {b});
  return reshape(n, b, out);
}

// True when some row of the constant mask (its last dim) masks every key.
bool has_fully_masked_row(const litecast::Node& n, int i, const litecast::TensorInfo& m) {
  int64_t cols = m.rank() == 0 ? 1 : m.shape.back();
  if (cols == 0) return false;
  if (m.dtype == LC_BOOL) {
    std::vector<uint8_t> v = n.data<uint8_t>(i, LC_BOOL);
    for (size_t r = 0; r < v.size(); r += static_cast<size_t>(cols)) {
      bool any = false;
      for (int64_t c = 0; c < cols; ++c) any = any || v[r + static_cast<size_t>(c)] != 0;
      if (!any) return true;
    }
    return false;
  }
  std::vector<float> v = n.floats_of(i);
  for (size_t r = 0; r < v.size(); r += static_cast<size_t>(cols)) {
    bool any = false;
    for (int64_t c = 0; c < cols; ++c) any = any || v[r + static_cast<size_t>(c)] != kMinusInf;
    if (!any) return true;
  }
  return false;
}

// Per row of the mask: does it let at least one key through? BOOL [..., L, 1].
int32_t rows_attending(const litecast::Node& n, int32_t mask) {
  litecast::TensorInfo m = n.tensor_info(mask);
  std::vector<int64_t> last{static_cast<int64_t>(m.rank() - 1)};
  if (m.dtype == LC_BOOL) return emit_reduce(n, LC_OP_REDUCE_ANY, mask, last, true);
  int32_t best = emit_reduce(n, LC_OP_REDUCE_MAX, mask, last, true);
  int32_t y = n.add_tensor(LC_BOOL, n.tensor_info(best).shape);
  n.op(LC_OP_GREATER, {best, scalar_f32(n, kMinusInf)}, {y});
  return y;
}

// The causal mask of PyTorch's is_causal: query i attends to keys 0..i (top-left aligned).
int32_t causal_mask(const litecast::Node& n, int64_t l, int64_t s) {
  std::vector<uint8_t> v(static_cast<size_t>(l * s));
  for (int64_t i = 0; i < l; ++i)
    for (int64_t j = 0; j < s; ++j) v[static_cast<size_t>(i * s + j)] = j <= i;
  return n.add_tensor(LC_BOOL, {l, s}, v.data(), v.size());
}

// scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0., is_causal=False,
//   *, scale=None, enable_gqa=False): q [..., L, E], k [..., S, E], v [..., S, Ev] -> [..., L, Ev].
void scaled_dot_product_attention(litecast::Node& n) {
  litecast::TensorInfo q = n.info(0), k = n.info(1), v = n.info(2);
  for (const litecast::TensorInfo* t : {&q, &k, &v}) {
    if (t->dtype != LC_FLOAT32) n.decline("float32 query, key and value only");
    if (t->rank() < 3 || t->rank() > 4) n.decline("query, key and value of rank 3 or 4 only");
  }
  if (n.f64(4) != 0) n.decline("dropout_p > 0 (dropout while training; trace the model in eval mode)");
  bool causal = n.flag(5), has_mask = !n.is_none(3);
  if (causal && has_mask) n.decline("attn_mask together with is_causal");
  int64_t e = q.shape.back(), l = q.shape[static_cast<size_t>(q.rank() - 2)];
  int64_t s = k.shape[static_cast<size_t>(k.rank() - 2)];
  if (k.shape.back() != e || v.shape[static_cast<size_t>(v.rank() - 2)] != s)
    n.decline("key and value do not match the query's embedding size or each other's length");
  double scale = n.num_inputs() > 6 && !n.is_none(6) ? n.f64(6) : 1.0 / std::sqrt(static_cast<double>(e));
  bool gqa = n.num_inputs() > 7 && n.flag(7);

  int32_t key = n.input(1), value = n.input(2);
  if (gqa) {
    int64_t hq = q.shape[static_cast<size_t>(q.rank() - 3)], hk = k.shape[static_cast<size_t>(k.rank() - 3)];
    int64_t hv = v.shape[static_cast<size_t>(v.rank() - 3)];
    if (hk <= 0 || hv <= 0 || hq % hk != 0 || hq % hv != 0)
      n.decline("enable_gqa with a query head count not a multiple of the key/value head count");
    if (hq != hk) key = repeat_heads(n, key, hq / hk);
    if (hq != hv) value = repeat_heads(n, value, hq / hv);
  }
  int32_t query = n.input(0);
  if (scale != 1) query = emit_binary(n, LC_OP_MUL, query, scalar_f32(n, static_cast<float>(scale)));
  int32_t scores = emit_batch_matmul(n, query, key, false, true);  // [..., L, S]

  int32_t attending = -1;  // BOOL [..., L, 1] when some row may have no key to attend to
  if (causal) {
    scores = select(n, causal_mask(n, l, s), scores, scalar_f32(n, kMinusInf));
  } else if (has_mask) {
    litecast::TensorInfo m = n.info(3);
    if (m.dtype != LC_BOOL && m.dtype != LC_FLOAT32) n.decline("boolean or float32 attn_mask only");
    int32_t mask = n.input(3);
    if (m.dtype == LC_BOOL)  // True = attend
      scores = select(n, mask, scores, scalar_f32(n, kMinusInf));
    else
      scores = emit_binary(n, LC_OP_ADD, scores, mask);
    if (!m.is_constant || has_fully_masked_row(n, 3, m)) attending = rows_attending(n, mask);
  }
  int32_t probs = n.add_tensor(LC_FLOAT32, n.tensor_info(scores).shape);
  n.op(LC_OP_SOFTMAX, {scores}, {probs}).set("beta", 1.0);
  if (attending >= 0) probs = select(n, attending, probs, scalar_f32(n, 0.0f));
  int32_t out = emit_batch_matmul(n, probs, value, false, false);
  if (n.tensor_info(out).shape != n.output_info(0).shape) n.fail("attention output of an unexpected shape");
  n.output(0, out);
}

}  // namespace

const Family family([](litecast::Registrar& r) {
  r.translator("aten::scaled_dot_product_attention", kPriority,
               "float32, rank 3 or 4; attn_mask bool (True = attend) or float (added), or is_causal; "
               "dropout_p = 0; scale; enable_gqa; a fully masked row gives zeros, as PyTorch 2.x",
               scaled_dot_product_attention);
});

}  // namespace aten
