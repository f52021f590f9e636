// `litecast convert model.pt -o model.tflite`. Option names follow TinyNeuralNetwork's converter's
// parameters with dashes (nchw_transpose -> --nchw-transpose).
#include "cli.hpp"

#include <litecast/convert.hpp>
#include <litecast/error.hpp>

#include "util/output_file.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

namespace litecast::cli {

namespace {

// "1,0" / "true" / "false" for --input-transpose and --output-transpose, one flag each.
std::vector<std::optional<bool>> parse_flags(const std::vector<std::string>& values, const std::string& what) {
  std::vector<std::optional<bool>> out;
  for (const std::string& v : values)
    for (size_t start = 0; start <= v.size();) {
      size_t end = v.find(',', start);
      if (end == std::string::npos) end = v.size();
      std::string s = v.substr(start, end - start);
      if (s == "1" || s == "true")
        out.emplace_back(true);
      else if (s == "0" || s == "false")
        out.emplace_back(false);
      else
        throw Error(fmt::format("{} '{}': expected 1/0 or true/false per input, e.g. 1,0", what, v));
      start = end + 1;
    }
  return out;
}

// TinyNeuralNetwork's converter parameters (booleans) that plugins read through host->get_option, by
// their TinyNeuralNetwork names; each becomes --name-with-dashes on the command line.
struct ConverterSwitch {
  const char* name;
  const char* help;
};
constexpr ConverterSwitch kConverterSwitches[] = {
    {"group_conv_rewrite", "grouped convolutions as SPLIT + CONV_2D per group + CONCATENATION (standard TFLite)"},
    {"unroll_rnn", "LSTM/GRU/RNN as elementwise ops unrolled over time instead of one fused op"},
    {"separated_rnn_gate_calc", "with --unroll-rnn, one FULLY_CONNECTED per LSTM/GRU gate"},
    {"map_bilstm_to_lstm", "bidirectional LSTM as two unidirectional LSTM ops"},
    {"legacy_gelu", "GELU as the tanh approximation whatever PyTorch used"},
    {"missing_outputs_as_constants",
     "accepted as in TinyNeuralNetwork; outputs that are constants are always kept, as constant tensors"},
    {"fuse_quant_dequant", "a quantized model's inputs and outputs stay integer (no QUANTIZE/DEQUANTIZE at its edges)"},
    {"rewrite_quantizable",
     "float ops between a dequantize and a quantize (SOFTMAX, BATCH_MATMUL, ...) run on TFLite's int8 kernels"},
};

// TinyNeuralNetwork's converter parameters that take a value, by their names there.
struct ConverterValue {
  const char* name;
  const char* help;
};
constexpr ConverterValue kConverterValues[] = {
    {"quantize_target_type", "integer type a quantized model computes in: int8 (default) or uint8"},
    {"quantize_input_output_type",
     "integer type of the model's integer inputs and outputs (with --fuse-quant-dequant, and those PyTorch already "
     "quantizes), int8 or uint8 (default: the target type)"},
};

// Weight conversions of the float model (docs/quantization.md); TinyNeuralNetwork's names with dashes,
// plus the short aliases. TinyNeuralNetwork's hybrid_conv and hybrid_asymmetric_inputs default to on,
// so they come with --no-... switches.
struct WeightFlags {
  bool dynamic = false, dynamic_alias = false, per_channel = false, no_asym = false, asym = false;
  bool conv = false, no_conv = false, fp16 = false, fp16_alias = false, bf16 = false, bf16_alias = false;
  bool group = false;
  std::vector<std::string> exclude;

  void add_to(po::options_description& desc) {
    desc.add_options()("hybrid-quantization-from-float", po::bool_switch(&dynamic),
                       "dynamic-range quantization: int8 weights for FULLY_CONNECTED, CONV_2D and DEPTHWISE_CONV_2D, "
                       "float activations (LiteRT's hybrid kernels)")("dynamic-range", po::bool_switch(&dynamic_alias),
                                                                      "alias of --hybrid-quantization-from-float")(
        "hybrid-per-channel", po::bool_switch(&per_channel),
        "dynamic range: convolutions get one weight scale per output channel (default: one per tensor; "
        "FULLY_CONNECTED stays per tensor, as in TinyNeuralNetwork)")(
        "hybrid-asymmetric-inputs", po::bool_switch(&asym),
        "dynamic range: FULLY_CONNECTED quantizes its float input asymmetrically (the default, as in "
        "TinyNeuralNetwork)")("no-hybrid-asymmetric-inputs", po::bool_switch(&no_asym),
                              "dynamic range: symmetric input quantization")(
        "hybrid-conv", po::bool_switch(&conv),
        "dynamic range covers CONV_2D and DEPTHWISE_CONV_2D too (the default, as TinyNeuralNetwork's hybrid_conv)")(
        "no-hybrid-conv", po::bool_switch(&no_conv), "dynamic range: only FULLY_CONNECTED, convolutions stay float")(
        "dynamic-exclude", po::value(&exclude)->composing(),
        "dynamic range: leave float an op type (CONV_2D) or the op writing or weighing a tensor of that name "
        "(repeatable, or comma-separated)")("float16-quantization", po::bool_switch(&fp16),
                                            "float32 weights stored as FLOAT16 and read through DEQUANTIZE")(
        "float16", po::bool_switch(&fp16_alias), "alias of --float16-quantization")(
        "bf16", po::bool_switch(&bf16_alias), "alias of --bfloat16-quantization")(
        "bfloat16-quantization", po::bool_switch(&bf16),
        "refused: TFLite kernels take no bfloat16 weights (see docs/quantization.md); use --float16")(
        "group-tensors", po::bool_switch(&group), "store identical constant tensors once");
  }

