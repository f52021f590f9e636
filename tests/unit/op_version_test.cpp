// Operator versions: one row per rule of host/src/tflite/op_version.cpp's table (and one per
// operator at its base version), built as one-operator models; then checks of the table
// itself (rows newest first, every rule covered by a row here, every version known to the
// runtime table and within the resolver's range) and of the writer's use of it.
#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>
#include <litecast/tflite_model.hpp>

#include "tflite/op_version.hpp"

#include <gtest/gtest.h>

#include <set>

namespace litecast {
namespace {

// A tensor of a row: type, shape, quantization (scale, number of scales, axis).
struct T {
  int32_t type = LC_FLOAT32;
  std::vector<int32_t> shape = {1, 4};
  size_t scales = 0;
  float scale = 0.5f;
  int32_t axis = 0;
  bool absent = false;
};

T f32(std::vector<int32_t> shape = {1, 4}) {
  return {LC_FLOAT32, shape};
}
T of(int32_t type, std::vector<int32_t> shape = {1, 4}) {
  return {type, shape};
}
// Quantized per tensor (one scale).
T qt(int32_t type, std::vector<int32_t> shape = {1, 4}, float scale = 0.5f) {
  return {type, shape, 1, scale};
}
// Quantized per channel along `axis`.
T pc(int32_t type, std::vector<int32_t> shape, int32_t axis) {
  return {type, shape, static_cast<size_t>(shape[static_cast<size_t>(axis)]), 0.5f, axis};
}
T absent() {
  return {LC_FLOAT32, {}, 0, 0.5f, 0, true};
}
Option opt(const std::string& field, int64_t v) {
  return {field, v};
}
Option en(const std::string& field, const char* e) {
  return {field, EnumName{e}};
}

struct Row {
  std::string name;
  int32_t op;
  std::vector<T> in;
  std::vector<T> out;
  std::vector<Option> options;
  int32_t expected;
};

void PrintTo(const Row& r, std::ostream* os) {
  *os << r.name;
}

Model one_op(const Row& r) {
  Model m;
  Operator op;
  op.builtin_code = r.op;
  op.options = r.options;
  auto add = [&](const T& t, std::vector<int32_t>& ids) {
    if (t.absent) {
      ids.push_back(-1);
      return;
    }
    Tensor x;
    x.name = "t" + std::to_string(m.tensors.size());
    x.type = t.type;
    x.shape = t.shape;
    x.quant.scales.assign(t.scales, t.scale);
    x.quant.zero_points.assign(t.scales, 0);
    x.quant.quantized_axis = t.axis;
    ids.push_back(static_cast<int32_t>(m.tensors.size()));
    m.tensors.push_back(x);
  };
  for (const T& t : r.in) add(t, op.inputs);
  for (const T& t : r.out) add(t, op.outputs);
  m.operators = {op};
  return m;
}

const std::vector<int32_t> k4 = {1, 4, 4, 4};
const std::vector<int32_t> k5 = {1, 2, 2, 2, 4};
const std::vector<int32_t> k6 = {1, 2, 2, 2, 2, 4};

// One row per line: the rows are a table.
// clang-format off
// The binary element-wise operators and comparisons.
std::vector<Row> binary_rows() {
  const T i8 = qt(LC_INT8), i16 = qt(LC_INT16), b = of(LC_BOOL);
  return {
      {"ADD_float32", LC_OP_ADD, {f32(), f32()}, {f32()}, {}, 1},
      {"ADD_5d_broadcast_has_no_rule", LC_OP_ADD, {f32(k5), f32({4})}, {f32(k5)}, {}, 1},
      {"ADD_int8", LC_OP_ADD, {i8, i8}, {i8}, {}, 2},
      {"ADD_int16_pot_scales", LC_OP_ADD, {i16, i16}, {i16}, {}, 1},
      {"ADD_int16_non_pot_scales", LC_OP_ADD, {i16, i16}, {i16}, {opt("pot_scale_int16", 0)}, 3},
      {"ADD_int64", LC_OP_ADD, {of(LC_INT64), of(LC_INT64)}, {of(LC_INT64)}, {}, 4},
      {"ADD_int16_unquantized", LC_OP_ADD, {of(LC_INT16), of(LC_INT16)}, {of(LC_INT16)}, {}, 5},
      {"SUB_float32", LC_OP_SUB, {f32(), f32()}, {f32()}, {}, 1},
      {"SUB_int8", LC_OP_SUB, {i8, i8}, {i8}, {}, 2},
      {"SUB_5d_same_shapes", LC_OP_SUB, {f32(k5), f32(k5)}, {f32(k5)}, {}, 1},
      {"SUB_5d_broadcast", LC_OP_SUB, {f32(k5), f32({4})}, {f32(k5)}, {}, 3},
      {"SUB_int64", LC_OP_SUB, {of(LC_INT64), of(LC_INT64)}, {of(LC_INT64)}, {}, 4},
      {"SUB_int16_non_pot_scales", LC_OP_SUB, {i16, i16}, {i16}, {opt("pot_scale_int16", 0)}, 5},
      {"MUL_float32", LC_OP_MUL, {f32(), f32()}, {f32()}, {}, 1},
      {"MUL_int8", LC_OP_MUL, {i8, i8}, {i8}, {}, 2},
      {"MUL_int8_rescale_ge_1", LC_OP_MUL, {qt(LC_INT8, {1, 4}, 2), qt(LC_INT8, {1, 4}, 2)}, {qt(LC_INT8, {1, 4}, 1)},
       {}, 3},
      {"MUL_int16", LC_OP_MUL, {i16, i16}, {i16}, {}, 4},
      {"MUL_int64", LC_OP_MUL, {of(LC_INT64), of(LC_INT64)}, {of(LC_INT64)}, {}, 5},
      {"MUL_int16_unquantized", LC_OP_MUL, {of(LC_INT16), of(LC_INT16)}, {of(LC_INT16)}, {}, 7},
      {"DIV_float32", LC_OP_DIV, {f32(), f32()}, {f32()}, {}, 1},
      {"DIV_5d_broadcast", LC_OP_DIV, {f32(k5), f32({4})}, {f32(k5)}, {}, 2},
      {"MAXIMUM_float32", LC_OP_MAXIMUM, {f32(), f32()}, {f32()}, {}, 1},
      {"MAXIMUM_int8", LC_OP_MAXIMUM, {i8, i8}, {i8}, {}, 2},
      {"MAXIMUM_5d_broadcast", LC_OP_MAXIMUM, {f32(k5), f32({4})}, {f32(k5)}, {}, 3},
      {"MAXIMUM_int16", LC_OP_MAXIMUM, {i16, i16}, {i16}, {}, 4},
      {"MINIMUM_float32", LC_OP_MINIMUM, {f32(), f32()}, {f32()}, {}, 1},
      {"MINIMUM_int8", LC_OP_MINIMUM, {i8, i8}, {i8}, {}, 2},
      {"MINIMUM_5d_broadcast", LC_OP_MINIMUM, {f32({4}), f32(k5)}, {f32(k5)}, {}, 3},
      {"MINIMUM_int16", LC_OP_MINIMUM, {i16, i16}, {i16}, {}, 4},
      {"POW_float32", LC_OP_POW, {f32(), f32()}, {f32()}, {}, 1},
      {"SQUARED_DIFFERENCE_float32", LC_OP_SQUARED_DIFFERENCE, {f32(), f32()}, {f32()}, {}, 1},
      {"SQUARED_DIFFERENCE_int8", LC_OP_SQUARED_DIFFERENCE, {i8, i8}, {i8}, {}, 2},
      {"FLOOR_DIV_int32", LC_OP_FLOOR_DIV, {of(LC_INT32), of(LC_INT32)}, {of(LC_INT32)}, {}, 1},
      {"FLOOR_DIV_float32", LC_OP_FLOOR_DIV, {f32(), f32()}, {f32()}, {}, 2},
      {"FLOOR_DIV_int8", LC_OP_FLOOR_DIV, {of(LC_INT8), of(LC_INT8)}, {of(LC_INT8)}, {}, 3},
      {"FLOOR_DIV_int16", LC_OP_FLOOR_DIV, {of(LC_INT16), of(LC_INT16)}, {of(LC_INT16)}, {}, 3},
      {"FLOOR_MOD_int32", LC_OP_FLOOR_MOD, {of(LC_INT32), of(LC_INT32)}, {of(LC_INT32)}, {}, 1},
      {"FLOOR_MOD_int16", LC_OP_FLOOR_MOD, {of(LC_INT16), of(LC_INT16)}, {of(LC_INT16)}, {}, 2},
      {"EQUAL_float32", LC_OP_EQUAL, {f32(), f32()}, {b}, {}, 1},
      {"EQUAL_int8", LC_OP_EQUAL, {i8, i8}, {b}, {}, 2},
      {"EQUAL_int16", LC_OP_EQUAL, {i16, i16}, {b}, {}, 5},
      {"NOT_EQUAL_float32", LC_OP_NOT_EQUAL, {f32(), f32()}, {b}, {}, 1},
      {"NOT_EQUAL_int8", LC_OP_NOT_EQUAL, {i8, i8}, {b}, {}, 2},
      {"NOT_EQUAL_int16", LC_OP_NOT_EQUAL, {i16, i16}, {b}, {}, 4},
      {"LESS_float32", LC_OP_LESS, {f32(), f32()}, {b}, {}, 1},
      {"LESS_int8", LC_OP_LESS, {i8, i8}, {b}, {}, 2},
      {"LESS_int16", LC_OP_LESS, {i16, i16}, {b}, {}, 3},
      {"GREATER_EQUAL_float32", LC_OP_GREATER_EQUAL, {f32(), f32()}, {b}, {}, 1},
      {"GREATER_EQUAL_int8", LC_OP_GREATER_EQUAL, {i8, i8}, {b}, {}, 2},
      {"GREATER_EQUAL_int16", LC_OP_GREATER_EQUAL, {i16, i16}, {b}, {}, 3},
      {"GREATER_float32", LC_OP_GREATER, {f32(), f32()}, {b}, {}, 1},
      {"GREATER_int8", LC_OP_GREATER, {i8, i8}, {b}, {}, 2},
      {"LESS_EQUAL_float32", LC_OP_LESS_EQUAL, {f32(), f32()}, {b}, {}, 1},
      {"LESS_EQUAL_int8", LC_OP_LESS_EQUAL, {i8, i8}, {b}, {}, 2},
      {"LOGICAL_AND_bool", LC_OP_LOGICAL_AND, {b, b}, {b}, {}, 1},
      {"LOGICAL_OR_bool", LC_OP_LOGICAL_OR, {b, b}, {b}, {}, 1},
      {"LOGICAL_NOT_bool", LC_OP_LOGICAL_NOT, {b}, {b}, {}, 1},
      {"SELECT_float32", LC_OP_SELECT, {b, f32(), f32()}, {f32()}, {}, 1},
      {"SELECT_int8_values", LC_OP_SELECT, {b, i8, i8}, {i8}, {}, 2},
      {"SELECT_5d", LC_OP_SELECT, {of(LC_BOOL, k5), f32(k5), f32(k5)}, {f32(k5)}, {}, 3},
      {"SELECT_V2_float32", LC_OP_SELECT_V2, {b, f32(), f32()}, {f32()}, {}, 1},
  };
}

// Convolutions, dense layers, pooling, LSTM.
std::vector<Row> conv_rows() {
  const T x = f32(k4), x8 = qt(LC_INT8, k4), x16 = qt(LC_INT16, k4);
  const T w = f32({4, 3, 3, 4}), w8 = qt(LC_INT8, {4, 3, 3, 4}), w8pc = pc(LC_INT8, {4, 3, 3, 4}, 0);
  const T dw8pc = pc(LC_INT8, {1, 3, 3, 4}, 3);
  const T bias = f32({4}), bias32 = qt(LC_INT32, {4}), bias64 = qt(LC_INT64, {4});
  const T fx = f32({2, 4}), fw = f32({3, 4}), fw8 = qt(LC_INT8, {3, 4}), fw8pc = pc(LC_INT8, {3, 4}, 0);
  const T fx8 = qt(LC_INT8, {2, 4}), fx16 = qt(LC_INT16, {2, 4}), fb = f32({3}), fy = f32({2, 3});
  const T fy8 = qt(LC_INT8, {2, 3}), fy16 = qt(LC_INT16, {2, 3});
  const T shape = of(LC_INT32, {4});
  return {
      {"CONV_2D_float32", LC_OP_CONV_2D, {x, w, bias}, {x}, {}, 1},
      {"CONV_2D_hybrid", LC_OP_CONV_2D, {x, w8, bias}, {x}, {}, 2},
      {"CONV_2D_int8", LC_OP_CONV_2D, {x8, w8pc, bias32}, {x8}, {}, 3},
      {"CONV_2D_int16_activations", LC_OP_CONV_2D, {x16, w8pc, bias64}, {x16}, {}, 4},
      {"CONV_2D_hybrid_per_channel", LC_OP_CONV_2D, {x, w8pc, bias}, {x}, {}, 5},
      {"CONV_2D_grouped", LC_OP_CONV_2D, {x, f32({4, 3, 3, 2}), bias}, {x}, {}, 6},
      {"CONV_2D_int16_bias_type", LC_OP_CONV_2D, {x16, w8pc, bias64}, {x16},
       {en("quantized_bias_type", "INT64")}, 8},
      {"DEPTHWISE_CONV_2D_float32", LC_OP_DEPTHWISE_CONV_2D, {x, w, bias}, {x}, {}, 1},
      {"DEPTHWISE_CONV_2D_dilation", LC_OP_DEPTHWISE_CONV_2D, {x, w, bias}, {x}, {opt("dilation_h_factor", 2)}, 2},
      {"DEPTHWISE_CONV_2D_int8", LC_OP_DEPTHWISE_CONV_2D, {x8, dw8pc, bias32}, {x8}, {}, 3},
      {"DEPTHWISE_CONV_2D_hybrid", LC_OP_DEPTHWISE_CONV_2D, {x, w8, bias}, {x}, {}, 4},
      {"DEPTHWISE_CONV_2D_int16_activations", LC_OP_DEPTHWISE_CONV_2D, {x16, dw8pc, bias64}, {x16}, {}, 5},
      {"DEPTHWISE_CONV_2D_hybrid_per_channel", LC_OP_DEPTHWISE_CONV_2D, {x, dw8pc, bias}, {x}, {}, 6},
      {"TRANSPOSE_CONV_float32", LC_OP_TRANSPOSE_CONV, {shape, w, x}, {x}, {}, 1},
      {"TRANSPOSE_CONV_int8_weights", LC_OP_TRANSPOSE_CONV, {shape, w8pc, x8}, {x8}, {}, 2},
      {"TRANSPOSE_CONV_bias", LC_OP_TRANSPOSE_CONV, {shape, w, x, bias}, {x}, {}, 3},
      {"TRANSPOSE_CONV_absent_bias", LC_OP_TRANSPOSE_CONV, {shape, w, x, absent()}, {x}, {}, 1},
      {"TRANSPOSE_CONV_fused_activation", LC_OP_TRANSPOSE_CONV, {shape, w, x}, {x},
       {en("fused_activation_function", "RELU")}, 4},
      {"TRANSPOSE_CONV_int16_bias_type", LC_OP_TRANSPOSE_CONV, {shape, w8pc, x16, bias64}, {x16},
       {en("quantized_bias_type", "INT64")}, 5},
      {"FULLY_CONNECTED_float32", LC_OP_FULLY_CONNECTED, {fx, fw, fb}, {fy}, {}, 1},
      {"FULLY_CONNECTED_shuffled_weights", LC_OP_FULLY_CONNECTED, {fx, fw, fb}, {fy},
       {en("weights_format", "SHUFFLED4x16INT8")}, 2},
      {"FULLY_CONNECTED_hybrid", LC_OP_FULLY_CONNECTED, {fx, fw8, fb}, {fy}, {}, 3},
      {"FULLY_CONNECTED_int8", LC_OP_FULLY_CONNECTED, {fx8, fw8, qt(LC_INT32, {3})}, {fy8}, {}, 4},
      {"FULLY_CONNECTED_keep_num_dims", LC_OP_FULLY_CONNECTED, {fx, fw, fb}, {fy}, {opt("keep_num_dims", 1)}, 5},
      {"FULLY_CONNECTED_no_bias", LC_OP_FULLY_CONNECTED, {fx, fw}, {fy}, {}, 6},
      {"FULLY_CONNECTED_absent_bias", LC_OP_FULLY_CONNECTED, {fx, fw, absent()}, {fy}, {}, 1},
      {"FULLY_CONNECTED_int16_activations", LC_OP_FULLY_CONNECTED, {fx16, fw8, qt(LC_INT64, {3})}, {fy16}, {}, 7},
      {"FULLY_CONNECTED_hybrid_asymmetric", LC_OP_FULLY_CONNECTED, {fx, fw8, fb}, {fy},
       {opt("asymmetric_quantize_inputs", 1)}, 9},
      {"FULLY_CONNECTED_hybrid_asymmetric_no_bias", LC_OP_FULLY_CONNECTED, {fx, fw8}, {fy},
       {opt("asymmetric_quantize_inputs", 1)}, 9},
      {"FULLY_CONNECTED_int16_bias_type", LC_OP_FULLY_CONNECTED, {fx16, fw8, qt(LC_INT32, {3})}, {fy16},
       {en("quantized_bias_type", "INT32")}, 11},
      {"FULLY_CONNECTED_hybrid_per_channel", LC_OP_FULLY_CONNECTED, {fx, fw8pc, fb}, {fy}, {}, 12},
      {"BATCH_MATMUL_float32", LC_OP_BATCH_MATMUL, {fx, f32({4, 3})}, {fy}, {}, 1},
      {"BATCH_MATMUL_hybrid", LC_OP_BATCH_MATMUL, {fx, qt(LC_INT8, {4, 3})}, {fy}, {}, 1},
      {"BATCH_MATMUL_int8", LC_OP_BATCH_MATMUL, {fx8, qt(LC_INT8, {4, 3})}, {fy8}, {}, 2},
      {"BATCH_MATMUL_int16", LC_OP_BATCH_MATMUL, {fx16, qt(LC_INT16, {4, 3})}, {fy16}, {}, 3},
      {"BATCH_MATMUL_hybrid_asymmetric", LC_OP_BATCH_MATMUL, {fx, qt(LC_INT8, {4, 3})}, {fy},
       {opt("asymmetric_quantize_inputs", 1)}, 4},
      {"AVERAGE_POOL_2D_float32", LC_OP_AVERAGE_POOL_2D, {x}, {x}, {}, 1},
      {"AVERAGE_POOL_2D_int8", LC_OP_AVERAGE_POOL_2D, {x8}, {x8}, {}, 2},
      {"AVERAGE_POOL_2D_int16", LC_OP_AVERAGE_POOL_2D, {x16}, {x16}, {}, 3},
      {"MAX_POOL_2D_float32", LC_OP_MAX_POOL_2D, {x}, {x}, {}, 1},
      {"MAX_POOL_2D_int8", LC_OP_MAX_POOL_2D, {x8}, {x8}, {}, 2},
      {"MAX_POOL_2D_int16", LC_OP_MAX_POOL_2D, {x16}, {x16}, {}, 3},
      {"L2_POOL_2D_float32", LC_OP_L2_POOL_2D, {x}, {x}, {}, 1},
      {"UNIDIRECTIONAL_SEQUENCE_LSTM_float32", LC_OP_UNIDIRECTIONAL_SEQUENCE_LSTM, {fx, fw, fw}, {fx}, {}, 1},
      {"UNIDIRECTIONAL_SEQUENCE_LSTM_hybrid", LC_OP_UNIDIRECTIONAL_SEQUENCE_LSTM, {fx, fw8, fw8}, {fx}, {}, 2},
      {"UNIDIRECTIONAL_SEQUENCE_LSTM_hybrid_asymmetric", LC_OP_UNIDIRECTIONAL_SEQUENCE_LSTM, {fx, fw8, fw8}, {fx},
       {opt("asymmetric_quantize_inputs", 1)}, 3},
      {"UNIDIRECTIONAL_SEQUENCE_LSTM_diagonal", LC_OP_UNIDIRECTIONAL_SEQUENCE_LSTM, {fx, fw, fw}, {fx},
       {opt("diagonal_recurrent_tensors", 1)}, 4},
      {"BIDIRECTIONAL_SEQUENCE_LSTM_float32", LC_OP_BIDIRECTIONAL_SEQUENCE_LSTM, {fx, fw}, {fx}, {}, 1},
      {"BIDIRECTIONAL_SEQUENCE_LSTM_hybrid", LC_OP_BIDIRECTIONAL_SEQUENCE_LSTM, {fx, fw8}, {fx}, {}, 2},
      {"BIDIRECTIONAL_SEQUENCE_LSTM_hybrid_asymmetric", LC_OP_BIDIRECTIONAL_SEQUENCE_LSTM, {fx, fw8}, {fx},
       {opt("asymmetric_quantize_inputs", 1)}, 3},
      {"UNIDIRECTIONAL_SEQUENCE_RNN_float32", LC_OP_UNIDIRECTIONAL_SEQUENCE_RNN, {fx, fw, fw}, {fx}, {}, 1},
      {"UNIDIRECTIONAL_SEQUENCE_RNN_hybrid", LC_OP_UNIDIRECTIONAL_SEQUENCE_RNN, {fx, fw8, fw8}, {fx}, {}, 2},
      {"UNIDIRECTIONAL_SEQUENCE_RNN_hybrid_asymmetric", LC_OP_UNIDIRECTIONAL_SEQUENCE_RNN, {fx, fw8, fw8}, {fx},
       {opt("asymmetric_quantize_inputs", 1)}, 3},
  };
}

// Layout and shape operators.
std::vector<Row> layout_rows() {
  const T i8 = qt(LC_INT8), i16 = qt(LC_INT16), b = of(LC_BOOL), perm = of(LC_INT32, {2}), pads = of(LC_INT32, {2, 2});
  const T ax = of(LC_INT32, {}), size = of(LC_INT32, {2});
  return {
      {"CONCATENATION_float32", LC_OP_CONCATENATION, {f32(), f32()}, {f32({2, 4})}, {}, 1},
      {"CONCATENATION_int8", LC_OP_CONCATENATION, {i8, i8}, {qt(LC_INT8, {2, 4})}, {}, 2},
      {"CONCATENATION_int16", LC_OP_CONCATENATION, {i16, i16}, {qt(LC_INT16, {2, 4})}, {}, 3},
      {"RESHAPE_float32", LC_OP_RESHAPE, {f32(), size}, {f32({4})}, {}, 1},
      {"SQUEEZE_float32", LC_OP_SQUEEZE, {f32()}, {f32({4})}, {}, 1},
      {"EXPAND_DIMS_float32", LC_OP_EXPAND_DIMS, {f32(), ax}, {f32({1, 1, 4})}, {}, 1},
      {"SHAPE_float32", LC_OP_SHAPE, {f32()}, {of(LC_INT32, {2})}, {}, 1},
      {"SCATTER_ND_float32", LC_OP_SCATTER_ND, {of(LC_INT32, {2, 1}), f32({2}), of(LC_INT32, {1})}, {f32({4})}, {}, 1},
      {"CUMSUM_float32", LC_OP_CUMSUM, {f32(), ax}, {f32()}, {}, 1},
      {"TRANSPOSE_float32", LC_OP_TRANSPOSE, {f32(), perm}, {f32({4, 1})}, {}, 1},
      {"TRANSPOSE_int8", LC_OP_TRANSPOSE, {i8, perm}, {i8}, {}, 2},
      {"TRANSPOSE_bool", LC_OP_TRANSPOSE, {b, perm}, {b}, {}, 3},
      {"TRANSPOSE_5d", LC_OP_TRANSPOSE, {f32(k5), of(LC_INT32, {5})}, {f32(k5)}, {}, 4},
      {"TRANSPOSE_int16", LC_OP_TRANSPOSE, {i16, perm}, {i16}, {}, 5},
      {"TRANSPOSE_6d", LC_OP_TRANSPOSE, {f32(k6), of(LC_INT32, {6})}, {f32(k6)}, {}, 6},
      {"TRANSPOSE_7d", LC_OP_TRANSPOSE, {f32({1, 1, 2, 2, 2, 2, 4}), of(LC_INT32, {7})}, {f32({4, 2, 2, 2, 2, 1, 1})},
       {}, 8},
      {"PAD_float32", LC_OP_PAD, {f32(), pads}, {f32({3, 6})}, {}, 1},
      {"PAD_int8", LC_OP_PAD, {i8, pads}, {i8}, {}, 2},
      {"PAD_int16", LC_OP_PAD, {i16, pads}, {i16}, {}, 3},
      {"PAD_5d", LC_OP_PAD, {f32(k5), of(LC_INT32, {5, 2})}, {f32(k5)}, {}, 4},
      {"PAD_bool", LC_OP_PAD, {b, pads}, {b}, {}, 5},
      {"PADV2_float32", LC_OP_PADV2, {f32(), pads, f32({})}, {f32({3, 6})}, {}, 1},
      {"PADV2_int8", LC_OP_PADV2, {i8, pads, i8}, {i8}, {}, 2},
      {"PADV2_int16", LC_OP_PADV2, {i16, pads, i16}, {i16}, {}, 3},
      {"PADV2_5d", LC_OP_PADV2, {f32(k5), of(LC_INT32, {5, 2}), f32({})}, {f32(k5)}, {}, 4},
      {"PADV2_bool", LC_OP_PADV2, {b, pads, b}, {b}, {}, 5},
      {"MIRROR_PAD_float32", LC_OP_MIRROR_PAD, {f32(), pads}, {f32()}, {}, 1},
      {"MIRROR_PAD_int8", LC_OP_MIRROR_PAD, {i8, pads}, {i8}, {}, 2},
      {"MIRROR_PAD_int16", LC_OP_MIRROR_PAD, {i16, pads}, {i16}, {}, 3},
  };
}

// Slicing, gathering, splitting, repeating and resizing.
std::vector<Row> indexing_rows() {
  const T i8 = qt(LC_INT8), i16 = qt(LC_INT16), b = of(LC_BOOL);
  const T idx = of(LC_INT32, {2}), idx16 = of(LC_INT16, {2}), ax = of(LC_INT32, {}), size = of(LC_INT32, {2});
  const T begin = of(LC_INT32, {2});
  return {
      {"SLICE_float32", LC_OP_SLICE, {f32(), begin, size}, {f32()}, {}, 1},
      {"SLICE_int8", LC_OP_SLICE, {i8, begin, size}, {i8}, {}, 2},
      {"SLICE_int16", LC_OP_SLICE, {i16, begin, size}, {i16}, {}, 4},
      {"SLICE_5d", LC_OP_SLICE, {f32(k5), of(LC_INT32, {5}), of(LC_INT32, {5})}, {f32(k5)}, {}, 5},
      {"STRIDED_SLICE_float32", LC_OP_STRIDED_SLICE, {f32(), begin, begin, begin}, {f32()}, {}, 1},
      {"STRIDED_SLICE_int8", LC_OP_STRIDED_SLICE, {i8, begin, begin, begin}, {i8}, {}, 2},
      {"STRIDED_SLICE_bool", LC_OP_STRIDED_SLICE, {b, begin, begin, begin}, {b}, {}, 3},
      {"STRIDED_SLICE_5d", LC_OP_STRIDED_SLICE, {f32(k5), size, size, size}, {f32(k5)}, {}, 4},
      {"STRIDED_SLICE_new_axis_mask", LC_OP_STRIDED_SLICE, {f32(), begin, begin, begin}, {f32({1, 1, 4})},
       {opt("new_axis_mask", 1)}, 6},
      {"STRIDED_SLICE_ellipsis_mask", LC_OP_STRIDED_SLICE, {f32(), begin, begin, begin}, {f32()},
       {opt("ellipsis_mask", 1)}, 6},
      {"STRIDED_SLICE_offset", LC_OP_STRIDED_SLICE, {f32(), begin, begin, begin}, {f32()}, {opt("offset", 1)}, 8},
      {"GATHER_float32", LC_OP_GATHER, {f32(), idx}, {f32({1, 2})}, {}, 1},
      {"GATHER_int8", LC_OP_GATHER, {i8, idx}, {i8}, {}, 2},
      {"GATHER_bool", LC_OP_GATHER, {b, idx}, {b}, {}, 3},
      {"GATHER_int16", LC_OP_GATHER, {i16, idx}, {i16}, {}, 4},
      {"GATHER_batch_dims", LC_OP_GATHER, {f32(), of(LC_INT32, {1, 2})}, {f32({1, 2})},
       {opt("axis", 1), opt("batch_dims", 1)}, 5},
      {"GATHER_int16_indices", LC_OP_GATHER, {f32(), idx16}, {f32({1, 2})}, {}, 6},
      {"GATHER_ND_float32", LC_OP_GATHER_ND, {f32(), of(LC_INT32, {1, 2})}, {f32({1})}, {}, 1},
      {"GATHER_ND_int16", LC_OP_GATHER_ND, {i16, of(LC_INT32, {1, 2})}, {qt(LC_INT16, {1})}, {}, 3},
      {"GATHER_ND_int16_indices", LC_OP_GATHER_ND, {f32(), of(LC_INT16, {1, 2})}, {f32({1})}, {}, 4},
      {"GATHER_ND_bool", LC_OP_GATHER_ND, {b, of(LC_INT32, {1, 2})}, {of(LC_BOOL, {1})}, {}, 5},
      {"SPLIT_float32", LC_OP_SPLIT, {ax, f32()}, {f32({1, 2}), f32({1, 2})}, {}, 1},
      {"SPLIT_int8", LC_OP_SPLIT, {ax, i8}, {i8, i8}, {}, 2},
      {"SPLIT_int32", LC_OP_SPLIT, {ax, of(LC_INT32)}, {of(LC_INT32), of(LC_INT32)}, {}, 3},
      {"SPLIT_int16", LC_OP_SPLIT, {ax, i16}, {i16, i16}, {}, 4},
      {"SPLIT_V_float32", LC_OP_SPLIT_V, {f32(), size, ax}, {f32({1, 2}), f32({1, 2})}, {}, 1},
      {"SPLIT_V_int8", LC_OP_SPLIT_V, {i8, size, ax}, {i8, i8}, {}, 2},
      {"PACK_float32", LC_OP_PACK, {f32(), f32()}, {f32({2, 1, 4})}, {}, 1},
      {"PACK_int8", LC_OP_PACK, {i8, i8}, {i8}, {}, 2},
      {"PACK_int16", LC_OP_PACK, {i16, i16}, {i16}, {}, 3},
      {"UNPACK_float32", LC_OP_UNPACK, {f32()}, {f32({4})}, {}, 1},
      {"UNPACK_int8", LC_OP_UNPACK, {i8}, {i8}, {}, 2},
      {"UNPACK_uint8", LC_OP_UNPACK, {qt(LC_UINT8)}, {qt(LC_UINT8)}, {}, 2},
      {"UNPACK_bool", LC_OP_UNPACK, {b}, {b}, {}, 3},
      {"UNPACK_int16", LC_OP_UNPACK, {i16}, {i16}, {}, 4},
      {"TILE_float32", LC_OP_TILE, {f32(), size}, {f32({2, 8})}, {}, 1},
      {"TILE_int8", LC_OP_TILE, {i8, size}, {i8}, {}, 3},
      {"BROADCAST_TO_float32", LC_OP_BROADCAST_TO, {f32(), size}, {f32({3, 4})}, {}, 2},
      {"BROADCAST_TO_int8", LC_OP_BROADCAST_TO, {i8, size}, {i8}, {}, 3},
      {"BROADCAST_TO_int16", LC_OP_BROADCAST_TO, {i16, size}, {i16}, {}, 3},
      {"REVERSE_V2_float32", LC_OP_REVERSE_V2, {f32(), of(LC_INT32, {1})}, {f32()}, {}, 1},
      {"REVERSE_V2_bool", LC_OP_REVERSE_V2, {b, of(LC_INT32, {1})}, {b}, {}, 2},
      {"REVERSE_V2_int8", LC_OP_REVERSE_V2, {i8, of(LC_INT32, {1})}, {i8}, {}, 3},
      {"TOPK_V2_float32", LC_OP_TOPK_V2, {f32(), ax}, {f32({1, 2}), of(LC_INT32, {1, 2})}, {}, 1},
      {"TOPK_V2_int8", LC_OP_TOPK_V2, {i8, ax}, {i8, of(LC_INT32, {1, 2})}, {}, 2},
      {"TOPK_V2_int16_indices", LC_OP_TOPK_V2, {f32(), ax}, {f32({1, 2}), of(LC_INT16, {1, 2})}, {}, 3},
      {"RESIZE_BILINEAR_float32", LC_OP_RESIZE_BILINEAR, {f32(k4), size}, {f32(k4)}, {}, 1},
      {"RESIZE_BILINEAR_int8", LC_OP_RESIZE_BILINEAR, {qt(LC_INT8, k4), size}, {qt(LC_INT8, k4)}, {}, 2},
      {"RESIZE_BILINEAR_half_pixel", LC_OP_RESIZE_BILINEAR, {f32(k4), size}, {f32(k4)},
       {opt("half_pixel_centers", 1)}, 3},
      {"RESIZE_BILINEAR_int16", LC_OP_RESIZE_BILINEAR, {qt(LC_INT16, k4), size}, {qt(LC_INT16, k4)}, {}, 4},
      {"RESIZE_NEAREST_NEIGHBOR_float32", LC_OP_RESIZE_NEAREST_NEIGHBOR, {f32(k4), size}, {f32(k4)}, {}, 1},
      {"RESIZE_NEAREST_NEIGHBOR_int8", LC_OP_RESIZE_NEAREST_NEIGHBOR, {qt(LC_INT8, k4), size}, {qt(LC_INT8, k4)},
       {}, 2},
      {"RESIZE_NEAREST_NEIGHBOR_align_corners", LC_OP_RESIZE_NEAREST_NEIGHBOR, {f32(k4), size}, {f32(k4)},
       {opt("align_corners", 1)}, 3},
      {"RESIZE_NEAREST_NEIGHBOR_half_pixel", LC_OP_RESIZE_NEAREST_NEIGHBOR, {f32(k4), size}, {f32(k4)},
       {opt("half_pixel_centers", 1)}, 3},
      {"RESIZE_NEAREST_NEIGHBOR_int16", LC_OP_RESIZE_NEAREST_NEIGHBOR, {qt(LC_INT16, k4), size},
       {qt(LC_INT16, k4)}, {}, 4},
      {"DEPTH_TO_SPACE_float32", LC_OP_DEPTH_TO_SPACE, {f32(k4)}, {f32({1, 8, 8, 1})}, {}, 1},
      {"DEPTH_TO_SPACE_int8", LC_OP_DEPTH_TO_SPACE, {qt(LC_INT8, k4)}, {qt(LC_INT8, {1, 8, 8, 1})}, {}, 2},
      {"SPACE_TO_DEPTH_float32", LC_OP_SPACE_TO_DEPTH, {f32(k4)}, {f32({1, 2, 2, 16})}, {}, 1},
      {"SPACE_TO_DEPTH_int8", LC_OP_SPACE_TO_DEPTH, {qt(LC_INT8, k4)}, {qt(LC_INT8, {1, 2, 2, 16})}, {}, 2},
      {"FILL_float32", LC_OP_FILL, {size, f32({})}, {f32()}, {}, 1},
      {"FILL_bool", LC_OP_FILL, {size, of(LC_BOOL, {})}, {b}, {}, 2},
      {"FILL_int8", LC_OP_FILL, {size, qt(LC_INT8, {})}, {i8}, {}, 3},
  };
}

// Activations with rules, unary math and (de)quantization.
std::vector<Row> activation_and_quantization_rows() {
  const T i8 = qt(LC_INT8), i16 = qt(LC_INT16), u8 = qt(LC_UINT8);
  return {
      {"PRELU_float32", LC_OP_PRELU, {f32(), f32({4})}, {f32()}, {}, 1},
      {"RELU_float32", LC_OP_RELU, {f32()}, {f32()}, {}, 1},
      {"RELU_int8", LC_OP_RELU, {i8}, {i8}, {}, 2},
      {"RELU_uint8", LC_OP_RELU, {u8}, {u8}, {}, 2},
      {"RELU_int16", LC_OP_RELU, {i16}, {i16}, {}, 3},
      {"LEAKY_RELU_float32", LC_OP_LEAKY_RELU, {f32()}, {f32()}, {}, 1},
      {"LEAKY_RELU_int8", LC_OP_LEAKY_RELU, {i8}, {i8}, {}, 1},
      {"LEAKY_RELU_int16", LC_OP_LEAKY_RELU, {i16}, {i16}, {}, 2},
      {"GELU_float32", LC_OP_GELU, {f32()}, {f32()}, {}, 1},
      {"GELU_int8", LC_OP_GELU, {i8}, {i8}, {}, 2},
      {"GELU_uint8", LC_OP_GELU, {u8}, {u8}, {}, 2},
      {"ABS_float32", LC_OP_ABS, {f32()}, {f32()}, {}, 1},
      {"ABS_int8", LC_OP_ABS, {i8}, {i8}, {}, 2},
      {"ABS_int16_quantized", LC_OP_ABS, {i16}, {i16}, {}, 3},
      {"ABS_int16_unquantized", LC_OP_ABS, {of(LC_INT16)}, {of(LC_INT16)}, {}, 4},
      {"ABS_int32", LC_OP_ABS, {of(LC_INT32)}, {of(LC_INT32)}, {}, 5},
      {"SIGN_float32", LC_OP_SIGN, {f32()}, {f32()}, {}, 1},
      {"SIGN_int32", LC_OP_SIGN, {of(LC_INT32)}, {of(LC_INT32)}, {}, 2},
      {"L2_NORMALIZATION_float32", LC_OP_L2_NORMALIZATION, {f32()}, {f32()}, {}, 1},
      {"L2_NORMALIZATION_int8", LC_OP_L2_NORMALIZATION, {i8}, {i8}, {}, 2},
      {"CAST_float32_to_int32", LC_OP_CAST, {f32()}, {of(LC_INT32)}, {}, 1},
      {"CAST_int8_to_float32", LC_OP_CAST, {of(LC_INT8)}, {f32()}, {}, 3},
      {"CAST_float32_to_int8", LC_OP_CAST, {f32()}, {of(LC_INT8)}, {}, 3},
      {"CAST_float32_to_float64", LC_OP_CAST, {f32()}, {of(LC_FLOAT64)}, {}, 5},
      {"CAST_float16_to_float32", LC_OP_CAST, {of(LC_FLOAT16)}, {f32()}, {}, 5},
      {"QUANTIZE_float32_to_int8", LC_OP_QUANTIZE, {f32()}, {i8}, {}, 1},
      {"QUANTIZE_float32_to_int16", LC_OP_QUANTIZE, {f32()}, {i16}, {}, 2},
      {"QUANTIZE_per_channel", LC_OP_QUANTIZE, {f32()}, {pc(LC_INT8, {1, 4}, 1)}, {}, 3},
      {"DEQUANTIZE_uint8", LC_OP_DEQUANTIZE, {u8}, {f32()}, {}, 1},
      {"DEQUANTIZE_int8", LC_OP_DEQUANTIZE, {i8}, {f32()}, {}, 2},
      {"DEQUANTIZE_int16", LC_OP_DEQUANTIZE, {i16}, {f32()}, {}, 3},
      {"DEQUANTIZE_float16", LC_OP_DEQUANTIZE, {of(LC_FLOAT16)}, {f32()}, {}, 3},
      {"DEQUANTIZE_int8_per_channel", LC_OP_DEQUANTIZE, {pc(LC_INT8, {1, 4}, 1)}, {f32()}, {}, 5},
  };
}

// Reductions, softmax-like activations and unary math.
std::vector<Row> unary_rows() {
  const T i8 = qt(LC_INT8), i16 = qt(LC_INT16), b = of(LC_BOOL), ax = of(LC_INT32, {1});
  std::vector<Row> rows;
  for (int32_t op : {LC_OP_MEAN, LC_OP_REDUCE_MAX, LC_OP_REDUCE_MIN}) {
    std::string n = builtin_name(op);
    rows.push_back({n + "_float32", op, {f32(), ax}, {f32({1})}, {}, 1});
    rows.push_back({n + "_int8", op, {i8, ax}, {qt(LC_INT8, {1})}, {}, 2});
    rows.push_back({n + "_int16", op, {i16, ax}, {qt(LC_INT16, {1})}, {}, 3});
  }
  for (int32_t op : {LC_OP_SOFTMAX, LC_OP_RELU6, LC_OP_RSQRT}) {
    std::string n = builtin_name(op);
    rows.push_back({n + "_float32", op, {f32()}, {f32()}, {}, 1});
    rows.push_back({n + "_int8", op, {i8}, {i8}, {}, 2});
    rows.push_back({n + "_int16", op, {i16}, {i16}, {}, 3});
  }
  for (int32_t op : {LC_OP_LOGISTIC, LC_OP_TANH}) {
    std::string n = builtin_name(op);
    rows.push_back({n + "_float32", op, {f32()}, {f32()}, {}, 1});
    rows.push_back({n + "_int8", op, {i8}, {i8}, {}, 2});
    rows.push_back({n + "_int16", op, {i16}, {i16}, {}, 3});
  }
  for (int32_t op : {LC_OP_SUM, LC_OP_REDUCE_PROD}) {
    std::string n = builtin_name(op);
    rows.push_back({n + "_float32", op, {f32(), ax}, {f32({1})}, {}, 1});
    rows.push_back({n + "_int8", op, {i8, ax}, {qt(LC_INT8, {1})}, {}, 2});
  }
  rows.push_back({"REDUCE_PROD_int16", LC_OP_REDUCE_PROD, {i16, ax}, {qt(LC_INT16, {1})}, {}, 2});
  rows.push_back({"REDUCE_ANY_bool", LC_OP_REDUCE_ANY, {b, ax}, {of(LC_BOOL, {1})}, {}, 1});
  for (int32_t op : {LC_OP_LOG_SOFTMAX, LC_OP_EXP, LC_OP_LOG, LC_OP_SQRT}) {
    std::string n = builtin_name(op);
    rows.push_back({n + "_float32", op, {f32()}, {f32()}, {}, 1});
    rows.push_back({n + "_int8", op, {i8}, {i8}, {}, 2});
  }
  for (int32_t op : {LC_OP_EXP, LC_OP_LOG, LC_OP_SQRT})
    rows.push_back({builtin_name(op) + "_int16", op, {i16}, {i16}, {}, 2});
  for (int32_t op : {LC_OP_ARG_MAX, LC_OP_ARG_MIN}) {
    std::string n = builtin_name(op);
    rows.push_back({n + "_float32", op, {f32(), ax}, {of(LC_INT32, {1})}, {}, 1});
    rows.push_back({n + "_int8", op, {i8, ax}, {of(LC_INT32, {1})}, {}, 2});
    rows.push_back({n + "_bool", op, {b, ax}, {of(LC_INT32, {1})}, {}, 3});
  }
  for (int32_t op : {LC_OP_RELU_N1_TO_1, LC_OP_RELU_0_TO_1, LC_OP_ELU, LC_OP_HARD_SWISH, LC_OP_NEG, LC_OP_SQUARE,
                     LC_OP_SIN, LC_OP_COS, LC_OP_FLOOR, LC_OP_CEIL, LC_OP_ROUND})
    rows.push_back({builtin_name(op) + "_float32", op, {f32()}, {f32()}, {}, 1});
  std::vector<Row> more = activation_and_quantization_rows();
  rows.insert(rows.end(), more.begin(), more.end());
  return rows;
}

// clang-format on

std::vector<Row> all_rows() {
  std::vector<Row> rows;
  for (auto part : {binary_rows, conv_rows, layout_rows, indexing_rows, unary_rows}) {
    std::vector<Row> p = part();
    rows.insert(rows.end(), p.begin(), p.end());
  }
  return rows;
}

class OpVersionRows : public ::testing::TestWithParam<Row> {};

TEST_P(OpVersionRows, Version) {
  const Row& r = GetParam();
  Model m = one_op(r);
  EXPECT_EQ(tflite::operator_version(m, m.operators[0]), r.expected) << r.name;
}

INSTANTIATE_TEST_SUITE_P(OpVersion, OpVersionRows, ::testing::ValuesIn(all_rows()),
                         [](const ::testing::TestParamInfo<Row>& info) { return info.param.name; });

TEST(OpVersion, RowNamesAreUnique) {
  std::set<std::string> names;
  for (const Row& r : all_rows()) EXPECT_TRUE(names.insert(r.name).second) << r.name;
}

TEST(OpVersion, UntabledOperatorsAndCustomGetOne) {
  Row custom{"custom", LC_OP_CUSTOM, {qt(LC_INT8)}, {qt(LC_INT8)}, {}, 1};
  Model m = one_op(custom);
  EXPECT_EQ(tflite::operator_version(m, m.operators[0]), 1);
  Row untabled{"hashtable", LC_OP_HASHTABLE_LOOKUP, {qt(LC_INT8)}, {qt(LC_INT8)}, {}, 1};
  m = one_op(untabled);
  EXPECT_EQ(tflite::operator_version(m, m.operators[0]), 1);
}

TEST(OpVersion, MissingTensorsAreAbsentNotErrors) {
  Model m;
  Operator conv;
  conv.builtin_code = LC_OP_CONV_2D;
  conv.inputs = {-1, 7};  // 7: no such tensor
  m.operators = {conv};
  EXPECT_EQ(tflite::operator_version(m, m.operators[0]), 1);
}

// Rows newest first and above the base: operator_version takes the first match as the highest.
TEST(OpVersion, TableRowsAreNewestFirst) {
  for (int32_t op : tflite::versioned_operators()) {
    int32_t previous = 1 << 30;
    for (const tflite::VersionRule& r : tflite::version_rules(op)) {
      EXPECT_LE(r.version, previous) << builtin_name(op) << " " << r.feature;
      EXPECT_GT(r.version, tflite::base_version(op)) << builtin_name(op) << " " << r.feature;
      previous = r.version;
    }
  }
}

// Every version a rule can give has a row above that expects it.
TEST(OpVersion, EveryRuleHasATestRow) {
  std::set<std::pair<int32_t, int32_t>> expected;
  for (const Row& r : all_rows()) expected.insert({r.op, r.expected});
  for (int32_t op : tflite::versioned_operators()) {
    EXPECT_TRUE(expected.count({op, tflite::base_version(op)})) << builtin_name(op) << " base";
    for (const tflite::VersionRule& r : tflite::version_rules(op))
      EXPECT_TRUE(expected.count({op, r.version})) << builtin_name(op) << " " << r.version << " " << r.feature;
  }
}

// Every version we can write is in the runtime table and within the resolver's range.
TEST(OpVersion, EveryVersionIsKnownToTheRuntimeTable) {
  for (int32_t op : tflite::versioned_operators()) {
    std::vector<int32_t> versions = {tflite::base_version(op)};
    for (const tflite::VersionRule& r : tflite::version_rules(op)) versions.push_back(r.version);
    for (int32_t v : versions) {
      EXPECT_NE(tflite::min_runtime_version(op, v), "") << builtin_name(op) << " " << v;
      EXPECT_LE(v, tflite::resolver_max_version(op)) << builtin_name(op) << " " << v;
    }
  }
  EXPECT_EQ(tflite::min_runtime_version(LC_OP_BROADCAST_TO, 1), "");
  EXPECT_EQ(tflite::min_runtime_version(LC_OP_BROADCAST_TO, 2), "2.5.0");
  EXPECT_EQ(tflite::min_runtime_version(LC_OP_ADD, 4), "2.6.0");
  EXPECT_EQ(tflite::min_runtime_version(LC_OP_HASHTABLE_LOOKUP, 1), "");
}

TEST(OpVersion, WriterUsesTheVersionAndKeepsAForcedHigherOne) {
  Row bt{"bt", LC_OP_BROADCAST_TO, {f32(), of(LC_INT32, {2})}, {f32({3, 4})}, {}, 2};
  Model m = one_op(bt);
  Operator add;
  add.builtin_code = LC_OP_ADD;
  add.inputs = {0, 0};
  add.outputs = {2};
  m.operators.push_back(add);
  add.version = 3;  // a plugin asking for more than float32 needs
  m.operators.push_back(add);
  Model r = read_tflite(write_tflite(m));
  ASSERT_EQ(r.operators.size(), 3u);
  EXPECT_EQ(r.operators[0].version, 2);
  EXPECT_EQ(r.operators[1].version, 1);
  EXPECT_EQ(r.operators[2].version, 3);
}

}  // namespace
}  // namespace litecast
