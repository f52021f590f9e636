#include "graph/fake_quant_weights.hpp"

#include <torch/csrc/jit/passes/inliner.h>

#include <optional>

namespace litecast::graph {

namespace {

const c10::Symbol kPerTensor = c10::Symbol::fromQualString("aten::fake_quantize_per_tensor_affine");
const c10::Symbol kPerChannel = c10::Symbol::fromQualString("aten::fake_quantize_per_channel_affine");

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

}  // namespace

std::vector<FakeQuantWeight> find_fake_quant_weights(const torch::jit::Module& module) {
  std::vector<FakeQuantWeight> found;
  auto method = module.find_method("forward");
  if (!method) return found;
  std::shared_ptr<torch::jit::Graph> g = method->graph()->copy();
  torch::jit::Inline(*g);
  const torch::jit::Value* self = g->inputs().at(0);
  for (torch::jit::Node* n : g->nodes()) {
    const bool per_channel = n->kind() == kPerChannel;
    if (!per_channel && n->kind() != kPerTensor) continue;
    torch::jit::Stack stack;
    for (const torch::jit::Value* in : n->inputs()) {
      std::optional<c10::IValue> v = attribute_value(in, self, module);
      if (!v) break;
      stack.push_back(*v);
    }
    if (stack.size() != n->inputs().size() || !stack[0].isTensor()) continue;
    FakeQuant q;
    q.scales = doubles(stack[1]);
    q.zero_points = ints(stack[2]);
    if (per_channel) q.axis = stack[3].toInt();
    q.quant_min = stack[per_channel ? 4 : 3].toInt();
    q.quant_max = stack[per_channel ? 5 : 4].toInt();
    try {
      n->getOperation()(stack);
    } catch (const std::exception&) {
      continue;  // not computable here: left as it is
    }
    found.push_back({stack.at(0).toTensor(), std::move(q)});
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
      if (w.value.sizes() == t.sizes() && w.value.dtype() == t.dtype() && at::equal(w.value, t)) {
        out[n->output()] = w.quant;
        break;
      }
  }
  return out;
}

}  // namespace litecast::graph
