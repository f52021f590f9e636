#include "prune/flat_graph.hpp"

#include "graph/torch_message.hpp"

#include <litecast/error.hpp>

#include <fmt/format.h>

#include <map>
#include <set>
#include <unordered_map>

namespace litecast::pruning {

std::string FlatNode::where() const {
  return fmt::format("{} in {}", kind(), scope.empty() ? std::string("the model") : scope);
}

namespace {

std::string join(const std::string& path, const std::string& name) {
  return path.empty() ? name : path + "." + name;
}

// List ops that change a list in place: the tracked elements would no longer match.
const std::set<std::string> kListMutations = {"aten::_set_item", "aten::insert", "aten::extend", "aten::pop",
                                              "aten::remove",    "aten::clear",  "aten::reverse"};

class Runner {
 public:
  explicit Runner(FlatGraph& g) : g_(g) {}

  int add(c10::IValue v) {
    g_.values.push_back(FlatValue{});
    g_.values.back().value = std::move(v);
    return static_cast<int>(g_.values.size()) - 1;
  }

  // Runs `graph` (a method of the module in value `self_id`, or a function) on `args`.
  std::vector<int> run(torch::jit::Graph& graph, const std::string& scope, const std::vector<int>& args, int depth) {
    if (depth > 200) throw Error(fmt::format("{}: module calls nest deeper than 200 (recursion?)", scope));
    std::unordered_map<const torch::jit::Value*, int> env;
    if (graph.inputs().size() != args.size())
      throw Error(fmt::format("{}: called with {} arguments, expects {}", scope, args.size(), graph.inputs().size()));
    for (size_t i = 0; i < args.size(); ++i) env[graph.inputs()[i]] = args[i];
    for (torch::jit::Node* n : graph.nodes()) step(n, scope, env, depth);
    std::vector<int> out;
    for (const torch::jit::Value* v : graph.outputs()) out.push_back(env.at(v));
    return out;
  }

