// `litecast plugins` and `litecast ops`: what is loaded and who translates what.
#include "cli.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace litecast::cli {

int cmd_plugins(const std::vector<std::string>& args) {
  PluginOptions plugin_opts;
  bool json = false;
  po::options_description desc("options");
  plugin_opts.add_to(desc);
  desc.add_options()("json", po::bool_switch(&json), "print JSON");
  po::variables_map vm;
  if (!parse("plugins", "[--plugin-dir DIR] [--json]", args, desc, {}, vm)) return kExitOk;
  PluginRegistry reg;
  plugin_opts.load(reg);

  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const PluginInfo& p : reg.plugins())
      out.push_back({{"id", p.id},
                     {"version", p.version},
                     {"abi", fmt::format("{}.{}", p.abi_major, p.abi_minor)},
                     {"path", p.path},
                     {"description", p.description},
                     {"translators", p.translators},
                     {"interfaces", p.interfaces}});
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  if (reg.plugins().empty()) {
    std::cout << "no plugins loaded (searched --plugin-dir, LITECAST_PLUGIN_PATH and the default directory)\n";
    return kExitOk;
  }
  std::cout << fmt::format("{:<26} {:<8} {:<5} {:>11}  {}\n", "ID", "VERSION", "ABI", "TRANSLATORS", "PATH");
  for (const PluginInfo& p : reg.plugins()) {
    std::cout << fmt::format("{:<26} {:<8} {:<5} {:>11}  {}\n", p.id, p.version,
                             fmt::format("{}.{}", p.abi_major, p.abi_minor), p.translators, p.path);
    if (!p.description.empty()) std::cout << "    " << p.description << "\n";
    for (const std::string& i : p.interfaces) std::cout << "    provides " << i << "\n";
  }
  return kExitOk;
}

int cmd_ops(const std::vector<std::string>& args) {
  PluginOptions plugin_opts;
  bool json = false;
  po::options_description desc("options");
  plugin_opts.add_to(desc);
  desc.add_options()("json", po::bool_switch(&json), "print JSON");
  po::variables_map vm;
  if (!parse("ops", "[--plugin-dir DIR] [--json]", args, desc, {}, vm)) return kExitOk;
  PluginRegistry reg;
  plugin_opts.load(reg);

  auto entries = reg.translators();
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const TranslatorEntry* e : entries)
      out.push_back({{"op", e->op}, {"plugin", e->plugin}, {"priority", e->priority}, {"limits", e->limits}});
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << fmt::format("{:<40} {:<22} {:>8}  {}\n", "OP", "PLUGIN", "PRIORITY", "LIMITS");
  for (const TranslatorEntry* e : entries)
    std::cout << fmt::format("{:<40} {:<22} {:>8}  {}\n", e->op, e->plugin, e->priority, e->limits);
  std::cout << fmt::format("{} translators for {} ops\n", entries.size(), [&] {
    size_t ops = 0;
    for (size_t i = 0; i < entries.size(); ++i) ops += (i == 0 || entries[i]->op != entries[i - 1]->op);
    return ops;
  }());
  return kExitOk;
}

}  // namespace litecast::cli
