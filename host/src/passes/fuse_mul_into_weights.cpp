// fuse_mul_into_weights: CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED followed by MUL with a
// constant vector over the output channels (last axis) scales the weights and bias instead:
// what BatchNorm after a linear layer leaves (MUL, then ADD for fuse_bias_add). Expects: the
// producer output has one reader and no fused activation; float32 constant weights. New
// constants are made, since a weight buffer may be shared.
#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>

#include "passes/channel_fold.hpp"
#include "passes/pass.hpp"

namespace litecast::passes {

namespace {

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
    if (g.removed(i) || g.op(i).builtin_code != LC_OP_MUL) continue;
    auto fold = match_channel_fold(g, i);
    if (!fold) continue;
    Operator& prod = g.op(fold->producer);
    const std::vector<float>& f = fold->per_channel;
    std::vector<float> w = g.floats(prod.inputs.at(1));
    if (w.empty() || w.size() % f.size() != 0) continue;
    std::vector<float> b;
    if (prod.inputs.size() > 2 && prod.inputs[2] >= 0) {
      b = g.floats(prod.inputs[2]);
      if (b.size() != f.size()) continue;
      for (size_t k = 0; k < b.size(); ++k) b[k] *= f[k];
    }
    const Tensor wt = g.tensor(prod.inputs[1]);
    const std::string out = g.tensor(prod.outputs[0]).name;
    prod.inputs[1] = g.add_constant(wt.name + "/scaled", LC_FLOAT32, wt.shape,
                                    scaled_weights(std::move(w), f, prod.builtin_code == LC_OP_DEPTHWISE_CONV_2D));
    if (!b.empty()) prod.inputs[2] = g.add_constant(out + "/bias_scaled", LC_FLOAT32, {static_cast<int32_t>(b.size())}, b);
    absorb_into_producer(g, i, fold->producer);
    r.counters["fused"]++;
  }
  if (r.changed()) g.compact();
  return r;
}

}  // namespace litecast::passes
