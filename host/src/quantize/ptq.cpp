// `litecast quantize`: post-training quantization. The float TFLite graph comes from the
// conversion pipeline (convert/float_graph.hpp); its activation tensors carry the names of the
// TorchScript values they hold. Calibration runs the frozen TorchScript graph in LibTorch, one
// batch at a time, with those values made extra graph outputs, and hands each to the selected
// "litecast.ptq-algorithm/1" plugin; the ranges it returns become the int8 quantization of the
// tensors, and the passes (insert_qdq, fold_qdq, drop_float_qdq) make int8 kernels.
#include <litecast/quantize.hpp>

#include <litecast/tflite_ops.h>
#include <litecast/error.hpp>

#include "convert/float_graph.hpp"
#include "graph/torch_message.hpp"
#include "passes/pipeline.hpp"
#include "passes/quantize.hpp"
#include "quantize/calibration_data.hpp"

#include <litecast_internal/call_context.hpp>

#include <torch/csrc/jit/runtime/interpreter.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <unordered_map>

namespace litecast {

namespace {

// `where` names what asked for it in messages ("--algorithm nope", "quant.yaml:3: layers.fc.algorithm").
const lc_ptq_algorithm_t* find_algorithm(const PluginRegistry& plugins, const std::string& name, std::string* plugin,
                                         const std::string& where = "") {
  const InterfaceEntry* e = plugins.find_interface(LC_PTQ_ALGORITHM_V1, name);
  if (!e) {
    std::vector<std::string> known;
    for (const InterfaceEntry* i : plugins.interfaces(LC_PTQ_ALGORITHM_V1)) known.push_back(i->name);
    throw Error(fmt::format("{}: no loaded plugin offers the PTQ algorithm '{}' (available: {})",
                            where.empty() ? "--algorithm " + name : where, name,
                            known.empty() ? std::string("none") : fmt::format("{}", fmt::join(known, ", "))));
  }
  const auto* a = static_cast<const lc_ptq_algorithm_t*>(e->impl);
  if (!LC_HAS_FIELD(a, lc_ptq_algorithm_t, destroy) || !a->create || !a->observe || !a->finalize || !a->destroy)
    throw Error(fmt::format("PTQ algorithm '{}' of plugin {} is incomplete", name, e->plugin));
  *plugin = e->plugin;
  return a;
}

// One observed tensor's algorithm state.
struct Observer {
  std::string name;   // TorchScript value = TFLite tensor name
  size_t output = 0;  // index among the calibration graph's outputs
  int64_t numel = 0;  // per batch, as the TFLite tensor has it
  void* state = nullptr;
};

class Calibration {
 public:
  Calibration(const lc_ptq_algorithm_t* a, std::string algorithm, std::string plugin,
              const std::map<std::string, std::string>& options, std::vector<std::string>* messages)
      : alg_(a), name_(std::move(algorithm)), plugin_(std::move(plugin)), options_(options), messages_(messages) {}
  ~Calibration() {
    for (Observer& o : observers_)
      if (o.state) alg_->destroy(o.state);
  }
  Calibration(const Calibration&) = delete;
  Calibration& operator=(const Calibration&) = delete;

  lc_ctx context(const std::string& tensor) {
    lc_ctx ctx;
    ctx.plugin = plugin_;
    ctx.option = [this](const char* key) -> const char* {
      auto it = options_.find(key ? key : "");
      return it == options_.end() ? nullptr : it->second.c_str();
    };
    ctx.log = [this, tensor](int32_t level, const std::string& msg) {
      if (level >= LC_LOG_INFO && messages_) messages_->push_back(fmt::format("{} ({}): {}", tensor, plugin_, msg));
    };
    return ctx;
  }

  void check(int32_t status, lc_ctx& ctx, const char* what, const std::string& tensor) {
    if (status == LC_OK) return;
    throw Error(fmt::format("PTQ algorithm '{}' ({}) failed to {} tensor {}: {}", name_, plugin_, what, tensor,
                            ctx.error.empty() ? "no reason given" : ctx.error));
  }

