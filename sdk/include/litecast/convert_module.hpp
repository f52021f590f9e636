// TorchScript module in memory -> TFLite: the entry point of the Python package, which hands over
// the user's traced or scripted model without saving it. Unlike the rest of the SDK's C++ API,
// this header needs LibTorch's headers (the same LibTorch the engine was built with).
#ifndef LITECAST_CONVERT_MODULE_HPP
#define LITECAST_CONVERT_MODULE_HPP

#include <litecast/convert.hpp>

#include <torch/script.h>

#include <string>
#include <vector>

namespace litecast {

// convert() for a module already in this process, with its example inputs as tensors (one per
// input: shapes, dtypes, quantization and the values of the recording run, as
// ConvertOptions::example_input gives them from a file; that field must stay empty). The module
// is cloned, so the caller's is not modified. `name` stands for the file in error messages.
// Throws litecast::Error.
Model convert(const torch::jit::Module& module, const std::vector<at::Tensor>& example_inputs,
              const ConvertOptions& options, const PluginRegistry& plugins, ConvertStats* stats = nullptr,
              const std::string& name = "model");

}  // namespace litecast

#endif  // LITECAST_CONVERT_MODULE_HPP
