// .tflite bytes -> Model, after FlatBuffers verification, so a truncated or foreign file
// is one clear error instead of a crash.
#include <litecast/error.hpp>
#include <litecast/tflite_model.hpp>

#include "schema_generated.h"
#include "tflite/options_schema.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <type_traits>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace litecast {

namespace {

// Limits that keep a hostile file from exhausting memory or overflowing sizes.
constexpr uintmax_t kMaxFileBytes = uintmax_t{64} << 30;  // mapped, not read: bounds offsets only
constexpr uint64_t kMaxElements = uint64_t{1} << 40;

template <class T, class V>
std::vector<T> to_vector(const V* v) {
  // Byte copies: the verifier checks a vector's length field for alignment, not its elements,
  // so an int64 or float vector in a crafted file may sit at any address (fuzzer finding).
  static_assert(sizeof(typename V::return_type) == sizeof(T) && std::is_arithmetic_v<T>);
  static_assert(FLATBUFFERS_LITTLEENDIAN || sizeof(T) == 1, "little-endian hosts only");
  std::vector<T> out;
  if (v && v->size()) {
    out.resize(v->size());
    std::memcpy(out.data(), v->Data(), v->size() * sizeof(T));
  }
  return out;
}

// Scales and zero points come in pairs; several pairs are per channel along quantized_dimension.
void check_quantization(const Tensor& t, const std::string& tensor) {
  const Quantization& q = t.quant;
  if (q.scales.empty() && q.zero_points.empty()) return;
  if (q.scales.size() != q.zero_points.size())
    throw Error(fmt::format("{}: quantization has {} 'scale' and {} 'zero_point' entries; they must pair up", tensor,
                            q.scales.size(), q.zero_points.size()));
  if (q.scales.size() > 1) {
    if (q.quantized_axis < 0 || static_cast<size_t>(q.quantized_axis) >= t.shape.size())
      throw Error(fmt::format("{}: 'quantized_dimension' {} is outside the shape [{}]", tensor, q.quantized_axis,
                              fmt::join(t.shape, ",")));
    if (static_cast<int64_t>(q.scales.size()) != t.shape[static_cast<size_t>(q.quantized_axis)])
      throw Error(fmt::format("{}: {} per-channel scales for dimension {} of shape [{}]", tensor, q.scales.size(),
                              q.quantized_axis, fmt::join(t.shape, ",")));
  }
}

}  // namespace

size_t element_size(int32_t t) {
  switch (t) {
    case tfl::TensorType_FLOAT32:
    case tfl::TensorType_INT32:
    case tfl::TensorType_UINT32:
      return 4;
    case tfl::TensorType_FLOAT16:
    case tfl::TensorType_INT16:
    case tfl::TensorType_UINT16:
      return 2;
    case tfl::TensorType_UINT8:
    case tfl::TensorType_INT8:
    case tfl::TensorType_BOOL:
      return 1;
    case tfl::TensorType_INT64:
    case tfl::TensorType_UINT64:
    case tfl::TensorType_FLOAT64:
    case tfl::TensorType_COMPLEX64:
      return 8;
    case tfl::TensorType_COMPLEX128:
      return 16;
    default:
      return 0;
  }
}

std::string tensor_type_name(int32_t t) {
  if (t < tfl::TensorType_MIN || t > tfl::TensorType_MAX) return "?";
  const char* n = tfl::EnumNameTensorType(static_cast<tfl::TensorType>(t));
  return n && *n ? n : "?";
}

std::string builtin_name(int32_t code) {
  if (code < tfl::BuiltinOperator_MIN || code > tfl::BuiltinOperator_MAX) return "?";
  const char* n = tfl::EnumNameBuiltinOperator(static_cast<tfl::BuiltinOperator>(code));
  return n && *n ? n : "?";
}

int32_t builtin_code(const std::string& name) {
  for (int32_t c = tfl::BuiltinOperator_MIN; c <= tfl::BuiltinOperator_MAX; ++c)
    if (name == builtin_name(c)) return c;
  return -1;
}

Model read_tflite(const std::vector<uint8_t>& bytes, const std::string& what) {
  return read_tflite(bytes.data(), bytes.size(), what, ReadOptions{});
}