  void add(Observer o) {
    lc_ctx ctx = context(o.name);
    int32_t status = LC_ERROR;
    try {
      status = alg_->create(alg_->user, &ctx, internal::host_api(), 1, &o.state);
    } catch (...) {
      ctx.error = "threw a C++ exception across the ABI";
    }
    check(status, ctx, "create state for", o.name);
    observers_.push_back(std::move(o));
  }

  void observe(const std::vector<c10::IValue>& outputs) {
    for (Observer& o : observers_) {
      at::Tensor t = outputs.at(o.output).toTensor().to(at::kFloat).contiguous();
      if (!at::isfinite(t).all().item<bool>())
        throw Error(fmt::format("calibration: tensor {} holds NaN or infinity on a calibration batch", o.name));
      lc_ptq_batch_t b{};
      b.struct_size = sizeof b;
      b.tensor = o.name.c_str();
      b.data = t.data_ptr<float>();
      b.count = t.numel();
      b.channels = 1;
      b.channel_axis_stride = 0;
      lc_ctx ctx = context(o.name);
      int32_t status = LC_ERROR;
      try {
        status = alg_->observe(o.state, &ctx, internal::host_api(), &b);
      } catch (...) {
        ctx.error = "threw a C++ exception across the ABI";
      }
      check(status, ctx, "observe", o.name);
    }
  }

  // name -> [lo, hi]
  std::map<std::string, std::pair<double, double>> ranges(int32_t qmin, int32_t qmax) {
    std::map<std::string, std::pair<double, double>> out;
    for (Observer& o : observers_) {
      double lo = std::nan(""), hi = std::nan("");
      lc_ctx ctx = context(o.name);
      int32_t status = LC_ERROR;
      try {
        status = alg_->finalize(o.state, &ctx, internal::host_api(), qmin, qmax, &lo, &hi);
      } catch (...) {
        ctx.error = "threw a C++ exception across the ABI";
      }
      check(status, ctx, "finalize", o.name);
      if (!std::isfinite(lo) || !std::isfinite(hi) || lo > hi)
        throw Error(fmt::format("PTQ algorithm '{}' ({}) returned the range [{}, {}] for tensor {}: not a range", name_,
                                plugin_, lo, hi, o.name));
      out[o.name] = {lo, hi};
    }
    return out;
  }

  size_t size() const { return observers_.size(); }

