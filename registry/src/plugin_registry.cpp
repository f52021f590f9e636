// Discovery, ABI checks and registration of plugins. A library whose descriptor, ABI, id or
// init is wrong is refused with one line and nothing it registered stays. An interface name
// another plugin already provides is skipped with a warning (the first loaded keeps it), as
// translators for one op coexist and are ranked.
#include <litecast/plugins.hpp>
#include <litecast_internal/call_context.hpp>

#include <fmt/format.h>
#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

// dlopen maps a library by its headers and faults (SIGBUS, SIGSEGV) on pages past the end of a
// truncated file: check first that the file is a complete ELF shared object for this machine.
// Returns why not, or "" when it is.
static std::string elf_problem(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return fmt::format("cannot be read ({})", std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return "not a regular file";
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  Elf64_Ehdr h{};
  const ssize_t got = ::pread(fd, &h, sizeof h, 0);
  const int read_errno = errno;
  if (got < 0) {
    ::close(fd);
    return fmt::format("cannot be read ({})", std::strerror(read_errno));
  }
  std::string why;
  auto fits = [&](uint64_t off, uint64_t count, uint64_t entry) {
    return entry == 0 || count == 0 || (off <= size && count <= (size - off) / entry);
  };
  if (size == 0)
    why = "an empty file, not a shared library";
  else if (static_cast<size_t>(got) < EI_NIDENT || std::memcmp(h.e_ident, ELFMAG, SELFMAG) != 0)
    why = "not a shared library (no ELF header)";
  else if (static_cast<size_t>(got) < sizeof h)
    why = "truncated (shorter than an ELF header)";
  else if (h.e_ident[EI_CLASS] != ELFCLASS64 || h.e_ident[EI_DATA] != ELFDATA2LSB)
    why = "built for another machine (not 64-bit little-endian ELF)";
#if defined(__x86_64__)
  else if (h.e_machine != EM_X86_64)
    why = fmt::format("built for another machine (ELF machine {}, this host is x86-64)", h.e_machine);
#elif defined(__aarch64__)
  else if (h.e_machine != EM_AARCH64)
    why = fmt::format("built for another machine (ELF machine {}, this host is AArch64)", h.e_machine);
#endif
  else if (h.e_type != ET_DYN)
    why = "not a shared library (ELF type is not ET_DYN)";
  else if (h.e_phentsize != sizeof(Elf64_Phdr) || h.e_phnum == 0 || !fits(h.e_phoff, h.e_phnum, h.e_phentsize))
    why = "truncated or damaged (program headers lie outside the file)";
  else if (h.e_shnum != 0 && (h.e_shentsize != sizeof(Elf64_Shdr) || !fits(h.e_shoff, h.e_shnum, h.e_shentsize)))
    why = "truncated or damaged (section headers lie outside the file)";
  else {
    // Every loadable segment's file bytes must be in the file.
    std::vector<Elf64_Phdr> ph(h.e_phnum);
    const size_t want = ph.size() * sizeof(Elf64_Phdr);
    if (::pread(fd, ph.data(), want, static_cast<off_t>(h.e_phoff)) != static_cast<ssize_t>(want))
      why = "truncated (cannot read its program headers)";
    for (const Elf64_Phdr& p : ph)
      if (why.empty() && p.p_type == PT_LOAD && !fits(p.p_offset, p.p_filesz, 1))
        why = fmt::format("truncated ({} bytes; a segment ends at byte {})", size, p.p_offset + p.p_filesz);
  }
  ::close(fd);
  return why;
}

bool PluginRegistry::Impl::load(const std::string& path) {
  if (std::string why = elf_problem(path); !why.empty()) return refuse(path, why);
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
  if (!d) return refuse(path, fmt::format("declined to serve this host (ABI {}.{})", LC_ABI_MAJOR, LC_ABI_MINOR));
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
      warn(fmt::format("plugin {}: {} '{}' is already provided by another plugin; the first one loaded is kept", d->id,
                       e.interface_id, e.name));
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
      warn(
          fmt::format("{}: plugins '{}' and '{}' both register priority {}; '{}' is tried first (ties go to "
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

bool PluginRegistry::load_library(const std::string& path) {
  return impl_->load(path);
}

void PluginRegistry::load_directory(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  std::vector<std::string> files;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    impl_->warn(fmt::format("plugin directory {}: cannot be listed ({})", dir, ec.message()));
    return;
  }
  // Every file named *.so is meant as a plugin: one that cannot be one is said, never fatal.
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) {
      impl_->warn(fmt::format("plugin directory {}: cannot be listed further ({})", dir, ec.message()));
      break;
    }
    const fs::path p = it->path();
    if (p.extension() != ".so") continue;
    std::error_code sec;
    const fs::file_status st = fs::status(p, sec);
    if (sec) {
      impl_->refuse(p.string(), sec.value() == ELOOP ? "a symbolic link loop" : sec.message());
      continue;
    }
    if (!fs::exists(st)) {
      impl_->refuse(p.string(), "a symbolic link to nothing");
      continue;
    }
    if (!fs::is_regular_file(st)) continue;  // a directory or device named *.so: not meant as a plugin
    files.push_back(p.string());
  }
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
      if (end > start) {
        // A directory the user named that is not there is said (a typo would otherwise leave
        // its plugins out silently); --plugin-dir values were checked by the caller.
        std::string d = all.substr(start, end - start);
        std::error_code ec;
        if (!fs::is_directory(d, ec))
          impl_->warn(fmt::format("LITECAST_PLUGIN_PATH entry {}: {}", d,
                                  fs::exists(d, ec) ? "not a directory, ignored" : "no such directory, ignored"));
        else
          dirs.push_back(std::move(d));
      }
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

const std::vector<PluginInfo>& PluginRegistry::plugins() const {
  return impl_->infos;
}

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
