// Loading plugins and asking who serves what. A PluginRegistry owns the libraries it
// loaded: they stay loaded (and their translators callable) until it is destroyed.
#ifndef LITECAST_PLUGINS_HPP
#define LITECAST_PLUGINS_HPP

#include <litecast/plugin.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace litecast {

struct PluginInfo {
  std::string id;
  std::string version;
  std::string description;
  std::string path;
  uint32_t abi_major = 0;
  uint32_t abi_minor = 0;
  int translators = 0;
  std::vector<std::string> interfaces;  // "litecast.pruning-metric/1:l2_norm"
};

struct TranslatorEntry {
  std::string op;        // "aten::add" or "aten::add.Tensor"
  int32_t priority = 0;
  std::string limits;
  std::string plugin;    // plugin id
  lc_translate_fn translate = nullptr;
  void* user = nullptr;
  size_t order = 0;      // registration order, the last tie-break
};

struct InterfaceEntry {
  std::string interface_id;
  std::string name;
  std::string plugin;
  const void* impl = nullptr;
};

// Receives one line per refused library or conflict; the default prints "warning: ..." to stderr.
using WarningSink = std::function<void(const std::string&)>;

class PluginRegistry {
 public:
  explicit PluginRegistry(WarningSink warn = nullptr);
  ~PluginRegistry();
  PluginRegistry(const PluginRegistry&) = delete;
  PluginRegistry& operator=(const PluginRegistry&) = delete;

  // Every *.so in each directory (not recursive), in name order. Missing dirs are skipped.
  void load_directory(const std::string& dir);
  // Loads one library; a refusal is reported through the sink and returns false.
  bool load_library(const std::string& path);
  // --plugin-dir values, then LITECAST_PLUGIN_PATH (':'-separated), then the default
  // directory beside the executable (<exe>/plugins, <exe>/../<libdir>/litecast/plugins).
  void load_default(const std::vector<std::string>& plugin_dirs, bool include_default = true);

  const std::vector<PluginInfo>& plugins() const;
  // Candidates for a node, best first: higher priority, then the overload-specific entry,
  // then plugin id, then registration order.
  std::vector<const TranslatorEntry*> candidates(const std::string& op, const std::string& overload) const;
  // Every translator, sorted by op then rank: the coverage listing.
  std::vector<const TranslatorEntry*> translators() const;
  const InterfaceEntry* find_interface(const std::string& interface_id, const std::string& name) const;
  std::vector<const InterfaceEntry*> interfaces(const std::string& interface_id) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace litecast

#endif  // LITECAST_PLUGINS_HPP
