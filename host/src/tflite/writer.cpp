// Model -> .tflite bytes. The layout follows what LiteRT expects of a file with one
// subgraph: buffer 0 empty, operator codes deduplicated by (builtin, custom code, version).
#include <litecast/error.hpp>
#include <litecast/tflite_model.hpp>

#include "schema_generated.h"
#include "tflite/op_version.hpp"
#include "tflite/options_schema.hpp"
#include "util/output_file.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>

namespace litecast {

namespace {

constexpr uint32_t kSchemaVersion = 3;
// Builtin codes below this also go into the deprecated int8 field, which older runtimes read.
constexpr int32_t kPlaceholderForGreaterOpCodes = 127;

flatbuffers::Offset<tfl::QuantizationParameters> write_quant(flatbuffers::FlatBufferBuilder& fbb,
                                                             const Quantization& q) {
  if (q.empty()) return 0;
  auto scale = fbb.CreateVector(q.scales);
  auto zp = fbb.CreateVector(q.zero_points);
  tfl::QuantizationParametersBuilder b(fbb);
  b.add_scale(scale);
  b.add_zero_point(zp);
  b.add_quantized_dimension(q.quantized_axis);
  return b.Finish();
}

void check_model(const Model& m) {
  auto check_index = [&](int32_t t, const std::string& where) {
    if (t < -1 || t >= static_cast<int32_t>(m.tensors.size()))
      throw Error(fmt::format("internal: {} refers to tensor {} of {}", where, t, m.tensors.size()));
  };
  for (size_t i = 0; i < m.tensors.size(); ++i) {
    const Tensor& t = m.tensors[i];
    if (t.buffer >= m.buffers.size())
      throw Error(fmt::format("internal: tensor '{}' refers to buffer {} of {}", t.name, t.buffer, m.buffers.size()));
    const auto& data = m.buffers[t.buffer];
    size_t elem = element_size(t.type);
    if (!data.empty() && elem) {
      size_t n = 1;
      for (int32_t d : t.shape) n *= static_cast<size_t>(d);
      if (n * elem != data.size())
        throw Error(fmt::format("internal: tensor '{}' has {} bytes of data for shape of {} elements", t.name,
                                data.size(), n));
    }
  }
  for (size_t i = 0; i < m.operators.size(); ++i) {
    for (int32_t t : m.operators[i].inputs) check_index(t, fmt::format("operator {}", i));
    for (int32_t t : m.operators[i].outputs) check_index(t, fmt::format("operator {}", i));
  }
  for (int32_t t : m.inputs) check_index(t, "model input");
  for (int32_t t : m.outputs) check_index(t, "model output");
}

// Where each buffer's bytes go in the large-model layout: `offset` from the start of the file.
struct External {
  std::vector<uint64_t> offset;  // per buffer; 0 for empty buffers
};

// A buffer's data left unwritten inside the flatbuffer: `from_end` bytes before its end.
struct Hole {
  size_t buffer = 0;
  size_t from_end = 0;
};

// Serialises into `fbb`, sized up front so that it never re-grows. With `external`, buffers
// hold offset/size into the file instead of their data. Otherwise each buffer's data is only
// reserved (never touched, so never paged in) and listed in `holes`: the caller sends the
// bytes around it from the builder and the data from the Model.
void build(const Model& m, flatbuffers::FlatBufferBuilder& fbb, const External* external, std::vector<Hole>* holes) {
  check_model(m);

  // Operator codes, deduplicated, in order of first use.
  std::map<std::tuple<int32_t, std::string, int32_t>, int32_t> code_index;
  std::vector<flatbuffers::Offset<tfl::OperatorCode>> codes;
  std::vector<uint32_t> op_code_of(m.operators.size());
  for (size_t i = 0; i < m.operators.size(); ++i) {
    const Operator& op = m.operators[i];
    // What the signature needs, or more if a plugin or pass asked for more.
    int32_t version = std::max(op.version, tflite::operator_version(m, op));
    auto key = std::make_tuple(op.builtin_code, op.custom_code, version);
    auto [it, inserted] = code_index.emplace(key, static_cast<int32_t>(codes.size()));
    if (inserted) {
      auto custom = op.custom_code.empty() ? 0 : fbb.CreateString(op.custom_code);
      tfl::OperatorCodeBuilder b(fbb);
      b.add_deprecated_builtin_code(static_cast<int8_t>(std::min(op.builtin_code, kPlaceholderForGreaterOpCodes)));
      if (custom.o) b.add_custom_code(custom);
      b.add_version(version);
      b.add_builtin_code(static_cast<tfl::BuiltinOperator>(op.builtin_code));
      codes.push_back(b.Finish());
    }
    op_code_of[i] = static_cast<uint32_t>(it->second);
  }

  // Buffers: data aligned to 16 bytes so that kernels may map it directly.
  std::vector<flatbuffers::Offset<tfl::Buffer>> buffers;
  for (size_t i = 0; i < m.buffers.size(); ++i) {
    const auto& data = m.buffers[i];
    flatbuffers::Offset<flatbuffers::Vector<uint8_t>> d = 0;
    if (!data.empty() && !external) {
      fbb.ForceVectorAlignment(data.size(), sizeof(uint8_t), 16);
      uint8_t* at = nullptr;
      d = fbb.CreateUninitializedVector(data.size(), &at);
      holes->push_back({i, static_cast<size_t>(fbb.GetCurrentBufferPointer() + fbb.GetSize() - at)});
    }
    tfl::BufferBuilder b(fbb);
    if (d.o) b.add_data(d);
    if (external && !data.empty()) {
      b.add_offset(external->offset[i]);
      b.add_size(data.size());
    }
    buffers.push_back(b.Finish());
  }

  std::vector<flatbuffers::Offset<tfl::Tensor>> tensors;
  for (const Tensor& t : m.tensors) {
    auto shape = fbb.CreateVector(t.shape);
    auto name = fbb.CreateString(t.name);
    auto quant = write_quant(fbb, t.quant);
    tfl::TensorBuilder b(fbb);
    b.add_shape(shape);
    b.add_type(static_cast<tfl::TensorType>(t.type));
    b.add_buffer(t.buffer);
    b.add_name(name);
    if (quant.o) b.add_quantization(quant);
    if (t.is_variable) b.add_is_variable(true);
    tensors.push_back(b.Finish());
  }

  std::vector<flatbuffers::Offset<tfl::Operator>> ops;
  for (size_t i = 0; i < m.operators.size(); ++i) {
    const Operator& op = m.operators[i];
    flatbuffers::Offset<void> options;
    try {
      options = tflite::build_options(fbb, op);
    } catch (const Error& e) {
      throw Error(fmt::format("operator {} ({}): {}", i, builtin_name(op.builtin_code), e.what()));
    }
    auto inputs = fbb.CreateVector(op.inputs);
    auto outputs = fbb.CreateVector(op.outputs);
    auto custom = op.custom_options.empty() ? 0 : fbb.CreateVector(op.custom_options);
    tfl::OperatorBuilder b(fbb);
    b.add_opcode_index(op_code_of[i]);
    b.add_inputs(inputs);
    b.add_outputs(outputs);
    if (options.o) {
      b.add_builtin_options_type(static_cast<tfl::BuiltinOptions>(tflite::options_table(op.builtin_code).union_type));
      b.add_builtin_options(options);
    }
    if (custom.o) b.add_custom_options(custom);
    ops.push_back(b.Finish());
  }

  auto sg_tensors = fbb.CreateVector(tensors);
  auto sg_inputs = fbb.CreateVector(m.inputs);
  auto sg_outputs = fbb.CreateVector(m.outputs);
  auto sg_ops = fbb.CreateVector(ops);
  auto sg_name = fbb.CreateString("main");
  tfl::SubGraphBuilder sgb(fbb);
  sgb.add_tensors(sg_tensors);
  sgb.add_inputs(sg_inputs);
  sgb.add_outputs(sg_outputs);
  sgb.add_operators(sg_ops);
  sgb.add_name(sg_name);
  auto subgraph = sgb.Finish();

  std::vector<flatbuffers::Offset<tfl::Metadata>> metadata;
  std::vector<flatbuffers::Offset<tfl::Buffer>> all_buffers = buffers;
  for (const auto& [name, bytes] : m.metadata) {
    auto data = fbb.CreateVector(bytes);
    tfl::BufferBuilder bb(fbb);
    bb.add_data(data);
    all_buffers.push_back(bb.Finish());
    metadata.push_back(tfl::CreateMetadata(fbb, fbb.CreateString(name), static_cast<uint32_t>(all_buffers.size() - 1)));
  }

  auto codes_v = fbb.CreateVector(codes);
  auto subgraphs_v = fbb.CreateVector(&subgraph, 1);
  auto description = fbb.CreateString(m.description);
  auto buffers_v = fbb.CreateVector(all_buffers);
  auto metadata_v = metadata.empty() ? 0 : fbb.CreateVector(metadata);
  tfl::ModelBuilder mb(fbb);
  mb.add_version(kSchemaVersion);
  mb.add_operator_codes(codes_v);
  mb.add_subgraphs(subgraphs_v);
  mb.add_description(description);
  mb.add_buffers(buffers_v);
  if (metadata_v.o) mb.add_metadata(metadata_v);
  fbb.Finish(mb.Finish(), tfl::ModelIdentifier());
}

size_t estimated_size(const Model& m) {
  size_t n = 1 << 20;
  for (const auto& b : m.buffers) n += b.size() + 32;
  for (const auto& [name, bytes] : m.metadata) n += bytes.size() + 32;
  return n + 64 * (m.tensors.size() + m.operators.size());
}

constexpr uint64_t kAlign = 16;
uint64_t aligned(uint64_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

// FlatBuffers addresses at most 2 GiB - 1 bytes; the margin covers the estimate's slack.
constexpr uint64_t kInlineLimit = (uint64_t{1} << 31) - 1;

bool use_external(const Model& m, const WriteOptions& options) {
  switch (options.layout) {
    case WriteOptions::Layout::inline_data: return false;
    case WriteOptions::Layout::external_data: return true;
    case WriteOptions::Layout::automatic: break;
  }
  return estimated_size(m) >= kInlineLimit;
}

// The serialised model as a flatbuffer followed, in the large-model layout, by each buffer's
// bytes at 16-byte aligned offsets. `sink(data, size)` receives the pieces in file order; the
// weights go from the Model to the sink directly, never through the builder.
// `spent`, when given, is m.buffers of a model the caller gives up: each buffer is freed once
// sent, so a model and its serialised form never both hold all the weights.
template <class Sink>
void serialise(const Model& m, const WriteOptions& options, Sink&& sink, std::vector<Bytes>* spent = nullptr) {
  auto release = [&](size_t i) {
    if (spent) (*spent)[i].clear();
  };
  if (!use_external(m, options)) {
    flatbuffers::FlatBufferBuilder fbb(estimated_size(m));
    std::vector<Hole> holes;
    build(m, fbb, nullptr, &holes);
    if (fbb.GetSize() >= kInlineLimit)
      throw Error("the model is over 2 GiB: write it in the large-model layout");
    const uint8_t* fb = fbb.GetBufferPointer();
    const size_t total = fbb.GetSize();
    std::sort(holes.begin(), holes.end(), [](const Hole& a, const Hole& b) { return a.from_end > b.from_end; });
    size_t at = 0;
    for (const Hole& h : holes) {
      const size_t start = total - h.from_end, n = m.buffers[h.buffer].size();
      sink(fb + at, start - at);
      sink(m.buffers[h.buffer].data(), n);
      release(h.buffer);
      at = start + n;
    }
    sink(fb + at, total - at);
    return;
  }
  // Offsets depend on the flatbuffer's size, which does not depend on their values (every
  // offset is a present 64-bit field): build once with placeholders, then with the real ones.
  External ext;
  ext.offset.assign(m.buffers.size(), uint64_t{1} << 40);
  size_t meta_size = 0;
  {
    flatbuffers::FlatBufferBuilder probe(1 << 20);
    build(m, probe, &ext, nullptr);
    meta_size = probe.GetSize();
  }
  uint64_t at = aligned(meta_size);
  for (size_t i = 0; i < m.buffers.size(); ++i) {
    if (m.buffers[i].empty()) continue;
    ext.offset[i] = at;
    at = aligned(at + m.buffers[i].size());
  }
  flatbuffers::FlatBufferBuilder fbb(meta_size + 1024);
  build(m, fbb, &ext, nullptr);
  if (fbb.GetSize() != meta_size) throw Error("internal: the large-model layout changed size between passes");
  if (fbb.GetSize() >= kInlineLimit) throw Error("the model's graph alone is over 2 GiB");
  static const uint8_t zeros[kAlign] = {};
  uint64_t written = fbb.GetSize();
  sink(fbb.GetBufferPointer(), fbb.GetSize());
  for (size_t i = 0; i < m.buffers.size(); ++i) {
    if (m.buffers[i].empty()) continue;
    sink(zeros, static_cast<size_t>(ext.offset[i] - written));
    sink(m.buffers[i].data(), m.buffers[i].size());
    written = ext.offset[i] + m.buffers[i].size();
    release(i);
  }
  sink(zeros, static_cast<size_t>(aligned(written) - written));
}

}  // namespace

std::vector<uint8_t> write_tflite(const Model& m, const WriteOptions& options) {
  std::vector<uint8_t> out;
  serialise(m, options, [&](const uint8_t* p, size_t n) { out.insert(out.end(), p, p + n); });
  return out;
}

std::vector<uint8_t> write_tflite(const Model& m) { return write_tflite(m, WriteOptions{}); }

namespace {

// Appends pieces to a file. Files of kDirectFrom bytes or more are written with O_DIRECT from
// aligned staging buffers, several writes in flight: a buffered write first has the kernel find
// and fill a fresh page of cache for every 4 KiB, which on virtual machines costs several times
// the device write (200 MB measured: 0.5 s buffered, 0.14 s direct), and a device takes
// parallel writes faster than one stream (4 x 50 MB: 0.13-0.17 s). Small pieces are gathered
// either way. Where the file system refuses O_DIRECT, the file is written the ordinary way.
class FileSink {
 public:
  FileSink(const std::string& path, const std::string& shown, uint64_t expected) : shown_(shown) {
    int flags = O_WRONLY | O_TRUNC | O_CLOEXEC;
    const char* env = std::getenv("LITECAST_DIRECT_WRITE");  // "0": page cache always (for comparisons)
    if (expected >= kDirectFrom && !(env && std::string(env) == "0")) {
      fd_ = ::open(path.c_str(), flags | O_DIRECT);
      direct_ = fd_ >= 0;
    }
    if (fd_ < 0) fd_ = ::open(path.c_str(), flags);
    if (fd_ < 0) throw Error(fmt::format("{}: cannot write ({})", shown_, std::strerror(errno)));
    stages_.resize(direct_ ? kStages : 1);
    for (Stage& st : stages_) {
      void* p = nullptr;
      if (posix_memalign(&p, kPage, kStage) != 0) throw std::bad_alloc();
      st.data = static_cast<uint8_t*>(p);
      free_.push_back(&st);
    }
    cur_ = take();
  }
  ~FileSink() {
    stop_workers();
    if (fd_ >= 0) ::close(fd_);
    for (Stage& st : stages_) std::free(st.data);
  }
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  void operator()(const uint8_t* p, size_t n) {
    if (!direct_ && n >= kStage / 4) {  // big pieces go straight from their memory
      submit();
      write_all(p, n, static_cast<off_t>(offset_));
      offset_ += n;
      return;
    }
    while (n) {
      const size_t k = std::min(n, kStage - cur_->fill);
      std::memcpy(cur_->data + cur_->fill, p, k);
      cur_->fill += k;
      p += k;
      n -= k;
      if (cur_->fill == kStage) submit();
    }
  }

