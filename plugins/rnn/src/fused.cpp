// The fused forms: aten::lstm as UNIDIRECTIONAL_SEQUENCE_LSTM per layer and direction (or
// BIDIRECTIONAL_SEQUENCE_LSTM per bidirectional layer), aten::rnn_tanh/rnn_relu as
// UNIDIRECTIONAL_SEQUENCE_RNN. Their states are TFLite variable tensors: they start at zero,
// carry over from one invocation to the next (streaming) and reset_all_variables clears them.
// That is PyTorch's behaviour only when the model starts from zero states, so these translators
// decline otherwise, when the model reads an LSTM's final cell state (which never leaves the
// op; the final hidden states are sliced from the outputs), and under --unroll-rnn; the
// unrolled translator then takes the node with its states as ordinary tensors.
#include <string>
#include <vector>

#include "rnn.hpp"

namespace rnn {

namespace {

// h_n is the last step of each layer's output (the first for the backward direction), so the
// fused form can give it; c_n never leaves the op.
void check_fusable(const litecast::Node& n, const Rnn& r) {
  if (option_on(n, "unroll_rnn")) n.decline("--unroll-rnn asks for the unrolled form");
  if (!r.zero_h0 || !r.zero_c0)
    n.decline("initial states given: the fused op keeps its state in variable tensors (unrolled instead)");
  if (n.num_outputs() > 2 && n.output_uses(2) > 0)
    n.decline("final cell state c_n read by the model: the fused op does not output it (unrolled instead)");
}

// Direction `dir`'s final hidden state [B, P] from a layer's output ([B, T, D*P] or [T, B, D*P]).
int32_t final_state(const litecast::Node& n, const Rnn& r, int32_t layer_out, int64_t dir) {
  const int64_t t = dir == 0 ? r.steps - 1 : 0, off = dir * r.out;
  std::vector<int32_t> begin = r.batch_first
                                   ? std::vector<int32_t>{0, static_cast<int32_t>(t), static_cast<int32_t>(off)}
                                   : std::vector<int32_t>{static_cast<int32_t>(t), 0, static_cast<int32_t>(off)};
  std::vector<int64_t> size =
      r.batch_first ? std::vector<int64_t>{r.batch, 1, r.out} : std::vector<int64_t>{1, r.batch, r.out};
  int32_t step = n.add_tensor(LC_FLOAT32, size);
  n.op(LC_OP_SLICE, {layer_out, n.const_i32(begin), n.const_i32(std::vector<int32_t>(size.begin(), size.end()))},
       {step});
  int32_t h = n.add_tensor(LC_FLOAT32, {r.batch, r.out});
  n.op(LC_OP_RESHAPE, {step, n.const_i32({static_cast<int32_t>(r.batch), static_cast<int32_t>(r.out)})}, {h});
  return h;
}

// Binds h_n (PACKed final states, when the model reads it) and leaves c_n (unused) zeros.
void bind_states(const litecast::Node& n, const Rnn& r, const std::vector<int32_t>& layer_outs) {
  if (n.output_uses(1) > 0) {
    std::vector<int32_t> hs;
    for (int32_t y : layer_outs)
      for (int64_t d = 0; d < r.dirs; ++d) hs.push_back(final_state(n, r, y, d));
    n.output(1, emit_pack(n, hs, 0));
  } else {
    n.output(1, zeros_like_output(n, 1));
  }
  for (int i = 2; i < n.num_outputs(); ++i) n.output(i, zeros_like_output(n, i));
}

// PyTorch's dynamic quantization quantizes each input tensor asymmetrically (its own min and
// max), so the hybrid kernel of a quantized model does as well (per row).
void hybrid_inputs(const Rnn& r, litecast::Op& op) {
  if (r.quantized) op.set("asymmetric_quantize_inputs", true);
}

// A state tensor [batch, units] that persists across invocations, named for `lstm-states`.
int32_t state(const litecast::Node& n, int64_t batch, int64_t units, const std::string& name) {
  int32_t t = n.add_tensor(LC_FLOAT32, {batch, units}, nullptr, 0, nullptr, name.c_str());
  n.make_variable(t);
  return t;
}

// The 16 weight/bias inputs (TFLite's inputs 1-8 and 12-17 plus the unused peepholes 9-11)
// of one LSTM direction, in TFLite's order: input weights i f c o, recurrent weights i f c o,
// peepholes (none), biases i f c o, projection weights and bias.
std::vector<int32_t> lstm_weights(const litecast::Node& n, const Rnn& r, const Cell& c) {
  const int64_t H = r.hidden, P = r.out;
  std::vector<int32_t> w;
  for (int64_t g = 0; g < 4; ++g) w.push_back(weight_rows(n, r, c, 0, g * H, H));
  for (int64_t g = 0; g < 4; ++g) w.push_back(weight_rows(n, r, c, 1, g * H, H));
  for (int k = 0; k < 3; ++k) w.push_back(-1);
  for (int64_t g = 0; g < 4; ++g) {
    std::vector<float> b(static_cast<size_t>(H), 0.0f);
    if (r.has_bias)
      for (int64_t k = 0; k < H; ++k)
        b[static_cast<size_t>(k)] = c.b_ih[static_cast<size_t>(g * H + k)] + c.b_hh[static_cast<size_t>(g * H + k)];
    w.push_back(n.const_f32({H}, b));
  }
  w.push_back(c.w_hr.empty() ? -1 : n.const_f32({P, H}, c.w_hr));
  w.push_back(-1);
  return w;
}

// One direction over the whole sequence x ([B, T, I] or [T, B, I]).
int32_t unidirectional_lstm(const litecast::Node& n, const Rnn& r, const Cell& c, int32_t x) {
  std::vector<int32_t> in{x};
  for (int32_t w : lstm_weights(n, r, c)) in.push_back(w);
  in.push_back(state(n, r.batch, r.out, state_name(r, c, "h")));     // 18 output state
  in.push_back(state(n, r.batch, r.hidden, state_name(r, c, "c")));  // 19 cell state
  for (int k = 0; k < 4; ++k) in.push_back(-1);                      // 20-23 layer norm coefficients
  std::vector<int64_t> s = n.tensor_info(x).shape;
  s[2] = r.out;
  int32_t y = n.add_tensor(LC_FLOAT32, s);
  litecast::Op op = n.op(LC_OP_UNIDIRECTIONAL_SEQUENCE_LSTM, in, {y})
                        .set("fused_activation_function", "TANH")
                        .set("cell_clip", 0.0)
                        .set("proj_clip", 0.0)
                        .set("time_major", !r.batch_first);
  hybrid_inputs(r, op);
  return y;
}

int32_t swap_time_batch(const litecast::Node& n, int32_t x) {
  std::vector<int64_t> s = n.tensor_info(x).shape;
  int32_t y = n.add_tensor(LC_FLOAT32, {s[1], s[0], s[2]});
  n.op(LC_OP_TRANSPOSE, {x, n.const_i32({1, 0, 2})}, {y});
  return y;
}

// Both directions in one op, outputs merged along features ([.., 2P]), as PyTorch lays them out.
// Always time-major: LiteRT's batch-major BIDIRECTIONAL_SEQUENCE_LSTM gave wrong results here
// (measured: 0.07 off on a 2-layer batch_first model), so batch_first input is transposed
// around it (between layers the host's transpose pass cancels the pairs).
int32_t bidirectional_lstm(const litecast::Node& n, const Rnn& r, const Cell& fw, const Cell& bw, int32_t x) {
  if (r.batch_first) {
    Rnn tm = r;
    tm.batch_first = false;
    return swap_time_batch(n, bidirectional_lstm(n, tm, fw, bw, swap_time_batch(n, x)));
  }
  std::vector<int32_t> in{x};
  for (int32_t w : lstm_weights(n, r, fw)) in.push_back(w);           // 1-17
  for (int32_t w : lstm_weights(n, r, bw)) in.push_back(w);           // 18-34
  in.push_back(state(n, r.batch, r.out, state_name(r, fw, "h")));     // 35 fw output state
  in.push_back(state(n, r.batch, r.hidden, state_name(r, fw, "c")));  // 36 fw cell state
  in.push_back(state(n, r.batch, r.out, state_name(r, bw, "h")));     // 37 bw output state
  in.push_back(state(n, r.batch, r.hidden, state_name(r, bw, "c")));  // 38 bw cell state
  for (int k = 39; k < 48; ++k) in.push_back(-1);                     // auxiliary input and its weights
  std::vector<int64_t> s = n.tensor_info(x).shape;
  s[2] = 2 * r.out;
  int32_t y = n.add_tensor(LC_FLOAT32, s);
  litecast::Op op = n.op(LC_OP_BIDIRECTIONAL_SEQUENCE_LSTM, in, {y})
                        .set("fused_activation_function", "TANH")
                        .set("cell_clip", 0.0)
                        .set("proj_clip", 0.0)
                        .set("merge_outputs", true)
                        .set("time_major", !r.batch_first);
  hybrid_inputs(r, op);
  return y;
}

int32_t unidirectional_rnn(const litecast::Node& n, const Rnn& r, const Cell& c, int32_t x) {
  const int64_t H = r.hidden;
  std::vector<float> b(static_cast<size_t>(H), 0.0f);
  if (r.has_bias)
    for (size_t k = 0; k < b.size(); ++k) b[k] = c.b_ih[k] + c.b_hh[k];
  int32_t w = n.const_f32({H, c.input}, c.w_ih), u = n.const_f32({H, H}, c.w_hh), bias = n.const_f32({H}, b);
  std::vector<int64_t> s = n.tensor_info(x).shape;
  s[2] = H;
  int32_t y = n.add_tensor(LC_FLOAT32, s);
  n.op(LC_OP_UNIDIRECTIONAL_SEQUENCE_RNN, {x, w, u, bias, state(n, r.batch, H, state_name(r, c, "h"))}, {y})
      .set("time_major", !r.batch_first)
      .set("fused_activation_function", r.kind == "rnn_relu" ? "RELU" : "TANH");
  return y;
}

// The backward direction as a forward op between two REVERSE_V2 over time.
template <class Direction>
int32_t reversed(const litecast::Node& n, const Rnn& r, const Cell& c, int32_t x, Direction direction) {
  const int time_axis = r.batch_first ? 1 : 0;
  return emit_reverse(n, direction(n, r, c, emit_reverse(n, x, time_axis)), time_axis);
}

template <class Direction>
int32_t layer_pair(const litecast::Node& n, const Rnn& r, int64_t layer, int32_t x, Direction direction) {
  int32_t fw = direction(n, r, r.cell(layer, 0), x);
  if (r.dirs == 1) return fw;
  return emit_concat(n, {fw, reversed(n, r, r.cell(layer, 1), x, direction)}, 2);
}

}  // namespace

void translate_lstm_fused(litecast::Node& n) {
  Rnn r = read_rnn(n);
  check_fusable(n, r);
  const bool split_bidi = option_on(n, "map_bilstm_to_lstm");
  int32_t x = n.input(0);
  std::vector<int32_t> outs;
  for (int64_t l = 0; l < r.layers; ++l) {
    if (r.dirs == 2 && !split_bidi)
      x = bidirectional_lstm(n, r, r.cell(l, 0), r.cell(l, 1), x);
    else
      x = layer_pair(n, r, l, x, unidirectional_lstm);
    outs.push_back(x);
  }
  n.output(0, x);
  bind_states(n, r, outs);
}

void translate_rnn_fused(litecast::Node& n) {
  Rnn r = read_rnn(n);
  check_fusable(n, r);
  int32_t x = n.input(0);
  std::vector<int32_t> outs;
  for (int64_t l = 0; l < r.layers; ++l) outs.push_back(x = layer_pair(n, r, l, x, unidirectional_rnn));
  n.output(0, x);
  bind_states(n, r, outs);
}

}  // namespace rnn
