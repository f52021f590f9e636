// `litecast prune`: find the channel groups, choose each group's rate from the config, score
// its channels with a metric plugin, keep the best, slice the parameters of the ORIGINAL
// module hierarchy (state_dict keys unchanged, parameters still trainable), patch the
// constants that encode channel counts in the submodules' method graphs, make traced
// BatchNorm and dropout follow the module's mode, then save, load back and run the result
// before renaming it into place.
#include "graph/archive_check.hpp"
#include "graph/example_file.hpp"
#include "graph/torch_message.hpp"
#include "prune/channel_groups.hpp"
#include "prune/flat_graph.hpp"
#include "prune/training_flags.hpp"
#include "util/output_file.hpp"

#include <litecast/error.hpp>
#include <litecast/prune.hpp>
#include <litecast_internal/call_context.hpp>

#include <fmt/format.h>
#include <torch/script.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <set>

namespace litecast {

namespace {

using pruning::ChannelGroups;
using pruning::FlatGraph;
using pruning::Layout;
using pruning::Segment;

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

bool matches_layer(const std::string& name, const std::string& pattern) {
  return name == pattern ||
         (name.size() > pattern.size() && name.compare(0, pattern.size(), pattern) == 0 && name[pattern.size()] == '.');
}

const lc_pruning_metric_t* find_metric(const PluginRegistry& plugins, const std::string& name,
                                       const std::string& source, std::string* plugin_id) {
  const InterfaceEntry* e = plugins.find_interface(LC_PRUNING_METRIC_V1, name);
  if (!e) {
    std::vector<std::string> known;
    for (const InterfaceEntry* i : plugins.interfaces(LC_PRUNING_METRIC_V1)) known.push_back(i->name);
    throw Error(fmt::format("{}: 'metrics': unknown pruning metric '{}' (loaded plugins offer: {})", source, name,
                            known.empty() ? std::string("none") : fmt::format("{}", fmt::join(known, ", "))));
  }
  const auto* m = static_cast<const lc_pruning_metric_t*>(e->impl);
  if (!LC_HAS_FIELD(m, lc_pruning_metric_t, user) || !m->score)
    throw Error(fmt::format("pruning metric '{}' of plugin {} is incomplete", name, e->plugin));
  *plugin_id = e->plugin;
  return m;
}

// Scores of the group's channels: the rows of every producer's weight along its output dim,
// laid side by side, as one matrix channels x per_channel.
std::vector<float> score_group(const lc_pruning_metric_t* metric, const std::string& plugin,
                               const std::string& metric_name, const std::string& name,
                               const std::vector<pruning::Producer>& producers, const FlatGraph& g, int64_t channels,
                               uint64_t seed) {
  std::vector<at::Tensor> rows;
  for (const pruning::Producer& p : producers) {
    at::Tensor w = g.params[p.param].tensor().detach().to(at::kFloat);
    rows.push_back(w.movedim(p.out_dim, 0).reshape({channels, -1}));
  }
  at::Tensor m = at::cat(rows, 1).contiguous();
  lc_metric_input_t in{};
  in.struct_size = sizeof in;
  in.layer = name.c_str();
  in.weight = m.data_ptr<float>();
  in.out_channels = channels;
  in.per_channel = m.size(1);
  in.seed = seed ^ fnv1a(name);
  std::vector<float> scores(static_cast<size_t>(channels), 0.0f);
  lc_ctx ctx;
  ctx.plugin = plugin;
  ctx.log = [&](int32_t, const std::string& msg) { std::cerr << "[" << plugin << "] " << msg << "\n"; };
  const int32_t status = metric->score(metric->user, &ctx, internal::host_api(), &in, scores.data());
  if (status != LC_OK)
    throw Error(fmt::format("pruning metric '{}' ({}) failed on layer {}: {}", metric_name, plugin, name,
                            ctx.error.empty() ? "no reason given" : ctx.error));
  for (float s : scores)
    if (!std::isfinite(s))
      throw Error(
          fmt::format("pruning metric '{}' ({}) gave a non-finite score on layer {}", metric_name, plugin, name));
  return scores;
}

int64_t kept_count(int64_t channels, double rate, int64_t multiple) {
  int64_t keep = channels - static_cast<int64_t>(std::floor(static_cast<double>(channels) * rate + 1e-9));
  if (multiple > 1) keep = (keep + multiple - 1) / multiple * multiple;
  return std::clamp<int64_t>(keep, 1, channels);
}

void flatten_outputs(const c10::IValue& v, std::vector<at::Tensor>& out) {
  if (v.isTensor()) {
    out.push_back(v.toTensor());
  } else if (v.isTuple()) {
    for (const auto& e : v.toTupleRef().elements()) flatten_outputs(e, out);
  } else if (v.isList()) {
    for (const auto& e : v.toListRef()) flatten_outputs(e, out);
  }
}

std::set<std::string> state_keys(const torch::jit::Module& m) {
  std::set<std::string> keys;
  for (const auto& p : m.named_parameters()) keys.insert(p.name);
  for (const auto& b : m.named_buffers()) keys.insert(b.name);
  return keys;
}

// The kept channels of every pruned group, and what they mean along a layout's axis.
struct KeptChannels {
  const ChannelGroups& cg;
  std::map<int, std::vector<int64_t>> by_root;  // ascending channel indices