Model read_tflite(const uint8_t* bytes, size_t size, const std::string& what, const ReadOptions& options) {
  if (size < 8) throw Error(fmt::format("{}: not a TFLite file ({} bytes)", what, size));
  if (!tfl::ModelBufferHasIdentifier(bytes)) {
    std::string id(reinterpret_cast<const char*>(bytes) + 4, 4);
    for (char& c : id)
      if (c < 32 || c > 126) c = '.';
    throw Error(fmt::format("{}: not a TFLite file (identifier '{}', expected 'TFL3')", what, id));
  }
  // The flatbuffer is at most 2 GiB; in the large-model layout data follows it.
  size_t fb_size = std::min<size_t>(size, FLATBUFFERS_MAX_BUFFER_SIZE - 1);
  flatbuffers::Verifier verifier(bytes, fb_size, 128, 100'000'000);
  if (!tfl::VerifyModelBuffer(verifier))
    throw Error(fmt::format("{}: corrupt or truncated TFLite file (FlatBuffers verification failed)", what));
  const tfl::Model* fm = tfl::GetModel(bytes);
  if (!fm->subgraphs() || fm->subgraphs()->size() == 0) throw Error(fmt::format("{}: the model has no subgraph", what));

  Model m;
  m.description = fm->description() ? fm->description()->str() : "";
  m.buffers.clear();
  if (fm->buffers())
    for (const tfl::Buffer* b : *fm->buffers()) {
      const uint8_t* from = nullptr;
      uint64_t n = 0;
      if (b->data() && b->data()->size() > 0) {
        from = b->data()->data();
        n = b->data()->size();
      } else if (b->offset() > 1 && b->size() > 0) {
        // Large models keep data outside the flatbuffer, at an offset from the file start.
        if (b->size() > size || b->offset() > size - b->size())  // no wrap-around
          throw Error(
              fmt::format("{}: buffer {}: 'offset' {} + 'size' {} lies beyond the end of the file ({} bytes; "
                          "truncated?)",
                          what, m.buffers.size(), b->offset(), b->size(), size));
        from = bytes + b->offset();
        n = b->size();
        m.external_data = true;
      }
      m.buffers.emplace_back();
      m.buffer_bytes.push_back(n);
      if (options.data && n) m.buffers.back().assign(from, from + n);
    }
  if (m.buffers.empty()) {
    m.buffers.emplace_back();
    m.buffer_bytes.push_back(0);
  }

  const tfl::SubGraph* sg = fm->subgraphs()->Get(0);
  if (sg->tensors())
    for (const tfl::Tensor* t : *sg->tensors()) {
      Tensor out;
      out.name = t->name() ? t->name()->str() : "";
      out.type = t->type();
      out.shape = to_vector<int32_t>(t->shape());
      out.buffer = t->buffer();
      out.is_variable = t->is_variable();
      const std::string tensor = fmt::format("{}: tensor {} ('{}')", what, m.tensors.size(), out.name);
      if (out.buffer >= m.buffers.size())
        throw Error(fmt::format("{}: 'buffer' is {}, the model has {} buffers", tensor, out.buffer, m.buffers.size()));
      if (out.type < tfl::TensorType_MIN || out.type > tfl::TensorType_MAX)
        throw Error(fmt::format("{}: unknown 'type' {}", tensor, out.type));
      uint64_t elements = 1;
      for (int32_t d : out.shape) {
        if (d < 0)
          throw Error(fmt::format("{}: negative dimension in 'shape' [{}]", tensor, fmt::join(out.shape, ",")));
        if (d > 0 && elements > kMaxElements / static_cast<uint64_t>(d))
          throw Error(fmt::format("{}: 'shape' [{}] has more than {} elements", tensor, fmt::join(out.shape, ","),
                                  kMaxElements));
        elements *= static_cast<uint64_t>(d);
      }
      if (const tfl::QuantizationParameters* q = t->quantization()) {
        out.quant.scales = to_vector<float>(q->scale());
        out.quant.zero_points = to_vector<int64_t>(q->zero_point());
        out.quant.quantized_axis = q->quantized_dimension();
        check_quantization(out, tensor);
      }
      // A constant's bytes must match its shape (string, int4 and sparse tensors are laid out otherwise).
      // (Sizes, not bytes: the data may be left unread.)
      const uint64_t data_size = m.buffer_bytes[out.buffer];
      const size_t esize = element_size(out.type);
      if (data_size != 0 && esize > 0 && !t->sparsity() && data_size != elements * esize)
        throw Error(fmt::format("{}: buffer {} holds {} bytes, the shape [{}] of {} needs {}", tensor, out.buffer,
                                data_size, fmt::join(out.shape, ","), tensor_type_name(out.type), elements * esize));
      m.tensors.push_back(std::move(out));
    }
  // Operators may leave an optional input out (-1); the model's inputs and outputs may not.
  auto check_tensor = [&](int32_t i, const std::string& field, bool optional) {
    if (i < (optional ? -1 : 0) || i >= static_cast<int32_t>(m.tensors.size()))
      throw Error(
          fmt::format("{}: {} refers to tensor {}, the subgraph has {} tensors", what, field, i, m.tensors.size()));
    return i;
  };
  for (int32_t i : to_vector<int32_t>(sg->inputs())) m.inputs.push_back(check_tensor(i, "subgraph 'inputs'", false));
  for (int32_t i : to_vector<int32_t>(sg->outputs())) m.outputs.push_back(check_tensor(i, "subgraph 'outputs'", false));

  const auto* codes = fm->operator_codes();
  if (sg->operators())
    for (const tfl::Operator* o : *sg->operators()) {
      const std::string where = fmt::format("operator {}", m.operators.size());
      if (!codes || o->opcode_index() >= codes->size())
        throw Error(fmt::format("{}: {}: 'opcode_index' is {}, the model has {} operator codes", what, where,
                                o->opcode_index(), codes ? codes->size() : 0));
      const tfl::OperatorCode* c = codes->Get(o->opcode_index());
      Operator op;
      // Files from before builtin_code existed carry the code only in the deprecated field.
      op.builtin_code = std::max<int32_t>(c->builtin_code(), c->deprecated_builtin_code());
      op.custom_code = c->custom_code() ? c->custom_code()->str() : "";
      op.version = c->version();
      for (int32_t i : to_vector<int32_t>(o->inputs())) op.inputs.push_back(check_tensor(i, where + " 'inputs'", true));
      for (int32_t i : to_vector<int32_t>(o->outputs()))
        op.outputs.push_back(check_tensor(i, where + " 'outputs'", false));
      op.options = tflite::read_options(reinterpret_cast<const flatbuffers::Table*>(o->builtin_options()),
                                        static_cast<uint8_t>(o->builtin_options_type()));
      // Control flow names other subgraphs by index (then/else/cond/body/...subgraph_index).
      for (const Option& opt : op.options) {
        const std::string suffix = "subgraph_index";
        if (opt.field.size() < suffix.size() ||
            opt.field.compare(opt.field.size() - suffix.size(), suffix.size(), suffix))
          continue;
        const int64_t* index = std::get_if<int64_t>(&opt.value);
        if (index && (*index < 0 || *index >= static_cast<int64_t>(fm->subgraphs()->size())))
          throw Error(fmt::format("{}: {}: '{}' is {}, the model has {} subgraphs", what, where, opt.field, *index,
                                  fm->subgraphs()->size()));
      }
      op.custom_options = to_vector<uint8_t>(o->custom_options());
      m.operators.push_back(std::move(op));
    }
  if (fm->metadata())
    for (const tfl::Metadata* md : *fm->metadata())
      if (md->name()) {
        if (md->buffer() >= m.buffers.size())
          throw Error(fmt::format("{}: metadata '{}': 'buffer' is {}, the model has {} buffers", what,
                                  md->name()->str(), md->buffer(), m.buffers.size()));
        // m.buffers always has the empty buffer 0, the file may have no buffer table at all.
        const tfl::Buffer* b =
            fm->buffers() && md->buffer() < fm->buffers()->size() ? fm->buffers()->Get(md->buffer()) : nullptr;
        std::vector<uint8_t> bytes_of;
        if (b && b->data()) bytes_of.assign(b->data()->begin(), b->data()->end());
        m.metadata.emplace_back(md->name()->str(), std::move(bytes_of));
      }
  return m;
}

