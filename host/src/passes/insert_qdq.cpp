// insert_qdq and drop_float_qdq: post-training quantization expressed as the QUANTIZE /
// DEQUANTIZE graph a quantization-aware model gives, so that fold_qdq, which turns such
// graphs into int8 kernels, does the rest (biases to int32, shared and fixed output ranges,
// float fallbacks). Expects: a float graph after the optimisation passes.
#include "passes/quantize.hpp"

#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace litecast::passes {

namespace {

struct WeightSlot {
  int32_t code;
  int slot;
  int32_t axis;  // output channels
  bool per_channel;
};

// FULLY_CONNECTED stays per tensor: LiteRT's per-channel FULLY_CONNECTED is recent (op version 12+).
const WeightSlot kWeights[] = {{LC_OP_CONV_2D, 1, 0, true},
                               {LC_OP_DEPTHWISE_CONV_2D, 1, 3, true},
                               {LC_OP_TRANSPOSE_CONV, 1, 0, true},
                               {LC_OP_FULLY_CONNECTED, 1, 0, false}};

// Ops whose int8 kernel writes in its input's quantization: their outputs get no range of
// their own (fold_qdq gives them the input's).
bool keeps_input_quantization(int32_t code) {
  return moves_data_only(code) || code == LC_OP_SPLIT || code == LC_OP_SPLIT_V || code == LC_OP_UNPACK;
}

// TFLite's int8 spec fixes these kernels' output quantization; its int16 kernels use 1/32768.
const Quantization* fixed_output(int32_t code, bool int16) {
  static const Quantization sigmoid{{1.0f / 256}, {-128}, 0};
  static const Quantization tanh{{1.0f / 128}, {0}, 0};
  static const Quantization unit16{{1.0f / 32768}, {0}, 0};
  if (code != LC_OP_LOGISTIC && code != LC_OP_SOFTMAX && code != LC_OP_TANH) return nullptr;
  if (int16) return &unit16;
  return code == LC_OP_TANH ? &tanh : &sigmoid;
}

// Symmetric int8 weights: scale max|w| / 127 per slice along `axis` (or over the whole tensor).
int32_t int8_weights(ModelGraph& g, int32_t t, int32_t axis, bool per_channel) {
  const Tensor src = g.tensor(t);
  const std::vector<float> w = g.floats(t);
  if (w.empty() || axis < 0 || static_cast<size_t>(axis) >= src.shape.size()) return -1;
  const size_t channels = per_channel ? static_cast<size_t>(src.shape[static_cast<size_t>(axis)]) : 1;
  size_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < src.shape.size(); ++d) inner *= static_cast<size_t>(src.shape[d]);
  auto channel_of = [&](size_t i) { return per_channel ? (i / inner) % channels : 0; };
  std::vector<float> amax(channels, 0.0f);
  for (size_t i = 0; i < w.size(); ++i) amax[channel_of(i)] = std::max(amax[channel_of(i)], std::fabs(w[i]));
  std::vector<float> scale(channels);
  for (size_t c = 0; c < channels; ++c) scale[c] = amax[c] > 0 ? amax[c] / 127.0f : 1.0f;
  std::vector<int8_t> q(w.size());
  for (size_t i = 0; i < w.size(); ++i)
    q[i] = static_cast<int8_t>(quantize_value(w[i], scale[channel_of(i)], 0, -127, 127));
  const int32_t out = g.add_constant(src.name + "/int8", LC_INT8, src.shape, q);
  Quantization& qq = g.tensor(out).quant;
  qq.scales = scale;
  qq.zero_points.assign(channels, 0);
  qq.quantized_axis = per_channel ? axis : 0;
  return out;
}

Operator simple_op(int32_t code, int32_t in, int32_t out) {
  return Operator{code, "", 1, {in}, {out}, {}, {}};
}

}  // namespace

