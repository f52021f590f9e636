// The TFLite model as plain C++ values: what the converter builds, the writer serialises and
// the reader returns. One subgraph (what litecast emits); the reader refuses others' extra
// subgraphs only where it must and keeps the first as the main one.
#ifndef LITECAST_TFLITE_MODEL_HPP
#define LITECAST_TFLITE_MODEL_HPP

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace litecast {

struct Quantization {
  std::vector<float> scales;
  std::vector<int64_t> zero_points;
  int32_t quantized_axis = 0;
  bool empty() const { return scales.empty(); }
  bool operator==(const Quantization& o) const {
    return scales == o.scales && zero_points == o.zero_points && quantized_axis == o.quantized_axis;
  }
};

struct Tensor {
  std::string name;
  int32_t type = 0;  // TFLite TensorType (LC_FLOAT32, ...)
  std::vector<int32_t> shape;
  uint32_t buffer = 0;  // 0: the empty buffer, i.e. an activation
  Quantization quant;
  bool is_variable = false;
};

// An operator option set by schema field name; enum values are kept by name.
struct EnumName {
  std::string name;
  bool operator==(const EnumName& o) const { return name == o.name; }
};
using OptionValue = std::variant<int64_t, double, EnumName, std::vector<int64_t>>;
struct Option {
  std::string field;
  OptionValue value;
};

struct Operator {
  int32_t builtin_code = 0;  // TFLite BuiltinOperator
  std::string custom_code;   // for CUSTOM (32)
  int32_t version = 1;
  std::vector<int32_t> inputs;  // -1: optional input left out
  std::vector<int32_t> outputs;
  std::vector<Option> options;
  std::vector<uint8_t> custom_options;
  const OptionValue* option(const std::string& field) const {
    for (const Option& o : options)
      if (o.field == field) return &o.value;
    return nullptr;
  }
};

// A buffer's bytes: owned, or a read-only view of memory that an owner object keeps alive (the
// converter's weights stay in LibTorch's tensors this way instead of being copied). Reading
// never copies; changing a view (vec(), assign) first copies it into owned memory. Copies of a
// view share the owner.
class Bytes {
 public:
  Bytes() = default;
  Bytes(std::vector<uint8_t> v) : own_(std::move(v)) {}  // NOLINT(google-explicit-constructor)
  Bytes(std::initializer_list<uint8_t> v) : own_(v) {}
  Bytes(const uint8_t* first, const uint8_t* last) : own_(first, last) {}
  // `size` bytes at `data`, valid for as long as `owner` lives.
  static Bytes view(const void* data, size_t size, std::shared_ptr<const void> owner) {
    Bytes b;
    b.view_ = static_cast<const uint8_t*>(data);
    b.size_ = size;
    b.owner_ = std::move(owner);
    return b;
  }

  const uint8_t* data() const { return owner_ ? view_ : own_.data(); }
  size_t size() const { return owner_ ? size_ : own_.size(); }
  bool empty() const { return size() == 0; }
  const uint8_t* begin() const { return data(); }
  const uint8_t* end() const { return data() + size(); }
  uint8_t operator[](size_t i) const { return data()[i]; }
  bool is_view() const { return owner_ != nullptr; }

  // The bytes as an owned, changeable vector (a view is copied into it first).
  std::vector<uint8_t>& vec() {
    if (owner_) {
      own_.assign(view_, view_ + size_);
      drop_view();
    }
    return own_;
  }
  std::vector<uint8_t> to_vector() const { return std::vector<uint8_t>(begin(), end()); }
  template <class It>
  void assign(It first, It last) {
    drop_view();
    own_.assign(first, last);
  }
  // Empty, with the memory (or the view's owner) released.
  void clear() {
    drop_view();
    std::vector<uint8_t>().swap(own_);
  }

  friend bool operator==(const Bytes& a, const Bytes& b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
  }
  friend bool operator==(const Bytes& a, const std::vector<uint8_t>& b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
  }

 private:
  void drop_view() {
    owner_.reset();
    view_ = nullptr;
    size_ = 0;
  }
  std::vector<uint8_t> own_;
  const uint8_t* view_ = nullptr;
  size_t size_ = 0;
  std::shared_ptr<const void> owner_;
};

struct Model {
  std::string description = "litecast";
  std::vector<Tensor> tensors;
  std::vector<Bytes> buffers = std::vector<Bytes>(1);  // buffer 0 is always empty
  std::vector<Operator> operators;
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;
  std::vector<std::pair<std::string, std::vector<uint8_t>>> metadata;
  // Filled by the reader: each buffer's size in bytes, also when its data was left unread
  // (ReadOptions::data false). Ignored by the writer.
  std::vector<uint64_t> buffer_bytes;
  // Filled by the reader: some buffer lies after the flatbuffer (the large-model layout).
  bool external_data = false;
};

// Element size in bytes of a TFLite tensor type; 0 for STRING and unknown types.
size_t element_size(int32_t tensor_type);
// TFLite's name of a tensor type ("FLOAT32") or builtin operator ("CONV_2D"); "?" if unknown.
std::string tensor_type_name(int32_t tensor_type);
std::string builtin_name(int32_t builtin_code);
// -1 when the name is unknown.
int32_t builtin_code(const std::string& name);

struct WriteOptions {
  // Where constant data goes. inline_data: inside the flatbuffer (every TFLite runtime,
  // TFLite Micro included; at most 2 GiB). external_data: TFLite's large-model layout, the
  // data after the flatbuffer at 16-byte aligned offsets (LiteRT reads it; TFLite Micro does
  // not). automatic: inline unless the model would not fit in 2 GiB.
  enum class Layout { automatic, inline_data, external_data } layout = Layout::automatic;
};
// Serialises; throws litecast::Error naming the operator/field on an invalid option.
std::vector<uint8_t> write_tflite(const Model& model);
std::vector<uint8_t> write_tflite(const Model& model, const WriteOptions& options);
// Writes to `path` through a temporary file renamed at the end.
void write_tflite_file(const Model& model, const std::string& path);
void write_tflite_file(const Model& model, const std::string& path, const WriteOptions& options);
// The same for a model the caller gives up: each buffer is freed as soon as it is written, so
// the weights are never held twice (the model is left empty).
void write_tflite_file(Model&& model, const std::string& path, const WriteOptions& options);
struct ReadOptions {
  // false: buffers stay empty (sizes in Model::buffer_bytes); a file is then mapped and its
  // weight bytes are never read.
  bool data = true;
};
// Parses and verifies a .tflite (both layouts); throws litecast::Error naming the file on bad input.
Model read_tflite(const std::vector<uint8_t>& bytes, const std::string& what = "model");
Model read_tflite(const uint8_t* bytes, size_t size, const std::string& what, const ReadOptions& options);
Model read_tflite_file(const std::string& path);
Model read_tflite_file(const std::string& path, const ReadOptions& options);

}  // namespace litecast

#endif  // LITECAST_TFLITE_MODEL_HPP
