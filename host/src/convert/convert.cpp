#include <litecast/convert.hpp>
#include <litecast/convert_module.hpp>
#include <litecast/error.hpp>

#include "convert/float_graph.hpp"
#include "convert/translation.hpp"
#include "graph/control_flow.hpp"
#include "graph/example_file.hpp"
#include "graph/torchscript_import.hpp"
#include "graph/value_records.hpp"
#include "passes/pipeline.hpp"
#include "passes/quantize.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace litecast {

namespace {

// Canonical names first: dtype_name() reports the first match.
const std::vector<std::pair<std::string, at::ScalarType>>& dtype_names() {
  static const std::vector<std::pair<std::string, at::ScalarType>> names = {
      {"float32", at::kFloat}, {"float64", at::kDouble}, {"float16", at::kHalf}, {"int64", at::kLong},
      {"int32", at::kInt},     {"int16", at::kShort},    {"int8", at::kChar},    {"uint8", at::kByte},
      {"bool", at::kBool},     {"quint8", at::kQUInt8},  {"qint8", at::kQInt8},  {"float", at::kFloat},
      {"long", at::kLong},     {"int", at::kInt}};
  return names;
}

at::ScalarType parse_dtype(const std::string& s, size_t index) {
  const auto& names = dtype_names();
  auto it = std::find_if(names.begin(), names.end(), [&](const auto& p) { return p.first == s; });
  if (it == names.end())
    throw Error(
        fmt::format("--input-dtype {} (input {}): unknown type; use float32, float64, float16, int64, int32, "
                    "int16, int8, uint8 or bool (quantized inputs: --example-input)",
                    s, index));
  return it->second;
}

std::string dtype_name(at::ScalarType t) {
  for (const auto& [name, type] : dtype_names())
    if (type == t) return name;
  return c10::toString(t);
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s;
  for (int64_t d : shape) s += (s.empty() ? "" : ",") + std::to_string(d);
  return s;
}

// Shapes and dtypes of the inputs, and their values when --example-input gives them.
struct Examples {
  std::vector<graph::ExampleInput> inputs;
  std::vector<at::Tensor> values;
};

// Example tensors (--example-input's, or handed over in memory; `file` names them in errors);
// --input-shape and --input-dtype, when also given, must agree.
Examples from_example_values(const graph::ImportedGraph& g, const ConvertOptions& o, const std::string& names,
                             std::vector<at::Tensor> values, const std::string& file) {
  Examples ex;
  ex.values = std::move(values);
  if (ex.values.size() != g.inputs.size())
    throw Error(fmt::format(
        "{}: holds {} tensor{} for a model with {} input{} ({}); give one tensor per input, in order", file,
        ex.values.size(), ex.values.size() == 1 ? "" : "s", g.inputs.size(), g.inputs.size() == 1 ? "" : "s", names));
  if (!o.input_shapes.empty() && o.input_shapes.size() != g.inputs.size())
    throw Error(fmt::format("{} --input-shape given with --example-input {} for {} input{}", o.input_shapes.size(),
                            file, g.inputs.size(), g.inputs.size() == 1 ? "" : "s"));
  if (!o.input_dtypes.empty() && o.input_dtypes.size() != g.inputs.size())
    throw Error(fmt::format("{} --input-dtype given with --example-input {} for {} input{}", o.input_dtypes.size(),
                            file, g.inputs.size(), g.inputs.size() == 1 ? "" : "s"));
  for (size_t i = 0; i < ex.values.size(); ++i) {
    const at::Tensor& t = ex.values[i];
    if (!o.input_shapes.empty() && o.input_shapes[i] != t.sizes().vec())
      throw Error(
          fmt::format("--input-shape {} (input {}) disagrees with --example-input {}, whose tensor has shape {}; "
                      "give one or the other",
                      shape_text(o.input_shapes[i]), i, file, shape_text(t.sizes().vec())));
    if (!o.input_dtypes.empty() && parse_dtype(o.input_dtypes[i], i) != t.scalar_type())
      throw Error(
          fmt::format("--input-dtype {} (input {}) disagrees with --example-input {}, whose tensor is {}; "
                      "give one or the other",
                      o.input_dtypes[i], i, file, dtype_name(t.scalar_type())));
    ex.inputs.push_back({t.sizes().vec(), t.scalar_type()});
  }
  return ex;
}

std::string input_names(const graph::ImportedGraph& g, const std::string& path) {
  std::string names;
  for (const auto* v : g.inputs) names += (names.empty() ? "" : ", ") + v->debugName();
  for (size_t i = 0; i < g.inputs.size(); ++i)
    if (g.inputs[i]->type()->kind() != c10::TypeKind::TensorType)
      throw Error(fmt::format("{}: input {} ('{}') is a {}, not a tensor; only tensor inputs are supported", path, i,
                              g.inputs[i]->debugName(), g.inputs[i]->type()->str()));
  return names;
}

Examples example_inputs(const graph::ImportedGraph& g, const ConvertOptions& o, const std::string& path) {
  const std::string names = input_names(g, path);
  if (!o.example_input.empty())
    return from_example_values(g, o, names, graph::load_example_file(o.example_input), o.example_input);
  if (o.input_shapes.size() != g.inputs.size()) {
    throw Error(
        fmt::format("{}: the model has {} input{} ({}) and {} --input-shape {} given; pass one "
                    "--input-shape per input, e.g. --input-shape 1,3,224,224 (or --example-input FILE)",
                    path, g.inputs.size(), g.inputs.size() == 1 ? "" : "s", names, o.input_shapes.size(),
                    o.input_shapes.size() == 1 ? "was" : "were"));
  }
  if (!o.input_dtypes.empty() && o.input_dtypes.size() != g.inputs.size())
    throw Error(fmt::format("{}: {} --input-dtype given for {} inputs", path, o.input_dtypes.size(), g.inputs.size()));
  Examples ex;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const at::ScalarType t = o.input_dtypes.empty() ? at::kFloat : parse_dtype(o.input_dtypes[i], i);
    if (c10::isQIntType(t))
      throw Error(fmt::format(
          "--input-dtype {} (input {}): a quantized input needs its scale and zero point; give an example tensor "
          "with --example-input FILE (written by torch.save) instead",
          o.input_dtypes[i], i));
    ex.inputs.push_back({o.input_shapes[i], t});
  }
  return ex;
}

