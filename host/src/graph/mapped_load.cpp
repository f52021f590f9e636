// Loading a TorchScript archive with its tensor records mapped from the file.
//
// LibTorch reads each record by asking the CPU allocator for a block of the record's size and
// then having the archive's reader fill it. While a load runs, litecast's allocator answers
// blocks of a record's size with fresh, untouched address space whose offset within a page is
// the record's offset within a page of the file; when the reader is then asked to fill such a
// block from a matching file offset, it maps the file's pages there instead of copying
// (MAP_PRIVATE: writes stay in the process, the file never changes). Anything else (a block
// that does not match, a short file) is read the ordinary way, so the result is the same module
// either way.
#include "graph/mapped_load.hpp"

#include <litecast/error.hpp>

#include <c10/core/CPUAllocator.h>
#include <caffe2/serialize/inline_container.h>
#include <caffe2/serialize/read_adapter_interface.h>
#include <fmt/format.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <unordered_map>

namespace litecast::graph {

namespace {

constexpr size_t kMapFrom = size_t{64} << 10;  // smaller records are read: mapping costs a few syscalls

size_t page_size() {
  static const size_t n = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  return n;
}
size_t round_up(size_t n, size_t to) {
  return (n + to - 1) / to * to;
}

// A block handed out for a record: the mapping [base, base + len), data at base + lead.
struct Block {
  void* base = nullptr;
  size_t len = 0;
  size_t lead = 0;
};

// The load in progress (at most one at a time) and the blocks handed out for it.
struct State {
  std::mutex mutex;
  std::map<size_t, std::deque<uint64_t>> pending;  // record size -> data offsets, in file order
  std::unordered_map<const void*, Block*> live;    // data address -> its block, while it lives
  std::atomic<bool> active{false};
};

State& state() {
  static State* s = new State;  // lives past every tensor that may still free a block
  return *s;
}

void free_block(void* ctx) {
  auto* b = static_cast<Block*>(ctx);
  {
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    s.live.erase(static_cast<uint8_t*>(b->base) + b->lead);
  }
  ::munmap(b->base, b->len);
  delete b;
}

// LibTorch's CPU allocator while a load runs. Whatever is not a record's block goes to the
// allocator it replaced, raw allocations included. It lives as long as the process: storages
// made during the load keep a pointer to it.
class RecordAllocator final : public c10::Allocator {
 public:
  void set_fallback(c10::Allocator* fallback) { fallback_ = fallback; }
  c10::Allocator* fallback() const { return fallback_; }

  c10::DataPtr allocate(size_t n) override {
    if (n >= kMapFrom && state().active.load(std::memory_order_acquire)) {
      State& s = state();
      std::lock_guard<std::mutex> lock(s.mutex);
      auto it = s.pending.find(n);
      if (it != s.pending.end() && !it->second.empty()) {
        const uint64_t offset = it->second.front();
        it->second.pop_front();
        const size_t lead = static_cast<size_t>(offset % page_size());
        const size_t len = round_up(lead + n, page_size());
        void* base = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (base != MAP_FAILED) {
          auto* b = new Block{base, len, lead};
          void* data = static_cast<uint8_t*>(base) + lead;
          s.live[data] = b;
          return c10::DataPtr(data, b, &free_block, c10::Device(c10::DeviceType::CPU));
        }
      }
    }
    return fallback_->allocate(n);
  }
  c10::DeleterFnPtr raw_deleter() const override { return fallback_->raw_deleter(); }
  void copy_data(void* dest, const void* src, std::size_t count) const override {
    if (count) std::memcpy(dest, src, count);
  }

 private:
  c10::Allocator* fallback_ = nullptr;
};

// The archive's bytes for LibTorch's reader, mapped into blocks of RecordAllocator that match.
class MappedReader final : public caffe2::serialize::ReadAdapterInterface {
 public:
  MappedReader(int fd, uint64_t size, MappedLoadStats& stats) : fd_(fd), size_(size), stats_(stats) {}
  size_t size() const override { return static_cast<size_t>(size_); }

