#include "graph/value_records.hpp"

#include "graph/torchscript_import.hpp"

#include <litecast/error.hpp>

#include <fmt/format.h>

#include <unordered_set>

namespace litecast::graph {

namespace {

// Queries whose result is fixed by static shapes even when the tensor itself is not constant.
bool is_shape_query(c10::Symbol kind) {
  static const std::unordered_set<c10::Symbol> queries = {
      c10::aten::size, c10::aten::dim, c10::Symbol::fromQualString("aten::numel"), c10::prim::dtype, c10::prim::device, c10::prim::layout,
      c10::aten::len,  c10::aten::__is__, c10::aten::__isnot__};
  return queries.count(kind) > 0;
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

void run_structural(torch::jit::Node* n, torch::jit::Stack& stack) {
  const auto kind = n->kind();
  if (kind == c10::prim::ListConstruct) {
    auto lt = n->output()->type()->expect<c10::ListType>();
    c10::impl::GenericList list(lt->getElementType());
    list.reserve(n->inputs().size());
    for (auto& v : stack) list.push_back(std::move(v));
    stack.clear();
    stack.emplace_back(std::move(list));
  } else if (kind == c10::prim::TupleConstruct) {
    std::vector<c10::IValue> elems(stack.begin(), stack.end());
    stack.clear();
    stack.emplace_back(c10::ivalue::Tuple::create(std::move(elems)));
  } else if (kind == c10::prim::ListUnpack) {
    auto list = stack.back().toListRef();
    std::vector<c10::IValue> elems(list.begin(), list.end());
    if (elems.size() != n->outputs().size())
      throw Error(fmt::format("{}: unpacks {} values from a list of {}", describe_node(n), n->outputs().size(), elems.size()));
    stack.clear();
    stack.insert(stack.end(), elems.begin(), elems.end());
  } else if (kind == c10::prim::TupleUnpack) {
    auto elems = stack.back().toTupleRef().elements().vec();
    stack.clear();
    stack.insert(stack.end(), elems.begin(), elems.end());
  } else if (kind == c10::prim::TupleIndex) {
    int64_t i = stack.back().toInt();
    auto elems = stack[0].toTupleRef().elements();
    if (i < 0) i += static_cast<int64_t>(elems.size());
    c10::IValue v = elems.at(static_cast<size_t>(i));
    stack.clear();
    stack.push_back(std::move(v));
  } else {
    n->getOperation()(stack);
  }
}

}  // namespace

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

ValueRecords::ValueRecords(torch::jit::Graph& graph, const std::vector<torch::jit::Value*>& inputs,
                           const std::vector<ExampleInput>& examples, const std::vector<torch::Tensor>& values) {
  std::unordered_map<const torch::jit::Value*, c10::IValue> live;
  torch::manual_seed(0);
  for (size_t i = 0; i < inputs.size(); ++i) {
    at::Tensor t;
    if (i < values.size()) {
      t = values[i];
    } else {
      const ExampleInput& e = examples.at(i);
      t = at::isFloatingType(e.dtype) ? torch::randn(e.shape, torch::dtype(e.dtype))
                                      : torch::zeros(e.shape, torch::dtype(e.dtype));
    }
    records_[inputs[i]].tensor = facts_of(t);
    live[inputs[i]] = t;
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
      for (const torch::jit::Value* v : n->inputs()) {
        const ValueRecord& r = at(v);
        all_const = all_const && r.constant;
        stack.push_back(r.constant ? r.value : live.at(v));
      }
      constant = constant || all_const;
      try {
        run_structural(n, stack);
      } catch (const Error&) {
        throw;
      } catch (const c10::Error& e) {
        throw Error(fmt::format("{} failed on the example input ({}); check --input-shape", describe_node(n),
                                first_line(e.what_without_backtrace())));
      } catch (const std::exception& e) {
        throw Error(fmt::format("{} failed on the example input ({}); check --input-shape", describe_node(n),
                                first_line(e.what())));
      }
    }
    if (stack.size() != n->outputs().size())
      throw Error(fmt::format("{}: produced {} values for {} outputs", describe_node(n), stack.size(), n->outputs().size()));
    for (size_t o = 0; o < stack.size(); ++o) {
      const torch::jit::Value* out = n->outputs()[o];
      ValueRecord& r = records_[out];
      r.constant = constant;
      const c10::IValue& v = stack[o];
      if (v.isTensor()) {
        r.tensor = facts_of(v.toTensor());
      } else if (v.isTensorList()) {
        for (const at::Tensor& t : v.toTensorVector()) r.items.push_back(facts_of(t));
      } else if (v.isTuple()) {
        for (const c10::IValue& e : v.toTupleRef().elements())
          if (e.isTensor()) r.items.push_back(facts_of(e.toTensor()));
      }
      if (constant)
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
}

const ValueRecord& ValueRecords::at(const torch::jit::Value* v) const {
  auto it = records_.find(v);
  if (it == records_.end()) throw Error(fmt::format("internal: no record of value %{}", v->debugName()));
  return it->second;
}

}  // namespace litecast::graph
