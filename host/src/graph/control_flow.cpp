#include "graph/control_flow.hpp"

#include "graph/torch_message.hpp"

#include <litecast/error.hpp>

#include <torch/csrc/jit/ir/constants.h>

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <unordered_map>
#include <unordered_set>

namespace litecast::graph {

namespace {

using torch::jit::Block;
using torch::jit::Node;
using torch::jit::Value;

c10::Symbol sym(const char* qualified) {
  return c10::Symbol::fromQualString(qualified);
}

// What the evaluation knows of a value.
enum class Level {
  known,   // its real value: it depends on constants and shapes only
  shaped,  // tensors (or lists and tuples of them) whose shapes and dtypes are known: meta tensors
  opaque,  // it depends on tensor values, or could not be computed
};

struct Fact {
  Level level = Level::opaque;
  c10::IValue value;
  const Node* origin = nullptr;  // opaque: where the tensor values came in (or what failed)
  bool failed = false;           // opaque because `origin` could not run, not because of values
};

// Queries that shapes, dtypes and static types answer, whatever the tensors hold.
bool is_query(c10::Symbol kind) {
  static const std::unordered_set<c10::Symbol> queries = {
      c10::aten::size,
      c10::aten::dim,
      c10::aten::len,
      c10::aten::__is__,
      c10::aten::__isnot__,
      c10::prim::dtype,
      c10::prim::layout,
      c10::prim::isinstance,
      sym("aten::numel"),
      sym("aten::sym_size"),
      sym("aten::sym_numel"),
      sym("aten::is_floating_point"),
      sym("aten::is_complex"),
      sym("prim::requires_grad"),
      sym("prim::is_nested"),
      sym("prim::is_cuda"),
      sym("prim::is_quantized"),
      sym("prim::is_sparse"),
      sym("prim::is_mkldnn"),
  };
  return queries.count(kind) > 0;
}

// Whether a value of this type holds nothing but tensors, so that a run on meta tensors gives it
// truly (as shapes); an int or a bool computed from meta tensors means nothing.
bool holds_tensors_only(const c10::TypePtr& t) {
  switch (t->kind()) {
    case c10::TypeKind::TensorType:
    case c10::TypeKind::NoneType:
      return true;
    case c10::TypeKind::OptionalType:
      return holds_tensors_only(t->expectRef<c10::OptionalType>().getElementType());
    case c10::TypeKind::ListType:
      return holds_tensors_only(t->expectRef<c10::ListType>().getElementType());
    case c10::TypeKind::TupleType: {
      const auto elems = t->expectRef<c10::TupleType>().elements();
      return std::all_of(elems.begin(), elems.end(), [](const c10::TypePtr& e) { return holds_tensors_only(e); });
    }
    default:
      return false;
  }
}

// The same value with every defined tensor passed through f (in lists and tuples too).
c10::IValue map_tensors(const c10::IValue& v, const std::function<at::Tensor(const at::Tensor&)>& f) {
  if (v.isTensor()) return v.toTensor().defined() ? c10::IValue(f(v.toTensor())) : v;
  if (v.isTensorList()) {
    c10::List<at::Tensor> out;
    for (const at::Tensor& t : v.toTensorVector()) out.push_back(t.defined() ? f(t) : t);
    return out;
  }
  if (v.isList() && holds_tensors_only(v.toList().elementType())) {
    c10::impl::GenericList out(v.toList().elementType());
    for (const c10::IValue& e : v.toListRef()) out.push_back(map_tensors(e, f));
    return out;
  }
  if (v.isTuple()) {
    std::vector<c10::IValue> elems;
    for (const c10::IValue& e : v.toTupleRef().elements()) elems.push_back(map_tensors(e, f));
    return c10::ivalue::Tuple::create(std::move(elems));
  }
  return v;
}

c10::IValue to_meta(const c10::IValue& v) {
  return map_tensors(v, [](const at::Tensor& t) { return t.is_meta() ? t : t.to(at::kMeta); });
}

c10::IValue to_zeros(const c10::IValue& v) {
  return map_tensors(
      v, [](const at::Tensor& t) { return t.is_meta() ? at::zeros(t.sizes(), t.options().device(at::kCPU)) : t; });
}

// Whether the node writes into its first input (aten::append, aten::_set_item, ...).
bool writes_first_input(const Node* n) {
  const c10::FunctionSchema* schema = n->maybeSchema();
  if (!schema || schema->arguments().empty()) return false;
  const c10::AliasInfo* alias = schema->arguments()[0].alias_info();
  return alias && alias->isWrite();
}

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

class Resolver {
 public:
  explicit Resolver(torch::jit::Graph& graph) : graph_(graph) {}

  void set(const Value* v, Fact f) { facts_[v] = std::move(f); }

