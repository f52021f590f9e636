// The operator-version rules and the runtime table. Facts (which version brought which
// feature, which release first registered it, how far LiteRT's resolver goes) are those of
// the TFLite format as its versioning tools and builtin resolver state them; where those tools
// disagree with their own intent, the row says so. Versions are cumulative (a runtime that
// registers version N runs every feature of versions below N), so an operator takes the
// highest version among the rows its signature matches: rows are kept newest first and the
// first match wins. (TFLite's own tool tests some older features first, so there a fully
// connected op without bias (6) whose hybrid inputs are asymmetric (9) gets 6.)
#include "tflite/op_version.hpp"

#include "tflite/options_schema.hpp"

#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>

#include <algorithm>
#include <functional>
#include <map>

namespace litecast::tflite {

namespace {

// What the rules look at: one operator's tensors and options.
struct TensorSig {
  bool present = false;  // false: optional input left out (-1) or no such input
  int32_t type = -1;
  std::vector<int32_t> shape;
  size_t scales = 0;  // quantization scales; 0: not quantized
  double scale = 0;   // the first scale
};

struct Sig {
  const Operator& op;
  std::vector<TensorSig> in, out;
  const TensorSig& input(size_t i) const { return i < in.size() ? in[i] : none(); }
  const TensorSig& output(size_t i) const { return i < out.size() ? out[i] : none(); }
  static const TensorSig& none() {
    static const TensorSig n;
    return n;
  }
};

std::vector<TensorSig> tensor_sigs(const Model& m, const std::vector<int32_t>& ids) {
  std::vector<TensorSig> sigs;
  for (int32_t id : ids) {
    TensorSig s;
    if (id >= 0 && static_cast<size_t>(id) < m.tensors.size()) {
      const Tensor& t = m.tensors[static_cast<size_t>(id)];
      s = {true, t.type, t.shape, t.quant.scales.size(), t.quant.empty() ? 0.0 : t.quant.scales[0]};
    }
    sigs.push_back(std::move(s));
  }
  return sigs;
}

// An option's value as an integer: enums by their schema value, booleans as 0/1;
// `dflt` when the operator does not set it.
int64_t option_value(const Operator& op, const std::string& field, int64_t dflt) {
  const OptionValue* v = op.option(field);
  if (!v) return dflt;
  if (const auto* i = std::get_if<int64_t>(v)) return *i;
  if (const auto* d = std::get_if<double>(v)) return *d != 0 ? 1 : 0;
  if (const auto* e = std::get_if<EnumName>(v)) {
    OptionsTable ot = options_table(op.builtin_code);
    const reflection::Field* f = ot.object ? ot.object->fields()->LookupByKey(field.c_str()) : nullptr;
    if (!f || f->type()->index() < 0) return dflt;
    const reflection::Enum* en = schema().enums()->Get(static_cast<flatbuffers::uoffset_t>(f->type()->index()));
    for (const reflection::EnumVal* ev : *en->values())
      if (ev->name()->str() == e->name) return ev->value();
  }
  return dflt;
}

// ---- the predicates rows are written with ----------------------------------------------

using Pred = std::function<bool(const Sig&)>;

Pred in(size_t i, int32_t type) {
  return [=](const Sig& s) { return s.input(i).present && s.input(i).type == type; };
}
Pred in_any(size_t i, std::vector<int32_t> types) {
  return [=](const Sig& s) {
    return s.input(i).present && std::find(types.begin(), types.end(), s.input(i).type) != types.end();
  };
}
Pred out(size_t i, int32_t type) {
  return [=](const Sig& s) { return s.output(i).present && s.output(i).type == type; };
}
Pred out_any(size_t i, std::vector<int32_t> types) {
  return [=](const Sig& s) {
    return s.output(i).present && std::find(types.begin(), types.end(), s.output(i).type) != types.end();
  };
}
// Input 0 and output 0 both of `type`.
Pred io(int32_t type) {
  return [=](const Sig& s) { return in(0, type)(s) && out(0, type)(s); };
}
Pred all(std::vector<Pred> ps) {
  return [=](const Sig& s) { return std::all_of(ps.begin(), ps.end(), [&](const Pred& p) { return p(s); }); };
}
Pred any(std::vector<Pred> ps) {
  return [=](const Sig& s) { return std::any_of(ps.begin(), ps.end(), [&](const Pred& p) { return p(s); }); };
}
Pred negate(Pred p) {
  return [=](const Sig& s) { return !p(s); };
}
Pred quantized(size_t i) {
  return [=](const Sig& s) { return s.input(i).scales > 0; };
}
// More than one scale: per-channel (per-axis) quantization.
Pred per_channel_in(size_t i) {
  return [=](const Sig& s) { return s.input(i).scales > 1; };
}
Pred per_channel_out(size_t i) {
  return [=](const Sig& s) { return s.output(i).scales > 1; };
}
// Hybrid: float activations and output, int8 weights at input `w`.
Pred hybrid(size_t w) {
  return all({in(0, LC_FLOAT32), in(w, LC_INT8), out(0, LC_FLOAT32)});
}
// int8 activations, weights and output.
Pred int8_io_weights(size_t w) {
  return all({in(0, LC_INT8), in(w, LC_INT8), out(0, LC_INT8)});
}
Pred rank_above(size_t i, size_t n) {
  return [=](const Sig& s) { return s.input(i).shape.size() > n; };
}
Pred any_input_rank_above(size_t n) {
  return [=](const Sig& s) {
    return std::any_of(s.in.begin(), s.in.end(), [&](const TensorSig& t) { return t.shape.size() > n; });
  };
}
// Two inputs of different shapes, one of rank > 4: the kernel broadcasts beyond 4-D.
Pred broadcast_above_4d() {
  return [](const Sig& s) {
    if (s.in.size() < 2 || s.in[0].shape == s.in[1].shape) return false;
    return std::max(s.in[0].shape.size(), s.in[1].shape.size()) > 4;
  };
}
Pred present(size_t i) {
  return [=](const Sig& s) { return s.input(i).present; };
}
Pred input_count(size_t n) {
  return [=](const Sig& s) { return s.in.size() == n; };
}
// Quantized inputs and output whose rescale s1*s2/s_out is at least 1.
Pred mul_rescale_at_least_1() {
  return [](const Sig& s) {
    double a = s.input(0).scale, b = s.input(1).scale, o = s.output(0).scale;
    return a != 0 && b != 0 && o != 0 && a * b / o >= 1.0;
  };
}
Pred option_eq(const std::string& field, int64_t dflt, int64_t value) {
  return [=](const Sig& s) { return option_value(s.op, field, dflt) == value; };
}
// The option is set to other than its default `dflt`.
Pred option_set(const std::string& field, int64_t dflt = 0) {
  return [=](const Sig& s) { return option_value(s.op, field, dflt) != dflt; };
}
// NHWC input and OHWI filter with different channel counts: a grouped convolution.
Pred grouped_conv() {
  return [](const Sig& s) {
    const TensorSig& x = s.input(0);
    const TensorSig& w = s.input(1);
    return x.shape.size() == 4 && w.shape.size() == 4 && x.shape[3] != w.shape[3];
  };
}

// ---- the rule table ---------------------------------------------------------------------

struct Row {
  int32_t version;
  std::string feature;
  Pred when;
};
struct Entry {
  int32_t op;
  int32_t base;
  std::vector<Row> rows;  // newest first
};
using Table = std::vector<Entry>;

// The rules, a row per line.
// clang-format off
Row int8_row(int32_t v = 2) { return {v, "int8", in(0, LC_INT8)}; }
Row int16_row(int32_t v = 3) { return {v, "int16", in(0, LC_INT16)}; }
Row int16_io_row(int32_t v) { return {v, "int16 input and output", io(LC_INT16)}; }
Row bool_row(int32_t v) { return {v, "bool", in(0, LC_BOOL)}; }
Row int8_or_int16_row(int32_t v) { return {v, "int8 or int16", in_any(0, {LC_INT8, LC_INT16})}; }

// int16 in and out with pot_scale_int16 = false (the schema's default is true).
Row int16_non_pot_row(int32_t v) {
  return {v, "int16 with non-power-of-two scales", all({io(LC_INT16), option_eq("pot_scale_int16", 1, 0)})};
}

void binary_rules(Table& t) {
  t.push_back({LC_OP_ADD, 1,
               {{5, "int16 without quantization", all({in(0, LC_INT16), negate(quantized(0))})},
                {4, "int64", in(0, LC_INT64)},
                int16_non_pot_row(3),
                int8_row()}});
  t.push_back({LC_OP_SUB, 1,
               {int16_non_pot_row(5),
                {4, "int64", in(0, LC_INT64)},
                {3, "broadcasting beyond 4-D", broadcast_above_4d()},
                int8_row()}});
  t.push_back({LC_OP_MUL, 1,
               {{7, "int16 without quantization",
                 all({in(0, LC_INT16), negate(quantized(0)), negate(quantized(1))})},
                {5, "int64", in(0, LC_INT64)},
                {4, "int16", in(0, LC_INT16)},
                {3, "quantized with rescale s1*s2/s_out >= 1", mul_rescale_at_least_1()},
                int8_row()}});
  t.push_back({LC_OP_DIV, 1, {{2, "broadcasting beyond 4-D", broadcast_above_4d()}}});
  for (int32_t op : {LC_OP_MAXIMUM, LC_OP_MINIMUM})
    t.push_back({op, 1, {int16_io_row(4), {3, "broadcasting beyond 4-D", broadcast_above_4d()}, int8_row()}});
  t.push_back({LC_OP_POW, 1, {}});
  t.push_back({LC_OP_SQUARED_DIFFERENCE, 1, {int8_row()}});
  t.push_back({LC_OP_FLOOR_DIV, 1, {int8_or_int16_row(3), {2, "float32", in(0, LC_FLOAT32)}}});
  t.push_back({LC_OP_FLOOR_MOD, 1, {int8_or_int16_row(2)}});
}

void comparison_rules(Table& t) {
  // EQUAL: TFLite's versioning tools first gave int16 version 4 (2.13), and now give it 5
  // (2.21); we follow the current one, which older runtimes refuse rather than misrun.
  t.push_back({LC_OP_EQUAL, 1, {int16_row(5), int8_row()}});
  t.push_back({LC_OP_NOT_EQUAL, 1, {int16_row(4), int8_row()}});
  for (int32_t op : {LC_OP_LESS, LC_OP_GREATER_EQUAL}) t.push_back({op, 1, {int16_row(3), int8_row()}});
  for (int32_t op : {LC_OP_GREATER, LC_OP_LESS_EQUAL}) t.push_back({op, 1, {int8_row()}});
  for (int32_t op : {LC_OP_LOGICAL_AND, LC_OP_LOGICAL_OR, LC_OP_LOGICAL_NOT}) t.push_back({op, 1, {}});
  // SELECT's version 2 means int8 values (inputs 1 and 2); TFLite's own versioning reads the
  // bool condition (input 0) there, so its converter never writes 2. We look at the values.
  t.push_back({LC_OP_SELECT, 1, {{3, "5-D operands", any_input_rank_above(4)}, {2, "int8", in(1, LC_INT8)}}});
  t.push_back({LC_OP_SELECT_V2, 1, {}});  // version 2 is uint32, which litecast does not write
}

// Convolutions and dense layers. "int16 activations" (16x8 quantization) is read from input 0
// and output 0: TFLite's versioning also asks for int16 weights, which the 16x8 kernels do not
// take, and reads a second output that CONV_2D and DEPTHWISE_CONV_2D do not have.
// 16x8 with quantized_bias_type set; the activations are input `x`, the weights input 1.
Row int16_bias_type_row(int32_t v, size_t x) {
  return {v, "int16 activations, int8 weights, explicit bias type",
          all({in(x, LC_INT16), in(1, LC_INT8), out(0, LC_INT16), option_set("quantized_bias_type")})};
}

void conv_rules(Table& t) {
  t.push_back({LC_OP_CONV_2D, 1,
               {int16_bias_type_row(8, 0),
                {6, "grouped (input channels differ from filter channels)", grouped_conv()},
                {5, "hybrid, per-channel weights", all({hybrid(1), per_channel_in(1)})},
                {4, "int16 activations", io(LC_INT16)},
                {3, "int8", int8_io_weights(1)},
                {2, "hybrid", hybrid(1)}}});
  t.push_back({LC_OP_DEPTHWISE_CONV_2D, 1,
               {{6, "hybrid, per-channel weights", all({hybrid(1), per_channel_in(1)})},
                {5, "int16 activations", io(LC_INT16)},
                {4, "hybrid", hybrid(1)},
                {3, "int8", int8_io_weights(1)},
                {2, "dilation", any({option_set("dilation_w_factor", 1), option_set("dilation_h_factor", 1)})}}});
  // TRANSPOSE_CONV's inputs: output shape, weights, activations, bias. TFLite's versioning
  // reads the int16 activations from input 0 (the int32 output shape); we read input 2.
  t.push_back({LC_OP_TRANSPOSE_CONV, 1,
               {int16_bias_type_row(5, 2),
                {4, "fused activation", option_set("fused_activation_function")},
                {3, "bias input", present(3)},
                {2, "int8 weights", in(1, LC_INT8)}}});
  t.push_back({LC_OP_FULLY_CONNECTED, 1,
               {{12, "hybrid, per-channel weights", all({hybrid(1), per_channel_in(1)})},
                int16_bias_type_row(11, 0),
                {9, "hybrid, asymmetric input quantization",
                 all({hybrid(1), option_set("asymmetric_quantize_inputs")})},
                {7, "int16 activations", io(LC_INT16)},
                {6, "no bias input", input_count(2)},
                {5, "keep_num_dims", option_set("keep_num_dims")},
                {4, "int8", int8_io_weights(1)},
                {3, "hybrid", hybrid(1)},
                {2, "shuffled 4x16 int8 weights", option_set("weights_format")}}});
  t.push_back({LC_OP_BATCH_MATMUL, 1,
               {{4, "hybrid, asymmetric input quantization",
                 all({hybrid(1), option_set("asymmetric_quantize_inputs")})},
                int16_row(3),
                int8_row()}});
  for (int32_t op : {LC_OP_AVERAGE_POOL_2D, LC_OP_MAX_POOL_2D}) t.push_back({op, 1, {int16_io_row(3), int8_row()}});
  t.push_back({LC_OP_L2_POOL_2D, 1, {}});
  // Version 5 (int16 activations, int8 weights) exists in TFLite's versioning but no released
  // resolver registers it (they stop at 4), so it is not a row; see resolver_max_version.
  t.push_back({LC_OP_UNIDIRECTIONAL_SEQUENCE_LSTM, 1,
               {{4, "diagonal recurrent tensors", option_set("diagonal_recurrent_tensors")},
                {3, "hybrid, asymmetric input quantization",
                 all({hybrid(2), option_set("asymmetric_quantize_inputs")})},
                {2, "hybrid", hybrid(2)}}});
  // Hybrid: int8 weights from input 1 (BIDIRECTIONAL_SEQUENCE_LSTM's forward input-to-input
  // weights, UNIDIRECTIONAL_SEQUENCE_RNN's input weights) with float activations.
  for (int32_t op : {LC_OP_BIDIRECTIONAL_SEQUENCE_LSTM, LC_OP_UNIDIRECTIONAL_SEQUENCE_RNN})
    t.push_back({op, 1,
                 {{3, "hybrid, asymmetric input quantization",
                   all({hybrid(1), option_set("asymmetric_quantize_inputs")})},
                  {2, "hybrid", hybrid(1)}}});
}

void shape_rules(Table& t) {
  t.push_back({LC_OP_CONCATENATION, 1, {int16_row(3), int8_row()}});
  for (int32_t op : {LC_OP_RESHAPE, LC_OP_SQUEEZE, LC_OP_EXPAND_DIMS, LC_OP_SHAPE, LC_OP_SCATTER_ND, LC_OP_CUMSUM})
    t.push_back({op, 1, {}});
  t.push_back({LC_OP_TRANSPOSE, 1,
               {{8, "rank > 6", rank_above(0, 6)},
                {6, "rank > 5", rank_above(0, 5)},
                {5, "int16", in(0, LC_INT16)},
                {4, "rank > 4", rank_above(0, 4)},
                bool_row(3),
                int8_row()}});
  for (int32_t op : {LC_OP_PAD, LC_OP_PADV2})
    t.push_back({op, 1, {bool_row(5), {4, "rank > 4", rank_above(0, 4)}, int16_row(3), int8_row()}});
  t.push_back({LC_OP_MIRROR_PAD, 1, {int16_row(3), int8_row()}});
  t.push_back({LC_OP_SLICE, 1, {{5, "rank > 4", rank_above(0, 4)}, int16_row(4), int8_row()}});
  t.push_back({LC_OP_STRIDED_SLICE, 1,
               {{8, "offset", option_set("offset")},
                {6, "ellipsis or new-axis mask", any({option_set("ellipsis_mask"), option_set("new_axis_mask")})},
                {4, "rank > 4", rank_above(0, 4)},
                bool_row(3),
                int8_row()}});
  t.push_back({LC_OP_GATHER, 1,
               {{6, "int16 indices", in(1, LC_INT16)},
                {5, "batch_dims", option_set("batch_dims")},
                int16_row(4),
                bool_row(3),
                int8_row()}});
  t.push_back({LC_OP_GATHER_ND, 1, {bool_row(5), {4, "int16 indices", in(1, LC_INT16)}, int16_row(3)}});
  // SPLIT's data is input 1 (input 0 is the axis).
  t.push_back({LC_OP_SPLIT, 1,
               {{4, "int16", in(1, LC_INT16)}, {3, "int32", in(1, LC_INT32)}, {2, "int8", in(1, LC_INT8)}}});
  t.push_back({LC_OP_SPLIT_V, 1, {int8_row()}});
  t.push_back({LC_OP_PACK, 1, {int16_io_row(3), int8_row()}});
  t.push_back({LC_OP_UNPACK, 1, {int16_io_row(4), bool_row(3), {2, "int8 or uint8", in_any(0, {LC_INT8, LC_UINT8})}}});
  t.push_back({LC_OP_TILE, 1, {int8_row(3)}});
  // Version 1 was withdrawn before release (its builtin code was reassigned): 2 is the first.
  t.push_back({LC_OP_BROADCAST_TO, 2, {int8_or_int16_row(3)}});
  t.push_back({LC_OP_REVERSE_V2, 1, {int8_row(3), bool_row(2)}});
  t.push_back({LC_OP_TOPK_V2, 1,
               {{3, "int16 values, k or indices", any({in(0, LC_INT16), in(1, LC_INT16), out(1, LC_INT16)})},
                int8_row()}});
  t.push_back({LC_OP_RESIZE_BILINEAR, 1,
               {int16_row(4), {3, "half_pixel_centers", option_set("half_pixel_centers")}, int8_row()}});
  t.push_back({LC_OP_RESIZE_NEAREST_NEIGHBOR, 1,
               {int16_row(4),
                {3, "half_pixel_centers or align_corners",
                 any({option_set("half_pixel_centers"), option_set("align_corners")})},
                int8_row()}});
  for (int32_t op : {LC_OP_DEPTH_TO_SPACE, LC_OP_SPACE_TO_DEPTH}) t.push_back({op, 1, {int8_row()}});
  // FILL's value is input 1.
  t.push_back({LC_OP_FILL, 1,
               {{3, "int8 or int16 value", in_any(1, {LC_INT8, LC_INT16})}, {2, "bool value", in(1, LC_BOOL)}}});
}

void reduction_and_activation_rules(Table& t) {
  for (int32_t op : {LC_OP_MEAN, LC_OP_REDUCE_MAX, LC_OP_REDUCE_MIN, LC_OP_SOFTMAX, LC_OP_RELU6, LC_OP_RSQRT})
    t.push_back({op, 1, {int16_row(3), int8_row()}});
  for (int32_t op : {LC_OP_SUM, LC_OP_LOG_SOFTMAX}) t.push_back({op, 1, {int8_row()}});
  for (int32_t op : {LC_OP_REDUCE_PROD, LC_OP_EXP, LC_OP_LOG, LC_OP_SQRT}) t.push_back({op, 1, {int8_or_int16_row(2)}});
  for (int32_t op : {LC_OP_ARG_MAX, LC_OP_ARG_MIN}) t.push_back({op, 1, {bool_row(3), int8_row()}});
  for (int32_t op : {LC_OP_LOGISTIC, LC_OP_TANH}) t.push_back({op, 1, {int16_io_row(3), int8_row()}});
  t.push_back({LC_OP_RELU, 1, {int16_row(3), {2, "int8 or uint8", in_any(0, {LC_INT8, LC_UINT8})}}});
  t.push_back({LC_OP_LEAKY_RELU, 1, {int16_row(2)}});
  t.push_back({LC_OP_GELU, 1, {{2, "int8 or uint8", in_any(0, {LC_INT8, LC_UINT8})}}});
  for (int32_t op : {LC_OP_REDUCE_ANY, LC_OP_RELU_N1_TO_1, LC_OP_RELU_0_TO_1, LC_OP_PRELU, LC_OP_ELU,
                     LC_OP_HARD_SWISH, LC_OP_NEG, LC_OP_SQUARE, LC_OP_SIN, LC_OP_COS, LC_OP_FLOOR, LC_OP_CEIL,
                     LC_OP_ROUND})
    t.push_back({op, 1, {}});
  t.push_back({LC_OP_ABS, 1,
               {{5, "int32", in(0, LC_INT32)},
                {4, "int16 without quantization", all({in(0, LC_INT16), negate(quantized(0))})},
                {3, "quantized int16", all({in(0, LC_INT16), quantized(0)})},
                {2, "int8 or uint8", in_any(0, {LC_INT8, LC_UINT8})}}});
  t.push_back({LC_OP_SIGN, 1, {{2, "int32", in(0, LC_INT32)}}});
  t.push_back({LC_OP_L2_NORMALIZATION, 1, {{2, "int8 output", out(0, LC_INT8)}}});
}

void quantization_rules(Table& t) {
  t.push_back({LC_OP_CAST, 1,
               {{5, "float16 or float64",
                 any({in_any(0, {LC_FLOAT16, LC_FLOAT64}), out_any(0, {LC_FLOAT16, LC_FLOAT64})})},
                {3, "int8", any({in(0, LC_INT8), out(0, LC_INT8)})}}});
  t.push_back({LC_OP_QUANTIZE, 1,
               {{3, "per-channel output", per_channel_out(0)}, {2, "int16 output", out(0, LC_INT16)}}});
  t.push_back({LC_OP_DEQUANTIZE, 1,
               {{5, "per-channel int8", all({in(0, LC_INT8), per_channel_in(0)})},
                {3, "int16 or float16", in_any(0, {LC_INT16, LC_FLOAT16})},
                int8_row()}});
}

// clang-format on

const std::map<int32_t, Entry>& table() {
  static const std::map<int32_t, Entry> by_op = [] {
    Table t;
    binary_rules(t);
    comparison_rules(t);
    conv_rules(t);
    shape_rules(t);
    reduction_and_activation_rules(t);
    quantization_rules(t);
    std::map<int32_t, Entry> m;
    for (Entry& e : t) m.emplace(e.op, std::move(e));
    return m;
  }();
  return by_op;
}

// ---- the runtime table ------------------------------------------------------------------
// Per operator: the highest version LiteRT's builtin resolver registers (that of ai-edge-litert
// 2.3.0, which tests/e2e/test_op_versions.py checks: the maximum loads, one more is refused),
// then the first TFLite runtime release registering each version (since[v - 1]; null: the
// version does not exist or its release is not known here).
struct Release {
  int32_t op;
  int32_t resolver_max;
  const char* since[14];
};
// clang-format off
const Release kReleases[] = {
    {LC_OP_ADD, 6, {"1.5.0", "1.14.0", "2.4.0", "2.6.0", "2.13.0", "2.23.0"}},
    {LC_OP_SUB, 5, {"1.6.0", "1.14.0", "2.3.0", "2.4.0", "2.4.0"}},
    {LC_OP_MUL, 8, {"1.5.0", "1.14.0", "1.15.0", "2.3.0", "2.6.0", "2.11.0", "2.13.0", "2.23.0"}},
    {LC_OP_DIV, 2, {"1.6.0", "2.3.0"}},
    {LC_OP_MAXIMUM, 4, {"1.14.0", "1.14.0", "2.3.0", "2.3.0"}},
    {LC_OP_MINIMUM, 4, {"1.14.0", "1.14.0", "2.3.0", "2.3.0"}},
    {LC_OP_POW, 1, {"1.10.0"}},
    {LC_OP_SQUARED_DIFFERENCE, 2, {"1.13.1", "2.5.0"}},
    {LC_OP_FLOOR_DIV, 3, {"1.14.0", "1.14.0", "2.13.0"}},
    {LC_OP_FLOOR_MOD, 2, {"1.13.0", "2.13.0"}},
    {LC_OP_EQUAL, 5, {"1.14.0", "1.14.0", "2.3.0", "2.13.0", "2.21.0"}},
    {LC_OP_NOT_EQUAL, 4, {"1.14.0", "1.14.0", "2.3.0", "2.21.0"}},
    {LC_OP_LESS, 3, {"1.14.0", "1.14.0", "2.13.0"}},
    {LC_OP_LESS_EQUAL, 2, {"1.14.0", "1.14.0"}},
    {LC_OP_GREATER, 2, {"1.14.0", "1.14.0"}},
    {LC_OP_GREATER_EQUAL, 3, {"1.14.0", "1.14.0", "2.13.0"}},
    {LC_OP_LOGICAL_AND, 1, {"1.11.0"}},
    {LC_OP_LOGICAL_OR, 1, {"1.11.0"}},
    {LC_OP_LOGICAL_NOT, 1, {"1.11.0"}},
    {LC_OP_SELECT, 4, {"1.14.0", "1.14.0", "2.12.0", "2.12.0"}},
    {LC_OP_SELECT_V2, 2, {"2.2.0", "2.12.0"}},
    {LC_OP_CONV_2D, 8, {"1.5.0", "1.14.0", "1.14.0", "2.3.0", "2.4.0", "2.9.0", "2.11.0", "2.15.0"}},
    {LC_OP_DEPTHWISE_CONV_2D, 7, {"1.5.0", "1.12.0", "1.14.0", "2.2.0", "2.3.0", "2.3.0", "2.11.0"}},
    {LC_OP_TRANSPOSE_CONV, 5, {"1.9.0", "2.2.0", "2.3.0", "2.13.0", "2.15.0"}},
    {LC_OP_FULLY_CONNECTED, 14, {"1.5.0", "1.10.0", "1.14.0", "1.14.0", "2.0.0", "2.1.0", "2.3.0", "2.3.0", "2.3.0",
                                 "2.11.0", "2.15.0", "2.17.0", "2.18.0", "2.21.0"}},
    {LC_OP_BATCH_MATMUL, 4, {"2.3.0", "2.3.0", "2.4.0", "2.5.0"}},
    {LC_OP_AVERAGE_POOL_2D, 3, {"1.5.0", "1.14.0", "2.3.0"}},
    {LC_OP_MAX_POOL_2D, 3, {"1.5.0", "1.14.0", "2.3.0"}},
    {LC_OP_L2_POOL_2D, 1, {"1.5.0"}},
    {LC_OP_UNIDIRECTIONAL_SEQUENCE_LSTM, 4, {"1.13.1", "1.14.0", "2.3.0", "2.12.0"}},
    {LC_OP_BIDIRECTIONAL_SEQUENCE_LSTM, 3, {"1.14.0", "1.14.0", "2.3.0"}},
    {LC_OP_UNIDIRECTIONAL_SEQUENCE_RNN, 3, {"1.14.0", "1.14.0", "2.3.0"}},
    {LC_OP_CONCATENATION, 7, {"1.5.0", "1.14.0", "2.3.0", "2.14.0", "2.21.0", "2.23.0"}},
    {LC_OP_RESHAPE, 1, {"1.5.0"}},
    {LC_OP_SQUEEZE, 2, {"1.6.0", "2.5.0"}},
    {LC_OP_EXPAND_DIMS, 1, {"1.10.0"}},
    {LC_OP_SHAPE, 1, {"1.10.0"}},
    {LC_OP_SCATTER_ND, 1, {"2.1.0"}},
    {LC_OP_CUMSUM, 1, {"2.4.0"}},
    {LC_OP_TRANSPOSE, 9, {"1.6.0", "1.14.0", "1.15.0", "2.3.0", "2.4.0", "2.12.0", "2.14.4", "2.22.0", "2.23.0"}},
    {LC_OP_PAD, 6, {"1.5.0", "1.14.0", "2.4.0", "2.6.0", "2.20.0"}},
    {LC_OP_PADV2, 6, {"1.9.0", "1.14.0", "2.4.0", "2.6.0", "2.20.0"}},
    {LC_OP_MIRROR_PAD, 3, {"1.13.1", "2.3.0", "2.12.0"}},
    {LC_OP_SLICE, 8, {"1.14.0", "1.14.0", "1.14.0", "2.4.0", "2.5.0", "2.14.0", "2.21.0", "2.23.0"}},
    {LC_OP_STRIDED_SLICE, 8, {"1.6.0", "1.14.0", "2.1.0", "2.2.0", "2.5.0", "2.6.0", "2.14.0", "2.14.0"}},
    {LC_OP_GATHER, 8, {"1.6.0", "1.14.0", "1.15.0", "2.4.0", "2.5.0", "2.13.0", "2.15.0"}},
    {LC_OP_GATHER_ND, 6, {"1.14.0", "2.3.0", "2.5.0", "2.13.0", "2.16.0"}},
    {LC_OP_SPLIT, 5, {"1.5.0", "1.14.0", "1.14.0", "2.3.0"}},
    {LC_OP_SPLIT_V, 3, {"1.13.1", "2.3.0"}},
    {LC_OP_PACK, 5, {"1.11.0", "1.14.0", "2.3.0", "2.13.0"}},
    {LC_OP_UNPACK, 6, {"1.11.0", "1.14.0", "2.2.0", "2.3.0", "2.22.0"}},
    {LC_OP_TILE, 3, {"1.10.1", "2.2.0", "2.8.0"}},
    {LC_OP_BROADCAST_TO, 4, {nullptr, "2.5.0", "2.5.0"}},
    {LC_OP_REVERSE_V2, 4, {"1.14.0", "2.2.0", "2.5.0"}},
    {LC_OP_TOPK_V2, 3, {"1.7.0", "1.14.0", "2.13.0"}},
    {LC_OP_RESIZE_BILINEAR, 4, {"1.7.0", "1.14.0", "2.2.0", "2.5.0"}},
    {LC_OP_RESIZE_NEAREST_NEIGHBOR, 4, {"1.13.1", "1.14.0", "2.3.0", "2.4.0"}},
    {LC_OP_DEPTH_TO_SPACE, 2, {"2.1.0", "2.5.0"}},
    {LC_OP_SPACE_TO_DEPTH, 2, {"1.5.0", "1.14.0"}},
    {LC_OP_FILL, 5, {"1.13.0", "2.3.0", "2.5.0", "2.12.0"}},
    {LC_OP_MEAN, 3, {"1.6.0", "1.14.0", "2.4.0"}},
    {LC_OP_SUM, 2, {"1.10.0", "1.15.0"}},
    {LC_OP_REDUCE_MAX, 3, {"1.11.0", "1.14.0", "2.5.0"}},
    {LC_OP_REDUCE_MIN, 3, {"1.11.0", "1.14.0", "2.5.0"}},
    {LC_OP_REDUCE_PROD, 2, {"1.11.0", "2.6.0"}},
    {LC_OP_REDUCE_ANY, 1, {"1.11.0"}},
    {LC_OP_ARG_MAX, 3, {"1.9.0", "1.14.0", "2.9.0"}},
    {LC_OP_ARG_MIN, 3, {"1.9.0", "1.14.0", "2.9.0"}},
    {LC_OP_SOFTMAX, 4, {"1.5.0", "1.14.0", "2.3.0", "2.23.0"}},
    {LC_OP_LOG_SOFTMAX, 2, {"1.14.0", "1.14.0"}},
    {LC_OP_LOGISTIC, 3, {"1.14.0", "1.14.0", "2.3.0"}},
    {LC_OP_TANH, 3, {"1.14.0", "1.14.0", "2.3.0"}},
    {LC_OP_RELU, 3, {"1.5.0", "2.1.0", "2.5.0"}},
    {LC_OP_RELU6, 3, {"1.5.0", "1.14.0", "2.5.0"}},
    {LC_OP_RELU_N1_TO_1, 1, {"1.5.0"}},
    {LC_OP_RELU_0_TO_1, 1, {"2.10.0"}},
    {LC_OP_LEAKY_RELU, 2, {"1.13.1", "2.3.0"}},
    {LC_OP_PRELU, 1, {"1.8.0"}},
    {LC_OP_ELU, 1, {"1.14.0"}},
    {LC_OP_HARD_SWISH, 1, {"1.15.0"}},
    {LC_OP_GELU, 3, {"2.9.0", "2.9.0"}},
    {LC_OP_ABS, 5, {"1.13.0", "2.4.0", "2.5.0", "2.6.0", "2.12.0"}},
    {LC_OP_NEG, 1, {"1.9.0"}},
    {LC_OP_EXP, 2, {"1.7.0", "2.12.0"}},
    {LC_OP_LOG, 2, {"1.14.0", "2.15.0"}},
    {LC_OP_SQRT, 2, {"1.10.0", "2.21.0"}},
    {LC_OP_RSQRT, 3, {"1.10.0", "2.5.0", "2.15.0"}},
    {LC_OP_SQUARE, 1, {"1.12.0"}},
    {LC_OP_SIN, 2, {"1.9.0", "2.23.0"}},
    {LC_OP_COS, 2, {"1.14.0", "2.23.0"}},
    {LC_OP_FLOOR, 1, {"1.9.0"}},
    {LC_OP_CEIL, 1, {"1.14.0"}},
    {LC_OP_ROUND, 1, {"1.14.0"}},
    {LC_OP_SIGN, 2, {"2.11.0", "2.12.0"}},
    {LC_OP_L2_NORMALIZATION, 2, {"1.5.0", "1.14.0"}},
    {LC_OP_CAST, 9, {"1.5.0", "2.7.0", "2.8.0", "2.9.0", "2.12.0", "2.15.0", "2.17.0", "2.21.0"}},
    {LC_OP_QUANTIZE, 6, {"1.14.0", "1.15.0", "2.7.0", "2.21.0", "2.21.0", "2.21.0"}},
    {LC_OP_DEQUANTIZE, 9, {"1.13.1", "1.14.0", "1.15.0", "2.2.0", "2.7.0", "2.18.0", "2.21.0", "2.22.0"}},
};
// clang-format on

const Release* release_of(int32_t builtin_code) {
  for (const Release& r : kReleases)
    if (r.op == builtin_code) return &r;
  return nullptr;
}

}  // namespace

int32_t operator_version(const Model& m, const Operator& op) {
  auto it = table().find(op.builtin_code);
  if (it == table().end()) return 1;
  Sig sig{op, tensor_sigs(m, op.inputs), tensor_sigs(m, op.outputs)};
  for (const Row& r : it->second.rows)  // newest first: the first match is the highest
    if (r.when(sig)) return r.version;
  return it->second.base;
}

std::vector<int32_t> versioned_operators() {
  std::vector<int32_t> ops;
  for (const auto& [op, e] : table()) ops.push_back(op);
  return ops;
}

int32_t base_version(int32_t builtin_code) {
  auto it = table().find(builtin_code);
  return it == table().end() ? 0 : it->second.base;
}

std::string min_runtime_version(int32_t builtin_code, int32_t version) {
  const Release* r = release_of(builtin_code);
  if (!r || version < 1 || version > 14 || !r->since[version - 1]) return "";
  return r->since[version - 1];
}

int32_t resolver_max_version(int32_t builtin_code) {
  const Release* r = release_of(builtin_code);
  return r ? r->resolver_max : 0;
}

std::vector<VersionRule> version_rules(int32_t builtin_code) {
  std::vector<VersionRule> rules;
  auto it = table().find(builtin_code);
  if (it != table().end())
    for (const Row& r : it->second.rows) rules.push_back({r.version, r.feature});
  return rules;
}

}  // namespace litecast::tflite
