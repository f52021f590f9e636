// fuse_bias_add: CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED followed by ADD of a constant
// vector over the output channels (last axis) folds the vector into the bias. Expects: the
// producer output has one reader and no fused activation; float32. The ADD's own fused
// activation moves to the producer.
#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>

#include "passes/channel_fold.hpp"
#include "passes/pass.hpp"

namespace litecast::passes {

PassResult fuse_bias_add(ModelGraph& g) {
  PassResult r;
  for (size_t i = 0; i < g.model().operators.size(); ++i) {
    if (g.removed(i) || g.op(i).builtin_code != LC_OP_ADD) continue;
    auto fold = match_channel_fold(g, i);
    if (!fold) continue;
    Operator& prod = g.op(fold->producer);
    std::vector<float>& v = fold->per_channel;
    if (prod.inputs.size() < 3) prod.inputs.resize(3, -1);
    if (prod.inputs[2] >= 0) {
      std::vector<float> b = g.floats(prod.inputs[2]);
      if (b.size() != v.size()) continue;
      for (size_t k = 0; k < v.size(); ++k) v[k] += b[k];
    }
    const std::string name = g.tensor(prod.outputs[0]).name + "/bias";
    prod.inputs[2] = g.add_constant(name, LC_FLOAT32, {static_cast<int32_t>(v.size())}, v);
    absorb_into_producer(g, i, fold->producer);
    r.counters["fused"]++;
  }
  if (r.changed()) g.compact();
  return r;
}

}  // namespace litecast::passes
