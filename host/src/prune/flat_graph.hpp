// The forward pass of a TorchScript module, flattened across module calls and run once on an
// example input: every leaf op in execution order with the method graph and module path it
// belongs to, every value it produced (so shapes are known), and every parameter or buffer
// reached through prim::GetAttr. Unlike torch's Inline pass, each flat node keeps a pointer
// to the node in its own submodule's method graph, so constants found there can be patched.
#ifndef LITECAST_HOST_PRUNE_FLAT_GRAPH_HPP
#define LITECAST_HOST_PRUNE_FLAT_GRAPH_HPP

#include <torch/script.h>

#include <optional>
#include <string>
#include <vector>

namespace litecast::pruning {

// A tensor attribute of a module: a parameter or a buffer.
struct Param {
  torch::jit::Module owner;
  std::string module_path;  // "" for the root module
  std::string attr;         // "weight"
  bool is_parameter = false;
  std::string name() const { return module_path.empty() ? attr : module_path + "." + attr; }
  // The layer a weight names: its module's path (or the attribute's path when not "weight").
  std::string layer() const { return attr == "weight" && !module_path.empty() ? module_path : name(); }
  at::Tensor tensor() const { return owner.attr(attr).toTensor(); }
};

struct FlatValue {
  c10::IValue value;                         // what the example run produced
  std::optional<torch::jit::Module> module;  // a module value (from prim::GetAttr)
  std::string module_path;
  int param = -1;             // index into FlatGraph::params for a GetAttr'd tensor
  std::vector<int> elements;  // a list or tuple built by prim::ListConstruct / TupleConstruct
  bool is_tensor() const { return value.isTensor() && value.toTensor().defined(); }
  std::vector<int64_t> shape() const { return value.toTensor().sizes().vec(); }
};

struct FlatNode {
  torch::jit::Node* node = nullptr;  // in the method graph of the module at `scope`
  std::string scope;                 // module path ("" for the root)
  std::vector<int> inputs, outputs;  // FlatGraph::values indices
  std::string kind() const { return node->kind().toQualString(); }
  std::string where() const;  // "aten::_convolution in features.3.conv.0.0"
};

struct FlatGraph {
  std::vector<FlatValue> values;
  std::vector<FlatNode> nodes;
  std::vector<Param> params;
  std::vector<int> inputs;   // the model's inputs (after self)
  std::vector<int> outputs;  // the model's outputs
};

// Runs `module.forward` on `inputs` node by node (no autograd); throws litecast::Error naming
// the node that failed or the construct that is not supported (control flow).
FlatGraph run_flat(const torch::jit::Module& module, const std::vector<at::Tensor>& inputs);

}  // namespace litecast::pruning

#endif