  void run() {
    for (Node* n = *graph_.nodes().begin(); n != graph_.return_node();) n = step(n);
  }

 private:
  const Fact& fact(const Value* v) const {
    auto it = facts_.find(v);
    if (it == facts_.end()) throw Error(fmt::format("internal: %{} used before it was evaluated", v->debugName()));
    return it->second;
  }

  // Evaluates n (or replaces it) and returns the next node to evaluate.
  Node* step(Node* n) {
    const auto kind = n->kind();
    if (kind == c10::prim::If) return take_branch(n);
    if (kind == c10::prim::Loop) return unroll_once(n);
    if (kind == c10::prim::RaiseException) raise(n);
    if ((kind == c10::aten::warn || kind == c10::prim::Print) && n->outputs().empty()) {
      Node* next = n->next();
      n->destroy();
      return next;
    }
    if (!n->blocks().empty())
      throw Error(fmt::format("{}: control flow of this kind is not supported", describe_node(n)));
    evaluate(n);
    return n->next();
  }

  // The decision of a condition or trip count: its value, or one error line saying why not.
  const c10::IValue& decided(const Node* n, const Value* v, const char* what) const {
    const Fact& f = fact(v);
    if (f.level == Level::known) return f.value;
    const std::string through = f.origin && f.origin != n ? fmt::format(" (through {})", describe_node(f.origin)) : "";
    if (f.failed)
      throw Error(fmt::format("{}: cannot decide {}: {} could not run on the example input", describe_node(n), what,
                              describe_node(f.origin)));
    throw Error(
        fmt::format("{}: {} depends on tensor values, not only on shapes{}; only control flow that the input "
                    "shapes decide converts (trace the model instead, or make it depend on shapes)",
                    describe_node(n), what, through));
  }

  [[noreturn]] void raise(const Node* n) const {
    std::string message;
    if (!n->inputs().empty()) {
      const Fact& f = fact(n->input(0));
      if (f.level == Level::known && f.value.isString()) message = one_line(f.value.toStringRef());
    }
    if (n->inputs().size() > 1) {  // the exception's class, e.g. "builtins.ValueError"
      const Fact& f = fact(n->input(1));
      if (f.level == Level::known && f.value.isString()) {
        std::string cls = f.value.toStringRef();
        if (cls.rfind("builtins.", 0) == 0) cls = cls.substr(9);
        message = message.empty() ? cls : cls + ": " + message;
      }
    }
    if (!message.empty()) message = " (" + message + ")";
    throw Error(fmt::format("{}: the model raises an exception on this input{}", describe_node(n), message));
  }

  // prim::If(cond) with a known condition: the taken block's nodes move in front of the If,
  // which then goes (with the other block).
  Node* take_branch(Node* n) {
    const bool cond = decided(n, n->input(0), "the condition").toBool();
    Block* taken = n->blocks()[cond ? 0 : 1];
    Node* first = nullptr;
    for (auto it = taken->nodes().begin(); it != taken->nodes().end();) {
      Node* inner = *it++;  // advance before moving
      inner->moveBefore(n);
      if (!first) first = inner;
    }
    for (size_t i = 0; i < n->outputs().size(); ++i) n->output(i)->replaceAllUsesWith(taken->outputs()[i]);
    Node* next = first ? first : n->next();
    n->destroy();
    return next;
  }

  // prim::Loop(max_trip_count, cond, carried...) with body (i, carried...) -> (cond, carried...):
  // one iteration is copied in front of the loop, and the loop's condition and carried inputs
  // become that copy's outputs; the loop goes when its condition is false or its count reached.
  Node* unroll_once(Node* n) {
    const int64_t trips = decided(n, n->input(0), "the loop's trip count").toInt();
    const bool cond = decided(n, n->input(1), "the loop's condition").toBool();
    int64_t& done = iterations_[n];
    if (!cond || done >= trips) {
      for (size_t i = 0; i < n->outputs().size(); ++i) n->output(i)->replaceAllUsesWith(n->input(i + 2));
      Node* next = n->next();
      iterations_.erase(n);
      n->destroy();
      return next;
    }
    if (done >= kMaxLoopUnroll)
      throw Error(fmt::format("{}: the loop runs more than {} times; litecast unrolls loops, and not that far",
                              describe_node(n), kMaxLoopUnroll));
    Block* body = n->blocks()[0];
    std::unordered_map<const Value*, Value*> map;
    auto lookup = [&map](Value* v) {
      auto it = map.find(v);
      return it == map.end() ? v : it->second;
    };
    torch::jit::WithInsertPoint point(n);
    Value* counter = graph_.insertConstant(done);
    map[body->inputs()[0]] = counter;
    for (size_t i = 1; i < body->inputs().size(); ++i) map[body->inputs()[i]] = n->input(i + 1);
    for (Node* inner : body->nodes()) {
      Node* copy = graph_.createClone(inner, lookup);
      copy->insertBefore(n);
      for (size_t o = 0; o < inner->outputs().size(); ++o) map[inner->output(o)] = copy->output(o);
    }
    for (size_t i = 0; i < body->outputs().size(); ++i) n->replaceInput(i + 1, lookup(body->outputs()[i]));
    ++done;
    return counter->node();
  }

