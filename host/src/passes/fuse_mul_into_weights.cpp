// fuse_mul_into_weights: CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED followed by MUL with a
// constant vector over the output channels (last axis) scales the weights and bias instead:
// what BatchNorm after a linear layer leaves (MUL, then ADD for fuse_bias_add). Expects: the
// producer output has one reader and no fused activation; float32 constant weights. New
// constants are made, since a weight buffer may be shared.
#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>

#include "passes/pass.hpp"

namespace litecast::passes {

namespace {

// The per-channel factors of a MUL constant shaped [C], [1,..,1,C] or a scalar.
std::vector<float> channel_factors(ModelGraph& g, int32_t c, int32_t channels) {
  const Tensor& t = g.tensor(c);
  for (size_t d = 0; d + 1 < t.shape.size(); ++d)
    if (t.shape[d] != 1) return {};
  std::vector<float> v = g.floats(c);
  if (v.size() == 1) return std::vector<float>(static_cast<size_t>(channels), v[0]);
  return static_cast<int32_t>(v.size()) == channels ? v : std::vector<float>{};
}

// Weights scaled per output channel: the first axis for CONV_2D / FULLY_CONNECTED
// ([O, ...]), the last for DEPTHWISE_CONV_2D ([1, kh, kw, O]).
std::vector<float> scaled_weights(std::vector<float> w, const std::vector<float>& f, bool channel_last) {
  const size_t channels = f.size();
  const size_t inner = w.size() / channels;
  for (size_t i = 0; i < w.size(); ++i) w[i] *= channel_last ? f[i % channels] : f[i / inner];
  return w;
}

}  // namespace

PassResult fuse_mul_into_weights(ModelGraph& g) {
  PassResult r;
  for (size_t i = 0; i < g.model().operators.size(); ++i) {
    Operator& mul = g.op(i);
    if (g.removed(i) || mul.builtin_code != LC_OP_MUL || mul.inputs.size() != 2) continue;
    for (int side = 0; side < 2; ++side) {
      int32_t x = mul.inputs[static_cast<size_t>(side)], c = mul.inputs[static_cast<size_t>(1 - side)];
      int32_t pi = g.producer(x);
      if (pi < 0 || !g.is_constant(c) || g.consumers(x).size() != 1 || g.is_model_output(x)) continue;
      Operator& prod = g.op(static_cast<size_t>(pi));
      const int32_t code = prod.builtin_code;
      if (code != LC_OP_CONV_2D && code != LC_OP_DEPTHWISE_CONV_2D && code != LC_OP_FULLY_CONNECTED) continue;
      const OptionValue* act = prod.option("fused_activation_function");
      if (act && std::get<EnumName>(*act).name != "NONE") continue;
      const Tensor& out = g.tensor(x);
      if (out.type != LC_FLOAT32 || out.shape.empty() || g.tensor(mul.outputs[0]).shape != out.shape) continue;
      std::vector<float> f = channel_factors(g, c, out.shape.back());
      std::vector<float> w = g.floats(prod.inputs.at(1));
      if (f.empty() || w.empty() || w.size() % f.size() != 0) continue;
      const Tensor wt = g.tensor(prod.inputs[1]);
      prod.inputs[1] = g.add_constant(wt.name + "/scaled", LC_FLOAT32, wt.shape,
                                      scaled_weights(std::move(w), f, code == LC_OP_DEPTHWISE_CONV_2D));
      if (prod.inputs.size() > 2 && prod.inputs[2] >= 0) {
        std::vector<float> b = g.floats(prod.inputs[2]);
        if (b.size() != f.size()) continue;  // cannot happen for a valid model; leave it alone
        for (size_t k = 0; k < b.size(); ++k) b[k] *= f[k];
        prod.inputs[2] = g.add_constant(out.name + "/bias_scaled", LC_FLOAT32, {static_cast<int32_t>(b.size())}, b);
      }
      if (const OptionValue* a = mul.option("fused_activation_function")) {
        bool set = false;
        for (Option& o : prod.options)
          if (o.field == "fused_activation_function") o.value = *a, set = true;
        if (!set) prod.options.push_back({"fused_activation_function", *a});
      }
      prod.outputs[0] = mul.outputs[0];
      g.remove_op(i);
      r.counters["fused"]++;
      break;
    }
  }
  if (r.changed()) g.compact();
  return r;
}

}  // namespace litecast::passes
