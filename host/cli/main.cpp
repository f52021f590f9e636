// `litecast <command> ...`: dispatch, usage, and the single place where errors become one
// line on stderr and an exit code.
#include "cli.hpp"

#include <litecast/error.hpp>
#include <litecast/version.hpp>

#include "graph/torch_message.hpp"
#include "util/output_file.hpp"

#include <c10/util/Exception.h>
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>

#include <malloc.h>

namespace litecast::cli {

namespace {

struct Command {
  int (*run)(const std::vector<std::string>&);
  const char* summary;
};

const std::map<std::string, Command>& commands() {
  static const std::map<std::string, Command> c = {
      {"convert", {&cmd_convert, "convert a TorchScript model (.pt) to TFLite (.tflite)"}},
      {"export-debug", {&cmd_export_debug, "write a model and its input/output description for a bug report"}},
      {"inspect", {&cmd_inspect, "show a .tflite model's inputs, outputs, operators and sizes"}},
      {"lstm-states", {&cmd_lstm_states, "list the state variables of a .tflite's fused LSTM/RNN ops (streaming)"}},
      {"ops", {&cmd_ops, "list which TorchScript ops the loaded plugins translate"}},
      {"plugins", {&cmd_plugins, "list the loaded plugins and what each provides"}},
      {"quantize", {&cmd_quantize, "post-training quantization: a float model and calibration data -> int8 TFLite"}},
      {"prune", {&cmd_prune, "prune channels of a TorchScript model (one-shot, structured) for fine-tuning"}},
  };
  return c;
}

// LibTorch's warnings are about the calls litecast makes (deprecations of quantized tensor
// constructors, TorchScript itself), not about the user's model: they are dropped unless
// LITECAST_TORCH_WARNINGS is set.
class DropTorchWarnings : public c10::WarningHandler {
 public:
  void process(const c10::Warning&) override {}
};

void usage(std::ostream& out) {
  out << "usage: litecast <command> [options]\n\ncommands:\n";
  for (const auto& [name, c] : commands()) out << fmt::format("  {:<13} {}\n", name, c.summary);
  out << "\n`litecast <command> --help` describes a command's options. `litecast --version` prints the version.\n";
}

}  // namespace

void PluginOptions::add_to(po::options_description& d) {
  d.add_options()("plugin-dir", po::value(&dirs)->composing(),
                  "load plugins from this directory too (repeatable; also LITECAST_PLUGIN_PATH)")(
      "no-default-plugins", po::bool_switch(&no_default), "do not load the plugins installed with litecast");
}

void PluginOptions::load(PluginRegistry& r) const {
  // A directory the user named must be there: a typo would silently drop the plugins it holds.
  for (const std::string& d : dirs) {
    std::error_code ec;
    const auto st = std::filesystem::status(d, ec);
    if (!std::filesystem::exists(st)) throw Error(fmt::format("--plugin-dir {}: no such directory", d));
    if (!std::filesystem::is_directory(st)) throw Error(fmt::format("--plugin-dir {}: not a directory", d));
  }
  r.load_default(dirs, !no_default);
}

bool parse(const std::string& command, const std::string& synopsis, const std::vector<std::string>& args,
           po::options_description& desc, const po::positional_options_description& pos, po::variables_map& vm) {
  desc.add_options()("help,h", "show this help");
  try {
    po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: litecast " << command << " " << synopsis << "\n\n" << desc << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw Error(fmt::format("litecast {}: {} (see litecast {} --help)", command, e.what(), command));
  }
  return true;
}

bool parse_model_and_json(const std::string& command, const std::vector<std::string>& args, std::string& path,
                          bool& json) {
  po::options_description desc("options");
  desc.add_options()("model", po::value(&path)->required(), "the .tflite file")("json", po::bool_switch(&json),
                                                                                "print JSON");
  po::positional_options_description pos;
  pos.add("model", 1);
  po::variables_map vm;
  return parse(command, "model.tflite [--json]", args, desc, pos, vm);
}

void refuse_overwrite(const std::string& command, const std::string& output, const std::vector<std::string>& inputs) {
  if (output.empty()) return;
  for (const std::string& in : inputs) {
    std::error_code ec;
    if (!in.empty() && std::filesystem::equivalent(output, in, ec))
      throw Error(
          fmt::format("litecast {}: the output {} is the input {}; write to another file", command, output, in));
  }
}

}  // namespace litecast::cli

int main(int argc, char** argv) {
  using namespace litecast::cli;
  // Weights are freed one by one as they are converted and written. glibc would raise its
  // mmap threshold after the first large free and keep later weight-sized blocks on the heap,
  // where freeing them does not return memory; a fixed threshold keeps them mapped.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    usage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? kExitUsage : kExitOk;
  }
  if (args[0] == "--version") {
    std::cout << "litecast " << LITECAST_VERSION << " (plugin ABI " << LC_ABI_MAJOR << "." << LC_ABI_MINOR << ")\n";
    return kExitOk;
  }
  litecast::util::install_signal_cleanup();
  static DropTorchWarnings drop;
  if (!std::getenv("LITECAST_TORCH_WARNINGS")) c10::WarningUtils::set_warning_handler(&drop);
  auto it = commands().find(args[0]);
  if (it == commands().end()) {
    std::cerr << "litecast: unknown command '" << args[0] << "' (see litecast --help)\n";
    return kExitUsage;
  }
  try {
    const int rc = it->second.run(std::vector<std::string>(args.begin() + 1, args.end()));
#if !defined(__SANITIZE_ADDRESS__)
    // Done and every output renamed into place: the process ends without running LibTorch's
    // and the plugins' teardown, which the kernel does faster by dropping the address space
    // (resnet50: 70 ms of a 0.6 s conversion). Sanitizer builds end normally, for leak checks.
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    std::_Exit(rc);
#else
    return rc;
#endif
  } catch (const litecast::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
  } catch (const std::bad_alloc&) {
    std::cerr << "error: out of memory\n";
  } catch (const c10::Error& e) {
    // LibTorch refused something the input asked for; its first line, never its backtrace.
    std::cerr << "error: LibTorch: " << litecast::graph::torch_message(e.what_without_backtrace()) << "\n";
  } catch (const std::filesystem::filesystem_error& e) {
    std::cerr << "error: " << e.path1().string() << ": " << e.code().message() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "error: internal: " << e.what() << " (please report this)\n";
  }
  return kExitUserError;
}