  void set_all(const Node* n, Level level, const Node* origin, bool failed) {
    for (const Value* out : n->outputs()) facts_[out] = Fact{level, c10::IValue(), origin, failed};
  }

  void evaluate(Node* n) {
    const auto kind = n->kind();
    if (kind == c10::prim::Constant) {
      facts_[n->output()] = Fact{Level::known, *torch::jit::toIValue(n->output()), nullptr, false};
      return;
    }
    if (kind == c10::prim::Uninitialized) return set_all(n, Level::opaque, n, false);
    if (kind == c10::prim::unchecked_cast) {
      facts_[n->output()] = fact(n->input());
      return;
    }
    if (kind == c10::prim::device) {  // the conversion's reference runs on the CPU
      facts_[n->output()] = Fact{Level::known, c10::Device(at::kCPU), nullptr, false};
      return;
    }
    torch::jit::Stack stack;
    bool all_known = !n->isNondeterministic();
    for (const Value* v : n->inputs()) {
      const Fact& f = fact(v);
      if (f.level == Level::opaque) return set_all(n, Level::opaque, f.origin, f.failed);
      all_known = all_known && f.level == Level::known;
      stack.push_back(f.value);
    }
    const bool query = is_query(kind);
    const bool writes = writes_first_input(n);
    try {
      if (all_known || writes)
        run_node(n, stack);  // a write goes into the recorded list itself, as it would at run time
      else
        run_shapes(n, stack);
    } catch (const Error&) {
      throw;
    } catch (const std::exception&) {
      if (writes) facts_[n->input(0)] = Fact{Level::opaque, c10::IValue(), n, true};
      return set_all(n, Level::opaque, n, true);
    }
    if (stack.size() != n->outputs().size()) return set_all(n, Level::opaque, n, true);
    for (size_t o = 0; o < stack.size(); ++o) {
      const Value* out = n->output(o);
      if (all_known || query)
        facts_[out] = Fact{Level::known, std::move(stack[o]), nullptr, false};
      else if (holds_tensors_only(out->type()))
        facts_[out] = Fact{Level::shaped, to_meta(stack[o]), nullptr, false};
      else
        facts_[out] = Fact{Level::opaque, c10::IValue(), n, false};
    }
    if (writes && !all_known) {
      Fact& list = facts_[n->input(0)];
      if (list.level == Level::known) list.level = Level::shaped;
    }
  }

  // Runs n for its output shapes: on meta tensors; where an op has no meta kernel, on zeros of
  // the same shapes. `no_meta_` keeps the kinds that failed on meta (a LibTorch error is slow).
  void run_shapes(const Node* n, torch::jit::Stack& stack) {
    const torch::jit::Stack args = stack;
    if (!no_meta_.count(n->kind())) {
      for (c10::IValue& v : stack) v = to_meta(v);
      try {
        run_node(n, stack);
        return;
      } catch (const std::exception&) {
        no_meta_.insert(n->kind());
      }
    }
    stack.clear();
    for (const c10::IValue& v : args) stack.push_back(to_zeros(v));
    run_node(n, stack);
  }

