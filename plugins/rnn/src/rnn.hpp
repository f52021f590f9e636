// What the rnn plugin's translators share: reading aten::lstm/gru/rnn_tanh/rnn_relu (the
// `.input` overload) into plain weights per layer and direction, and small emit helpers.
//
// The TorchScript ops all take (input, hx, params, has_biases, num_layers, dropout, train,
// bidirectional, batch_first); hx is [h0, c0] for lstm and one tensor otherwise. params holds,
// per layer and per direction (forward first): w_ih [G*H, I], w_hh [G*H, P], then b_ih and
// b_hh [G*H] when has_biases, then w_hr [P, H] for an LSTM with proj_size (P = proj_size,
// else P = H). Gate order: LSTM i, f, g, o; GRU r, z, n.
#ifndef LITECAST_RNN_RNN_HPP
#define LITECAST_RNN_RNN_HPP

#include <litecast/plugin.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace rnn {

constexpr int32_t kFusedPriority = 100;
constexpr int32_t kUnrolledPriority = 90;

// One layer in one direction.
struct Cell {
  std::vector<float> w_ih, w_hh, b_ih, b_hh, w_hr;  // PyTorch's layouts; biases empty without bias
  int64_t input = 0;                                // features in (I for layer 0)
  int64_t layer = 0, dir = 0;                       // where it sits (dir 1: backward)
  // aten::quantized_lstm/gru (quantize_dynamic): PyTorch's int8 weights, one scale each (zero
  // point 0), which the TFLite ops keep; w_ih/w_hh then hold their dequantized values. Empty
  // when PyTorch's weights are per-channel or asymmetric: weight_rows requantizes those.
  std::vector<int8_t> q_ih, q_hh;
  float scale_ih = 0.0f, scale_hh = 0.0f;
};

struct Rnn {
  std::string kind;                                                         // "lstm", "gru", "rnn_tanh", "rnn_relu"
  int gates = 1;                                                            // 4, 3, 1
  int64_t layers = 1, dirs = 1, batch = 1, steps = 1, hidden = 1, out = 1;  // out: proj_size or hidden
  bool batch_first = false, has_bias = true;
  bool quantized = false;   // aten::quantized_*: int8 weights in hybrid TFLite kernels
  std::string module;       // PyTorch module path ("encoder.lstm"), else the op's kind
  std::vector<Cell> cells;  // [layer * dirs + dir]
  // Initial states: true when hx (h0; for lstm also c0) is a constant of zeros, which is what
  // torch traces when forward() is called without states.
  bool zero_h0 = true, zero_c0 = true;
  const Cell& cell(int64_t layer, int64_t dir) const { return cells[static_cast<size_t>(layer * dirs + dir)]; }
};

// Rows [first, first + rows) of a cell's input (which = 0) or recurrent (which = 1) weights as
// a constant: float32, or for a quantized cell int8 with one scale (PyTorch's own, or
// max|w| / 127 of those rows when PyTorch's weights need requantizing).
int32_t weight_rows(const litecast::Node& n, const Rnn& r, const Cell& c, int which, int64_t first, int64_t rows);

// The name of a state tensor of cell `c`: "<module>/layer<l>/<fw|bw>/<what>" (what: h, c).
std::string state_name(const Rnn& r, const Cell& c, const char* what);

// Reads the node; declines packed sequences, unbatched input, training mode, non-float.
Rnn read_rnn(const litecast::Node& n);

// Whether a converter switch (e.g. "unroll_rnn") is on.
bool option_on(const litecast::Node& n, const char* name);

// Rows [first, first + rows) of a row-major [R, cols] matrix (or vector, cols = 1).
std::vector<float> rows_of(const std::vector<float>& m, int64_t cols, int64_t first, int64_t rows);

// Small emitters; shapes are given because every tensor is static.
int32_t emit_fc(const litecast::Node& n, int32_t x, int32_t w, int32_t b, int64_t batch, int64_t units);
int32_t emit_binary(const litecast::Node& n, int32_t code, int32_t a, int32_t b, const std::vector<int64_t>& shape);
int32_t emit_unary(const litecast::Node& n, int32_t code, int32_t a, const std::vector<int64_t>& shape);
std::vector<int32_t> emit_split(const litecast::Node& n, int32_t x, int64_t parts, int64_t batch, int64_t units);
std::vector<int32_t> emit_unpack(const litecast::Node& n, int32_t x, int axis);
int32_t emit_pack(const litecast::Node& n, const std::vector<int32_t>& xs, int axis);
int32_t emit_concat(const litecast::Node& n, const std::vector<int32_t>& xs, int axis);
int32_t emit_reverse(const litecast::Node& n, int32_t x, int axis);
// A constant of zeros shaped like node output i (for a state output the model never reads).
int32_t zeros_like_output(const litecast::Node& n, int i);

// Translators.
void translate_lstm_fused(litecast::Node& n);
void translate_rnn_fused(litecast::Node& n);
void translate_unrolled(litecast::Node& n);

}  // namespace rnn

#endif  // LITECAST_RNN_RNN_HPP