  std::vector<int64_t> positions(const Layout& l) const {
    std::vector<int64_t> pos;
    int64_t off = 0;
    for (const Segment& s : l.segs) {
      auto it = by_root.find(cg.find(s.space));
      for (int64_t c = s.start; c < s.start + s.len; ++c) {
        const bool keep = it == by_root.end() || std::binary_search(it->second.begin(), it->second.end(), c);
        if (keep)
          for (int64_t k = 0; k < s.rep; ++k) pos.push_back(off + (c - s.start) * s.rep + k);
      }
      off += s.len * s.rep;
    }
    return pos;
  }
  int64_t count(const Layout& l) const { return static_cast<int64_t>(positions(l).size()); }
};

// The best `kept` channels by score, the same number in each of `blocks` equal blocks; ascending.
std::vector<int64_t> select_channels(const std::vector<float>& scores, int64_t kept, int64_t blocks) {
  const int64_t channels = static_cast<int64_t>(scores.size()), block = channels / blocks;
  std::vector<int64_t> idx;
  for (int64_t b = 0; b < blocks; ++b) {
    std::vector<int64_t> part(static_cast<size_t>(block));
    std::iota(part.begin(), part.end(), b * block);
    std::stable_sort(part.begin(), part.end(), [&](int64_t x, int64_t y) { return scores[x] > scores[y]; });
    idx.insert(idx.end(), part.begin(), part.begin() + kept / blocks);
  }
  std::sort(idx.begin(), idx.end());
  return idx;
}

// Every conv/linear call before and after, and the MAC totals.
void report_layers(const ChannelGroups& cg, const FlatGraph& g, const KeptChannels& kept, PruneResult& r) {
  for (const pruning::LayerCall& lc : cg.layers()) {
    PruneLayer pl;
    pl.name = lc.name;
    pl.op = lc.op;
    pl.in_before = lc.in_channels;
    pl.out_before = lc.out_channels;
    pl.in_after = lc.in ? kept.count(*lc.in) : lc.in_channels;
    pl.out_after = lc.out ? kept.count(*lc.out) : lc.out_channels;
    const int64_t g_after = std::max<int64_t>(1, lc.op == "depthwise_conv" ? pl.in_after : lc.groups);
    pl.macs_before = lc.out_elems_per_channel * lc.out_channels * (lc.in_channels / lc.groups) * lc.kernel;
    pl.macs_after = lc.out_elems_per_channel * pl.out_after * (pl.in_after / g_after) * lc.kernel;
    auto numel = [&](int p) { return p >= 0 ? g.params[p].tensor().numel() : 0; };
    pl.params_before = numel(lc.weight) + numel(lc.bias);
    pl.params_after =
        (lc.weight >= 0 ? lc.kernel * pl.out_after * (pl.in_after / g_after) : 0) + (lc.bias >= 0 ? pl.out_after : 0);
    r.macs_before += pl.macs_before;
    r.macs_after += pl.macs_after;
    r.layers.push_back(pl);
  }
}

// What to cut from each parameter: positions to keep per dim, and for grouped convolution
// weights the kept columns of each output row (row block b keeps, along dim 1, the input
// channels input block b keeps: the same count in every block).
struct Cuts {
  std::map<int, std::vector<std::pair<int64_t, std::vector<int64_t>>>> dims;  // param -> (dim, positions)
  std::map<int, at::Tensor> grouped_cols;                                     // param -> [rows, kept per block]
  std::set<int> params;

