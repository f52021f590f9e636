#include "graph/torchvision_ops.hpp"

#include <dlfcn.h>
#include <link.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <vector>

namespace litecast::graph {

namespace {

namespace fs = std::filesystem;

// The directory of the loaded libtorch_cpu.so (torch/lib of the wheel), or "".
fs::path torch_lib_dir() {
  fs::path found;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        const char* name = info->dlpi_name;
        if (!name || !*name) return 0;
        const fs::path p(name);
        if (p.filename() == "libtorch_cpu.so") {
          *static_cast<fs::path*>(data) = p.parent_path();
          return 1;
        }
        return 0;
      },
      &found);
  return found;
}

std::string open_library(const fs::path& path) {
  if (dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) return "";
  const char* e = dlerror();
  return e ? e : "dlopen failed";
}

std::string load_once() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("LITECAST_TORCHVISION_LIB"); env && *env) {
    candidates.emplace_back(env);
  } else {
    const fs::path lib = torch_lib_dir();
    if (lib.empty()) return "the torch library directory is unknown; set LITECAST_TORCHVISION_LIB";
    const fs::path site = lib.parent_path().parent_path();
    for (const char* name : {"_C_stable.so", "_C.so"}) {
      const fs::path p = site / "torchvision" / name;
      std::error_code ec;
      if (fs::is_regular_file(p, ec)) candidates.push_back(p);
    }
    if (candidates.empty())
      return "no torchvision found beside " + site.string() +
             "/torch; install torchvision or set LITECAST_TORCHVISION_LIB";
  }
  std::string why = open_library(candidates.front());
  if (why.empty()) return "";
  // torchvision's wheels link LibTorch's CUDA libraries: load them from torch/lib and retry.
  const fs::path lib = torch_lib_dir();
  for (const char* dep : {"libc10_cuda.so", "libtorch_cuda.so", "libtorch.so"}) {
    std::error_code ec;
    if (!lib.empty() && fs::is_regular_file(lib / dep, ec)) open_library(lib / dep);
  }
  for (const fs::path& p : candidates) {
    why = open_library(p);
    if (why.empty()) return "";
  }
  return "cannot load torchvision's operators from " + candidates.front().string() + ": " + why;
}

}  // namespace

std::string load_torchvision_ops() {
  static std::once_flag once;
  static std::string result;
  std::call_once(once, [] { result = load_once(); });
  return result;
}

}  // namespace litecast::graph
