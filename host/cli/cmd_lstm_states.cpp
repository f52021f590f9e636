// `litecast lstm-states model.tflite [--json]`: the variable tensors holding the states of the
// fused recurrent ops (UNIDIRECTIONAL/BIDIRECTIONAL_SEQUENCE_LSTM, UNIDIRECTIONAL_SEQUENCE_RNN),
// in operator order, with the role each plays. Streaming callers read and write them with the
// interpreter's get_tensor/set_tensor by these indices (TinyNeuralNetwork's parse_lstm_states).
#include "cli.hpp"

#include <litecast/tflite_model.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <set>

namespace litecast::cli {

namespace {

// The name TFLite's kernels give state input `k` of `op`.
std::string state_role(const std::string& op, size_t k) {
  if (op == "UNIDIRECTIONAL_SEQUENCE_LSTM" || op == "LSTM") {
    if (k == 18) return "output_state";
    if (k == 19) return "cell_state";
  } else if (op == "BIDIRECTIONAL_SEQUENCE_LSTM") {
    if (k == 35) return "fw_output_state";
    if (k == 36) return "fw_cell_state";
    if (k == 37) return "bw_output_state";
    if (k == 38) return "bw_cell_state";
  } else if (op == "UNIDIRECTIONAL_SEQUENCE_RNN" || op == "RNN") {
    if (k == 4) return "hidden_state";
  }
  return fmt::format("input {}", k);
}

}  // namespace

int cmd_lstm_states(const std::vector<std::string>& args) {
  std::string path;
  bool json = false;
  if (!parse_model_and_json("lstm-states", args, path, json)) return kExitOk;

  Model m = read_tflite_file(path);
  nlohmann::json states = nlohmann::json::array();
  std::set<int32_t> seen;
  auto add = [&](int32_t t, int64_t op_index, const std::string& op, const std::string& role) {
    const Tensor& x = m.tensors[static_cast<size_t>(t)];
    states.push_back({{"index", t},
                      {"name", x.name},
                      {"dtype", tensor_type_name(x.type)},
                      {"shape", x.shape},
                      {"operator", op_index},
                      {"op", op},
                      {"role", role}});
    seen.insert(t);
  };
  for (size_t i = 0; i < m.operators.size(); ++i) {
    const Operator& op = m.operators[i];
    const std::string name = builtin_name(op.builtin_code);
    for (size_t k = 0; k < op.inputs.size(); ++k) {
      int32_t t = op.inputs[k];
      if (t >= 0 && m.tensors[static_cast<size_t>(t)].is_variable && !seen.count(t))
        add(t, static_cast<int64_t>(i), name, state_role(name, k));
    }
  }
  for (size_t t = 0; t < m.tensors.size(); ++t)  // variables no operator reads, if any
    if (m.tensors[t].is_variable && !seen.count(static_cast<int32_t>(t))) add(static_cast<int32_t>(t), -1, "", "");

  if (json) {
    std::cout << states.dump(1) << "\n";
    return kExitOk;
  }
  if (states.empty()) {
    std::cout << "no state variables (no fused LSTM/RNN op, or converted with --unroll-rnn)\n";
    return kExitOk;
  }
  std::cout << fmt::format("{:>6}  {:<16} {:<12} {:<34} {}\n", "index", "role", "shape", "operator", "name");
  for (const auto& s : states)
    std::cout << fmt::format(
        "{:>6}  {:<16} {:<12} {:<34} {}\n", s["index"].get<int32_t>(), s["role"].get<std::string>(),
        fmt::format("[{}]", fmt::join(s["shape"].get<std::vector<int32_t>>(), ",")),
        fmt::format("#{} {}", s["operator"].get<int64_t>(), s["op"].get<std::string>()), s["name"].get<std::string>());
  return kExitOk;
}

}  // namespace litecast::cli