 private:
  const lc_ptq_algorithm_t* alg_;
  std::string name_, plugin_;
  std::map<std::string, std::string> options_;
  std::vector<std::string>* messages_;
  std::vector<Observer> observers_;
};

// int8 quantization of [lo, hi]: the range widened to hold 0, zero point on the int8 grid.
Quantization int8_of(double lo, double hi) {
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  double scale = (hi - lo) / 255.0;
  if (!(scale > 1e-12)) scale = 1e-12;
  const double zp = std::clamp(std::nearbyint(-128.0 - lo / scale), -128.0, 127.0);
  Quantization q;
  q.scales = {static_cast<float>(scale)};
  q.zero_points = {static_cast<int64_t>(zp)};
  return q;
}

// int16 quantization (the 16x8 mode) of [lo, hi]: symmetric, zero point 0, as TFLite's int16
// kernels require.
Quantization int16_of(double lo, double hi) {
  double scale = std::max(std::fabs(lo), std::fabs(hi)) / 32767.0;
  if (!(scale > 1e-12)) scale = 1e-12;
  Quantization q;
  q.scales = {static_cast<float>(scale)};
  q.zero_points = {0};
  return q;
}

int64_t numel_of(const std::vector<int32_t>& shape) {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  return n;
}

// The PyTorch module path of the op computing a value ("features.3.conv.0"), "" outside modules.
std::string module_of(const torch::jit::Node* n) {
  std::string out;
  if (auto cs = n->callstack())
    for (const auto& entry : (*cs)->vec())
      if (const auto& info = std::get<2>(entry); info && !info->instance_name().empty())
        out += (out.empty() ? "" : ".") + info->instance_name();
  return out;
}

// Layers (what the config names): each observed value computed by an op belongs to the layer of
// its module, or, outside any module, to a layer of its own named after the value.
struct Layers {
  std::map<std::string, std::string> of_value;  // value -> layer
  std::vector<std::string> order;               // layers in graph order
  std::map<std::string, std::string> op;        // layer -> op kind of its first value
};

// The config against the model: every layer and op kind it names must exist; per-layer
// algorithms and skips resolved per value.
struct Plan {
  std::string default_algorithm;
  std::map<std::string, std::string> algorithm_of;      // value -> algorithm (when not the default)
  std::set<std::string> float_values;                   // values whose ops stay float
  std::set<std::string> other_type_values;              // values of layers whose dtype is not the model's
  std::map<std::string, QuantizeLayerConfig> settings;  // layer -> its settings
  std::set<std::string> by_op_action;                   // layers made float by quantize_op_action
};

Plan plan_of(const QuantizeConfig& c, const std::string& default_algorithm, const std::string& activations,
             const Layers& layers, const torch::jit::Graph& graph) {
  Plan p;
  p.default_algorithm = c.algorithm.empty() ? default_algorithm : c.algorithm;
  const std::string origin = c.source.empty() ? std::string("quantization config") : c.source;
  auto at = [&](int line) { return line > 0 ? fmt::format("{}:{}", origin, line) : origin; };
  std::set<std::string> kinds;
  for (const torch::jit::Node* n : graph.nodes()) kinds.insert(n->kind().toQualString());
  for (const auto& [kind, line] : c.op_action_lines)
    if (!kinds.count(kind))
      throw Error(fmt::format("{}: quantize_op_action.{}: the model has no {} op", at(line), kind, kind));
  for (const auto& [name, l] : c.layers) {
    if (!layers.op.count(name)) {
      std::string some;
      for (size_t i = 0; i < layers.order.size() && i < 4; ++i) some += (i ? ", " : "") + layers.order[i];
      throw Error(
          fmt::format("{}: layers.{}: no quantizable layer has this name (layers are named by PyTorch "
                      "module: {}{})",
                      at(l.line), name, some, layers.order.size() > 4 ? ", ..." : ""));
    }
  }
  for (const std::string& name : layers.order) {
    QuantizeLayerConfig l;
    if (auto it = c.layers.find(name); it != c.layers.end()) l = it->second;
    if (auto a = c.op_actions.find(layers.op.at(name)); a != c.op_actions.end() && !l.skip) {
      l.skip = true;
      p.by_op_action.insert(name);
    }
    p.settings[name] = l;
  }
  for (const auto& [value, layer] : layers.of_value) {
    const QuantizeLayerConfig& l = p.settings.at(layer);
    if (!l.algorithm.empty() && l.algorithm != p.default_algorithm) p.algorithm_of[value] = l.algorithm;
    if (l.skip) p.float_values.insert(value);
    if (!l.dtype.empty() && l.dtype != activations) p.other_type_values.insert(value);
  }
  return p;
}

// TFLite tensor name -> the TorchScript value it holds (up to layout), for the float
// activations of a translated model: tensors named after a value, and those connected to one
// through data-permuting ops. (A name can appear twice: a model output's NHWC twin keeps the
// value's name; both hold the value.)
std::map<std::string, std::string> value_aliases(const Model& m,
                                                 const std::unordered_map<std::string, torch::jit::Value*>& values) {
  std::map<std::string, int> uses;
  auto activation = [&](int32_t t) {
    if (t < 0) return false;
    const Tensor& x = m.tensors[static_cast<size_t>(t)];
    return x.type == LC_FLOAT32 && !(x.buffer != 0 && !m.buffers[x.buffer].empty());
  };
  for (size_t t = 0; t < m.tensors.size(); ++t)
    if (activation(static_cast<int32_t>(t))) uses[m.tensors[t].name]++;
  std::map<std::string, std::string> out;
  for (const auto& [name, n] : uses)
    if (values.count(name)) out[name] = name;
  for (bool changed = true; changed;) {
    changed = false;
    for (const Operator& op : m.operators) {
      const int32_t c = op.builtin_code;
      if (c != LC_OP_TRANSPOSE && c != LC_OP_RESHAPE && c != LC_OP_SQUEEZE && c != LC_OP_EXPAND_DIMS) continue;
      if (op.inputs.empty() || op.outputs.size() != 1) continue;
      const int32_t a = op.inputs[0], b = op.outputs[0];
      if (!activation(a) || !activation(b)) continue;
      const std::string &na = m.tensors[static_cast<size_t>(a)].name, &nb = m.tensors[static_cast<size_t>(b)].name;
      auto ia = out.find(na), ib = out.find(nb);
      if (ia != out.end() && ib == out.end()) {
        out[nb] = ia->second;
        changed = true;
      } else if (ib != out.end() && ia == out.end()) {
        out[na] = ib->second;
        changed = true;
      }
    }
  }
  return out;
}

}  // namespace

Model quantize(const std::string& path, const QuantizeOptions& options, const PluginRegistry& plugins,
               QuantizeStats* stats) {
  const auto qr = passes::quantized_rewrites(options.convert.options, false);
  if (options.activations != "int8" && options.activations != "int16")
    throw Error(fmt::format("--activations {}: expected int8 or int16", options.activations));
  const bool int16 = options.activations == "int16";
  if (int16 && qr.target_type != LC_INT8)
    throw Error(
        "--activations int16 (16x8: int16 activations, int8 weights) has no uint8 form; drop "
        "--quantize-target-type uint8");
  if (int16 && qr.fuse_io)
    throw Error("--activations int16 keeps float model inputs and outputs; --fuse-quant-dequant gives 8-bit ones");
  const int32_t qmin = int16 ? -32768 : -128, qmax = int16 ? 32767 : 127;
  auto quant_of = [int16](double lo, double hi) { return int16 ? int16_of(lo, hi) : int8_of(lo, hi); };
  {
    const QuantizeConfig& c = options.config;
    const std::string origin = c.source.empty() ? std::string("quantization config") : c.source;
    std::string plugin;
    if (c.algorithm.empty())
      find_algorithm(plugins, options.algorithm, &plugin);
    else
      find_algorithm(plugins, c.algorithm, &plugin, fmt::format("{}: algorithm", origin));
    for (const auto& [name, l] : c.layers)
      if (!l.algorithm.empty())
        find_algorithm(
            plugins, l.algorithm, &plugin,
            fmt::format("{}{}: layers.{}.algorithm", origin, l.line ? fmt::format(":{}", l.line) : "", name));
  }
  if (!options.convert.example_input.empty())
    throw Error("litecast quantize takes its inputs from --calibration-data; --example-input does not apply");

  // Input names first (for .npz), then the data (it may give the shapes).
  std::vector<std::string> input_names;
  {
    graph::ImportedGraph probe = graph::import_torchscript(path);
    for (const torch::jit::Value* v : probe.inputs) input_names.push_back(v->debugName());
  }
  if (!options.convert.input_shapes.empty() && options.convert.input_shapes.size() != input_names.size())
    throw Error(fmt::format("{}: the model has {} inputs and {} --input-shape were given", path, input_names.size(),
                            options.convert.input_shapes.size()));
  calibration::CalibrationSet data = calibration::load_calibration_data(
      options.calibration_data, input_names, options.convert.input_shapes, options.calibration_samples,
      calibration::ImageOptions{options.image_size, options.image_mean, options.image_std});
  if (!options.convert.input_dtypes.empty())
    throw Error("litecast quantize: the calibration data gives the input types; --input-dtype does not apply");

  FloatGraph fg = convert_float_graph(path, options.convert, plugins, data.batches.at(0));
  Model& m = fg.model;

  // The calibration graph: the frozen graph with every value that a float activation of the
  // TFLite model holds as an extra output.
  std::shared_ptr<torch::jit::Graph> cg = fg.imported.graph->copy();
  // Keyed by the original graph's names: values without a debug name print as their unique
  // number, which the copy does not keep. The copy has the same nodes in the same order.
  std::unordered_map<std::string, torch::jit::Value*> by_name;
  {
    const torch::jit::Graph& og = *fg.imported.graph;
    auto tensor = [](const torch::jit::Value* v) { return v->type()->kind() == c10::TypeKind::TensorType; };
    for (size_t i = 0; i < og.inputs().size(); ++i)
      if (tensor(og.inputs()[i])) by_name[og.inputs()[i]->debugName()] = cg->inputs()[i];
    auto on = og.nodes().begin();
    auto cn = cg->nodes().begin();
    for (; on != og.nodes().end() && cn != cg->nodes().end(); ++on, ++cn)
      for (size_t i = 0; i < on->outputs().size() && i < cn->outputs().size(); ++i)
        if (tensor(on->outputs()[i])) by_name[on->outputs()[i]->debugName()] = cn->outputs()[i];
  }
  // Tensors named after a value hold it; so do the tensors a layout op (TRANSPOSE, RESHAPE, ...)
  // connects them to, which the layout pass may later keep instead (NHWC twins of NCHW values).
  const std::map<std::string, std::string> holds = value_aliases(m, by_name);
  std::map<std::string, int> counters = passes::optimize(
      m, options.convert.optimize,
      std::set<std::string>(options.convert.disabled_passes.begin(), options.convert.disabled_passes.end()));

  const size_t graph_outputs = cg->outputs().size();
  std::vector<Observer> observers;
  std::map<std::string, std::vector<std::string>> tensors_of;  // value -> TFLite tensors holding it
  {
    std::map<std::string, size_t> index;  // value -> observer
    for (size_t t = 0; t < m.tensors.size(); ++t) {
      const Tensor& x = m.tensors[t];
      const bool constant = x.buffer != 0 && !m.buffers[x.buffer].empty();
      if (x.type != LC_FLOAT32 || constant) continue;
      // The layout pass names the NHWC tensors it makes "<tensor>/nhwc".
      std::string base = x.name;
      while (base.size() > 5 && base.compare(base.size() - 5, 5, "/nhwc") == 0 && !holds.count(base))
        base.resize(base.size() - 5);
      auto a = holds.find(base);
      if (a == holds.end()) continue;
      const std::string& value = a->second;
      if (!index.count(value)) {
        Observer o;
        o.name = value;
        o.numel = numel_of(x.shape);
        o.output = graph_outputs + observers.size();
        cg->registerOutput(by_name.at(value));
        index[value] = observers.size();
        observers.push_back(o);
      } else if (observers[index[value]].numel != numel_of(x.shape)) {
        continue;
      }
      tensors_of[value].push_back(x.name);
    }
  }
  // Layers and the config's plan for them.
  std::unordered_map<std::string, const torch::jit::Node*> producer;
  for (const torch::jit::Node* n : fg.imported.graph->nodes())
    for (const torch::jit::Value* v : n->outputs()) producer[v->debugName()] = n;
  Layers layers;
  {
    std::set<std::string> observed;
    for (const Observer& o : observers) observed.insert(o.name);
    std::map<std::string, int> unnamed;  // op base name -> layers named after it so far
    for (const torch::jit::Node* n : fg.imported.graph->nodes())
      for (const torch::jit::Value* v : n->outputs()) {
        if (!observed.count(v->debugName())) continue;
        std::string layer = module_of(n);
        // An activation outside modules applied to a module's output that TFLite fused away
        // (conv then torch.relu): the layer is that module's.
        if (layer.empty() && !n->inputs().empty()) {
          const torch::jit::Node* p = n->inputs()[0]->node();
          if (p->kind() != c10::prim::Param && !observed.count(n->inputs()[0]->debugName()) &&
              !layers.op.count(module_of(p)))
            layer = module_of(p);
        }
        // Other ops outside modules: named by their op and a count, as "add_0", "relu_1".
        if (layer.empty()) {
          const std::string base = n->kind().toUnqualString();
          layer = fmt::format("{}_{}", base, unnamed[base]++);
        }
        layers.of_value[v->debugName()] = layer;
        if (layers.op.emplace(layer, n->kind().toQualString()).second) layers.order.push_back(layer);
      }
  }
  const Plan plan = plan_of(options.config, options.algorithm, options.activations, layers, *fg.imported.graph);

  std::vector<std::string> messages;
  std::map<std::string, std::string> algo_options = options.convert.options;
  std::map<std::string, std::unique_ptr<Calibration>> cals;  // algorithm -> its observers
  auto calibration_for = [&](const std::string& value) -> Calibration& {
    auto a = plan.algorithm_of.find(value);
    const std::string& name = a == plan.algorithm_of.end() ? plan.default_algorithm : a->second;
    std::unique_ptr<Calibration>& c = cals[name];
    if (!c) {
      std::string plugin;
      const lc_ptq_algorithm_t* alg = find_algorithm(plugins, name, &plugin);
      c = std::make_unique<Calibration>(alg, name, plugin, algo_options, &messages);
    }
    return *c;
  };
  for (const Observer& o : observers) calibration_for(o.name);
  auto started = std::chrono::steady_clock::now();
  {
    c10::InferenceMode inference;
    torch::jit::Code code(cg, "calibration");
    const c10::IValue self = fg.imported.module._ivalue();
    bool first = true;
    size_t done = 0;
    for (const std::vector<at::Tensor>& batch : data.batches) {
      torch::jit::Stack stack;
      stack.emplace_back(self);
      for (const at::Tensor& t : batch) stack.emplace_back(t);
      try {
        torch::jit::InterpreterState(code).run(stack);
      } catch (const std::exception& e) {
        throw Error(
            fmt::format("{}: calibration batch {} failed in LibTorch: {}", path, done, graph::torch_message(e.what())));
      }
      if (first) {
        // Values whose size differs from the TFLite tensor's are not what it holds: not observed.
        for (Observer& o : observers) {
          const c10::IValue& v = stack.at(o.output);
          if (v.isTensor() && at::isFloatingType(v.toTensor().scalar_type()) && v.toTensor().numel() == o.numel)
            calibration_for(o.name).add(o);
          else if (std::getenv("LITECAST_PTQ_DEBUG"))
            std::fprintf(stderr, "ptq: %s not observed (%s, %lld elements in the .tflite)\n", o.name.c_str(),
                         v.tagKind().c_str(), static_cast<long long>(o.numel));
        }
        first = false;
      }
      for (auto& [name, c] : cals) c->observe(stack);
      ++done;
      if (options.progress) options.progress(done, data.batches.size());
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  std::map<std::string, std::pair<double, double>> ranges;
  size_t observed = 0;
  for (auto& [name, c] : cals) {
    ranges.merge(c->ranges(qmin, qmax));
    observed += c->size();
  }
  std::set<std::string> keep_float;  // TFLite tensors whose ops stay float
  for (const std::string& value : plan.float_values)
    for (const std::string& t : tensors_of[value]) keep_float.insert(t);
  std::map<std::string, Quantization> activations;
  const bool debug = std::getenv("LITECAST_PTQ_DEBUG") != nullptr;
  for (const auto& [value, r] : ranges)
    for (const std::string& t : tensors_of[value]) {
      activations[t] = quant_of(r.first, r.second);
      if (debug) std::fprintf(stderr, "ptq: %s holds %s: [%g, %g]\n", t.c_str(), value.c_str(), r.first, r.second);
    }
  // Mixed precision: layers whose dtype is the other type (int16 in an int8 model, or int8 in a
  // 16x8 one); every tensor gets its quantization in that type too, for the ops of that type.
  std::map<std::string, Quantization> other_type;
  std::set<std::string> other_type_tensors;
  if (!plan.other_type_values.empty()) {
    if (qr.target_type != LC_INT8 || qr.fuse_io)
      throw Error(
          "layers of dtype int16 next to int8 ones: not with --quantize-target-type uint8 or "
          "--fuse-quant-dequant");
    for (const auto& [value, r] : ranges)
      for (const std::string& t : tensors_of[value])
        other_type[t] = int16 ? int8_of(r.first, r.second) : int16_of(r.first, r.second);
    for (const std::string& value : plan.other_type_values)
      for (const std::string& t : tensors_of[value]) other_type_tensors.insert(t);
  }

  if (!options.input_stats.empty()) {
    if (!qr.fuse_io) throw Error("--quantized-input-stats gives raw integer inputs: pass --fuse-quant-dequant as well");
    if (options.input_stats.size() != input_names.size())
      throw Error(fmt::format("{}: the model has {} inputs and {} --quantized-input-stats were given", path,
                              input_names.size(), options.input_stats.size()));
    for (size_t i = 0; i < input_names.size(); ++i) {
      const auto [mean, sd] = options.input_stats[i];
      const std::string what = fmt::format("--quantized-input-stats {},{} (input {})", mean, sd, input_names[i]);
      if (!(sd > 0) || !std::isfinite(sd) || !std::isfinite(mean))
        throw Error(fmt::format("{}: the std must be a positive number", what));
      const double zp = std::nearbyint(mean);
      if (zp < 0 || zp > 255) throw Error(fmt::format("{}: the mean must lie in [0, 255], the uint8 range", what));
      if (zp != mean)
        messages.push_back(fmt::format("{}: the zero point is an integer; the mean is rounded to {}", what, zp));
      auto it = tensors_of.find(input_names[i]);
      if (it == tensors_of.end()) throw Error(fmt::format("{}: the input is not a float tensor of the model", what));
      Quantization q;
      q.scales = {static_cast<float>(1.0 / sd)};
      q.zero_points = {static_cast<int64_t>(zp) - 128};  // int8; the uint8 input adds 128 back
      for (const std::string& t : it->second) activations[t] = q;
    }
  }

  {
    passes::ModelGraph g(m);
    auto add = [&](const char* pass, const passes::PassResult& res) {
      for (const auto& [k, v] : res.counters) counters[fmt::format("{}.{}", pass, k)] += v;
    };
    add("insert_qdq", passes::insert_qdq(g, activations, options.per_tensor || qr.target_type == LC_UINT8, keep_float,
                                         int16 ? LC_INT16 : LC_INT8, other_type, other_type_tensors));
    add("fold_qdq", passes::fold_qdq(g, keep_float));
    add("drop_float_qdq", passes::drop_float_qdq(g));
  }
  passes::QuantizedRewrites rewrites = qr;
  rewrites.fold = false;
  for (const auto& [k, v] : passes::run_quantized_rewrites(m, rewrites)) counters[k] += v;

  if (options.report && stats) {
    // Second pass: each observed value against the quantization its tensor has in the finished
    // model (a data-moving op's output keeps its input's; CONCATENATION's inputs take the
    // output's), as LiteRT will compute it. Values that stay float are not listed.
    std::unordered_map<std::string, const Tensor*> by_tensor_name;
    for (const Tensor& t : m.tensors)
      if (t.quant.scales.size() == 1 && t.quant.zero_points.size() == 1)
        by_tensor_name.emplace(t.name, &t);
    std::map<std::string, Quantization> effective;
    std::map<std::string, std::string> holder;
    for (const auto& [value, r] : ranges) {
      for (const std::string& name : tensors_of[value]) {
        const Tensor* t = nullptr;
        for (const char* suffix : {"", "/int8", "/int16", "/quantized"})
          if (auto it = by_tensor_name.find(name + suffix); it != by_tensor_name.end() && !t) t = it->second;
        if (t && (t->type == LC_INT8 || t->type == LC_INT16 || t->type == LC_UINT8)) {
          effective[value] = t->quant;
          holder[value] = t->name;
          break;
        }
      }
    }
    struct Sums {
      double signal = 0, error = 0, dot = 0, qq = 0;
    };
    std::map<std::string, Sums> sums;
    std::map<std::string, size_t> output_of;
    for (const Observer& o : observers) output_of[o.name] = o.output;
    c10::InferenceMode inference;
    torch::jit::Code code(cg, "report");
    for (const std::vector<at::Tensor>& batch : data.batches) {
      torch::jit::Stack stack;
      stack.emplace_back(fg.imported.module._ivalue());
      for (const at::Tensor& t : batch) stack.emplace_back(t);
      torch::jit::InterpreterState(code).run(stack);
      for (const auto& [value, q] : effective) {
        at::Tensor x = stack.at(output_of.at(value)).toTensor().to(at::kDouble);
        const double scale = q.scales[0], zp = static_cast<double>(q.zero_points[0]);
        at::Tensor d = ((at::round(x / scale) + zp).clamp(qmin, qmax) - zp) * scale;
        Sums& su = sums[value];
        su.signal += (x * x).sum().item<double>();
        su.error += ((x - d) * (x - d)).sum().item<double>();
        su.dot += (x * d).sum().item<double>();
        su.qq += (d * d).sum().item<double>();
      }
    }
    for (const auto& [value, su] : sums) {
      QuantizeStats::Layer l;
      l.tensor = value;
      const Quantization& q = effective.at(value);
      l.lo = (static_cast<double>(qmin) - static_cast<double>(q.zero_points[0])) * q.scales[0];
      l.hi = (static_cast<double>(qmax) - static_cast<double>(q.zero_points[0])) * q.scales[0];
      l.tflite_tensor = holder.at(value);
      l.sqnr_db = su.error > 0 ? 10 * std::log10(su.signal / su.error) : 999.0;
      l.cosine = su.signal > 0 && su.qq > 0 ? su.dot / std::sqrt(su.signal * su.qq) : 1.0;
      if (auto it = producer.find(value); it != producer.end()) {
        l.op = it->second->kind().toQualString();
        l.module = module_of(it->second);
      }
      if (auto it = layers.of_value.find(value); it != layers.of_value.end()) l.layer = it->second;
      stats->layers.push_back(l);
    }
    std::sort(stats->layers.begin(), stats->layers.end(),
              [](const auto& a, const auto& b) { return a.sqnr_db < b.sqnr_db; });
  }


  if (stats) {
    stats->samples = data.samples;
    stats->dropped_samples = data.dropped;
    stats->observed_tensors = observed;
    stats->algorithm = plan.default_algorithm;
    for (const std::string& name : layers.order)
      stats->config_layers.push_back(
          {name, layers.op.at(name), plan.settings.at(name), plan.by_op_action.count(name) > 0});
    stats->calibration_seconds = seconds;
    stats->operators = m.operators.size();
    stats->tensors = m.tensors.size();
    stats->messages = messages;
    for (const Operator& op : m.operators) {
      const std::string name = builtin_name(op.builtin_code);
      stats->op_histogram[name]++;
      if (op.builtin_code == LC_OP_QUANTIZE || op.builtin_code == LC_OP_DEQUANTIZE) continue;
      bool is_float = false;
      for (int32_t t : op.outputs) is_float = is_float || m.tensors[static_cast<size_t>(t)].type == LC_FLOAT32;
      if (is_float) stats->float_ops[name]++;
    }
  }
  return m;
}

}  // namespace litecast