PassResult insert_qdq(ModelGraph& g, const std::map<std::string, Quantization>& activations, bool per_tensor,
                      const std::set<std::string>& keep_float, int32_t activation_type,
                      const std::map<std::string, Quantization>& other_type,
                      const std::set<std::string>& other_type_tensors) {
  const int32_t other = activation_type == LC_INT16 ? LC_INT8 : LC_INT16;
  PassResult r;
  Model& m = g.model();
  // Ops that only move data are exact in int8: they follow their neighbours.
  auto stays_float = [&](const Operator& op) {
    if (moves_data_only(op.builtin_code)) return false;
    for (int32_t t : op.outputs)
      if (t >= 0 && keep_float.count(g.tensor(t).name)) return true;
    return false;
  };
  // Weights first: int8 constants read through one DEQUANTIZE each (per op and slot).
  std::vector<Operator> weight_dq;  // inserted before the op that reads them
  std::vector<std::vector<Operator>> before(m.operators.size());
  for (size_t i = 0; i < m.operators.size(); ++i) {
    Operator& op = m.operators[i];
    if (stays_float(op)) continue;
    for (const WeightSlot& w : kWeights) {
      if (op.builtin_code != w.code || op.inputs.size() <= static_cast<size_t>(w.slot)) continue;
      const int32_t t = op.inputs[static_cast<size_t>(w.slot)];
      if (t < 0 || !g.is_constant(t) || g.tensor(t).type != LC_FLOAT32) continue;
      const int32_t q = int8_weights(g, t, w.axis, w.per_channel && !per_tensor);
      if (q < 0) continue;
      const Tensor src = g.tensor(t);
      const int32_t f = g.add_tensor(src.name + "/dequantized", LC_FLOAT32, src.shape);
      before[i].push_back(simple_op(LC_OP_DEQUANTIZE, q, f));
      m.operators[i].inputs[static_cast<size_t>(w.slot)] = f;
      r.counters["weights"]++;
    }
  }
  // Activations: QUANTIZE + DEQUANTIZE right after the tensor is written (or at the start for
  // model inputs); every reader then reads the DEQUANTIZE.
  std::map<int32_t, int32_t> replaced;  // float tensor -> its fake-quantized twin
  std::map<int32_t, int32_t> type_of;   // fake-quantized float tensor -> its integer type
  // `fixed`: the kernel's own output quantization, already of the tensor's type.
  auto qdq = [&](int32_t t, const Quantization& q, std::vector<Operator>& out, bool fixed = false) {
    const Tensor src = g.tensor(t);
    const int32_t type = other_type_tensors.count(src.name) ? other : activation_type;
    type_of[t] = type;
    const int32_t qi = g.add_tensor(src.name + "/quantized", type, src.shape);
    auto o = other_type.find(src.name);
    g.tensor(qi).quant = type == other && !fixed && o != other_type.end() ? o->second : q;
    const int32_t dq = g.add_tensor(src.name + "/dequantized", LC_FLOAT32, src.shape);
    out.push_back(simple_op(LC_OP_QUANTIZE, t, qi));
    out.push_back(simple_op(LC_OP_DEQUANTIZE, qi, dq));
    replaced[t] = dq;
    r.counters["activations"]++;
  };
  auto wanted = [&](int32_t t) -> const Quantization* {
    const Tensor& x = g.tensor(t);
    if (x.type != LC_FLOAT32 || g.is_constant(t)) return nullptr;
    auto it = activations.find(x.name);
    return it == activations.end() ? nullptr : &it->second;
  };
  std::vector<Operator> ops;
  std::map<int32_t, int32_t> twins;  // float tensor -> its fake quantization in the other type
  // Tensors written by ops that keep their input's quantization: whose quantization they carry.
  std::map<int32_t, std::string> quant_name;
  for (int32_t t : m.inputs)
    if (const Quantization* q = wanted(t)) qdq(t, *q, ops);
  const size_t n = m.operators.size();
  for (size_t i = 0; i < n; ++i) {
    for (Operator& o : before[i]) ops.push_back(std::move(o));
    Operator op = m.operators[i];
    // The op's integer type: its output's (an op computing an int16 layer reads int16).
    int32_t op_type = 0;
    if (!stays_float(op) && !keeps_input_quantization(op.builtin_code))
      for (int32_t t : op.outputs)
        if (t >= 0 && wanted(t) && !op_type)
          op_type = other_type_tensors.count(g.tensor(t).name) ? other : activation_type;
    // Mixed precision: an input of the other type is read through a twin of this op's type.
    // Tensors written by ops that keep their input's quantization (RESHAPE, PAD, ...) have that
    // input's type.
    int32_t first_type = 0;
    std::string first_name;
    for (int32_t& t : op.inputs) {
      if (t < 0 || g.tensor(t).type != LC_FLOAT32 || g.is_constant(t)) continue;
      auto it = replaced.find(t);
      auto known = type_of.find(t);
      const int32_t t_type = known != type_of.end() ? known->second : activation_type;
      auto qn = quant_name.find(t);
      const std::string name = qn != quant_name.end() ? qn->second : g.tensor(t).name;
      if (!first_type) {
        first_type = t_type;
        first_name = name;
      }
      if (!other_type_tensors.empty() && op_type && t_type != op_type) {
        auto q = (op_type == activation_type ? activations : other_type).find(name);
        if (q != (op_type == activation_type ? activations : other_type).end()) {
          if (!twins.count(t)) {
            const Tensor src = g.tensor(t);
            const int32_t qi = g.add_tensor(src.name + "/quantized_twin", op_type, src.shape);
            g.tensor(qi).quant = q->second;
            const int32_t dq = g.add_tensor(src.name + "/dequantized_twin", LC_FLOAT32, src.shape);
            ops.push_back(simple_op(LC_OP_QUANTIZE, t, qi));
            ops.push_back(simple_op(LC_OP_DEQUANTIZE, qi, dq));
            twins[t] = dq;
          }
          t = twins[t];
          continue;
        }
      }
      if (it != replaced.end()) t = it->second;
    }
    if (keeps_input_quantization(op.builtin_code) && !stays_float(op) && first_type)
      for (int32_t t : op.outputs)
        if (t >= 0) {
          type_of[t] = first_type;
          quant_name[t] = first_name;
        }
    std::vector<Operator> after;
    if (!keeps_input_quantization(op.builtin_code) || stays_float(op))
      for (int32_t t : op.outputs) {
        const Quantization* q = wanted(t);
        if (!q) continue;
        const bool wide = (other_type_tensors.count(g.tensor(t).name) ? other : activation_type) == LC_INT16;
        const Quantization* fixed = fixed_output(op.builtin_code, wide);
        qdq(t, fixed ? *fixed : *q, after, fixed != nullptr);
      }
    ops.push_back(std::move(op));
    for (Operator& o : after) ops.push_back(std::move(o));
  }
  // The new QUANTIZEs read the original tensors; the DEQUANTIZE of a model output takes its
  // place (and name), so the model still returns float.
  for (int32_t& t : m.outputs) {
    auto it = replaced.find(t);
    if (it == replaced.end()) continue;
    std::string name = g.tensor(t).name;
    g.tensor(t).name = name + "/float";
    g.tensor(it->second).name = name;
    t = it->second;
  }
  m.operators = std::move(ops);
  g.rebuild();
  g.compact();
  return r;
}

