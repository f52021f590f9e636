// Discovery, ABI checks and registration of plugins. A library whose descriptor, ABI, id or
// init is wrong is refused with one line and nothing it registered stays. An interface name
// another plugin already provides is skipped with a warning (the first loaded keeps it), as
// translators for one op coexist and are ranked.
#include <litecast/plugins.hpp>
#include <litecast_internal/call_context.hpp>

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

namespace fs = std::filesystem;

namespace litecast::internal {

// What one plugin's init registered, kept apart until init succeeds.
struct Registration {
  std::string plugin;
  std::vector<TranslatorEntry> translators;
  std::vector<InterfaceEntry> interfaces;
};

int32_t register_translator(lc_ctx_t* ctx, const lc_translator_t* t) {
  if (!ctx || !ctx->registration) return LC_ERROR;
  if (!t || !LC_HAS_FIELD(t, lc_translator_t, user) || !t->op || !*t->op || !t->translate) {
    ctx->error = "register_translator: incomplete lc_translator_t (op and translate are required)";
    return LC_ERROR;
  }
  TranslatorEntry e;
  e.op = t->op;
  e.priority = t->priority;
  e.limits = t->limits ? t->limits : "";
  e.plugin = ctx->registration->plugin;
  e.translate = t->translate;
  e.user = t->user;
  ctx->registration->translators.push_back(std::move(e));
  return LC_OK;
}

int32_t register_interface(lc_ctx_t* ctx, const char* interface_id, const char* name, const void* impl) {
  if (!ctx || !ctx->registration) return LC_ERROR;
  if (!interface_id || !*interface_id || !name || !*name || !impl) {
    ctx->error = "register_interface: interface id, name and implementation are required";
    return LC_ERROR;
  }
  for (const InterfaceEntry& e : ctx->registration->interfaces)
    if (e.interface_id == interface_id && e.name == name) {
      ctx->error = fmt::format("register_interface: {} '{}' registered twice", interface_id, name);
      return LC_ERROR;
    }
  ctx->registration->interfaces.push_back({interface_id, name, ctx->registration->plugin, impl});
  return LC_OK;
}

}  // namespace litecast::internal

namespace litecast {

namespace {

// The highest major we look for when explaining why a library has no v1 entry.
constexpr int kMaxForeignMajor = 9;

struct LoadedPlugin {
  PluginInfo info;
  boost::dll::shared_library library;
  const lc_plugin_descriptor_t* descriptor = nullptr;
};

bool ranks_before(const TranslatorEntry& a, const TranslatorEntry& b, bool a_exact, bool b_exact) {
  if (a.priority != b.priority) return a.priority > b.priority;
  if (a_exact != b_exact) return a_exact;
  if (a.plugin != b.plugin) return a.plugin < b.plugin;
  return a.order < b.order;
}

}  // namespace

struct PluginRegistry::Impl {
  WarningSink warn;
  // Deque-like stability is not needed: entries hold no pointers into plugins_.
  std::vector<std::unique_ptr<LoadedPlugin>> plugins;
  std::vector<PluginInfo> infos;
  std::multimap<std::string, TranslatorEntry> translators;  // by registered op key
  std::vector<InterfaceEntry> interfaces;
  size_t next_order = 0;

