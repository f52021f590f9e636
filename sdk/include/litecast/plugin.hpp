// Header-only C++17 helpers over plugin.h. A plugin that includes this writes translators
// as short functions over `Node`; every callback is wrapped so that no exception crosses the
// ABI: `node.decline(...)` becomes LC_DECLINE, any other exception LC_ERROR with its text.
//
//   static void translate_silu(litecast::Node& n) {   // y = x * sigmoid(x)
//     int32_t x = n.input(0);
//     int32_t s = n.add_like_output(0);
//     n.op(LC_OP_LOGISTIC, {x}, {s});
//     n.unary_like_output(LC_OP_MUL, {x, s});
//   }
//   LITECAST_PLUGIN("example.silu", "1.0.0", "SiLU as x * sigmoid(x)", [](litecast::Registrar& r) {
//     r.translator("aten::silu", 100, "any rank", translate_silu);
//   })
#ifndef LITECAST_PLUGIN_HPP
#define LITECAST_PLUGIN_HPP

#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>

#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace litecast {

// Read-only elements that the host owns for the rest of the translation call (Node::view).
template <class T>
struct ConstSpan {
  const T* ptr = nullptr;
  size_t count = 0;
  const T* data() const { return ptr; }
  size_t size() const { return count; }
  bool empty() const { return count == 0; }
  const T* begin() const { return ptr; }
  const T* end() const { return ptr + count; }
  const T& operator[](size_t i) const { return ptr[i]; }
};

// Thrown by Node::decline: the translator does not handle this node; the next one may.
struct Decline : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Thrown when a host function failed: the host has already recorded why.
struct HostFailed : std::exception {
  const char* what() const noexcept override { return "host call failed"; }
};

struct TensorInfo {
  int32_t dtype = LC_FLOAT32;
  std::vector<int64_t> shape;
  bool is_constant = false;
  std::vector<double> scales;
  std::vector<int64_t> zero_points;
  int32_t quantized_axis = 0;
  int rank() const { return static_cast<int>(shape.size()); }
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
};

namespace detail {
inline void check(int32_t status) {
  if (status != LC_OK) throw HostFailed();
}
inline TensorInfo to_info(const lc_tensor_info_t& c) {
  TensorInfo t;
  t.dtype = c.dtype;
  t.shape.assign(c.shape, c.shape + c.rank);
  t.is_constant = c.is_constant != 0;
  if (c.num_scales > 0) {
    t.scales.assign(c.scales, c.scales + c.num_scales);
    t.zero_points.assign(c.zero_points, c.zero_points + c.num_scales);
  }
  t.quantized_axis = c.quantized_axis;
  return t;
}
}  // namespace detail

// Runs `body`, turning exceptions into status codes and messages on ctx: wrap every callback
// you write by hand (PTQ algorithms, raw lc_translator_t) in it.
template <class Body>
int32_t guarded(lc_ctx_t* ctx, const lc_host_api_t* host, Body&& body) noexcept {
  try {
    body();
    return LC_OK;
  } catch (const Decline& d) {
    host->set_error(ctx, d.what());
    return LC_DECLINE;
  } catch (const HostFailed&) {
    return LC_ERROR;
  } catch (const std::exception& e) {
    host->set_error(ctx, e.what());
    return LC_ERROR;
  } catch (...) {
    host->set_error(ctx, "unknown C++ exception in plugin");
    return LC_ERROR;
  }
}

// An operator just added; options are set by schema field name and chain.
class Op {
 public:
  Op(lc_ctx_t* ctx, const lc_host_api_t* host, int32_t handle) : ctx_(ctx), host_(host), handle_(handle) {}
  Op& set(const char* field, int64_t v) {
    detail::check(host_->set_option_int(ctx_, handle_, field, v));
    return *this;
  }
  Op& set(const char* field, int v) { return set(field, static_cast<int64_t>(v)); }
  Op& set(const char* field, bool v) { return set(field, static_cast<int64_t>(v ? 1 : 0)); }
  Op& set(const char* field, double v) {
    detail::check(host_->set_option_float(ctx_, handle_, field, v));
    return *this;
  }
  Op& set(const char* field, float v) { return set(field, static_cast<double>(v)); }
  Op& set(const char* field, const char* enum_value) {
    detail::check(host_->set_option_enum(ctx_, handle_, field, enum_value));
    return *this;
  }
  Op& set(const char* field, const std::vector<int64_t>& v) {
    detail::check(host_->set_option_ints(ctx_, handle_, field, v.data(), static_cast<int32_t>(v.size())));
    return *this;
  }
  int32_t handle() const { return handle_; }

