// The ordered pass pipeline run on every converted model.
#ifndef LITECAST_HOST_PASSES_PIPELINE_HPP
#define LITECAST_HOST_PASSES_PIPELINE_HPP

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

}  // namespace litecast::passes

#endif
