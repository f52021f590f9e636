// The translation of one imported graph into a TFLite model: binds TorchScript values to
// TFLite tensors, dispatches each node to the registry's candidates, and rolls back what a
// declined or failed candidate emitted.
#ifndef LITECAST_HOST_CONVERT_TRANSLATION_HPP
#define LITECAST_HOST_CONVERT_TRANSLATION_HPP

#include <litecast/convert.hpp>
#include <litecast/plugins.hpp>
#include <litecast/tflite_model.hpp>
#include <litecast_internal/call_context.hpp>

#include "graph/torchscript_import.hpp"
#include "graph/value_records.hpp"

#include <deque>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace litecast {

class Translation;

// TFLite's element type for a LibTorch dtype (int64 narrows to INT32, float64 to FLOAT32):
// what translators compute in.
int32_t tflite_type(at::ScalarType t);
// The element type of a model input or output of that dtype: PyTorch's own where TFLite has
// it (INT64, FLOAT64), with a CAST to tflite_type() inside.
int32_t boundary_type(at::ScalarType t);

}  // namespace litecast

namespace litecast::internal {

// One translator call on one node: the state host-API functions reach through lc_ctx.
struct TranslationCall {
  Translation& tr;
  torch::jit::Node* node;
  std::string kind, overload;
  std::map<int32_t, int32_t> outputs;                    // node output -> TFLite tensor
  std::map<int32_t, std::vector<int32_t>> output_lists;  // node output -> TFLite tensors
  std::vector<const torch::jit::Value*> materialized;    // constants made into tensors here
  size_t first_new_tensor = 0;
  size_t first_new_operator = 0;  // options may be set only on operators this call added
  // Storage for what the host hands out "valid during the callback".
  std::deque<std::string> strings;
  std::deque<std::vector<int64_t>> int_lists;
  std::deque<std::vector<double>> float_lists;
  std::deque<at::Tensor> tensors;
};

}  // namespace litecast::internal

namespace litecast {

class Translation {
 public:
  // Translation consumes the weights: a constant tensor is released from `records` and from
  // the graph once its last translated user is done.
  Translation(const graph::ImportedGraph& g, graph::ValueRecords& records, const PluginRegistry& plugins,
              const ConvertOptions& options);
  Model run();
  // Leaves the weights in the graph (for callers that run the graph after translating it).
  void keep_weights() { keep_weights_ = true; }

  // --- used by the host API during a call ---
  const graph::ValueRecords& records() const { return records_; }
  Model& model() { return model_; }
  const ConvertOptions& options() const { return options_; }
  // The quantization of a fake-quantized constant weight (see graph/fake_quant_weights.hpp).
  const graph::FakeQuant* fake_quant(const torch::jit::Value* v) const {
    auto it = graph_.fake_quant.find(v);
    return it == graph_.fake_quant.end() ? nullptr : &it->second;
  }
  // The TFLite tensor of a value (a list item when item >= 0); constants are materialised.
  int32_t tensor_of(internal::TranslationCall& call, const torch::jit::Value* v, int32_t item);
  // With `owner`, the data is not copied: the tensor's buffer views it and keeps `owner` alive.
  int32_t add_tensor(const std::string& name, int32_t type, const std::vector<int64_t>& shape,
                     const void* data = nullptr, size_t size = 0, const Quantization* quant = nullptr,
                     std::shared_ptr<const void> owner = nullptr);

 private:
  void bind_inputs();
  void bind_outputs();
  int32_t add_op(const char* builtin, std::vector<int32_t> inputs, std::vector<int32_t> outputs);
  void translate(torch::jit::Node* n);
  void release_weights(torch::jit::Node* n,
                       const std::unordered_map<const torch::jit::Value*, const torch::jit::Node*>& last_use);
  bool structural(torch::jit::Node* n);
  int32_t constant_tensor(const torch::jit::Value* v, const at::Tensor& t);
  int32_t fake_quant_constant(const torch::jit::Value* v, const at::Tensor& t, const graph::FakeQuant& q);

  const graph::ImportedGraph& graph_;
  graph::ValueRecords& records_;
  bool keep_weights_ = false;
  const PluginRegistry& plugins_;
  const ConvertOptions& options_;
  Model model_;
  std::unordered_map<const torch::jit::Value*, int32_t> tensor_;
  std::unordered_map<const torch::jit::Value*, std::vector<int32_t>> list_tensors_;
  std::unordered_map<const torch::jit::Value*, std::vector<const torch::jit::Value*>> list_values_;
  // Values no translator produced; their consumers are skipped, not reported again.
  std::unordered_set<const torch::jit::Value*> missing_;
  struct Unsupported {
    size_t count = 0;
    std::string first_where;
    std::string reason;
  };
  std::map<std::string, Unsupported> unsupported_;
};

}  // namespace litecast

#endif
