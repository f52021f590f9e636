// fold_qdq: DEQUANTIZE -> float operator -> QUANTIZE becomes the operator's int8 kernel.
// The table says, per operator with an int8 kernel in TFLite, where its output quantization
// comes from (TFLite's int8 quantization spec and LiteRT's kernels): free (any), the input's
// (data movement, pooling, max/min), shared by all inputs and the output (CONCATENATION's int8
// kernel does not rescale), or fixed by the kernel.
#include "passes/quantize.hpp"

#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

namespace litecast::passes {

namespace {

enum class Out { kFree, kSameAsInput, kSameAll, kFixed };

struct Kernel {
  int32_t code;
  Out out;
  float scale = 0;  // kFixed (int8)
  int64_t zero_point = 0;
  int weight = -1;  // input slot of a weight that must come quantized
  int bias = -1;    // input slot of a float bias that becomes int32
  int32_t weight_axis = 0;
  int activation = 0;  // input slot whose scale scales the bias
};

const Kernel kKernels[] = {
    {LC_OP_CONV_2D, Out::kFree, 0, 0, 1, 2, 0, 0},
    {LC_OP_DEPTHWISE_CONV_2D, Out::kFree, 0, 0, 1, 2, 3, 0},
    {LC_OP_FULLY_CONNECTED, Out::kFree, 0, 0, 1, 2, 0, 0},
    {LC_OP_TRANSPOSE_CONV, Out::kFree, 0, 0, 1, 3, 0, 2},
    {LC_OP_ADD, Out::kFree},
    {LC_OP_SUB, Out::kFree},
    {LC_OP_MUL, Out::kFree},
    {LC_OP_BATCH_MATMUL, Out::kFree},
    {LC_OP_MEAN, Out::kFree},
    {LC_OP_SUM, Out::kFree},
    {LC_OP_RELU, Out::kFree},
    {LC_OP_RELU6, Out::kFree},
    {LC_OP_LEAKY_RELU, Out::kFree},
    {LC_OP_HARD_SWISH, Out::kFree},
    {LC_OP_PRELU, Out::kFree},
    {LC_OP_ABS, Out::kFree},
    {LC_OP_RSQRT, Out::kFree},
    {LC_OP_SQUARED_DIFFERENCE, Out::kFree},
    {LC_OP_GELU, Out::kFree},
    {LC_OP_ELU, Out::kFree},
    {LC_OP_MAX_POOL_2D, Out::kSameAsInput},
    {LC_OP_AVERAGE_POOL_2D, Out::kSameAsInput},
    {LC_OP_RESHAPE, Out::kSameAsInput},
    {LC_OP_TRANSPOSE, Out::kSameAsInput},
    {LC_OP_PAD, Out::kSameAsInput},
    {LC_OP_PADV2, Out::kSameAsInput},
    {LC_OP_MIRROR_PAD, Out::kSameAsInput},
    {LC_OP_SQUEEZE, Out::kSameAsInput},
    {LC_OP_EXPAND_DIMS, Out::kSameAsInput},
    {LC_OP_SLICE, Out::kSameAsInput},
    {LC_OP_STRIDED_SLICE, Out::kSameAsInput},
    {LC_OP_GATHER, Out::kSameAsInput},
    {LC_OP_SPACE_TO_DEPTH, Out::kSameAsInput},
    {LC_OP_DEPTH_TO_SPACE, Out::kSameAsInput},
    {LC_OP_RESIZE_BILINEAR, Out::kSameAsInput},
    {LC_OP_RESIZE_NEAREST_NEIGHBOR, Out::kSameAsInput},
    {LC_OP_REDUCE_MAX, Out::kSameAsInput},
    {LC_OP_REDUCE_MIN, Out::kSameAsInput},
    {LC_OP_SPLIT, Out::kSameAsInput},
    {LC_OP_SPLIT_V, Out::kSameAsInput},
    {LC_OP_TILE, Out::kSameAsInput},
    {LC_OP_UNPACK, Out::kSameAsInput},
    {LC_OP_BROADCAST_TO, Out::kSameAsInput},
    {LC_OP_CONCATENATION, Out::kSameAll},
    {LC_OP_PACK, Out::kSameAll},
    {LC_OP_MAXIMUM, Out::kSameAll},
    {LC_OP_MINIMUM, Out::kSameAll},
    {LC_OP_LOGISTIC, Out::kFixed, 1.0f / 256, -128},
    {LC_OP_SOFTMAX, Out::kFixed, 1.0f / 256, -128},
    {LC_OP_TANH, Out::kFixed, 1.0f / 128, 0},
    {LC_OP_LOG_SOFTMAX, Out::kFixed, 16.0f / 256, 127},
    {LC_OP_L2_NORMALIZATION, Out::kFixed, 1.0f / 128, 0},
};

// Ops that PyTorch's quantized kernels run in their input's quantization (average pooling,
// mean, resizing): where their output is read as float they do the same here, rounding once.
bool averages_in_input_quantization(int32_t code) {
  return code == LC_OP_MEAN || code == LC_OP_AVERAGE_POOL_2D || code == LC_OP_RESIZE_BILINEAR ||
         code == LC_OP_RESIZE_NEAREST_NEIGHBOR;
}

const Kernel* kernel_of(int32_t code) {
  for (const Kernel& k : kKernels)
    if (k.code == code) return &k;
  return nullptr;
}

// The integer activation types: int8, and int16 of the 16x8 mode (zero point 0, int8 weights,
// int64 biases).
bool integer_activation(int32_t type) {
  return type == LC_INT8 || type == LC_INT16;
}

bool per_tensor_integer(const Tensor& t) {
  return integer_activation(t.type) && t.quant.scales.size() == 1;
}

// Kernels LiteRT has for int16 activations (16x8); the others stay float in that mode.
bool has_int16_kernel(int32_t code) {
  switch (code) {
    case LC_OP_CONV_2D:
    case LC_OP_DEPTHWISE_CONV_2D:
    case LC_OP_FULLY_CONNECTED:
    case LC_OP_TRANSPOSE_CONV:
    case LC_OP_ADD:
    case LC_OP_SUB:
    case LC_OP_MUL:
    case LC_OP_MEAN:
    case LC_OP_RELU:
    case LC_OP_RELU6:
    case LC_OP_LEAKY_RELU:
    case LC_OP_LOGISTIC:
    case LC_OP_TANH:
    case LC_OP_SOFTMAX:
    case LC_OP_MAX_POOL_2D:
    case LC_OP_AVERAGE_POOL_2D:
    case LC_OP_RESHAPE:
    case LC_OP_TRANSPOSE:
    case LC_OP_SQUEEZE:
    case LC_OP_EXPAND_DIMS:
    case LC_OP_PAD:
    case LC_OP_SLICE:
    case LC_OP_STRIDED_SLICE:
    case LC_OP_GATHER:
    case LC_OP_CONCATENATION:
    case LC_OP_MAXIMUM:
    case LC_OP_MINIMUM:
    case LC_OP_SPLIT:
    case LC_OP_SPLIT_V:
      return true;
    default:
      return false;
  }
}

Quantization per_tensor(float scale, int64_t zero_point) {
  Quantization q;
  q.scales = {scale};
  q.zero_points = {zero_point};
  return q;
}

// A float constant's own int8 range: [min(v, 0), max(v, 0)] over 255 steps.
Quantization own_range(const std::vector<float>& v) {
  float lo = 0, hi = 0;
  for (float x : v) {
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  float scale = hi > lo ? (hi - lo) / 255.0f : 1.0f;
  int64_t zp = static_cast<int64_t>(std::lround(-128.0 - lo / scale));
  return per_tensor(scale, std::clamp<int64_t>(zp, -128, 127));
}

// A float constant's own int16 range: symmetric, zero point 0.
Quantization own_range_int16(const std::vector<float>& v) {
  float amax = 0;
  for (float x : v) amax = std::max(amax, std::fabs(x));
  return per_tensor(amax > 0 ? amax / 32767.0f : 1.0f, 0);
}

int32_t int16_constant(ModelGraph& g, int32_t from, const Quantization& q) {
  std::vector<float> v = g.floats(from);
  std::vector<int16_t> data(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    data[i] = static_cast<int16_t>(quantize_value(v[i], q.scales[0], q.zero_points[0], -32768, 32767));
  Tensor src = g.tensor(from);
  int32_t t = g.add_constant(src.name + "/int16", LC_INT16, src.shape, data);
  g.tensor(t).quant = q;
  return t;
}

int32_t int8_constant(ModelGraph& g, int32_t from, const Quantization& q) {
  std::vector<float> v = g.floats(from);
  std::vector<int8_t> data(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    data[i] = static_cast<int8_t>(quantize_value(v[i], q.scales[0], q.zero_points[0], -128, 127));
  Tensor src = g.tensor(from);
  int32_t t = g.add_constant(src.name + "/int8", LC_INT8, src.shape, data);
  g.tensor(t).quant = q;
  return t;
}

// A float bias as int32 with scale input scale x weight scale (per output channel).
// A float bias as int32 (int8 activations) or int64 (int16's 16x8 mode) with scale input scale x
// weight scale (per output channel).
template <class Int>
int32_t integer_bias(ModelGraph& g, int32_t from, float input_scale, const Quantization& wq) {
  std::vector<float> v = g.floats(from);
  Quantization q;
  q.quantized_axis = 0;
  std::vector<Int> data(v.size());
  for (size_t c = 0; c < v.size(); ++c) {
    float ws = wq.scales.size() == 1 ? wq.scales[0] : wq.scales.at(c);
    if (wq.scales.size() > 1 || c == 0) {
      q.scales.push_back(input_scale * ws);
      q.zero_points.push_back(0);
    }
    double r = std::nearbyint(static_cast<double>(v[c]) / (static_cast<double>(input_scale) * ws));
    const double lo = static_cast<double>(std::numeric_limits<Int>::min());
    const double hi = static_cast<double>(std::numeric_limits<Int>::max());
    data[c] = static_cast<Int>(std::clamp(r, lo, hi));
  }
  Tensor src = g.tensor(from);
  const bool wide = sizeof(Int) == 8;
  int32_t t = g.add_constant(src.name + (wide ? "/int64" : "/int32"), wide ? LC_INT64 : LC_INT32, src.shape, data);
  g.tensor(t).quant = q;
  return t;
}

// `t` (float, constant) as symmetric int8 with one scale per slice along `axis`, when every
// value is exactly k x scale for integers |k| <= 127 (or -128); -1 otherwise. The scale is
// max|w| / k for the largest k that fits: any exact grid computes the same real values.
int32_t exact_int8_weights(ModelGraph& g, int32_t t, int32_t axis) {
  const Tensor src = g.tensor(t);
  std::vector<float> w = g.floats(t);
  if (w.empty() || axis < 0 || static_cast<size_t>(axis) >= src.shape.size()) return -1;
  const size_t channels = static_cast<size_t>(src.shape[static_cast<size_t>(axis)]);
  size_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < src.shape.size(); ++d) inner *= static_cast<size_t>(src.shape[d]);
  auto channel_of = [&](size_t i) { return (i / inner) % channels; };
  std::vector<std::vector<float>> per_channel(channels);
  for (size_t i = 0; i < w.size(); ++i) per_channel[channel_of(i)].push_back(w[i]);
  std::vector<float> scale(channels, 1.0f);
  for (size_t c = 0; c < channels; ++c) {
    const std::vector<float>& v = per_channel[c];
    float amax = 0;
    bool negative = false;
    for (float x : v)
      if (std::fabs(x) > amax) {
        amax = std::fabs(x);
        negative = x < 0;
      }
    if (amax == 0.0f) continue;  // an all-zero channel: any scale
    bool found = false;
    for (int k = negative ? 128 : 127; k >= 1 && !found; --k) {
      const float s = amax / static_cast<float>(k);
      found = true;
      for (size_t i = 0; found && i < v.size(); ++i) {
        const double q = static_cast<double>(v[i]) / s;
        found = std::fabs(q - std::nearbyint(q)) < 1e-3 && q >= -128.5 && q <= 127.5;
      }
      if (found) scale[c] = s;
    }
    if (!found) return -1;
  }
  std::vector<int8_t> data(w.size());
  for (size_t i = 0; i < w.size(); ++i)
    data[i] = static_cast<int8_t>(quantize_value(w[i], scale[channel_of(i)], 0, -128, 127));
  int32_t out = g.add_constant(src.name + "/int8", LC_INT8, src.shape, data);
  Quantization& q = g.tensor(out).quant;
  q.scales = scale;
  q.zero_points.assign(channels, 0);
  q.quantized_axis = axis;
  return out;
}

// The int8 tensor a DEQUANTIZE reads, when `t` is such an op's output; -1 otherwise.
int32_t dequantized_from(ModelGraph& g, int32_t t) {
  int32_t p = g.producer(t);
  if (p < 0 || g.removed(static_cast<size_t>(p)) || g.op(static_cast<size_t>(p)).builtin_code != LC_OP_DEQUANTIZE)
    return -1;
  int32_t src = g.op(static_cast<size_t>(p)).inputs.at(0);
  return integer_activation(g.tensor(src).type) && !g.tensor(src).quant.empty() ? src : -1;
}

// Operator `k`'s QUANTIZE consumers of output `t`, when those are all its consumers.
std::optional<std::vector<int32_t>> quantize_consumers(ModelGraph& g, int32_t t) {
  if (g.is_model_output(t) || g.consumers(t).empty()) return std::nullopt;
  std::vector<int32_t> qs;
  for (int32_t c : g.consumers(t)) {
    const Operator& q = g.op(static_cast<size_t>(c));
    if (q.builtin_code != LC_OP_QUANTIZE || !per_tensor_integer(g.tensor(q.outputs.at(0)))) return std::nullopt;
    qs.push_back(c);
  }
  return qs;
}

Operator requantize(int32_t in, int32_t out) {
  return Operator{LC_OP_QUANTIZE, "", 1, {in}, {out}, {}, {}};
}

// Folds operator k; false (nothing changed) when its neighbourhood does not fit.
bool fold(ModelGraph& g, size_t& k, const Kernel& r) {
  Operator op = g.op(k);
  std::vector<int32_t> inputs = op.inputs;
  std::vector<int> activations;  // input slots rewired to an int8 source
  for (size_t i = 0; i < inputs.size(); ++i) {
    int32_t t = inputs[i];
    if (t < 0 || g.tensor(t).type != LC_FLOAT32) continue;
    if (g.is_constant(t)) {
      if (static_cast<int>(i) == r.weight) {
        // Fake-quantized weights arrive as float constants on their int8 grid (the constant
        // expression was evaluated); weights off any such grid keep the operator float.
        int32_t w = exact_int8_weights(g, t, r.weight_axis);
        if (w < 0) return false;
        inputs[i] = w;
      }
      continue;
    }
    int32_t src = dequantized_from(g, t);
    if (src < 0) return false;
    const Tensor& s = g.tensor(src);
    if (static_cast<int>(i) == r.weight) {
      if (!g.is_constant(src)) return false;
      for (int64_t z : s.quant.zero_points)
        if (z != 0) return false;  // TFLite's int8 weights are symmetric
      if (s.quant.scales.size() > 1 && s.quant.quantized_axis != r.weight_axis) return false;
    } else {
      if (s.quant.scales.size() != 1) return false;
      activations.push_back(static_cast<int>(i));
    }
    inputs[i] = src;
  }
  if (activations.empty()) return false;
  // One integer type in: int8, or int16 where LiteRT has a 16x8 kernel.
  const int32_t act_type = g.tensor(inputs[static_cast<size_t>(activations[0])]).type;
  for (int i : activations)
    if (g.tensor(inputs[static_cast<size_t>(i)]).type != act_type) return false;
  const bool int16 = act_type == LC_INT16;
  if (int16 && !has_int16_kernel(r.code)) return false;
  // Outputs must all go to QUANTIZE, except for a data-movement or averaging op: its output
  // read as float gets the DEQUANTIZE after it instead, so a chain reaches the next kernel.
  std::vector<std::vector<int32_t>> quantizes;
  std::vector<int32_t> other_type;  // QUANTIZEs to the other integer type (int8 <-> int16 layers)
  bool hoist = false;
  for (int32_t t : op.outputs) {
    if (g.tensor(t).type != LC_FLOAT32) return false;
    auto qs = quantize_consumers(g, t);
    if (!qs) {
      if (!(moves_data_only(r.code) || averages_in_input_quantization(r.code)) || op.outputs.size() != 1) return false;
      hoist = true;
      qs.emplace();
    }
    std::vector<int32_t> same;
    for (int32_t q : *qs)
      (g.tensor(g.op(static_cast<size_t>(q)).outputs.at(0)).type == act_type ? same : other_type).push_back(q);
    if (same.empty() && !qs->empty()) {
      // Read only in the other type: a data-movement op keeps its input's type and a DEQUANTIZE
      // after it, which those QUANTIZEs then read.
      if (!(moves_data_only(r.code) || averages_in_input_quantization(r.code)) || op.outputs.size() != 1) return false;
      hoist = true;
      other_type.clear();
    }
    if (!other_type.empty() && op.outputs.size() != 1) return false;
    quantizes.push_back(same);
  }
  if (op.outputs.empty()) return false;

  const Quantization wanted =
      hoist ? Quantization{} : g.tensor(g.op(static_cast<size_t>(quantizes[0][0])).outputs[0]).quant;
  Quantization out_q;
  switch (hoist ? Out::kSameAsInput : r.out) {
    case Out::kFree:
    case Out::kSameAll:
      out_q = wanted;
      break;
    case Out::kSameAsInput:
      out_q = g.tensor(inputs[static_cast<size_t>(activations[0])]).quant;
      break;
    case Out::kFixed:
      // TFLite's int16 kernels: LOGISTIC, TANH and SOFTMAX write [-1, 1) in 1/32768 steps.
      out_q = int16 ? per_tensor(1.0f / 32768, 0) : per_tensor(r.scale, r.zero_point);
      break;
  }

  // Constants: the bias in int32, others in int8 with the output's range (where the kernel
  // shares one quantization) or their own.
  for (size_t i = 0; i < inputs.size(); ++i) {
    int32_t t = inputs[i];
    if (t < 0 || !g.is_constant(t) || g.tensor(t).type != LC_FLOAT32) continue;
    if (static_cast<int>(i) == r.bias) {
      if (r.weight < 0 || static_cast<size_t>(r.weight) >= inputs.size()) return false;
      float in_scale = g.tensor(inputs[static_cast<size_t>(r.activation)]).quant.scales.at(0);
      const Quantization& wq = g.tensor(inputs[static_cast<size_t>(r.weight)]).quant;
      inputs[i] = int16 ? integer_bias<int64_t>(g, t, in_scale, wq) : integer_bias<int32_t>(g, t, in_scale, wq);
    } else {
      bool shared = r.out == Out::kSameAll || r.out == Out::kSameAsInput;
      inputs[i] = int16 ? int16_constant(g, t, shared ? out_q : own_range_int16(g.floats(t)))
                        : int8_constant(g, t, shared ? out_q : own_range(g.floats(t)));
    }
  }
  // Inputs of a shared-quantization kernel are requantized to the output's quantization.
  size_t inserted = 0;
  if (r.out == Out::kSameAll) {
    for (int i : activations) {
      int32_t& t = inputs[static_cast<size_t>(i)];
      if (g.tensor(t).quant == out_q) continue;
      Tensor src = g.tensor(t);
      int32_t rq = g.add_tensor(src.name + "/requantized", act_type, src.shape);
      g.tensor(rq).quant = out_q;
      g.insert_op(k + inserted, requantize(t, rq));
      ++inserted;
      t = rq;
    }
  }
  k += inserted;
  Operator& folded = g.op(k);
  folded.inputs = inputs;
  // int16 ADD/SUB: general scales, not only powers of two (the schema's default).
  if (int16 && (r.code == LC_OP_ADD || r.code == LC_OP_SUB)) {
    bool set = false;
    for (Option& o : folded.options)
      if (o.field == "pot_scale_int16") {
        o.value = int64_t{0};
        set = true;
      }
    if (!set) folded.options.push_back(Option{"pot_scale_int16", int64_t{0}});
  }
  if (hoist) {
    const int32_t o = folded.outputs[0];
    const Tensor ot = g.tensor(o);
    const int32_t oi = g.add_tensor(ot.name + (int16 ? "/int16" : "/int8"), act_type, ot.shape);
    g.tensor(oi).quant = out_q;
    g.op(k).outputs[0] = oi;
    g.insert_op(k + 1, Operator{LC_OP_DEQUANTIZE, "", 1, {oi}, {o}, {}, {}});
    g.rebuild();
    return true;
  }
  for (size_t j = 0; j < folded.outputs.size(); ++j) {
    Tensor& o = g.tensor(folded.outputs[j]);
    o.type = act_type;
    o.quant = out_q;
  }
  g.rebuild();
  // QUANTIZEs asking for the quantization the kernel produces go; the others requantize.
  for (size_t j = 0; j < op.outputs.size(); ++j)
    for (int32_t q : quantizes[j]) {
      size_t qi = static_cast<size_t>(q) + inserted;
      if (g.tensor(g.op(qi).outputs[0]).quant == out_q) g.bypass(qi);
    }
  g.rebuild();
  // QUANTIZEs to the other integer type read a DEQUANTIZE of the new output (LiteRT's QUANTIZE
  // does not convert between every pair of integer types).
  if (!other_type.empty()) {
    const int32_t o = g.op(k).outputs[0];
    const Tensor ot = g.tensor(o);
    const int32_t f = g.add_tensor(ot.name + "/float", LC_FLOAT32, ot.shape);
    for (int32_t q : other_type) g.op(static_cast<size_t>(q) + inserted).inputs[0] = f;
    g.insert_op(k + 1, Operator{LC_OP_DEQUANTIZE, "", 1, {o}, {f}, {}, {}});
    g.rebuild();
  }
  return true;
}

// QUANTIZE(DEQUANTIZE(x)): x itself when the quantizations agree, else a requantization of x.
bool collapse(ModelGraph& g, size_t k) {
  Operator& q = g.op(k);
  int32_t src = dequantized_from(g, q.inputs.at(0));
  if (src < 0 || !per_tensor_integer(g.tensor(src))) return false;
  // int8 <-> uint8 requantizes; int16 stays apart from the 8-bit types.
  if ((g.tensor(src).type == LC_INT16) != (g.tensor(q.outputs[0]).type == LC_INT16)) return false;
  q.inputs[0] = src;
  if (g.tensor(src).quant == g.tensor(q.outputs[0]).quant && g.tensor(q.outputs[0]).type == g.tensor(src).type) {
    g.rebuild();
    if (!g.bypass(k)) return true;  // stays a (no-op) requantization
  }
  g.rebuild();
  return true;
}

}  // namespace

// Ops that only select, repeat or move values (a max of values is one of them): they commute
// exactly with DEQUANTIZE. PAD pads int8 with the zero point, i.e. with 0.0; PADV2 with its
// constant on the input's grid (a max pool's -inf padding becomes the lowest int8 value, which
// selects the same maxima).
bool moves_data_only(int32_t code) {
  switch (code) {
    case LC_OP_RESHAPE:
    case LC_OP_TRANSPOSE:
    case LC_OP_SQUEEZE:
    case LC_OP_EXPAND_DIMS:
    case LC_OP_SLICE:
    case LC_OP_STRIDED_SLICE:
    case LC_OP_GATHER:
    case LC_OP_SPACE_TO_DEPTH:
    case LC_OP_DEPTH_TO_SPACE:
    case LC_OP_TILE:
    case LC_OP_BROADCAST_TO:
    case LC_OP_PAD:
    case LC_OP_PADV2:
    case LC_OP_MIRROR_PAD:
    case LC_OP_MAX_POOL_2D:
    case LC_OP_REDUCE_MAX:
    case LC_OP_REDUCE_MIN:
      return true;
    default:
      return false;
  }
}

int32_t quantize_value(float x, float scale, int64_t zero_point, int32_t qmin, int32_t qmax) {
  double q = std::nearbyint(static_cast<double>(x) / scale) + static_cast<double>(zero_point);
  return static_cast<int32_t>(std::clamp(q, static_cast<double>(qmin), static_cast<double>(qmax)));
}

PassResult fold_qdq(ModelGraph& g, const std::set<std::string>& keep_float) {
  PassResult r;
  // insert_qdq renames a model output it fake-quantizes "<name>/float".
  // Ops that only move data are exact in int8: they follow their neighbours.
  auto stays_float = [&](const Operator& op) {
    if (moves_data_only(op.builtin_code)) return false;
    for (int32_t t : op.outputs) {
      if (t < 0) continue;
      std::string name = g.tensor(t).name;
      if (keep_float.count(name)) return true;
      if (name.size() > 6 && name.compare(name.size() - 6, 6, "/float") == 0 &&
          keep_float.count(name.substr(0, name.size() - 6)))
        return true;
    }
    return false;
  };
  for (size_t k = 0; k < g.model().operators.size(); ++k) {
    if (g.removed(k)) continue;
    int32_t code = g.op(k).builtin_code;
    if (!keep_float.empty() && code != LC_OP_QUANTIZE && code != LC_OP_DEQUANTIZE && stays_float(g.op(k))) {
      r.counters["kept_float"]++;
      continue;
    }
    if (code == LC_OP_QUANTIZE) {
      if (collapse(g, k)) r.counters["collapsed"]++;
      continue;
    }
    const Kernel* kernel = kernel_of(code);
    if (kernel && fold(g, k, *kernel)) r.counters["folded"]++;
  }
  remove_dead_ops(g);
  g.compact();
  return r;
}

}  // namespace litecast::passes