  torch::jit::Graph& graph_;
  std::unordered_map<const Value*, Fact> facts_;
  std::unordered_map<const Node*, int64_t> iterations_;
  std::unordered_set<c10::Symbol> no_meta_;
};

// Whether a list may be followed through its uses: read where it is used, appended to, and
// captured by nothing (a tuple holding it would see later appends).
bool only_read_or_appended(const Value* list) {
  for (const torch::jit::Use& u : list->uses()) {
    const Node* user = u.user;
    if (user->owningBlock() != list->node()->owningBlock()) return false;
    if (user->kind() == c10::aten::append && u.offset == 0) continue;
    if (user->kind() == c10::prim::TupleConstruct || user->kind() == c10::prim::ListConstruct ||
        user->kind() == c10::prim::DictConstruct)
      return false;
    const c10::FunctionSchema* schema = user->maybeSchema();
    if (schema && u.offset < schema->arguments().size()) {
      const c10::AliasInfo* alias = schema->arguments()[u.offset].alias_info();
      if (alias && alias->isWrite()) return false;
    }
  }
  return true;
}

// In the flat graph, `xs.append(x)` on a list built by prim::ListConstruct becomes a new
// ListConstruct with x added, which the uses after the append read (DenseNet's feature
// lists, which RemoveListMutation leaves when the list is read between appends).
void lower_appends(torch::jit::Graph& g) {
  std::vector<Node*> constructs;
  for (Node* n : g.nodes())
    if (n->kind() == c10::prim::ListConstruct) constructs.push_back(n);
  for (Node* construct : constructs) {
    Value* list = construct->output();
    if (!only_read_or_appended(list)) continue;
    std::vector<Node*> appends;
    for (const torch::jit::Use& u : list->uses())
      if (u.user->kind() == c10::aten::append) appends.push_back(u.user);
    if (appends.empty()) continue;
    std::sort(appends.begin(), appends.end(), [](const Node* a, const Node* b) { return a->isBefore(b); });
    Value* current = list;
    for (Node* append : appends) {
      std::vector<Value*> items(current->node()->inputs().begin(), current->node()->inputs().end());
      items.push_back(append->input(1));
      Node* grown = g.create(c10::prim::ListConstruct, items);
      grown->output()->setType(list->type());
      grown->setSourceRange(append->sourceRange());
      grown->insertBefore(append);
      const std::vector<torch::jit::Use> uses = current->uses();  // replaceInput edits the list
      for (const torch::jit::Use& u : uses)
        if (u.user != append && u.user->isAfter(append)) u.user->replaceInput(u.offset, grown->output());
      if (append->outputs().size() == 1) append->output()->replaceAllUsesWith(grown->output());
      current = grown->output();
    }
    for (Node* append : appends) append->destroy();
  }
}

// Attributes that freezing left (it leaves those it cannot prove unmutated, e.g. of modules
// picked from a ModuleList by index) become constants where they are tensors or plain values.
void fold_attributes(torch::jit::Graph& g, const c10::IValue& self) {
  std::unordered_map<const Value*, c10::IValue> objects;
  objects[g.inputs()[0]] = self;
  std::vector<Node*> reads;
  for (Node* n : g.nodes())
    if (n->kind() == c10::prim::GetAttr) reads.push_back(n);
  for (Node* n : reads) {
    auto it = objects.find(n->input());
    if (it == objects.end() || !it->second.isObject()) continue;
    c10::IValue v = it->second.toObjectRef().getAttr(n->s(c10::attr::name));
    if (v.isObject()) {
      objects[n->output()] = v;
      continue;
    }
    if (v.isTensor()) v = v.toTensor().detach();
    torch::jit::WithInsertPoint point(n);
    if (std::optional<Value*> c = torch::jit::tryInsertConstant(g, v)) n->output()->replaceAllUsesWith(*c);
  }
}

// Blocks, or what scripting leaves outside of them: warnings (googlenet's) and appends to lists
// (loops that freezing unrolled already).
bool needs_resolving(const torch::jit::Graph& g) {
  for (const Node* n : g.nodes()) {
    const auto kind = n->kind();
    if (!n->blocks().empty() || kind == c10::aten::warn || kind == c10::prim::Print || kind == c10::aten::append)
      return true;
  }
  return false;
}

}  // namespace

bool resolve_control_flow(ImportedGraph& g, const std::vector<ExampleInput>& examples) {
  if (!needs_resolving(*g.graph)) return false;
  torch::NoGradGuard no_grad;  // as the reference runs: inference decides grad-mode checks
  Resolver resolver(*g.graph);
  for (const Value* v : g.graph->inputs()) resolver.set(v, Fact{Level::opaque, c10::IValue(), nullptr, false});
  if (!g.graph->inputs().empty())  // self: the frozen module, for the attributes freezing left
    resolver.set(g.graph->inputs()[0], Fact{Level::known, g.module._ivalue(), nullptr, false});
  for (size_t i = 0; i < g.inputs.size() && i < examples.size(); ++i) {
    const ExampleInput& e = examples[i];
    resolver.set(
        g.inputs[i],
        Fact{Level::shaped, at::empty(e.shape, at::TensorOptions().dtype(e.dtype).device(at::kMeta)), nullptr, false});
  }
  resolver.run();
  try {
    fold_attributes(*g.graph, g.module._ivalue());
    lower_appends(*g.graph);
    simplify(g.graph);
  } catch (const std::exception& e) {
    throw Error(fmt::format("cannot simplify the graph after resolving its control flow: {}", torch_message(e)));
  }
  g.outputs = flat_outputs(*g.graph);
  // Fake-quant weights whose nodes went with an untaken branch.
  std::unordered_set<const Value*> alive;
  for (const Node* n : g.graph->nodes())
    for (const Value* v : n->outputs()) alive.insert(v);
  for (auto it = g.fake_quant.begin(); it != g.fake_quant.end();)
    it = alive.count(it->first) ? std::next(it) : g.fake_quant.erase(it);
  return true;
}

}  // namespace litecast::graph
