// The pruning configuration in TinyNeuralNetwork's YAML format: reading with validation (every error
// names the file and the key), and writing back the full per-layer form.
#include <litecast/error.hpp>
#include <litecast/prune.hpp>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "util/output_file.hpp"
#include "util/yaml_checks.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace litecast {

namespace {

using util::yaml_check_keys;
using util::yaml_where;

const std::set<std::string> kOpTypes = {"conv", "conv_transpose", "linear"};

double rate(const YAML::Node& n, const std::string& origin, const std::string& key) {
  double v = 0;
  if (!n.IsScalar() || !YAML::convert<double>::decode(n, v) || !std::isfinite(v))
    throw Error(fmt::format("{}: '{}' must be a number in [0, 1), got '{}'", yaml_where(origin, n), key,
                            n.IsScalar() ? n.Scalar() : "a " + std::string(n.IsMap() ? "map" : "list")));
  if (v < 0 || v >= 1)
    throw Error(
        fmt::format("{}: '{}' is {}: a pruning rate must lie in [0, 1)", yaml_where(origin, n), key, n.Scalar()));
  return v;
}

std::vector<std::string> strings(const YAML::Node& n, const std::string& origin, const std::string& key) {
  std::vector<std::string> out;
  if (n.IsScalar()) return {n.Scalar()};
  if (!n.IsSequence()) throw Error(fmt::format("{}: '{}' must be a list of names", yaml_where(origin, n), key));
  for (const YAML::Node& item : n) {
    if (!item.IsScalar()) throw Error(fmt::format("{}: '{}' must be a list of names", yaml_where(origin, item), key));
    out.push_back(item.Scalar());
  }
  return out;
}

}  // namespace

PruneConfig parse_prune_config(const std::string& yaml_text, const std::string& origin) {
  const YAML::Node root = util::yaml_parse(yaml_text, origin);
  if (!root.IsMap()) throw Error(fmt::format("{}: expected a map with 'sparsity' and 'metrics'", origin));
  yaml_check_keys(root, origin, "");
  PruneConfig c;
  c.source = origin;
  c.metric_given = false;
  bool have_sparsity = false;
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "sparsity") {
      have_sparsity = true;
      if (v.IsMap()) {
        yaml_check_keys(v, origin, "sparsity");
        bool have_default = false;
        for (const auto& layer : v) {
          const std::string name = layer.first.Scalar();
          if (name == "default") {
            c.default_sparsity = rate(layer.second, origin, "sparsity.default");
            have_default = true;
          } else {
            c.layers[name] = rate(layer.second, origin, "sparsity." + name);
            c.lines["sparsity." + name] = util::yaml_line(layer.first);
          }
        }
        if (!have_default) c.default_sparsity = 0;
      } else {
        c.default_sparsity = rate(v, origin, "sparsity");
      }
    } else if (key == "metrics" || key == "metric") {
      if (!v.IsScalar() || v.Scalar().empty())
        throw Error(fmt::format("{}: '{}' must name one metric, e.g. l2_norm", yaml_where(origin, v), key));
      c.metric = v.Scalar();
      c.metric_given = true;
    } else if (key == "multiple") {
      int64_t m = 0;
      if (!v.IsScalar() || !YAML::convert<int64_t>::decode(v, m) || m < 1)
        throw Error(fmt::format("{}: 'multiple' must be a positive integer", yaml_where(origin, v)));
      c.multiple = m;
    } else if (key == "skip_last_fc") {
      bool b = false;
      if (!v.IsScalar() || !YAML::convert<bool>::decode(v, b))
        throw Error(fmt::format("{}: 'skip_last_fc' must be true or false", yaml_where(origin, v)));
      c.skip_last_fc = b;
    } else if (key == "exclude_layers") {
      c.exclude_layers = strings(v, origin, key);
      if (v.IsSequence())
        for (const YAML::Node& item : v) c.lines["exclude_layers." + item.Scalar()] = util::yaml_line(item);
      else
        c.lines["exclude_layers." + v.Scalar()] = util::yaml_line(v);
    } else if (key == "exclude_ops") {
      c.exclude_ops = strings(v, origin, key);
      for (const std::string& op : c.exclude_ops)
        if (!kOpTypes.count(op))
          throw Error(fmt::format("{}: 'exclude_ops' has unknown op type '{}' (known: conv, conv_transpose, linear)",
                                  yaml_where(origin, v), op));
    } else if (key == "seed") {
      uint64_t s = 0;
      if (!v.IsScalar() || !YAML::convert<uint64_t>::decode(v, s))
        throw Error(fmt::format("{}: 'seed' must be a non-negative integer", yaml_where(origin, v)));
      c.seed = s;
    } else {
      throw Error(
          fmt::format("{}: unknown key '{}' (known: sparsity, metrics, multiple, skip_last_fc, "
                      "exclude_layers, exclude_ops, seed)",
                      yaml_where(origin, kv.first), key));
    }
  }
  if (!have_sparsity) throw Error(fmt::format("{}: missing key 'sparsity' (e.g. sparsity: 0.25)", origin));
  return c;
}

PruneConfig load_prune_config(const std::string& path) {
  return parse_prune_config(util::read_config_file(path, "pruning config"), path);
}

void write_prune_config(const PruneConfig& c, const PruneResult& result, const std::string& path) {
  YAML::Emitter out;
  out.SetDoublePrecision(15);  // 0.1, not 0.10000000000000001
  out << YAML::BeginMap;
  out << YAML::Key << "sparsity" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "default" << YAML::Value << c.default_sparsity;
  for (const PruneGroup& g : result.groups) out << YAML::Key << g.name << YAML::Value << g.sparsity;
  out << YAML::EndMap;
  out << YAML::Key << "metrics" << YAML::Value << c.metric
      << YAML::Comment("other values: random, l1_norm, l2_norm, fpgm, or a plugin's metric");
  if (c.multiple != 1) out << YAML::Key << "multiple" << YAML::Value << c.multiple;
  if (!c.skip_last_fc) out << YAML::Key << "skip_last_fc" << YAML::Value << false;
  if (!c.exclude_layers.empty()) out << YAML::Key << "exclude_layers" << YAML::Value << YAML::Flow << c.exclude_layers;
  if (!c.exclude_ops.empty()) out << YAML::Key << "exclude_ops" << YAML::Value << YAML::Flow << c.exclude_ops;
  if (c.seed != 0) out << YAML::Key << "seed" << YAML::Value << c.seed;
  out << YAML::EndMap;

  std::string text = out.c_str();
  text += "\n";
  if (!result.refused.empty()) {
    text += "# Left whole (not prunable):\n";
    for (const RefusedLayer& r : result.refused) text += fmt::format("#   {}: {}\n", r.name, r.reason);
  }
  util::TempOutput tmp(path);
  {
    std::ofstream f(tmp.path(), std::ios::binary | std::ios::trunc);
    f << text;
    if (!f.flush()) throw Error(fmt::format("{}: cannot write the pruning config", path));
  }
  tmp.commit();
}

}  // namespace litecast