  bool refuse(const std::string& path, const std::string& why) {
    warn(fmt::format("plugin {}: {}", path, why));
    return false;
  }
  bool load(const std::string& path);
  void note_conflicts(const internal::Registration& reg);
};

bool PluginRegistry::Impl::load(const std::string& path) {
  auto plugin = std::make_unique<LoadedPlugin>();
  plugin->info.path = path;
  boost::system::error_code ec;
  plugin->library.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec) {
    const char* why = ::dlerror();
    return refuse(path, fmt::format("cannot be loaded ({})", why ? why : ec.message()));
  }
  if (!plugin->library.has(LC_PLUGIN_ENTRY_V1)) {
    for (int major = 2; major <= kMaxForeignMajor; ++major)
      if (plugin->library.has(fmt::format("litecast_plugin_entry_v{}", major)))
        return refuse(path, fmt::format("built for plugin ABI {}, this host speaks ABI {}", major, LC_ABI_MAJOR));
    return refuse(path, fmt::format("not a litecast plugin (no {} symbol)", LC_PLUGIN_ENTRY_V1));
  }
  auto entry = plugin->library.get<const lc_plugin_descriptor_t*(uint32_t, uint32_t)>(LC_PLUGIN_ENTRY_V1);
  const lc_plugin_descriptor_t* d = entry(LC_ABI_MAJOR, LC_ABI_MINOR);
  if (!d)
    return refuse(path, fmt::format("declined to serve this host (ABI {}.{})", LC_ABI_MAJOR, LC_ABI_MINOR));
  if (!LC_HAS_FIELD(d, lc_plugin_descriptor_t, deinit))
    return refuse(path, fmt::format("descriptor too small ({} bytes)", d->struct_size));
  if (d->abi_major != LC_ABI_MAJOR)
    return refuse(path, fmt::format("descriptor says ABI {}, this host speaks ABI {}", d->abi_major, LC_ABI_MAJOR));
  if (!d->id || !*d->id || !d->init) return refuse(path, "descriptor has no id or no init function");
  for (const auto& other : plugins)
    if (other->info.id == d->id)
      return refuse(path, fmt::format("duplicate plugin id '{}' (already loaded from {})", d->id, other->info.path));

  plugin->descriptor = d;
  plugin->info.id = d->id;
  plugin->info.version = d->version ? d->version : "";
  plugin->info.description = d->description ? d->description : "";
  plugin->info.abi_major = d->abi_major;
  plugin->info.abi_minor = d->abi_minor;

  internal::Registration reg;
  reg.plugin = d->id;
  lc_ctx_t ctx;
  ctx.plugin = d->id;
  ctx.registration = &reg;
  ctx.log = [this, id = plugin->info.id](int32_t level, const std::string& msg) {
    if (level >= LC_LOG_WARNING) warn(fmt::format("plugin {}: {}", id, msg));
  };
  int32_t status = LC_ERROR;
  try {
    status = d->init(internal::host_api(), &ctx);
  } catch (const std::exception& e) {  // a plugin that broke the no-exception rule
    ctx.error = fmt::format("init threw a C++ exception across the ABI: {}", e.what());
  } catch (...) {
    ctx.error = "init threw a C++ exception across the ABI";
  }
  if (status != LC_OK) {
    if (d->deinit) d->deinit();
    return refuse(path, fmt::format("init failed: {}", ctx.error.empty() ? "no reason given" : ctx.error));
  }

  note_conflicts(reg);
  for (TranslatorEntry& t : reg.translators) {
    t.order = next_order++;
    plugin->info.translators++;
    translators.emplace(t.op, std::move(t));
  }
  for (InterfaceEntry& e : reg.interfaces) {
    bool taken = std::any_of(interfaces.begin(), interfaces.end(), [&](const InterfaceEntry& o) {
      return o.interface_id == e.interface_id && o.name == e.name;
    });
    if (taken) {
      warn(fmt::format("plugin {}: {} '{}' is already provided by another plugin; the first one loaded is kept",
                       d->id, e.interface_id, e.name));
      continue;
    }
    plugin->info.interfaces.push_back(e.interface_id + ":" + e.name);
    interfaces.push_back(std::move(e));
  }
  infos.push_back(plugin->info);
  plugins.push_back(std::move(plugin));
  return true;
}

void PluginRegistry::Impl::note_conflicts(const internal::Registration& reg) {
  for (const TranslatorEntry& t : reg.translators) {
    auto [lo, hi] = translators.equal_range(t.op);
    for (auto it = lo; it != hi; ++it) {
      const TranslatorEntry& o = it->second;
      if (o.priority != t.priority || o.plugin == t.plugin) continue;
      const std::string& winner = std::min(o.plugin, t.plugin);
      warn(fmt::format("{}: plugins '{}' and '{}' both register priority {}; '{}' is tried first (ties go to "
                       "the smaller plugin id)",
                       t.op, o.plugin, t.plugin, t.priority, winner));
    }
  }
}

