// The unrolled form of aten::lstm, aten::gru, aten::rnn_tanh and aten::rnn_relu: the sequence
// is UNPACKed into time steps and every step of every layer and direction becomes elementary
// ops (FULLY_CONNECTED, ADD, MUL, LOGISTIC, TANH), so the result matches PyTorch for any
// initial state, and states are ordinary tensors: initial states the model takes are read from
// its inputs, final states it returns are PACKed from the last steps. This is the form under
// --unroll-rnn and whenever the fused ops cannot express the model (GRU, state inputs or
// outputs). --separated-rnn-gate-calc gives each gate its own FULLY_CONNECTED instead of one
// over all gates followed by a SPLIT.
//
//   LSTM  i, f, g, o = σ, σ, tanh, σ (W_ih x + b_ih + W_hh h + b_hh);  c' = f c + i g;
//         h' = o tanh(c'), then h' = W_hr h' with proj_size
//   GRU   r, z = σ(W_ir x + b_ir + W_hr h + b_hr), σ(...);  n = tanh(W_in x + b_in + r (W_hn h + b_hn));
//         h' = n + z (h - n)
//   RNN   h' = tanh or relu (W_ih x + b_ih + W_hh h + b_hh)
// A zero initial state (the traced default) drops the recurrent terms of the first step.
#include <string>
#include <vector>

#include "rnn.hpp"

namespace rnn {

namespace {

struct Emitter {
  const litecast::Node& n;
  const Rnn& r;
  bool separated;

  std::vector<int64_t> bh() const { return {r.batch, r.hidden}; }

  // The G gate pre-activations [B, H] of W x + b (b may be empty); x is [B, K].
  // Separated: one FULLY_CONNECTED per gate; else one over all gates and a SPLIT.
  struct Weights {
    std::vector<int32_t> per_gate_w, per_gate_b;  // separated
    int32_t all_w = -1, all_b = -1;               // combined
  };
  // `which` 0: the cell's input weights, 1: its recurrent ones (int8 for a quantized cell: the
  // FULLY_CONNECTED ops are then hybrid).
  Weights weights(const Cell& c, int which, const std::vector<float>& b) const {
    Weights out;
    const int64_t G = r.gates, H = r.hidden;
    if (separated) {
      for (int64_t g = 0; g < G; ++g) {
        out.per_gate_w.push_back(weight_rows(n, r, c, which, g * H, H));
        out.per_gate_b.push_back(b.empty() ? -1 : n.const_f32({H}, rows_of(b, 1, g * H, H)));
      }
    } else {
      out.all_w = weight_rows(n, r, c, which, 0, G * H);
      out.all_b = b.empty() ? -1 : n.const_f32({G * H}, b);
    }
    return out;
  }
  std::vector<int32_t> gates(const Weights& w, int32_t x) const {
    if (separated) {
      std::vector<int32_t> out;
      for (size_t g = 0; g < w.per_gate_w.size(); ++g)
        out.push_back(emit_fc(n, x, w.per_gate_w[g], w.per_gate_b[g], r.batch, r.hidden));
      return out;
    }
    int32_t all = emit_fc(n, x, w.all_w, w.all_b, r.batch, r.gates * r.hidden);
    return r.gates == 1 ? std::vector<int32_t>{all} : emit_split(n, all, r.gates, r.batch, r.hidden);
  }
  int32_t add(int32_t a, int32_t b) const { return emit_binary(n, LC_OP_ADD, a, b, bh()); }
  int32_t mul(int32_t a, int32_t b) const { return emit_binary(n, LC_OP_MUL, a, b, bh()); }
  int32_t sub(int32_t a, int32_t b) const { return emit_binary(n, LC_OP_SUB, a, b, bh()); }
  int32_t sigmoid(int32_t a) const { return emit_unary(n, LC_OP_LOGISTIC, a, bh()); }
  int32_t tanh(int32_t a) const { return emit_unary(n, LC_OP_TANH, a, bh()); }