  // Writes what is staged and waits for every write; the file then has exactly the bytes given.
  void finish() {
    const uint64_t size = offset_ + cur_->fill;
    if (direct_ && cur_->fill % kPage) {  // O_DIRECT writes whole blocks: pad, then cut the file back
      const size_t padded = (cur_->fill + kPage - 1) / kPage * kPage;
      std::memset(cur_->data + cur_->fill, 0, padded - cur_->fill);
      cur_->fill = padded;
    }
    submit();
    stop_workers();
    if (error_) {
      errno = error_;
      fail();
    }
    if (direct_ && offset_ != size && ::ftruncate(fd_, static_cast<off_t>(size)) != 0) fail();
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail();
  }

 private:
  static constexpr size_t kPage = 4096, kStage = size_t{8} << 20, kStages = 4;
  static constexpr uint64_t kDirectFrom = uint64_t{16} << 20;

  struct Stage {
    uint8_t* data = nullptr;
    size_t fill = 0;
    uint64_t at = 0;  // file offset
  };

  // Sends the current stage on and starts a fresh one. The first direct write is made here, so
  // that a file system without O_DIRECT support shows before any other write is in flight.
  void submit() {
    if (cur_->fill == 0) return;
    Stage* st = cur_;
    st->at = offset_;
    offset_ += st->fill;
    if (!direct_ || !probed_) {
      const bool probe = direct_ && !probed_;
      probed_ = true;
      write_all(st->data, st->fill, static_cast<off_t>(st->at), probe);
      st->fill = 0;
      return;
    }
    if (workers_.empty())
      for (size_t i = 0; i + 1 < kStages; ++i) workers_.emplace_back([this] { work(); });
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(st);
    }
    ready_.notify_one();
    cur_ = take();
  }

