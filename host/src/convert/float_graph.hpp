// The float half of a conversion, for post-training quantization: the translated TFLite graph
// together with the TorchScript graph it came from. Tensor names in the model are the
// TorchScript values' debug names wherever a tensor holds what that value computes (translation
// names every bound output so, and the graph passes keep the name of the last value they
// absorb), which is how calibration finds what to observe.
#ifndef LITECAST_HOST_CONVERT_FLOAT_GRAPH_HPP
#define LITECAST_HOST_CONVERT_FLOAT_GRAPH_HPP

#include <litecast/convert.hpp>

#include "graph/torchscript_import.hpp"
#include "graph/value_records.hpp"

#include <map>
#include <string>
#include <vector>

namespace litecast {

struct FloatGraph {
  graph::ImportedGraph imported;  // control flow resolved for `example_values`' shapes
  Model model;                    // as translated: before passes::optimize()
};

// Imports `path`, records it on `example_values` (one tensor per input: shapes, dtypes and the
// recording run's values) and translates. Throws litecast::Error naming the file.
FloatGraph convert_float_graph(const std::string& path, const ConvertOptions& options, const PluginRegistry& plugins,
                               const std::vector<at::Tensor>& example_values);

}  // namespace litecast

#endif
