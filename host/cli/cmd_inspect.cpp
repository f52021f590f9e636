// `litecast inspect model.tflite`: inputs/outputs with shape, dtype and quantization, the
// operator histogram, tensor and buffer sizes.
#include "cli.hpp"

#include <litecast/tflite_model.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <map>

namespace litecast::cli {

namespace {

nlohmann::json tensor_json(const Model& m, int32_t index) {
  const Tensor& t = m.tensors[static_cast<size_t>(index)];
  nlohmann::json j = {{"index", index}, {"name", t.name}, {"dtype", tensor_type_name(t.type)}, {"shape", t.shape}};
  if (!t.quant.empty())
    j["quantization"] = {
        {"scales", t.quant.scales}, {"zero_points", t.quant.zero_points}, {"quantized_axis", t.quant.quantized_axis}};
  return j;
}

std::string tensor_line(const Model& m, int32_t index) {
  const Tensor& t = m.tensors[static_cast<size_t>(index)];
  std::string s = fmt::format("{:<24} {:<8} [{}]", t.name, tensor_type_name(t.type), fmt::join(t.shape, ","));
  if (t.quant.scales.size() == 1)
    s += fmt::format("  scale={:g} zero_point={}", t.quant.scales[0], t.quant.zero_points.at(0));
  else if (!t.quant.empty())
    s += fmt::format("  per-channel ({} scales, axis {})", t.quant.scales.size(), t.quant.quantized_axis);
  return s;
}

std::string human_bytes(uint64_t b) {
  if (b < 10 * 1024) return fmt::format("{} B", b);
  if (b < 10 * 1024 * 1024) return fmt::format("{:.1f} KiB", static_cast<double>(b) / 1024);
  return fmt::format("{:.1f} MiB", static_cast<double>(b) / (1024 * 1024));
}

}  // namespace

int cmd_inspect(const std::vector<std::string>& args) {
  std::string path;
  bool json = false;
  if (!parse_model_and_json("inspect", args, path, json)) return kExitOk;

  // Weights are never read: the file is mapped and only sizes are taken.
  Model m = read_tflite_file(path, ReadOptions{false});
  std::map<std::string, size_t> histogram;
  for (const Operator& op : m.operators)
    histogram[op.builtin_code == 32 ? "CUSTOM:" + op.custom_code : builtin_name(op.builtin_code)]++;
  size_t constant_tensors = 0;
  uint64_t buffer_bytes = 0;
  for (const Tensor& t : m.tensors)
    if (m.buffer_bytes[t.buffer] != 0) ++constant_tensors;
  for (uint64_t b : m.buffer_bytes) buffer_bytes += b;
  uint64_t activation_bytes = 0;
  for (const Tensor& t : m.tensors) {
    if (m.buffer_bytes[t.buffer] != 0) continue;
    uint64_t n = element_size(t.type);
    for (int32_t d : t.shape) n *= static_cast<uint64_t>(d);
    activation_bytes += n;
  }
  uint64_t file_bytes = std::filesystem::file_size(path);

  if (json) {
    nlohmann::json j;
    j["file"] = path;
    j["file_bytes"] = file_bytes;
    j["description"] = m.description;
    j["inputs"] = nlohmann::json::array();
    for (int32_t i : m.inputs) j["inputs"].push_back(tensor_json(m, i));
    j["outputs"] = nlohmann::json::array();
    for (int32_t i : m.outputs) j["outputs"].push_back(tensor_json(m, i));
    j["operators"] = m.operators.size();
    j["operator_histogram"] = histogram;
    j["tensors"] = m.tensors.size();
    j["constant_tensors"] = constant_tensors;
    j["buffers"] = m.buffers.size();
    j["buffer_bytes"] = buffer_bytes;
    j["large_model_layout"] = m.external_data;
    j["activation_bytes"] = activation_bytes;
    // Variable tensors: the fused recurrent ops' states (docs/rnn.md, `litecast lstm-states`).
    j["variables"] = nlohmann::json::array();
    for (size_t t = 0; t < m.tensors.size(); ++t)
      if (m.tensors[t].is_variable) j["variables"].push_back(tensor_json(m, static_cast<int32_t>(t)));
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << fmt::format("{}: {} ({})\n", path, human_bytes(file_bytes), m.description);
  std::cout << "inputs:\n";
  for (int32_t i : m.inputs) std::cout << "  " << tensor_line(m, i) << "\n";
  std::cout << "outputs:\n";
  for (int32_t i : m.outputs) std::cout << "  " << tensor_line(m, i) << "\n";
  std::cout << fmt::format("operators: {}\n", m.operators.size());
  for (const auto& [name, n] : histogram) std::cout << fmt::format("  {:<28} {:>5}\n", name, n);
  std::cout << fmt::format("tensors: {} ({} constant), buffers: {} holding {}, activations: {} in all\n",
                           m.tensors.size(), constant_tensors, m.buffers.size(), human_bytes(buffer_bytes),
                           human_bytes(activation_bytes));
  if (m.external_data) std::cout << "weights: after the flatbuffer (TFLite's large-model layout)\n";
  size_t variables = 0;
  for (const Tensor& t : m.tensors) variables += t.is_variable ? 1 : 0;
  if (variables) {
    std::cout << fmt::format("state variables: {} (litecast lstm-states gives their roles)\n", variables);
    for (size_t t = 0; t < m.tensors.size(); ++t)
      if (m.tensors[t].is_variable)
        std::cout << fmt::format("  {:>5}  {}\n", t, tensor_line(m, static_cast<int32_t>(t)));
  }
  return kExitOk;
}

}  // namespace litecast::cli
