// The order of the passes, and why:
//  1. remove_identities first, so no later pass has to see through no-op transposes/casts.
//  2. fold_constants before layout: a transposed weight becomes a plain constant, not a
//     transpose the layout pass would try to move.
//  3. sink_transposes: the layout pass; it leaves constants to untranspose and transposes to
//     cancel, so fold_constants and remove_identities run again in the next round.
//  4. fuse_mul_into_weights, then fuse_bias_add, then fuse_activation: BatchNorm after a
//     linear layer (MUL, ADD) and a following relu fold fully only in this order.
//  5. merge_reshapes, then remove_dead_ops last to sweep what the others orphaned.
// The rounds repeat until nothing changes, at most 5 (each pass only removes or moves
// operators downwards, so the fixed point comes quickly).
#include "passes/pipeline.hpp"

#include <litecast/error.hpp>

#include "passes/pass.hpp"
#include "passes/weight_passes.hpp"

#include <fmt/format.h>

namespace litecast::passes {

namespace {

struct NamedPass {
  const char* name;
  PassFn fn;
};

constexpr NamedPass kPipeline[] = {
    {"remove_identities", &remove_identities}, {"fold_constants", &fold_constants},
    {"sink_transposes", &sink_transposes},     {"fuse_mul_into_weights", &fuse_mul_into_weights},
    {"fuse_bias_add", &fuse_bias_add},
    {"fuse_activation", &fuse_activation},     {"merge_reshapes", &merge_reshapes},
    {"remove_dead_ops", &remove_dead_ops},
};
constexpr int kMaxRounds = 5;

}  // namespace

std::vector<std::string> pass_names() {
  std::vector<std::string> out;
  for (const NamedPass& p : kPipeline) out.push_back(p.name);
  return out;
}

std::map<std::string, int> optimize(Model& m, int level, const std::set<std::string>& disabled) {
  for (const std::string& d : disabled) {
    bool known = false;
    for (const NamedPass& p : kPipeline) known = known || d == p.name;
    if (!known)
      throw Error(fmt::format("--disable-pass {}: no such pass (passes: {})", d, fmt::join(pass_names(), ", ")));
  }
  std::map<std::string, int> totals;
  if (level <= 0) return totals;
  ModelGraph g(m);
  for (int round = 0; round < kMaxRounds; ++round) {
    bool changed = false;
    for (const NamedPass& p : kPipeline) {
      if (disabled.count(p.name)) continue;
      PassResult r = p.fn(g);
      for (const auto& [k, v] : r.counters) totals[fmt::format("{}.{}", p.name, k)] += v;
      changed = changed || r.changed();
    }
    if (!changed) break;
  }
  g.compact();  // unused constants the passes replaced go, even when nothing else changed
  return totals;
}

void check_weight_options(const ConvertOptions::Weights& w) {
  if (w.hybrid_quantization_from_float && w.float16_quantization)
    throw Error("--dynamic-range and --float16 are alternatives (int8 or float16 weights); pass one of them");
  if (!w.hybrid_quantization_from_float && !w.dynamic_exclude.empty())
    throw Error("--dynamic-exclude selects what --dynamic-range leaves float; pass --dynamic-range too");
}

std::map<std::string, int> convert_weights(Model& m, const ConvertOptions::Weights& w) {
  check_weight_options(w);
  std::map<std::string, int> totals;
  auto add = [&](const char* name, const PassResult& r) {
    for (const auto& [k, v] : r.counters) totals[fmt::format("{}.{}", name, k)] += v;
  };
  ModelGraph g(m);
  // Grouping first: equal float weights are then quantized once, with one DEQUANTIZE.
  if (w.group_tensors) add("group_tensors", group_tensors(g));
  if (w.hybrid_quantization_from_float) {
    DynamicRangeOptions o;
    o.per_channel = w.hybrid_per_channel;
    o.asymmetric_inputs = w.hybrid_asymmetric_inputs;
    o.conv = w.hybrid_conv;
    o.exclude = w.dynamic_exclude;
    add("dynamic_range", dynamic_range_quantize(g, o));
  }
  if (w.float16_quantization) add("float16", float16_quantize(g));
  if (w.group_tensors && (w.hybrid_quantization_from_float || w.float16_quantization))
    add("group_tensors", group_tensors(g));
  return totals;
}

}  // namespace litecast::passes
