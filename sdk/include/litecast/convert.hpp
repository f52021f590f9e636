// TorchScript -> TFLite. The C++ API behind `litecast convert`.
#ifndef LITECAST_CONVERT_HPP
#define LITECAST_CONVERT_HPP

#include <litecast/plugins.hpp>
#include <litecast/tflite_model.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace litecast {

struct ConvertOptions {
  // One per model input, in order; required (TorchScript archives keep no input shapes).
  std::vector<std::vector<int64_t>> input_shapes;
  // "float32" (default), "float64", "int64", "int32", "bool", ...; one per input or empty.
  std::vector<std::string> input_dtypes;
  // A file written by Python's torch.save: a tensor or a tuple/list of tensors, one per input.
  // Gives shapes, dtypes (quantized per tensor included) and the values of the recording run;
  // input_shapes/input_dtypes may then be left empty, and must agree with it when given.
  std::string example_input;
  // 4-D inputs and outputs become NHWC (TinyNeuralNetwork's nchw_transpose, default on).
  bool nchw_transpose = true;
  // Per input/output overrides of nchw_transpose, in order; nullopt: follow nchw_transpose.
  std::vector<std::optional<bool>> input_transpose;
  std::vector<std::optional<bool>> output_transpose;
  // Optimisation level: 0 turns every graph pass off (debugging).
  int optimize = 3;
  // Graph passes to skip by name (remove_identities, fold_constants, sink_transposes, ...).
  std::vector<std::string> disabled_passes;
  // Converter options by TinyNeuralNetwork's parameter names ("group_conv_rewrite" -> "1"), readable
  // by plugins through host->get_option.
  std::map<std::string, std::string> options;
  // Conversions of the final float graph, after the graph passes (docs/quantization.md).
  // Field names are TinyNeuralNetwork's converter parameters.
  struct Weights {
    bool hybrid_quantization_from_float = false;  // dynamic range: int8 weights, float activations
    bool hybrid_per_channel = false;              // convolutions: one weight scale per output channel
    bool hybrid_asymmetric_inputs = true;         // FULLY_CONNECTED quantizes its input asymmetrically
    bool hybrid_conv = true;                      // CONV_2D and DEPTHWISE_CONV_2D too
    std::vector<std::string> dynamic_exclude;     // op types (CONV_2D) or tensor names left float
    bool float16_quantization = false;            // FLOAT16 constants + DEQUANTIZE
    bool group_tensors = false;                   // identical constants stored once
  } weights;
  // Receives warnings (plugin refusals are the registry's); default: stderr.
  std::function<void(const std::string&)> warn;
};

struct ConvertStats {
  size_t operators = 0;
  size_t tensors = 0;
  std::map<std::string, size_t> op_histogram;  // TFLite op name -> count
  std::map<std::string, int> pass_counters;    // "sink_transposes.cancelled" -> n
};

// Converts; throws litecast::Error (naming the file, node or option) on any failure.
Model convert(const std::string& torchscript_path, const ConvertOptions& options, const PluginRegistry& plugins,
              ConvertStats* stats = nullptr);

// A model input or output as `litecast export-debug` describes it.
struct IoSpec {
  std::string name;
  std::vector<int64_t> shape;  // PyTorch's (NCHW) shape
  std::string dtype;           // "float32", "int64", ...
  bool transposed = false;     // the .tflite holds it NHWC
};
struct ModelIo {
  std::vector<IoSpec> inputs;
  std::vector<IoSpec> outputs;
};
// Inputs and outputs of a TorchScript model under `options` (shapes from one recording run).
ModelIo describe_io(const std::string& torchscript_path, const ConvertOptions& options);
// The same, and writes the example inputs of that run to `example_output` as a torch.save file
// (a tuple of tensors) that `example_input` reads back: options.example_input's tensors, else
// seeded random floats and zero integers of the given shapes.
ModelIo describe_io(const std::string& torchscript_path, const ConvertOptions& options,
                    const std::string& example_output);

// The frozen, inlined, simplified TorchScript graph as text (for --dump-graph).
std::string dump_graph(const std::string& torchscript_path);

// "1,3,224,224" -> {1,3,224,224}; throws litecast::Error naming `what` on bad text.
std::vector<int64_t> parse_shape(const std::string& text, const std::string& what);

}  // namespace litecast

#endif  // LITECAST_CONVERT_HPP
