// The graph passes on small hand-built models: each rewrite, and a twin where it must not fire.
// Numerics of the same passes are covered end to end (tests/e2e: models run in LiteRT).
#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>
#include <litecast/tflite_model.hpp>

#include "model_builder.hpp"
#include "passes/pass.hpp"
#include "passes/perm.hpp"
#include "passes/pipeline.hpp"
#include "passes/weight_passes.hpp"
#include "tflite/op_version.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace litecast::passes {
namespace {

std::map<std::string, int> histogram(const Model& m) {
  std::map<std::string, int> h;
  for (const Operator& o : m.operators) h[builtin_name(o.builtin_code)]++;
  return h;
}

const Perm kToNchw = {0, 3, 1, 2};
const Perm kToNhwc = {0, 2, 3, 1};

TEST(Perm, ComposeAndInvert) {
  EXPECT_TRUE(IsIdentity(Compose(kToNhwc, kToNchw)));
  EXPECT_EQ(Invert(kToNhwc), kToNchw);
  EXPECT_EQ(Apply(std::vector<int32_t>{1, 8, 5, 6}, kToNhwc), (std::vector<int32_t>{1, 5, 6, 8}));
  EXPECT_FALSE(IsPermutation({0, 0, 1}));
}

// x(NHWC) -> to NCHW -> RELU -> to NHWC -> y : the transposes cancel around the RELU.
TEST(SinkTransposes, CancelsAroundElementwise) {
  Builder b;
  b.m.inputs = {b.act("x", {1, 4, 4, 8})};
  b.transpose("x", "x_nchw", {1, 8, 4, 4}, kToNchw);
  b.op(LC_OP_RELU, {b.t["x_nchw"]}, {b.act("r", {1, 8, 4, 4})});
  b.transpose("r", "y", {1, 4, 4, 8}, kToNhwc);
  b.m.outputs = {b.t["y"]};
  optimize(b.m, 3, {});
  EXPECT_EQ(histogram(b.m), (std::map<std::string, int>{{"RELU", 1}}));
  EXPECT_EQ(b.m.tensors[static_cast<size_t>(b.m.outputs[0])].shape, (std::vector<int32_t>{1, 4, 4, 8}));
  EXPECT_EQ(b.m.tensors[static_cast<size_t>(b.m.outputs[0])].name, "y");
}

// ADD of two transposed tensors and a per-channel constant [C,1,1] in NCHW.
TEST(SinkTransposes, BinaryWithChannelConstant) {
  Builder b;
  b.m.inputs = {b.act("x", {1, 2, 2, 3})};
  b.transpose("x", "x_nchw", {1, 3, 2, 2}, kToNchw);
  int32_t c = b.constant("c", LC_FLOAT32, {3, 1, 1}, std::vector<float>{1, 2, 3});
  b.op(LC_OP_ADD, {b.t["x_nchw"], c}, {b.act("s", {1, 3, 2, 2})});
  b.transpose("s", "y", {1, 2, 2, 3}, kToNhwc);
  b.m.outputs = {b.t["y"]};
  optimize(b.m, 3, {});
  ASSERT_EQ(histogram(b.m), (std::map<std::string, int>{{"ADD", 1}}));
  const Operator& add = b.m.operators[0];
  const Tensor& k = b.m.tensors[static_cast<size_t>(add.inputs[1])];
  EXPECT_EQ(k.shape, (std::vector<int32_t>{1, 1, 1, 3}));
  std::vector<float> v(3);
  std::memcpy(v.data(), b.m.buffers[k.buffer].data(), 12);
  EXPECT_EQ(v, (std::vector<float>{1, 2, 3}));
}

// MEAN over H,W of an NCHW view of an NHWC tensor needs no transpose at all.
TEST(SinkTransposes, ReductionDropsThePermutation) {
  Builder b;
  b.m.inputs = {b.act("x", {1, 4, 4, 8})};
  b.transpose("x", "x_nchw", {1, 8, 4, 4}, kToNchw);
  int32_t axes = b.constant("axes", LC_INT32, {2}, std::vector<int32_t>{2, 3});
  b.op(LC_OP_MEAN, {b.t["x_nchw"], axes}, {b.act("y", {1, 8})}, {{"keep_dims", int64_t{0}}});
  b.m.outputs = {b.t["y"]};
  optimize(b.m, 3, {});
  ASSERT_EQ(histogram(b.m), (std::map<std::string, int>{{"MEAN", 1}}));
  const Tensor& a = b.m.tensors[static_cast<size_t>(b.m.operators[0].inputs[1])];
  std::vector<int32_t> got(2);
  std::memcpy(got.data(), b.m.buffers[a.buffer].data(), 8);
  EXPECT_EQ(got, (std::vector<int32_t>{1, 2}));
}

// Flattening [N,C,1,1] reads the NHWC tensor directly: only unit dimensions move.
TEST(SinkTransposes, ReshapeOverUnitDims) {
  Builder b;
  b.m.inputs = {b.act("x", {1, 1, 1, 8})};
  b.transpose("x", "x_nchw", {1, 8, 1, 1}, kToNchw);
  int32_t shape = b.constant("shape", LC_INT32, {2}, std::vector<int32_t>{1, 8});
  b.op(LC_OP_RESHAPE, {b.t["x_nchw"], shape}, {b.act("y", {1, 8})});
  b.m.outputs = {b.t["y"]};
  optimize(b.m, 3, {});
  EXPECT_EQ(histogram(b.m), (std::map<std::string, int>{{"RESHAPE", 1}}));
}

// Twin: flattening [N,C,H,W] with H,W > 1 depends on the layout, so the transpose stays.
TEST(SinkTransposes, ReshapeThatReordersKeepsTranspose) {
  Builder b;
  b.m.inputs = {b.act("x", {1, 2, 2, 8})};
  b.transpose("x", "x_nchw", {1, 8, 2, 2}, kToNchw);
  int32_t shape = b.constant("shape", LC_INT32, {2}, std::vector<int32_t>{1, 32});
  b.op(LC_OP_RESHAPE, {b.t["x_nchw"], shape}, {b.act("y", {1, 32})});
  b.m.outputs = {b.t["y"]};
  optimize(b.m, 3, {});
  EXPECT_EQ(histogram(b.m), (std::map<std::string, int>{{"RESHAPE", 1}, {"TRANSPOSE", 1}}));
}

// x * sigmoid(x) reads the transposed tensor twice, once through LOGISTIC: still sinks.
TEST(SinkTransposes, SiluDiamond) {
  Builder b;
  b.m.inputs = {b.act("x", {1, 4, 4, 8})};
  b.transpose("x", "x_nchw", {1, 8, 4, 4}, kToNchw);
  b.op(LC_OP_LOGISTIC, {b.t["x_nchw"]}, {b.act("s", {1, 8, 4, 4})});
  b.op(LC_OP_MUL, {b.t["x_nchw"], b.t["s"]}, {b.act("m", {1, 8, 4, 4})});
  b.transpose("m", "y", {1, 4, 4, 8}, kToNhwc);
  b.m.outputs = {b.t["y"]};
  optimize(b.m, 3, {});
  EXPECT_EQ(histogram(b.m), (std::map<std::string, int>{{"LOGISTIC", 1}, {"MUL", 1}}));
}

// Twin: SOFTMAX is not layout-agnostic; nothing moves.
TEST(SinkTransposes, SoftmaxBlocks) {
  Builder b;
  b.m.inputs = {b.act("x", {1, 2, 2, 8})};
  b.transpose("x", "x_nchw", {1, 8, 2, 2}, kToNchw);
  b.op(LC_OP_SOFTMAX, {b.t["x_nchw"]}, {b.act("y", {1, 8, 2, 2})}, {{"beta", 1.0}});
  b.m.outputs = {b.t["y"]};
  optimize(b.m, 3, {});
  EXPECT_EQ(histogram(b.m), (std::map<std::string, int>{{"SOFTMAX", 1}, {"TRANSPOSE", 1}}));
}

TEST(FoldConstants, TransposeOfConstantBecomesConstant) {
  Builder b;
  int32_t w = b.constant("w", LC_FLOAT32, {2, 3}, std::vector<float>{1, 2, 3, 4, 5, 6});
  b.m.inputs = {b.act("x", {3, 2})};
  b.op(LC_OP_TRANSPOSE, {w, b.perm({1, 0})}, {b.act("wt", {3, 2})});
  b.op(LC_OP_ADD, {b.t["x"], b.t["wt"]}, {b.act("y", {3, 2})});
  b.m.outputs = {b.t["y"]};
  optimize(b.m, 3, {});
  ASSERT_EQ(histogram(b.m), (std::map<std::string, int>{{"ADD", 1}}));
  const Tensor& k = b.m.tensors[static_cast<size_t>(b.m.operators[0].inputs[1])];
  std::vector<float> v(6);
  std::memcpy(v.data(), b.m.buffers[k.buffer].data(), 24);
  EXPECT_EQ(v, (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

// int8 constants: per-tensor quantization moves with the data; per-channel stays a TRANSPOSE.
TEST(FoldConstants, TransposeOfPerTensorInt8ConstantKeepsQuantization) {
  Builder b;
  int32_t w = b.constant("w", LC_INT8, {2, 3}, std::vector<int8_t>{1, 2, 3, 4, 5, 6});
  b.m.tensors[static_cast<size_t>(w)].quant = {{0.5f}, {-3}, 0};
  b.m.inputs = {b.act("x", {3, 2})};
  int32_t wt = b.act("wt", {3, 2});
  b.m.tensors[static_cast<size_t>(wt)].type = LC_INT8;
  b.m.tensors[static_cast<size_t>(wt)].quant = {{0.5f}, {-3}, 0};
  b.op(LC_OP_TRANSPOSE, {w, b.perm({1, 0})}, {wt});
  b.op(LC_OP_DEQUANTIZE, {wt}, {b.act("wf", {3, 2})});
  b.op(LC_OP_ADD, {b.t["x"], b.t["wf"]}, {b.act("y", {3, 2})});
  b.m.outputs = {b.t["y"]};
  optimize(b.m, 3, {});
  ASSERT_EQ(histogram(b.m), (std::map<std::string, int>{{"ADD", 1}, {"DEQUANTIZE", 1}}));
  const Tensor& k = b.m.tensors[static_cast<size_t>(b.m.operators[0].inputs[0])];
  ASSERT_EQ(b.m.buffers[k.buffer].size(), 6u);
  std::vector<int8_t> got(6);
  std::memcpy(got.data(), b.m.buffers[k.buffer].data(), 6);
  EXPECT_EQ(got, (std::vector<int8_t>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(k.quant.scales, std::vector<float>{0.5f});
  EXPECT_EQ(k.quant.zero_points, std::vector<int64_t>{-3});
}

TEST(FoldConstants, NotWhenInt8ConstantIsPerChannel) {
  Builder b;
  int32_t w = b.constant("w", LC_INT8, {2, 3}, std::vector<int8_t>{1, 2, 3, 4, 5, 6});
  b.m.tensors[static_cast<size_t>(w)].quant = {{0.5f, 0.25f}, {0, 0}, 0};
  b.m.inputs = {b.act("x", {3, 2})};
  int32_t wt = b.act("wt", {3, 2});
  b.m.tensors[static_cast<size_t>(wt)].type = LC_INT8;
  b.m.tensors[static_cast<size_t>(wt)].quant = {{0.5f, 0.25f}, {0, 0}, 1};
  b.op(LC_OP_TRANSPOSE, {w, b.perm({1, 0})}, {wt});
  b.op(LC_OP_DEQUANTIZE, {wt}, {b.act("wf", {3, 2})});
  b.op(LC_OP_ADD, {b.t["x"], b.t["wf"]}, {b.act("y", {3, 2})});
  b.m.outputs = {b.t["y"]};
  optimize(b.m, 3, {});
  EXPECT_EQ(histogram(b.m), (std::map<std::string, int>{{"ADD", 1}, {"DEQUANTIZE", 1}, {"TRANSPOSE", 1}}));
}

// An int8 RELU whose output quantization differs from its input's rescales: it cannot become
// the convolution's fused activation (which clamps in the convolution's output quantization).
TEST(FuseActivation, NotWhenInt8QuantizationDiffers) {
  Builder b;
  auto int8 = [&](int32_t t, float scale, int64_t zp) {
    b.m.tensors[static_cast<size_t>(t)].type = LC_INT8;
    b.m.tensors[static_cast<size_t>(t)].quant = {{scale}, {zp}, 0};
    return t;
  };
  b.m.inputs = {int8(b.act("x", {1, 4, 4, 2}), 0.1f, 0)};
  int32_t w = int8(b.constant("w", LC_INT8, {3, 1, 1, 2}, std::vector<int8_t>(6, 5)), 0.1f, 0);
  b.op(LC_OP_CONV_2D, {b.t["x"], w, -1}, {int8(b.act("c", {1, 4, 4, 3}), 0.2f, -10)}, {{"padding", EnumName{"VALID"}}});
  b.op(LC_OP_RELU, {b.t["c"]}, {int8(b.act("y", {1, 4, 4, 3}), 0.1f, -128)});
  b.m.outputs = {b.t["y"]};
  optimize(b.m, 3, {});
  EXPECT_EQ(histogram(b.m), (std::map<std::string, int>{{"CONV_2D", 1}, {"RELU", 1}}));
}

TEST(FuseActivation, ReluSixIntoConvolution) {
  Builder b;
  b.m.inputs = {b.act("x", {1, 4, 4, 2})};
  int32_t w = b.constant("w", LC_FLOAT32, {3, 1, 1, 2}, std::vector<float>(6, 0.5f));
  b.op(LC_OP_CONV_2D, {b.t["x"], w, -1}, {b.act("c", {1, 4, 4, 3})}, {{"padding", EnumName{"VALID"}}});
  b.op(LC_OP_RELU6, {b.t["c"]}, {b.act("y", {1, 4, 4, 3})});
  b.m.outputs = {b.t["y"]};
  optimize(b.m, 3, {});
  ASSERT_EQ(histogram(b.m), (std::map<std::string, int>{{"CONV_2D", 1}}));
  EXPECT_EQ(std::get<EnumName>(*b.m.operators[0].option("fused_activation_function")).name, "RELU6");
}

// Twin: the convolution's output is also read elsewhere, so the activation stays separate.
TEST(FuseActivation, NotWhenOutputHasTwoReaders) {
  Builder b;
  b.m.inputs = {b.act("x", {1, 4, 4, 2})};
  int32_t w = b.constant("w", LC_FLOAT32, {3, 1, 1, 2}, std::vector<float>(6, 0.5f));
  b.op(LC_OP_CONV_2D, {b.t["x"], w, -1}, {b.act("c", {1, 4, 4, 3})}, {{"padding", EnumName{"VALID"}}});
  b.op(LC_OP_RELU6, {b.t["c"]}, {b.act("y", {1, 4, 4, 3})});
  b.op(LC_OP_ADD, {b.t["c"], b.t["y"]}, {b.act("z", {1, 4, 4, 3})});
  b.m.outputs = {b.t["z"]};
  optimize(b.m, 3, {});
  EXPECT_EQ(histogram(b.m), (std::map<std::string, int>{{"ADD", 1}, {"CONV_2D", 1}, {"RELU6", 1}}));
}

TEST(FuseBiasAdd, FoldsChannelVectorIntoBias) {
  Builder b;
  b.m.inputs = {b.act("x", {2, 4})};
  int32_t w = b.constant("w", LC_FLOAT32, {3, 4}, std::vector<float>(12, 1.0f));
  int32_t bias = b.constant("b", LC_FLOAT32, {3}, std::vector<float>{1, 2, 3});
  int32_t c = b.constant("c", LC_FLOAT32, {3}, std::vector<float>{10, 20, 30});
  b.op(LC_OP_FULLY_CONNECTED, {b.t["x"], w, bias}, {b.act("f", {2, 3})});
  b.op(LC_OP_ADD, {b.t["f"], c}, {b.act("y", {2, 3})});
  b.m.outputs = {b.t["y"]};
  optimize(b.m, 3, {});
  ASSERT_EQ(histogram(b.m), (std::map<std::string, int>{{"FULLY_CONNECTED", 1}}));
  const Tensor& nb = b.m.tensors[static_cast<size_t>(b.m.operators[0].inputs[2])];
  std::vector<float> v(3);
  std::memcpy(v.data(), b.m.buffers[nb.buffer].data(), 12);
  EXPECT_EQ(v, (std::vector<float>{11, 22, 33}));
}

// BatchNorm after a linear layer: MUL and ADD by channel constants fold into weights and bias.
TEST(FuseMulIntoWeights, BatchNormAfterLinear) {
  Builder b;
  b.m.inputs = {b.act("x", {2, 2})};
  int32_t w = b.constant("w", LC_FLOAT32, {3, 2}, std::vector<float>{1, 2, 3, 4, 5, 6});
  int32_t bias = b.constant("b", LC_FLOAT32, {3}, std::vector<float>{1, 1, 1});
  int32_t s = b.constant("s", LC_FLOAT32, {3}, std::vector<float>{2, 3, 4});
  int32_t t = b.constant("t", LC_FLOAT32, {3}, std::vector<float>{10, 20, 30});
  b.op(LC_OP_FULLY_CONNECTED, {b.t["x"], w, bias}, {b.act("f", {2, 3})});
  b.op(LC_OP_MUL, {b.t["f"], s}, {b.act("m", {2, 3})});
  b.op(LC_OP_ADD, {b.t["m"], t}, {b.act("y", {2, 3})});
  b.m.outputs = {b.t["y"]};
  optimize(b.m, 3, {});
  ASSERT_EQ(histogram(b.m), (std::map<std::string, int>{{"FULLY_CONNECTED", 1}}));
  auto data = [&](int32_t k, size_t n) {
    std::vector<float> v(n);
    std::memcpy(v.data(), b.m.buffers[b.m.tensors[static_cast<size_t>(k)].buffer].data(), n * 4);
    return v;
  };
  EXPECT_EQ(data(b.m.operators[0].inputs[1], 6), (std::vector<float>{2, 4, 9, 12, 20, 24}));
  EXPECT_EQ(data(b.m.operators[0].inputs[2], 3), (std::vector<float>{12, 23, 34}));
}

// Twin: a MUL by another activation is no constant scaling.
TEST(FuseMulIntoWeights, NotForNonConstantFactor) {
  Builder b;
  b.m.inputs = {b.act("x", {2, 2}), b.act("z", {2, 3})};
  int32_t w = b.constant("w", LC_FLOAT32, {3, 2}, std::vector<float>(6, 1.0f));
  b.op(LC_OP_FULLY_CONNECTED, {b.t["x"], w, -1}, {b.act("f", {2, 3})});
  b.op(LC_OP_MUL, {b.t["f"], b.t["z"]}, {b.act("y", {2, 3})});
  b.m.outputs = {b.t["y"]};
  optimize(b.m, 3, {});
  EXPECT_EQ(histogram(b.m), (std::map<std::string, int>{{"FULLY_CONNECTED", 1}, {"MUL", 1}}));
}

TEST(MergeReshapesAndDeadOps, ChainCollapses) {
  Builder b;
  b.m.inputs = {b.act("x", {2, 6})};
  int32_t s1 = b.constant("s1", LC_INT32, {2}, std::vector<int32_t>{3, 4});
  int32_t s2 = b.constant("s2", LC_INT32, {1}, std::vector<int32_t>{12});
  b.op(LC_OP_RESHAPE, {b.t["x"], s1}, {b.act("a", {3, 4})});
  b.op(LC_OP_RESHAPE, {b.t["a"], s2}, {b.act("y", {12})});
  b.op(LC_OP_RELU, {b.t["x"]}, {b.act("dead", {2, 6})});
  b.m.outputs = {b.t["y"]};
  optimize(b.m, 3, {});
  EXPECT_EQ(histogram(b.m), (std::map<std::string, int>{{"RESHAPE", 1}}));
  EXPECT_EQ(b.m.operators[0].inputs[0], b.m.inputs[0]);
}

TEST(Pipeline, LevelZeroChangesNothingAndUnknownPassIsAnError) {
  Builder b;
  b.m.inputs = {b.act("x", {2})};
  b.op(LC_OP_RELU, {b.t["x"]}, {b.act("dead", {2})});
  b.op(LC_OP_RELU6, {b.t["x"]}, {b.act("y", {2})});
  b.m.outputs = {b.t["y"]};
  optimize(b.m, 0, {});
  EXPECT_EQ(b.m.operators.size(), 2u);
  EXPECT_THROW(optimize(b.m, 3, {"no_such_pass"}), std::exception);
  optimize(b.m, 3, {"remove_dead_ops"});
  EXPECT_EQ(b.m.operators.size(), 2u);
}

// ---- conversions of the final graph: dynamic range, float16, group_tensors ---------------

int32_t version_of(const Model& m, size_t op) {
  return tflite::operator_version(m, m.operators[op]);
}

// x[2,3] -> FULLY_CONNECTED(w[2,3], bias[2]) -> y[2,2]
Builder fully_connected(const std::vector<float>& w) {
  Builder b;
  b.m.inputs = {b.act("x", {2, 3})};
  int32_t wt = b.constant("w", LC_FLOAT32, {2, 3}, w);
  int32_t bias = b.constant("bias", LC_FLOAT32, {2}, std::vector<float>{0.5f, -0.5f});
  b.op(LC_OP_FULLY_CONNECTED, {b.t["x"], wt, bias}, {b.act("y", {2, 2})});
  b.m.outputs = {b.t["y"]};
  return b;
}

TEST(DynamicRange, FullyConnectedPerTensorSymmetric) {
  Builder b = fully_connected({0.5f, -1.27f, 0.0f, 0.01f, 1.0f, -0.635f});
  ModelGraph g(b.m);
  PassResult r = dynamic_range_quantize(g, {});
  EXPECT_EQ(r.counters["quantized"], 1);
  const Operator& op = b.m.operators[0];
  const Tensor& w = tensor_of(b.m, op.inputs[1]);
  ASSERT_EQ(w.type, LC_INT8);
  ASSERT_EQ(w.quant.scales.size(), 1u);
  EXPECT_FLOAT_EQ(w.quant.scales[0], 1.27f / 127);
  EXPECT_EQ(w.quant.zero_points, (std::vector<int64_t>{0}));
  EXPECT_EQ(data_of<int8_t>(b.m, op.inputs[1]), (std::vector<int8_t>{50, -127, 0, 1, 100, -64}));
  EXPECT_EQ(tensor_of(b.m, op.inputs[2]).type, LC_FLOAT32);  // bias stays float
  EXPECT_EQ(b.m.tensors.size(), 4u);                         // the float weights are gone
  EXPECT_EQ(version_of(b.m, 0), 9);                          // hybrid, asymmetric inputs

  // Per-channel is for the convolutions; FULLY_CONNECTED keeps one scale (version 12 needs
  // TFLite 2.17).
  Builder pc = fully_connected({1, 2, 3, 4, 5, 6});
  ModelGraph gp(pc.m);
  DynamicRangeOptions per_channel;
  per_channel.per_channel = true;
  dynamic_range_quantize(gp, per_channel);
  EXPECT_EQ(tensor_of(pc.m, pc.m.operators[0].inputs[1]).quant.scales, (std::vector<float>{6.0f / 127}));
  EXPECT_EQ(version_of(pc.m, 0), 9);

  Builder sym = fully_connected({1, 2, 3, 4, 5, 6});
  ModelGraph gs(sym.m);
  DynamicRangeOptions o;
  o.asymmetric_inputs = false;
  dynamic_range_quantize(gs, o);
  EXPECT_EQ(sym.m.operators[0].option("asymmetric_quantize_inputs"), nullptr);
  EXPECT_EQ(version_of(sym.m, 0), 3);  // hybrid
}

// CONV_2D [O,H,W,I] per channel on axis 0, DEPTHWISE_CONV_2D [1,H,W,C] on axis 3.
TEST(DynamicRange, PerChannelAxes) {
  Builder b;
  b.m.inputs = {b.act("x", {1, 4, 4, 2})};
  int32_t cw = b.constant("cw", LC_FLOAT32, {2, 1, 1, 2}, std::vector<float>{1, -2, 0.5f, 0.25f});
  b.op(LC_OP_CONV_2D, {b.t["x"], cw, -1}, {b.act("c", {1, 4, 4, 2})});
  int32_t dw = b.constant("dw", LC_FLOAT32, {1, 1, 2, 2}, std::vector<float>{4, -1, 2, 0.5f});
  b.op(LC_OP_DEPTHWISE_CONV_2D, {b.t["c"], dw, -1}, {b.act("y", {1, 4, 3, 2})});
  b.m.outputs = {b.t["y"]};
  ModelGraph g(b.m);
  DynamicRangeOptions o;
  o.per_channel = true;
  EXPECT_EQ(dynamic_range_quantize(g, o).counters["quantized"], 2);
  const Tensor& c = tensor_of(b.m, b.m.operators[0].inputs[1]);
  EXPECT_EQ(c.quant.quantized_axis, 0);
  EXPECT_EQ(c.quant.scales, (std::vector<float>{2.0f / 127, 0.5f / 127}));
  EXPECT_EQ(data_of<int8_t>(b.m, b.m.operators[0].inputs[1]), (std::vector<int8_t>{64, -127, 127, 64}));
  const Tensor& d = tensor_of(b.m, b.m.operators[1].inputs[1]);
  EXPECT_EQ(d.quant.quantized_axis, 3);
  EXPECT_EQ(d.quant.scales, (std::vector<float>{4.0f / 127, 1.0f / 127}));
  EXPECT_EQ(data_of<int8_t>(b.m, b.m.operators[1].inputs[1]), (std::vector<int8_t>{127, -127, 64, 64}));
  EXPECT_EQ(version_of(b.m, 0), 5);  // CONV_2D hybrid per-channel
  EXPECT_EQ(version_of(b.m, 1), 6);  // DEPTHWISE_CONV_2D hybrid per-channel
}

// Per tensor, DEPTHWISE_CONV_2D still carries one (equal) scale per channel, which LiteRT's
// hybrid depthwise kernel needs; the other operators carry one.
TEST(DynamicRange, PerTensorDepthwiseRepeatsItsScale) {
  Builder b;
  b.m.inputs = {b.act("x", {1, 4, 4, 3})};
  int32_t dw = b.constant("dw", LC_FLOAT32, {1, 1, 1, 3}, std::vector<float>{4, -1, 2});
  b.op(LC_OP_DEPTHWISE_CONV_2D, {b.t["x"], dw, -1}, {b.act("y", {1, 4, 4, 3})});
  b.m.outputs = {b.t["y"]};
  ModelGraph g(b.m);
  dynamic_range_quantize(g, {});
  const Tensor& d = tensor_of(b.m, b.m.operators[0].inputs[1]);
  EXPECT_EQ(d.quant.scales, (std::vector<float>(3, 4.0f / 127)));
  EXPECT_EQ(d.quant.zero_points, (std::vector<int64_t>(3, 0)));
  EXPECT_EQ(d.quant.quantized_axis, 3);
  EXPECT_EQ(data_of<int8_t>(b.m, b.m.operators[0].inputs[1]), (std::vector<int8_t>{127, -32, 64}));
}

// Twins where nothing may change: a grouped convolution, weights that are an activation,
// convolutions with hybrid_conv off, an int8 model's operator.
TEST(DynamicRange, LeavesWhatHasNoHybridKernel) {
  Builder b;
  b.m.inputs = {b.act("x", {1, 4, 4, 4}), b.act("v", {2, 3})};
  int32_t gw = b.constant("gw", LC_FLOAT32, {4, 1, 1, 2}, std::vector<float>(8, 1.0f));
  b.op(LC_OP_CONV_2D, {b.t["x"], gw, -1}, {b.act("grouped", {1, 4, 4, 4})});
  b.op(LC_OP_FULLY_CONNECTED, {b.t["v"], b.t["v"], -1}, {b.act("gram", {2, 2})});
  int32_t cw = b.constant("cw", LC_FLOAT32, {4, 1, 1, 4}, std::vector<float>(16, 1.0f));
  b.op(LC_OP_CONV_2D, {b.t["grouped"], cw, -1}, {b.act("conv", {1, 4, 4, 4})});
  b.m.outputs = {b.t["conv"], b.t["gram"]};
  ModelGraph g(b.m);
  DynamicRangeOptions o;
  o.conv = false;
  EXPECT_FALSE(dynamic_range_quantize(g, o).changed());
  o.conv = true;
  EXPECT_EQ(dynamic_range_quantize(g, o).counters["quantized"], 1);  // only the plain conv
  EXPECT_EQ(tensor_of(b.m, b.m.operators[0].inputs[1]).type, LC_FLOAT32);
  EXPECT_EQ(tensor_of(b.m, b.m.operators[2].inputs[1]).type, LC_INT8);
}

TEST(DynamicRange, ExcludeByTypeOrTensorAndUnknownEntriesAreErrors) {
  auto model = [] {
    Builder b;
    b.m.inputs = {b.act("x", {1, 4, 4, 2})};
    int32_t cw = b.constant("conv.weight", LC_FLOAT32, {3, 1, 1, 2}, std::vector<float>(6, 0.5f));
    b.op(LC_OP_CONV_2D, {b.t["x"], cw, -1}, {b.act("conv_out", {1, 4, 4, 3})});
    b.op(LC_OP_RESHAPE, {b.t["conv_out"], b.constant("shape", LC_INT32, {2}, std::vector<int32_t>{1, 48})},
         {b.act("flat", {1, 48})});
    int32_t fw = b.constant("fc.weight", LC_FLOAT32, {2, 48}, std::vector<float>(96, 0.25f));
    b.op(LC_OP_FULLY_CONNECTED, {b.t["flat"], fw, -1}, {b.act("logits", {1, 2})});
    b.m.outputs = {b.t["logits"]};
    return b;
  };
  auto weight_types = [](const Model& m) {
    return std::vector<int32_t>{tensor_of(m, m.operators[0].inputs[1]).type,
                                tensor_of(m, m.operators[2].inputs[1]).type};
  };
  for (const auto& [entry, want] :
       std::vector<std::pair<std::string, std::vector<int32_t>>>{{"CONV_2D", {LC_FLOAT32, LC_INT8}},
                                                                 {"conv_out", {LC_FLOAT32, LC_INT8}},
                                                                 {"fc.weight", {LC_INT8, LC_FLOAT32}},
                                                                 {"FULLY_CONNECTED", {LC_INT8, LC_FLOAT32}}}) {
    Builder b = model();
    ModelGraph g(b.m);
    DynamicRangeOptions o;
    o.exclude = {entry};
    PassResult r = dynamic_range_quantize(g, o);
    EXPECT_EQ(r.counters["excluded"], 1) << entry;
    EXPECT_EQ(weight_types(b.m), want) << entry;
  }
  for (std::string bad : {"CONV2D", "ADD", "flat", "x"}) {
    Builder b = model();
    ModelGraph g(b.m);
    DynamicRangeOptions o;
    o.exclude = {bad};
    try {
      dynamic_range_quantize(g, o);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find("--dynamic-exclude " + bad + ":"), std::string::npos) << e.what();
    }
    EXPECT_EQ(weight_types(b.m), (std::vector<int32_t>{LC_FLOAT32, LC_FLOAT32}));  // nothing half done
  }
}

TEST(DynamicRange, SharedWeightsQuantizedOnce) {
  Builder b;
  b.m.inputs = {b.act("x", {2, 3})};
  int32_t w = b.constant("w", LC_FLOAT32, {3, 3}, std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9});
  b.op(LC_OP_FULLY_CONNECTED, {b.t["x"], w, -1}, {b.act("h", {2, 3})});
  b.op(LC_OP_FULLY_CONNECTED, {b.t["h"], w, -1}, {b.act("y", {2, 3})});
  b.m.outputs = {b.t["y"]};
  ModelGraph g(b.m);
  EXPECT_EQ(dynamic_range_quantize(g, {}).counters["quantized"], 2);
  EXPECT_EQ(b.m.operators[0].inputs[1], b.m.operators[1].inputs[1]);
  EXPECT_EQ(b.m.buffers.size(), 2u);  // the empty one and the int8 weights
}

TEST(Float16, HalfPrecisionRounding) {
  EXPECT_EQ(float_to_half(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half(-2.0f), 0xc000);
  EXPECT_EQ(float_to_half(65504.0f), 0x7bff);
  EXPECT_EQ(float_to_half(65520.0f), 0x7c00);                  // rounds past the largest half
  EXPECT_EQ(float_to_half(1.0f + 1.0f / 2048), 0x3c00);        // a tie goes to even
  EXPECT_EQ(float_to_half(1.0f + 3.0f / 2048), 0x3c02);        // a tie goes to even
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -24)), 0x0001);     // the smallest subnormal
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -26)), 0x0000);     // underflows
  EXPECT_EQ(float_to_half(std::ldexp(3.0f, -25)), 0x0002);     // 1.5 units rounds to 2
  EXPECT_EQ(float_to_half(std::ldexp(1023.0f, -24)), 0x03ff);  // the largest subnormal
  EXPECT_EQ(float_to_half(std::ldexp(2047.0f, -25)), 0x0400);  // rounds up into the normals
  for (uint16_t h : {0x0001, 0x03ff, 0x0400, 0x3555, 0x7bff, 0xbc00, 0x8001})
    EXPECT_EQ(float_to_half(half_to_float(h)), h) << h;
}

