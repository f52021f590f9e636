// fuse_bias_add: CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED followed by ADD of a constant
// vector over the output channels (last axis) folds the vector into the bias. Expects: the
// producer output has one reader and no fused activation; float32. The ADD's own fused
// activation moves to the producer.
#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>

#include "passes/pass.hpp"

namespace litecast::passes {

namespace {

// The per-channel vector of an ADD constant shaped [C], [1,..,1,C] or a scalar.
std::vector<float> channel_vector(ModelGraph& g, int32_t c, int32_t channels) {
  const Tensor& t = g.tensor(c);
  for (size_t d = 0; d + 1 < t.shape.size(); ++d)
    if (t.shape[d] != 1) return {};
  std::vector<float> v = g.floats(c);
  if (v.size() == 1) return std::vector<float>(static_cast<size_t>(channels), v[0]);
  if (static_cast<int32_t>(v.size()) != channels) return {};
  return v;
}

}  // namespace

PassResult fuse_bias_add(ModelGraph& g) {
  PassResult r;
  for (size_t i = 0; i < g.model().operators.size(); ++i) {
    Operator& add = g.op(i);
    if (g.removed(i) || add.builtin_code != LC_OP_ADD || add.inputs.size() != 2) continue;
    for (int side = 0; side < 2; ++side) {
      int32_t x = add.inputs[static_cast<size_t>(side)], c = add.inputs[static_cast<size_t>(1 - side)];
      int32_t pi = g.producer(x);
      if (pi < 0 || !g.is_constant(c) || g.consumers(x).size() != 1 || g.is_model_output(x)) continue;
      Operator& prod = g.op(static_cast<size_t>(pi));
      int32_t code = prod.builtin_code;
      if (code != LC_OP_CONV_2D && code != LC_OP_DEPTHWISE_CONV_2D && code != LC_OP_FULLY_CONNECTED) continue;
      const OptionValue* act = prod.option("fused_activation_function");
      if (act && std::get<EnumName>(*act).name != "NONE") continue;
      const Tensor& out = g.tensor(x);
      if (out.type != LC_FLOAT32 || out.shape.empty() || g.tensor(add.outputs[0]).shape != out.shape) continue;
      std::vector<float> v = channel_vector(g, c, out.shape.back());
      if (v.empty()) continue;
      if (prod.inputs.size() < 3) prod.inputs.resize(3, -1);
      int32_t old_bias = prod.inputs[2];
      if (old_bias >= 0) {
        std::vector<float> b = g.floats(old_bias);
        if (b.size() != v.size()) continue;
        for (size_t k = 0; k < v.size(); ++k) v[k] += b[k];
      }
      prod.inputs[2] = g.add_constant(out.name + "/bias", LC_FLOAT32, {static_cast<int32_t>(v.size())}, v);
      if (const OptionValue* a = add.option("fused_activation_function")) {
        bool set = false;
        for (Option& o : prod.options)
          if (o.field == "fused_activation_function") o.value = *a, set = true;
        if (!set) prod.options.push_back({"fused_activation_function", *a});
      }
      prod.outputs[0] = add.outputs[0];
      g.remove_op(i);
      r.counters["fused"]++;
      break;
    }
  }
  if (r.changed()) g.compact();
  return r;
}

}  // namespace litecast::passes
