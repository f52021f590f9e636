// dynamic_range_quantize: TinyNeuralNetwork's hybrid_quantization_from_float. TFLite's hybrid kernels
// take int8 weights with float32 activations: they quantize each input row on the fly
// (asymmetrically when the operator asks for it), multiply in int8 and rescale to float32.
// Weights: symmetric, values in [-127, 127], zero point 0, scale max|w| / 127 over the tensor
// or, for the convolutions, over each output channel (axis 0 of CONV_2D [O,H,W,I], axis 3 of
// DEPTHWISE_CONV_2D [1,H,W,C*M]); the recurrent ops' (UNIDIRECTIONAL/BIDIRECTIONAL_SEQUENCE_LSTM,
// UNIDIRECTIONAL_SEQUENCE_RNN) weights per tensor. The
// operator versions follow from the new signature (tflite/op_version.cpp: hybrid, hybrid
// per-channel, asymmetric inputs). DEPTHWISE_CONV_2D
// always carries one scale per channel (equal ones when per-tensor was asked for): LiteRT's
// hybrid depthwise kernel indexes the scales by channel.
#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>
#include <litecast/error.hpp>

#include "passes/weight_passes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

namespace litecast::passes {

namespace {

const int32_t kHybridOps[] = {LC_OP_FULLY_CONNECTED, LC_OP_CONV_2D, LC_OP_DEPTHWISE_CONV_2D};

bool is_hybrid_op(int32_t code) {
  return std::find(std::begin(kHybridOps), std::end(kHybridOps), code) != std::end(kHybridOps);
}

int32_t channel_axis(int32_t code) {
  return code == LC_OP_DEPTHWISE_CONV_2D ? 3 : 0;
}

// The recurrent ops' weight inputs, which their hybrid kernels take int8 per tensor (biases
// and the variable states stay float32): UNIDIRECTIONAL_SEQUENCE_LSTM's input-to-gate 1-4,
// recurrent 5-8, peepholes 9-11 and projection 16; BIDIRECTIONAL_SEQUENCE_LSTM's the same
// for each direction (backward at +17; no auxiliary input is emitted); UNIDIRECTIONAL_SEQUENCE_RNN's
// input and recurrent weights 1-2.
const std::vector<size_t>& recurrent_weight_inputs(int32_t code) {
  static const std::vector<size_t> uni_lstm = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 16};
  static const std::vector<size_t> bi_lstm = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 16,
                                              18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 33};
  static const std::vector<size_t> rnn = {1, 2};
  static const std::vector<size_t> none;
  switch (code) {
    case LC_OP_UNIDIRECTIONAL_SEQUENCE_LSTM:
      return uni_lstm;
    case LC_OP_BIDIRECTIONAL_SEQUENCE_LSTM:
      return bi_lstm;
    case LC_OP_UNIDIRECTIONAL_SEQUENCE_RNN:
      return rnn;
    default:
      return none;
  }
}

bool is_recurrent_op(int32_t code) {
  return !recurrent_weight_inputs(code).empty();
}

// The largest |w| of each run of `inner` floats, runs cycling through `channels` channels.
// Compiled for AVX2 too (picked at run time), where these loops vectorise.
__attribute__((target_clones("avx2", "default"))) void channel_max_abs(const float* w, size_t outer, size_t channels,
                                                                       size_t inner, float* max_abs) {
  for (size_t o = 0; o < outer; ++o)
    for (size_t c = 0; c < channels; ++c) {
      const float* run = w + (o * channels + c) * inner;
      float m = max_abs[c];
      for (size_t i = 0; i < inner; ++i) m = std::max(m, std::fabs(run[i]));
      max_abs[c] = m;
    }
}

__attribute__((target_clones("avx2", "default"))) void quantize_runs(const float* w, size_t outer, size_t channels,
                                                                     size_t inner, const float* scales, int8_t* q) {
  for (size_t o = 0; o < outer; ++o)
    for (size_t c = 0; c < channels; ++c) {
      const size_t at = (o * channels + c) * inner;
      const float s = scales[c];
      for (size_t i = 0; i < inner; ++i)
        q[at + i] = static_cast<int8_t>(std::clamp(std::nearbyint(w[at + i] / s), -127.0f, 127.0f));
    }
}

