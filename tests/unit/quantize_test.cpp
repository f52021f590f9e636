// The quantized-graph rewrites on hand-built models: folding DEQUANTIZE -> op -> QUANTIZE,
// the uint8 target type and integer model I/O, each with a twin where it must not fire.
// Their numerics are covered end to end (tests/e2e: quantized models run in LiteRT).
#include "passes/quantize.hpp"
#include "model_builder.hpp"

#include <litecast/error.hpp>

#include <gtest/gtest.h>

namespace litecast::passes {
namespace {

Quantization q(float scale, int64_t zp) {
  return Quantization{{scale}, {zp}, 0};
}

// in -> QUANTIZE -> out (int8 with quantization `quant`).
void quantize(Builder& b, const std::string& in, const std::string& out, std::vector<int32_t> shape,
              const Quantization& quant) {
  b.op(LC_OP_QUANTIZE, {b.t.at(in)}, {b.act(out, std::move(shape))});
  b.m.tensors.back().type = LC_INT8;
  b.m.tensors.back().quant = quant;
}

std::vector<std::string> op_names(const Model& m) {
  std::vector<std::string> v;
  for (const Operator& o : m.operators) v.push_back(builtin_name(o.builtin_code));
  return v;
}

// x -> QUANTIZE(int8) -> DEQUANTIZE -> `mid` -> SOFTMAX -> QUANTIZE(out) -> DEQUANTIZE -> y
struct SoftmaxChain {
  Builder b;
  explicit SoftmaxChain(Quantization out) {
    b.m.inputs = {b.act("x", {1, 8})};
    quantize(b, "x", "xq", {1, 8}, q(0.05f, 3));
    b.op(LC_OP_DEQUANTIZE, {b.t["xq"]}, {b.act("xd", {1, 8})});
    b.op(LC_OP_SOFTMAX, {b.t["xd"]}, {b.act("s", {1, 8})}, {{"beta", 1.0}});
    quantize(b, "s", "sq", {1, 8}, out);
    b.op(LC_OP_DEQUANTIZE, {b.t["sq"]}, {b.act("y", {1, 8})});
    b.m.outputs = {b.t["y"]};
  }
};

TEST(FoldQdq, SoftmaxRunsOnItsInt8Kernel) {
  SoftmaxChain c(q(1.0f / 256, -128));
  ModelGraph g(c.b.m);
  EXPECT_EQ(fold_qdq(g).counters["folded"], 1);
  ASSERT_EQ(op_names(c.b.m), (std::vector<std::string>{"QUANTIZE", "SOFTMAX", "DEQUANTIZE"}));
  const Operator& sm = c.b.m.operators[1];
  EXPECT_EQ(tensor_of(c.b.m, sm.inputs[0]).type, LC_INT8);
  EXPECT_EQ(tensor_of(c.b.m, sm.outputs[0]).type, LC_INT8);
  EXPECT_EQ(tensor_of(c.b.m, sm.outputs[0]).quant, q(1.0f / 256, -128));
  EXPECT_EQ(tensor_of(c.b.m, c.b.m.outputs[0]).name, "y");
}

// SOFTMAX's int8 kernel fixes its output quantization: another one is a requantization.
TEST(FoldQdq, FixedOutputQuantizationRequantizes) {
  SoftmaxChain c(q(1.0f / 128, 0));
  ModelGraph g(c.b.m);
  fold_qdq(g);
  ASSERT_EQ(op_names(c.b.m), (std::vector<std::string>{"QUANTIZE", "SOFTMAX", "QUANTIZE", "DEQUANTIZE"}));
  EXPECT_EQ(tensor_of(c.b.m, c.b.m.operators[1].outputs[0]).quant, q(1.0f / 256, -128));
  EXPECT_EQ(tensor_of(c.b.m, c.b.m.operators[2].inputs[0]).type, LC_INT8);
  EXPECT_EQ(tensor_of(c.b.m, c.b.m.operators[2].outputs[0]).quant, q(1.0f / 128, 0));
}

// A data-movement op between the DEQUANTIZE and the kernel moves the DEQUANTIZE after it, so
// the kernel folds too; the model output it also feeds stays float behind a DEQUANTIZE.
TEST(FoldQdq, DataMovementPassesTheDequantizeOn) {
  Builder b;
  b.m.inputs = {b.act("x", {2, 4})};
  quantize(b, "x", "xq", {2, 4}, q(0.05f, 3));
  b.op(LC_OP_DEQUANTIZE, {b.t["xq"]}, {b.act("xd", {2, 4})});
  int32_t shape = b.constant("shape", LC_INT32, {2}, std::vector<int32_t>{1, 8});
  b.op(LC_OP_RESHAPE, {b.t["xd"], shape}, {b.act("r", {1, 8})});
  b.op(LC_OP_SOFTMAX, {b.t["r"]}, {b.act("s", {1, 8})}, {{"beta", 1.0}});
  quantize(b, "s", "sq", {1, 8}, q(1.0f / 256, -128));
  b.op(LC_OP_DEQUANTIZE, {b.t["sq"]}, {b.act("y", {1, 8})});
  b.m.outputs = {b.t["y"], b.t["r"]};
  ModelGraph g(b.m);
  EXPECT_EQ(fold_qdq(g).counters["folded"], 2);
  ASSERT_EQ(op_names(b.m), (std::vector<std::string>{"QUANTIZE", "RESHAPE", "DEQUANTIZE", "SOFTMAX", "DEQUANTIZE"}));
  EXPECT_EQ(tensor_of(b.m, b.m.operators[1].outputs[0]).quant, q(0.05f, 3));
  EXPECT_EQ(tensor_of(b.m, b.m.operators[3].inputs[0]).type, LC_INT8);
  EXPECT_EQ(tensor_of(b.m, b.m.outputs[1]).type, LC_FLOAT32);
}

// A float op whose output is also a model output stays float.
TEST(FoldQdq, FloatOutputStaysFloat) {
  SoftmaxChain c(q(1.0f / 256, -128));
  c.b.m.outputs.push_back(c.b.t["s"]);
  ModelGraph g(c.b.m);
  EXPECT_EQ(fold_qdq(g).counters["folded"], 0);
  EXPECT_EQ(tensor_of(c.b.m, c.b.m.operators[2].inputs[0]).type, LC_FLOAT32);
}

// A QAT convolution: dequantized per-channel int8 weights and a float bias.
struct QatConv {
  Builder b;
  explicit QatConv(bool quantized_weight, bool on_grid = false) {
    b.m.inputs = {b.act("x", {1, 2, 2, 1})};
    quantize(b, "x", "xq", {1, 2, 2, 1}, q(0.5f, -10));
    b.op(LC_OP_DEQUANTIZE, {b.t["xq"]}, {b.act("xd", {1, 2, 2, 1})});
    int32_t w;
    if (quantized_weight) {
      int32_t wq = b.constant("wq", LC_INT8, {2, 1, 1, 1}, std::vector<int8_t>{100, -50});
      b.m.tensors.back().quant = Quantization{{0.01f, 0.02f}, {0, 0}, 0};
      b.op(LC_OP_DEQUANTIZE, {wq}, {w = b.act("w", {2, 1, 1, 1})});
    } else {
      // What a folded fake-quant leaves (channel 0: multiples of 0.01, channel 1 of 0.02), or
      // weights on no int8 grid (channel 1 holds 1 and 1/sqrt(2)).
      std::vector<float> v = on_grid ? std::vector<float>{1.00f, -0.37f, 2.54f, 0.02f}
                                     : std::vector<float>{1.00f, -0.37f, 1.0f, 0.70710678f};
      w = b.constant("w", LC_FLOAT32, {2, 1, 1, 2}, v);
    }
    int32_t bias = b.constant("bias", LC_FLOAT32, {2}, std::vector<float>{0.25f, -1.0f});
    b.op(LC_OP_CONV_2D, {b.t["xd"], w, bias}, {b.act("c", {1, 2, 2, 2})},
         {{"stride_w", int64_t{1}}, {"stride_h", int64_t{1}}});
    quantize(b, "c", "cq", {1, 2, 2, 2}, q(0.1f, 5));
    b.op(LC_OP_DEQUANTIZE, {b.t["cq"]}, {b.act("y", {1, 2, 2, 2})});
    b.m.outputs = {b.t["y"]};
  }
};

TEST(FoldQdq, QatConvolutionGetsInt8WeightsAndInt32Bias) {
  QatConv c(true);
  ModelGraph g(c.b.m);
  fold_qdq(g);
  ASSERT_EQ(op_names(c.b.m), (std::vector<std::string>{"QUANTIZE", "CONV_2D", "DEQUANTIZE"}));
  const Operator& conv = c.b.m.operators[1];
  EXPECT_EQ(tensor_of(c.b.m, conv.inputs[1]).type, LC_INT8);
  const Tensor& bias = tensor_of(c.b.m, conv.inputs[2]);
  ASSERT_EQ(bias.type, LC_INT32);
  EXPECT_EQ(bias.quant.scales, (std::vector<float>{0.5f * 0.01f, 0.5f * 0.02f}));
  EXPECT_EQ(data_of<int32_t>(c.b.m, conv.inputs[2]), (std::vector<int32_t>{50, -100}));
  EXPECT_EQ(tensor_of(c.b.m, conv.outputs[0]).quant, q(0.1f, 5));
}

TEST(FoldQdq, FloatWeightsOnAnInt8GridFold) {
  QatConv c(false, true);
  ModelGraph g(c.b.m);
  EXPECT_EQ(fold_qdq(g).counters["folded"], 1);
  const Tensor& w = tensor_of(c.b.m, c.b.m.operators[1].inputs[1]);
  ASSERT_EQ(w.type, LC_INT8);
  EXPECT_EQ(w.quant.scales, (std::vector<float>{1.0f / 100, 2.54f / 127}));
  EXPECT_EQ(data_of<int8_t>(c.b.m, c.b.m.operators[1].inputs[1]), (std::vector<int8_t>{100, -37, 127, 1}));
}

TEST(FoldQdq, FloatWeightsOffGridStayFloat) {
  QatConv c(false);
  ModelGraph g(c.b.m);
  EXPECT_EQ(fold_qdq(g).counters["folded"], 0);
  EXPECT_EQ(op_names(c.b.m), (std::vector<std::string>{"QUANTIZE", "DEQUANTIZE", "CONV_2D", "QUANTIZE", "DEQUANTIZE"}));
}

// CONCATENATION's int8 kernel does not rescale: inputs with another quantization are
// requantized to the output's first.
TEST(FoldQdq, ConcatenationRequantizesItsInputs) {
  Builder b;
  b.m.inputs = {b.act("x", {1, 4})};
  quantize(b, "x", "a", {1, 4}, q(0.1f, 0));
  quantize(b, "x", "b", {1, 4}, q(0.2f, 0));
  b.op(LC_OP_DEQUANTIZE, {b.t["a"]}, {b.act("ad", {1, 4})});
  b.op(LC_OP_DEQUANTIZE, {b.t["b"]}, {b.act("bd", {1, 4})});
  b.op(LC_OP_CONCATENATION, {b.t["ad"], b.t["bd"]}, {b.act("c", {1, 8})}, {{"axis", int64_t{1}}});
  quantize(b, "c", "cq", {1, 8}, q(0.2f, 0));
  b.op(LC_OP_DEQUANTIZE, {b.t["cq"]}, {b.act("y", {1, 8})});
  b.m.outputs = {b.t["y"]};
  ModelGraph g(b.m);
  fold_qdq(g);
  ASSERT_EQ(op_names(b.m),
            (std::vector<std::string>{"QUANTIZE", "QUANTIZE", "QUANTIZE", "CONCATENATION", "DEQUANTIZE"}));
  const Operator& cat = b.m.operators[3];
  for (int32_t in : cat.inputs) EXPECT_EQ(tensor_of(b.m, in).quant, q(0.2f, 0));
}

TEST(ToUint8, ShiftsZeroPointsAndConstants) {
  QatConv c(true);
  c.b.m.tensors[static_cast<size_t>(c.b.t["wq"])].quant = q(0.01f, 0);
  ModelGraph g(c.b.m);
  fold_qdq(g);
  to_uint8(g);
  const Operator& conv = c.b.m.operators[1];
  EXPECT_EQ(tensor_of(c.b.m, conv.inputs[0]).type, LC_UINT8);
  EXPECT_EQ(tensor_of(c.b.m, conv.inputs[0]).quant, q(0.5f, 118));
  EXPECT_EQ(tensor_of(c.b.m, conv.inputs[1]).quant, q(0.01f, 128));
  EXPECT_EQ(data_of<uint8_t>(c.b.m, conv.inputs[1]), (std::vector<uint8_t>{228, 78}));
  EXPECT_EQ(tensor_of(c.b.m, conv.inputs[2]).type, LC_INT32);  // the bias keeps int32
}

TEST(ToUint8, PerChannelWeightsAreAnError) {
  QatConv c(true);
  ModelGraph g(c.b.m);
  fold_qdq(g);
  try {
    to_uint8(g);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'wq'"), std::string::npos) << e.what();
  }
}

TEST(FuseQuantDequant, IntegerInputsAndOutputs) {
  SoftmaxChain c(q(1.0f / 256, -128));
  ModelGraph g(c.b.m);
  fold_qdq(g);
  fuse_quant_dequant(g, LC_INT8);
  EXPECT_EQ(op_names(c.b.m), (std::vector<std::string>{"SOFTMAX"}));
  EXPECT_EQ(tensor_of(c.b.m, c.b.m.inputs[0]).name, "x");
  EXPECT_EQ(tensor_of(c.b.m, c.b.m.inputs[0]).type, LC_INT8);
  EXPECT_EQ(tensor_of(c.b.m, c.b.m.outputs[0]).name, "y");
  EXPECT_EQ(tensor_of(c.b.m, c.b.m.outputs[0]).type, LC_INT8);
}

// uint8 model I/O around an int8 model: the QUANTIZE/DEQUANTIZE become requantizations.
TEST(FuseQuantDequant, OtherIoTypeRequantizes) {
  SoftmaxChain c(q(1.0f / 256, -128));
  ModelGraph g(c.b.m);
  fold_qdq(g);
  fuse_quant_dequant(g, LC_UINT8);
  ASSERT_EQ(op_names(c.b.m), (std::vector<std::string>{"QUANTIZE", "SOFTMAX", "QUANTIZE"}));
  EXPECT_EQ(tensor_of(c.b.m, c.b.m.inputs[0]).type, LC_UINT8);
  EXPECT_EQ(tensor_of(c.b.m, c.b.m.inputs[0]).quant, q(0.05f, 131));
  EXPECT_EQ(tensor_of(c.b.m, c.b.m.outputs[0]).type, LC_UINT8);
  EXPECT_EQ(tensor_of(c.b.m, c.b.m.outputs[0]).quant, q(1.0f / 256, 0));
}

// An int8 model input and output (a PyTorch model taking and returning quantized tensors):
// presented in uint8 by one QUANTIZE each, same scale, zero points + 128; int8 leaves them.
TEST(QuantizedIoType, RequantizesIntegerInputsAndOutputs) {
  Builder b;
  b.m.inputs = {b.act("x", {1, 4})};
  b.m.tensors.back().type = LC_INT8;
  b.m.tensors.back().quant = q(0.04f, 3);
  b.op(LC_OP_RELU, {b.t["x"]}, {b.act("y", {1, 4})});
  b.m.tensors.back().type = LC_INT8;
  b.m.tensors.back().quant = q(0.04f, 3);
  b.m.outputs = {b.t["y"]};
  {
    ModelGraph g(b.m);
    EXPECT_FALSE(quantized_io_type(g, LC_INT8).changed());
  }
  ModelGraph g(b.m);
  EXPECT_EQ(quantized_io_type(g, LC_UINT8).counters["inputs"], 1);
  ASSERT_EQ(op_names(b.m), (std::vector<std::string>{"QUANTIZE", "RELU", "QUANTIZE"}));
  EXPECT_EQ(tensor_of(b.m, b.m.inputs[0]).name, "x");
  EXPECT_EQ(tensor_of(b.m, b.m.inputs[0]).type, LC_UINT8);
  EXPECT_EQ(tensor_of(b.m, b.m.inputs[0]).quant, q(0.04f, 131));
  EXPECT_EQ(b.m.operators[0].outputs[0], b.t["x"]);
  EXPECT_EQ(tensor_of(b.m, b.m.outputs[0]).name, "y");
  EXPECT_EQ(tensor_of(b.m, b.m.outputs[0]).type, LC_UINT8);
  EXPECT_EQ(tensor_of(b.m, b.m.outputs[0]).quant, q(0.04f, 131));
}

// A float input read by a float op stays float.
TEST(FuseQuantDequant, FloatModelUnchanged) {
  Builder b;
  b.m.inputs = {b.act("x", {1, 4})};
  b.op(LC_OP_RELU, {b.t["x"]}, {b.act("y", {1, 4})});
  b.m.outputs = {b.t["y"]};
  ModelGraph g(b.m);
  EXPECT_FALSE(fuse_quant_dequant(g, LC_INT8).changed());
  EXPECT_EQ(op_names(b.m), (std::vector<std::string>{"RELU"}));
}

TEST(QuantizedRewrites, OptionValuesAreChecked) {
  EXPECT_THROW(quantized_rewrites({{"quantize_target_type", "int4"}}, false), Error);
  QuantizedRewrites r = quantized_rewrites({{"quantize_target_type", "uint8"}, {"fuse_quant_dequant", "1"}}, false);
  EXPECT_EQ(r.target_type, LC_UINT8);
  EXPECT_EQ(r.io_type, LC_UINT8);
  EXPECT_TRUE(r.fuse_io);
  EXPECT_FALSE(r.fold);
  EXPECT_TRUE(quantized_rewrites({}, true).fold);
}

}  // namespace
}  // namespace litecast::passes