 private:
  void step(torch::jit::Node* n, const std::string& scope, std::unordered_map<const torch::jit::Value*, int>& env,
            int depth) {
    const auto kind = n->kind();
    auto in = [&](size_t i) { return env.at(n->inputs()[i]); };
    if (kind == c10::prim::If) {
      // Scripted models: follow the branch this run takes (e.g. `if self.training`), like a trace.
      const c10::IValue& cond = g_.values.at(in(0)).value;
      if (!cond.isBool()) throw Error(fmt::format("{}: prim::If on a value that is not a bool", scope));
      torch::jit::Block* taken = n->blocks()[cond.toBool() ? 0 : 1];
      for (torch::jit::Node* inner : taken->nodes()) step(inner, scope, env, depth);
      for (size_t i = 0; i < n->outputs().size(); ++i) env[n->outputs()[i]] = env.at(taken->outputs()[i]);
      return;
    }
    if (!n->blocks().empty())
      throw Error(
          fmt::format("{}: control flow ({}) in forward: litecast prune follows traced models and scripted "
                      "ones without loops (trace the model with torch.jit.trace)",
                      scope.empty() ? "<model>" : scope, kind.toQualString()));
    if (kind == c10::prim::Constant) {
      // Function constants (the callee of prim::CallFunction) have no IValue; the call reads the type.
      auto v = torch::jit::toIValue(n->output());
      env[n->output()] = add(v ? *v : c10::IValue());
      return;
    }
    if (kind == c10::prim::GetAttr) {
      const FlatValue& self = g_.values.at(in(0));
      if (!self.module) throw Error(fmt::format("{}: prim::GetAttr on a value that is not a module", scope));
      const torch::jit::Module owner = *self.module;
      const std::string path = self.module_path;
      const std::string name = n->s(c10::attr::name);
      c10::IValue v = owner.attr(name);
      int id = add(v);
      if (v.isObject() && v.toObject()->type()->is_module()) {
        g_.values[id].module = torch::jit::Module(v.toObject());
        g_.values[id].module_path = join(path, name);
      } else if (v.isTensor()) {
        auto key = std::make_pair(owner._ivalue().get(), name);
        auto it = param_index_.find(key);
        if (it == param_index_.end()) {
          Param p;
          p.owner = owner;
          p.module_path = path;
          p.attr = name;
          const auto slot = owner.type()->findAttributeSlot(name);
          p.is_parameter = slot && owner.type()->is_parameter(*slot);
          g_.params.push_back(p);
          it = param_index_.emplace(key, static_cast<int>(g_.params.size()) - 1).first;
        }
        g_.values[id].param = it->second;
      }
      env[n->output()] = id;
      return;
    }
    if (kind == c10::prim::CallMethod || kind == c10::prim::CallFunction) {
      std::vector<int> args;
      for (size_t i = 0; i < n->inputs().size(); ++i) args.push_back(in(i));
      std::vector<int> outs;
      if (kind == c10::prim::CallMethod) {
        // Copies: g_.values grows (and moves) while the callee runs.
        const std::optional<torch::jit::Module> callee = g_.values.at(args[0]).module;
        const std::string path = g_.values[args[0]].module_path;
        if (!callee) throw Error(fmt::format("{}: prim::CallMethod on a value that is not a module", scope));
        torch::jit::Method m = callee->get_method(n->s(c10::attr::name));
        outs = run(*m.graph(), path, args, depth + 1);
      } else {
        auto fn = n->input(0)->type()->expect<c10::FunctionType>()->function();
        auto* gf = dynamic_cast<torch::jit::GraphFunction*>(fn);
        if (!gf) throw Error(fmt::format("{}: prim::CallFunction of a function without a graph", scope));
        std::vector<int> fargs(args.begin() + 1, args.end());
        outs = run(*gf->graph(), scope, fargs, depth + 1);
      }
      for (size_t i = 0; i < outs.size(); ++i) env[n->outputs()[i]] = outs[i];
      return;
    }
    if (kind == c10::prim::ListConstruct || kind == c10::prim::TupleConstruct) {
      std::vector<int> items;
      for (size_t i = 0; i < n->inputs().size(); ++i) items.push_back(in(i));
      c10::IValue v;
      if (kind == c10::prim::ListConstruct) {
        c10::impl::GenericList list(n->output()->type()->expect<c10::ListType>()->getElementType());
        for (int i : items) list.push_back(g_.values[i].value);
        v = std::move(list);
      } else {
        std::vector<c10::IValue> elems;
        for (int i : items) elems.push_back(g_.values[i].value);
        v = c10::ivalue::Tuple::create(std::move(elems));
      }
      int id = add(std::move(v));
      g_.values[id].elements = items;
      record(n, scope, items, {id});
      env[n->output()] = id;
      return;
    }
    if ((kind == c10::prim::TupleUnpack || kind == c10::prim::ListUnpack) && !g_.values.at(in(0)).elements.empty()) {
      const std::vector<int> items = g_.values[in(0)].elements;
      if (items.size() != n->outputs().size())
        throw Error(fmt::format("{}: unpacks {} values from {}", scope, n->outputs().size(), items.size()));
      for (size_t i = 0; i < items.size(); ++i) env[n->outputs()[i]] = items[i];
      return;
    }
    if (kind == c10::prim::TupleIndex && !g_.values.at(in(0)).elements.empty()) {
      const std::vector<int> items = g_.values[in(0)].elements;
      int64_t i = g_.values.at(in(1)).value.toInt();
      if (i < 0) i += static_cast<int64_t>(items.size());
      env[n->output()] = items.at(static_cast<size_t>(i));
      return;
    }

    if (kind == c10::prim::unchecked_cast) {  // a static type refinement: the same value
      env[n->output()] = in(0);
      return;
    }
    if (kind == c10::aten::append && !g_.values.at(in(0)).elements.empty()) {
      // The list grows: later uses of it in this method see a new value with one more element.
      std::vector<int> items = g_.values[in(0)].elements;
      items.push_back(in(1));
      c10::IValue list = g_.values[in(0)].value;
      list.toList().push_back(g_.values[in(1)].value);
      const int id = add(list);
      g_.values[id].elements = items;
      env[n->input(0)] = id;
      env[n->output()] = id;
      return;
    }
    for (const torch::jit::Value* v : n->inputs()) {
      const FlatValue& fv = g_.values.at(env.at(v));
      if (fv.elements.empty()) continue;
      const size_t now = fv.value.isList() ? fv.value.toListRef().size() : fv.value.toTupleRef().elements().size();
      if (kListMutations.count(kind.toQualString()) || now != fv.elements.size())
        throw Error(fmt::format("{}: {} changes a list in a way litecast prune does not follow (trace the model)",
                                scope.empty() ? "<model>" : scope, kind.toQualString()));
    }
    torch::jit::Stack stack;
    std::vector<int> ins;
    for (size_t i = 0; i < n->inputs().size(); ++i) {
      ins.push_back(in(i));
      stack.push_back(g_.values[ins.back()].value);
    }
    try {
      if (kind == c10::prim::TupleUnpack) {
        auto elems = stack.back().toTupleRef().elements().vec();
        stack.assign(elems.begin(), elems.end());
      } else if (kind == c10::prim::ListUnpack) {
        auto list = stack.back().toListRef();
        std::vector<c10::IValue> elems(list.begin(), list.end());
        stack.assign(elems.begin(), elems.end());
      } else if (kind == c10::prim::TupleIndex) {
        int64_t i = stack.back().toInt();
        auto elems = stack[0].toTupleRef().elements();
        if (i < 0) i += static_cast<int64_t>(elems.size());
        c10::IValue v = elems.at(static_cast<size_t>(i));
        stack.assign(1, v);
      } else {
        n->getOperation()(stack);
      }
    } catch (const c10::Error& e) {
      throw Error(fmt::format("{}: {} failed on the example input (wrong --input-shape?): {}",
                              scope.empty() ? "<model>" : scope, kind.toQualString(),
                              graph::torch_message(e.what_without_backtrace())));
    }
    if (stack.size() != n->outputs().size())
      throw Error(fmt::format("{}: {} produced {} values, expected {}", scope, kind.toQualString(), stack.size(),
                              n->outputs().size()));
    std::vector<int> outs;
    for (size_t i = 0; i < stack.size(); ++i) {
      outs.push_back(add(std::move(stack[i])));
      env[n->outputs()[i]] = outs.back();
    }
    record(n, scope, ins, outs);
  }

  void record(torch::jit::Node* n, const std::string& scope, std::vector<int> ins, std::vector<int> outs) {
    FlatNode f;
    f.node = n;
    f.scope = scope;
    f.inputs = std::move(ins);
    f.outputs = std::move(outs);
    g_.nodes.push_back(std::move(f));
  }

  FlatGraph& g_;
  std::map<std::pair<const void*, std::string>, int> param_index_;
};

}  // namespace

FlatGraph run_flat(const torch::jit::Module& module, const std::vector<at::Tensor>& inputs) {
  torch::NoGradGuard no_grad;
  FlatGraph g;
  Runner r(g);
  int self = r.add(module._ivalue());
  g.values[self].module = module;
  std::vector<int> args{self};
  for (const at::Tensor& t : inputs) {
    args.push_back(r.add(t));
    g.inputs.push_back(args.back());
  }
  torch::jit::Method forward = module.get_method("forward");
  if (forward.graph()->inputs().size() != args.size())
    throw Error(fmt::format("the model's forward takes {} inputs, {} --input-shape given",
                            forward.graph()->inputs().size() - 1, inputs.size()));
  g.outputs = r.run(*forward.graph(), "", args, 0);
  return g;
}

}  // namespace litecast::pruning
