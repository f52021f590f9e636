// Runs the simplified graph once with LibTorch on an example input, node by node, and records
// for every value its shape and dtype and, where it depends only on constants, its value.
// Translators then never infer shapes, and shape arithmetic (aten::size, prim::NumToTensor,
// aten::Int, list ops) is simply a constant.
#ifndef LITECAST_HOST_GRAPH_VALUE_RECORDS_HPP
#define LITECAST_HOST_GRAPH_VALUE_RECORDS_HPP

#include <torch/script.h>

#include <optional>
#include <unordered_map>
#include <vector>

namespace litecast::graph {

struct TensorFacts {
  at::ScalarType dtype = at::kFloat;
  std::vector<int64_t> shape;
  // Per-tensor or per-channel quantization of a quantized tensor; empty otherwise.
  std::vector<double> scales;
  std::vector<int64_t> zero_points;
  int64_t quantized_axis = 0;
};

struct ValueRecord {
  bool constant = false;
  c10::IValue value;                  // set when constant
  std::optional<TensorFacts> tensor;  // a tensor value
  std::vector<TensorFacts> items;     // a list or tuple of tensors, item by item
};

struct ExampleInput {
  std::vector<int64_t> shape;
  at::ScalarType dtype = at::kFloat;
};

class ValueRecords {
 public:
  // Records shapes by running non-constant nodes on LibTorch's meta device (shapes only, no
  // arithmetic) and constant ones for real; where an op has no meta kernel, the whole graph
  // runs again on real example data. Throws litecast::Error naming the node that failed to
  // run (usually wrong input shapes). With `values`, always runs for real on them.
  ValueRecords(torch::jit::Graph& graph, const std::vector<torch::jit::Value*>& inputs,
               const std::vector<ExampleInput>& examples, const std::vector<torch::Tensor>& values = {});

  const ValueRecord& at(const torch::jit::Value* v) const;
  const ValueRecord* find(const torch::jit::Value* v) const {
    auto it = records_.find(v);
    return it == records_.end() ? nullptr : &it->second;
  }
  bool is_constant(const torch::jit::Value* v) const { return at(v).constant; }
  // Drops the recorded value of a constant tensor nothing will read again (it stays marked
  // constant); returns its size in bytes, 0 when there was no tensor to drop.
  size_t release(const torch::jit::Value* v);
  // The example value of an output as LibTorch computed it (for checking a translation).
  const std::vector<c10::IValue>& outputs() const { return outputs_; }

 private:
  // One pass over the graph; false when `meta` was asked for and some op has no meta kernel.
  bool run(torch::jit::Graph& graph, const std::vector<torch::jit::Value*>& inputs,
           const std::vector<torch::Tensor>& input_values, bool meta);

  std::unordered_map<const torch::jit::Value*, ValueRecord> records_;
  std::vector<c10::IValue> outputs_;
};

TensorFacts facts_of(const at::Tensor& t);

// Runs one node on the values in `stack` (its inputs in, its outputs out), including the
// structural prim ops that the interpreter would run as instructions.
void run_node(const torch::jit::Node* n, torch::jit::Stack& stack);

}  // namespace litecast::graph

#endif