  Cuts(const ChannelGroups& cg, const FlatGraph& g, const KeptChannels& kept) {
    for (const pruning::ParamSlice& s : cg.slices()) {
      std::vector<int64_t> pos = kept.positions(s.layout);
      if (static_cast<int64_t>(pos.size()) == g.params[s.param].tensor().size(s.dim)) continue;
      dims[s.param].emplace_back(s.dim, std::move(pos));
      params.insert(s.param);
    }
    for (const pruning::GroupedSlice& gs : cg.grouped_slices()) {
      const std::vector<int64_t> pos = kept.positions(gs.in);
      const at::Tensor t = g.params[gs.param].tensor();
      const int64_t rows = t.size(0), per_in = t.size(1), per_out = rows / gs.groups;
      if (static_cast<int64_t>(pos.size()) == per_in * gs.groups) continue;
      const int64_t kept_per = static_cast<int64_t>(pos.size()) / gs.groups;
      std::vector<int64_t> cols;
      for (int64_t o = 0; o < rows; ++o) {
        const int64_t b = o / per_out;
        int64_t found = 0;
        for (int64_t q : pos)
          if (q / per_in == b) {
            cols.push_back(q - b * per_in);
            ++found;
          }
        if (found != kept_per)
          throw Error("internal: a grouped convolution's blocks keep unequal channels (please report this)");
      }
      grouped_cols[gs.param] = at::tensor(cols, at::kLong).reshape({rows, kept_per});
      params.insert(gs.param);
    }
  }

  at::Tensor cut(int p, const at::Tensor& orig) const {
    at::Tensor t = orig.detach();
    auto gc = grouped_cols.find(p);
    if (gc != grouped_cols.end()) {  // before the rows are cut: one index row per original row
      std::vector<int64_t> shape = t.sizes().vec();
      shape[1] = gc->second.size(1);
      at::Tensor index = gc->second;
      for (size_t d = 2; d < shape.size(); ++d) index = index.unsqueeze(-1);
      t = t.gather(1, index.expand(shape));
    }
    auto it = dims.find(p);
    if (it != dims.end())
      for (const auto& [dim, pos] : it->second) t = t.index_select(dim, at::tensor(pos, at::kLong));
    return t;
  }