// Phase timings on stderr when LITECAST_TIMING is set: where a conversion's time and memory
// go (resident and peak resident set after each phase, from /proc/self/status).
class PhaseTimer {
 public:
  PhaseTimer() : on_(std::getenv("LITECAST_TIMING") != nullptr), last_(std::chrono::steady_clock::now()) {}
  void mark(const char* phase) {
    if (!on_) return;
    auto now = std::chrono::steady_clock::now();
    std::fprintf(stderr, "timing: %-10s %7.1f ms   rss %6.0f MiB   peak %6.0f MiB\n", phase,
                 std::chrono::duration<double, std::milli>(now - last_).count(), status_mib("VmRSS:"),
                 status_mib("VmHWM:"));
    last_ = now;
  }

 private:
  static double status_mib(const char* key) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind(key, 0) == 0) return std::atof(line.c_str() + std::strlen(key)) / 1024.0;
    return 0;
  }
  bool on_;
  std::chrono::steady_clock::time_point last_;
};

// QAT graphs: their fake-quant nodes become QUANTIZE+DEQUANTIZE pairs to fold into int8 kernels.
bool has_fake_quant(const torch::jit::Graph& graph) {
  for (const torch::jit::Node* n : graph.nodes()) {
    std::string kind = n->kind().toQualString();
    if (kind.rfind("aten::fake_quantize_per_", 0) == 0) return true;
  }
  return false;
}

}  // namespace

std::vector<int64_t> parse_shape(const std::string& text, const std::string& what) {
  // An example input is allocated by LibTorch: refuse what no device converts before it tries.
  constexpr int64_t kMaxElements = int64_t{1} << 28;  // 1 GiB of float32
  std::vector<int64_t> out;
  std::stringstream ss(text);
  std::string part;
  int64_t elements = 1;
  while (std::getline(ss, part, ',')) {
    size_t used = 0;
    long long v = -1;
    try {
      v = std::stoll(part, &used);
    } catch (const std::out_of_range&) {
      throw Error(fmt::format("{} '{}': the dimension {} is too large", what, text, part));
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != part.size() || part.empty() || v <= 0)
      throw Error(fmt::format("{} '{}': expected positive integers separated by commas, e.g. 1,3,224,224", what, text));
    if (v > kMaxElements || elements > kMaxElements / v)
      throw Error(fmt::format("{} '{}': more than {} elements in one input (1 GiB of float32); use a smaller shape",
                              what, text, kMaxElements));
    elements *= v;
    out.push_back(v);
  }
  if (out.empty()) throw Error(fmt::format("{}: empty shape", what));
  return out;
}

namespace {

// The pipeline after import, shared by the file and the in-memory entry points.
Model convert_imported(graph::ImportedGraph& g, const Examples& ex, const std::string& path,
                       const ConvertOptions& options, const PluginRegistry& plugins, ConvertStats* stats,
                       PhaseTimer& timer) {
  const passes::QuantizedRewrites quantized = passes::quantized_rewrites(options.options, has_fake_quant(*g.graph));
  Model m;
  try {
    if (graph::resolve_control_flow(g, ex.inputs)) timer.mark("control");
    graph::ValueRecords records(*g.graph, g.inputs, ex.inputs, ex.values);
    timer.mark("record");
    Translation tr(g, records, plugins, options);
    m = tr.run();
    timer.mark("translate");
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", path, e.what()));
  }
  std::map<std::string, int> counters = passes::optimize(
      m, options.optimize, std::set<std::string>(options.disabled_passes.begin(), options.disabled_passes.end()));
  timer.mark("optimize");
  for (const auto& [k, v] : passes::run_quantized_rewrites(m, quantized)) counters[k] += v;
  timer.mark("quantize");
  for (const auto& [k, v] : passes::convert_weights(m, options.weights)) counters[k] += v;
  timer.mark("weights");
  if (stats) {
    stats->pass_counters = counters;
    stats->operators = m.operators.size();
    stats->tensors = m.tensors.size();
    for (const Operator& op : m.operators) stats->op_histogram[builtin_name(op.builtin_code)]++;
  }
  return m;
}

}  // namespace

