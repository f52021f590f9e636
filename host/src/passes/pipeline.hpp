// The ordered pass pipeline run on every converted model.
#ifndef LITECAST_HOST_PASSES_PIPELINE_HPP
#define LITECAST_HOST_PASSES_PIPELINE_HPP

#include <litecast/convert.hpp>
#include <litecast/tflite_model.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace litecast::passes {

// Names of every pass, in pipeline order (for --disable-pass and its help).
std::vector<std::string> pass_names();

// Runs the pipeline at `level` (0: nothing) without the `disabled` passes; returns the
// summed counters, "pass.counter" -> n. Throws litecast::Error on an unknown pass name.
std::map<std::string, int> optimize(Model& m, int level, const std::set<std::string>& disabled);

// After optimize(): the weight conversions `w` asks for (group_tensors, dynamic range, float16,
// group_tensors again for what quantization made equal); counters as optimize() returns them.
// Throws litecast::Error on contradicting requests or a bad --dynamic-exclude entry.
std::map<std::string, int> convert_weights(Model& m, const ConvertOptions::Weights& w);
// The checks convert_weights() starts with, for failing before a long conversion.
void check_weight_options(const ConvertOptions::Weights& w);

}  // namespace litecast::passes

#endif
