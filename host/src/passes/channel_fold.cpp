#include "passes/channel_fold.hpp"

#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>

namespace litecast::passes {

namespace {

std::vector<float> channel_vector(ModelGraph& g, int32_t c, int32_t channels) {
  const Tensor& t = g.tensor(c);
  for (size_t d = 0; d + 1 < t.shape.size(); ++d)
    if (t.shape[d] != 1) return {};
  std::vector<float> v = g.floats(c);
  if (v.size() == 1) return std::vector<float>(static_cast<size_t>(channels), v[0]);
  return static_cast<int32_t>(v.size()) == channels ? v : std::vector<float>{};
}

}  // namespace

std::optional<ChannelFold> match_channel_fold(ModelGraph& g, size_t i) {
  const Operator& op = g.op(i);
  if (g.removed(i) || op.inputs.size() != 2) return std::nullopt;
  for (size_t side = 0; side < 2; ++side) {
    int32_t x = op.inputs[side], c = op.inputs[1 - side];
    int32_t pi = g.producer(x);
    if (pi < 0 || !g.is_constant(c) || g.consumers(x).size() != 1 || g.is_model_output(x)) continue;
    const Operator& prod = g.op(static_cast<size_t>(pi));
    const int32_t code = prod.builtin_code;
    if (code != LC_OP_CONV_2D && code != LC_OP_DEPTHWISE_CONV_2D && code != LC_OP_FULLY_CONNECTED) continue;
    const OptionValue* act = prod.option("fused_activation_function");
    if (act && std::get<EnumName>(*act).name != "NONE") continue;
    const Tensor& out = g.tensor(x);
    if (out.type != LC_FLOAT32 || out.shape.empty() || g.tensor(op.outputs[0]).shape != out.shape) continue;
    std::vector<float> v = channel_vector(g, c, out.shape.back());
    if (!v.empty()) return ChannelFold{static_cast<size_t>(pi), std::move(v)};
  }
  return std::nullopt;
}

void absorb_into_producer(ModelGraph& g, size_t i, size_t producer) {
  const Operator& op = g.op(i);
  Operator& prod = g.op(producer);
  if (const OptionValue* a = op.option("fused_activation_function")) {
    bool set = false;
    for (Option& o : prod.options)
      if (o.field == "fused_activation_function") o.value = *a, set = true;
    if (!set) prod.options.push_back({"fused_activation_function", *a});
  }
  prod.outputs[0] = op.outputs[0];
  g.remove_op(i);
}

}  // namespace litecast::passes
