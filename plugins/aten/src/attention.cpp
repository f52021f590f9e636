// The fused transformer ops torch traces nn.MultiheadAttention and nn.TransformerEncoderLayer
// into (eval, batch_first; torch 2.x only under no_grad): aten::_native_multi_head_attention and
// aten::_transformer_encoder_layer_fwd, decomposed into FULLY_CONNECTED projections,
// RESHAPE/TRANSPOSE to heads, BATCH_MATMUL, SOFTMAX and the layer-norm decomposition.
// Weights must be constants (a frozen model); masks: key padding, attention, or both merged.
#include "math_emit.hpp"

#include <cmath>
#include <limits>
#include <string>

namespace aten {

namespace {

// Where the attention parameters sit among a node's inputs.
struct AttentionInputs {
  int qkv_weight, qkv_bias, proj_weight, proj_bias;
  int64_t embed, heads;
  int mask, mask_type;
};

// Rows [first, first + rows) of constant input i ([R, C] or [R]) times `scale`.
int32_t const_rows(const litecast::Node& n, int i, int64_t first, int64_t rows, float scale) {
  litecast::TensorInfo t = n.info(i);
  if (!t.is_constant) n.decline("attention weights must be constants (freeze the model)");
  int64_t cols = t.rank() == 2 ? t.shape[1] : 1;
  if (t.rank() > 2 || t.shape[0] < first + rows) n.decline("attention weights of an unexpected shape");
  litecast::ConstSpan<float> all = n.floats_view(i);
  const float* from = all.data() + first * cols;
  const size_t count = static_cast<size_t>(rows * cols);
  std::vector<int64_t> shape = t.rank() == 2 ? std::vector<int64_t>{rows, cols} : std::vector<int64_t>{rows};
  if (scale == 1.0f) return n.const_f32(shape, from, count);  // the rows as they are: no copy
  std::vector<float> v(from, from + count);
  for (float& x : v) x *= scale;
  return n.const_f32(shape, v);
}

// x [B, T, E] -> [B, H, T, D]
int32_t split_heads(const litecast::Node& n, int32_t x, int64_t heads) {
  std::vector<int64_t> s = n.tensor_info(x).shape;
  return transpose(n, reshape(n, x, {s[0], s[1], heads, s[2] / heads}), {0, 2, 1, 3});
}

struct Attention {
  int32_t out;      // [B, L, E]
  int32_t weights;  // softmax probabilities [B, H, L, S]
};

// scores [B, H, L, S] with the mask applied: a boolean mask puts -inf where it is true (PyTorch's
// convention for these ops), a float mask is added. torch 1.13 passes the key padding mask as
// bool; torch 2.x turns it into a float mask of 0 and -inf first. mask_type says which mask it
// is: 0 an attention mask [L, S], 1 a key padding mask [B, S], 2 both merged [B, H, L, S]. A
// fully masked row gives NaN, as in PyTorch.
int32_t masked(const litecast::Node& n, int32_t scores, const AttentionInputs& a) {
  if (n.is_none(a.mask)) return scores;
  litecast::TensorInfo m = n.info(a.mask);
  std::vector<int64_t> s = n.tensor_info(scores).shape;
  int64_t type = n.is_none(a.mask_type) ? -1 : n.i64(a.mask_type);
  int32_t mask = n.input(a.mask);
  if (type == 1 && m.shape == std::vector<int64_t>{s[0], s[3]})
    mask = reshape(n, mask, {s[0], 1, 1, s[3]});
  else if (!(type == 0 && m.shape == std::vector<int64_t>{s[2], s[3]}) && !(type == 2 && m.shape == s))
    n.decline(
        "masks other than a key padding mask [batch, source length], an attention mask [target, source] or "
        "both merged [batch, heads, target, source]");
  if (m.dtype == LC_FLOAT32) return emit_binary(n, LC_OP_ADD, scores, mask);
  if (m.dtype != LC_BOOL) n.decline("boolean or float32 masks only");
  int32_t y = n.add_tensor(LC_FLOAT32, s);
  n.op(LC_OP_SELECT_V2, {mask, scalar_f32(n, -std::numeric_limits<float>::infinity()), scores}, {y});
  return y;
}

// softmax(q k^T / sqrt(D)) v with q, k, v projected from query/key/value, then the output
// projection. The 1/sqrt(D) scale is folded into the query weights, as PyTorch scales q.
Attention multi_head(const litecast::Node& n, int32_t query, int32_t key, int32_t value, const AttentionInputs& a) {
  int64_t e = a.embed, h = a.heads;
  if (h <= 0 || e % h != 0) n.decline("embed_dim not divisible by num_heads");
  for (int32_t t : {query, key, value}) {
    litecast::TensorInfo info = n.tensor_info(t);
    if (info.rank() != 3 || info.shape[2] != e || info.dtype != LC_FLOAT32)
      n.decline("float32 [batch, sequence, embed_dim] inputs only");
  }
  float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(e / h)));
  int32_t q =
      emit_fully_connected(n, query, const_rows(n, a.qkv_weight, 0, e, scale), const_rows(n, a.qkv_bias, 0, e, scale));
  int32_t k = emit_fully_connected(n, key, const_rows(n, a.qkv_weight, e, e, 1), const_rows(n, a.qkv_bias, e, e, 1));
  int32_t v =
      emit_fully_connected(n, value, const_rows(n, a.qkv_weight, 2 * e, e, 1), const_rows(n, a.qkv_bias, 2 * e, e, 1));
  int32_t scores = emit_batch_matmul(n, split_heads(n, q, h), split_heads(n, k, h), false, true);
  scores = masked(n, scores, a);
  int32_t probs = n.add_tensor(LC_FLOAT32, n.tensor_info(scores).shape);
  n.op(LC_OP_SOFTMAX, {scores}, {probs}).set("beta", 1.0);
  int32_t ctx = transpose(n, emit_batch_matmul(n, probs, split_heads(n, v, h), false, false), {0, 2, 1, 3});
  std::vector<int64_t> s = n.tensor_info(query).shape;
  ctx = reshape(n, ctx, {s[0], s[1], e});
  int32_t out =
      emit_fully_connected(n, ctx, const_rows(n, a.proj_weight, 0, e, 1), const_rows(n, a.proj_bias, 0, e, 1));
  return {out, probs};
}

