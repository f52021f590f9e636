#include "graph/view_writes.hpp"

#include <torch/csrc/jit/runtime/operator.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace litecast::graph {

namespace {

bool is_chain_view(const torch::jit::Node* n) {
  return n->kind() == c10::aten::slice || n->kind() == c10::aten::select;
}

// Ops through which a value may alias its input.
bool may_alias(const torch::jit::Node* n) {
  static const std::vector<std::string> views = {
      "aten::slice",   "aten::select",    "aten::view",      "aten::reshape", "aten::transpose", "aten::permute",
      "aten::squeeze", "aten::unsqueeze", "aten::expand",    "aten::narrow",  "aten::flatten",   "aten::as_strided",
      "aten::t",       "aten::view_as",   "aten::unflatten", "aten::chunk",   "aten::split",     "aten::unbind"};
  const std::string kind = n->kind().toQualString();
  for (const std::string& v : views)
    if (kind == v) return true;
  return false;
}

// The functional form of an in-place op (`aten::fill_` -> `aten::fill`), if LibTorch has an
// overload of it taking the same arguments.
std::optional<c10::Symbol> functional_kind(const torch::jit::Node* n) {
  const std::string kind = n->kind().toQualString();
  if (kind.rfind("aten::", 0) != 0 || kind.size() < 8 || kind.back() != '_' || kind[kind.size() - 2] == '_')
    return std::nullopt;
  return c10::Symbol::fromQualString(kind.substr(0, kind.size() - 1));
}

bool used_after(const torch::jit::Value* v, const torch::jit::Node* after) {
  for (const torch::jit::Use& u : v->uses())
    if (u.user != after && u.user->isAfter(after)) return true;
  return false;
}

// Replaces the uses of `old` that come after `after` by `now`.
void replace_uses_after(torch::jit::Value* old, torch::jit::Value* now, const torch::jit::Node* after) {
  std::vector<torch::jit::Use> uses = old->uses();
  for (const torch::jit::Use& u : uses)
    if (u.user != now->node() && u.user->isAfter(after)) u.user->replaceInput(u.offset, now);
}

bool rewrite(torch::jit::Graph& g, torch::jit::Node* write) {
  // The chain of views from the base down to the written view.
  std::vector<torch::jit::Node*> chain;
  torch::jit::Value* base = write->input(0);
  while (base->node()->kind() != c10::prim::Param && is_chain_view(base->node()) &&
         base->node()->owningBlock() == write->owningBlock()) {
    chain.insert(chain.begin(), base->node());
    base = base->node()->input(0);
  }
  // A write straight into a value is RemoveTensorMutation's, except into a model input, which
  // it leaves (the caller's tensor would change; in a converted model nobody sees that).
  if (chain.empty() && base->node()->kind() != c10::prim::Param) return false;
  // Other views of the base or of a view in the chain, made before the write and used after it.
  std::vector<torch::jit::Value*> levels = {base};
  for (torch::jit::Node* v : chain) levels.push_back(v->output());
  for (torch::jit::Value* level : levels)
    for (const torch::jit::Use& u : level->uses()) {
      const torch::jit::Node* user = u.user;
      if (user == write || !user->isBefore(write) || !may_alias(user)) continue;
      if (std::find(chain.begin(), chain.end(), user) != chain.end()) continue;
      for (const torch::jit::Value* o : user->outputs())
        if (used_after(o, write)) return false;
    }

  std::optional<c10::Symbol> kind = functional_kind(write);
  if (!kind) return false;
  torch::jit::WithInsertPoint guard(write->next());
  torch::jit::Node* pure = g.create(*kind, write->inputs(), 1);
  pure->setSourceRange(write->sourceRange());
  if (write->scope()) pure->setScope(write->scope());
  g.insertNode(pure);
  if (!pure->maybeOperator()) {
    pure->destroy();
    return false;
  }
  pure->output()->setType(write->output()->type());
  // Put each level back into its parent, innermost first.
  torch::jit::Value* now = pure->output();
  std::vector<torch::jit::Value*> fresh(levels.size());
  fresh.back() = now;
  for (size_t k = chain.size(); k-- > 0;) {
    torch::jit::Node* view = chain[k];
    const bool is_slice = view->kind() == c10::aten::slice;
    std::vector<torch::jit::Value*> args = {view->input(0), now};
    for (size_t i = 1; i < view->inputs().size(); ++i) args.push_back(view->input(i));
    torch::jit::Node* put =
        g.create(c10::Symbol::fromQualString(is_slice ? "aten::slice_scatter" : "aten::select_scatter"), args, 1);
    put->setSourceRange(write->sourceRange());
    g.insertNode(put);
    if (!put->maybeOperator()) return false;  // LibTorch without the scatter ops: left as is below
    put->output()->setType(view->input(0)->type());
    now = put->output();
    fresh[k] = now;
  }
  for (size_t k = 0; k < levels.size(); ++k) replace_uses_after(levels[k], fresh[k], fresh[k]->node());
  write->output()->replaceAllUsesWith(pure->output());
  write->destroy();
  return true;
}

}  // namespace

int functionalize_view_writes(torch::jit::Graph& graph) {
  std::vector<torch::jit::Node*> writes;
  for (torch::jit::Node* n : graph.nodes())
    if (n->inputs().size() > 0 && functional_kind(n) &&
        (is_chain_view(n->input(0)->node()) || n->input(0)->node()->kind() == c10::prim::Param))
      writes.push_back(n);
  int done = 0;
  for (torch::jit::Node* n : writes) done += rewrite(graph, n) ? 1 : 0;
  return done;
}

}  // namespace litecast::graph
