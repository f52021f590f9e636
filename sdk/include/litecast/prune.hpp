// One-shot structured channel pruning of TorchScript models. The C++ API behind
// `litecast prune`: channels that must go together (residual additions, concatenations,
// depthwise convolutions, normalisations, flatten into linear layers, ...) form groups found
// on the TorchScript graph; a pruning-metric plugin scores each group's channels; the lowest
// scored are removed from the original module hierarchy, which stays trainable.
#ifndef LITECAST_PRUNE_HPP
#define LITECAST_PRUNE_HPP

#include <litecast/plugins.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace litecast {

// The pruning configuration in TinyNeuralNetwork's YAML format:
//   sparsity: 0.25                      # or a map: {default: 0.25, features.3.conv.0.0: 0.5}
//   metrics: l2_norm                    # random, l1_norm, l2_norm, fpgm, or a plugin's metric
//   multiple: 8                         # kept channels rounded up to a multiple (default 1)
//   skip_last_fc: true                  # the last layer, when linear, keeps its outputs unless named
//   exclude_layers: [features.0]        # layers (or module prefixes) left whole
//   exclude_ops: [linear]               # op types left whole: conv, conv_transpose, linear
//   seed: 0                             # for the random metric
struct PruneConfig {
  double default_sparsity = 0.0;
  std::map<std::string, double> layers;  // per-layer rates, by group name
  std::string metric = "l2_norm";
  int64_t multiple = 1;
  bool skip_last_fc = true;
  std::vector<std::string> exclude_layers;
  std::vector<std::string> exclude_ops;
  uint64_t seed = 0;
  std::string source = "the pruning config";  // the file, named in errors about its keys
  // Where keys were read ("sparsity.NAME", "exclude_layers.NAME" -> 1-based line), so that a
  // name matching no layer of the model is reported with its line.
  std::map<std::string, int> lines;
  bool metric_given = true;  // false: no 'metrics' key, the default (l2_norm) is used
};

// Reads and validates a config; throws litecast::Error naming the file and the key.
PruneConfig load_prune_config(const std::string& path);
// Parses YAML text (`origin` names it in errors).
PruneConfig parse_prune_config(const std::string& yaml_text, const std::string& origin);

struct PruneOptions {
  std::vector<std::vector<int64_t>> input_shapes;  // one per model input (float32)
  std::string example_input;                       // or a torch.save file of example input tensors (shapes and values)
  PruneConfig config;
  std::function<void(const std::string&)> progress;  // stage messages; may be empty
};

// One group of channels pruned together, named after its first producing layer.
struct PruneGroup {
  std::string name;
  std::vector<std::string> producers;  // conv/linear layers whose output channels define it
  int64_t channels = 0;
  int64_t kept = 0;
  double sparsity = 0.0;
  std::vector<int64_t> kept_indices;  // ascending
};

// One convolution or linear layer, before and after.
struct PruneLayer {
  std::string name;
  std::string op;  // conv, depthwise_conv, conv_transpose, linear
  int64_t in_before = 0, in_after = 0;
  int64_t out_before = 0, out_after = 0;
  int64_t params_before = 0, params_after = 0;
  int64_t macs_before = 0, macs_after = 0;
};

struct RefusedLayer {
  std::string name;
  std::string reason;
};

struct PruneResult {
  std::vector<PruneGroup> groups;               // prunable groups, in graph order
  std::vector<PruneLayer> layers;               // every conv/linear call, in graph order
  std::vector<RefusedLayer> refused;            // layers left whole, with the reason
  int64_t params_before = 0, params_after = 0;  // every parameter of the model
  int64_t macs_before = 0, macs_after = 0;      // convolutions and linear layers
  // Calls whose constant training flag (a traced model's) now reads the module's `training`
  // attribute in the written model, so that `.train()` / `.eval()` switch them (0 on a dry run).
  int64_t batch_norm_following_mode = 0, dropout_following_mode = 0;
};

// Prunes `model_path` and writes the result to `output_path` (temp file + rename, checked by
// loading it back and running it); an empty `output_path` is a dry run. Throws litecast::Error.
PruneResult prune(const std::string& model_path, const PruneOptions& options, const PluginRegistry& plugins,
                  const std::string& output_path);

// The full per-layer configuration after a run: `config` with every prunable group's rate,
// and the layers left whole as comments. Written atomically.
void write_prune_config(const PruneConfig& config, const PruneResult& result, const std::string& path);

}  // namespace litecast

#endif  // LITECAST_PRUNE_HPP