 private:
  lc_ctx_t* ctx_;
  const lc_host_api_t* host_;
  int32_t handle_;
};

// The node being translated and the model being built, for the duration of one call.
class Node {
 public:
  Node(lc_ctx_t* ctx, const lc_host_api_t* host) : ctx_(ctx), host_(host) {}

  std::string kind() const { return host_->node_kind(ctx_); }
  std::string overload() const { return host_->node_overload(ctx_); }
  int num_inputs() const { return host_->node_num_inputs(ctx_); }
  int num_outputs() const { return host_->node_num_outputs(ctx_); }
  int32_t input_kind(int i) const { return host_->input_kind(ctx_, i); }
  bool is_none(int i) const { return input_kind(i) == LC_VALUE_NONE; }

  int64_t i64(int i) const {
    int64_t v = 0;
    detail::check(host_->input_int(ctx_, i, &v));
    return v;
  }
  double f64(int i) const {
    double v = 0;
    detail::check(host_->input_float(ctx_, i, &v));
    return v;
  }
  bool flag(int i) const {
    int32_t v = 0;
    detail::check(host_->input_bool(ctx_, i, &v));
    return v != 0;
  }
  std::string str(int i) const {
    const char* s = nullptr;
    detail::check(host_->input_string(ctx_, i, &s));
    return s ? s : "";
  }
  std::vector<int64_t> ints(int i) const {
    const int64_t* d = nullptr;
    int32_t n = 0;
    detail::check(host_->input_ints(ctx_, i, &d, &n));
    return std::vector<int64_t>(d, d + n);
  }
  std::vector<double> floats(int i) const {
    const double* d = nullptr;
    int32_t n = 0;
    detail::check(host_->input_floats(ctx_, i, &d, &n));
    return std::vector<double>(d, d + n);
  }
  TensorInfo info(int i, int item = -1) const {
    lc_tensor_info_t c{};
    c.struct_size = sizeof c;
    detail::check(host_->input_info(ctx_, i, item, &c));
    return detail::to_info(c);
  }
  TensorInfo output_info(int i) const {
    lc_tensor_info_t c{};
    c.struct_size = sizeof c;
    detail::check(host_->output_info(ctx_, i, &c));
    return detail::to_info(c);
  }
  int list_size(int i) const {
    int32_t n = 0;
    detail::check(host_->input_list_size(ctx_, i, &n));
    return n;
  }
  // A constant tensor input's elements as T (float, int32_t, int64_t, uint8_t for bool).
  template <class T>
  std::vector<T> data(int i, int32_t dtype, int item = -1) const {
    const void* p = nullptr;
    size_t size = 0;
    detail::check(host_->input_data(ctx_, i, item, dtype, &p, &size));
    std::vector<T> out(size / sizeof(T));
    if (size) std::memcpy(out.data(), p, size);
    return out;
  }
  std::vector<float> floats_of(int i, int item = -1) const { return data<float>(i, LC_FLOAT32, item); }
  // The same without a copy, valid until the translator returns. Passing these elements (or a
  // contiguous run of them) to add_tensor costs no copy either: the host sees its own memory.
  template <class T>
  ConstSpan<T> view(int i, int32_t dtype, int item = -1) const {
    const void* p = nullptr;
    size_t size = 0;
    detail::check(host_->input_data(ctx_, i, item, dtype, &p, &size));
    return ConstSpan<T>{static_cast<const T*>(p), size / sizeof(T)};
  }
  ConstSpan<float> floats_view(int i, int item = -1) const { return view<float>(i, LC_FLOAT32, item); }