  void apply(ConvertOptions::Weights& w) const {
    if (bf16 || bf16_alias)
      throw Error(
          "--bfloat16-quantization: TFLite has no kernel or DEQUANTIZE that reads bfloat16 weights; use "
          "--float16 for half-size float weights (see docs/quantization.md)");
    if (asym && no_asym)
      throw Error("--hybrid-asymmetric-inputs and --no-hybrid-asymmetric-inputs contradict each other");
    if (conv && no_conv) throw Error("--hybrid-conv and --no-hybrid-conv contradict each other");
    w.hybrid_quantization_from_float = dynamic || dynamic_alias;
    if (!w.hybrid_quantization_from_float && (per_channel || asym || no_asym || conv || no_conv))
      throw Error("the --hybrid-... options tune dynamic-range quantization; pass --dynamic-range too");
    w.hybrid_per_channel = per_channel;
    w.hybrid_asymmetric_inputs = !no_asym;
    w.hybrid_conv = !no_conv;
    for (const std::string& e : exclude)
      for (size_t start = 0; start <= e.size();) {
        size_t end = e.find(',', start);
        if (end == std::string::npos) end = e.size();
        if (end > start) w.dynamic_exclude.push_back(e.substr(start, end - start));
        start = end + 1;
      }
    w.float16_quantization = fp16 || fp16_alias;
    w.group_tensors = group;
  }
};

std::string dashed(const char* option_name) {
  std::string s = option_name;
  for (char& c : s)
    if (c == '_') c = '-';
  return s;
}

}  // namespace

int cmd_convert(const std::vector<std::string>& args) {
  PluginOptions plugin_opts;
  std::string input, output;
  std::vector<std::string> shapes, dtypes, in_transpose, out_transpose;
  bool no_nchw = false, nchw = false, dump = false, json = false, large = false;
  ConvertOptions o;
  WeightFlags weight_flags;
  po::options_description desc("options");
  desc.add_options()("model", po::value(&input)->required(), "the TorchScript model (.pt)")(
      "output,o", po::value(&output), "the .tflite to write (required unless --dump-graph)")(
      "input-shape", po::value(&shapes)->composing(), "shape of an input, e.g. 1,3,224,224 (one per input, in order)")(
      "input-dtype", po::value(&dtypes)->composing(), "element type of an input: float32 (default), int64, ...")(
      "example-input", po::value(&o.example_input),
      "a torch.save file of example inputs: a tensor or a tuple of tensors, one per input; gives shapes, dtypes "
      "(quantized too) and the values of the recording run")("nchw-transpose", po::bool_switch(&nchw),
                                                             "4-D inputs and outputs become NHWC (the default)")(
      "no-nchw-transpose", po::bool_switch(&no_nchw), "keep 4-D inputs and outputs in PyTorch's NCHW")(
      "input-transpose", po::value(&in_transpose)->composing(), "per-input NHWC flags, e.g. 1,0")(
      "output-transpose", po::value(&out_transpose)->composing(), "per-output NHWC flags, e.g. 0,1")(
      "optimize", po::value(&o.optimize)->default_value(3), "optimisation level; 0 turns graph passes off")(
      "disable-pass", po::value(&o.disabled_passes)->composing(),
      "skip one graph pass by name (repeatable): remove_identities, fold_constants, sink_transposes, "
      "fuse_mul_into_weights, fuse_bias_add, fuse_activation, merge_reshapes, remove_dead_ops")(
      "dump-graph", po::bool_switch(&dump), "print the simplified TorchScript graph and stop")(
      "large-model-layout", po::bool_switch(&large),
      "write the weights after the flatbuffer (TFLite's layout for models over 2 GiB, chosen by itself when "
      "needed; LiteRT reads it, TFLite Micro does not)")(
      "json", po::bool_switch(&json), "print the result summary as JSON");
  std::vector<std::string> switch_names;
  for (const ConverterSwitch& sw : kConverterSwitches) switch_names.push_back(dashed(sw.name));
  for (size_t i = 0; i < switch_names.size(); ++i)
    desc.add_options()(switch_names[i].c_str(), po::bool_switch(), kConverterSwitches[i].help);
  std::vector<std::string> value_names;
  for (const ConverterValue& v : kConverterValues) value_names.push_back(dashed(v.name));
  for (size_t i = 0; i < value_names.size(); ++i)
    desc.add_options()(value_names[i].c_str(), po::value<std::string>(), kConverterValues[i].help);
  weight_flags.add_to(desc);
  plugin_opts.add_to(desc);
  po::positional_options_description pos;
  pos.add("model", 1);
  po::variables_map vm;
  if (!parse("convert", "model.pt -o model.tflite (--input-shape 1,3,224,224 | --example-input inputs.pt) [options]",
             args, desc, pos, vm))
    return kExitOk;
  if (dump) {
    std::cout << dump_graph(input);
    return kExitOk;
  }
  if (output.empty()) throw Error("litecast convert: -o/--output is required (see litecast convert --help)");
  refuse_overwrite("convert", output, {input, o.example_input});
  if (nchw && no_nchw) throw Error("litecast convert: --nchw-transpose and --no-nchw-transpose contradict each other");
  o.nchw_transpose = !no_nchw;
  for (size_t i = 0; i < shapes.size(); ++i) o.input_shapes.push_back(parse_shape(shapes[i], "--input-shape"));
  o.input_dtypes = dtypes;
  o.input_transpose = parse_flags(in_transpose, "--input-transpose");
  o.output_transpose = parse_flags(out_transpose, "--output-transpose");
  for (size_t i = 0; i < switch_names.size(); ++i)
    if (vm[switch_names[i]].as<bool>()) o.options[kConverterSwitches[i].name] = "1";
  for (size_t i = 0; i < value_names.size(); ++i)
    if (vm.count(value_names[i])) o.options[kConverterValues[i].name] = vm[value_names[i]].as<std::string>();
  weight_flags.apply(o.weights);
  o.warn = [](const std::string& m) { std::cerr << "warning: " << m << "\n"; };

  // With LITECAST_TIMING, the phases around convert()'s own (plugins, write) are timed too.
  const bool timing = std::getenv("LITECAST_TIMING") != nullptr;
  auto since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
  };
  auto start = std::chrono::steady_clock::now();
  PluginRegistry reg;
  plugin_opts.load(reg);
  if (timing) std::fprintf(stderr, "timing: %-10s %7.1f ms\n", "plugins", since(start));
  ConvertStats stats;
  Model m = convert(input, o, reg, &stats);
  WriteOptions write_options;
  if (large) write_options.layout = WriteOptions::Layout::external_data;
  start = std::chrono::steady_clock::now();
  write_tflite_file(std::move(m), output, write_options);
  if (timing) {
    // The process's own peak (VmHWM). A parent's wait4 figure can include the parent's memory
    // at the spawn (vfork shares it until exec), which misleads when the parent holds the model.
    auto mib = [](const char* key) {
      std::ifstream in("/proc/self/status");
      std::string line;
      while (std::getline(in, line))
        if (line.rfind(key, 0) == 0) return std::atof(line.c_str() + std::strlen(key)) / 1024.0;
      return 0.0;
    };
    std::fprintf(stderr, "timing: %-10s %7.1f ms   rss %6.0f MiB   peak %6.0f MiB\n", "write", since(start),
                 mib("VmRSS:"), mib("VmHWM:"));
  }
  if (json) {
    std::cout << nlohmann::json{{"output", output},
                                {"operators", stats.operators},
                                {"tensors", stats.tensors},
                                {"operator_histogram", stats.op_histogram},
                                {"passes", stats.pass_counters}}
                     .dump(2)
              << "\n";
  } else {
    std::cerr << fmt::format("wrote {} ({} operators, {} tensors)\n", output, stats.operators, stats.tensors);
  }
  return kExitOk;
}

}  // namespace litecast::cli

