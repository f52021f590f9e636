// Writes into DIR, with the writer alone (which chooses each operator's version):
//   <case>.tflite, one single-operator model per case (an operator and a signature), and
//   cases.tsv: per case its name, operator and the version the table should give;
//   table.tsv: every (operator, version) a rule of the version table can give, so that the
//     test can check that some case covers each;
//   probe_<op>_v<N>.tflite and probes.tsv: per tabled operator, a trivial model forced to the
//     resolver's maximum version (must load) and to one more (must be refused).
// tests/e2e/test_op_versions.py loads, allocates and invokes them in LiteRT.
#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>
#include <litecast/error.hpp>
#include <litecast/tflite_model.hpp>

#include "tflite/op_version.hpp"

#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>

namespace {

using namespace litecast;
using Shape = std::vector<int32_t>;

Quantization q(float scale, int64_t zero_point = 0) {
  return {{scale}, {zero_point}, 0};
}
// Per-channel along `axis` of `shape`, zero points 0 (what int8 weights need).
Quantization qc(const Shape& shape, int32_t axis, float scale = 0.02f) {
  size_t n = static_cast<size_t>(shape[static_cast<size_t>(axis)]);
  Quantization out{std::vector<float>(n, scale), std::vector<int64_t>(n, 0), axis};
  for (size_t i = 0; i < n; ++i) out.scales[i] = scale * static_cast<float>(i + 1);
  return out;
}
// Default activation quantizations: int16 must have zero point 0.
const Quantization Q8 = q(0.05f, 3), QU8 = q(0.05f, 128), Q16 = q(1.0f / 1024), W8 = q(0.02f);

size_t count(const Shape& s) {
  size_t n = 1;
  for (int32_t d : s) n *= static_cast<size_t>(d);
  return n;
}

template <class V>
std::vector<uint8_t> bytes(const std::vector<V>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(V));
  if (!b.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// A patterned constant of `type`: small nonzero values, so divisors and such are safe.
std::vector<uint8_t> pattern(int32_t type, size_t n) {
  std::vector<int64_t> ints(n);
  for (size_t i = 0; i < n; ++i) ints[i] = static_cast<int64_t>(i % 3) + 1;
  auto as = [&](auto zero) {
    std::vector<decltype(zero)> v(ints.begin(), ints.end());
    return bytes(v);
  };
  switch (type) {
    case LC_FLOAT32: {
      std::vector<float> v(n);
      for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(i % 7) / 7.0f - 0.4f;
      return bytes(v);
    }
    case LC_INT32:
      return as(int32_t{});
    case LC_INT64:
      return as(int64_t{});
    case LC_INT16:
      return as(int16_t{});
    case LC_INT8:
      return as(int8_t{});
    case LC_UINT8:
      return as(uint8_t{});
    case LC_BOOL:
      return as(uint8_t{});
    default:
      return std::vector<uint8_t>(n * element_size(type), 0);
  }
}

// One case: a model with one operator, built tensor by tensor.
struct Case {
  std::string name;
  int32_t expected = 1;
  Model m;

  int32_t tensor(int32_t type, const Shape& shape, const Quantization& qz, uint32_t buffer, bool variable = false) {
    m.tensors.push_back({"t" + std::to_string(m.tensors.size()), type, shape, buffer, qz, variable});
    return static_cast<int32_t>(m.tensors.size() - 1);
  }
  // A graph input.
  int32_t in(int32_t type, const Shape& shape, const Quantization& qz = {}) {
    int32_t t = tensor(type, shape, qz, 0);
    m.inputs.push_back(t);
    return t;
  }
  // A constant with the given bytes, or the type's pattern.
  int32_t cst(int32_t type, const Shape& shape, const Quantization& qz = {}, std::vector<uint8_t> data = {}) {
    if (data.empty()) data = pattern(type, count(shape));
    m.buffers.push_back(std::move(data));
    return tensor(type, shape, qz, static_cast<uint32_t>(m.buffers.size() - 1));
  }
  int32_t ints(const std::vector<int32_t>& v) { return cst(LC_INT32, {static_cast<int32_t>(v.size())}, {}, bytes(v)); }
  int32_t scalar(int32_t v) { return cst(LC_INT32, {}, {}, bytes(std::vector<int32_t>{v})); }
  // A graph output.
  int32_t out(int32_t type, const Shape& shape, const Quantization& qz = {}) {
    int32_t t = tensor(type, shape, qz, 0);
    m.outputs.push_back(t);
    return t;
  }
  void op(int32_t code, std::vector<int32_t> inputs, std::vector<int32_t> outputs, std::vector<Option> options = {}) {
    Operator o;
    o.builtin_code = code;
    o.inputs = std::move(inputs);
    o.outputs = std::move(outputs);
    o.options = std::move(options);
    m.operators.push_back(std::move(o));
  }
};

using Cases = std::vector<Case>;

Case make(const std::string& name, int32_t expected, const std::function<void(Case&)>& build) {
  Case c;
  c.name = name;
  c.expected = expected;
  build(c);
  return c;
}

Option opt(const std::string& field, int64_t v) {
  return {field, v};
}
Option opt(const std::string& field, double v) {
  return {field, v};
}
Option opt(const std::string& field, const char* e) {
  return {field, EnumName{e}};
}
Option opt(const std::string& field, std::vector<int64_t> v) {
  return {field, std::move(v)};
}

// y = op(a, b): both inputs graph inputs of `type`/`qz` unless `b_const`.
Case binary(const std::string& name, int32_t expected, int32_t code, int32_t type, const Quantization& qz,
            const Shape& a = {1, 4}, const Shape& b = {1, 4}, int32_t out_type = -1, bool b_const = false,
            std::vector<Option> options = {}) {
  return make(name, expected, [&](Case& c) {
    int32_t x = c.in(type, a, qz);
    int32_t y = b_const ? c.cst(type, b, qz) : c.in(type, b, qz);
    Shape o = count(a) >= count(b) ? a : b;
    c.op(code, {x, y}, {c.out(out_type < 0 ? type : out_type, o, out_type < 0 ? qz : Quantization{})}, options);
  });
}

// y = op(x), same type and quantization unless given.
Case unary(const std::string& name, int32_t expected, int32_t code, int32_t type, const Quantization& qz,
           std::vector<Option> options = {}, int32_t out_type = -1, const Quantization* out_q = nullptr,
           const Shape& shape = {1, 4}) {
  return make(name, expected, [&](Case& c) {
    int32_t x = c.in(type, shape, qz);
    c.op(code, {x}, {c.out(out_type < 0 ? type : out_type, shape, out_q ? *out_q : qz)}, options);
  });
}

const Shape k5 = {1, 2, 2, 2, 4}, k6 = {1, 2, 2, 2, 2, 4}, k4 = {1, 4, 4, 4};
const Quantization kNone{};
// int16 scales that are powers of two, as int16 ADD/SUB without pot_scale_int16=false need.
const Quantization Q16pot = q(1.0f / 1024);

void binary_cases(Cases& cs) {
  const Quantization Q16np = q(0.0013f);
  cs.push_back(binary("ADD_float32", 1, LC_OP_ADD, LC_FLOAT32, kNone));
  cs.push_back(binary("ADD_5d_broadcast", 1, LC_OP_ADD, LC_FLOAT32, kNone, k5, {4}));
  cs.push_back(binary("ADD_int8", 2, LC_OP_ADD, LC_INT8, Q8));
  cs.push_back(binary("ADD_int16_pot_scales", 1, LC_OP_ADD, LC_INT16, Q16pot));
  cs.push_back(binary("ADD_int16_non_pot_scales", 3, LC_OP_ADD, LC_INT16, Q16np, {1, 4}, {1, 4}, -1, false,
                      {opt("pot_scale_int16", int64_t{0})}));
  cs.push_back(binary("ADD_int64", 4, LC_OP_ADD, LC_INT64, kNone));
  cs.push_back(binary("ADD_int16_unquantized", 5, LC_OP_ADD, LC_INT16, kNone));
  cs.push_back(binary("SUB_float32", 1, LC_OP_SUB, LC_FLOAT32, kNone));
  cs.push_back(binary("SUB_int8", 2, LC_OP_SUB, LC_INT8, Q8));
  cs.push_back(binary("SUB_5d_broadcast", 3, LC_OP_SUB, LC_FLOAT32, kNone, k5, {4}));
  cs.push_back(binary("SUB_int64", 4, LC_OP_SUB, LC_INT64, kNone));
  cs.push_back(binary("SUB_int16_non_pot_scales", 5, LC_OP_SUB, LC_INT16, Q16np, {1, 4}, {1, 4}, -1, false,
                      {opt("pot_scale_int16", int64_t{0})}));
  cs.push_back(binary("MUL_float32", 1, LC_OP_MUL, LC_FLOAT32, kNone));
  cs.push_back(binary("MUL_int8", 2, LC_OP_MUL, LC_INT8, Q8));
  cs.push_back(make("MUL_int8_rescale_ge_1", 3, [](Case& c) {
    int32_t a = c.in(LC_INT8, {1, 4}, q(2.0f)), b = c.in(LC_INT8, {1, 4}, q(2.0f));
    c.op(LC_OP_MUL, {a, b}, {c.out(LC_INT8, {1, 4}, q(1.0f))});
  }));
  cs.push_back(binary("MUL_int16", 4, LC_OP_MUL, LC_INT16, Q16));
  cs.push_back(binary("MUL_int64", 5, LC_OP_MUL, LC_INT64, kNone));
  cs.push_back(binary("MUL_int16_unquantized", 7, LC_OP_MUL, LC_INT16, kNone));
  cs.push_back(binary("DIV_float32", 1, LC_OP_DIV, LC_FLOAT32, kNone));
  cs.push_back(binary("DIV_5d_broadcast", 2, LC_OP_DIV, LC_FLOAT32, kNone, k5, {4}, -1, true));
  for (int32_t op : {LC_OP_MAXIMUM, LC_OP_MINIMUM}) {
    std::string n = builtin_name(op);
    cs.push_back(binary(n + "_float32", 1, op, LC_FLOAT32, kNone));
    cs.push_back(binary(n + "_int8", 2, op, LC_INT8, Q8));
    cs.push_back(binary(n + "_5d_broadcast", 3, op, LC_FLOAT32, kNone, k5, {4}));
    cs.push_back(binary(n + "_int16", 4, op, LC_INT16, Q16));
  }
  cs.push_back(binary("POW_float32", 1, LC_OP_POW, LC_FLOAT32, kNone));
  cs.push_back(binary("SQUARED_DIFFERENCE_float32", 1, LC_OP_SQUARED_DIFFERENCE, LC_FLOAT32, kNone));
  cs.push_back(binary("SQUARED_DIFFERENCE_int8", 2, LC_OP_SQUARED_DIFFERENCE, LC_INT8, Q8));
  cs.push_back(binary("FLOOR_DIV_int32", 1, LC_OP_FLOOR_DIV, LC_INT32, kNone, {1, 4}, {1, 4}, -1, true));
  cs.push_back(binary("FLOOR_DIV_float32", 2, LC_OP_FLOOR_DIV, LC_FLOAT32, kNone, {1, 4}, {1, 4}, -1, true));
  cs.push_back(binary("FLOOR_DIV_int8", 3, LC_OP_FLOOR_DIV, LC_INT8, kNone, {1, 4}, {1, 4}, -1, true));
  cs.push_back(binary("FLOOR_DIV_int16", 3, LC_OP_FLOOR_DIV, LC_INT16, kNone, {1, 4}, {1, 4}, -1, true));
  cs.push_back(binary("FLOOR_MOD_int32", 1, LC_OP_FLOOR_MOD, LC_INT32, kNone, {1, 4}, {1, 4}, -1, true));
  cs.push_back(binary("FLOOR_MOD_int16", 2, LC_OP_FLOOR_MOD, LC_INT16, kNone, {1, 4}, {1, 4}, -1, true));
}

void comparison_cases(Cases& cs) {
  struct Cmp {
    int32_t op;
    int32_t int16_version;  // 0: no int16 rule
  };
  for (Cmp cmp : {Cmp{LC_OP_EQUAL, 5}, Cmp{LC_OP_NOT_EQUAL, 4}, Cmp{LC_OP_LESS, 3}, Cmp{LC_OP_GREATER_EQUAL, 3},
                  Cmp{LC_OP_GREATER, 0}, Cmp{LC_OP_LESS_EQUAL, 0}}) {
    std::string n = builtin_name(cmp.op);
    cs.push_back(binary(n + "_float32", 1, cmp.op, LC_FLOAT32, kNone, {1, 4}, {1, 4}, LC_BOOL));
    cs.push_back(binary(n + "_int8", 2, cmp.op, LC_INT8, Q8, {1, 4}, {1, 4}, LC_BOOL));
    if (cmp.int16_version)
      cs.push_back(binary(n + "_int16", cmp.int16_version, cmp.op, LC_INT16, Q16, {1, 4}, {1, 4}, LC_BOOL));
  }
  cs.push_back(binary("LOGICAL_AND_bool", 1, LC_OP_LOGICAL_AND, LC_BOOL, kNone));
  cs.push_back(binary("LOGICAL_OR_bool", 1, LC_OP_LOGICAL_OR, LC_BOOL, kNone));
  cs.push_back(unary("LOGICAL_NOT_bool", 1, LC_OP_LOGICAL_NOT, LC_BOOL, kNone));
  auto select = [](const std::string& name, int32_t expected, int32_t code, int32_t type, const Quantization& qz,
                   const Shape& shape) {
    return make(name, expected, [&](Case& c) {
      int32_t cond = c.in(LC_BOOL, shape), a = c.in(type, shape, qz), b = c.in(type, shape, qz);
      c.op(code, {cond, a, b}, {c.out(type, shape, qz)});
    });
  };
  cs.push_back(select("SELECT_float32", 1, LC_OP_SELECT, LC_FLOAT32, kNone, {1, 4}));
  cs.push_back(select("SELECT_int8_values", 2, LC_OP_SELECT, LC_INT8, Q8, {1, 4}));
  cs.push_back(select("SELECT_5d", 3, LC_OP_SELECT, LC_FLOAT32, kNone, k5));
  cs.push_back(select("SELECT_V2_float32", 1, LC_OP_SELECT_V2, LC_FLOAT32, kNone, {1, 4}));
}

// Bias of a quantized convolution: scale = input scale * weight scale, per channel.
Quantization bias_q(const Quantization& x, const Quantization& w, size_t channels) {
  Quantization b;
  for (size_t i = 0; i < channels; ++i) {
    b.scales.push_back(x.scales[0] * (w.scales.size() > 1 ? w.scales[i] : w.scales[0]));
    b.zero_points.push_back(0);
  }
  return b;
}

// A convolution-like case: x (NHWC or [rows, depth]) of `xt`, constant weights `w` of `wt`
// with `wq`, bias of `bt` (-1: none; float bias unquantized), output like x.
struct ConvSpec {
  int32_t code;
  int32_t xt;
  Quantization xq;
  Shape w;
  int32_t wt;
  Quantization wq;
  int32_t bt;
  std::vector<Option> options;
  Shape x = {1, 4, 4, 4};
  Shape y = {1, 4, 4, 4};
};

Case conv(const std::string& name, int32_t expected, const ConvSpec& s) {
  return make(name, expected, [&](Case& c) {
    bool transpose = s.code == LC_OP_TRANSPOSE_CONV;
    int32_t out_shape = transpose ? c.ints(s.y) : -1;
    int32_t x = c.in(s.xt, s.x, s.xq);
    int32_t w = c.cst(s.wt, s.w, s.wq);
    size_t channels = static_cast<size_t>(s.y.back());
    std::vector<int32_t> ins = transpose ? std::vector<int32_t>{out_shape, w, x} : std::vector<int32_t>{x, w};
    if (s.bt >= 0)
      ins.push_back(c.cst(s.bt, {static_cast<int32_t>(channels)},
                          s.bt == LC_FLOAT32 ? Quantization{} : bias_q(s.xq, s.wq, channels)));
    c.op(s.code, ins, {c.out(s.xt, s.y, s.xq)}, s.options);
  });
}

std::vector<Option> same_padding() {
  return {opt("padding", "SAME"), opt("stride_w", int64_t{1}), opt("stride_h", int64_t{1})};
}
std::vector<Option> with(std::vector<Option> base, std::vector<Option> more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

void conv_cases(Cases& cs) {
  const Shape w = {4, 3, 3, 4}, dw = {1, 3, 3, 4};
  const Quantization wpc = qc(w, 0), dwpc = qc(dw, 3);
  const auto conv_opts = same_padding();
  const auto dw_opts = with(same_padding(), {opt("depth_multiplier", int64_t{1})});
  const Option bias64 = opt("quantized_bias_type", "INT64");
  cs.push_back(conv("CONV_2D_float32", 1, {LC_OP_CONV_2D, LC_FLOAT32, {}, w, LC_FLOAT32, {}, LC_FLOAT32, conv_opts}));
  cs.push_back(conv("CONV_2D_hybrid", 2, {LC_OP_CONV_2D, LC_FLOAT32, {}, w, LC_INT8, W8, LC_FLOAT32, conv_opts}));
  cs.push_back(conv("CONV_2D_int8", 3, {LC_OP_CONV_2D, LC_INT8, Q8, w, LC_INT8, wpc, LC_INT32, conv_opts}));
  cs.push_back(
      conv("CONV_2D_int16_activations", 4, {LC_OP_CONV_2D, LC_INT16, Q16, w, LC_INT8, wpc, LC_INT64, conv_opts}));
  cs.push_back(
      conv("CONV_2D_hybrid_per_channel", 5, {LC_OP_CONV_2D, LC_FLOAT32, {}, w, LC_INT8, wpc, LC_FLOAT32, conv_opts}));
  cs.push_back(
      conv("CONV_2D_grouped", 6, {LC_OP_CONV_2D, LC_FLOAT32, {}, {4, 3, 3, 2}, LC_FLOAT32, {}, LC_FLOAT32, conv_opts}));
  cs.push_back(conv("CONV_2D_int16_bias_type", 8,
                    {LC_OP_CONV_2D, LC_INT16, Q16, w, LC_INT8, wpc, LC_INT64, with(conv_opts, {bias64})}));
  const int32_t DW = LC_OP_DEPTHWISE_CONV_2D;
  cs.push_back(conv("DEPTHWISE_CONV_2D_float32", 1, {DW, LC_FLOAT32, {}, dw, LC_FLOAT32, {}, LC_FLOAT32, dw_opts}));
  cs.push_back(conv("DEPTHWISE_CONV_2D_dilation", 2,
                    {DW,
                     LC_FLOAT32,
                     {},
                     dw,
                     LC_FLOAT32,
                     {},
                     LC_FLOAT32,
                     with(dw_opts, {opt("dilation_w_factor", int64_t{2}), opt("dilation_h_factor", int64_t{2})})}));
  cs.push_back(conv("DEPTHWISE_CONV_2D_int8", 3, {DW, LC_INT8, Q8, dw, LC_INT8, dwpc, LC_INT32, dw_opts}));
  cs.push_back(conv("DEPTHWISE_CONV_2D_hybrid", 4, {DW, LC_FLOAT32, {}, dw, LC_INT8, W8, LC_FLOAT32, dw_opts}));
  cs.push_back(
      conv("DEPTHWISE_CONV_2D_int16_activations", 5, {DW, LC_INT16, Q16, dw, LC_INT8, dwpc, LC_INT64, dw_opts}));
  cs.push_back(
      conv("DEPTHWISE_CONV_2D_hybrid_per_channel", 6, {DW, LC_FLOAT32, {}, dw, LC_INT8, dwpc, LC_FLOAT32, dw_opts}));
  const int32_t TC = LC_OP_TRANSPOSE_CONV;
  cs.push_back(conv("TRANSPOSE_CONV_float32", 1, {TC, LC_FLOAT32, {}, w, LC_FLOAT32, {}, -1, conv_opts}));
  cs.push_back(conv("TRANSPOSE_CONV_int8_weights", 2, {TC, LC_INT8, Q8, w, LC_INT8, wpc, -1, conv_opts}));
  cs.push_back(conv("TRANSPOSE_CONV_bias", 3, {TC, LC_FLOAT32, {}, w, LC_FLOAT32, {}, LC_FLOAT32, conv_opts}));
  cs.push_back(
      conv("TRANSPOSE_CONV_fused_activation", 4,
           {TC, LC_FLOAT32, {}, w, LC_FLOAT32, {}, -1, with(conv_opts, {opt("fused_activation_function", "RELU")})}));
  cs.push_back(conv("TRANSPOSE_CONV_int16_bias_type", 5,
                    {TC, LC_INT16, Q16, w, LC_INT8, wpc, LC_INT64, with(conv_opts, {bias64})}));
}

void dense_cases(Cases& cs) {
  const Shape x = {2, 4}, w = {3, 4}, y = {2, 3};
  const int32_t FC = LC_OP_FULLY_CONNECTED;
  const Quantization wpc = qc(w, 0);
  auto fc = [&](const char* name, int32_t v, int32_t xt, Quantization xq, int32_t wt, Quantization wq, int32_t bt,
                std::vector<Option> o = {}, Shape xs = {2, 4}, Shape ys = {2, 3}) {
    return conv(name, v, {FC, xt, xq, w, wt, wq, bt, o, xs, ys});
  };
  cs.push_back(fc("FULLY_CONNECTED_float32", 1, LC_FLOAT32, {}, LC_FLOAT32, {}, LC_FLOAT32));
  cs.push_back(make("FULLY_CONNECTED_shuffled_weights", 2, [](Case& c) {
    // The shuffled kernel: uint8 input, uint8 weights in 4x16 blocks, int16 output, and a
    // second output the kernel uses as its shuffled-input workspace.
    int32_t xi = c.in(LC_UINT8, {1, 16}, QU8);
    int32_t wi = c.cst(LC_UINT8, {4, 16}, QU8);
    int32_t bi = c.cst(LC_INT32, {4}, q(0.05f * 0.05f));
    c.op(LC_OP_FULLY_CONNECTED, {xi, wi, bi}, {c.out(LC_INT16, {1, 4}, q(1.0f / 4096)), c.out(LC_UINT8, {1, 16})},
         {opt("weights_format", "SHUFFLED4x16INT8")});
  }));
  cs.push_back(fc("FULLY_CONNECTED_hybrid", 3, LC_FLOAT32, {}, LC_INT8, W8, LC_FLOAT32));
  cs.push_back(fc("FULLY_CONNECTED_int8", 4, LC_INT8, Q8, LC_INT8, W8, LC_INT32));
  cs.push_back(fc("FULLY_CONNECTED_keep_num_dims", 5, LC_FLOAT32, {}, LC_FLOAT32, {}, LC_FLOAT32,
                  {opt("keep_num_dims", int64_t{1})}, {1, 2, 4}, {1, 2, 3}));
  cs.push_back(fc("FULLY_CONNECTED_no_bias", 6, LC_FLOAT32, {}, LC_FLOAT32, {}, -1));
  cs.push_back(fc("FULLY_CONNECTED_int16_activations", 7, LC_INT16, Q16, LC_INT8, W8, LC_INT64));
  cs.push_back(fc("FULLY_CONNECTED_hybrid_asymmetric", 9, LC_FLOAT32, {}, LC_INT8, W8, LC_FLOAT32,
                  {opt("asymmetric_quantize_inputs", int64_t{1})}));
  cs.push_back(fc("FULLY_CONNECTED_int16_bias_type", 11, LC_INT16, Q16, LC_INT8, W8, LC_INT64,
                  {opt("quantized_bias_type", "INT64")}));
  cs.push_back(fc("FULLY_CONNECTED_hybrid_per_channel", 12, LC_FLOAT32, {}, LC_INT8, wpc, LC_FLOAT32));
  auto bmm = [&](const char* name, int32_t v, int32_t xt, Quantization xq, int32_t yt, Quantization yq,
                 std::vector<Option> o = {}) {
    return make(name, v, [&](Case& c) {
      int32_t a = c.in(xt, x, xq);
      int32_t b = xt == yt ? c.in(yt, {4, 3}, yq) : c.cst(yt, {4, 3}, yq);
      c.op(LC_OP_BATCH_MATMUL, {a, b}, {c.out(xt, y, xq)}, o);
    });
  };
  cs.push_back(bmm("BATCH_MATMUL_float32", 1, LC_FLOAT32, {}, LC_FLOAT32, {}));
  cs.push_back(bmm("BATCH_MATMUL_hybrid", 1, LC_FLOAT32, {}, LC_INT8, W8));
  cs.push_back(bmm("BATCH_MATMUL_int8", 2, LC_INT8, Q8, LC_INT8, Q8));
  cs.push_back(bmm("BATCH_MATMUL_int16", 3, LC_INT16, Q16, LC_INT16, Q16));
  cs.push_back(bmm("BATCH_MATMUL_hybrid_asymmetric", 4, LC_FLOAT32, {}, LC_INT8, W8,
                   {opt("asymmetric_quantize_inputs", int64_t{1})}));
}

// UNIDIRECTIONAL_SEQUENCE_LSTM, batch-major, no CIFG, peepholes, projection or layer norm:
// x [1, 2, 4] -> y [1, 2, 4] with 4 cells. `wt`/`wq`: the weights; `diagonal`: recurrent
// weights are [cells] vectors.
Case lstm(const std::string& name, int32_t expected, int32_t wt, const Quantization& wq, bool diagonal,
          std::vector<Option> extra = {}) {
  return make(name, expected, [&](Case& c) {
    const int32_t cells = 4, in = 4, out = 4;
    std::vector<int32_t> ins = {c.in(LC_FLOAT32, {1, 2, in})};
    for (int i = 0; i < 4; ++i) ins.push_back(c.cst(wt, {cells, in}, wq));
    Shape rec = diagonal ? Shape{cells} : Shape{cells, out};
    for (int i = 0; i < 4; ++i) ins.push_back(c.cst(diagonal ? LC_FLOAT32 : wt, rec, diagonal ? Quantization{} : wq));
    for (int i = 0; i < 3; ++i) ins.push_back(-1);  // peepholes
    for (int i = 0; i < 4; ++i) ins.push_back(c.cst(LC_FLOAT32, {cells}));
    ins.push_back(-1);  // projection weights
    ins.push_back(-1);  // projection bias
    ins.push_back(c.tensor(LC_FLOAT32, {1, out}, {}, 0, true));
    ins.push_back(c.tensor(LC_FLOAT32, {1, cells}, {}, 0, true));
    for (int i = 0; i < 4; ++i) ins.push_back(-1);  // layer norm coefficients
    std::vector<Option> o = {opt("fused_activation_function", "TANH"), opt("time_major", int64_t{0})};
    o.insert(o.end(), extra.begin(), extra.end());
    c.op(LC_OP_UNIDIRECTIONAL_SEQUENCE_LSTM, ins, {c.out(LC_FLOAT32, {1, 2, out})}, o);
  });
}

// BIDIRECTIONAL_SEQUENCE_LSTM, time-major, merged outputs, no CIFG, peepholes, projection or
// auxiliary input: x [2, 1, 4] -> y [2, 1, 8] with 4 cells per direction.
Case bilstm(const std::string& name, int32_t expected, int32_t wt, const Quantization& wq,
            std::vector<Option> extra = {}) {
  return make(name, expected, [&](Case& c) {
    const int32_t cells = 4, in = 4, out = 4;
    std::vector<int32_t> ins = {c.in(LC_FLOAT32, {2, 1, in})};
    for (int dir = 0; dir < 2; ++dir) {
      for (int i = 0; i < 4; ++i) ins.push_back(c.cst(wt, {cells, in}, wq));
      for (int i = 0; i < 4; ++i) ins.push_back(c.cst(wt, {cells, out}, wq));
      for (int i = 0; i < 3; ++i) ins.push_back(-1);  // peepholes
      for (int i = 0; i < 4; ++i) ins.push_back(c.cst(LC_FLOAT32, {cells}));
      ins.push_back(-1);  // projection weights
      ins.push_back(-1);  // projection bias
    }
    for (int dir = 0; dir < 2; ++dir) {
      ins.push_back(c.tensor(LC_FLOAT32, {1, out}, {}, 0, true));
      ins.push_back(c.tensor(LC_FLOAT32, {1, cells}, {}, 0, true));
    }
    for (int i = 0; i < 9; ++i) ins.push_back(-1);  // auxiliary input and its weights
    std::vector<Option> o = {opt("fused_activation_function", "TANH"), opt("merge_outputs", int64_t{1}),
                             opt("time_major", int64_t{1})};
    o.insert(o.end(), extra.begin(), extra.end());
    c.op(LC_OP_BIDIRECTIONAL_SEQUENCE_LSTM, ins, {c.out(LC_FLOAT32, {2, 1, 2 * out})}, o);
  });
}

// UNIDIRECTIONAL_SEQUENCE_RNN, batch-major: x [1, 2, 4] -> y [1, 2, 4] with 4 units.
Case seq_rnn(const std::string& name, int32_t expected, int32_t wt, const Quantization& wq,
             std::vector<Option> extra = {}) {
  return make(name, expected, [&](Case& c) {
    const int32_t units = 4, in = 4;
    std::vector<int32_t> ins = {c.in(LC_FLOAT32, {1, 2, in}), c.cst(wt, {units, in}, wq), c.cst(wt, {units, units}, wq),
                                c.cst(LC_FLOAT32, {units}), c.tensor(LC_FLOAT32, {1, units}, {}, 0, true)};
    std::vector<Option> o = {opt("fused_activation_function", "TANH"), opt("time_major", int64_t{0})};
    o.insert(o.end(), extra.begin(), extra.end());
    c.op(LC_OP_UNIDIRECTIONAL_SEQUENCE_RNN, ins, {c.out(LC_FLOAT32, {1, 2, units})}, o);
  });
}

void pool_and_lstm_cases(Cases& cs) {
  const std::vector<Option> pool = {opt("padding", "VALID"), opt("stride_w", int64_t{2}), opt("stride_h", int64_t{2}),
                                    opt("filter_width", int64_t{2}), opt("filter_height", int64_t{2})};
  auto pool_case = [&](const std::string& name, int32_t v, int32_t code, int32_t type, const Quantization& qz) {
    return make(name, v, [&](Case& c) { c.op(code, {c.in(type, k4, qz)}, {c.out(type, {1, 2, 2, 4}, qz)}, pool); });
  };
  for (int32_t op : {LC_OP_AVERAGE_POOL_2D, LC_OP_MAX_POOL_2D}) {
    std::string n = builtin_name(op);
    cs.push_back(pool_case(n + "_float32", 1, op, LC_FLOAT32, kNone));
    cs.push_back(pool_case(n + "_int8", 2, op, LC_INT8, Q8));
    cs.push_back(pool_case(n + "_int16", 3, op, LC_INT16, Q16));
  }
  cs.push_back(pool_case("L2_POOL_2D_float32", 1, LC_OP_L2_POOL_2D, LC_FLOAT32, kNone));
  cs.push_back(lstm("UNIDIRECTIONAL_SEQUENCE_LSTM_float32", 1, LC_FLOAT32, {}, false));
  cs.push_back(lstm("UNIDIRECTIONAL_SEQUENCE_LSTM_hybrid", 2, LC_INT8, W8, false));
  cs.push_back(lstm("UNIDIRECTIONAL_SEQUENCE_LSTM_hybrid_asymmetric", 3, LC_INT8, W8, false,
                    {opt("asymmetric_quantize_inputs", int64_t{1})}));
  cs.push_back(lstm("UNIDIRECTIONAL_SEQUENCE_LSTM_diagonal", 4, LC_FLOAT32, {}, true,
                    {opt("diagonal_recurrent_tensors", int64_t{1})}));
  const std::vector<Option> asym = {opt("asymmetric_quantize_inputs", int64_t{1})};
  cs.push_back(bilstm("BIDIRECTIONAL_SEQUENCE_LSTM_float32", 1, LC_FLOAT32, {}));
  cs.push_back(bilstm("BIDIRECTIONAL_SEQUENCE_LSTM_hybrid", 2, LC_INT8, W8));
  cs.push_back(bilstm("BIDIRECTIONAL_SEQUENCE_LSTM_hybrid_asymmetric", 3, LC_INT8, W8, asym));
  cs.push_back(seq_rnn("UNIDIRECTIONAL_SEQUENCE_RNN_float32", 1, LC_FLOAT32, {}));
  cs.push_back(seq_rnn("UNIDIRECTIONAL_SEQUENCE_RNN_hybrid", 2, LC_INT8, W8));
  cs.push_back(seq_rnn("UNIDIRECTIONAL_SEQUENCE_RNN_hybrid_asymmetric", 3, LC_INT8, W8, asym));
}

// y = op(x, constants...): x a graph input of `type`/`qz`, the rest constants built by `more`.
Case with_consts(const std::string& name, int32_t expected, int32_t code, int32_t type, const Quantization& qz,
                 const Shape& x, const Shape& y, const std::function<std::vector<int32_t>(Case&)>& more,
                 std::vector<Option> options = {}, int32_t out_type = -1) {
  return make(name, expected, [&](Case& c) {
    std::vector<int32_t> ins = {c.in(type, x, qz)};
    for (int32_t t : more(c)) ins.push_back(t);
    bool typed = out_type >= 0 && out_type != type;
    c.op(code, ins, {c.out(typed ? out_type : type, y, typed ? Quantization{} : qz)}, options);
  });
}

struct TypeQ {
  const char* suffix;
  int32_t type;
  Quantization q;
};
const TypeQ F{"float32", LC_FLOAT32, {}}, I8{"int8", LC_INT8, Q8}, I16{"int16", LC_INT16, Q16}, B{"bool", LC_BOOL, {}},
    U8{"uint8", LC_UINT8, QU8}, I32{"int32", LC_INT32, {}};

using TV = std::vector<std::pair<TypeQ, int32_t>>;

std::string nm(int32_t op, const std::string& what) {
  return builtin_name(op) + "_" + what;
}

void layout_cases(Cases& cs) {
  auto none = [](Case&) { return std::vector<int32_t>{}; };
  for (auto [t, v] : TV{{F, 1}, {I8, 2}, {I16, 3}})
    cs.push_back(make(nm(LC_OP_CONCATENATION, t.suffix), v, [t = t](Case& c) {
      int32_t a = c.in(t.type, {1, 4}, t.q), b = c.in(t.type, {1, 4}, t.q);
      c.op(LC_OP_CONCATENATION, {a, b}, {c.out(t.type, {2, 4}, t.q)}, {opt("axis", int64_t{0})});
    }));
  cs.push_back(with_consts("RESHAPE_float32", 1, LC_OP_RESHAPE, LC_FLOAT32, kNone, {1, 4}, {4},
                           [](Case& c) { return std::vector<int32_t>{c.ints({4})}; }));
  cs.push_back(with_consts("SQUEEZE_float32", 1, LC_OP_SQUEEZE, LC_FLOAT32, kNone, {1, 4}, {4}, none,
                           {opt("squeeze_dims", std::vector<int64_t>{0})}));
  cs.push_back(with_consts("EXPAND_DIMS_float32", 1, LC_OP_EXPAND_DIMS, LC_FLOAT32, kNone, {1, 4}, {1, 1, 4},
                           [](Case& c) { return std::vector<int32_t>{c.scalar(0)}; }));
  cs.push_back(with_consts("SHAPE_float32", 1, LC_OP_SHAPE, LC_FLOAT32, kNone, {1, 4}, {2}, none,
                           {opt("out_type", "INT32")}, LC_INT32));
  cs.push_back(make("SCATTER_ND_float32", 1, [](Case& c) {
    int32_t idx = c.cst(LC_INT32, {2, 1}, {}, bytes(std::vector<int32_t>{0, 2}));
    int32_t upd = c.in(LC_FLOAT32, {2});
    c.op(LC_OP_SCATTER_ND, {idx, upd, c.ints({4})}, {c.out(LC_FLOAT32, {4})});
  }));
  cs.push_back(with_consts("CUMSUM_float32", 1, LC_OP_CUMSUM, LC_FLOAT32, kNone, {1, 4}, {1, 4},
                           [](Case& c) { return std::vector<int32_t>{c.scalar(1)}; }));
  auto perm = [](std::vector<int32_t> p) { return [p](Case& c) { return std::vector<int32_t>{c.ints(p)}; }; };
  for (auto [t, v] : TV{{F, 1}, {I8, 2}, {B, 3}, {I16, 5}})
    cs.push_back(
        with_consts(nm(LC_OP_TRANSPOSE, t.suffix), v, LC_OP_TRANSPOSE, t.type, t.q, {1, 4}, {4, 1}, perm({1, 0})));
  cs.push_back(
      with_consts("TRANSPOSE_5d", 4, LC_OP_TRANSPOSE, LC_FLOAT32, kNone, k5, {1, 2, 2, 4, 2}, perm({0, 2, 1, 4, 3})));
  cs.push_back(with_consts("TRANSPOSE_6d", 6, LC_OP_TRANSPOSE, LC_FLOAT32, kNone, k6, {4, 2, 2, 2, 2, 1},
                           perm({5, 4, 3, 2, 1, 0})));
  cs.push_back(with_consts("TRANSPOSE_7d", 8, LC_OP_TRANSPOSE, LC_FLOAT32, kNone, {1, 1, 2, 2, 2, 2, 4},
                           {4, 2, 2, 2, 2, 1, 1}, perm({6, 5, 4, 3, 2, 1, 0})));
  auto pads = [](int32_t rank) {
    return [rank](Case& c) {
      std::vector<int32_t> p(static_cast<size_t>(rank) * 2, 1);
      return std::vector<int32_t>{c.cst(LC_INT32, {rank, 2}, {}, bytes(p))};
    };
  };
  for (auto [t, v] : TV{{F, 1}, {I8, 2}, {I16, 3}, {B, 5}}) {
    cs.push_back(with_consts(nm(LC_OP_PAD, t.suffix), v, LC_OP_PAD, t.type, t.q, {1, 4}, {3, 6}, pads(2)));
    cs.push_back(with_consts(nm(LC_OP_PADV2, t.suffix), v, LC_OP_PADV2, t.type, t.q, {1, 4}, {3, 6}, [t = t](Case& c) {
      std::vector<int32_t> p(4, 1);
      return std::vector<int32_t>{c.cst(LC_INT32, {2, 2}, {}, bytes(p)), c.cst(t.type, {}, t.q)};
    }));
  }
  cs.push_back(with_consts("PAD_5d", 4, LC_OP_PAD, LC_FLOAT32, kNone, k5, {3, 4, 4, 4, 6}, pads(5)));
  cs.push_back(with_consts("PADV2_5d", 4, LC_OP_PADV2, LC_FLOAT32, kNone, k5, {3, 4, 4, 4, 6}, [](Case& c) {
    std::vector<int32_t> p(10, 1);
    return std::vector<int32_t>{c.cst(LC_INT32, {5, 2}, {}, bytes(p)), c.cst(LC_FLOAT32, {})};
  }));
  for (auto [t, v] : TV{{F, 1}, {I8, 2}, {I16, 3}})
    cs.push_back(with_consts(nm(LC_OP_MIRROR_PAD, t.suffix), v, LC_OP_MIRROR_PAD, t.type, t.q, {1, 4}, {1, 6},
                             [](Case& c) {
                               std::vector<int32_t> p = {0, 0, 1, 1};
                               return std::vector<int32_t>{c.cst(LC_INT32, {2, 2}, {}, bytes(p))};
                             },
                             {opt("mode", "REFLECT")}));
}

void slicing_cases(Cases& cs) {
  auto consts = [](std::vector<std::vector<int32_t>> vs) {
    return [vs](Case& c) {
      std::vector<int32_t> ids;
      for (const auto& v : vs) ids.push_back(c.ints(v));
      return ids;
    };
  };
  for (auto [t, v] : TV{{F, 1}, {I8, 2}, {I16, 4}})
    cs.push_back(
        with_consts(nm(LC_OP_SLICE, t.suffix), v, LC_OP_SLICE, t.type, t.q, {1, 4}, {1, 2}, consts({{0, 1}, {1, 2}})));
  cs.push_back(with_consts("SLICE_5d", 5, LC_OP_SLICE, LC_FLOAT32, kNone, k5, {1, 1, 1, 1, 2},
                           consts({{0, 0, 0, 0, 1}, {1, 1, 1, 1, 2}})));
  const int32_t SS = LC_OP_STRIDED_SLICE;
  for (auto [t, v] : TV{{F, 1}, {I8, 2}, {B, 3}})
    cs.push_back(with_consts(nm(SS, t.suffix), v, SS, t.type, t.q, {1, 4}, {1, 2}, consts({{0, 1}, {1, 3}, {1, 1}})));
  cs.push_back(with_consts("STRIDED_SLICE_5d", 4, SS, LC_FLOAT32, kNone, k5, {1, 2, 2, 2, 2},
                           consts({{0, 0, 0, 0, 0}, {1, 2, 2, 2, 2}, {1, 1, 1, 1, 1}})));
  cs.push_back(with_consts("STRIDED_SLICE_new_axis_mask", 6, SS, LC_FLOAT32, kNone, {1, 4}, {1, 1, 4},
                           consts({{0, 0, 0}, {1, 1, 4}, {1, 1, 1}}), {opt("new_axis_mask", int64_t{1})}));
  cs.push_back(with_consts("STRIDED_SLICE_ellipsis_mask", 6, SS, LC_FLOAT32, kNone, {1, 4}, {1, 2},
                           consts({{0, 1}, {0, 3}, {1, 1}}), {opt("ellipsis_mask", int64_t{1})}));
  cs.push_back(with_consts("STRIDED_SLICE_offset", 8, SS, LC_FLOAT32, kNone, {1, 4}, {1, 2},
                           consts({{0, 1}, {1, 2}, {1, 1}}), {opt("offset", int64_t{1})}));
  auto idx = [](int32_t type, Shape shape) {
    return [type, shape](Case& c) {
      std::vector<int32_t> v = {0, 2};
      if (type == LC_INT16) return std::vector<int32_t>{c.cst(type, shape, {}, bytes(std::vector<int16_t>{0, 2}))};
      return std::vector<int32_t>{c.cst(type, shape, {}, bytes(v))};
    };
  };
  const std::vector<Option> axis1 = {opt("axis", int64_t{1})};
  for (auto [t, v] : TV{{F, 1}, {I8, 2}, {B, 3}, {I16, 4}})
    cs.push_back(with_consts(nm(LC_OP_GATHER, t.suffix), v, LC_OP_GATHER, t.type, t.q, {1, 4}, {1, 2},
                             idx(LC_INT32, {2}), axis1));
  cs.push_back(with_consts("GATHER_batch_dims", 5, LC_OP_GATHER, LC_FLOAT32, kNone, {1, 4}, {1, 2},
                           idx(LC_INT32, {1, 2}), {opt("axis", int64_t{1}), opt("batch_dims", int64_t{1})}));
  cs.push_back(with_consts("GATHER_int16_indices", 6, LC_OP_GATHER, LC_FLOAT32, kNone, {1, 4}, {1, 2},
                           idx(LC_INT16, {2}), axis1));
  for (auto [t, v] : TV{{F, 1}, {I16, 3}, {B, 5}})
    cs.push_back(with_consts(nm(LC_OP_GATHER_ND, t.suffix), v, LC_OP_GATHER_ND, t.type, t.q, {1, 4}, {1},
                             idx(LC_INT32, {1, 2})));
  cs.push_back(with_consts("GATHER_ND_int16_indices", 4, LC_OP_GATHER_ND, LC_FLOAT32, kNone, {1, 4}, {1},
                           idx(LC_INT16, {1, 2})));
}

void split_and_repeat_cases(Cases& cs) {
  for (auto [t, v] : TV{{F, 1}, {I8, 2}, {I32, 3}, {I16, 4}})
    cs.push_back(make(nm(LC_OP_SPLIT, t.suffix), v, [t = t](Case& c) {
      int32_t axis = c.scalar(1), x = c.in(t.type, {1, 4}, t.q);
      c.op(LC_OP_SPLIT, {axis, x}, {c.out(t.type, {1, 2}, t.q), c.out(t.type, {1, 2}, t.q)},
           {opt("num_splits", int64_t{2})});
    }));
  for (auto [t, v] : TV{{F, 1}, {I8, 2}})
    cs.push_back(make(nm(LC_OP_SPLIT_V, t.suffix), v, [t = t](Case& c) {
      int32_t x = c.in(t.type, {1, 4}, t.q), sizes = c.ints({2, 2}), axis = c.scalar(1);
      c.op(LC_OP_SPLIT_V, {x, sizes, axis}, {c.out(t.type, {1, 2}, t.q), c.out(t.type, {1, 2}, t.q)},
           {opt("num_splits", int64_t{2})});
    }));
  for (auto [t, v] : TV{{F, 1}, {I8, 2}, {I16, 3}})
    cs.push_back(make(nm(LC_OP_PACK, t.suffix), v, [t = t](Case& c) {
      int32_t a = c.in(t.type, {1, 4}, t.q), b = c.in(t.type, {1, 4}, t.q);
      c.op(LC_OP_PACK, {a, b}, {c.out(t.type, {2, 1, 4}, t.q)},
           {opt("values_count", int64_t{2}), opt("axis", int64_t{0})});
    }));
  for (auto [t, v] : TV{{F, 1}, {I8, 2}, {U8, 2}, {B, 3}, {I16, 4}})
    cs.push_back(make(nm(LC_OP_UNPACK, t.suffix), v, [t = t](Case& c) {
      int32_t x = c.in(t.type, {2, 4}, t.q);
      c.op(LC_OP_UNPACK, {x}, {c.out(t.type, {4}, t.q), c.out(t.type, {4}, t.q)},
           {opt("num", int64_t{2}), opt("axis", int64_t{0})});
    }));
  auto ints = [](std::vector<int32_t> v) { return [v](Case& c) { return std::vector<int32_t>{c.ints(v)}; }; };
  for (auto [t, v] : TV{{F, 1}, {I8, 3}})
    cs.push_back(with_consts(nm(LC_OP_TILE, t.suffix), v, LC_OP_TILE, t.type, t.q, {1, 4}, {2, 8}, ints({2, 2})));
  for (auto [t, v] : TV{{F, 2}, {I8, 3}, {I16, 3}})
    cs.push_back(with_consts(nm(LC_OP_BROADCAST_TO, t.suffix), v, LC_OP_BROADCAST_TO, t.type, t.q, {1, 4}, {3, 4},
                             ints({3, 4})));
  for (auto [t, v] : TV{{F, 1}, {B, 2}, {I8, 3}})
    cs.push_back(
        with_consts(nm(LC_OP_REVERSE_V2, t.suffix), v, LC_OP_REVERSE_V2, t.type, t.q, {1, 4}, {1, 4}, ints({1})));
  for (auto [t, v] : TV{{F, 1}, {I8, 2}, {I16, 3}})
    cs.push_back(make(nm(LC_OP_TOPK_V2, t.suffix), v, [t = t](Case& c) {
      int32_t x = c.in(t.type, {1, 4}, t.q), k = c.scalar(2);
      c.op(LC_OP_TOPK_V2, {x, k}, {c.out(t.type, {1, 2}, t.q), c.out(LC_INT32, {1, 2})});
    }));
  for (int32_t op : {LC_OP_RESIZE_BILINEAR, LC_OP_RESIZE_NEAREST_NEIGHBOR}) {
    for (auto [t, v] : TV{{F, 1}, {I8, 2}, {I16, 4}})
      cs.push_back(with_consts(nm(op, t.suffix), v, op, t.type, t.q, k4, {1, 8, 8, 4}, ints({8, 8})));
    cs.push_back(with_consts(nm(op, "half_pixel"), 3, op, LC_FLOAT32, kNone, k4, {1, 8, 8, 4}, ints({8, 8}),
                             {opt("half_pixel_centers", int64_t{1})}));
  }
  cs.push_back(with_consts("RESIZE_NEAREST_NEIGHBOR_align_corners", 3, LC_OP_RESIZE_NEAREST_NEIGHBOR, LC_FLOAT32, kNone,
                           k4, {1, 8, 8, 4}, ints({8, 8}), {opt("align_corners", int64_t{1})}));
  auto none = [](Case&) { return std::vector<int32_t>{}; };
  const std::vector<Option> block = {opt("block_size", int64_t{2})};
  for (auto [t, v] : TV{{F, 1}, {I8, 2}}) {
    cs.push_back(with_consts(nm(LC_OP_DEPTH_TO_SPACE, t.suffix), v, LC_OP_DEPTH_TO_SPACE, t.type, t.q, k4, {1, 8, 8, 1},
                             none, block));
    cs.push_back(with_consts(nm(LC_OP_SPACE_TO_DEPTH, t.suffix), v, LC_OP_SPACE_TO_DEPTH, t.type, t.q, k4,
                             {1, 2, 2, 16}, none, block));
  }
  for (auto [t, v] : TV{{F, 1}, {B, 2}, {I8, 3}})
    cs.push_back(make(nm(LC_OP_FILL, t.suffix), v, [t = t](Case& c) {
      int32_t dims = c.ints({1, 4}), value = c.in(t.type, {}, t.q);
      c.op(LC_OP_FILL, {dims, value}, {c.out(t.type, {1, 4}, t.q)});
    }));
}

void reduction_cases(Cases& cs) {
  auto axis = [](Case& c) { return std::vector<int32_t>{c.ints({1})}; };
  const std::vector<Option> keep = {opt("keep_dims", int64_t{0})};
  for (int32_t op : {LC_OP_MEAN, LC_OP_REDUCE_MAX, LC_OP_REDUCE_MIN})
    for (auto [t, v] : TV{{F, 1}, {I8, 2}, {I16, 3}})
      cs.push_back(with_consts(nm(op, t.suffix), v, op, t.type, t.q, {1, 4}, {1}, axis, keep));
  for (auto [t, v] : TV{{F, 1}, {I8, 2}})
    cs.push_back(with_consts(nm(LC_OP_SUM, t.suffix), v, LC_OP_SUM, t.type, t.q, {1, 4}, {1}, axis, keep));
  for (auto [t, v] : TV{{F, 1}, {I8, 2}, {I16, 2}})
    cs.push_back(
        with_consts(nm(LC_OP_REDUCE_PROD, t.suffix), v, LC_OP_REDUCE_PROD, t.type, t.q, {1, 4}, {1}, axis, keep));
  cs.push_back(with_consts("REDUCE_ANY_bool", 1, LC_OP_REDUCE_ANY, LC_BOOL, kNone, {1, 4}, {1}, axis, keep));
  for (int32_t op : {LC_OP_ARG_MAX, LC_OP_ARG_MIN})
    for (auto [t, v] : TV{{F, 1}, {I8, 2}, {B, 3}})
      cs.push_back(with_consts(nm(op, t.suffix), v, op, t.type, t.q, {1, 4}, {1}, axis, {opt("output_type", "INT32")},
                               LC_INT32));
}

void activation_cases(Cases& cs) {
  // Output quantizations the int8/int16 kernels require.
  const Quantization sm8 = q(1.0f / 256, -128), sm16 = q(1.0f / 32768), tanh8 = q(1.0f / 128),
                     lsm8 = q(16.0f / 256, 127);
  struct Spec {
    int32_t op;
    std::vector<Option> options;
    const Quantization* out8;
    const Quantization* out16;
  };
  for (const Spec& sp : {Spec{LC_OP_SOFTMAX, {opt("beta", 1.0)}, &sm8, &sm16}, Spec{LC_OP_RELU6, {}, nullptr, nullptr},
                         Spec{LC_OP_RSQRT, {}, nullptr, nullptr}, Spec{LC_OP_LOGISTIC, {}, &sm8, &sm16},
                         Spec{LC_OP_TANH, {}, &tanh8, &sm16}}) {
    cs.push_back(unary(nm(sp.op, "float32"), 1, sp.op, LC_FLOAT32, kNone, sp.options));
    cs.push_back(unary(nm(sp.op, "int8"), 2, sp.op, LC_INT8, Q8, sp.options, -1, sp.out8));
    cs.push_back(unary(nm(sp.op, "int16"), 3, sp.op, LC_INT16, Q16, sp.options, -1, sp.out16));
  }
  cs.push_back(unary("LOG_SOFTMAX_float32", 1, LC_OP_LOG_SOFTMAX, LC_FLOAT32, kNone));
  cs.push_back(unary("LOG_SOFTMAX_int8", 2, LC_OP_LOG_SOFTMAX, LC_INT8, Q8, {}, -1, &lsm8));
  for (int32_t op : {LC_OP_EXP, LC_OP_LOG, LC_OP_SQRT})
    for (auto [t, v] : TV{{F, 1}, {I8, 2}, {I16, 2}}) cs.push_back(unary(nm(op, t.suffix), v, op, t.type, t.q));
  for (int32_t op : {LC_OP_RELU_N1_TO_1, LC_OP_RELU_0_TO_1, LC_OP_ELU, LC_OP_HARD_SWISH, LC_OP_NEG, LC_OP_SQUARE,
                     LC_OP_SIN, LC_OP_COS, LC_OP_FLOOR, LC_OP_CEIL, LC_OP_ROUND})
    cs.push_back(unary(nm(op, "float32"), 1, op, LC_FLOAT32, kNone));
  cs.push_back(with_consts("PRELU_float32", 1, LC_OP_PRELU, LC_FLOAT32, kNone, {1, 4}, {1, 4},
                           [](Case& c) { return std::vector<int32_t>{c.cst(LC_FLOAT32, {4})}; }));
  for (auto [t, v] : TV{{F, 1}, {I8, 2}, {U8, 2}, {I16, 3}})
    cs.push_back(unary(nm(LC_OP_RELU, t.suffix), v, LC_OP_RELU, t.type, t.q));
  for (auto [t, v] : TV{{F, 1}, {I8, 1}, {I16, 2}})
    cs.push_back(unary(nm(LC_OP_LEAKY_RELU, t.suffix), v, LC_OP_LEAKY_RELU, t.type, t.q, {opt("alpha", 0.125)}));
  for (auto [t, v] : TV{{F, 1}, {I8, 2}, {U8, 2}})
    cs.push_back(unary(nm(LC_OP_GELU, t.suffix), v, LC_OP_GELU, t.type, t.q));
  for (auto [t, v] : TV{{F, 1},
                        {I8, 2},
                        {TypeQ{"int16_quantized", LC_INT16, Q16}, 3},
                        {TypeQ{"int16_unquantized", LC_INT16, {}}, 4},
                        {I32, 5}})
    cs.push_back(unary(nm(LC_OP_ABS, t.suffix), v, LC_OP_ABS, t.type, t.q));
  for (auto [t, v] : TV{{F, 1}, {I32, 2}}) cs.push_back(unary(nm(LC_OP_SIGN, t.suffix), v, LC_OP_SIGN, t.type, t.q));
  cs.push_back(unary("L2_NORMALIZATION_float32", 1, LC_OP_L2_NORMALIZATION, LC_FLOAT32, kNone));
  cs.push_back(unary("L2_NORMALIZATION_int8", 2, LC_OP_L2_NORMALIZATION, LC_INT8, Q8, {}, -1, &tanh8));
}

void quantization_cases(Cases& cs) {
  struct Conv {
    const char* name;
    int32_t version, from, to;
  };
  for (Conv cv :
       {Conv{"float32_to_int32", 1, LC_FLOAT32, LC_INT32}, Conv{"int8_to_float32", 3, LC_INT8, LC_FLOAT32},
        Conv{"float32_to_int8", 3, LC_FLOAT32, LC_INT8}, Conv{"float32_to_float64", 5, LC_FLOAT32, LC_FLOAT64},
        Conv{"float16_to_float32", 5, LC_FLOAT16, LC_FLOAT32}})
    cs.push_back(unary(nm(LC_OP_CAST, cv.name), cv.version, LC_OP_CAST, cv.from, kNone, {}, cv.to, &kNone));
  const Quantization pc = qc({1, 4}, 1, 0.05f);
  cs.push_back(unary("QUANTIZE_float32_to_int8", 1, LC_OP_QUANTIZE, LC_FLOAT32, kNone, {}, LC_INT8, &Q8));
  cs.push_back(unary("QUANTIZE_float32_to_int16", 2, LC_OP_QUANTIZE, LC_FLOAT32, kNone, {}, LC_INT16, &Q16));
  cs.push_back(unary("QUANTIZE_per_channel", 3, LC_OP_QUANTIZE, LC_FLOAT32, kNone, {}, LC_INT8, &pc));
  for (auto [t, v] : TV{{U8, 1}, {I8, 2}, {I16, 3}, {TypeQ{"float16", LC_FLOAT16, {}}, 3}})
    cs.push_back(unary(nm(LC_OP_DEQUANTIZE, t.suffix), v, LC_OP_DEQUANTIZE, t.type, t.q, {}, LC_FLOAT32, &kNone));
  // Per-channel dequantization is of constant weights.
  cs.push_back(make("DEQUANTIZE_int8_per_channel", 5, [&](Case& c) {
    c.op(LC_OP_DEQUANTIZE, {c.cst(LC_INT8, {1, 4}, pc)}, {c.out(LC_FLOAT32, {1, 4})});
  }));
}

}  // namespace

// The table's rows and, per operator, the probes of the resolver's maximum version.
void write_table_and_probes(const std::string& dir) {
  std::ofstream table(dir + "/table.tsv"), probes(dir + "/probes.tsv");
  for (int32_t op : tflite::versioned_operators()) {
    std::string name = builtin_name(op);
    table << name << '\t' << tflite::base_version(op) << "\tbase\n";
    for (const tflite::VersionRule& r : tflite::version_rules(op))
      table << name << '\t' << r.version << '\t' << r.feature << '\n';
    int32_t max = tflite::resolver_max_version(op);
    for (int32_t v : {max, max + 1}) {
      Case c;
      Operator o;
      o.builtin_code = op;
      o.version = v;
      o.inputs = {c.in(LC_FLOAT32, {1, 4})};
      o.outputs = {c.out(LC_FLOAT32, {1, 4})};
      c.m.operators = {o};
      std::string file = "probe_" + name + "_v" + std::to_string(v);
      write_tflite_file(c.m, dir + "/" + file + ".tflite");
      probes << file << '\t' << name << '\t' << v << '\t' << (v == max ? 1 : 0) << '\n';
    }
  }
  if (!table || !probes) throw Error(dir + ": cannot write table.tsv or probes.tsv");
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: write_op_models DIR\n";
    return 2;
  }
  std::string dir = argv[1];
  Cases cs;
  for (auto family : {binary_cases, comparison_cases, conv_cases, dense_cases, pool_and_lstm_cases, layout_cases,
                      slicing_cases, split_and_repeat_cases, reduction_cases, activation_cases, quantization_cases})
    family(cs);
  std::ofstream manifest(dir + "/cases.tsv");
  try {
    for (const Case& c : cs) {
      write_tflite_file(c.m, dir + "/" + c.name + ".tflite");
      manifest << c.name << '\t' << builtin_name(c.m.operators.at(0).builtin_code) << '\t' << c.expected << '\n';
    }
    write_table_and_probes(dir);
  } catch (const Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return manifest.good() ? 0 : 1;
}
