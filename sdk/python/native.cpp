// litecast._native: the engine in the Python process. Built like torch's own C++ extensions
// (torch's bundled pybind11 and its type casters from libtorch_python), so a Python
// torch.jit.ScriptModule arrives here as the torch::jit::Module it wraps and tensors as
// at::Tensor: no save/load round trip. The Python side (litecast/_convert.py) validates the
// user's options and traces nn.Modules; this file maps them onto ConvertOptions.
#include <litecast/convert.hpp>
#include <litecast/convert_module.hpp>
#include <litecast/error.hpp>
#include <litecast/plugins.hpp>
#include <litecast/tflite_model.hpp>

#include <torch/csrc/jit/python/module_python.h>
#include <torch/csrc/utils/pybind.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace py = pybind11;

namespace {

// One registry per set of plugin directories, loaded once per process: plugins stay loaded
// while anything may call them (architecture: never unloaded while referenced).
const litecast::PluginRegistry& registry(const std::vector<std::string>& dirs) {
  static std::mutex mutex;
  static std::map<std::vector<std::string>, std::unique_ptr<litecast::PluginRegistry>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = cache[dirs];
  if (!slot) {
    auto reg = std::make_unique<litecast::PluginRegistry>();
    reg->load_default(dirs, /*include_default=*/false);
    slot = std::move(reg);
  }
  return *slot;
}

template <typename T>
T take(py::dict& d, const char* key, T fallback) {
  if (!d.contains(key)) return fallback;
  T v = d[key].cast<T>();
  PyDict_DelItemString(d.ptr(), key);
  return v;
}

// `options`: the Python side's dict, keys as ConvertOptions' fields (TinyNeuralNetwork's
// names); plugin switches under "plugin_options". Every key must be consumed.
litecast::ConvertOptions convert_options(py::dict d, std::vector<std::string>& warnings) {
  litecast::ConvertOptions o;
  o.nchw_transpose = take<bool>(d, "nchw_transpose", true);
  o.input_transpose = take<std::vector<std::optional<bool>>>(d, "input_transpose", {});
  o.output_transpose = take<std::vector<std::optional<bool>>>(d, "output_transpose", {});
  o.optimize = take<int>(d, "optimize", 3);
  o.disabled_passes = take<std::vector<std::string>>(d, "disabled_passes", {});
  o.options = take<std::map<std::string, std::string>>(d, "plugin_options", {});
  auto& w = o.weights;
  w.hybrid_quantization_from_float = take<bool>(d, "hybrid_quantization_from_float", false);
  w.hybrid_per_channel = take<bool>(d, "hybrid_per_channel", false);
  w.hybrid_asymmetric_inputs = take<bool>(d, "hybrid_asymmetric_inputs", true);
  w.hybrid_conv = take<bool>(d, "hybrid_conv", true);
  w.dynamic_exclude = take<std::vector<std::string>>(d, "dynamic_exclude", {});
  w.float16_quantization = take<bool>(d, "float16_quantization", false);
  w.group_tensors = take<bool>(d, "group_tensors", false);
  if (!d.empty()) throw litecast::Error("internal: unmapped option " + py::str(d.begin()->first).cast<std::string>());
  o.warn = [&warnings](const std::string& m) { warnings.push_back(m); };
  return o;
}

py::dict stats_dict(const litecast::ConvertStats& s, const std::vector<std::string>& warnings) {
  py::dict out;
  out["operators"] = s.operators;
  out["tensors"] = s.tensors;
  out["operator_histogram"] = s.op_histogram;
  out["passes"] = s.pass_counters;
  out["warnings"] = warnings;
  return out;
}

// module: a torch.jit.ScriptModule; inputs: its example tensors; writes `output`.
py::dict convert(py::object module, const std::vector<at::Tensor>& inputs, const std::string& output, py::dict options,
                 const std::vector<std::string>& plugin_dirs, const std::string& name) {
  std::optional<torch::jit::Module> m = torch::jit::as_module(module);
  if (!m) throw litecast::Error(name + ": not a torch.jit.ScriptModule");
  std::vector<std::string> warnings;
  litecast::ConvertOptions o = convert_options(std::move(options), warnings);
  const litecast::PluginRegistry& reg = registry(plugin_dirs);
  litecast::ConvertStats stats;
  {
    // The conversion touches no Python object: other Python threads may run meanwhile.
    py::gil_scoped_release release;
    litecast::Model model = litecast::convert(*m, inputs, o, reg, &stats, name);
    litecast::write_tflite_file(model, output);
  }
  return stats_dict(stats, warnings);
}

py::list plugins(const std::vector<std::string>& plugin_dirs) {
  py::list out;
  for (const litecast::PluginInfo& p : registry(plugin_dirs).plugins()) {
    py::dict d;
    d["id"] = p.id;
    d["version"] = p.version;
    d["abi"] = std::to_string(p.abi_major) + "." + std::to_string(p.abi_minor);
    d["path"] = p.path;
    d["description"] = p.description;
    d["translators"] = p.translators;
    d["interfaces"] = p.interfaces;
    out.append(d);
  }
  return out;
}

}  // namespace

PYBIND11_MODULE(_native, m) {
  m.doc() = "litecast's engine, in process (use the litecast package, not this module)";
  // litecast::Error carries the complete one-line message; the Python side re-raises it as
  // litecast.ConversionError without the C++ origin.
  static py::exception<litecast::Error> engine_error(m, "EngineError");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const litecast::Error& e) {
      py::set_error(engine_error, e.what());
    }
  });
  m.def("convert", &convert, py::arg("module"), py::arg("inputs"), py::arg("output"), py::arg("options"),
        py::arg("plugin_dirs"), py::arg("name"));
  m.def("plugins", &plugins, py::arg("plugin_dirs"));
}