  Stage* take() {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return !free_.empty(); });
    Stage* st = free_.back();
    free_.pop_back();
    return st;
  }

  void work() {
    for (;;) {
      Stage* st = nullptr;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        st = queue_.front();
        queue_.pop_front();
      }
      int err = 0;
      try {
        write_all(st->data, st->fill, static_cast<off_t>(st->at));
      } catch (const Error&) {
        err = errno ? errno : EIO;
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (err && !error_) error_ = err;
        st->fill = 0;
        free_.push_back(st);
      }
      done_.notify_one();
    }
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (std::thread& t : workers_) t.join();
    workers_.clear();
  }

  // All n bytes at file offset `at`. A `probe` (the first direct write, made before any other is
  // in flight) falls back to ordinary writes where the file system refuses O_DIRECT.
  void write_all(const uint8_t* p, size_t n, off_t at, bool probe = false) {
    while (n) {
      ssize_t k = ::pwrite(fd_, p, n, at);
      if (k < 0 && errno == EINTR) continue;
      if (k < 0 && probe && errno == EINVAL) {  // the file system takes no O_DIRECT after all
        probe = false;
        direct_ = false;
        if (::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_DIRECT) != 0) fail();
        continue;
      }
      if (k <= 0) fail();
      p += k;
      n -= static_cast<size_t>(k);
      at += k;
    }
  }
  [[noreturn]] void fail() const {
    throw Error(fmt::format("{}: write failed ({})", shown_, std::strerror(errno ? errno : EIO)));
  }

  int fd_ = -1;
  bool direct_ = false, probed_ = false;
  std::string shown_;
  std::vector<Stage> stages_;
  Stage* cur_ = nullptr;
  uint64_t offset_ = 0;  // file offset of the current stage
  std::mutex mutex_;
  std::condition_variable ready_, done_;
  std::vector<Stage*> free_;
  std::deque<Stage*> queue_;
  std::vector<std::thread> workers_;
  bool stopping_ = false;
  int error_ = 0;
};

uint64_t data_bytes(const Model& m) {
  uint64_t n = 0;
  for (const auto& b : m.buffers) n += b.size();
  return n;
}

void write_file(const Model& model, const std::string& path, const WriteOptions& options, std::vector<Bytes>* spent) {
  util::TempOutput tmp(path);
  FileSink sink(tmp.path(), path, data_bytes(model));
  serialise(model, options, sink, spent);  // on a throw, tmp removes the partial file
  sink.finish();
  tmp.commit();
}

}  // namespace

void write_tflite_file(const Model& model, const std::string& path) {
  write_file(model, path, WriteOptions{}, nullptr);
}

void write_tflite_file(const Model& model, const std::string& path, const WriteOptions& options) {
  write_file(model, path, options, nullptr);
}

void write_tflite_file(Model&& model, const std::string& path, const WriteOptions& options) {
  Model owned = std::move(model);
  write_file(owned, path, options, &owned.buffers);
}

}  // namespace litecast