TEST(Float16, LargeConstantsThroughDequantizeSmallOnesAndOutOfRangeStay) {
  Builder b;
  b.m.inputs = {b.act("x", {1, 16})};
  std::vector<float> w(kFloat16MinElements);
  for (size_t k = 0; k < w.size(); ++k) w[k] = 0.05f * static_cast<float>(k) - 3;
  int32_t wt = b.constant("w", LC_FLOAT32, {8, 16}, w);
  int32_t bias = b.constant("bias", LC_FLOAT32, {8}, std::vector<float>(8, 1.0f));
  b.op(LC_OP_FULLY_CONNECTED, {b.t["x"], wt, bias}, {b.act("h", {1, 8})});
  int32_t big = b.constant("big", LC_FLOAT32, {8, 16}, std::vector<float>(kFloat16MinElements, 1e6f));
  b.op(LC_OP_FULLY_CONNECTED, {b.t["x"], big, -1}, {b.act("y", {1, 8})});
  b.m.outputs = {b.t["h"], b.t["y"]};
  ModelGraph g(b.m);
  PassResult r = float16_quantize(g);
  EXPECT_EQ(r.counters["converted"], 1);
  EXPECT_EQ(r.counters["out_of_range"], 1);
  ASSERT_EQ(histogram(b.m), (std::map<std::string, int>{{"DEQUANTIZE", 1}, {"FULLY_CONNECTED", 2}}));
  const Operator& dq = b.m.operators[0];
  ASSERT_EQ(dq.builtin_code, LC_OP_DEQUANTIZE);
  EXPECT_EQ(tensor_of(b.m, dq.inputs[0]).type, LC_FLOAT16);
  EXPECT_EQ(tensor_of(b.m, dq.outputs[0]).name, "w");
  EXPECT_EQ(b.m.operators[1].inputs[1], dq.outputs[0]);
  std::vector<uint16_t> h = data_of<uint16_t>(b.m, dq.inputs[0]);
  ASSERT_EQ(h.size(), kFloat16MinElements);
  for (size_t k = 0; k < h.size(); ++k) EXPECT_NEAR(half_to_float(h[k]), w[k], 2e-3) << k;
  EXPECT_EQ(tensor_of(b.m, b.m.operators[1].inputs[2]).type, LC_FLOAT32);  // 8 elements: too small
  EXPECT_EQ(tensor_of(b.m, b.m.operators[2].inputs[1]).type, LC_FLOAT32);  // 1e6 has no float16
  EXPECT_EQ(version_of(b.m, 0), 3);                                        // DEQUANTIZE of float16
}

