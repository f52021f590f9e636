#include "util/output_file.hpp"

#include <litecast/error.hpp>

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <unistd.h>

namespace litecast::util {

namespace {

// Live temporary files, readable from a signal handler: fixed storage, no allocation.
constexpr int kSlots = 32;
constexpr size_t kPathMax = 4096;
struct Slot {
  std::atomic<int> state{0};  // 0 free, 1 being written, 2 live
  char path[kPathMax];
};
Slot g_slots[kSlots];
std::atomic<unsigned> g_counter{0};

int claim(const std::string& path) {
  if (path.size() >= kPathMax) return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expected = 0;
    if (g_slots[i].state.compare_exchange_strong(expected, 1)) {
      std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
      g_slots[i].state.store(2);
      return i;
    }
  }
  return -1;  // more than kSlots outputs at once: still cleaned up on failure, not on a signal
}

void release(int slot) {
  if (slot >= 0) g_slots[slot].state.store(0);
}

extern "C" void remove_temporaries(int sig) {
  for (Slot& s : g_slots)
    if (s.state.load() == 2) ::unlink(s.path);
  if (sig == SIGBUS) {
    // The model's weights are mapped from its file (graph/mapped_load.cpp): a file cut short
    // while it is read shows as SIGBUS. One line and the usual exit status, not a crash.
    static const char msg[] = "error: an input file was changed or cut short while litecast read it\n";
    ssize_t ignored = ::write(2, msg, sizeof msg - 1);
    (void)ignored;
    ::_exit(1);
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

}  // namespace

TempOutput::TempOutput(const std::string& target) : target_(target) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path t(target);
  if (target.empty()) throw Error("the output file name is empty");
  const fs::file_status st = fs::status(t, ec);
  if (fs::exists(st) && !fs::is_regular_file(st))
    throw Error(fmt::format("{}: exists and is not a regular file; name a file to write", target));
  const fs::path dir = t.has_parent_path() ? t.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec))
    throw Error(fmt::format("{}: cannot write: the directory {} does not exist", target, dir.string()));
  const std::string stem = t.filename().string();
  for (int attempt = 0; attempt < 100; ++attempt) {
    const fs::path candidate =
        dir / fmt::format(".{}.tmp-{}-{}", stem.size() > 200 ? stem.substr(0, 200) : stem, ::getpid(), g_counter++);
    slot_ = claim(candidate.string());  // before the file exists, so a signal never misses it
    const int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::close(fd);
      tmp_ = candidate.string();
      return;
    }
    const int err = errno;
    release(slot_);
    slot_ = -1;
    if (err != EEXIST) throw Error(fmt::format("{}: cannot write ({})", target, std::strerror(err)));
  }
  throw Error(fmt::format("{}: cannot create a temporary file beside it", target));
}

TempOutput::~TempOutput() {
  discard();
}

void TempOutput::discard() {
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
  tmp_.clear();
  release(slot_);
  slot_ = -1;
}

void TempOutput::commit() {
  if (tmp_.empty()) throw Error(fmt::format("{}: nothing to write", target_));
  if (::rename(tmp_.c_str(), target_.c_str()) != 0) {
    const int err = errno;
    discard();
    throw Error(fmt::format("{}: cannot write ({})", target_, std::strerror(err)));
  }
  tmp_.clear();
  release(slot_);
  slot_ = -1;
}

void install_signal_cleanup() {
  static bool done = false;
  if (done) return;
  done = true;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGBUS}) {
    struct sigaction sa {};
    sa.sa_handler = remove_temporaries;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    ::sigaction(sig, &sa, nullptr);
  }
}

}  // namespace litecast::util
