// fuse_activation: RELU / RELU6 / RELU_N1_TO_1 / TANH right after an operator that has a
// fused_activation_function becomes that option. Expects: the producer's output is read only
// by the activation and is no model output; the producer has no fused activation yet.
// The pairs are data: kProducers x kActivations.
#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>

#include "passes/pass.hpp"

#include <map>
#include <set>

namespace litecast::passes {

namespace {

const std::set<int32_t> kProducers = {LC_OP_CONV_2D,
                                      LC_OP_DEPTHWISE_CONV_2D,
                                      LC_OP_FULLY_CONNECTED,
                                      LC_OP_ADD,
                                      LC_OP_SUB,
                                      LC_OP_MUL,
                                      LC_OP_DIV,
                                      LC_OP_CONCATENATION,
                                      LC_OP_AVERAGE_POOL_2D,
                                      LC_OP_MAX_POOL_2D,
                                      LC_OP_CONV_3D,
                                      LC_OP_CONV_3D_TRANSPOSE};
const std::map<int32_t, const char*> kActivations = {
    {LC_OP_RELU, "RELU"}, {LC_OP_RELU6, "RELU6"}, {LC_OP_RELU_N1_TO_1, "RELU_N1_TO_1"}};

bool has_fused_activation(const Operator& o) {
  const OptionValue* v = o.option("fused_activation_function");
  return v && !(std::holds_alternative<EnumName>(*v) && std::get<EnumName>(*v).name == "NONE");
}

}  // namespace

PassResult fuse_activation(ModelGraph& g) {
  PassResult r;
  for (size_t i = 0; i < g.model().operators.size(); ++i) {
    const Operator& act = g.op(i);
    auto a = kActivations.find(act.builtin_code);
    if (g.removed(i) || a == kActivations.end()) continue;
    int32_t x = act.inputs.at(0);
    int32_t pi = g.producer(x);
    if (pi < 0 || g.consumers(x).size() != 1 || g.is_model_output(x)) continue;
    Operator& prod = g.op(static_cast<size_t>(pi));
    if (!kProducers.count(prod.builtin_code) || has_fused_activation(prod) || prod.outputs.size() != 1) continue;
    if (!(g.tensor(x).quant == g.tensor(act.outputs[0]).quant)) continue;
    bool replaced = false;
    for (Option& o : prod.options)
      if (o.field == "fused_activation_function") o.value = EnumName{a->second}, replaced = true;
    if (!replaced) prod.options.push_back({"fused_activation_function", EnumName{a->second}});
    prod.outputs[0] = act.outputs[0];
    g.remove_op(i);
    r.counters["fused"]++;
  }
  if (r.changed()) g.compact();
  return r;
}

}  // namespace litecast::passes