  int64_t removed_params(const FlatGraph& g) const {
    int64_t removed = 0;
    for (int p : params) {
      if (!g.params[p].is_parameter) continue;
      const at::Tensor t = g.params[p].tensor();
      int64_t n = t.numel();
      auto gc = grouped_cols.find(p);
      if (gc != grouped_cols.end()) n = n / t.size(1) * gc->second.size(1);
      auto it = dims.find(p);
      if (it != dims.end())
        for (const auto& [dim, pos] : it->second) n = n / t.size(dim) * static_cast<int64_t>(pos.size());
      removed += t.numel() - n;
    }
    return removed;
  }
};

// New tensors into the original modules (parameters stay trainable), new constants into the
// submodules' method graphs.
void apply(const FlatGraph& g, const ChannelGroups& cg, const KeptChannels& kept, const Cuts& cuts) {
  {
    torch::NoGradGuard no_grad;
    for (int p : cuts.params) {
      const pruning::Param& param = g.params[p];
      const at::Tensor orig = param.tensor();
      at::Tensor t = cuts.cut(p, orig).contiguous().clone();
      if (param.is_parameter) t.set_requires_grad(orig.requires_grad());
      torch::jit::Module owner = param.owner;
      owner.setattr(param.attr, t);
    }
  }
  std::map<std::pair<torch::jit::Node*, size_t>, c10::IValue> values;
  auto count = [&](const Layout& l) { return kept.count(l); };
  for (const pruning::Patch& p : cg.patches()) {
    c10::IValue v = p.value(count);
    auto key = std::make_pair(p.node, p.input);
    auto it = values.find(key);
    if (it != values.end() && !(it->second == v))
      throw Error(fmt::format("internal: conflicting {} patches for one node (please report this)", p.what));
    values[key] = v;
  }
  for (const auto& [key, v] : values) {
    torch::jit::Node* n = key.first;
    torch::jit::WithInsertPoint guard(n);
    n->replaceInput(key.second, n->owningGraph()->insertConstant(v));
  }
}

// Saves to a temporary file that must load and run with the original's output shapes and
// state_dict keys, then renames it into place.
void save_verified(torch::jit::Module& module, const std::vector<at::Tensor>& inputs, const FlatGraph& g,
                   const std::set<std::string>& keys_before, const std::string& output_path) {
  util::TempOutput out(output_path);
  const std::string& tmp = out.path();
  auto fail = [&](const std::string& why) {
    out.discard();
    throw Error(why);
  };
  try {
    module.save(tmp);
  } catch (const c10::Error& e) {
    fail(fmt::format("{}: cannot write the pruned model: {}", output_path,
                     graph::torch_message(e.what_without_backtrace())));
  }
  try {
    torch::NoGradGuard no_grad;
    torch::jit::Module back = torch::jit::load(tmp);
    back.eval();  // BatchNorm may now follow the mode: batch statistics would need a larger batch
    std::vector<c10::IValue> args(inputs.begin(), inputs.end());
    std::vector<at::Tensor> got, want;
    flatten_outputs(back.forward(args), got);
    for (int o : g.outputs) flatten_outputs(g.values[o].value, want);
    if (got.size() != want.size())
      fail(fmt::format("internal: the pruned model has {} outputs, the original {} (please report this)", got.size(),
                       want.size()));
    for (size_t i = 0; i < got.size(); ++i)
      if (got[i].sizes() != want[i].sizes())
        fail(fmt::format("internal: output {} of the pruned model has shape {}, the original {} (please report this)",
                         i, fmt::join(got[i].sizes(), "x"), fmt::join(want[i].sizes(), "x")));
    if (state_keys(back) != keys_before)
      fail("internal: pruning changed the model's state_dict keys (please report this)");
  } catch (const c10::Error& e) {
    fail(fmt::format("internal: the pruned model does not run: {} (please report this)",
                     graph::torch_message(e.what_without_backtrace())));
  }
  out.commit();
}

// "config.yaml:LINE" for a key whose line the config reader kept, else the file.
std::string config_where(const PruneConfig& cfg, const std::string& key) {
  auto it = cfg.lines.find(key);
  return it == cfg.lines.end() || it->second <= 0 ? cfg.source : fmt::format("{}:{}", cfg.source, it->second);
}

// Every key under `sparsity` must name a prunable group; say why when it does not.
void check_layer_names(const PruneConfig& cfg, const std::map<std::string, int>& groups,
                       const std::map<std::string, std::string>& alias, const std::vector<RefusedLayer>& refused,
                       const std::string& model_path) {
  for (const auto& entry : cfg.layers) {
    const std::string& key = entry.first;
    if (groups.count(key)) continue;
    if (alias.count(key))
      throw Error(fmt::format("{}: 'sparsity.{}': this layer is pruned together with '{}'; set the rate there",
                              config_where(cfg, "sparsity." + key), key, alias.at(key)));
    for (const RefusedLayer& f : refused)
      if (f.name == key)
        throw Error(fmt::format("{}: 'sparsity.{}': this layer cannot be pruned: {}",
                                config_where(cfg, "sparsity." + key), key, f.reason));
    throw Error(
        fmt::format("{}: 'sparsity.{}': unknown layer (not a prunable layer of {}; `litecast prune "
                    "--dry-run` lists them)",
                    config_where(cfg, "sparsity." + key), key, model_path));
  }
  // An exclusion that names no layer is a typo that would silently prune what it meant to keep.
  for (const std::string& ex : cfg.exclude_layers) {
    bool found = false;
    for (const auto& [name, root] : groups) found = found || matches_layer(name, ex);
    for (const auto& [name, group] : alias) found = found || matches_layer(name, ex);
    for (const RefusedLayer& f : refused) found = found || matches_layer(f.name, ex);
    if (!found)
      throw Error(
          fmt::format("{}: 'exclude_layers' names '{}', which is no prunable layer (or module) of {}; "
                      "`litecast prune --dry-run` lists them",
                      config_where(cfg, "exclude_layers." + ex), ex, model_path));
  }
}

// The rate of a group: named in the config, or the default; 0 when excluded or when it is the
// output of the last layer, a linear one (skip_last_fc), without being named.
double group_rate(const PruneConfig& cfg, const std::string& name, const std::vector<pruning::Producer>& ps,
                  bool last_fc) {
  const bool named = cfg.layers.count(name) > 0;
  double rate = named ? cfg.layers.at(name) : cfg.default_sparsity;
  if (!named && cfg.skip_last_fc && last_fc) rate = 0;
  for (const auto& p : ps) {
    for (const std::string& ex : cfg.exclude_layers)
      if (matches_layer(p.layer, ex)) rate = 0;
    for (const std::string& op : cfg.exclude_ops)
      if (p.op == op) rate = 0;
  }
  return rate;
}

}  // namespace

PruneResult prune(const std::string& model_path, const PruneOptions& options, const PluginRegistry& plugins,
                  const std::string& output_path) {
  auto progress = [&](const std::string& m) {
    if (options.progress) options.progress(m);
  };
  const PruneConfig& cfg = options.config;
  std::string plugin_id;
  const lc_pruning_metric_t* metric = find_metric(plugins, cfg.metric, cfg.source, &plugin_id);
  if (options.input_shapes.empty() && options.example_input.empty())
    throw Error(
        "--input-shape is required: TorchScript archives keep no input shapes (e.g. 1,3,224,224), or give "
        "--example-input FILE");
  std::vector<at::Tensor> inputs;
  if (!options.example_input.empty()) {
    inputs = graph::load_example_file(options.example_input);
    if (!options.input_shapes.empty() && options.input_shapes.size() != inputs.size())
      throw Error(fmt::format("{} --input-shape given, --example-input {} holds {} tensor{}",
                              options.input_shapes.size(), options.example_input, inputs.size(),
                              inputs.size() == 1 ? "" : "s"));
    for (size_t i = 0; i < options.input_shapes.size(); ++i)
      if (options.input_shapes[i] != inputs[i].sizes().vec())
        throw Error(
            fmt::format("--input-shape (input {}) disagrees with the tensor of --example-input {}; give one "
                        "or the other",
                        i, options.example_input));
  }

  progress("loading " + model_path);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(model_path, ec))
    throw Error(fmt::format("{}: {}", model_path,
                            std::filesystem::exists(model_path, ec) ? "not a regular file" : "no such file"));
  graph::check_archive_records(model_path);
  torch::jit::Module module;
  try {
    module = torch::jit::load(model_path);
  } catch (const c10::Error& e) {
    throw Error(
        fmt::format("{}: not a TorchScript model: {}", model_path, graph::torch_message(e.what_without_backtrace())));
  }
  torch::manual_seed(1);
  if (inputs.empty())
    for (const auto& s : options.input_shapes) inputs.push_back(at::randn(s));