TEST(GroupTensors, MergesEqualConstantsOnly) {
  Builder b;
  b.m.inputs = {b.act("x", {2, 3})};
  std::vector<float> v = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  int32_t w1 = b.constant("w1", LC_FLOAT32, {3, 3}, v);
  int32_t w2 = b.constant("w2", LC_FLOAT32, {3, 3}, v);
  int32_t other_shape = b.constant("w3", LC_FLOAT32, {9, 1}, v);
  int32_t other_quant = b.constant("w4", LC_FLOAT32, {3, 3}, v);
  b.m.tensors[static_cast<size_t>(other_quant)].quant = {{0.5f}, {0}, 0};
  b.op(LC_OP_FULLY_CONNECTED, {b.t["x"], w1, -1}, {b.act("a", {2, 3})});
  b.op(LC_OP_FULLY_CONNECTED, {b.t["a"], w2, -1}, {b.act("c", {2, 3})});
  b.op(LC_OP_ADD, {b.t["c"], other_shape}, {b.act("d", {2, 3})});
  b.op(LC_OP_MUL, {b.t["d"], other_quant}, {b.act("y", {2, 3})});
  b.m.outputs = {b.t["y"]};
  ModelGraph g(b.m);
  PassResult r = group_tensors(g);
  EXPECT_EQ(r.counters["merged"], 1);
  EXPECT_EQ(r.counters["bytes_saved"], 36);
  EXPECT_EQ(b.m.operators[0].inputs[1], b.m.operators[1].inputs[1]);
  EXPECT_EQ(tensor_of(b.m, b.m.operators[0].inputs[1]).name, "w1");
  EXPECT_NE(b.m.operators[2].inputs[1], b.m.operators[0].inputs[1]);
  EXPECT_NE(b.m.operators[3].inputs[1], b.m.operators[0].inputs[1]);
  EXPECT_FALSE(group_tensors(g).changed());  // nothing left to merge
}

TEST(ConvertWeights, ContradictionsAreErrors) {
  Builder b = fully_connected({1, 2, 3, 4, 5, 6});
  ConvertOptions::Weights w;
  w.hybrid_quantization_from_float = true;
  w.float16_quantization = true;
  EXPECT_THROW(convert_weights(b.m, w), std::exception);
  w = {};
  w.dynamic_exclude = {"CONV_2D"};
  EXPECT_THROW(convert_weights(b.m, w), std::exception);
  w = {};
  w.group_tensors = true;
  EXPECT_TRUE(convert_weights(b.m, w).empty());  // nothing to merge, nothing reported
  EXPECT_EQ(tensor_of(b.m, b.m.operators[0].inputs[1]).type, LC_FLOAT32);
}

}  // namespace
}  // namespace litecast::passes
