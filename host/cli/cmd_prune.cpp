// `litecast prune model.pt --config prune.yaml -o pruned.pt --input-shape 1,3,224,224`: the
// counterpart of TinyNeuralNetwork's one-shot channel pruner. The full per-layer configuration
// is written back (in place, as TinyNeuralNetwork does, or to --write-config) so that users can
// edit per-layer rates and rerun.
#include "cli.hpp"

#include <litecast/convert.hpp>
#include <litecast/error.hpp>
#include <litecast/prune.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace litecast::cli {

namespace {

std::string ratio(int64_t after, int64_t before) {
  return before > 0 ? fmt::format("{:.3f}", static_cast<double>(after) / static_cast<double>(before)) : "-";
}

nlohmann::json to_json(const PruneResult& r, const std::string& output, const std::string& config_out) {
  nlohmann::json j;
  j["output"] = output;
  j["config_written"] = config_out;
  j["params"] = {{"before", r.params_before}, {"after", r.params_after}};
  j["macs"] = {{"before", r.macs_before}, {"after", r.macs_after}};
  j["groups"] = nlohmann::json::array();
  for (const PruneGroup& g : r.groups)
    j["groups"].push_back({{"name", g.name},
                           {"producers", g.producers},
                           {"channels", g.channels},
                           {"kept", g.kept},
                           {"sparsity", g.sparsity},
                           {"kept_indices", g.kept_indices}});
  j["layers"] = nlohmann::json::array();
  for (const PruneLayer& l : r.layers)
    j["layers"].push_back({{"name", l.name},
                           {"op", l.op},
                           {"in", {l.in_before, l.in_after}},
                           {"out", {l.out_before, l.out_after}},
                           {"params", {l.params_before, l.params_after}},
                           {"macs", {l.macs_before, l.macs_after}}});
  j["left_whole"] = nlohmann::json::array();
  for (const RefusedLayer& f : r.refused) j["left_whole"].push_back({{"name", f.name}, {"reason", f.reason}});
  j["following_mode"] = {{"batch_norm", r.batch_norm_following_mode}, {"dropout", r.dropout_following_mode}};
  return j;
}

void print_table(const PruneResult& r, std::ostream& out) {
  out << fmt::format("{:<40} {:<15} {:>11} {:>11} {:>21} {:>25}\n", "layer", "op", "in", "out", "params", "MACs");
  for (const PruneLayer& l : r.layers)
    out << fmt::format("{:<40} {:<15} {:>11} {:>11} {:>21} {:>25}\n", l.name, l.op,
                       fmt::format("{}->{}", l.in_before, l.in_after), fmt::format("{}->{}", l.out_before, l.out_after),
                       fmt::format("{}->{}", l.params_before, l.params_after),
                       fmt::format("{}->{}", l.macs_before, l.macs_after));
  out << fmt::format("total: parameters {} -> {} ({}), MACs {} -> {} ({})\n", r.params_before, r.params_after,
                     ratio(r.params_after, r.params_before), r.macs_before, r.macs_after,
                     ratio(r.macs_after, r.macs_before));
  if (!r.refused.empty()) {
    out << "left whole:\n";
    for (const RefusedLayer& f : r.refused) out << fmt::format("  {}: {}\n", f.name, f.reason);
  }
}

}  // namespace

int cmd_prune(const std::vector<std::string>& args) {
  PluginOptions plugin_opts;
  std::string input, output, config_path, write_config;
  std::vector<std::string> shapes;
  std::string example;
  bool dry_run = false, json = false, quiet = false;
  po::options_description desc("options");
  desc.add_options()("model", po::value(&input)->required(), "the TorchScript model (.pt)")(
      "config,c", po::value(&config_path)->required(),
      "the pruning config (YAML: sparsity, metrics, multiple, skip_last_fc, exclude_layers, exclude_ops, seed)")(
      "output,o", po::value(&output), "the pruned TorchScript model to write (required unless --dry-run)")(
      "input-shape", po::value(&shapes)->composing(), "shape of an input, e.g. 1,3,224,224 (one per input, in order)")(
      "example-input", po::value(&example),
      "a torch.save file of example inputs (a tensor or a tuple of tensors, one per input) instead of --input-shape")(
      "write-config", po::value(&write_config),
      "write the full per-layer config here instead of rewriting --config in place")(
      "dry-run", po::bool_switch(&dry_run),
      "print per layer channels, parameters and MACs before/after; write nothing")(
      "json", po::bool_switch(&json), "print the result as JSON (groups with kept channel indices, layers, totals)")(
      "quiet,q", po::bool_switch(&quiet), "no progress messages");
  plugin_opts.add_to(desc);
  po::positional_options_description pos;
  pos.add("model", 1);
  po::variables_map vm;
  if (!parse("prune", "model.pt --config prune.yaml -o pruned.pt --input-shape 1,3,224,224 [options]", args, desc, pos,
             vm))
    return kExitOk;
  if (output.empty() && !dry_run)
    throw Error("litecast prune: -o/--output is required unless --dry-run (see litecast prune --help)");
  if (!dry_run) refuse_overwrite("prune", output, {input, config_path, example, write_config});
  refuse_overwrite("prune", write_config, {input, example});
  PruneOptions o;
  o.config = load_prune_config(config_path);
  for (const std::string& s : shapes) o.input_shapes.push_back(parse_shape(s, "--input-shape"));
  o.example_input = example;
  if (!quiet) o.progress = [](const std::string& m) { std::cerr << "litecast prune: " << m << "\n"; };

  PluginRegistry reg;
  plugin_opts.load(reg);
  PruneResult r = prune(input, o, reg, dry_run ? std::string() : output);
  std::string config_out = write_config.empty() ? (dry_run ? std::string() : config_path) : write_config;
  if (!config_out.empty()) write_prune_config(o.config, r, config_out);
  if (!o.config.metric_given)
    std::cerr << fmt::format("warning: {}: no 'metrics' key; scored channels with {} (TinyNeuralNetwork's default)\n",
                             config_path, o.config.metric);
  if (json) {
    std::cout << to_json(r, dry_run ? std::string() : output, config_out).dump(1) << "\n";
  } else if (dry_run) {
    print_table(r, std::cout);
  } else {
    std::cerr << fmt::format(
        "wrote {}: parameters {} -> {} ({}), MACs {} -> {} ({}), {} groups pruned, {} left whole\n", output,
        r.params_before, r.params_after, ratio(r.params_after, r.params_before), r.macs_before, r.macs_after,
        ratio(r.macs_after, r.macs_before), r.groups.size(), r.refused.size());
    if (r.batch_norm_following_mode + r.dropout_following_mode > 0)
      std::cerr << fmt::format(
          "{} batch_norm and {} dropout calls traced with a fixed mode now follow .train() / .eval()\n",
          r.batch_norm_following_mode, r.dropout_following_mode);
    if (!config_out.empty()) std::cerr << fmt::format("wrote the per-layer config to {}\n", config_out);
  }
  return kExitOk;
}

}  // namespace litecast::cli
