#include "graph/value_records.hpp"

#include "graph/torch_message.hpp"
#include "graph/torchscript_import.hpp"

#include <litecast/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <unordered_set>

namespace litecast::graph {

namespace {

// Queries whose result is fixed by static shapes even when the tensor itself is not constant.
bool is_shape_query(c10::Symbol kind) {
  static const std::unordered_set<c10::Symbol> queries = {
      c10::aten::size,  c10::aten::dim,    c10::Symbol::fromQualString("aten::numel"),
      c10::prim::dtype, c10::prim::device, c10::prim::layout,
      c10::aten::len,   c10::aten::__is__, c10::aten::__isnot__};
  return queries.count(kind) > 0;
}

// Factories whose result depends on their first input's shape, dtype and device only
// (x.new_zeros(size), torch.zeros_like(x), ...): with their other inputs constant, their result
// is a constant, so in-place writes into it (swin_t's window mask: new_zeros, then fill_ on
// slices) fold too. new_empty/empty_like are not here: their contents are undefined.
bool is_shape_only_factory(c10::Symbol kind) {
  static const std::unordered_set<c10::Symbol> factories = {
      c10::Symbol::fromQualString("aten::new_zeros"), c10::Symbol::fromQualString("aten::new_ones"),
      c10::Symbol::fromQualString("aten::new_full"),  c10::Symbol::fromQualString("aten::zeros_like"),
      c10::Symbol::fromQualString("aten::ones_like"), c10::Symbol::fromQualString("aten::full_like")};
  return factories.count(kind) > 0;
}

// A real CPU tensor standing for `v` where only its shape, dtype and device matter.
c10::IValue shape_stand_in(const c10::IValue& v) {
  if (!v.isTensor()) return v;
  const at::Tensor& t = v.toTensor();
  if (!t.defined() || !t.is_meta()) return v;
  return at::zeros(t.sizes(), t.options().device(at::kCPU));
}

}  // namespace

// Runs one node on the values in `stack` (its inputs in, its outputs out). The interpreter
// emits the structural prim ops as instructions rather than operators: they are done here.
void run_node(const torch::jit::Node* n, torch::jit::Stack& stack) {
  const auto kind = n->kind();
  if (kind == c10::prim::ListConstruct) {
    c10::impl::GenericList list(n->output()->type()->expectRef<c10::ListType>().getElementType());
    for (c10::IValue& v : stack) list.push_back(std::move(v));
    stack.clear();
    stack.emplace_back(std::move(list));
  } else if (kind == c10::prim::TupleConstruct) {
    std::vector<c10::IValue> elems(stack.begin(), stack.end());
    stack.clear();
    stack.emplace_back(c10::ivalue::Tuple::create(std::move(elems)));
  } else if (kind == c10::prim::ListUnpack) {
    const std::vector<c10::IValue> elems = stack.back().toList().vec();
    if (elems.size() != n->outputs().size())
      throw Error(
          fmt::format("{}: unpacks {} values from a list of {}", describe_node(n), n->outputs().size(), elems.size()));
    stack = elems;
  } else if (kind == c10::prim::TupleUnpack) {
    stack = stack.back().toTupleRef().elements().vec();
  } else if (kind == c10::prim::TupleIndex) {
    int64_t i = stack.back().toInt();
    const auto elems = stack[0].toTupleRef().elements();
    if (i < 0) i += static_cast<int64_t>(elems.size());
    c10::IValue v = elems.at(static_cast<size_t>(i));
    stack.clear();
    stack.push_back(std::move(v));
  } else if (kind == c10::prim::GetAttr) {
    c10::IValue v = stack.back().toObjectRef().getAttr(n->s(c10::attr::name));
    stack.clear();
    stack.push_back(std::move(v));
  } else if (kind == c10::prim::isinstance) {
    const c10::TypePtr t = stack.back().type();
    const auto& types = n->tys(c10::attr::types);
    const bool is = std::any_of(types.begin(), types.end(), [&](const c10::TypePtr& u) { return t->isSubtypeOf(*u); });
    stack.clear();
    stack.emplace_back(is);
  } else {
    // The interpreter passes variadic ops (aten::format) their input count on top of the stack.
    if (const c10::FunctionSchema* schema = n->maybeSchema(); schema && schema->is_vararg())
      stack.emplace_back(static_cast<int64_t>(n->inputs().size()));
    n->getOperation()(stack);
  }
}

TensorFacts facts_of(const at::Tensor& t) {
  TensorFacts f;
  f.dtype = t.scalar_type();
  f.shape = t.sizes().vec();
  if (t.is_quantized()) {
    if (t.qscheme() == at::kPerTensorAffine || t.qscheme() == at::kPerTensorSymmetric) {
      f.scales = {t.q_scale()};
      f.zero_points = {t.q_zero_point()};
    } else {
      auto s = t.q_per_channel_scales().to(at::kDouble).contiguous();
      auto z = t.q_per_channel_zero_points().to(at::kLong).contiguous();
      f.scales.assign(s.data_ptr<double>(), s.data_ptr<double>() + s.numel());
      f.zero_points.assign(z.data_ptr<int64_t>(), z.data_ptr<int64_t>() + z.numel());
      f.quantized_axis = t.q_per_channel_axis();
    }
  }
  return f;
}

namespace {

// The same value with every tensor on the meta device (lists and tuples included).
c10::IValue to_meta(const c10::IValue& v) {
  if (v.isTensor()) return v.toTensor().is_meta() ? v : c10::IValue(v.toTensor().to(at::kMeta));
  if (v.isTensorList()) {
    c10::List<at::Tensor> out;
    for (const at::Tensor& t : v.toTensorVector()) out.push_back(t.is_meta() ? t : t.to(at::kMeta));
    return out;
  }
  return v;
}

int64_t int_arg(const c10::IValue& v, size_t i) {
  const auto l = v.toIntVector();
  return l.size() == 1 ? l[0] : l.at(i);
}

// Output shapes of convolutions, which have no meta kernel in LibTorch 1.13:
// aten::_convolution/convolution(input, weight, bias, stride, padding, dilation, transposed,
// output_padding, groups, ...) and aten::conv1d/2d/3d(input, weight, bias, stride, padding,
// dilation, groups) where padding may also be "same" or "valid".
std::vector<int64_t> convolution_shape(const torch::jit::Node* n, const torch::jit::Stack& s) {
  const at::Tensor& x = s[0].toTensor();
  const at::Tensor& w = s[1].toTensor();
  const bool generic = n->kind() == c10::aten::_convolution || n->kind() == c10::aten::convolution;
  const bool transposed = generic && s[6].toBool();
  const int64_t groups = generic ? s[8].toInt() : s[6].toInt();
  const size_t spatial = static_cast<size_t>(w.dim() - 2);
  const bool batched = static_cast<size_t>(x.dim()) == spatial + 2;
  // LibTorch's kernels check these; this rule stands in for them, so it checks them too.
  if (x.dim() != static_cast<int64_t>(spatial) + 2 && x.dim() != static_cast<int64_t>(spatial) + 1)
    throw Error(fmt::format("{} expects a {}-D or {}-D input, got shape [{}]; check --input-shape", describe_node(n),
                            spatial + 1, spatial + 2, fmt::join(x.sizes(), ",")));
  const int64_t channels = x.size(batched ? 1 : 0);
  const int64_t expected = transposed ? w.size(0) : w.size(1) * groups;
  if (channels != expected)
    throw Error(fmt::format("{} expects {} input channels, got {} (input shape [{}]); check --input-shape",
                            describe_node(n), expected, channels, fmt::join(x.sizes(), ",")));
  std::vector<int64_t> out;
  if (batched) out.push_back(x.size(0));
  out.push_back(transposed ? w.size(1) * groups : w.size(0));
  const std::string pad_mode = s[4].isString() ? s[4].toStringRef() : "";
  for (size_t d = 0; d < spatial; ++d) {
    const int64_t in = x.size(static_cast<int64_t>(d + (batched ? 2 : 1)));
    const int64_t k = w.size(static_cast<int64_t>(d + 2));
    const int64_t stride = int_arg(s[3], d), dil = int_arg(s[5], d);
    if (pad_mode == "same") {
      out.push_back(in);
      continue;
    }
    const int64_t pad = pad_mode == "valid" ? 0 : int_arg(s[4], d);
    if (transposed)
      out.push_back((in - 1) * stride - 2 * pad + dil * (k - 1) + int_arg(s[7], d) + 1);
    else
      out.push_back((in + 2 * pad - dil * (k - 1) - 1) / stride + 1);
    if (out.back() <= 0)
      throw Error(fmt::format("{}: the input (shape [{}]) is smaller than the kernel; check --input-shape",
                              describe_node(n), fmt::join(x.sizes(), ",")));
  }
  return out;
}

// For the few ops LibTorch 1.13 has no meta kernel for: their outputs as empty meta tensors
// of the right shape and dtype. False when there is no rule (the caller runs for real).
bool meta_shape_rule(const torch::jit::Node* n, torch::jit::Stack& s) {
  const auto kind = n->kind();
  auto meta = [](const std::vector<int64_t>& shape, at::ScalarType t) {
    return c10::IValue(at::empty(shape, at::TensorOptions().dtype(t).device(at::kMeta)));
  };
  const auto qual = std::string(kind.toQualString());
  if (kind == c10::aten::_convolution || kind == c10::aten::convolution || qual == "aten::conv1d" ||
      qual == "aten::conv2d" || qual == "aten::conv3d") {
    c10::IValue out = meta(convolution_shape(n, s), s[0].toTensor().scalar_type());
    s.clear();
    s.push_back(std::move(out));
    return true;
  }
  if (qual == "aten::channel_shuffle" || qual == "aten::_transformer_encoder_layer_fwd") {
    c10::IValue out = meta(s[0].toTensor().sizes().vec(), s[0].toTensor().scalar_type());
    s.clear();
    s.push_back(std::move(out));
    return true;
  }
  if (qual == "aten::_native_multi_head_attention") {
    const at::Tensor& q = s[0].toTensor();
    const at::Tensor& k = s[1].toTensor();
    std::vector<int64_t> shape = q.sizes().vec();
    shape.back() = s[3].toInt();
    c10::IValue out = meta(shape, q.scalar_type());
    c10::IValue weights = at::Tensor();
    if (s[10].toBool()) {
      const int64_t b = q.size(0), l = q.size(-2), src = k.size(-2);
      weights = s[11].toBool() ? meta({b, l, src}, q.scalar_type()) : meta({b, s[4].toInt(), l, src}, q.scalar_type());
    }
    s.clear();
    s.push_back(std::move(out));
    s.push_back(std::move(weights));
    return true;
  }
  return false;
}

// The same value with every meta tensor replaced by zeros of its shape on the CPU.
c10::IValue to_zeros(const c10::IValue& v) {
  auto zeros = [](const at::Tensor& t) { return t.is_meta() ? at::zeros(t.sizes(), t.options().device(at::kCPU)) : t; };
  if (v.isTensor()) return v.toTensor().defined() ? c10::IValue(zeros(v.toTensor())) : v;
  if (v.isTensorList()) {
    c10::List<at::Tensor> out;
    for (const at::Tensor& t : v.toTensorVector()) out.push_back(zeros(t));
    return out;
  }
  return v;
}

// Ops whose output shape depends on the values of an argument (repeat_interleave's repeats):
// meta kernels give an empty result, so they run on zeros with their constant arguments real.
bool shape_from_values(c10::Symbol kind) {
  static const c10::Symbol repeat_interleave = c10::Symbol::fromQualString("aten::repeat_interleave");
  return kind == repeat_interleave;
}

// Runs n for its output shapes only: on meta tensors; where LibTorch has no meta kernel, by a
// shape rule; else by running the op on zero-filled tensors of the same shapes.
// `no_meta` remembers the op kinds that failed on meta: a LibTorch error costs a backtrace.
void run_meta(torch::jit::Node* n, torch::jit::Stack& stack, std::unordered_set<c10::Symbol>& no_meta) {
  // Output shapes that depend on the values of a (constant) argument, which meta kernels give as
  // empty: run on zeros with the real argument.
  if (shape_from_values(n->kind())) no_meta.insert(n->kind());
  torch::jit::Stack args = stack;
  if (!no_meta.count(n->kind())) {
    try {
      run_node(n, stack);
      return;
    } catch (const c10::Error&) {
      no_meta.insert(n->kind());
    }
  }
  stack = args;
  if (meta_shape_rule(n, stack)) return;
  stack.clear();
  for (const c10::IValue& v : args) stack.push_back(to_zeros(v));
  run_node(n, stack);
  for (c10::IValue& v : stack) v = to_meta(v);
}

// Quantized tensors have no meta kernels in LibTorch 1.13 (and their scales and zero points are
// computed, not shapes): a graph that quantizes is recorded by a real run from the start.
bool quantizes(const torch::jit::Graph& graph) {
  static const c10::Symbol per_tensor = c10::Symbol::fromQualString("aten::quantize_per_tensor");
  static const c10::Symbol per_channel = c10::Symbol::fromQualString("aten::quantize_per_channel");
  for (const torch::jit::Node* n : graph.nodes()) {
    const c10::Symbol k = n->kind();
    if (k == per_tensor || k == per_channel || std::string(k.ns().toUnqualString()) == "quantized") return true;
  }
  return false;
}

// torchvision::nms keeps a number of boxes that depends on their values; TFLite's
// NON_MAX_SUPPRESSION has a fixed maximum. Its result is recorded as the converted model gives
// it: one entry per input box, the kept indices first (in PyTorch's order), then -1.
bool is_nms(c10::Symbol kind) {
  static const c10::Symbol nms = c10::Symbol::fromQualString("torchvision::nms");
  return kind == nms;
}

void pad_nms_result(torch::jit::Stack& stack, int64_t boxes) {
  if (stack.size() != 1 || !stack[0].isTensor()) return;
  const at::Tensor kept = stack[0].toTensor();
  if (kept.is_meta()) {
    stack[0] = at::empty({boxes}, kept.options());
    return;
  }
  at::Tensor padded = at::full({boxes}, -1, kept.options());
  padded.slice(0, 0, kept.size(0)).copy_(kept);
  stack[0] = padded;
}

}  // namespace

ValueRecords::ValueRecords(torch::jit::Graph& graph, const std::vector<torch::jit::Value*>& inputs,
                           const std::vector<ExampleInput>& examples, const std::vector<torch::Tensor>& values) {
  std::vector<torch::Tensor> real = values;
  if (real.empty()) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      const ExampleInput& e = examples.at(i);
      real.push_back(torch::empty(e.shape, torch::dtype(e.dtype).device(at::kMeta)));
    }
    if (!quantizes(graph) && run(graph, inputs, real, /*meta=*/true)) return;
    records_.clear();
    outputs_.clear();
    real.clear();
    torch::manual_seed(0);
    for (const ExampleInput& e : examples)
      real.push_back(at::isFloatingType(e.dtype) ? torch::randn(e.shape, torch::dtype(e.dtype))
                                                 : torch::zeros(e.shape, torch::dtype(e.dtype)));
  }
  run(graph, inputs, real, /*meta=*/false);
}