PluginRegistry::PluginRegistry(WarningSink warn) : impl_(std::make_unique<Impl>()) {
  impl_->warn = warn ? std::move(warn) : [](const std::string& m) { std::cerr << "warning: " << m << "\n"; };
}

PluginRegistry::~PluginRegistry() {
  // Translators and interfaces point into the libraries: forget them first, then let each
  // plugin clean up, then unload in reverse order of loading.
  impl_->translators.clear();
  impl_->interfaces.clear();
  for (auto it = impl_->plugins.rbegin(); it != impl_->plugins.rend(); ++it)
    if ((*it)->descriptor && (*it)->descriptor->deinit) (*it)->descriptor->deinit();
  while (!impl_->plugins.empty()) impl_->plugins.pop_back();
}

bool PluginRegistry::load_library(const std::string& path) { return impl_->load(path); }

void PluginRegistry::load_directory(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().extension() == ".so") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  for (const std::string& f : files) impl_->load(f);
}

void PluginRegistry::load_default(const std::vector<std::string>& plugin_dirs, bool include_default) {
  std::vector<std::string> dirs = plugin_dirs;
  if (const char* env = std::getenv("LITECAST_PLUGIN_PATH")) {
    std::string all = env;
    size_t start = 0;
    while (start <= all.size()) {
      size_t end = all.find(':', start);
      if (end == std::string::npos) end = all.size();
      if (end > start) dirs.push_back(all.substr(start, end - start));
      start = end + 1;
    }
  }
  if (include_default) {
    boost::system::error_code ec;
    fs::path exe = boost::dll::program_location(ec).string();
    if (!ec) {
      dirs.push_back((exe.parent_path() / "plugins").string());
      dirs.push_back((exe.parent_path().parent_path() / LITECAST_INSTALL_LIBDIR / "litecast" / "plugins").string());
    }
  }
  std::set<fs::path> seen;
  for (const std::string& d : dirs) {
    std::error_code ec;
    fs::path canon = fs::weakly_canonical(d, ec);
    if (!seen.insert(ec ? fs::path(d) : canon).second) continue;
    load_directory(d);
  }
}

const std::vector<PluginInfo>& PluginRegistry::plugins() const { return impl_->infos; }

std::vector<const TranslatorEntry*> PluginRegistry::candidates(const std::string& op,
                                                               const std::string& overload) const {
  std::vector<std::pair<const TranslatorEntry*, bool>> found;
  auto collect = [&](const std::string& key, bool exact) {
    auto [lo, hi] = impl_->translators.equal_range(key);
    for (auto it = lo; it != hi; ++it) found.emplace_back(&it->second, exact);
  };
  if (!overload.empty()) collect(op + "." + overload, true);
  collect(op, false);
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return ranks_before(*a.first, *b.first, a.second, b.second); });
  std::vector<const TranslatorEntry*> out;
  for (const auto& f : found) out.push_back(f.first);
  return out;
}

std::vector<const TranslatorEntry*> PluginRegistry::translators() const {
  std::vector<const TranslatorEntry*> out;
  for (const auto& [key, entry] : impl_->translators) out.push_back(&entry);
  std::stable_sort(out.begin(), out.end(), [](const TranslatorEntry* a, const TranslatorEntry* b) {
    if (a->op != b->op) return a->op < b->op;
    return ranks_before(*a, *b, false, false);
  });
  return out;
}

const InterfaceEntry* PluginRegistry::find_interface(const std::string& interface_id, const std::string& name) const {
  for (const InterfaceEntry& e : impl_->interfaces)
    if (e.interface_id == interface_id && e.name == name) return &e;
  return nullptr;
}

std::vector<const InterfaceEntry*> PluginRegistry::interfaces(const std::string& interface_id) const {
  std::vector<const InterfaceEntry*> out;
  for (const InterfaceEntry& e : impl_->interfaces)
    if (e.interface_id == interface_id) out.push_back(&e);
  return out;
}

}  // namespace litecast