// Symmetric int8 weights of the float32 constant `bytes` (shape `shape`) with one scale per slice
// along `axis`, or one for the whole tensor when `axis` is -1.
std::vector<uint8_t> quantize_symmetric(const Bytes& bytes, const std::vector<int32_t>& shape, int32_t axis,
                                        std::vector<float>& scales) {
  const size_t count = bytes.size() / sizeof(float);
  size_t channels = 1, inner = 1;
  if (axis >= 0) {
    channels = static_cast<size_t>(shape[static_cast<size_t>(axis)]);
    for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) inner *= static_cast<size_t>(shape[d]);
  } else {
    inner = count;
  }
  const size_t run = channels * inner, outer = run == 0 ? 0 : count / run;
  // A float32 buffer is float-aligned (a vector, or LibTorch storage): its floats are read in place.
  const auto* w = reinterpret_cast<const float*>(bytes.data());
  std::vector<float> max_abs(channels, 0.0f);
  channel_max_abs(w, outer, channels, inner, max_abs.data());
  scales.resize(channels);
  // An all-zero channel still needs a positive scale; its values quantize to 0 whatever it is.
  for (size_t c = 0; c < channels; ++c) scales[c] = max_abs[c] > 0 ? max_abs[c] / 127.0f : 1.0f;
  std::vector<uint8_t> q(count);
  quantize_runs(w, outer, channels, inner, scales.data(), reinterpret_cast<int8_t*>(q.data()));
  return q;
}

// The exclusion list resolved against the model: op types and tensor names. An entry that
// names neither a hybrid operator type nor a tensor some candidate operator writes or weighs
// is an error (a typo would otherwise silently quantize what the user meant to keep float).
struct Exclusions {
  std::set<int32_t> op_types;
  std::set<std::string> tensors;
  bool excludes(ModelGraph& g, const Operator& op) const {
    if (op_types.count(op.builtin_code)) return true;
    for (int32_t t : op.outputs)
      if (tensors.count(g.tensor(t).name)) return true;
    return op.inputs.size() > 1 && op.inputs[1] >= 0 && tensors.count(g.tensor(op.inputs[1]).name);
  }
};

Exclusions resolve(ModelGraph& g, const std::vector<std::string>& entries) {
  std::set<std::string> candidate_tensors;
  for (const Operator& op : g.model().operators) {
    if (!is_hybrid_op(op.builtin_code)) continue;
    for (int32_t t : op.outputs) candidate_tensors.insert(g.tensor(t).name);
    if (op.inputs.size() > 1 && op.inputs[1] >= 0) candidate_tensors.insert(g.tensor(op.inputs[1]).name);
  }
  Exclusions ex;
  for (const std::string& e : entries) {
    int32_t code = builtin_code(e);
    if (code >= 0 && (is_hybrid_op(code) || is_recurrent_op(code))) {
      ex.op_types.insert(code);
    } else if (candidate_tensors.count(e)) {
      ex.tensors.insert(e);
    } else if (code >= 0) {
      throw Error(
          fmt::format("--dynamic-exclude {}: dynamic-range quantization never changes {} (it quantizes "
                      "FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D, UNIDIRECTIONAL_SEQUENCE_LSTM, "
                      "BIDIRECTIONAL_SEQUENCE_LSTM and UNIDIRECTIONAL_SEQUENCE_RNN)",
                      e, e));
    } else {
      throw Error(
          fmt::format("--dynamic-exclude {}: no operator type FULLY_CONNECTED, CONV_2D or DEPTHWISE_CONV_2D "
                      "and no output or weight tensor of such an operator has that name",
                      e));
    }
  }
  return ex;
}

// A float activation in, a constant float weight, a float out; not a grouped convolution.
bool hybrid_candidate(ModelGraph& g, const Operator& op) {
  if (op.inputs.size() < 2 || op.outputs.empty() || op.inputs[0] < 0 || op.inputs[1] < 0) return false;
  const Tensor& x = g.tensor(op.inputs[0]);
  const Tensor& w = g.tensor(op.inputs[1]);
  if (g.is_constant(op.inputs[0]) || x.type != LC_FLOAT32 || !x.quant.empty()) return false;
  if (!g.is_constant(op.inputs[1]) || w.type != LC_FLOAT32 || !w.quant.empty()) return false;
  if (g.tensor(op.outputs[0]).type != LC_FLOAT32) return false;
  if (op.builtin_code == LC_OP_FULLY_CONNECTED) return w.shape.size() == 2;
  if (w.shape.size() != 4 || x.shape.size() != 4) return false;
  // CONV_2D reading fewer channels per filter than the input has is grouped.
  return op.builtin_code != LC_OP_CONV_2D || x.shape[3] == w.shape[3];
}

// A float activation in; every weight input present is a float constant; the required ones
// (an LSTM's input-to-forget weights, an RNN's input weights) are there.
bool recurrent_candidate(ModelGraph& g, const Operator& op) {
  const std::vector<size_t>& weights = recurrent_weight_inputs(op.builtin_code);
  if (weights.empty() || op.inputs.size() <= weights.back() || op.inputs[0] < 0) return false;
  const Tensor& x = g.tensor(op.inputs[0]);
  if (g.is_constant(op.inputs[0]) || x.type != LC_FLOAT32 || !x.quant.empty()) return false;
  for (size_t k : weights) {
    const int32_t w = op.inputs[k];
    if (w >= 0 && (!g.is_constant(w) || g.tensor(w).type != LC_FLOAT32 || !g.tensor(w).quant.empty())) return false;
  }
  return op.inputs[op.builtin_code == LC_OP_UNIDIRECTIONAL_SEQUENCE_RNN ? 1 : 2] >= 0;
}