  // The TFLite tensor for tensor input i (or item of a list input).
  int32_t input(int i, int item = -1) const {
    int32_t t = -1;
    detail::check(host_->input_tensor(ctx_, i, item, &t));
    return t;
  }
  TensorInfo tensor_info(int32_t tensor) const {
    lc_tensor_info_t c{};
    c.struct_size = sizeof c;
    detail::check(host_->tensor_info(ctx_, tensor, &c));
    return detail::to_info(c);
  }

  int32_t add_tensor(int32_t dtype, const std::vector<int64_t>& shape, const void* data = nullptr,
                     size_t size = 0, const lc_quant_t* quant = nullptr, const char* name = nullptr) const {
    lc_tensor_desc_t d{};
    d.struct_size = sizeof d;
    d.dtype = dtype;
    d.rank = static_cast<int32_t>(shape.size());
    d.shape = shape.data();
    d.name = name;
    d.data = data;
    d.data_size = size;
    d.quant = quant;
    int32_t t = -1;
    detail::check(host_->add_tensor(ctx_, &d, &t));
    return t;
  }
  // A new activation tensor shaped and typed like output i of the node.
  int32_t add_like_output(int i) const {
    TensorInfo o = output_info(i);
    return add_tensor(o.dtype, o.shape);
  }
  int32_t const_f32(const std::vector<int64_t>& shape, const std::vector<float>& v) const {
    return add_tensor(LC_FLOAT32, shape, v.data(), v.size() * sizeof(float));
  }
  int32_t const_f32(const std::vector<int64_t>& shape, const float* v, size_t count) const {
    return add_tensor(LC_FLOAT32, shape, v, count * sizeof(float));
  }
  int32_t const_i32(const std::vector<int64_t>& shape, const std::vector<int32_t>& v) const {
    return add_tensor(LC_INT32, shape, v.data(), v.size() * sizeof(int32_t));
  }
  int32_t const_i32(const std::vector<int32_t>& v) const {
    return const_i32({static_cast<int64_t>(v.size())}, v);
  }

  Op op(int32_t builtin_code, std::initializer_list<int32_t> inputs, std::initializer_list<int32_t> outputs) const {
    return op(builtin_code, std::vector<int32_t>(inputs), std::vector<int32_t>(outputs));
  }
  Op op(int32_t builtin_code, const std::vector<int32_t>& inputs, const std::vector<int32_t>& outputs) const {
    int32_t h = -1;
    detail::check(host_->add_operator(ctx_, builtin_code, nullptr, inputs.data(), static_cast<int32_t>(inputs.size()),
                                      outputs.data(), static_cast<int32_t>(outputs.size()), &h));
    return Op(ctx_, host_, h);
  }
  void output(int i, int32_t tensor) const { detail::check(host_->set_output(ctx_, i, tensor)); }
  void output_list(int i, const std::vector<int32_t>& tensors) const {
    detail::check(host_->set_output_list(ctx_, i, tensors.data(), static_cast<int32_t>(tensors.size())));
  }

  // Emits `builtin_code` with inputs and one fresh output shaped like node output 0, binds it.
  Op unary_like_output(int32_t builtin_code, const std::vector<int32_t>& inputs) const {
    int32_t y = add_like_output(0);
    Op o = op(builtin_code, inputs, {y});
    output(0, y);
    return o;
  }

  // ABI 1.2: makes `tensor` (an activation this call added) a TFLite variable tensor.
  void make_variable(int32_t tensor) const {
    if (!LC_HAS_FIELD(host_, lc_host_api_t, set_tensor_variable))
      throw Decline("this host predates ABI 1.2 and cannot create variable tensors");
    detail::check(host_->set_tensor_variable(ctx_, tensor));
  }
  // ABI 1.2: how many readers output i of the node has (0: unused).
  int output_uses(int i) const {
    if (!LC_HAS_FIELD(host_, lc_host_api_t, output_num_uses))
      throw Decline("this host predates ABI 1.2 and cannot tell whether an output is used");
    int32_t n = 0;
    detail::check(host_->output_num_uses(ctx_, i, &n));
    return n;
  }

  const char* option(const char* name) const { return host_->get_option(ctx_, name); }
  void warn(const std::string& msg) const { host_->log(ctx_, LC_LOG_WARNING, msg.c_str()); }
  [[noreturn]] void decline(const std::string& why) const { throw Decline(why); }
  [[noreturn]] void fail(const std::string& why) const { throw std::runtime_error(why); }

