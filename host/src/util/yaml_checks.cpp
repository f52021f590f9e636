#include "util/yaml_checks.hpp"

#include <litecast/error.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace litecast::util {

std::string yaml_where(const std::string& origin, const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  return m.is_null() ? origin : fmt::format("{}:{}", origin, m.line + 1);
}

int yaml_line(const YAML::Node& n) {
  return n.Mark().is_null() ? 0 : n.Mark().line + 1;
}

void yaml_check_keys(const YAML::Node& map, const std::string& origin, const std::string& prefix) {
  std::map<std::string, int> seen;
  for (const auto& kv : map) {
    if (!kv.first.IsScalar())
      throw Error(fmt::format("{}: a key {}must be a name, not a {}", yaml_where(origin, kv.first),
                              prefix.empty() ? "" : "under '" + prefix + "' ",
                              kv.first.IsMap()        ? "map"
                              : kv.first.IsSequence() ? "list"
                                                      : "null"));
    const std::string name = prefix.empty() ? kv.first.Scalar() : prefix + "." + kv.first.Scalar();
    auto [it, fresh] = seen.emplace(kv.first.Scalar(), yaml_line(kv.first));
    if (!fresh)
      throw Error(
          fmt::format("{}: '{}' is given twice (first on line {})", yaml_where(origin, kv.first), name, it->second));
  }
}

YAML::Node yaml_parse(const std::string& text, const std::string& origin) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error(fmt::format("{}:{}: malformed YAML: {}", origin, e.mark.line + 1, e.msg));
  }
}

std::string read_config_file(const std::string& path, const std::string& what) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(st)) throw Error(fmt::format("{}: no such {}", path, what));
  if (!std::filesystem::is_regular_file(st)) throw Error(fmt::format("{}: the {} is not a regular file", path, what));
  if (std::filesystem::file_size(path, ec) > (1u << 24))
    throw Error(fmt::format("{}: the {} is larger than 16 MiB; is it the right file?", path, what));
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  if (!in || !(ss << in.rdbuf())) {
    if (in && in.peek() == std::char_traits<char>::eof()) return "";
    throw Error(fmt::format("{}: cannot read the {}", path, what));
  }
  return ss.str();
}

}  // namespace litecast::util
