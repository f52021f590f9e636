// Operator options by schema field name, through FlatBuffers reflection over our own
// binary schema (compiled from host/tflite/schema.fbs and embedded at build time). This is
// what lets the plugin ABI say `"stride_w" = 2` without plugins seeing generated code.
#ifndef LITECAST_HOST_TFLITE_OPTIONS_SCHEMA_HPP
#define LITECAST_HOST_TFLITE_OPTIONS_SCHEMA_HPP

#include <litecast/tflite_model.hpp>

#include <flatbuffers/flatbuffers.h>
#include <flatbuffers/reflection_generated.h>

#include <cstdint>
#include <string>

namespace litecast::tflite {

// The embedded reflection schema of the TFLite format.
const reflection::Schema& schema();

// The options table of a builtin operator (Conv2DOptions for CONV_2D), or null when the
// operator takes none. Also gives the BuiltinOptions union type value.
struct OptionsTable {
  const reflection::Object* object = nullptr;
  uint8_t union_type = 0;
};
OptionsTable options_table(int32_t builtin_code);

// Checks that `field` exists on the operator's options table and that `value` fits its type;
// returns an empty string or the reason (naming operator and field).
std::string check_option(int32_t builtin_code, const std::string& field, const OptionValue& value);

// Serialises an operator's options into `fbb`; throws litecast::Error on an invalid option.
flatbuffers::Offset<void> build_options(flatbuffers::FlatBufferBuilder& fbb, const Operator& op);

// Reads the options table present in a serialised operator back into name/value pairs.
std::vector<Option> read_options(const flatbuffers::Table* table, uint8_t union_type);

}  // namespace litecast::tflite

#endif