PassResult drop_float_qdq(ModelGraph& g) {
  PassResult r;
  for (size_t k = 0; k < g.model().operators.size(); ++k) {
    const Operator& q = g.op(k);
    if (g.removed(k) || q.builtin_code != LC_OP_QUANTIZE) continue;
    const int32_t in = q.inputs.at(0), out = q.outputs.at(0);
    if (g.tensor(in).type != LC_FLOAT32 || g.is_model_output(out) || g.is_model_input(in)) continue;
    const int32_t p = g.producer(in);
    if (p < 0 || g.op(static_cast<size_t>(p)).builtin_code == LC_OP_DEQUANTIZE) continue;
    bool all_dq = !g.consumers(out).empty();
    for (int32_t c : g.consumers(out)) all_dq = all_dq && g.op(static_cast<size_t>(c)).builtin_code == LC_OP_DEQUANTIZE;
    if (!all_dq) continue;
    const std::vector<int32_t> readers = g.consumers(out);
    for (int32_t c : readers) {
      const int32_t dq = g.op(static_cast<size_t>(c)).outputs.at(0);
      if (g.is_model_output(dq)) {
        // Keep the model output's name on the float tensor that now is the output.
        g.tensor(in).name = g.tensor(dq).name;
      }
      g.replace_uses(dq, in);
      g.remove_op(static_cast<size_t>(c));
    }
    g.remove_op(k);
    r.counters["dropped"]++;
  }
  if (r.changed()) g.compact();
  return r;
}

}  // namespace litecast::passes
