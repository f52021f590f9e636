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
  // Fill QuantizeStats::layers (a second pass over the calibration data).
  bool report = false;
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
    std::string tensor;  // the TorchScript value
    std::string op;      // "aten::relu"
    double lo = 0, hi = 0;
    double sqnr_db = 0;  // 10 log10(signal power / error power)
    double cosine = 0;
  };
  std::vector<Layer> layers;
};

// Quantizes; throws litecast::Error (naming the file, tensor or plugin) on any failure.
Model quantize(const std::string& torchscript_path, const QuantizeOptions& options, const PluginRegistry& plugins,
               QuantizeStats* stats = nullptr);

}  // namespace litecast

#endif  // LITECAST_QUANTIZE_HPP