namespace litecast::cli {

// `litecast export-debug model.pt --input-shape ... -o DIR`: the reproduction bundle the
// TinyNeuralNetwork calls export_converter_files: DIR/NAME.pt (the TorchScript file as given) and
// DIR/NAME.inputs.pt (the example inputs, torch.save format: --example-input's tensors or the
// generated ones) and DIR/NAME.json (inputs and outputs: names, shapes, dtypes, transposes; and
// the command, which replays the conversion with --example-input).
int cmd_export_debug(const std::vector<std::string>& args) {
  std::string input, out_dir = "out", name, example;
  std::vector<std::string> shapes, dtypes, in_transpose, out_transpose;
  bool no_nchw = false;
  po::options_description desc("options");
  desc.add_options()("model", po::value(&input)->required(), "the TorchScript model (.pt)")(
      "output-dir,o", po::value(&out_dir), "directory for the bundle (default: out)")(
      "name", po::value(&name), "file name stem (default: the model's)")(
      "input-shape", po::value(&shapes)->composing(), "shape of an input, e.g. 1,3,224,224 (one per input)")(
      "input-dtype", po::value(&dtypes)->composing(), "element type of an input")(
      "example-input", po::value(&example), "a torch.save file of example inputs (copied into the bundle)")(
      "no-nchw-transpose", po::bool_switch(&no_nchw), "keep 4-D inputs and outputs NCHW")(
      "input-transpose", po::value(&in_transpose)->composing(), "per-input NHWC flags, e.g. 1,0")(
      "output-transpose", po::value(&out_transpose)->composing(), "per-output NHWC flags, e.g. 0,1");
  po::positional_options_description pos;
  pos.add("model", 1);
  po::variables_map vm;
  if (!parse("export-debug", "model.pt (--input-shape 1,3,224,224 | --example-input inputs.pt) [-o DIR] [--name NAME]",
             args, desc, pos, vm))
    return kExitOk;
  ConvertOptions o;
  o.nchw_transpose = !no_nchw;
  for (const std::string& sh : shapes) o.input_shapes.push_back(parse_shape(sh, "--input-shape"));
  o.input_dtypes = dtypes;
  o.example_input = example;
  o.input_transpose = parse_flags(in_transpose, "--input-transpose");
  o.output_transpose = parse_flags(out_transpose, "--output-transpose");

  namespace fs = std::filesystem;
  if (name.empty()) name = fs::path(input).stem().string();
  std::error_code ec;
  // The example inputs go straight to a temporary name beside the bundle, renamed with it; a
  // directory made for a bundle that then fails goes again.
  const bool dir_existed = fs::exists(out_dir, ec);
  fs::create_directories(out_dir, ec);
  if (ec) throw Error(fmt::format("{}: cannot create the directory ({})", out_dir, ec.message()));
  const fs::path ex = fs::path(out_dir) / (name + ".inputs.pt");
  const fs::path pt = fs::path(out_dir) / (name + ".pt"), js = fs::path(out_dir) / (name + ".json");
  for (const auto& [given, written] : {std::pair{input, pt}, std::pair{example, ex}}) {
    std::error_code absent;  // either file may not exist: then they are not the same
    if (!given.empty() && fs::equivalent(given, written, absent))
      throw Error(fmt::format("{}: the bundle would overwrite this input file; choose another -o or --name", given));
  }
  ModelIo io;
  std::optional<util::TempOutput> ex_tmp, pt_tmp, js_tmp;
  try {
    // All three files go through unique temporary names, renamed only when all are complete.
    ex_tmp.emplace(ex.string());
    pt_tmp.emplace(pt.string());
    js_tmp.emplace(js.string());
    io = describe_io(input, o, ex_tmp->path());
  } catch (...) {
    ex_tmp.reset();
    pt_tmp.reset();
    js_tmp.reset();
    if (!dir_existed) fs::remove(out_dir, ec);
    throw;
  }
  auto specs = [](const std::vector<IoSpec>& v) {
    nlohmann::json a = nlohmann::json::array();
    for (const IoSpec& s : v)
      a.push_back({{"name", s.name}, {"shape", s.shape}, {"dtype", s.dtype}, {"transposed", s.transposed}});
    return a;
  };
  // The example file carries shapes, dtypes and values: the command needs nothing else.
  std::string command =
      "litecast convert " + name + ".pt -o " + name + ".tflite --example-input " + name + ".inputs.pt";
  if (no_nchw) command += " --no-nchw-transpose";
  for (const std::string& t : in_transpose) command += " --input-transpose " + t;
  for (const std::string& t : out_transpose) command += " --output-transpose " + t;
  nlohmann::json j = {{"model", name + ".pt"},
                      {"example_input", name + ".inputs.pt"},
                      {"inputs", specs(io.inputs)},
                      {"outputs", specs(io.outputs)},
                      {"convert_command", command}};
  fs::copy_file(input, pt_tmp->path(), fs::copy_options::overwrite_existing, ec);
  if (!ec) {
    std::ofstream f(js_tmp->path());
    f << j.dump(2) << "\n";
    if (!f) ec = std::make_error_code(std::errc::io_error);
  }
  if (ec) throw Error(fmt::format("{}: cannot write the bundle ({})", out_dir, ec.message()));
  pt_tmp->commit();
  ex_tmp->commit();
  js_tmp->commit();
  std::cerr << fmt::format("wrote {}, {} and {}\n", pt.string(), ex.string(), js.string());
  return kExitOk;
}

}  // namespace litecast::cli
