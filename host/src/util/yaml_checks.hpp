// Strict reading of the YAML configs users edit (pruning, quantization): every error names the
// file and the line, and a key given twice is an error (yaml-cpp keeps duplicates silently).
#ifndef LITECAST_HOST_UTIL_YAML_CHECKS_HPP
#define LITECAST_HOST_UTIL_YAML_CHECKS_HPP

#include <yaml-cpp/yaml.h>

#include <string>

namespace litecast::util {

// "file:line" of a node, or the file alone when yaml-cpp has no mark for it.
std::string yaml_where(const std::string& origin, const YAML::Node& n);
// The node's 1-based line, or 0 when unknown.
int yaml_line(const YAML::Node& n);
// A map's keys must be plain names, each given once; `prefix` names the map in messages.
void yaml_check_keys(const YAML::Node& map, const std::string& origin, const std::string& prefix);
// Parses `text`; malformed YAML is an error naming origin and line.
YAML::Node yaml_parse(const std::string& text, const std::string& origin);
// Reads a config file (at most 16 MiB); `what` names it in messages ("pruning config").
std::string read_config_file(const std::string& path, const std::string& what);

}  // namespace litecast::util

#endif
