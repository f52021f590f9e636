#include "graph/fake_quant_weights.hpp"

#include <torch/csrc/jit/passes/inliner.h>

#include <algorithm>
#include <optional>

namespace litecast::graph {

namespace {

const c10::Symbol kPerTensor = c10::Symbol::fromQualString("aten::fake_quantize_per_tensor_affine");
const c10::Symbol kPerChannel = c10::Symbol::fromQualString("aten::fake_quantize_per_channel_affine");
const c10::Symbol kFused = c10::Symbol::fromQualString("aten::fused_moving_avg_obs_fake_quant");

// The value of v when it is a constant or a chain of prim::GetAttr from `self`.
std::optional<c10::IValue> attribute_value(const torch::jit::Value* v, const torch::jit::Value* self,
                                           const torch::jit::Module& module) {
  if (v == self) return c10::IValue(module._ivalue());
  const torch::jit::Node* n = v->node();
  if (n->kind() == c10::prim::Constant) return torch::jit::toIValue(v);
  if (n->kind() != c10::prim::GetAttr) return std::nullopt;
  std::optional<c10::IValue> owner = attribute_value(n->input(0), self, module);
  if (!owner || !owner->isObject()) return std::nullopt;
  return owner->toObjectRef().getAttr(n->s(c10::attr::name));
}

std::vector<double> doubles(const c10::IValue& v) {
  if (v.isTensor()) {
    at::Tensor t = v.toTensor().to(at::kDouble).contiguous().view(-1);
    return std::vector<double>(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
  }
  return {v.toDouble()};
}

std::vector<int64_t> ints(const c10::IValue& v) {
  if (v.isTensor()) {
    at::Tensor t = v.toTensor().to(at::kLong).contiguous().view(-1);
    return std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
  }
  return {v.toInt()};
}

// fused_moving_avg_obs_fake_quant(self, observer_on, fake_quant_on, running_min, running_max,
// scale, zero_point, averaging_const, quant_min, quant_max, ch_axis, per_row_fake_quant,
// symmetric_quant) in one method graph; `self` is that method's module.
int rewrite_fused_in(torch::jit::Graph& g, const torch::jit::Module& module) {
  int rewritten = 0;
  const torch::jit::Value* self = g.inputs().empty() ? nullptr : g.inputs()[0];
  std::vector<torch::jit::Node*> fused;
  for (torch::jit::Node* n : g.nodes())
    if (n->kind() == kFused && n->inputs().size() >= 12) fused.push_back(n);
  for (torch::jit::Node* n : fused) {
    std::optional<c10::IValue> on = attribute_value(n->input(2), self, module);
    std::optional<c10::IValue> per_row = torch::jit::toIValue(n->input(11));
    if (!on || !on->isTensor() || !per_row || !per_row->isBool()) continue;
    torch::jit::Value* y = n->input(0);
    if (on->toTensor().numel() > 0 && on->toTensor().item<int64_t>() != 0) {
      torch::jit::WithInsertPoint here(n);
      if (per_row->toBool())
        y = g.insert(kPerChannel, {n->input(0), n->input(5), n->input(6), n->input(10), n->input(8), n->input(9)});
      else
        y = g.insert(kPerTensor, {n->input(0), n->input(5), n->input(6), n->input(8), n->input(9)});
    }
    n->output()->replaceAllUsesWith(y);
    n->destroy();
    ++rewritten;
  }
  return rewritten;
}

}  // namespace

int rewrite_fused_fake_quant(torch::jit::Module& module) {
  int rewritten = 0;
  for (const torch::jit::Module& m : module.modules())
    for (const torch::jit::Method& method : m.get_methods()) rewritten += rewrite_fused_in(*method.graph(), m);
  return rewritten;
}

std::vector<FakeQuantWeight> find_fake_quant_weights(const torch::jit::Module& module) {
  std::vector<FakeQuantWeight> found;
  auto method = module.find_method("forward");
  if (!method) return found;
  std::shared_ptr<torch::jit::Graph> g = method->graph()->copy();
  torch::jit::Inline(*g);
  const auto nodes = g->nodes();
  if (std::none_of(nodes.begin(), nodes.end(),
                   [](const torch::jit::Node* n) { return n->kind() == kPerTensor || n->kind() == kPerChannel; }))
    return found;  // the usual case: nothing to evaluate
  // Values that depend on the module's attributes only (a BatchNorm folded into a QAT conv's
  // weight is arithmetic on attributes): computed here, node by node.
  std::unordered_map<const torch::jit::Value*, c10::IValue> known;
  known[g->inputs().at(0)] = c10::IValue(module._ivalue());
  for (torch::jit::Node* n : g->nodes()) {
    if (!n->blocks().empty() || n->isNondeterministic() || n->outputs().empty()) continue;
    if (n->maybeSchema() && n->schema().is_mutable()) continue;
    torch::jit::Stack stack;
    for (const torch::jit::Value* in : n->inputs()) {
      auto it = known.find(in);
      if (it == known.end()) break;
      stack.push_back(it->second);
    }
    if (stack.size() != n->inputs().size()) continue;
    const bool per_channel = n->kind() == kPerChannel;
    const bool fake_quant = per_channel || n->kind() == kPerTensor;
    FakeQuant q;
    try {
      if (fake_quant) {
        q.scales = doubles(stack[1]);
        q.zero_points = ints(stack[2]);
        if (per_channel) q.axis = stack[3].toInt();
        q.quant_min = stack[per_channel ? 4 : 3].toInt();
        q.quant_max = stack[per_channel ? 5 : 4].toInt();
      }
      if (n->kind() == c10::prim::Constant) {
        stack.push_back(*torch::jit::toIValue(n->output()));
      } else if (n->kind() == c10::prim::GetAttr) {
        if (!stack.at(0).isObject()) continue;
        c10::IValue owner = stack.at(0);
        stack = {owner.toObjectRef().getAttr(n->s(c10::attr::name))};
      } else if (n->kind() == c10::prim::ListConstruct) {
        c10::impl::GenericList list(n->output()->type()->expectRef<c10::ListType>().getElementType());
        for (const c10::IValue& v : stack) list.push_back(v);
        stack = {c10::IValue(std::move(list))};
      } else {
        n->getOperation()(stack);
      }
    } catch (const std::exception&) {
      continue;  // not computable here: left as it is
    }
    if (stack.size() != n->outputs().size()) continue;
    for (size_t o = 0; o < stack.size(); ++o) known[n->output(o)] = stack[o];
    if (fake_quant && stack[0].isTensor()) found.push_back({stack[0].toTensor(), std::move(q)});
  }
  return found;
}

std::unordered_map<const torch::jit::Value*, FakeQuant> match_fake_quant_weights(
    torch::jit::Graph& frozen, const std::vector<FakeQuantWeight>& weights) {
  std::unordered_map<const torch::jit::Value*, FakeQuant> out;
  if (weights.empty()) return out;
  for (const torch::jit::Node* n : frozen.nodes()) {
    if (n->kind() != c10::prim::Constant || n->outputs().size() != 1) continue;
    std::optional<c10::IValue> v = torch::jit::toIValue(n->output());
    if (!v || !v->isTensor() || !v->toTensor().is_floating_point()) continue;
    const at::Tensor& t = v->toTensor();
    for (const FakeQuantWeight& w : weights)
      // Close, not equal: freezing may fold a QAT BatchNorm's x / s * s back into the weight.
      if (w.value.sizes() == t.sizes() && w.value.dtype() == t.dtype() && at::allclose(w.value, t, 1e-5, 1e-7)) {
        out[n->output()] = w.quant;
        break;
      }
  }
  return out;
}

}  // namespace litecast::graph
