// The mixed-precision quantization config in YAML: strict reading (every error names the file,
// line and key, as the pruning config's) and writing back the full per-layer form.
#include <litecast/error.hpp>
#include <litecast/quantize.hpp>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "util/output_file.hpp"
#include "util/yaml_checks.hpp"

#include <fstream>
#include <map>
#include <set>

namespace litecast {

namespace {

using util::yaml_check_keys;
using util::yaml_line;
using util::yaml_where;

const std::set<std::string> kActions = {"disable", "rewrite"};
const std::set<std::string> kDtypes = {"int8", "int16"};

std::string name_of(const YAML::Node& n, const std::string& origin, const std::string& key, const char* example) {
  if (!n.IsScalar() || n.Scalar().empty())
    throw Error(fmt::format("{}: '{}' must be a name, e.g. {}", yaml_where(origin, n), key, example));
  return n.Scalar();
}

QuantizeLayerConfig layer_settings(const YAML::Node& n, const std::string& origin, const std::string& key) {
  QuantizeLayerConfig l;
  if (n.IsNull()) return l;  // "features.0:" alone: the defaults
  if (!n.IsMap())
    throw Error(
        fmt::format("{}: '{}' must be a map such as {{skip: true}} or {{algorithm: kl}}", yaml_where(origin, n), key));
  yaml_check_keys(n, origin, key);
  for (const auto& kv : n) {
    const std::string k = kv.first.Scalar();
    const std::string full = key + "." + k;
    if (k == "skip") {
      bool b = false;
      if (!kv.second.IsScalar() || !YAML::convert<bool>::decode(kv.second, b))
        throw Error(fmt::format("{}: '{}' must be true or false", yaml_where(origin, kv.second), full));
      l.skip = b;
    } else if (k == "algorithm") {
      l.algorithm = name_of(kv.second, origin, full, "kl");
    } else if (k == "dtype") {
      l.dtype = name_of(kv.second, origin, full, "int8");
      if (!kDtypes.count(l.dtype))
        throw Error(fmt::format("{}: '{}' is '{}' (known: int8, int16)", yaml_where(origin, kv.second), full, l.dtype));
    } else {
      throw Error(
          fmt::format("{}: unknown key '{}' (known: skip, algorithm, dtype)", yaml_where(origin, kv.first), full));
    }
  }
  return l;
}

}  // namespace

QuantizeConfig parse_quantize_config(const std::string& yaml_text, const std::string& origin) {
  const YAML::Node root = util::yaml_parse(yaml_text, origin);
  QuantizeConfig c;
  c.source = origin;
  if (root.IsNull()) return c;
  if (!root.IsMap())
    throw Error(fmt::format("{}: expected a map with 'algorithm', 'quantize_op_action' and 'layers'", origin));
  yaml_check_keys(root, origin, "");
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "algorithm") {
      c.algorithm = name_of(v, origin, key, "l2");
    } else if (key == "quantize_op_action") {
      if (v.IsNull()) continue;
      if (!v.IsMap())
        throw Error(fmt::format("{}: 'quantize_op_action' must map op kinds to actions, e.g. {{aten::lstm: disable}}",
                                yaml_where(origin, v)));
      yaml_check_keys(v, origin, key);
      for (const auto& op : v) {
        const std::string kind = op.first.Scalar(), full = key + "." + kind;
        const std::string action = name_of(op.second, origin, full, "disable");
        if (!kActions.count(action))
          throw Error(
              fmt::format("{}: '{}' is '{}' (known: disable, rewrite)", yaml_where(origin, op.second), full, action));
        if (kind.find("::") == std::string::npos)
          throw Error(fmt::format("{}: '{}': expected a TorchScript op kind such as aten::lstm",
                                  yaml_where(origin, op.first), full));
        c.op_actions[kind] = action;
        c.op_action_lines[kind] = yaml_line(op.first);
      }
    } else if (key == "layers") {
      if (v.IsNull()) continue;
      if (!v.IsMap()) throw Error(fmt::format("{}: 'layers' must map module names to settings", yaml_where(origin, v)));
      yaml_check_keys(v, origin, key);
      for (const auto& layer : v) {
        const std::string name = layer.first.Scalar();
        QuantizeLayerConfig l = layer_settings(layer.second, origin, "layers." + name);
        l.line = yaml_line(layer.first);
        c.layers[name] = l;
      }
    } else {
      throw Error(fmt::format("{}: unknown key '{}' (known: algorithm, quantize_op_action, layers)",
                              yaml_where(origin, kv.first), key));
    }
  }
  return c;
}

QuantizeConfig load_quantize_config(const std::string& path) {
  return parse_quantize_config(util::read_config_file(path, "quantization config"), path);
}

void write_quantize_config(const QuantizeConfig& c, const QuantizeStats& stats, const std::string& path) {
  std::map<std::string, double> sqnr;  // per layer: its worst activation's
  for (const QuantizeStats::Layer& l : stats.layers) {
    if (l.layer.empty()) continue;
    auto [it, fresh] = sqnr.emplace(l.layer, l.sqnr_db);
    if (!fresh) it->second = std::min(it->second, l.sqnr_db);
  }
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "algorithm" << YAML::Value << stats.algorithm
      << YAML::Comment("for every layer without its own; also kl, minmax, percentile, or a plugin's");
  out << YAML::Key << "quantize_op_action" << YAML::Value;
  if (c.op_actions.empty()) {
    out << YAML::Flow << YAML::BeginMap << YAML::EndMap << YAML::Comment("e.g. {aten::lstm: disable}");
  } else {
    out << YAML::BeginMap;
    for (const auto& [kind, action] : c.op_actions) out << YAML::Key << kind << YAML::Value << action;
    out << YAML::EndMap;
  }
  out << YAML::Key << "layers" << YAML::Value << YAML::BeginMap;
  for (const QuantizeStats::ConfigLayer& l : stats.config_layers) {
    out << YAML::Key << l.name << YAML::Value << YAML::Flow << YAML::BeginMap;
    out << YAML::Key << "skip" << YAML::Value << (l.settings.skip && !l.from_op_action);
    if (!l.settings.algorithm.empty()) out << YAML::Key << "algorithm" << YAML::Value << l.settings.algorithm;
    if (!l.settings.dtype.empty()) out << YAML::Key << "dtype" << YAML::Value << l.settings.dtype;
    out << YAML::EndMap;
    std::string note = l.op;
    if (auto it = sqnr.find(l.name); it != sqnr.end()) note += fmt::format(", SQNR {:.1f} dB", it->second);
    if (l.from_op_action) note += ", float by quantize_op_action";
    out << YAML::Comment(note);
  }
  out << YAML::EndMap;
  out << YAML::EndMap;
  std::string text = out.c_str();
  text += "\n";
  util::TempOutput tmp(path);
  {
    std::ofstream f(tmp.path(), std::ios::binary | std::ios::trunc);
    f << text;
    if (!f.flush()) throw Error(fmt::format("{}: cannot write the quantization config", path));
  }
  tmp.commit();
}

}  // namespace litecast
