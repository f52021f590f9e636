// The graph passes on small hand-built models: each rewrite, and a twin where it must not fire.
// Numerics of the same passes are covered end to end (tests/e2e: models run in LiteRT).
#include <litecast/plugin.h>
#include <litecast/tflite_model.hpp>
#include <litecast/tflite_ops.h>

#include "passes/pass.hpp"
#include "passes/perm.hpp"
#include "passes/pipeline.hpp"

#include <gtest/gtest.h>

#include <map>

namespace litecast::passes {
namespace {

// A tiny model builder: activations and constants by name, operators in order.
struct Builder {
  Model m;
  std::map<std::string, int32_t> t;
  int32_t act(const std::string& name, std::vector<int32_t> shape) {
    m.tensors.push_back({name, LC_FLOAT32, std::move(shape), 0, {}, false});
    return t[name] = static_cast<int32_t>(m.tensors.size() - 1);
  }
  template <class T>
  int32_t constant(const std::string& name, int32_t type, std::vector<int32_t> shape, const std::vector<T>& v) {
    std::vector<uint8_t> b(v.size() * sizeof(T));
    std::memcpy(b.data(), v.data(), b.size());
    m.buffers.push_back(b);
    m.tensors.push_back({name, type, std::move(shape), static_cast<uint32_t>(m.buffers.size() - 1), {}, false});
    return t[name] = static_cast<int32_t>(m.tensors.size() - 1);
  }
  int32_t perm(const std::vector<int32_t>& p) {
    return constant("perm" + std::to_string(m.tensors.size()), LC_INT32, {static_cast<int32_t>(p.size())}, p);
  }
  Operator& op(int32_t code, std::vector<int32_t> in, std::vector<int32_t> out, std::vector<Option> opts = {}) {
    m.operators.push_back({code, "", 1, std::move(in), std::move(out), std::move(opts), {}});
    return m.operators.back();
  }
  void transpose(const std::string& in, const std::string& out, std::vector<int32_t> out_shape,
                 const std::vector<int32_t>& p) {
    op(LC_OP_TRANSPOSE, {t.at(in), perm(p)}, {act(out, std::move(out_shape))});
  }
};

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

}  // namespace
}  // namespace litecast::passes
