// The quantization options, and the order of the rewrites they ask for: folding first (it
// works in int8), then the target type, then the model's inputs and outputs (their integer
// type is relative to the target's).
#include <litecast/plugin.h>
#include <litecast/error.hpp>

#include "passes/quantize.hpp"

#include <fmt/format.h>

namespace litecast::passes {

namespace {

int32_t eight_bit_type(const std::map<std::string, std::string>& options, const std::string& name, int32_t fallback) {
  auto it = options.find(name);
  if (it == options.end()) return fallback;
  if (it->second == "int8") return LC_INT8;
  if (it->second == "uint8") return LC_UINT8;
  std::string dashed = name;
  for (char& c : dashed)
    if (c == '_') c = '-';
  throw Error(fmt::format("--{} '{}': expected int8 or uint8", dashed, it->second));
}

bool flag(const std::map<std::string, std::string>& options, const std::string& name) {
  auto it = options.find(name);
  return it != options.end() && it->second == "1";
}

}  // namespace

QuantizedRewrites quantized_rewrites(const std::map<std::string, std::string>& options, bool qat) {
  QuantizedRewrites r;
  r.fold = qat || flag(options, "rewrite_quantizable");
  r.target_type = eight_bit_type(options, "quantize_target_type", LC_INT8);
  r.fuse_io = flag(options, "fuse_quant_dequant");
  r.io_type = eight_bit_type(options, "quantize_input_output_type", r.target_type);
  return r;
}

std::map<std::string, int> run_quantized_rewrites(Model& m, const QuantizedRewrites& r) {
  std::map<std::string, int> totals;
  ModelGraph g(m);
  auto add = [&](const char* pass, const PassResult& res) {
    for (const auto& [k, v] : res.counters) totals[fmt::format("{}.{}", pass, k)] += v;
  };
  if (r.fold) add("fold_qdq", fold_qdq(g));
  if (r.target_type == LC_UINT8) add("to_uint8", to_uint8(g));
  if (r.fuse_io) add("fuse_quant_dequant", fuse_quant_dequant(g, r.io_type));
  add("quantized_io_type", quantized_io_type(g, r.io_type));
  return totals;
}

}  // namespace litecast::passes