// _native_multi_head_attention(query, key, value, embed_dim, num_head, qkv_weight, qkv_bias,
//   proj_weight, proj_bias, mask, need_weights, average_attn_weights, mask_type) -> (out, weights)
void native_multi_head_attention(litecast::Node& n) {
  AttentionInputs a{5, 6, 7, 8, n.i64(3), n.i64(4), 9, 12};
  Attention r = multi_head(n, n.input(0), n.input(1), n.input(2), a);
  n.output(0, r.out);
  // Without need_weights PyTorch returns an undefined tensor: there is nothing to bind, and
  // the host must treat that output as absent.
  if (!n.flag(10)) return;
  litecast::TensorInfo w = n.output_info(1);
  int32_t weights = n.flag(11) ? emit_reduce(n, LC_OP_MEAN, r.weights, {1}, false) : r.weights;
  if (n.tensor_info(weights).shape != w.shape) n.fail("attention weights of an unexpected shape");
  n.output(1, weights);
}

int32_t layer_norm_last(const litecast::Node& n, int32_t x, int weight, int bias, double eps) {
  return emit_normalize(n, x, {n.tensor_info(x).rank() - 1}, eps, operand(n, weight, LC_FLOAT32),
                        operand(n, bias, LC_FLOAT32));
}

// linear -> relu or exact gelu -> linear
int32_t feed_forward(const litecast::Node& n, int32_t x, bool gelu) {
  int32_t h = emit_fully_connected(n, x, operand(n, 14, LC_FLOAT32), operand(n, 15, LC_FLOAT32));
  if (gelu) {
    const char* legacy = n.option("legacy_gelu");
    int32_t g = n.add_tensor(LC_FLOAT32, n.tensor_info(h).shape);
    n.op(LC_OP_GELU, {h}, {g}).set("approximate", legacy != nullptr && std::string(legacy) != "0");
    h = g;
  } else {
    h = emit_unary(n, LC_OP_RELU, h);
  }
  return emit_fully_connected(n, h, operand(n, 16, LC_FLOAT32), operand(n, 17, LC_FLOAT32));
}

// _transformer_encoder_layer_fwd(src, embed_dim, num_heads, qkv_weight, qkv_bias, proj_weight,
//   proj_bias, use_gelu, norm_first, eps, norm_weight_1, norm_bias_1, norm_weight_2, norm_bias_2,
//   ffn_weight_1, ffn_bias_1, ffn_weight_2, ffn_bias_2, mask, mask_type)
// norm_first: x += attn(ln1(x)); x += ffn(ln2(x)).  Otherwise: x = ln1(x + attn(x)); x = ln2(x + ffn(x)).
void transformer_encoder_layer(litecast::Node& n) {
  for (int i = 14; i <= 17; ++i)
    if (!n.info(i).is_constant) n.decline("feed-forward weights must be constants (freeze the model)");
  AttentionInputs a{3, 4, 5, 6, n.i64(1), n.i64(2), 18, 19};
  bool gelu = n.flag(7), norm_first = n.flag(8);
  double eps = n.f64(9);
  int32_t src = n.input(0);
  int32_t x = norm_first ? layer_norm_last(n, src, 10, 11, eps) : src;
  x = emit_binary(n, LC_OP_ADD, multi_head(n, x, x, x, a).out, src);
  if (!norm_first) x = layer_norm_last(n, x, 10, 11, eps);
  int32_t ffn = feed_forward(n, norm_first ? layer_norm_last(n, x, 12, 13, eps) : x, gelu);
  x = emit_binary(n, LC_OP_ADD, x, ffn);
  if (!norm_first) x = layer_norm_last(n, x, 12, 13, eps);
  n.output(0, x);
}

}  // namespace

const Family family([](litecast::Registrar& r) {
  r.translator(
      "aten::_native_multi_head_attention", kPriority,
      "float32 [B, T, E]; constant weights; bool or float key padding / attention mask; need_weights (averaged or "
      "per head)",
      native_multi_head_attention);
  r.translator("aten::_transformer_encoder_layer_fwd", kPriority,
               "float32 [B, T, E]; constant weights; bool or float key padding / attention mask; relu or exact gelu; "
               "norm_first either way",
               transformer_encoder_layer);
});

}  // namespace aten
