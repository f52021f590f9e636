#include "convert/translation.hpp"

#include <litecast/error.hpp>

#include <fmt/format.h>

#include <cstring>
#include <limits>

namespace litecast {

int32_t tflite_type(at::ScalarType t) {
  switch (t) {
    case at::kFloat:
    case at::kDouble: return LC_FLOAT32;
    case at::kHalf: return LC_FLOAT16;
    case at::kLong:
    case at::kInt:
    case at::kQInt32: return LC_INT32;
    case at::kShort: return LC_INT16;
    case at::kChar:
    case at::kQInt8: return LC_INT8;
    // quint8 becomes TFLite's int8 with the zero point shifted by -128 (the int8 spec); the
    // host presents quint8 values, zero points and constants that way to plugins.
    case at::kQUInt8: return LC_INT8;
    case at::kByte: return LC_UINT8;
    case at::kBool: return LC_BOOL;
    default: throw Error(fmt::format("tensors of type {} have no TFLite equivalent", c10::toString(t)));
  }
}

int32_t boundary_type(at::ScalarType t) {
  switch (t) {
    case at::kLong: return LC_INT64;
    case at::kDouble: return LC_FLOAT64;
    default: return tflite_type(t);
  }
}

Translation::Translation(const graph::ImportedGraph& g, graph::ValueRecords& records,
                         const PluginRegistry& plugins, const ConvertOptions& options)
    : graph_(g), records_(records), plugins_(plugins), options_(options) {}

int32_t Translation::add_tensor(const std::string& name, int32_t type, const std::vector<int64_t>& shape,
                                const void* data, size_t size, const Quantization* quant,
                                std::shared_ptr<const void> owner) {
  Tensor t;
  t.name = name;
  t.type = type;
  size_t count = 1;
  for (int64_t d : shape) {
    if (d < 0 || d > std::numeric_limits<int32_t>::max())
      throw Error(fmt::format("tensor '{}': dimension {} is not a static size", name, d));
    t.shape.push_back(static_cast<int32_t>(d));
    count *= static_cast<size_t>(d);
  }
  if (data) {
    size_t elem = element_size(type);
    if (elem && count * elem != size)
      throw Error(fmt::format("tensor '{}': {} bytes of data for {} elements of {}", name, size, count,
                              tensor_type_name(type)));
    const auto* bytes = static_cast<const uint8_t*>(data);
    if (owner)
      model_.buffers.push_back(Bytes::view(bytes, size, std::move(owner)));
    else
      model_.buffers.emplace_back(bytes, bytes + size);
    t.buffer = static_cast<uint32_t>(model_.buffers.size() - 1);
  }
  if (quant) t.quant = *quant;
  model_.tensors.push_back(std::move(t));
  return static_cast<int32_t>(model_.tensors.size() - 1);
}

// A fake-quantized weight as TFLite's Q/DQ form: the int8 constant (quint8 ranges as int8,
// zero points - 128) and a DEQUANTIZE to the float value the model computes with.
int32_t Translation::fake_quant_constant(const torch::jit::Value* v, const at::Tensor& value,
                                         const graph::FakeQuant& q) {
  const bool unsigned_range = q.quant_min >= 0;
  const int64_t shift = unsigned_range ? -128 : 0;
  if (q.quant_max - q.quant_min > 255)
    throw Error(fmt::format("constant %{}: fake quantization wider than 8 bits", v->debugName()));
  at::Tensor x = value.to(at::kDouble).contiguous();
  at::Tensor s = at::tensor(q.scales, at::kDouble), z = at::tensor(q.zero_points, at::kLong).to(at::kDouble);
  if (q.scales.size() > 1) {  // broadcast along the channel axis
    std::vector<int64_t> shape(static_cast<size_t>(x.dim()), 1);
    shape.at(static_cast<size_t>(q.axis)) = static_cast<int64_t>(q.scales.size());
    s = s.view(shape);
    z = z.view(shape);
  }
  at::Tensor codes = (at::round(x / s) + z).clamp(q.quant_min, q.quant_max) + shift;
  codes = codes.to(at::kChar).contiguous();
  Quantization quant;
  quant.scales.assign(q.scales.begin(), q.scales.end());
  for (int64_t zp : q.zero_points) quant.zero_points.push_back(zp + shift);
  quant.quantized_axis = static_cast<int32_t>(q.scales.size() > 1 ? q.axis : 0);
  int32_t i8 =
      add_tensor(v->debugName() + "/quantized", LC_INT8, codes.sizes().vec(), codes.data_ptr(), codes.nbytes(), &quant);
  int32_t f = add_tensor(v->debugName(), LC_FLOAT32, value.sizes().vec());
  Operator op;
  op.builtin_code = builtin_code("DEQUANTIZE");
  op.inputs = {i8};
  op.outputs = {f};
  model_.operators.push_back(op);
  return f;
}

int32_t Translation::constant_tensor(const torch::jit::Value* v, const at::Tensor& value) {
  if (const graph::FakeQuant* q = fake_quant(v); q && value.scalar_type() == at::kFloat)
    return fake_quant_constant(v, value, *q);
  at::Tensor t = value.contiguous();
  Quantization q;
  if (t.is_quantized()) {
    graph::TensorFacts f = graph::facts_of(t);
    q.scales.assign(f.scales.begin(), f.scales.end());
    q.zero_points = f.zero_points;
    q.quantized_axis = static_cast<int32_t>(f.quantized_axis);
    if (t.scalar_type() == at::kQUInt8) {
      for (int64_t& z : q.zero_points) z -= 128;
      t = (t.int_repr().to(at::kInt) - 128).to(at::kChar).contiguous();
    } else {
      t = t.int_repr().contiguous();
    }
  }
  if (t.scalar_type() == at::kDouble) t = t.to(at::kFloat);
  if (t.scalar_type() == at::kLong) {
    bool fits = t.numel() == 0 || (t.max().item<int64_t>() <= std::numeric_limits<int32_t>::max() &&
                                   t.min().item<int64_t>() >= std::numeric_limits<int32_t>::min());
    if (!fits) throw Error(fmt::format("constant %{} has int64 values beyond int32's range", v->debugName()));
    t = t.to(at::kInt);
  }
  int32_t type = tflite_type(value.scalar_type());
  // The weights stay in LibTorch's storage: the buffer views it.
  return add_tensor(v->debugName(), type, t.sizes().vec(), t.data_ptr(), t.nbytes(), q.empty() ? nullptr : &q,
                    std::make_shared<const at::Tensor>(t));
}

int32_t Translation::tensor_of(internal::TranslationCall& call, const torch::jit::Value* v, int32_t item) {
  if (item >= 0) {
    if (auto it = list_values_.find(v); it != list_values_.end()) {
      if (item >= static_cast<int32_t>(it->second.size()))
        throw Error(fmt::format("list item {} of %{} out of range", item, v->debugName()));
      return tensor_of(call, it->second[static_cast<size_t>(item)], -1);
    }
    if (auto it = list_tensors_.find(v); it != list_tensors_.end()) {
      if (item >= static_cast<int32_t>(it->second.size()))
        throw Error(fmt::format("list item {} of %{} out of range", item, v->debugName()));
      return it->second[static_cast<size_t>(item)];
    }
    const graph::ValueRecord& r = records_.at(v);
    if (r.constant && r.value.isList()) {  // Tensor[] or Tensor?[]
      const auto& list = r.value.toListRef();
      if (item >= static_cast<int32_t>(list.size()))
        throw Error(fmt::format("list item {} of %{} out of range", item, v->debugName()));
      const c10::IValue& e = list[static_cast<size_t>(item)];
      if (!e.isTensor()) throw Error(fmt::format("list item {} of %{} is not a tensor", item, v->debugName()));
      return constant_tensor(v, e.toTensor());
    }
    throw Error(fmt::format("%{} is not a list of tensors", v->debugName()));
  }
  if (auto it = tensor_.find(v); it != tensor_.end()) return it->second;
  const graph::ValueRecord& r = records_.at(v);
  if (r.constant && r.value.isTensor()) {
    int32_t t = constant_tensor(v, r.value.toTensor());
    tensor_[v] = t;
    call.materialized.push_back(v);
    return t;
  }
  throw Error(fmt::format("%{} is not a tensor the model computes (kind {})", v->debugName(),
                          r.constant ? "constant " + r.value.tagKind() : v->type()->str()));
}

int32_t Translation::add_op(const char* builtin, std::vector<int32_t> inputs, std::vector<int32_t> outputs) {
  Operator op;
  op.builtin_code = builtin_code(builtin);
  op.inputs = std::move(inputs);
  op.outputs = std::move(outputs);
  model_.operators.push_back(std::move(op));
  return static_cast<int32_t>(model_.operators.size() - 1);
}

void Translation::bind_inputs() {
  for (size_t i = 0; i < graph_.inputs.size(); ++i) {
    const torch::jit::Value* v = graph_.inputs[i];
    const graph::TensorFacts& f = *records_.at(v).tensor;
    const std::string name = v->debugName();
    int32_t type = tflite_type(f.dtype);
    // A quantized input keeps its scale and zero point (quint8 as int8, zero point - 128).
    Quantization q;
    if (!f.scales.empty()) {
      if (f.scales.size() != 1)
        throw Error(
            fmt::format("input {} ('{}') is quantized per channel; model inputs can be quantized per tensor "
                        "only",
                        i, name));
      q.scales = {static_cast<float>(f.scales[0])};
      q.zero_points = {f.zero_points[0] - (f.dtype == at::kQUInt8 ? 128 : 0)};
    }
    const Quantization* quant = q.empty() ? nullptr : &q;
    bool transpose = f.shape.size() == 4 && options_.nchw_transpose;
    if (i < options_.input_transpose.size() && options_.input_transpose[i]) transpose = *options_.input_transpose[i];
    if (transpose && f.shape.size() != 4)
      throw Error(fmt::format("--input-transpose for input {} ('{}'): only 4-D inputs can be transposed", i, name));
    const auto& s = f.shape;
    const std::vector<int64_t> shape = transpose ? std::vector<int64_t>{s[0], s[2], s[3], s[1]} : s;
    // int64 and float64 inputs keep their type at the model's boundary; translators see them
    // as int32 and float32, which TFLite's kernels take, through a CAST.
    const int32_t outer = boundary_type(f.dtype);
    int32_t t = add_tensor(name, outer, shape, nullptr, 0, quant);
    model_.inputs.push_back(t);
    if (outer != type) {
      const int32_t cast = add_tensor(name + "/" + tensor_type_name(type), type, shape);
      add_op("CAST", {t}, {cast});
      t = cast;
    }
    if (transpose) {
      std::vector<int32_t> perm{0, 3, 1, 2};
      int32_t p = add_tensor(name + "/to_nchw_perm", LC_INT32, {4}, perm.data(), 16);
      int32_t nchw = add_tensor(name + "/nchw", type, s, nullptr, 0, quant);
      add_op("TRANSPOSE", {t, p}, {nchw});
      t = nchw;
    }
    tensor_[v] = t;
  }
}

void Translation::bind_outputs() {
  internal::TranslationCall call{*this, nullptr, {}, {}, {}, {}, {}, 0, 0, {}, {}, {}, {}};
  for (size_t i = 0; i < graph_.outputs.size(); ++i) {
    const torch::jit::Value* v = graph_.outputs[i];
    const std::string name = v->debugName();
    int32_t t = tensor_of(call, v, -1);
    const Tensor& tt = model_.tensors[static_cast<size_t>(t)];
    bool transpose = tt.shape.size() == 4 && options_.nchw_transpose;
    if (i < options_.output_transpose.size() && options_.output_transpose[i]) transpose = *options_.output_transpose[i];
    if (transpose && tt.shape.size() != 4)
      throw Error(fmt::format("--output-transpose for output {}: only 4-D outputs can be transposed", i));
    const graph::ValueRecord& r = records_.at(v);
    const int32_t outer = r.tensor ? boundary_type(r.tensor->dtype) : tt.type;
    const bool cast = outer != tt.type && tt.type == tflite_type(r.tensor->dtype);
    if (transpose) {
      std::vector<int64_t> s(tt.shape.begin(), tt.shape.end());
      const int32_t type = tt.type;
      const Quantization quant = tt.quant;
      std::vector<int32_t> perm{0, 2, 3, 1};
      int32_t p = add_tensor(name + "/to_nhwc_perm", LC_INT32, {4}, perm.data(), 16);
      int32_t out = add_tensor(cast ? name + "/nhwc" : name, type, {s[0], s[2], s[3], s[1]}, nullptr, 0,
                               quant.empty() ? nullptr : &quant);
      add_op("TRANSPOSE", {t, p}, {out});
      t = out;
    }
    if (cast) {
      // An int64 or float64 output: computed in int32 or float32, cast back at the boundary.
      const Tensor& in = model_.tensors[static_cast<size_t>(t)];
      std::vector<int64_t> s(in.shape.begin(), in.shape.end());
      if (!transpose) model_.tensors[static_cast<size_t>(t)].name = name + "/" + tensor_type_name(in.type);
      int32_t out = add_tensor(name, outer, s);
      add_op("CAST", {t}, {out});
      t = out;
    } else if (!transpose) {
      model_.tensors[static_cast<size_t>(t)].name = name;
    }
    model_.outputs.push_back(t);
  }
}

bool Translation::structural(torch::jit::Node* n) {
  const auto kind = n->kind();
  if (kind == c10::prim::ListConstruct || kind == c10::prim::TupleConstruct) {
    list_values_[n->output()] = std::vector<const torch::jit::Value*>(n->inputs().begin(), n->inputs().end());
    return true;
  }
  if (kind == c10::prim::ListUnpack || kind == c10::prim::TupleUnpack) {
    const torch::jit::Value* list = n->input(0);
    for (size_t i = 0; i < n->outputs().size(); ++i) {
      if (missing_.count(list)) {
        missing_.insert(n->output(i));
        continue;
      }
      if (auto it = list_values_.find(list); it != list_values_.end()) {
        const torch::jit::Value* item = it->second.at(i);
        if (auto t = tensor_.find(item); t != tensor_.end()) tensor_[n->output(i)] = t->second;
        // A constant item stays a constant: its own record says so.
      } else if (auto lt = list_tensors_.find(list); lt != list_tensors_.end()) {
        tensor_[n->output(i)] = lt->second.at(i);
      }
    }
    return true;
  }
  return false;
}

void Translation::translate(torch::jit::Node* n) {
  auto depends_on_missing = [&](const torch::jit::Value* v) {
    if (missing_.count(v)) return true;
    if (auto it = list_values_.find(v); it != list_values_.end())
      for (const torch::jit::Value* item : it->second)
        if (missing_.count(item)) return true;
    return false;
  };
  for (const torch::jit::Value* in : n->inputs())
    if (depends_on_missing(in)) {
      for (const torch::jit::Value* out : n->outputs()) missing_.insert(out);
      return;
    }
  std::string kind = n->kind().toQualString();
  std::string overload = n->maybeSchema() ? n->schema().overload_name() : "";
  auto cands = plugins_.candidates(kind, overload);
  Unsupported* miss = nullptr;
  auto note = [&](const std::string& reason) {
    for (const torch::jit::Value* out : n->outputs()) missing_.insert(out);
    miss = &unsupported_[kind];
    if (miss->count++ == 0) {
      miss->first_where = graph::describe_node(n);
      miss->reason = reason;
    }
  };
  if (cands.empty()) return note("");

  std::vector<std::string> reasons;
  for (const TranslatorEntry* c : cands) {
    const size_t tensors = model_.tensors.size(), buffers = model_.buffers.size(), ops = model_.operators.size();
    internal::TranslationCall call{*this, n, kind, overload, {}, {}, {}, tensors, ops, {}, {}, {}, {}};
    lc_ctx_t ctx;
    ctx.plugin = c->plugin;
    ctx.translation = &call;
    ctx.option = [this](const char* name) -> const char* {
      auto it = options_.options.find(name ? name : "");
      return it == options_.options.end() ? nullptr : it->second.c_str();
    };
    ctx.log = [this, c, n](int32_t level, const std::string& msg) {
      if (level >= LC_LOG_WARNING && options_.warn) options_.warn(fmt::format("{} ({}): {}", graph::describe_node(n), c->plugin, msg));
    };
    int32_t status = LC_ERROR;
    try {
      status = c->translate(c->user, &ctx, internal::host_api());
    } catch (const std::exception& e) {  // a plugin that broke the no-exception rule
      ctx.error = fmt::format("the translator threw a C++ exception across the ABI: {}", e.what());
    } catch (...) {
      ctx.error = "the translator threw a C++ exception across the ABI";
    }
    if (status == LC_OK) {
      for (size_t i = 0; i < n->outputs().size() && ctx.error.empty(); ++i) {
        const torch::jit::Value* out = n->output(i);
        if (records_.at(out).constant) continue;
        bool bound = call.outputs.count(static_cast<int32_t>(i)) || call.output_lists.count(static_cast<int32_t>(i));
        if (!bound) ctx.error = fmt::format("returned success without binding output {} (%{})", i, out->debugName());
      }
      if (!ctx.error.empty()) status = LC_ERROR;
    }
    if (status == LC_OK) {
      for (const auto& [i, t] : call.outputs) {
        const torch::jit::Value* out = n->output(static_cast<size_t>(i));
        tensor_[out] = t;
        if (static_cast<size_t>(t) >= call.first_new_tensor) model_.tensors[static_cast<size_t>(t)].name = out->debugName();
      }
      for (const auto& [i, ts] : call.output_lists) list_tensors_[n->output(static_cast<size_t>(i))] = ts;
      return;
    }
    model_.tensors.resize(tensors);
    model_.buffers.resize(buffers);
    model_.operators.resize(ops);
    for (const torch::jit::Value* v : call.materialized) tensor_.erase(v);
    reasons.push_back(fmt::format("{} {}: {}", c->plugin, status == LC_DECLINE ? "declined" : "failed",
                                  ctx.error.empty() ? "no reason given" : ctx.error));
  }
  std::string all;
  for (const std::string& r : reasons) all += (all.empty() ? "" : "; ") + r;
  note(all);
}

// Weights cross once: when the last node that reads a constant tensor has been translated,
// the TFLite model holds its bytes, so LibTorch's copy is dropped (from the records and from
// the graph's constant node). The storage is freed when nothing else shares it.
void Translation::release_weights(
    torch::jit::Node* n, const std::unordered_map<const torch::jit::Value*, const torch::jit::Node*>& last_use) {
  constexpr size_t kWorthIt = 4096;
  for (torch::jit::Value* v : n->inputs()) {
    auto it = last_use.find(v);
    if (it == last_use.end() || it->second != n) continue;
    torch::jit::Node* producer = v->node();
    if (producer->kind() != c10::prim::Constant || !producer->hasAttribute(c10::attr::value) ||
        producer->kindOf(c10::attr::value) != torch::jit::AttributeKind::t)
      continue;
    const at::Tensor& t = producer->t(c10::attr::value);
    if (!t.defined() || t.nbytes() < kWorthIt) continue;
    producer->t_(c10::attr::value, at::empty({0}, t.options()));
    records_.release(v);
  }
}

Model Translation::run() {
  bind_inputs();
  // The last node to read each constant; values the graph returns or that structural nodes
  // pass on are read again when outputs are bound, so they are never released.
  std::unordered_map<const torch::jit::Value*, const torch::jit::Node*> last_use;
  for (torch::jit::Node* n : graph_.graph->nodes())
    for (const torch::jit::Value* v : n->inputs())
      if (const graph::ValueRecord* r = records_.find(v); r && r->constant) last_use[v] = n;
  for (const torch::jit::Value* v : graph_.graph->return_node()->inputs()) last_use.erase(v);
  for (torch::jit::Node* n : graph_.graph->nodes()) {
    bool all_constant = true;
    for (const torch::jit::Value* o : n->outputs()) all_constant = all_constant && records_.at(o).constant;
    if (all_constant || structural(n)) continue;
    translate(n);
    if (unsupported_.empty() && !keep_weights_) release_weights(n, last_use);
  }
  if (!unsupported_.empty()) {
    std::string list;
    for (const auto& [kind, u] : unsupported_) {
      list += fmt::format("{}{} x{} (first: {}{})", list.empty() ? "" : ", ", kind, u.count, u.first_where,
                          u.reason.empty() ? "" : "; " + u.reason);
    }
    throw Error(fmt::format("{} op kind{} could not be converted: {}. To add a translator, see docs/plugin-guide.md",
                            unsupported_.size(), unsupported_.size() == 1 ? "" : "s", list));
  }
  bind_outputs();
  return std::move(model_);
}

}  // namespace litecast