Model convert(const std::string& path, const ConvertOptions& options, const PluginRegistry& plugins,
              ConvertStats* stats) {
  PhaseTimer timer;
  passes::check_weight_options(options.weights);
  graph::ImportedGraph g = graph::import_torchscript(path);
  timer.mark("import");
  const Examples ex = example_inputs(g, options, path);
  return convert_imported(g, ex, path, options, plugins, stats, timer);
}

Model convert(const torch::jit::Module& module, const std::vector<at::Tensor>& example_inputs,
              const ConvertOptions& options, const PluginRegistry& plugins, ConvertStats* stats,
              const std::string& name) {
  PhaseTimer timer;
  passes::check_weight_options(options.weights);
  if (!options.example_input.empty())
    throw Error(
        fmt::format("{}: example inputs are given in memory; ConvertOptions::example_input must be empty", name));
  std::vector<at::Tensor> values = graph::check_example_tensors(example_inputs, name + " example input");
  graph::ImportedGraph g = graph::import_module(module, name);
  timer.mark("import");
  const Examples ex = from_example_values(g, options, input_names(g, name), std::move(values), name + " example input");
  return convert_imported(g, ex, name, options, plugins, stats, timer);
}

ModelIo describe_io(const std::string& path, const ConvertOptions& options) {
  return describe_io(path, options, "");
}

ModelIo describe_io(const std::string& path, const ConvertOptions& options, const std::string& example_output) {
  graph::ImportedGraph g = graph::import_torchscript(path);
  Examples ex = example_inputs(g, options, path);
  if (!example_output.empty() && ex.values.empty()) {
    // What the recording run uses when it runs for real (graph/value_records.cpp).
    torch::manual_seed(0);
    for (const graph::ExampleInput& e : ex.inputs)
      ex.values.push_back(at::isFloatingType(e.dtype) ? torch::randn(e.shape, torch::dtype(e.dtype))
                                                      : torch::zeros(e.shape, torch::dtype(e.dtype)));
  }
  ModelIo io;
  try {
    graph::resolve_control_flow(g, ex.inputs);
    graph::ValueRecords records(*g.graph, g.inputs, ex.inputs, ex.values);
    auto spec = [&](const torch::jit::Value* v, size_t i, const std::vector<std::optional<bool>>& overrides) {
      const graph::ValueRecord& r = records.at(v);
      IoSpec io;
      io.name = v->debugName();
      if (r.tensor) {
        io.shape = r.tensor->shape;
        io.dtype = dtype_name(r.tensor->dtype);
      }
      io.transposed = io.shape.size() == 4 && options.nchw_transpose;
      if (i < overrides.size() && overrides[i]) io.transposed = *overrides[i];
      return io;
    };
    for (size_t i = 0; i < g.inputs.size(); ++i) io.inputs.push_back(spec(g.inputs[i], i, options.input_transpose));
    for (size_t i = 0; i < g.outputs.size(); ++i) io.outputs.push_back(spec(g.outputs[i], i, options.output_transpose));
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", path, e.what()));
  }
  if (!example_output.empty()) graph::save_example_file(ex.values, example_output);
  return io;
}

std::string dump_graph(const std::string& path) {
  graph::ImportedGraph g = graph::import_torchscript(path);
  return g.graph->toString();
}

}  // namespace litecast

namespace litecast {

FloatGraph convert_float_graph(const std::string& path, const ConvertOptions& options, const PluginRegistry& plugins,
                               const std::vector<at::Tensor>& example_values) {
  FloatGraph out;
  out.imported = graph::import_torchscript(path);
  graph::ImportedGraph& g = out.imported;
  if (example_values.size() != g.inputs.size())
    throw Error(fmt::format("{}: the model has {} input{} and the calibration data {} tensor{} per sample", path,
                            g.inputs.size(), g.inputs.size() == 1 ? "" : "s", example_values.size(),
                            example_values.size() == 1 ? "" : "s"));
  std::vector<graph::ExampleInput> inputs;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    if (g.inputs[i]->type()->kind() != c10::TypeKind::TensorType)
      throw Error(fmt::format("{}: input {} ('{}') is a {}, not a tensor; only tensor inputs are supported", path, i,
                              g.inputs[i]->debugName(), g.inputs[i]->type()->str()));
    inputs.push_back({example_values[i].sizes().vec(), example_values[i].scalar_type()});
  }
  try {
    graph::resolve_control_flow(g, inputs);
    graph::ValueRecords records(*g.graph, g.inputs, inputs, example_values);
    Translation tr(g, records, plugins, options);
    tr.keep_weights();  // calibration runs this graph afterwards
    out.model = tr.run();
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", path, e.what()));
  }
  return out;
}

}  // namespace litecast