  size_t read(uint64_t pos, void* buf, size_t n, const char* what) const override {
    if (n >= kMapFrom && pos <= size_ && n <= size_ - pos && map(pos, buf, n)) {
      stats_.mapped_bytes += n;
      return n;
    }
    size_t done = 0;
    while (done < n) {
      ssize_t k = ::pread(fd_, static_cast<uint8_t*>(buf) + done, n - done, static_cast<off_t>(pos + done));
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) break;
      done += static_cast<size_t>(k);
    }
    stats_.read_bytes += done;
    return done;
  }

 private:
  bool map(uint64_t pos, void* buf, size_t n) const {
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    auto it = s.live.find(buf);
    if (it == s.live.end()) return false;
    Block& b = *it->second;
    if (b.lead != pos % page_size() || b.lead + n > b.len) return false;
    void* got =
        ::mmap(b.base, b.len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd_, static_cast<off_t>(pos - b.lead));
    if (got != MAP_FAILED) return true;
    // The block may be gone after a failed MAP_FIXED: make it plain memory again, then read.
    got = ::mmap(b.base, b.len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (got == MAP_FAILED) throw Error("out of address space while loading the model");
    return false;
  }

  int fd_;
  uint64_t size_;
  MappedLoadStats& stats_;
};

RecordAllocator& record_allocator() {
  static auto* a = new RecordAllocator;
  return *a;
}

// Installs RecordAllocator for one load and puts the previous CPU allocator back after it.
class Installed {
 public:
  Installed() {
    std::lock_guard<std::mutex> lock(state().mutex);
    c10::Allocator* current = c10::GetCPUAllocator();
    if (current == &record_allocator()) return;  // a load in another thread installed it
    record_allocator().set_fallback(current);
    c10::SetCPUAllocator(&record_allocator(), 0);
    installed_ = c10::GetCPUAllocator() == &record_allocator();  // not over a higher priority
  }
  ~Installed() {
    std::lock_guard<std::mutex> lock(state().mutex);
    if (installed_) c10::SetCPUAllocator(record_allocator().fallback(), 0);
  }
  Installed(const Installed&) = delete;
  Installed& operator=(const Installed&) = delete;
  bool active() const { return installed_; }

 private:
  bool installed_ = false;
};

// Marks the load active with the archive's records for its lifetime.
class ActiveLoad {
 public:
  ActiveLoad(const std::string& path, uint64_t size) {
    std::map<size_t, std::deque<uint64_t>> pending;
    try {
      caffe2::serialize::PyTorchStreamReader reader(path);
      for (const std::string& name : reader.getAllRecords()) {
        const size_t n = reader.getRecordSize(name);
        if (n < kMapFrom) continue;
        const size_t offset = reader.getRecordOffset(name);
        if (offset <= size && n <= size - offset) pending[n].push_back(offset);
      }
    } catch (const std::exception&) {
      pending.clear();  // LibTorch's own load says what is wrong with the file
    }
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    s.pending = std::move(pending);
    s.active = true;
  }
  ~ActiveLoad() {
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    s.pending.clear();
    s.active = false;
  }
  ActiveLoad(const ActiveLoad&) = delete;
  ActiveLoad& operator=(const ActiveLoad&) = delete;
};

}  // namespace

torch::jit::Module load_mapped(const std::string& path, MappedLoadStats* stats) {
  MappedLoadStats local;
  MappedLoadStats& st = stats ? *stats : local;
  // Another allocator installed at a higher priority (a profiler's) wins: then this is a plain load.
  Installed installed;
  if (!installed.active()) return torch::jit::load(path);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(fmt::format("{}: cannot open ({})", path, std::strerror(errno)));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0) throw Error(fmt::format("{}: cannot read ({})", path, std::strerror(errno)));
  const auto size = static_cast<uint64_t>(info.st_size);
  ActiveLoad active(path, size);
  torch::jit::Module m = torch::jit::load(std::make_shared<MappedReader>(fd, size, st));
  if (std::getenv("LITECAST_TIMING"))
    std::fprintf(stderr, "timing: load maps %.1f MiB of the archive's records, reads %.1f MiB\n",
                 static_cast<double>(st.mapped_bytes) / (1 << 20), static_cast<double>(st.read_bytes) / (1 << 20));
  return m;
}

}  // namespace litecast::graph
