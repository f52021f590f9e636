// The function table plugins receive. Each entry checks its arguments, never throws, and
// reports failure as LC_ERROR with the reason left on the context.
#include <litecast/error.hpp>

#include "convert/translation.hpp"
#include "tflite/options_schema.hpp"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/function.h>
#include <fmt/format.h>

namespace litecast::internal {

namespace {

using Value = torch::jit::Value;

// Runs `body` (which returns a status), turning exceptions into LC_ERROR + message.
template <class Body>
int32_t guard(lc_ctx_t* ctx, Body&& body) noexcept {
  if (!ctx) return LC_ERROR;
  try {
    return body();
  } catch (const std::exception& e) {
    ctx->error = e.what();
  } catch (...) {
    ctx->error = "unknown error in the host";
  }
  return LC_ERROR;
}

TranslationCall& call_of(lc_ctx_t* ctx) {
  if (!ctx->translation) throw Error("this host function is only available while translating a node");
  return *ctx->translation;
}

const Value* input_value(TranslationCall& c, int32_t i) {
  auto ins = c.node->inputs();
  if (i < 0 || static_cast<size_t>(i) >= ins.size())
    throw Error(fmt::format("input {} out of range ({} has {} inputs)", i, c.kind, ins.size()));
  return ins[static_cast<size_t>(i)];
}

const c10::IValue& constant_input(TranslationCall& c, int32_t i, const char* what) {
  const Value* v = input_value(c, i);
  const graph::ValueRecord& r = c.tr.records().at(v);
  if (!r.constant) throw Error(fmt::format("input {} (%{}) of {} is not a constant {}", i, v->debugName(), c.kind, what));
  return r.value;
}

at::ScalarType torch_type(int32_t lc) {
  switch (lc) {
    case LC_FLOAT32: return at::kFloat;
    case LC_FLOAT16: return at::kHalf;
    case LC_FLOAT64: return at::kDouble;
    case LC_INT32: return at::kInt;
    case LC_INT64: return at::kLong;
    case LC_INT16: return at::kShort;
    case LC_INT8: return at::kChar;
    case LC_UINT8: return at::kByte;
    case LC_BOOL: return at::kBool;
    default: throw Error(fmt::format("unsupported element type {}", lc));
  }
}

void fill_info(TranslationCall& c, const graph::TensorFacts& f, bool constant, lc_tensor_info_t* out) {
  if (!out || !LC_HAS_FIELD(out, lc_tensor_info_t, quantized_axis)) throw Error("lc_tensor_info_t too small");
  out->dtype = tflite_type(f.dtype);
  out->rank = static_cast<int32_t>(f.shape.size());
  out->shape = c.int_lists.emplace_back(f.shape).data();
  out->is_constant = constant ? 1 : 0;
  out->num_scales = static_cast<int32_t>(f.scales.size());
  out->scales = c.float_lists.emplace_back(f.scales).data();
  std::vector<int64_t>& zp = c.int_lists.emplace_back(f.zero_points);
  // quint8 is presented as TFLite's int8, its zero points shifted by -128 (see tflite_type).
  if (f.dtype == at::kQUInt8)
    for (int64_t& z : zp) z -= 128;
  out->zero_points = zp.data();
  out->quantized_axis = static_cast<int32_t>(f.quantized_axis);
}

// Shape and type of input i (or of list item `item`).
std::pair<graph::TensorFacts, bool> input_facts(TranslationCall& c, int32_t i, int32_t item) {
  const Value* v = input_value(c, i);
  const graph::ValueRecord& r = c.tr.records().at(v);
  if (item < 0) {
    if (!r.tensor) throw Error(fmt::format("input {} (%{}) of {} is not a tensor", i, v->debugName(), c.kind));
    return {*r.tensor, r.constant};
  }
  if (item >= static_cast<int32_t>(r.items.size()))
    throw Error(fmt::format("input {} of {}: list item {} out of range ({} items)", i, c.kind, item, r.items.size()));
  bool constant = r.constant;
  if (!constant && v->node()->kind() == c10::prim::ListConstruct)
    constant = c.tr.records().at(v->node()->input(static_cast<size_t>(item))).constant;
  return {r.items[static_cast<size_t>(item)], constant};
}

// --- node queries -------------------------------------------------------------------------

const char* node_kind(lc_ctx_t* ctx) { return ctx && ctx->translation ? ctx->translation->kind.c_str() : ""; }
const char* node_overload(lc_ctx_t* ctx) { return ctx && ctx->translation ? ctx->translation->overload.c_str() : ""; }
int32_t node_num_inputs(lc_ctx_t* ctx) {
  return ctx && ctx->translation ? static_cast<int32_t>(ctx->translation->node->inputs().size()) : 0;
}
int32_t node_num_outputs(lc_ctx_t* ctx) {
  return ctx && ctx->translation ? static_cast<int32_t>(ctx->translation->node->outputs().size()) : 0;
}

int32_t input_kind(lc_ctx_t* ctx, int32_t i) {
  if (!ctx || !ctx->translation) return LC_VALUE_NONE;
  TranslationCall& c = *ctx->translation;
  if (i < 0 || static_cast<size_t>(i) >= c.node->inputs().size()) return LC_VALUE_NONE;
  const Value* v = c.node->input(static_cast<size_t>(i));
  const graph::ValueRecord& r = c.tr.records().at(v);
  if (r.constant) {
    const c10::IValue& x = r.value;
    if (x.isNone()) return LC_VALUE_NONE;
    if (x.isTensor()) return LC_VALUE_TENSOR;
    if (x.isInt()) return LC_VALUE_INT;
    if (x.isDouble()) return LC_VALUE_FLOAT;
    if (x.isBool()) return LC_VALUE_BOOL;
    if (x.isString()) return LC_VALUE_STRING;
    if (x.isIntList()) return LC_VALUE_INT_LIST;
    if (x.isDoubleList()) return LC_VALUE_FLOAT_LIST;
    if (x.isBoolList()) return LC_VALUE_BOOL_LIST;
    if (x.isTensorList() || x.isTuple()) return LC_VALUE_TENSOR_LIST;
    if (x.isList()) {  // Tensor?[]: tensors and Nones
      bool tensors = true;
      for (const c10::IValue& e : x.toListRef()) tensors = tensors && (e.isTensor() || e.isNone());
      if (tensors) return LC_VALUE_TENSOR_LIST;
    }
    return LC_VALUE_OTHER;
  }
  if (r.tensor) return LC_VALUE_TENSOR;
  const c10::TypePtr& t = v->type();
  if (t->kind() == c10::TypeKind::ListType || t->kind() == c10::TypeKind::TupleType) return LC_VALUE_TENSOR_LIST;
  if (t->kind() == c10::TypeKind::IntType) return LC_VALUE_INT;
  if (t->kind() == c10::TypeKind::FloatType) return LC_VALUE_FLOAT;
  if (t->kind() == c10::TypeKind::BoolType) return LC_VALUE_BOOL;
  return LC_VALUE_OTHER;
}

int32_t input_int(lc_ctx_t* ctx, int32_t i, int64_t* out) {
  return guard(ctx, [&] {
    const c10::IValue& x = constant_input(call_of(ctx), i, "int");
    if (x.isInt()) *out = x.toInt();
    else if (x.isBool()) *out = x.toBool();
    else if (x.isTensor() && x.toTensor().numel() == 1 && !x.toTensor().is_floating_point()) *out = x.toTensor().item<int64_t>();
    else throw Error(fmt::format("input {} of {} is not an int", i, call_of(ctx).kind));
    return LC_OK;
  });
}

int32_t input_float(lc_ctx_t* ctx, int32_t i, double* out) {
  return guard(ctx, [&] {
    const c10::IValue& x = constant_input(call_of(ctx), i, "number");
    if (x.isDouble()) *out = x.toDouble();
    else if (x.isInt()) *out = static_cast<double>(x.toInt());
    else if (x.isBool()) *out = x.toBool() ? 1.0 : 0.0;
    else if (x.isTensor() && x.toTensor().numel() == 1) *out = x.toTensor().item<double>();
    else throw Error(fmt::format("input {} of {} is not a number", i, call_of(ctx).kind));
    return LC_OK;
  });
}

int32_t input_bool(lc_ctx_t* ctx, int32_t i, int32_t* out) {
  return guard(ctx, [&] {
    const c10::IValue& x = constant_input(call_of(ctx), i, "bool");
    if (x.isBool()) *out = x.toBool() ? 1 : 0;
    else if (x.isInt()) *out = x.toInt() != 0;
    else throw Error(fmt::format("input {} of {} is not a bool", i, call_of(ctx).kind));
    return LC_OK;
  });
}

int32_t input_string(lc_ctx_t* ctx, int32_t i, const char** out) {
  return guard(ctx, [&] {
    TranslationCall& c = call_of(ctx);
    const c10::IValue& x = constant_input(c, i, "string");
    if (x.isString()) *out = c.strings.emplace_back(x.toStringRef()).c_str();
    else if (x.isDevice()) *out = c.strings.emplace_back(x.toDevice().str()).c_str();
    else throw Error(fmt::format("input {} of {} is not a string", i, c.kind));
    return LC_OK;
  });
}

int32_t input_ints(lc_ctx_t* ctx, int32_t i, const int64_t** data, int32_t* count) {
  return guard(ctx, [&] {
    TranslationCall& c = call_of(ctx);
    const c10::IValue& x = constant_input(c, i, "int list");
    std::vector<int64_t> v;
    if (x.isIntList()) v = x.toIntVector();
    else if (x.isInt()) v = {x.toInt()};
    else if (x.isBoolList()) for (bool b : x.toBoolList()) v.push_back(b);
    else throw Error(fmt::format("input {} of {} is not an int list", i, c.kind));
    const auto& kept = c.int_lists.emplace_back(std::move(v));
    *data = kept.data();
    *count = static_cast<int32_t>(kept.size());
    return LC_OK;
  });
}

int32_t input_floats(lc_ctx_t* ctx, int32_t i, const double** data, int32_t* count) {
  return guard(ctx, [&] {
    TranslationCall& c = call_of(ctx);
    const c10::IValue& x = constant_input(c, i, "float list");
    std::vector<double> v;
    if (x.isDoubleList()) v = x.toDoubleVector();
    else if (x.isIntList()) for (int64_t k : x.toIntVector()) v.push_back(static_cast<double>(k));
    else if (x.isDouble()) v = {x.toDouble()};
    else throw Error(fmt::format("input {} of {} is not a float list", i, c.kind));
    const auto& kept = c.float_lists.emplace_back(std::move(v));
    *data = kept.data();
    *count = static_cast<int32_t>(kept.size());
    return LC_OK;
  });
}

int32_t input_info(lc_ctx_t* ctx, int32_t i, int32_t item, lc_tensor_info_t* out) {
  return guard(ctx, [&] {
    TranslationCall& c = call_of(ctx);
    auto [facts, constant] = input_facts(c, i, item);
    // A fake-quantized float weight shows its quantization (the dtype stays float32).
    if (const graph::FakeQuant* q = item < 0 ? c.tr.fake_quant(input_value(c, i)) : nullptr) {
      facts.scales = q->scales;
      facts.zero_points = q->zero_points;
      if (q->quant_min >= 0)
        for (int64_t& z : facts.zero_points) z -= 128;
      facts.quantized_axis = q->axis;
    }
    fill_info(c, facts, constant, out);
    return LC_OK;
  });
}

int32_t input_list_size(lc_ctx_t* ctx, int32_t i, int32_t* count) {
  return guard(ctx, [&] {
    TranslationCall& c = call_of(ctx);
    const Value* v = input_value(c, i);
    const graph::ValueRecord& r = c.tr.records().at(v);
    if (r.constant && r.value.isList()) *count = static_cast<int32_t>(r.value.toListRef().size());
    else if (r.constant && r.value.isTuple()) *count = static_cast<int32_t>(r.value.toTupleRef().elements().size());
    else if (v->node()->kind() == c10::prim::ListConstruct) *count = static_cast<int32_t>(v->node()->inputs().size());
    else if (!r.tensor && (v->type()->kind() == c10::TypeKind::ListType || v->type()->kind() == c10::TypeKind::TupleType))
      *count = static_cast<int32_t>(r.items.size());
    else throw Error(fmt::format("input {} of {} is not a list", i, c.kind));
    return LC_OK;
  });
}

int32_t input_data(lc_ctx_t* ctx, int32_t i, int32_t item, int32_t dtype, const void** data, size_t* size) {
  return guard(ctx, [&] {
    TranslationCall& c = call_of(ctx);
    const Value* v = input_value(c, i);
    if (item >= 0 && v->node()->kind() == c10::prim::ListConstruct) {
      v = v->node()->input(static_cast<size_t>(item));
      item = -1;
    }
    const c10::IValue& x = c.tr.records().at(v).constant ? c.tr.records().at(v).value
                                                          : constant_input(c, i, "tensor");
    at::Tensor t;
    if (item >= 0 && x.isList() && x.toListRef().at(static_cast<size_t>(item)).isTensor())
      t = x.toListRef().at(static_cast<size_t>(item)).toTensor();
    else if (item >= 0) throw Error(fmt::format("input {} of {}: list item {} is not a tensor", i, c.kind, item));
    else if (x.isTensor()) t = x.toTensor();
    else if (x.isDouble() || x.isInt() || x.isBool()) t = at::scalar_to_tensor(x.toScalar());
    else throw Error(fmt::format("input {} of {} is not a tensor", i, c.kind));
    if (t.is_meta())
      throw Error(fmt::format("input {} of {}: its value is not known before the model runs", i, c.kind));
    at::ScalarType want = torch_type(dtype);
    if (t.is_quantized() && t.scalar_type() == at::kQUInt8 && want == at::kChar)
      t = t.int_repr().to(at::kInt) - 128;  // TFLite's int8 view of quint8
    else if (t.is_quantized())
      t = (want == at::kChar || want == at::kByte || want == at::kInt) ? t.int_repr() : t.dequantize();
    t = t.to(want).contiguous();
    const at::Tensor& kept = c.tensors.emplace_back(t);
    *data = kept.data_ptr();
    *size = kept.nbytes();
    return LC_OK;
  });
}

int32_t input_tensor(lc_ctx_t* ctx, int32_t i, int32_t item, int32_t* tensor) {
  return guard(ctx, [&] {
    TranslationCall& c = call_of(ctx);
    *tensor = c.tr.tensor_of(c, input_value(c, i), item);
    return LC_OK;
  });
}

int32_t output_info(lc_ctx_t* ctx, int32_t i, lc_tensor_info_t* out) {
  return guard(ctx, [&] {
    TranslationCall& c = call_of(ctx);
    auto outs = c.node->outputs();
    if (i < 0 || static_cast<size_t>(i) >= outs.size())
      throw Error(fmt::format("output {} out of range ({} has {} outputs)", i, c.kind, outs.size()));
    const graph::ValueRecord& r = c.tr.records().at(outs[static_cast<size_t>(i)]);
    if (!r.tensor) throw Error(fmt::format("output {} of {} is not a tensor", i, c.kind));
    fill_info(c, *r.tensor, r.constant, out);
    return LC_OK;
  });
}

// --- building -----------------------------------------------------------------------------

void check_tensor_index(TranslationCall& c, int32_t t, bool optional) {
  if (optional && t == -1) return;
  if (t < 0 || static_cast<size_t>(t) >= c.tr.model().tensors.size())
    throw Error(fmt::format("tensor {} does not exist (the model has {})", t, c.tr.model().tensors.size()));
}

int32_t add_tensor(lc_ctx_t* ctx, const lc_tensor_desc_t* d, int32_t* tensor) {
  return guard(ctx, [&] {
    TranslationCall& c = call_of(ctx);
    if (!d || !LC_HAS_FIELD(d, lc_tensor_desc_t, quant)) throw Error("add_tensor: lc_tensor_desc_t too small");
    if (d->rank < 0 || (d->rank > 0 && !d->shape)) throw Error("add_tensor: bad rank or shape");
    if (tensor_type_name(d->dtype) == "?") throw Error(fmt::format("add_tensor: unknown element type {}", d->dtype));
    std::vector<int64_t> shape(d->shape, d->shape + d->rank);
    Quantization q;
    if (d->quant) {
      if (!LC_HAS_FIELD(d->quant, lc_quant_t, quantized_axis) || d->quant->count <= 0 || !d->quant->scales ||
          !d->quant->zero_points)
        throw Error("add_tensor: incomplete lc_quant_t");
      q.scales.assign(d->quant->scales, d->quant->scales + d->quant->count);
      q.zero_points.assign(d->quant->zero_points, d->quant->zero_points + d->quant->count);
      q.quantized_axis = d->quant->quantized_axis;
    }
    std::string name = d->name ? d->name
                               : fmt::format("{}/{}", c.node->outputs().empty() ? c.kind : c.node->output(0)->debugName(),
                                             c.tr.model().tensors.size() - c.first_new_tensor);
    // Data inside a tensor this call handed out (input_data) is viewed, not copied: a plugin
    // that passes a constant's bytes on, whole or a slice, costs no copy.
    std::shared_ptr<const void> owner;
    if (d->data)
      for (const at::Tensor& t : c.tensors) {
        const auto from = reinterpret_cast<uintptr_t>(t.data_ptr()), p = reinterpret_cast<uintptr_t>(d->data);
        if (t.is_cpu() && p >= from && d->data_size <= t.nbytes() && p - from <= t.nbytes() - d->data_size) {
          owner = std::make_shared<const at::Tensor>(t);
          break;
        }
      }
    *tensor = c.tr.add_tensor(name, d->dtype, shape, d->data, d->data ? d->data_size : 0, d->quant ? &q : nullptr,
                              std::move(owner));
    return LC_OK;
  });
}

int32_t tensor_info(lc_ctx_t* ctx, int32_t tensor, lc_tensor_info_t* out) {
  return guard(ctx, [&] {
    TranslationCall& c = call_of(ctx);
    check_tensor_index(c, tensor, false);
    if (!out || !LC_HAS_FIELD(out, lc_tensor_info_t, quantized_axis)) throw Error("lc_tensor_info_t too small");
    const Tensor& t = c.tr.model().tensors[static_cast<size_t>(tensor)];
    out->dtype = t.type;
    out->rank = static_cast<int32_t>(t.shape.size());
    out->shape = c.int_lists.emplace_back(t.shape.begin(), t.shape.end()).data();
    out->is_constant = t.buffer != 0;
    out->num_scales = static_cast<int32_t>(t.quant.scales.size());
    out->scales = c.float_lists.emplace_back(t.quant.scales.begin(), t.quant.scales.end()).data();
    out->zero_points = c.int_lists.emplace_back(t.quant.zero_points).data();
    out->quantized_axis = t.quant.quantized_axis;
    return LC_OK;
  });
}

int32_t add_operator(lc_ctx_t* ctx, int32_t code, const char* custom_code, const int32_t* inputs, int32_t num_inputs,
                     const int32_t* outputs, int32_t num_outputs, int32_t* op) {
  return guard(ctx, [&] {
    TranslationCall& c = call_of(ctx);
    if (builtin_name(code) == "?") throw Error(fmt::format("add_operator: unknown builtin code {}", code));
    if (num_inputs < 0 || num_outputs <= 0 || (num_inputs && !inputs) || !outputs)
      throw Error("add_operator: bad input/output arrays");
    Operator o;
    o.builtin_code = code;
    if (custom_code) o.custom_code = custom_code;
    for (int32_t k = 0; k < num_inputs; ++k) check_tensor_index(c, inputs[k], true);
    for (int32_t k = 0; k < num_outputs; ++k) check_tensor_index(c, outputs[k], false);
    o.inputs.assign(inputs, inputs + num_inputs);
    o.outputs.assign(outputs, outputs + num_outputs);
    c.tr.model().operators.push_back(std::move(o));
    *op = static_cast<int32_t>(c.tr.model().operators.size() - 1);
    return LC_OK;
  });
}

int32_t set_option(lc_ctx_t* ctx, int32_t op, const char* field, OptionValue value) {
  return guard(ctx, [&] {
    TranslationCall& c = call_of(ctx);
    auto& ops = c.tr.model().operators;
    if (op < 0 || static_cast<size_t>(op) >= ops.size()) throw Error(fmt::format("operator {} does not exist", op));
    if (static_cast<size_t>(op) < c.first_new_operator)
      throw Error(fmt::format("operator {} was not added by this call; a translator sets options only on its own", op));
    if (!field) throw Error("set_option: no field name");
    Operator& o = ops[static_cast<size_t>(op)];
    std::string err = tflite::check_option(o.builtin_code, field, value);
    if (!err.empty()) throw Error(err);
    for (Option& existing : o.options)
      if (existing.field == field) {
        existing.value = std::move(value);
        return LC_OK;
      }
    o.options.push_back({field, std::move(value)});
    return LC_OK;
  });
}

int32_t set_option_int(lc_ctx_t* ctx, int32_t op, const char* field, int64_t v) { return set_option(ctx, op, field, v); }
int32_t set_option_float(lc_ctx_t* ctx, int32_t op, const char* field, double v) { return set_option(ctx, op, field, v); }
int32_t set_option_enum(lc_ctx_t* ctx, int32_t op, const char* field, const char* v) {
  return set_option(ctx, op, field, EnumName{v ? v : ""});
}
int32_t set_option_ints(lc_ctx_t* ctx, int32_t op, const char* field, const int64_t* v, int32_t n) {
  if (n < 0 || (n > 0 && !v)) return guard(ctx, []() -> int32_t { throw Error("set_option_ints: bad array"); });
  return set_option(ctx, op, field, std::vector<int64_t>(v, v + n));
}

void check_binding(TranslationCall& c, int32_t tensor, const graph::TensorFacts& want, const std::string& what) {
  check_tensor_index(c, tensor, false);
  const Tensor& t = c.tr.model().tensors[static_cast<size_t>(tensor)];
  std::vector<int64_t> have(t.shape.begin(), t.shape.end());
  if (have != want.shape || t.type != tflite_type(want.dtype))
    throw Error(fmt::format("{}: tensor has {}[{}] but LibTorch computed {}[{}]", what, tensor_type_name(t.type),
                            fmt::join(have, ","), tensor_type_name(tflite_type(want.dtype)), fmt::join(want.shape, ",")));
  // A per-tensor quantized output keeps PyTorch's scale and zero point (quint8 seen as int8).
  if (want.scales.size() == 1) {
    const int64_t zp = want.zero_points[0] - (want.dtype == at::kQUInt8 ? 128 : 0);
    const bool same = t.quant.scales.size() == 1 && t.quant.scales[0] == static_cast<float>(want.scales[0]) &&
                      t.quant.zero_points[0] == zp;
    if (!same)
      throw Error(fmt::format("{}: tensor is not quantized as LibTorch's result (scale {}, zero point {})", what,
                              want.scales[0], zp));
  }
}

int32_t set_output(lc_ctx_t* ctx, int32_t i, int32_t tensor) {
  return guard(ctx, [&] {
    TranslationCall& c = call_of(ctx);
    auto outs = c.node->outputs();
    if (i < 0 || static_cast<size_t>(i) >= outs.size()) throw Error(fmt::format("set_output: output {} out of range", i));
    const graph::ValueRecord& r = c.tr.records().at(outs[static_cast<size_t>(i)]);
    if (!r.tensor) throw Error(fmt::format("set_output: output {} is not a tensor", i));
    check_binding(c, tensor, *r.tensor, fmt::format("set_output({})", i));
    c.outputs[i] = tensor;
    return LC_OK;
  });
}

int32_t set_output_list(lc_ctx_t* ctx, int32_t i, const int32_t* tensors, int32_t count) {
  return guard(ctx, [&] {
    TranslationCall& c = call_of(ctx);
    auto outs = c.node->outputs();
    if (i < 0 || static_cast<size_t>(i) >= outs.size())
      throw Error(fmt::format("set_output_list: output {} out of range", i));
    const graph::ValueRecord& r = c.tr.records().at(outs[static_cast<size_t>(i)]);
    if (count != static_cast<int32_t>(r.items.size()) || (count && !tensors))
      throw Error(fmt::format("set_output_list({}): {} tensors for a list of {}", i, count, r.items.size()));
    for (int32_t k = 0; k < count; ++k)
      check_binding(c, tensors[k], r.items[static_cast<size_t>(k)], fmt::format("set_output_list({}) item {}", i, k));
    c.output_lists[i] = std::vector<int32_t>(tensors, tensors + count);
    return LC_OK;
  });
}

// --- packed parameters of quantized ops ------------------------------------------------

// Calls a LibTorch operator by name on one argument (the packed-parameters object).
torch::jit::Stack call_packed_op(const char* name, const c10::IValue& packed) {
  auto op = c10::Dispatcher::singleton().findSchema({name, ""});
  if (!op) throw Error(fmt::format("this LibTorch has no operator {}", name));
  torch::jit::Stack s{packed};
  op->callBoxed(&s);
  return s;
}

// Unpacks `x` (a LinearPackedParamsBase or Conv2dPackedParamsBase object) into *out; `what`
// names it in errors ("input 1 of quantized::linear").
void fill_packed(TranslationCall& c, const c10::IValue& x, const std::string& what, lc_packed_params_t* out) {
  if (!out || !LC_HAS_FIELD(out, lc_packed_params_t, transposed)) throw Error("lc_packed_params_t too small");
  const std::string type = x.isObject() ? x.type()->str() : x.tagKind();
  const bool conv = type.find("Conv2dPackedParamsBase") != std::string::npos;
  const bool linear = type.find("LinearPackedParamsBase") != std::string::npos;
  if (!conv && !linear) throw Error(fmt::format("{} is a {}, not packed convolution or linear parameters", what, type));
  torch::jit::Stack unpacked = call_packed_op(conv ? "quantized::conv2d_unpack" : "quantized::linear_unpack", x);
  at::Tensor w = unpacked.at(0).toTensor();
  if (!w.is_quantized()) throw Error(fmt::format("{}: the packed weight is not quantized", what));
  graph::TensorFacts wf = graph::facts_of(w);
  at::Tensor wi = w.int_repr();
  if (w.scalar_type() == at::kQUInt8) {  // TFLite's int8 view, as for activations
    wi = (wi.to(at::kInt) - 128).to(at::kChar);
    for (int64_t& z : wf.zero_points) z -= 128;
  } else if (w.scalar_type() != at::kQInt8) {
    throw Error(fmt::format("{}: weights of type {} are not supported", what, c10::toString(w.scalar_type())));
  }
  wi = c.tensors.emplace_back(wi.contiguous());
  out->kind = conv ? LC_PACKED_CONV : LC_PACKED_LINEAR;
  out->weight_dtype = LC_INT8;
  out->weight_rank = static_cast<int32_t>(wf.shape.size());
  out->weight_shape = c.int_lists.emplace_back(wf.shape).data();
  out->weight = static_cast<const int8_t*>(wi.data_ptr());
  out->num_weight_scales = static_cast<int32_t>(wf.scales.size());
  out->weight_scales = c.float_lists.emplace_back(wf.scales).data();
  out->weight_zero_points = c.int_lists.emplace_back(wf.zero_points).data();
  out->weight_axis = static_cast<int32_t>(wf.quantized_axis);
  out->bias = nullptr;
  out->bias_count = 0;
  const c10::IValue& b = unpacked.at(1);
  if (b.isTensor() && b.toTensor().defined()) {
    const at::Tensor& bias = c.tensors.emplace_back(b.toTensor().to(at::kFloat).contiguous());
    out->bias = bias.data_ptr<float>();
    out->bias_count = bias.numel();
  }
  out->num_spatial = 0;
  out->stride = out->padding = out->dilation = out->output_padding = nullptr;
  out->groups = 1;
  out->transposed = 0;
  if (conv) {
    auto ints = [&](const char* op) {
      return c.int_lists.emplace_back(call_packed_op(op, x).at(0).toIntVector()).data();
    };
    out->stride = ints("quantized::conv2d_stride");
    out->padding = ints("quantized::conv2d_padding");
    out->dilation = ints("quantized::conv2d_dilation");
    out->output_padding = ints("quantized::conv2d_output_padding");
    out->num_spatial = static_cast<int32_t>(c.int_lists.back().size());
    out->groups = call_packed_op("quantized::conv2d_groups", x).at(0).toInt();
    out->transposed = call_packed_op("quantized::conv2d_transpose", x).at(0).toInt() != 0;
  }
}

int32_t input_packed(lc_ctx_t* ctx, int32_t i, lc_packed_params_t* out) {
  return guard(ctx, [&] {
    TranslationCall& c = call_of(ctx);
    const c10::IValue& x = constant_input(c, i, "packed-parameters object");
    fill_packed(c, x, fmt::format("input {} of {}", i, c.kind), out);
    return LC_OK;
  });
}

// --- recurrent cells of the dynamically quantized LSTM/GRU (ABI 1.3) -------------------------

// Item `item` of a constant list input: from the list's recorded value, or from the
// ListConstruct that builds it out of constants.
c10::IValue constant_item(TranslationCall& c, int32_t i, int32_t item) {
  const Value* v = input_value(c, i);
  const graph::ValueRecord& r = c.tr.records().at(v);
  if (r.constant && r.value.isList()) {
    auto items = r.value.toListRef();
    if (item < 0 || static_cast<size_t>(item) >= items.size())
      throw Error(fmt::format("item {} of input {} of {} out of range ({} items)", item, i, c.kind, items.size()));
    return items[static_cast<size_t>(item)];
  }
  if (v->node()->kind() != c10::prim::ListConstruct)
    throw Error(fmt::format("input {} of {} is not a constant list", i, c.kind));
  if (item < 0 || static_cast<size_t>(item) >= v->node()->inputs().size())
    throw Error(
        fmt::format("item {} of input {} of {} out of range ({} items)", item, i, c.kind, v->node()->inputs().size()));
  const graph::ValueRecord& ir = c.tr.records().at(v->node()->input(static_cast<size_t>(item)));
  if (!ir.constant) throw Error(fmt::format("item {} of input {} of {} is not a constant", item, i, c.kind));
  return ir.value;
}

// A CellParamsBase object's state: (kind, tensors, doubles, longs, packed parameters), from the
// __getstate__ method LibTorch registers for its serialization.
c10::ivalue::TupleElements cell_state(const c10::IValue& cell, const std::string& what) {
  auto cls = cell.isObject() ? cell.type()->cast<c10::ClassType>() : nullptr;
  if (!cls || cls->str().find("CellParamsBase") == std::string::npos)
    throw Error(fmt::format("{} is a {}, not the parameters of a recurrent cell", what,
                            cell.isObject() ? cell.type()->str() : cell.tagKind()));
  torch::jit::Function* getstate = cls->findMethod("__getstate__");
  if (!getstate) throw Error(fmt::format("{}: this LibTorch cannot read recurrent cell parameters", what));
  torch::jit::Stack s{cell};
  getstate->run(s);
  if (s.empty() || !s.back().isTuple() || s.back().toTupleRef().elements().size() != 5)
    throw Error(fmt::format("{}: recurrent cell parameters of an unknown layout", what));
  return s.back().toTupleRef().elements();
}

int32_t input_packed_cell(lc_ctx_t* ctx, int32_t i, int32_t item, int32_t which, lc_packed_params_t* out) {
  return guard(ctx, [&] {
    TranslationCall& c = call_of(ctx);
    if (which != 0 && which != 1) throw Error(fmt::format("input_packed_cell: `which` is 0 or 1, not {}", which));
    const std::string what = fmt::format("item {} of input {} of {}", item, i, c.kind);
    c10::ivalue::TupleElements state = cell_state(constant_item(c, i, item), what);
    const std::string kind = state[0].toStringRef();
    if (kind != "quantized_dynamic")
      throw Error(
          fmt::format("{}: {} recurrent cells are not supported (only int8 dynamic quantization: "
                      "quantize_dynamic with dtype=torch.qint8)",
                      what, kind == "quantized_fp16" ? "float16" : kind));
    auto packed = state[4].toListRef();
    auto biases = state[1].toListRef();
    if (packed.size() != 2 || biases.size() != 2)
      throw Error(fmt::format("{}: recurrent cell parameters of an unknown layout", what));
    fill_packed(c, packed[static_cast<size_t>(which)], what, out);
    // The cell adds its own bias tensors (the packed ones are the same values, when present).
    const at::Tensor& bias =
        c.tensors.emplace_back(biases[static_cast<size_t>(which)].toTensor().to(at::kFloat).contiguous());
    out->bias = bias.data_ptr<float>();
    out->bias_count = bias.numel();
    return LC_OK;
  });
}

// The module path of a node: from the call stack inlining leaves on it (the module instances
// whose methods were inlined, outermost first; what a loaded TorchScript file has), else from
// the scope torch.jit.trace records in memory ("__module.encoder/__module.encoder.lstm").
std::string module_path(torch::jit::Node* n) {
  std::string path;
  if (auto cs = n->callstack()) {
    for (const auto& entry : (*cs)->vec()) {
      const auto& info = std::get<2>(entry);
      // "SELF": a method calling another method of the same module (scripted code).
      if (!info || info->instance_name().empty() || info->instance_name() == "SELF") continue;
      path += (path.empty() ? "" : ".") + info->instance_name();
    }
    if (!path.empty()) return path;
  }
  path = n->scope() ? n->scope()->namesFromRoot() : "";
  path = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  const std::string prefix = "__module.";
  if (path.rfind(prefix, 0) == 0) return path.substr(prefix.size());
  return path == "__module" ? "" : path;
}

const char* node_module(lc_ctx_t* ctx) {
  if (!ctx || !ctx->translation) return "";
  TranslationCall& c = *ctx->translation;
  try {
    return c.strings.emplace_back(module_path(c.node)).c_str();
  } catch (...) {
    return "";
  }
}

// --- state tensors (ABI 1.2) ----------------------------------------------------------------

int32_t set_tensor_variable(lc_ctx_t* ctx, int32_t tensor) {
  return guard(ctx, [&] {
    TranslationCall& c = call_of(ctx);
    check_tensor_index(c, tensor, false);
    if (static_cast<size_t>(tensor) < c.first_new_tensor)
      throw Error(fmt::format("set_tensor_variable: tensor {} was not added by this call", tensor));
    Tensor& t = c.tr.model().tensors[static_cast<size_t>(tensor)];
    if (t.buffer != 0) throw Error(fmt::format("set_tensor_variable: tensor {} is a constant", tensor));
    t.is_variable = true;
    return LC_OK;
  });
}

int32_t output_num_uses(lc_ctx_t* ctx, int32_t i, int32_t* count) {
  return guard(ctx, [&] {
    TranslationCall& c = call_of(ctx);
    auto outs = c.node->outputs();
    if (i < 0 || static_cast<size_t>(i) >= outs.size() || !count)
      throw Error(fmt::format("output_num_uses: output {} out of range", i));
    *count = static_cast<int32_t>(outs[static_cast<size_t>(i)]->uses().size());
    return LC_OK;
  });
}

// --- messages -----------------------------------------------------------------------------

void set_error(lc_ctx_t* ctx, const char* message) {
  if (ctx) ctx->error = message ? message : "";
}
void log(lc_ctx_t* ctx, int32_t level, const char* message) {
  if (ctx && ctx->log) ctx->log(level, message ? message : "");
}
const char* get_option(lc_ctx_t* ctx, const char* name) {
  return ctx && ctx->option && name ? ctx->option(name) : nullptr;
}

const lc_host_api_t kHostApi = {
    sizeof(lc_host_api_t), LC_ABI_MAJOR,  LC_ABI_MINOR,     &register_translator, &register_interface,
    &set_error,            &log,          &get_option,      &node_kind,           &node_overload,
    &node_num_inputs,      &node_num_outputs, &input_kind,  &input_int,           &input_float,
    &input_bool,           &input_string, &input_ints,      &input_floats,        &input_info,
    &input_list_size,      &input_data,   &input_tensor,    &output_info,         &add_tensor,
    &tensor_info,          &add_operator, &set_option_int,  &set_option_float,    &set_option_enum,
    &set_option_ints,      &set_output,   &set_output_list, &input_packed,
    &set_tensor_variable,  &output_num_uses,  &input_packed_cell, &node_module,
};

}  // namespace

const lc_host_api_t* host_api() { return &kHostApi; }

}  // namespace litecast::internal
