// Operator versions. LiteRT registers each builtin operator for a range of versions and refuses
// a model naming an (operator, version) it does not register; the version also tells an older
// runtime which features the operator uses (int8 kernels, >4-D broadcasting, per-channel
// weights, ...). One table holds every rule: per operator a base version and rows
// {version, feature}, newest first; an operator gets the highest version whose feature its
// signature shows. Beside it, {operator, version} -> the first runtime release registering it.
#ifndef LITECAST_HOST_TFLITE_OP_VERSION_HPP
#define LITECAST_HOST_TFLITE_OP_VERSION_HPP

#include <litecast/tflite_model.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace litecast::tflite {

// The lowest version of `op` whose kernel handles what `op` uses: its input and output tensor
// types, ranks, quantization (per-tensor, per-channel, hybrid) and the options that matter.
// CUSTOM and operators without an entry get 1. A malformed operator is no error: a missing
// tensor counts as absent, an unknown option as its default.
int32_t operator_version(const Model& m, const Operator& op);

// One row of the rule table, for tests and tools.
struct VersionRule {
  int32_t version;
  std::string feature;  // what the signature shows, in words ("int8", "input rank > 4")
};
// The operators that have an entry in the table (a base version, perhaps no rows).
std::vector<int32_t> versioned_operators();
// The base version (first) and the rows of `builtin_code`, newest first; empty when untabled.
int32_t base_version(int32_t builtin_code);
std::vector<VersionRule> version_rules(int32_t builtin_code);

// The first TFLite runtime release that registers {builtin_code, version} ("2.3.0"); empty
// when the pair is not in the table.
std::string min_runtime_version(int32_t builtin_code, int32_t version);
// The highest version LiteRT's builtin resolver registers for `builtin_code`; 0 if untabled.
int32_t resolver_max_version(int32_t builtin_code);

}  // namespace litecast::tflite

#endif  // LITECAST_HOST_TFLITE_OP_VERSION_HPP
