#include "prune/training_flags.hpp"

#include <set>

namespace litecast::pruning {

namespace {

// Index of the training flag among the node's inputs, or -1 when the op has none to follow.
int flag_input(const torch::jit::Node* n, bool* is_batch_norm) {
  const std::string k = n->kind().toQualString();
  *is_batch_norm = k == "aten::batch_norm";
  if (*is_batch_norm) {
    // Without running statistics (track_running_stats=False) batch statistics are used in both
    // modes: the flag is not the module's mode.
    if (n->inputs().size() != 9 || n->input(3)->type()->kind() == c10::TypeKind::NoneType) return -1;
    return 5;
  }
  if (k == "aten::dropout" || k == "aten::dropout_" || k == "aten::feature_dropout" || k == "aten::feature_dropout_" ||
      k == "aten::alpha_dropout" || k == "aten::alpha_dropout_" || k == "aten::feature_alpha_dropout" ||
      k == "aten::feature_alpha_dropout_")
    return n->inputs().size() == 3 ? 2 : -1;
  return -1;
}

// The module input (`self`) of the method graph that holds `n`, when that module has a
// `training` attribute.
torch::jit::Value* module_self(torch::jit::Node* n) {
  torch::jit::Graph* graph = n->owningGraph();
  if (graph->inputs().empty()) return nullptr;
  torch::jit::Value* self = graph->inputs()[0];
  auto cls = self->type()->cast<c10::ClassType>();
  if (!cls || !cls->is_module() || !cls->hasAttribute("training")) return nullptr;
  if (cls->getAttribute("training")->kind() != c10::TypeKind::BoolType) return nullptr;
  return self;
}

}  // namespace

TrainingFlags follow_training_flags(const FlatGraph& g) {
  TrainingFlags done;
  std::set<torch::jit::Node*> seen;
  for (const FlatNode& f : g.nodes) {
    torch::jit::Node* n = f.node;
    if (!seen.insert(n).second) continue;
    bool is_bn = false;
    const int i = flag_input(n, &is_bn);
    if (i < 0 || n->input(static_cast<size_t>(i))->node()->kind() != c10::prim::Constant) continue;
    torch::jit::Value* self = module_self(n);
    if (!self) continue;
    torch::jit::WithInsertPoint guard(n);
    torch::jit::Node* get = n->owningGraph()->insertNode(n->owningGraph()->createGetAttr(self, "training"));
    n->replaceInput(static_cast<size_t>(i), get->output());
    ++(is_bn ? done.batch_norm : done.dropout);
  }
  return done;
}

}  // namespace litecast::pruning