Model read_tflite_file(const std::string& path) { return read_tflite_file(path, ReadOptions{}); }

// The file is mapped read-only: the reader touches the pages it parses, and weight pages only
// when it copies them out (ReadOptions::data).
Model read_tflite_file(const std::string& path, const ReadOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status fst = fs::status(path, ec);
  if (!fs::exists(fst)) throw Error(fmt::format("{}: no such file", path));
  if (!fs::is_regular_file(fst)) throw Error(fmt::format("{}: not a regular file", path));
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(fmt::format("{}: cannot open ({})", path, std::strerror(errno)));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw Error(fmt::format("{}: cannot read ({})", path, std::strerror(errno)));
  if (!S_ISREG(st.st_mode)) throw Error(fmt::format("{}: not a regular file", path));
  size_t size = static_cast<size_t>(st.st_size);
  if (size < 8) throw Error(fmt::format("{}: not a TFLite file ({} bytes)", path, size));
  if (size > kMaxFileBytes)
    throw Error(
        fmt::format("{}: {} bytes, more than the {} GiB a .tflite may have here", path, size, kMaxFileBytes >> 30));
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) throw Error(fmt::format("{}: cannot map ({})", path, std::strerror(errno)));
  struct Unmapper {
    void* p;
    size_t n;
    ~Unmapper() { ::munmap(p, n); }
  } unmapper{p, size};
  return read_tflite(static_cast<const uint8_t*>(p), size, path, options);
}

}  // namespace litecast
