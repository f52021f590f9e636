// TorchScript file -> one frozen, inlined, simplified graph with flat tensor inputs and
// outputs. Expects: a TorchScript archive with a `forward` method. Guarantees: no
// prim::GetAttr, no method calls, tuple outputs flattened; every error names the file.
#ifndef LITECAST_HOST_GRAPH_TORCHSCRIPT_IMPORT_HPP
#define LITECAST_HOST_GRAPH_TORCHSCRIPT_IMPORT_HPP

#include "graph/fake_quant_weights.hpp"

#include <torch/script.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace litecast::graph {

struct ImportedGraph {
  torch::jit::Module module;  // owns the frozen constants the graph refers to
  std::shared_ptr<torch::jit::Graph> graph;
  std::vector<torch::jit::Value*> inputs;   // the model's inputs, `self` removed
  std::vector<torch::jit::Value*> outputs;  // flattened: tuples and lists of tensors unpacked
  // Constants that freezing folded out of fake_quantize_*(weight, ...), with their quantization.
  std::unordered_map<const torch::jit::Value*, FakeQuant> fake_quant;
};

ImportedGraph import_torchscript(const std::string& path);

// The same for a module already in this process (the Python package's traced model): it is
// cloned and put in eval mode, so the caller's module is left as it was. `name` stands for the
// file in error messages.
ImportedGraph import_module(const torch::jit::Module& module, const std::string& name);

// The clean-up after inlining (and after control flow is resolved): list and tensor mutation
// removed (writes into slices made functional: graph/view_writes.hpp), simple tuples lowered,
// constants propagated, peepholes, dead code eliminated.
void simplify(std::shared_ptr<torch::jit::Graph>& graph);

// The graph's outputs with tuples and lists of tensors unpacked (ImportedGraph::outputs).
std::vector<torch::jit::Value*> flat_outputs(torch::jit::Graph& g);

// "%out = aten::linear at model.py:12": the node's first output, kind, and the user's source
// line when the archive kept it (else the serialized code's line).
std::string describe_node(const torch::jit::Node* n);

// Loads a TorchScript archive with a clear error for missing, truncated or foreign files.
torch::jit::Module load_module(const std::string& path);

}  // namespace litecast::graph

#endif