void set_option(Operator& op, const std::string& field, OptionValue v) {
  for (Option& o : op.options)
    if (o.field == field) {
      o.value = std::move(v);
      return;
    }
  op.options.push_back({field, std::move(v)});
}

}  // namespace

PassResult dynamic_range_quantize(ModelGraph& g, const DynamicRangeOptions& o) {
  PassResult r;
  Exclusions ex = resolve(g, o.exclude);
  // One int8 tensor per (float weights, axis): operators sharing weights share them quantized.
  std::map<std::pair<int32_t, int32_t>, int32_t> done;
  for (size_t i = 0; i < g.model().operators.size(); ++i) {
    if (g.removed(i)) continue;
    Operator& op = g.op(i);
    if (!is_hybrid_op(op.builtin_code)) continue;
    if (!o.conv && op.builtin_code != LC_OP_FULLY_CONNECTED) continue;
    if (!hybrid_candidate(g, op)) continue;
    if (ex.excludes(g, op)) {
      r.counters["excluded"]++;
      continue;
    }
    const int32_t w = op.inputs[1];
    // FULLY_CONNECTED stays per-tensor, as in TinyNeuralNetwork: its per-channel hybrid kernel is
    // version 12, which runtimes before TFLite 2.17 refuse.
    const bool per_channel = o.per_channel && op.builtin_code != LC_OP_FULLY_CONNECTED;
    const int32_t axis = per_channel ? channel_axis(op.builtin_code) : -1;
    auto [it, fresh] = done.emplace(std::make_pair(w, axis), -1);
    if (fresh) {
      const Tensor wt = g.tensor(w);  // a copy: add_constant may grow the tensor list
      std::vector<float> scales;
      std::vector<uint8_t> q = quantize_symmetric(g.model().buffers[wt.buffer], wt.shape, axis, scales);
      // LiteRT's hybrid DEPTHWISE_CONV_2D reads one scale per channel whatever the tensor says
      // (one scale: garbage results): per-tensor weights carry their scale once per channel.
      if (op.builtin_code == LC_OP_DEPTHWISE_CONV_2D && axis < 0)
        scales.assign(static_cast<size_t>(wt.shape[3]), scales[0]);
      int32_t qt = g.add_constant(wt.name, LC_INT8, wt.shape, std::move(q));
      Quantization& quant = g.tensor(qt).quant;
      quant.scales = scales;
      quant.zero_points.assign(scales.size(), 0);
      quant.quantized_axis = scales.size() > 1 ? channel_axis(op.builtin_code) : 0;
      it->second = qt;
    }
    Operator& target = g.op(i);
    target.inputs[1] = it->second;
    g.release_if_unread(w);
    if (target.builtin_code == LC_OP_FULLY_CONNECTED && o.asymmetric_inputs)
      set_option(target, "asymmetric_quantize_inputs", int64_t{1});
    r.counters["quantized"]++;
  }
  for (size_t i = 0; i < g.model().operators.size(); ++i) {
    if (g.removed(i) || !recurrent_candidate(g, g.op(i))) continue;
    if (ex.op_types.count(g.op(i).builtin_code)) {
      r.counters["excluded"]++;
      continue;
    }
    for (size_t k : recurrent_weight_inputs(g.op(i).builtin_code)) {
      const int32_t w = g.op(i).inputs[k];
      if (w < 0) continue;
      auto [it, fresh] = done.emplace(std::make_pair(w, -1), -1);
      if (fresh) {
        const Tensor wt = g.tensor(w);
        std::vector<float> scales;
        std::vector<uint8_t> q = quantize_symmetric(g.model().buffers[wt.buffer], wt.shape, -1, scales);
        int32_t qt = g.add_constant(wt.name, LC_INT8, wt.shape, std::move(q));
        g.tensor(qt).quant.scales = scales;
        g.tensor(qt).quant.zero_points.assign(1, 0);
        it->second = qt;
      }
      g.op(i).inputs[k] = it->second;
      g.release_if_unread(w);
    }
    if (o.asymmetric_inputs) set_option(g.op(i), "asymmetric_quantize_inputs", int64_t{1});
    r.counters["quantized"]++;
  }
  if (r.changed()) g.compact();
  return r;
}

}  // namespace litecast::passes