  // One layer in one direction over the step inputs xs; h and c (-1: zero) are updated to the
  // final states; returns the per-step outputs in time order.
  std::vector<int32_t> run(const Cell& c, const std::vector<int32_t>& xs, bool reverse, int32_t& h, int32_t& cs) const {
    const int64_t G = r.gates, H = r.hidden;
    // LSTM and RNN: both biases go with the input term. GRU keeps b_hh with the recurrent
    // term, as r multiplies W_hn h + b_hn.
    std::vector<float> b_in = c.b_ih, b_rec;
    if (r.has_bias) {
      if (r.kind == "gru")
        b_rec = c.b_hh;
      else
        for (size_t k = 0; k < b_in.size(); ++k) b_in[k] += c.b_hh[k];
    }
    Weights wi = weights(c, 0, b_in), wh = weights(c, 1, b_rec);
    // GRU with a zero state: the recurrent terms are just b_hh.
    std::vector<int32_t> rec_bias;
    if (r.kind == "gru" && !b_rec.empty())
      for (int64_t g = 0; g < G; ++g) rec_bias.push_back(n.const_f32({H}, rows_of(b_rec, 1, g * H, H)));
    int32_t w_hr = c.w_hr.empty() ? -1 : n.const_f32({r.out, H}, c.w_hr);

    std::vector<int32_t> ys(xs.size(), -1);
    const int64_t T = static_cast<int64_t>(xs.size());
    for (int64_t s = 0; s < T; ++s) {
      const size_t t = static_cast<size_t>(reverse ? T - 1 - s : s);
      // An LSTM with both terms and combined gates adds before the split: one ADD, not four.
      const bool add_then_split = r.kind == "lstm" && !separated && h >= 0;
      std::vector<int32_t> gi, gh;
      if (!add_then_split) gi = gates(wi, xs[t]);
      if (h >= 0 && !add_then_split)
        gh = gates(wh, h);
      else if (h < 0 && !rec_bias.empty())
        gh = rec_bias;
      if (r.kind == "lstm") {
        std::vector<int32_t> z = gi;
        if (add_then_split) {
          int32_t all_i = emit_fc(n, xs[t], wi.all_w, wi.all_b, r.batch, G * H);
          int32_t all_h = emit_fc(n, h, wh.all_w, -1, r.batch, G * H);
          z = emit_split(n, emit_binary(n, LC_OP_ADD, all_i, all_h, {r.batch, G * H}), G, r.batch, H);
        } else if (h >= 0) {
          for (size_t g = 0; g < 4; ++g) z[g] = add(z[g], gh[g]);
        }
        int32_t ig = sigmoid(z[0]), fg = sigmoid(z[1]), gg = tanh(z[2]), og = sigmoid(z[3]);
        int32_t cn = mul(ig, gg);
        if (cs >= 0) cn = add(mul(fg, cs), cn);
        int32_t hn = mul(og, tanh(cn));
        if (w_hr >= 0) hn = emit_fc(n, hn, w_hr, -1, r.batch, r.out);
        cs = cn;
        h = hn;
      } else if (r.kind == "gru") {
        int32_t rg = sigmoid(gh.empty() ? gi[0] : add(gi[0], gh[0]));
        int32_t zg = sigmoid(gh.empty() ? gi[1] : add(gi[1], gh[1]));
        int32_t ng = tanh(gh.empty() ? gi[2] : add(gi[2], mul(rg, gh[2])));
        // h' = n + z (h - n); with a zero h, n - z n.
        h = h >= 0 ? add(ng, mul(zg, sub(h, ng))) : sub(ng, mul(zg, ng));
      } else {
        int32_t pre = gh.empty() ? gi[0] : add(gi[0], gh[0]);
        h = emit_unary(n, r.kind == "rnn_relu" ? LC_OP_RELU : LC_OP_TANH, pre, bh());
      }
      ys[t] = h;
    }
    return ys;
  }
};

// Initial states from hx (item -1: the tensor; else a list item): one [B, units] tensor per
// layer and direction, or all -1 when they are zeros.
std::vector<int32_t> initial(const litecast::Node& n, const Rnn& r, int item, bool zero) {
  std::vector<int32_t> out(static_cast<size_t>(r.layers * r.dirs), -1);
  if (!zero) out = emit_unpack(n, n.input(1, item), 0);
  return out;
}

}  // namespace

void translate_unrolled(litecast::Node& n) {
  Rnn r = read_rnn(n);
  if (!option_on(n, "unroll_rnn") && r.kind != "gru")
    n.warn(std::string(r.kind == "lstm" ? "LSTM" : "RNN") +
           " with initial states given or final states read: unrolled over time (the fused op keeps its states in "
           "variable tensors)");
  Emitter e{n, r, option_on(n, "separated_rnn_gate_calc")};
  const int time_axis = r.batch_first ? 1 : 0;
  std::vector<int32_t> xs = emit_unpack(n, n.input(0), time_axis);
  std::vector<int32_t> hs = initial(n, r, r.kind == "lstm" ? 0 : -1, r.zero_h0);
  std::vector<int32_t> cs = r.kind == "lstm" ? initial(n, r, 1, r.zero_c0) : std::vector<int32_t>(hs.size(), -1);
  for (int64_t l = 0; l < r.layers; ++l) {
    std::vector<std::vector<int32_t>> dir_out;
    for (int64_t d = 0; d < r.dirs; ++d) {
      const size_t k = static_cast<size_t>(l * r.dirs + d);
      dir_out.push_back(e.run(r.cell(l, d), xs, d == 1, hs[k], cs[k]));
    }
    if (r.dirs == 2)
      for (size_t t = 0; t < xs.size(); ++t) xs[t] = emit_concat(n, {dir_out[0][t], dir_out[1][t]}, 1);
    else
      xs = dir_out[0];
  }
  n.output(0, emit_pack(n, xs, time_axis));
  n.output(1, n.output_uses(1) > 0 ? emit_pack(n, hs, 0) : zeros_like_output(n, 1));
  if (r.kind == "lstm") n.output(2, n.output_uses(2) > 0 ? emit_pack(n, cs, 0) : zeros_like_output(n, 2));
}

}  // namespace rnn