  lc_ctx_t* ctx() const { return ctx_; }
  const lc_host_api_t* host() const { return host_; }

 private:
  lc_ctx_t* ctx_;
  const lc_host_api_t* host_;
};

using TranslateFn = void (*)(Node&);
using MetricFn = void (*)(const lc_metric_input_t& in, float* scores);

// Handed to the plugin's init function; registers translators and interfaces.
class Registrar {
 public:
  Registrar(lc_ctx_t* ctx, const lc_host_api_t* host) : ctx_(ctx), host_(host) {}

  void translator(const char* op, int32_t priority, const char* limits, TranslateFn fn) {
    lc_translator_t t{};
    t.struct_size = sizeof t;
    t.op = op;
    t.priority = priority;
    t.limits = limits;
    t.translate = &translate_thunk;
    t.user = reinterpret_cast<void*>(fn);
    detail::check(host_->register_translator(ctx_, &t));
  }
  // Registers a pruning metric; `fn` writes in.out_channels scores (higher = kept).
  void pruning_metric(const char* name, const char* description, MetricFn fn) {
    lc_pruning_metric_t& m = metrics().emplace_back();
    m.struct_size = sizeof m;
    m.description = description;
    m.score = &metric_thunk;
    m.user = reinterpret_cast<void*>(fn);
    detail::check(host_->register_interface(ctx_, LC_PRUNING_METRIC_V1, name, &m));
  }
  // Registers any interface implementation; `impl` must outlive the plugin's deinit.
  void interface(const char* interface_id, const char* name, const void* impl) {
    detail::check(host_->register_interface(ctx_, interface_id, name, impl));
  }
  const lc_host_api_t* host() const { return host_; }

  // Storage for registered metric tables: their addresses are handed to the host.
  static std::deque<lc_pruning_metric_t>& metrics() {
    static std::deque<lc_pruning_metric_t> m;
    return m;
  }

 private:
  static int32_t translate_thunk(void* user, lc_ctx_t* ctx, const lc_host_api_t* host) {
    return guarded(ctx, host, [&] {
      Node node(ctx, host);
      reinterpret_cast<TranslateFn>(user)(node);
    });
  }
  static int32_t metric_thunk(void* user, lc_ctx_t* ctx, const lc_host_api_t* host, const lc_metric_input_t* in,
                              float* scores) {
    return guarded(ctx, host, [&] { reinterpret_cast<MetricFn>(user)(*in, scores); });
  }
  lc_ctx_t* ctx_;
  const lc_host_api_t* host_;
};

}  // namespace litecast

// Defines the plugin's entry symbol. `init_body` is a callable taking litecast::Registrar&.
#define LITECAST_PLUGIN(ID, VERSION, DESCRIPTION, ...)                                              \
  static void litecast_plugin_register_(litecast::Registrar& r) { (__VA_ARGS__)(r); }               \
  static int32_t litecast_plugin_init_(const lc_host_api_t* host, lc_ctx_t* ctx) {                  \
    return litecast::guarded(ctx, host, [&] {                                               \
      litecast::Registrar r(ctx, host);                                                             \
      litecast_plugin_register_(r);                                                                 \
    });                                                                                             \
  }                                                                                                 \
  static void litecast_plugin_deinit_(void) { litecast::Registrar::metrics().clear(); }             \
  extern "C" LC_EXPORT const lc_plugin_descriptor_t* litecast_plugin_entry_v1(uint32_t host_major,  \
                                                                              uint32_t host_minor) { \
    (void)host_minor;                                                                               \
    static const lc_plugin_descriptor_t d = {sizeof(lc_plugin_descriptor_t),                        \
                                             LC_ABI_MAJOR,                                          \
                                             LC_ABI_MINOR,                                          \
                                             ID,                                                    \
                                             VERSION,                                               \
                                             DESCRIPTION,                                           \
                                             &litecast_plugin_init_,                                \
                                             &litecast_plugin_deinit_};                             \
    return host_major == LC_ABI_MAJOR ? &d : nullptr;                                               \
  }

#endif  // LITECAST_PLUGIN_HPP