bool ValueRecords::run(torch::jit::Graph& graph, const std::vector<torch::jit::Value*>& inputs,
                       const std::vector<torch::Tensor>& input_values, bool meta) {
  std::unordered_map<const torch::jit::Value*, c10::IValue> live;
  std::unordered_set<c10::Symbol> no_meta;
  for (size_t i = 0; i < inputs.size(); ++i) {
    records_[inputs[i]].tensor = facts_of(input_values[i]);
    live[inputs[i]] = input_values[i];
  }

  // Where each value is used last, so activations can be dropped early.
  std::unordered_map<const torch::jit::Value*, size_t> last_use;
  size_t index = 0;
  std::vector<torch::jit::Node*> nodes(graph.nodes().begin(), graph.nodes().end());
  for (torch::jit::Node* n : nodes) {
    for (const torch::jit::Value* v : n->inputs()) last_use[v] = index;
    ++index;
  }
  for (const torch::jit::Value* v : graph.outputs()) last_use[v] = nodes.size();

  for (size_t k = 0; k < nodes.size(); ++k) {
    torch::jit::Node* n = nodes[k];
    if (!n->blocks().empty())
      throw Error(fmt::format("{}: control flow is not supported (trace the model, or make the condition constant)",
                              describe_node(n)));
    torch::jit::Stack stack;
    bool constant = n->kind() == c10::prim::Constant || is_shape_query(n->kind());
    if (n->kind() == c10::prim::Constant) {
      stack.push_back(*torch::jit::toIValue(n->output()));
    } else {
      bool all_const = !n->isNondeterministic();
      const bool factory = is_shape_only_factory(n->kind());
      for (size_t i = 0; i < n->inputs().size(); ++i) {
        const torch::jit::Value* v = n->inputs()[i];
        const ValueRecord& r = at(v);
        if (factory && i == 0 && r.tensor && !r.tensor->scales.empty()) all_const = false;  // quantized
        if (!(factory && i == 0)) all_const = all_const && r.constant;
        stack.push_back(r.constant ? r.value : live.at(v));
      }
      if (factory && all_const) stack[0] = shape_stand_in(stack[0]);
      constant = constant || all_const;
      // Constant nodes compute real values; the others only need shapes.
      if (meta && !constant)
        for (size_t i = 0; i < stack.size(); ++i)
          if (!shape_from_values(n->kind()) || !at(n->inputs()[i]).constant) stack[i] = to_meta(stack[i]);
      try {
        if (meta && !constant)
          run_meta(n, stack, no_meta);
        else
          run_node(n, stack);
      } catch (const Error&) {
        throw;
      } catch (const std::exception& e) {
        if (meta && !constant) return false;  // not even the fallbacks worked: run all for real
        throw Error(
            fmt::format("{} failed on the example input ({}); check --input-shape, --input-dtype or "
                        "--example-input",
                        describe_node(n), torch_message(e)));
      }
    }
    // The model runs on the CPU: a device query of a tensor that only the meta run has must not
    // put the meta device into constants (scripted models build their zero states with
    // zeros(..., device=x.device), whose values translators read).
    if (n->kind() == c10::prim::device && stack.size() == 1 && stack[0].isDevice() && stack[0].toDevice().is_meta())
      stack[0] = c10::Device(at::kCPU);
    if (is_nms(n->kind()) && at(n->input(0)).tensor && !at(n->input(0)).tensor->shape.empty())
      pad_nms_result(stack, at(n->input(0)).tensor->shape[0]);
    if (stack.size() != n->outputs().size())
      throw Error(
          fmt::format("{}: produced {} values for {} outputs", describe_node(n), stack.size(), n->outputs().size()));
    for (size_t o = 0; o < stack.size(); ++o) {
      const torch::jit::Value* out = n->outputs()[o];
      ValueRecord& r = records_[out];
      r.constant = constant;
      c10::IValue& v = stack[o];
      // An undefined tensor (e.g. attention weights not asked for) is a constant None.
      if (v.isTensor() && !v.toTensor().defined()) {
        r.constant = true;
        v = c10::IValue();
      }
      if (v.isTensor()) {
        r.tensor = facts_of(v.toTensor());
      } else if (v.isTensorList()) {
        for (const at::Tensor& t : v.toTensorVector()) r.items.push_back(facts_of(t));
      } else if (v.isTuple()) {
        for (const c10::IValue& e : v.toTupleRef().elements())
          if (e.isTensor()) r.items.push_back(facts_of(e.toTensor()));
      }
      if (r.constant)
        r.value = v;
      else
        live[out] = v;
    }
    for (const torch::jit::Value* v : n->inputs())
      if (last_use[v] == k) live.erase(v);
  }
  for (const torch::jit::Value* v : graph.outputs()) {
    const ValueRecord& r = at(v);
    outputs_.push_back(r.constant ? r.value : live.at(v));
  }
  return true;
}

const ValueRecord& ValueRecords::at(const torch::jit::Value* v) const {
  auto it = records_.find(v);
  if (it == records_.end()) throw Error(fmt::format("internal: no record of value %{}", v->debugName()));
  return it->second;
}

size_t ValueRecords::release(const torch::jit::Value* v) {
  auto it = records_.find(v);
  if (it == records_.end() || !it->second.constant || !it->second.value.isTensor()) return 0;
  size_t bytes = it->second.value.toTensor().nbytes();
  it->second.value = c10::IValue();
  return bytes;
}

}  // namespace litecast::graph
