// The pruning configuration in TinyNeuralNetwork's YAML format: reading with validation (every error
// names the file and the key), and writing back the full per-layer form.
#include <litecast/error.hpp>
#include <litecast/prune.hpp>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "util/output_file.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace litecast {

namespace {

const std::set<std::string> kOpTypes = {"conv", "conv_transpose", "linear"};

std::string where(const std::string& origin, const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  return m.is_null() ? origin : fmt::format("{}:{}", origin, m.line + 1);
}

double rate(const YAML::Node& n, const std::string& origin, const std::string& key) {
  double v = 0;
  if (!n.IsScalar() || !YAML::convert<double>::decode(n, v) || !std::isfinite(v))
    throw Error(fmt::format("{}: '{}' must be a number in [0, 1), got '{}'", where(origin, n), key,
                            n.IsScalar() ? n.Scalar() : "a " + std::string(n.IsMap() ? "map" : "list")));
  if (v < 0 || v >= 1)
    throw Error(fmt::format("{}: '{}' is {}: a pruning rate must lie in [0, 1)", where(origin, n), key, n.Scalar()));
  return v;
}

std::vector<std::string> strings(const YAML::Node& n, const std::string& origin, const std::string& key) {
  std::vector<std::string> out;
  if (n.IsScalar()) return {n.Scalar()};
  if (!n.IsSequence()) throw Error(fmt::format("{}: '{}' must be a list of names", where(origin, n), key));
  for (const YAML::Node& item : n) {
    if (!item.IsScalar()) throw Error(fmt::format("{}: '{}' must be a list of names", where(origin, item), key));
    out.push_back(item.Scalar());
  }
  return out;
}

int line_of(const YAML::Node& n) {
  return n.Mark().is_null() ? 0 : n.Mark().line + 1;
}

// A map's keys must be plain names, each given once (yaml-cpp keeps duplicates silently).
void check_keys(const YAML::Node& map, const std::string& origin, const std::string& prefix) {
  std::map<std::string, int> seen;
  for (const auto& kv : map) {
    if (!kv.first.IsScalar())
      throw Error(fmt::format("{}: a key {}must be a name, not a {}", where(origin, kv.first),
                              prefix.empty() ? "" : "under '" + prefix + "' ",
                              kv.first.IsMap()        ? "map"
                              : kv.first.IsSequence() ? "list"
                                                      : "null"));
    const std::string name = prefix.empty() ? kv.first.Scalar() : prefix + "." + kv.first.Scalar();
    auto [it, fresh] = seen.emplace(kv.first.Scalar(), line_of(kv.first));
    if (!fresh)
      throw Error(fmt::format("{}: '{}' is given twice (first on line {})", where(origin, kv.first), name, it->second));
  }
}

}  // namespace

PruneConfig parse_prune_config(const std::string& yaml_text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw Error(fmt::format("{}:{}: malformed YAML: {}", origin, e.mark.line + 1, e.msg));
  }
  if (!root.IsMap()) throw Error(fmt::format("{}: expected a map with 'sparsity' and 'metrics'", origin));
  check_keys(root, origin, "");
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
        check_keys(v, origin, "sparsity");
        bool have_default = false;
        for (const auto& layer : v) {
          const std::string name = layer.first.Scalar();
          if (name == "default") {
            c.default_sparsity = rate(layer.second, origin, "sparsity.default");
            have_default = true;
          } else {
            c.layers[name] = rate(layer.second, origin, "sparsity." + name);
            c.lines["sparsity." + name] = line_of(layer.first);
          }
        }
        if (!have_default) c.default_sparsity = 0;
      } else {
        c.default_sparsity = rate(v, origin, "sparsity");
      }
    } else if (key == "metrics" || key == "metric") {
      if (!v.IsScalar() || v.Scalar().empty())
        throw Error(fmt::format("{}: '{}' must name one metric, e.g. l2_norm", where(origin, v), key));
      c.metric = v.Scalar();
      c.metric_given = true;
    } else if (key == "multiple") {
      int64_t m = 0;
      if (!v.IsScalar() || !YAML::convert<int64_t>::decode(v, m) || m < 1)
        throw Error(fmt::format("{}: 'multiple' must be a positive integer", where(origin, v)));
      c.multiple = m;
    } else if (key == "skip_last_fc") {
      bool b = false;
      if (!v.IsScalar() || !YAML::convert<bool>::decode(v, b))
        throw Error(fmt::format("{}: 'skip_last_fc' must be true or false", where(origin, v)));
      c.skip_last_fc = b;
    } else if (key == "exclude_layers") {
      c.exclude_layers = strings(v, origin, key);
      if (v.IsSequence())
        for (const YAML::Node& item : v) c.lines["exclude_layers." + item.Scalar()] = line_of(item);
      else
        c.lines["exclude_layers." + v.Scalar()] = line_of(v);
    } else if (key == "exclude_ops") {
      c.exclude_ops = strings(v, origin, key);
      for (const std::string& op : c.exclude_ops)
        if (!kOpTypes.count(op))
          throw Error(fmt::format("{}: 'exclude_ops' has unknown op type '{}' (known: conv, conv_transpose, linear)",
                                  where(origin, v), op));
    } else if (key == "seed") {
      uint64_t s = 0;
      if (!v.IsScalar() || !YAML::convert<uint64_t>::decode(v, s))
        throw Error(fmt::format("{}: 'seed' must be a non-negative integer", where(origin, v)));
      c.seed = s;
    } else {
      throw Error(
          fmt::format("{}: unknown key '{}' (known: sparsity, metrics, multiple, skip_last_fc, "
                      "exclude_layers, exclude_ops, seed)",
                      where(origin, kv.first), key));
    }
  }
  if (!have_sparsity) throw Error(fmt::format("{}: missing key 'sparsity' (e.g. sparsity: 0.25)", origin));
  return c;
}

PruneConfig load_prune_config(const std::string& path) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(st)) throw Error(fmt::format("{}: no such pruning config", path));
  if (!std::filesystem::is_regular_file(st))
    throw Error(fmt::format("{}: the pruning config is not a regular file", path));
  if (std::filesystem::file_size(path, ec) > (1u << 24))
    throw Error(fmt::format("{}: the pruning config is larger than 16 MiB; is it the right file?", path));
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  if (!in || !(ss << in.rdbuf())) {
    if (in && in.peek() == std::char_traits<char>::eof()) return parse_prune_config("", path);
    throw Error(fmt::format("{}: cannot read the pruning config", path));
  }
  return parse_prune_config(ss.str(), path);
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
