// Shared pieces of the `litecast` commands: each command is a function from its arguments
// to an exit code; user errors are thrown as litecast::Error and printed by main as one line.
#ifndef LITECAST_CLI_HPP
#define LITECAST_CLI_HPP

#include <litecast/plugins.hpp>

#include <boost/program_options.hpp>

#include <string>
#include <vector>

namespace litecast::cli {

namespace po = boost::program_options;

constexpr int kExitOk = 0;
constexpr int kExitUserError = 1;
constexpr int kExitUsage = 2;

// Options every command that loads plugins accepts.
struct PluginOptions {
  std::vector<std::string> dirs;
  bool no_default = false;
  void add_to(po::options_description& d);
  // Loads plugins; refusals are printed as warnings unless `quiet`.
  void load(PluginRegistry& r) const;
};

// Parses `args` (after the command name) with `desc` and positional names; prints help and
// returns false when --help was given. Throws litecast::Error on bad usage.
bool parse(const std::string& command, const std::string& synopsis, const std::vector<std::string>& args,
           po::options_description& desc, const po::positional_options_description& pos, po::variables_map& vm);

// The options of the commands that read one .tflite: the model (positional) and --json.
// False when --help was given.
bool parse_model_and_json(const std::string& command, const std::vector<std::string>& args, std::string& path,
                          bool& json);

// Throws litecast::Error when `output` is the same file as one of `inputs` (same inode, so
// links and other spellings count): a user's input is never overwritten. Empty names skip.
void refuse_overwrite(const std::string& command, const std::string& output, const std::vector<std::string>& inputs);

int cmd_plugins(const std::vector<std::string>& args);
int cmd_ops(const std::vector<std::string>& args);
int cmd_inspect(const std::vector<std::string>& args);
int cmd_lstm_states(const std::vector<std::string>& args);
int cmd_convert(const std::vector<std::string>& args);
int cmd_export_debug(const std::vector<std::string>& args);
int cmd_prune(const std::vector<std::string>& args);
int cmd_quantize(const std::vector<std::string>& args);

}  // namespace litecast::cli

#endif
