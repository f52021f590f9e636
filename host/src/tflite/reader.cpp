// .tflite bytes -> Model, after FlatBuffers verification, so a truncated or foreign file
// is one clear error instead of a crash.
#include <litecast/error.hpp>
#include <litecast/tflite_model.hpp>

#include "schema_generated.h"
#include "tflite/options_schema.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace litecast {

namespace {

template <class T, class V>
std::vector<T> to_vector(const V* v) {
  std::vector<T> out;
  if (v) out.assign(v->begin(), v->end());
  return out;
}

}  // namespace

size_t element_size(int32_t t) {
  switch (t) {
    case tfl::TensorType_FLOAT32:
    case tfl::TensorType_INT32:
    case tfl::TensorType_UINT32: return 4;
    case tfl::TensorType_FLOAT16:
    case tfl::TensorType_INT16:
    case tfl::TensorType_UINT16: return 2;
    case tfl::TensorType_UINT8:
    case tfl::TensorType_INT8:
    case tfl::TensorType_BOOL: return 1;
    case tfl::TensorType_INT64:
    case tfl::TensorType_UINT64:
    case tfl::TensorType_FLOAT64:
    case tfl::TensorType_COMPLEX64: return 8;
    case tfl::TensorType_COMPLEX128: return 16;
    default: return 0;
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
          throw Error(fmt::format("{}: buffer {} lies beyond the end of the file (truncated?)", what,
                                  m.buffers.size()));
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
      if (out.buffer >= m.buffers.size())
        throw Error(fmt::format("{}: tensor '{}' refers to a missing buffer {}", what, out.name, out.buffer));
      if (const tfl::QuantizationParameters* q = t->quantization()) {
        out.quant.scales = to_vector<float>(q->scale());
        out.quant.zero_points = to_vector<int64_t>(q->zero_point());
        out.quant.quantized_axis = q->quantized_dimension();
      }
      m.tensors.push_back(std::move(out));
    }
  // Operators may leave an optional input out (-1); the model's inputs and outputs may not.
  auto check_tensor = [&](int32_t i, bool optional = true) {
    if (i < (optional ? -1 : 0) || i >= static_cast<int32_t>(m.tensors.size()))
      throw Error(fmt::format("{}: reference to a missing tensor {}", what, i));
    return i;
  };
  for (int32_t i : to_vector<int32_t>(sg->inputs())) m.inputs.push_back(check_tensor(i, false));
  for (int32_t i : to_vector<int32_t>(sg->outputs())) m.outputs.push_back(check_tensor(i, false));

  const auto* codes = fm->operator_codes();
  if (sg->operators())
    for (const tfl::Operator* o : *sg->operators()) {
      if (!codes || o->opcode_index() >= codes->size())
        throw Error(fmt::format("{}: an operator refers to a missing operator code {}", what, o->opcode_index()));
      const tfl::OperatorCode* c = codes->Get(o->opcode_index());
      Operator op;
      // Files from before builtin_code existed carry the code only in the deprecated field.
      op.builtin_code = std::max<int32_t>(c->builtin_code(), c->deprecated_builtin_code());
      op.custom_code = c->custom_code() ? c->custom_code()->str() : "";
      op.version = c->version();
      for (int32_t i : to_vector<int32_t>(o->inputs())) op.inputs.push_back(check_tensor(i));
      for (int32_t i : to_vector<int32_t>(o->outputs())) op.outputs.push_back(check_tensor(i));
      op.options = tflite::read_options(reinterpret_cast<const flatbuffers::Table*>(o->builtin_options()),
                                        static_cast<uint8_t>(o->builtin_options_type()));
      op.custom_options = to_vector<uint8_t>(o->custom_options());
      m.operators.push_back(std::move(op));
    }
  if (fm->metadata())
    for (const tfl::Metadata* md : *fm->metadata())
      if (md->name() && md->buffer() < m.buffers.size()) {
        const tfl::Buffer* b = fm->buffers()->Get(md->buffer());
        std::vector<uint8_t> bytes_of;
        if (b->data()) bytes_of.assign(b->data()->begin(), b->data()->end());
        m.metadata.emplace_back(md->name()->str(), std::move(bytes_of));
      }
  return m;
}

Model read_tflite_file(const std::string& path) { return read_tflite_file(path, ReadOptions{}); }

// The file is mapped read-only: the reader touches the pages it parses, and weight pages only
// when it copies them out (ReadOptions::data).
Model read_tflite_file(const std::string& path, const ReadOptions& options) {
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