  progress("running the model once to find channel dependencies");
  const FlatGraph g = pruning::run_flat(module, inputs);
  ChannelGroups cg(g);

  // Groups, named after their first producer; every producer's name leads to its group.
  PruneResult r;
  std::map<std::string, int> by_name;        // group name -> root
  std::map<std::string, std::string> alias;  // other producer -> group name
  for (int root : cg.group_order()) {
    const auto& ps = cg.producers().at(root);
    const std::string& name = ps.front().layer;
    if (!cg.fixed_reason(root).empty()) {
      r.refused.push_back(RefusedLayer{name, cg.fixed_reason(root)});
      continue;
    }
    by_name[name] = root;
    for (const auto& p : ps)
      if (p.layer != name) alias[p.layer] = name;
  }
  check_layer_names(cfg, by_name, alias, r.refused, model_path);

  // Rates, kept counts and kept channels.
  progress(fmt::format("scoring {} groups of channels with metric {}", by_name.size(), cfg.metric));
  std::set<int> last_fc;
  for (int s : cg.last_fc_outputs()) last_fc.insert(s);
  KeptChannels kept{cg, {}};
  for (int root : cg.group_order()) {
    if (!cg.fixed_reason(root).empty()) continue;
    const auto& ps = cg.producers().at(root);
    PruneGroup grp;
    grp.name = ps.front().layer;
    for (const auto& p : ps) grp.producers.push_back(p.layer);
    grp.channels = cg.space_size(root);
    grp.sparsity = group_rate(cfg, grp.name, ps, last_fc.count(root) > 0);
    // Groups that feed or come from grouped convolutions keep as many channels in each block.
    const int64_t blocks = cg.blocks(root);
    grp.kept = kept_count(grp.channels, grp.sparsity, cfg.multiple);
    grp.kept = std::min(grp.channels, (grp.kept + blocks - 1) / blocks * blocks);
    if (grp.kept < grp.channels) {
      grp.kept_indices = select_channels(
          score_group(metric, plugin_id, cfg.metric, grp.name, ps, g, grp.channels, cfg.seed), grp.kept, blocks);
    } else {
      grp.kept_indices.resize(static_cast<size_t>(grp.channels));
      std::iota(grp.kept_indices.begin(), grp.kept_indices.end(), 0);
    }
    kept.by_root[root] = grp.kept_indices;
    r.groups.push_back(std::move(grp));
  }

  report_layers(cg, g, kept, r);
  const Cuts cuts(cg, g, kept);
  for (const auto& p : module.parameters()) r.params_before += p.numel();
  r.params_after = r.params_before - cuts.removed_params(g);
  if (output_path.empty()) return r;

  progress("slicing parameters and patching channel counts");
  const std::set<std::string> keys_before = state_keys(module);
  apply(g, cg, kept, cuts);
  const pruning::TrainingFlags flags = pruning::follow_training_flags(g);
  r.batch_norm_following_mode = flags.batch_norm;
  r.dropout_following_mode = flags.dropout;
  progress("writing " + output_path);
  save_verified(module, inputs, g, keys_before, output_path);
  return r;
}

}  // namespace litecast
