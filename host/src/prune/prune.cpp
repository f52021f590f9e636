// `litecast prune`: find the channel groups, choose each group's rate from the config, score
// its channels with a metric plugin, keep the best, slice the parameters of the ORIGINAL
// module hierarchy (state_dict keys unchanged, parameters still trainable), patch the
// constants that encode channel counts in the submodules' method graphs, then save, load back
// and run the result before renaming it into place.
#include "prune/channel_groups.hpp"
#include "prune/flat_graph.hpp"

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

}  // namespace

PruneResult prune(const std::string& model_path, const PruneOptions& options, const PluginRegistry& plugins,
                  const std::string& output_path) {
  auto progress = [&](const std::string& m) {
    if (options.progress) options.progress(m);
  };
  const PruneConfig& cfg = options.config;
  std::string plugin_id;
  const lc_pruning_metric_t* metric = find_metric(plugins, cfg.metric, cfg.source, &plugin_id);
  if (options.input_shapes.empty())
    throw Error("--input-shape is required: TorchScript archives keep no input shapes (e.g. 1,3,224,224)");

  progress("loading " + model_path);
  if (!std::filesystem::is_regular_file(model_path)) throw Error(fmt::format("{}: no such file", model_path));
  torch::jit::Module module;
  try {
    module = torch::jit::load(model_path);
  } catch (const c10::Error& e) {
    throw Error(
        fmt::format("{}: not a TorchScript model: {}", model_path, pruning::error_line(e.what_without_backtrace())));
  }
  torch::manual_seed(1);
  std::vector<at::Tensor> inputs;
  for (const auto& s : options.input_shapes) inputs.push_back(at::randn(s));

  progress("running the model once to find channel dependencies");
  const FlatGraph g = pruning::run_flat(module, inputs);
  ChannelGroups cg(g);

  // Groups, named after their first producer; every producer's name leads to its group.
  PruneResult r;
  std::map<std::string, int> by_name;        // group name -> root
  std::map<std::string, std::string> alias;  // other producer -> group name
  std::map<int, std::string> root_name;
  std::set<int> last_fc;
  for (int s : cg.last_fc_inputs()) last_fc.insert(s);
  for (int root : cg.group_order()) {
    const auto& ps = cg.producers().at(root);
    const std::string name = ps.front().layer;
    root_name[root] = name;
    if (!cg.fixed_reason(root).empty()) {
      r.refused.push_back(RefusedLayer{name, cg.fixed_reason(root)});
      continue;
    }
    by_name[name] = root;
    for (const auto& p : ps)
      if (p.layer != name) alias[p.layer] = name;
  }
  for (const auto& [key, rate] : cfg.layers) {
    (void)rate;
    if (by_name.count(key)) continue;
    if (alias.count(key))
      throw Error(fmt::format("{}: 'sparsity.{}': this layer is pruned together with '{}'; set the rate there",
                              cfg.source, key, alias.at(key)));
    for (const RefusedLayer& f : r.refused)
      if (f.name == key)
        throw Error(fmt::format("{}: 'sparsity.{}': this layer cannot be pruned: {}", cfg.source, key, f.reason));
    throw Error(
        fmt::format("{}: 'sparsity.{}': unknown layer (not a prunable layer of {}; `litecast prune "
                    "--dry-run` lists them)",
                    cfg.source, key, model_path));
  }

  // Rates, kept counts and kept channels.
  std::map<int, std::vector<int64_t>> kept;  // root -> kept channel indices (ascending)
  progress(fmt::format("scoring {} groups of channels with metric {}", by_name.size(), cfg.metric));
  for (int root : cg.group_order()) {
    if (!cg.fixed_reason(root).empty()) continue;
    const auto& ps = cg.producers().at(root);
    const std::string& name = root_name[root];
    PruneGroup grp;
    grp.name = name;
    for (const auto& p : ps) grp.producers.push_back(p.layer);
    grp.channels = cg.space_size(root);
    const bool named = cfg.layers.count(name) > 0;
    grp.sparsity = named ? cfg.layers.at(name) : cfg.default_sparsity;
    if (!named && cfg.skip_last_fc && last_fc.count(root)) grp.sparsity = 0;
    for (const auto& p : ps) {
      for (const std::string& ex : cfg.exclude_layers)
        if (matches_layer(p.layer, ex)) grp.sparsity = 0;
      for (const std::string& op : cfg.exclude_ops)
        if (p.op == op) grp.sparsity = 0;
    }
    // Groups that feed or come from grouped convolutions keep as many channels in each block.
    const int64_t blocks = cg.blocks(root), block = grp.channels / blocks;
    grp.kept = kept_count(grp.channels, grp.sparsity, cfg.multiple);
    grp.kept = std::min(grp.channels, (grp.kept + blocks - 1) / blocks * blocks);
    std::vector<int64_t> idx;
    if (grp.kept < grp.channels) {
      const std::vector<float> scores = score_group(metric, plugin_id, cfg.metric, name, ps, g, grp.channels, cfg.seed);
      for (int64_t b = 0; b < blocks; ++b) {
        std::vector<int64_t> part(static_cast<size_t>(block));
        std::iota(part.begin(), part.end(), b * block);
        std::stable_sort(part.begin(), part.end(), [&](int64_t x, int64_t y) { return scores[x] > scores[y]; });
        idx.insert(idx.end(), part.begin(), part.begin() + grp.kept / blocks);
      }
      std::sort(idx.begin(), idx.end());
    } else {
      idx.resize(static_cast<size_t>(grp.channels));
      std::iota(idx.begin(), idx.end(), 0);
    }
    grp.kept_indices = idx;
    kept[root] = idx;
    r.groups.push_back(std::move(grp));
  }

  // Kept positions along a layout's axis.
  auto positions = [&](const Layout& l) {
    std::vector<int64_t> pos;
    int64_t off = 0;
    for (const Segment& s : l.segs) {
      auto it = kept.find(cg.find(s.space));
      for (int64_t c = s.start; c < s.start + s.len; ++c) {
        bool keep = true;
        if (it != kept.end()) keep = std::binary_search(it->second.begin(), it->second.end(), c);
        if (keep)
          for (int64_t k = 0; k < s.rep; ++k) pos.push_back(off + (c - s.start) * s.rep + k);
      }
      off += s.len * s.rep;
    }
    return pos;
  };
  auto kept_positions = [&](const Layout& l) { return static_cast<int64_t>(positions(l).size()); };

  // The report: layers, parameters and MACs.
  for (const pruning::LayerCall& lc : cg.layers()) {
    PruneLayer pl;
    pl.name = lc.name;
    pl.op = lc.op;
    pl.in_before = lc.in_channels;
    pl.out_before = lc.out_channels;
    pl.in_after = lc.in ? kept_positions(*lc.in) : lc.in_channels;
    pl.out_after = lc.out ? kept_positions(*lc.out) : lc.out_channels;
    const int64_t g_before = lc.groups, g_after = lc.op == "depthwise_conv" ? pl.in_after : lc.groups;
    pl.macs_before = lc.out_elems_per_channel * lc.out_channels * (lc.in_channels / g_before) * lc.kernel;
    pl.macs_after = lc.out_elems_per_channel * pl.out_after * (pl.in_after / std::max<int64_t>(1, g_after)) * lc.kernel;
    auto numel = [&](int p) { return p >= 0 ? g.params[p].tensor().numel() : 0; };
    pl.params_before = numel(lc.weight) + numel(lc.bias);
    const int64_t w_after =
        lc.weight >= 0 ? lc.kernel * pl.out_after * (pl.in_after / std::max<int64_t>(1, g_after)) : 0;
    pl.params_after = w_after + (lc.bias >= 0 ? pl.out_after : 0);
    r.macs_before += pl.macs_before;
    r.macs_after += pl.macs_after;
    r.layers.push_back(pl);
  }
  for (const auto& p : module.parameters()) r.params_before += p.numel();
  r.params_after = r.params_before;
  std::vector<std::vector<int64_t>> new_shape(g.params.size());
  std::map<int, std::vector<std::pair<int64_t, std::vector<int64_t>>>> cuts;  // param -> (dim, positions)
  for (const pruning::ParamSlice& s : cg.slices()) {
    const std::vector<int64_t> pos = positions(s.layout);
    const at::Tensor t = g.params[s.param].tensor();
    if (static_cast<int64_t>(pos.size()) == t.size(s.dim)) continue;
    cuts[s.param].emplace_back(s.dim, pos);
  }
  // Grouped convolution weights: row block b keeps, along dim 1, the input channels that input
  // block b keeps (the same count in every block).
  std::map<int, at::Tensor> grouped_cols;  // param -> [rows, kept per block] column indices
  for (const pruning::GroupedSlice& gs : cg.grouped_slices()) {
    const std::vector<int64_t> pos = positions(gs.in);
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
  }
  std::set<int> touched;
  for (const auto& [p, dims] : cuts) touched.insert(p);
  for (const auto& [p, cols] : grouped_cols) touched.insert(p);
  for (int p : touched) {
    const at::Tensor t = g.params[p].tensor();
    int64_t n = t.numel();
    if (grouped_cols.count(p)) n = n / t.size(1) * grouped_cols[p].size(1);
    if (cuts.count(p))
      for (const auto& [dim, pos] : cuts[p]) n = n / t.size(dim) * static_cast<int64_t>(pos.size());
    if (g.params[p].is_parameter) r.params_after -= t.numel() - n;
  }
  if (output_path.empty()) return r;

  // Apply to the original hierarchy.
  progress("slicing parameters and patching channel counts");
  const std::set<std::string> keys_before = state_keys(module);
  {
    torch::NoGradGuard no_grad;
    for (int p : touched) {
      const pruning::Param& param = g.params[p];
      const at::Tensor orig = param.tensor();
      at::Tensor t = orig.detach();
      auto gc = grouped_cols.find(p);
      if (gc != grouped_cols.end()) {  // before the rows are cut: the index has one row per original row
        std::vector<int64_t> shape = t.sizes().vec();
        shape[1] = gc->second.size(1);
        at::Tensor index = gc->second;
        for (size_t d = 2; d < shape.size(); ++d) index = index.unsqueeze(-1);
        t = t.gather(1, index.expand(shape));
      }
      if (cuts.count(p))
        for (const auto& [dim, pos] : cuts[p]) t = t.index_select(dim, at::tensor(pos, at::kLong));
      t = t.contiguous().clone();
      if (param.is_parameter) t.set_requires_grad(orig.requires_grad());
      torch::jit::Module owner = param.owner;
      owner.setattr(param.attr, t);
    }
  }
  std::map<std::pair<torch::jit::Node*, size_t>, c10::IValue> patch_values;
  for (const pruning::Patch& p : cg.patches()) {
    c10::IValue v = p.value(kept_positions);
    auto key = std::make_pair(p.node, p.input);
    auto it = patch_values.find(key);
    if (it != patch_values.end() && !(it->second == v))
      throw Error(fmt::format("internal: conflicting {} patches for one node (please report this)", p.what));
    patch_values[key] = v;
  }
  for (const auto& [key, v] : patch_values) {
    torch::jit::Node* n = key.first;
    torch::jit::WithInsertPoint guard(n);
    torch::jit::Value* c = n->owningGraph()->insertConstant(v);
    n->replaceInput(key.second, c);
  }

  progress("writing " + output_path);
  const std::string tmp = output_path + ".tmp";
  auto fail = [&](const std::string& why) {
    std::remove(tmp.c_str());
    throw Error(why);
  };
  try {
    module.save(tmp);
  } catch (const c10::Error& e) {
    fail(fmt::format("{}: cannot write the pruned model: {}", output_path,
                     pruning::error_line(e.what_without_backtrace())));
  }
  // The file must load and run, with the same inputs, outputs and state_dict keys.
  try {
    torch::NoGradGuard no_grad;
    torch::jit::Module back = torch::jit::load(tmp);
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
                     pruning::error_line(e.what_without_backtrace())));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, output_path, ec);
  if (ec) fail(fmt::format("{}: cannot write: {}", output_path, ec.message()));
  return r;
}

}  // namespace litecast
