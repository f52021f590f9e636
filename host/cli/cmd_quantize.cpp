// `litecast quantize model.pt -o model.tflite --calibration-data PATH`: post-training
// quantization. Option names follow TinyNeuralNetwork's PostQuantizer and converter.
#include "cli.hpp"
#include "report_html.hpp"
#include "util/output_file.hpp"

#include <litecast/convert.hpp>
#include <litecast/error.hpp>
#include <litecast/quantize.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace litecast::cli {

namespace {

// "calibrating 12/100 batches  35.1/s  ETA 2s" on one line of a terminal.
class Progress {
 public:
  explicit Progress(bool on) : on_(on), start_(std::chrono::steady_clock::now()) {}
  void operator()(size_t done, size_t total) {
    if (!on_) return;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double rate = s > 0 ? static_cast<double>(done) / s : 0;
    const double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0;
    std::cerr << fmt::format("\rcalibrating {}/{} batches  {:.1f}/s  ETA {:.0f}s   ", done, total, rate, eta);
    if (done == total) std::cerr << "\n";
  }

 private:
  bool on_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

constexpr size_t kNotesShown = 8;  // the algorithm's notes printed before a count of the rest

int cmd_quantize(const std::vector<std::string>& args) {
  PluginOptions plugin_opts;
  std::string input, output, target, io_type, percentile, report, config_path, write_config, samples, image_size,
      image_mean, image_std;
  std::vector<std::string> shapes, in_transpose, out_transpose, input_stats;
  bool no_nchw = false, fuse = false, quiet = false, json = false;
  QuantizeOptions q;
  po::options_description desc("options");
  desc.add_options()("model", po::value(&input)->required(), "the float TorchScript model (.pt)")(
      "output,o", po::value(&output)->required(), "the .tflite to write")(
      "calibration-data", po::value(&q.calibration_data)->required(),
      "a .npy (one input), .npz (several) or .pt (torch.save: a tensor or tuple) file, or a directory of them; "
      "each array a batch along dim 0; or .png/.jpg images, a sample each")(
      "image-size", po::value(&image_size), "images: resize to H,W (default: --input-shape's, else the first image's)")(
      "image-mean", po::value(&image_mean),
      "images: subtract after scaling to [0,1], one value or one per channel (e.g. 0.485,0.456,0.406)")(
      "image-std", po::value(&image_std), "images: then divide by this, one value or one per channel")("calibration-samples", po::value(&samples),
                                        "use at most this many samples (default: all)")(
      "algorithm", po::value(&q.algorithm)->default_value("l2"),
      "activation range algorithm: l2 (default, quantization MSE), kl (entropy), minmax, percentile, or a "
      "plugin's")("percentile", po::value(&percentile), "--algorithm percentile: the percentile kept (default 99.99)")(
      "input-shape", po::value(&shapes)->composing(),
      "shape of an input, e.g. 1,3,224,224 (one per input; default: from the data, batch 1)")(
      "activations", po::value(&q.activations)->default_value("int8"),
      "int8 (default) or int16: the 16x8 mode (int16 activations, int8 weights, int64 biases) where LiteRT has "
      "int16 kernels; other ops stay float")("per-tensor", po::bool_switch(&q.per_tensor),
                                             "one weight scale per tensor (default: per output channel)")(
      "quantize-target-type", po::value(&target), "int8 (default) or uint8 (legacy asymmetric; weights per tensor)")(
      "fuse-quant-dequant", po::bool_switch(&fuse),
      "integer model inputs and outputs (no QUANTIZE/DEQUANTIZE at the edges)")(
      "quantize-input-output-type", po::value(&io_type), "with --fuse-quant-dequant: int8 or uint8")(
      "quantized-input-stats", po::value(&input_stats)->composing(),
      "MEAN,STD per input (with --fuse-quant-dequant): the model expects (raw - MEAN) / STD and takes the raw "
      "integer data, e.g. 114,58 for uint8 images")("no-nchw-transpose", po::bool_switch(&no_nchw),
                                                    "keep 4-D inputs and outputs in PyTorch's NCHW")(
      "config,c", po::value(&config_path),
      "mixed-precision config (YAML: algorithm, quantize_op_action, layers by PyTorch module name with skip, "
      "algorithm, dtype)")("write-config", po::value(&write_config),
                           "where to write the full per-layer config after the run (default: the output's name "
                           "with .quant.yaml; never over --config)")(
      "report", po::value(&report),
      "write a per-layer report: each activation's int8 SQNR and cosine similarity, worst first (JSON; a "
      "self-contained page with a chart when FILE ends in .html)")(
      "quiet,q", po::bool_switch(&quiet), "no progress and no summary")("json", po::bool_switch(&json),
                                                                        "print the result summary as JSON");
  plugin_opts.add_to(desc);
  po::positional_options_description pos;
  pos.add("model", 1);
  po::variables_map vm;
  if (!parse("quantize",
             "model.pt -o model.tflite --calibration-data PATH [--algorithm l2|kl|minmax|percentile] [--config "
             "quant.yaml]",
             args, desc, pos, vm))
    return kExitOk;
  refuse_overwrite("quantize", output, {input, q.calibration_data});
  refuse_overwrite("quantize", report, {input, q.calibration_data, output});
  refuse_overwrite("quantize", write_config, {input, q.calibration_data, output, report, config_path});
  if (!config_path.empty()) {
    q.config = load_quantize_config(config_path);
    // An explicit --algorithm wins over the config's default.
    if (!vm["algorithm"].defaulted()) q.config.algorithm = q.algorithm;
  }
  // The written config goes beside the output unless that is the config read.
  std::string config_out = write_config;
  if (config_out.empty()) {
    const std::filesystem::path o(output);
    config_out =
        (o.extension() == ".tflite" ? std::filesystem::path(o).replace_extension("") : o).string() + ".quant.yaml";
    std::error_code ec;
    for (const std::string& in : {input, q.calibration_data, report, config_path})
      if (!in.empty() && (in == config_out || std::filesystem::equivalent(config_out, in, ec))) config_out.clear();
  }
  q.report = !report.empty();
  ConvertOptions& o = q.convert;
  o.nchw_transpose = !no_nchw;
  for (const std::string& s : shapes) o.input_shapes.push_back(parse_shape(s, "--input-shape"));
  if (!target.empty()) o.options["quantize_target_type"] = target;
  if (!io_type.empty()) o.options["quantize_input_output_type"] = io_type;
  if (fuse) o.options["fuse_quant_dequant"] = std::string(1, '1');
  auto numbers = [](const std::string& text, const char* option) {
    std::vector<double> out;
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find(',', start);
      if (end == std::string::npos) end = text.size();
      const std::string item = text.substr(start, end - start);
      size_t used = 0;
      double v = 0;
      try {
        v = std::stod(item, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (item.empty() || used != item.size() || !std::isfinite(v))
        throw Error(fmt::format("{} '{}': expected numbers separated by commas", option, text));
      out.push_back(v);
      start = end + 1;
    }
    return out;
  };
  if (!image_size.empty()) {
    std::vector<int64_t> s = parse_shape(image_size, "--image-size");
    if (s.size() == 1) s.push_back(s[0]);
    if (s.size() != 2) throw Error(fmt::format("--image-size '{}': expected H,W or one size", image_size));
    q.image_size = s;
  }
  if (!image_mean.empty()) q.image_mean = numbers(image_mean, "--image-mean");
  if (!image_std.empty()) q.image_std = numbers(image_std, "--image-std");
  for (double v : q.image_std)
    if (!(v > 0)) throw Error(fmt::format("--image-std '{}': every value must be greater than 0", image_std));
  if (!samples.empty()) {
    const bool digits = samples.find_first_not_of("0123456789") == std::string::npos && samples.size() <= 12;
    if (!digits || std::stoull(samples) == 0)
      throw Error(fmt::format("--calibration-samples '{}': expected a positive whole number", samples));
    q.calibration_samples = static_cast<size_t>(std::stoull(samples));
  }
  for (const std::string& st : input_stats) {
    const size_t comma = st.find(',');
    double mean = 0, sd = 0;
    size_t a = 0, b = 0;
    try {
      if (comma != std::string::npos) {
        mean = std::stod(st.substr(0, comma), &a);
        sd = std::stod(st.substr(comma + 1), &b);
      }
    } catch (const std::exception&) {
      a = b = 0;
    }
    if (comma == std::string::npos || a != comma || b == 0 || comma + 1 + b != st.size())
      throw Error(fmt::format("--quantized-input-stats '{}': expected MEAN,STD, e.g. 114,58", st));
    q.input_stats.emplace_back(mean, sd);
  }
  if (!percentile.empty()) {
    double p = 0;
    size_t used = 0;
    try {
      p = std::stod(percentile, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != percentile.size() || !(p > 50 && p <= 100))
      throw Error(fmt::format("--percentile '{}': expected a number in (50, 100], e.g. 99.99", percentile));
    if (q.algorithm != "percentile") throw Error("--percentile tunes --algorithm percentile; pass that too");
    o.options["percentile"] = percentile;
  }
  o.warn = [](const std::string& m) { std::cerr << "warning: " << m << "\n"; };
  Progress progress(!quiet && !json && isatty(STDERR_FILENO));
  q.progress = [&](size_t done, size_t total) { progress(done, total); };

  PluginRegistry reg;
  plugin_opts.load(reg);
  QuantizeStats stats;
  Model m = quantize(input, q, reg, &stats);
  if (!report.empty()) {
    nlohmann::json layers = nlohmann::json::array();
    for (const QuantizeStats::Layer& l : stats.layers)
      layers.push_back({{"layer", l.layer},
                        {"module", l.module},
                        {"tensor", l.tensor},
                        {"op", l.op},
                        {"range", {l.lo, l.hi}},
                        {"sqnr_db", l.sqnr_db},
                        {"cosine", l.cosine},
                        {"tflite_tensor", l.tflite_tensor}});
    const nlohmann::json j = {{"model", input},
                              {"algorithm", stats.algorithm},
                              {"samples", stats.samples},
                              {"measure",
                               "each activation against its own int8 quantization (range error only) over the "
                               "calibration data"},
                              {"layers", layers}};
    util::TempOutput tmp(report);
    {
      std::ofstream f(tmp.path());
      std::string ext = std::filesystem::path(report).extension().string();
      std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
      if (ext == ".html" || ext == ".htm")
        f << cli::report_html(j);
      else
        f << j.dump(2) << "\n";
      if (!f) throw Error(fmt::format("{}: cannot write the report", report));
    }
    tmp.commit();
  }
  write_tflite_file(std::move(m), output, WriteOptions{});
  if (!config_out.empty()) write_quantize_config(q.config, stats, config_out);
  if (!quiet && !json)
    for (size_t i = 0; i < stats.messages.size(); ++i) {
      if (i == kNotesShown && stats.messages.size() > kNotesShown + 1) {
        std::cerr << "note: ... and " << stats.messages.size() - i
                  << " more range replacements (--json lists every one under \"messages\")\n";
        break;
      }
      std::cerr << "note: " << stats.messages[i] << "\n";
    }
  if (json) {
    std::cout << nlohmann::json{{"output", output},
                                {"config_written", config_out},
                                {"algorithm", stats.algorithm},
                                {"samples", stats.samples},
                                {"dropped_samples", stats.dropped_samples},
                                {"observed_tensors", stats.observed_tensors},
                                {"calibration_seconds", stats.calibration_seconds},
                                {"operators", stats.operators},
                                {"tensors", stats.tensors},
                                {"operator_histogram", stats.op_histogram},
                                {"float_operators", stats.float_ops},
                                {"messages", stats.messages}}
                     .dump(2)
              << "\n";
  } else if (!quiet) {
    std::string fl;
    for (const auto& [op, n] : stats.float_ops) fl += fmt::format("{}{} x{}", fl.empty() ? "" : ", ", op, n);
    std::cerr << fmt::format("wrote {} ({} operators; {} activations calibrated with {} on {} samples in {:.1f} s)\n",
                             output, stats.operators, stats.observed_tensors, stats.algorithm, stats.samples,
                             stats.calibration_seconds);
    if (!config_out.empty())
      std::cerr << fmt::format("wrote the per-layer config to {} (edit it and rerun with --config)\n", config_out);
    else if (!config_path.empty())
      std::cerr << fmt::format(
          "note: the per-layer config was not written over --config {}; --write-config PATH "
          "writes it elsewhere\n",
          config_path);
    if (stats.dropped_samples)
      std::cerr << fmt::format("note: {} samples left over (fewer than one batch) were not used\n",
                               stats.dropped_samples);
    if (fl.empty())
      std::cerr << "every operator runs on integer kernels\n";
    else
      std::cerr << fmt::format("float operators: {}\n", fl);
  }
  return kExitOk;
}

}  // namespace litecast::cli
