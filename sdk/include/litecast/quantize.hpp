// Post-training quantization: a float TorchScript model and calibration data -> an int8 TFLite
// model. The C++ API behind `litecast quantize` (docs/quantization.md).
#ifndef LITECAST_QUANTIZE_HPP
#define LITECAST_QUANTIZE_HPP

#include <litecast/convert.hpp>
#include <litecast/plugins.hpp>
#include <litecast/tflite_model.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace litecast {

// The mixed-precision config (`--config quant.yaml`), by TinyNeuralNetwork's concepts:
//   algorithm: l2                  # the default range algorithm
//   quantize_op_action:            # per TorchScript op kind: disable (stays float) or rewrite
//     aten::lstm: disable          #   (LSTM/GRU/RNN: unrolled into ops with int8 kernels)
//   layers:                        # per layer, by PyTorch module name
//     features.3: {skip: true}     #   stays float between DEQUANTIZE and QUANTIZE
//     classifier.1: {algorithm: kl, dtype: int16}   # 16x8 kernels between int8 layers
struct QuantizeLayerConfig {
  bool skip = false;
  std::string algorithm;  // "": the default
  std::string dtype;      // "": the model's (QuantizeOptions::activations); else int8 or int16
  int line = 0;           // where it was given (0: not from a file)
};
struct QuantizeConfig {
  std::string source;                             // the file it was read from, for messages
  std::string algorithm;                          // "": QuantizeOptions::algorithm
  std::map<std::string, std::string> op_actions;  // "aten::lstm" -> "disable" | "rewrite"
  std::map<std::string, int> op_action_lines;
  std::map<std::string, QuantizeLayerConfig> layers;  // module name -> settings
};
// Strict: unknown keys, keys given twice and values of the wrong kind are errors naming the file,
// line and key. (Layer names are checked against the model by quantize().)
QuantizeConfig parse_quantize_config(const std::string& yaml_text, const std::string& origin);
QuantizeConfig load_quantize_config(const std::string& path);

struct QuantizeStats;
// The full config after a run: the default algorithm, the op actions, and every quantizable layer
// with its settings (a comment gives its op and, with a report, its SQNR), so that users edit
// and rerun. Written through a unique temporary file renamed onto `path`.
void write_quantize_config(const QuantizeConfig& config, const QuantizeStats& stats, const std::string& path);

struct QuantizeOptions {
  // Input shapes (optional: the calibration data gives them), layout and converter options;
  // options.options carries quantize_target_type, fuse_quant_dequant, quantize_input_output_type
  // and, for the algorithms, "percentile".
  ConvertOptions convert;
  // A .npy/.npz/.pt/.png/.jpg file or a directory of them.
  std::string calibration_data;
  size_t calibration_samples = 0;  // 0: all
  // Images: resized to image_size {H, W} (empty: the input shape's, else the first image's),
  // scaled to [0, 1], then (x - mean) / std per channel (one value or one per channel).
  std::vector<int64_t> image_size;
  std::vector<double> image_mean, image_std;
  // A "litecast.ptq-algorithm/1" implementation by name: minmax, percentile, l2, kl, or a plugin's.
  std::string algorithm = "l2";
  // Weights of CONV_2D / DEPTHWISE_CONV_2D: one scale per output channel (default) or per tensor
  // (always with the uint8 target type: its kernels take per-tensor weights only).
  bool per_tensor = false;
  // "int8", or "int16": TFLite's 16x8 mode (int16 activations with zero point 0, int8 weights,
  // int64 biases) for the ops LiteRT has int16 kernels for; the others stay float.
  std::string activations = "int8";
  // Fill QuantizeStats::layers (a second pass over the calibration data).
  bool report = false;
  // Mixed precision: per-layer and per-op-type settings (empty: every layer as the options say).
  QuantizeConfig config;
  // TinyNeuralNetwork's quantized_input_stats: per model input, (mean, std) of the normalisation
  // normalized = (raw - mean) / std the model expects; with fuse_quant_dequant the input is then
  // the raw integer data (scale 1/std, zero point mean in uint8). Empty: calibrated input ranges.
  std::vector<std::pair<double, double>> input_stats;
  // Called after every calibration batch: (batches done, batches in all).
  std::function<void(size_t, size_t)> progress;
};

struct QuantizeStats {
  size_t samples = 0;              // calibration samples used
  size_t dropped_samples = 0;      // fewer than a batch, left over
  size_t observed_tensors = 0;     // activations given a range by the algorithm
  double calibration_seconds = 0;  // the LibTorch runs and the algorithm's observation
  size_t operators = 0;
  size_t tensors = 0;
  std::map<std::string, size_t> op_histogram;  // TFLite op name -> count
  // Operators that stay float (no int8 kernel, or no range for their tensors), by op name.
  std::map<std::string, size_t> float_ops;
  std::vector<std::string> messages;  // what the algorithm said (fallbacks), one per line
  // With QuantizeOptions::report: per observed activation, the error of its int8 quantization
  // alone (the value quantized with its range and dequantized, against the float value, over
  // the calibration data; not accumulated through the int8 layers before it), worst first.
  struct Layer {
    std::string module;  // PyTorch module path of the op computing it ("features.3.conv.0"), or ""
    std::string layer;   // the config's name for its layer ("" for a model input)
    std::string tensor;  // the TorchScript value
    std::string op;      // "aten::relu"
    double lo = 0, hi = 0;
    double sqnr_db = 0;  // 10 log10(signal power / error power)
    double cosine = 0;
    std::string tflite_tensor;  // the tensor of the .tflite that holds it, with the quantization above
  };
  std::vector<Layer> layers;
  // Every quantizable layer (module name, or the TorchScript value for ops outside any module)
  // with the settings it was quantized with: what write_quantize_config lists.
  struct ConfigLayer {
    std::string name;
    std::string op;  // the TorchScript op kind computing it
    QuantizeLayerConfig settings;
    bool from_op_action = false;  // skipped by quantize_op_action
  };
  std::vector<ConfigLayer> config_layers;
  std::string algorithm;  // the default algorithm used
};

// Quantizes; throws litecast::Error (naming the file, tensor or plugin) on any failure.
Model quantize(const std::string& torchscript_path, const QuantizeOptions& options, const PluginRegistry& plugins,
               QuantizeStats* stats = nullptr);

}  // namespace litecast

#endif  // LITECAST_QUANTIZE_HPP
