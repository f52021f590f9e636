// The TFLite writer and reader: round trips, options by schema field name, and the errors
// for invalid options and for truncated or foreign files.
#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>
#include <litecast/error.hpp>
#include <litecast/tflite_model.hpp>

#include "tflite/options_schema.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace litecast {
namespace {

std::vector<uint8_t> bytes_of(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(float));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// x[1,4,4,2] -> CONV_2D(3x3, 2->3, SAME, stride 1, RELU) -> ADD const -> y
Model small_model() {
  Model m;
  m.tensors.push_back({"x", LC_FLOAT32, {1, 4, 4, 2}, 0, {}, false});
  m.buffers.push_back(bytes_of(std::vector<float>(3 * 3 * 3 * 2, 0.5f)));
  m.tensors.push_back({"w", LC_FLOAT32, {3, 3, 3, 2}, 1, {}, false});
  m.buffers.push_back(bytes_of({0.1f, 0.2f, 0.3f}));
  m.tensors.push_back({"b", LC_FLOAT32, {3}, 2, {}, false});
  m.tensors.push_back({"conv", LC_FLOAT32, {1, 4, 4, 3}, 0, {}, false});
  m.buffers.push_back(bytes_of({1.0f}));
  m.tensors.push_back({"one", LC_FLOAT32, {1}, 3, {}, false});
  Quantization q;
  q.scales = {0.5f};
  q.zero_points = {3};
  m.tensors.push_back({"y", LC_FLOAT32, {1, 4, 4, 3}, 0, q, false});
  Operator conv;
  conv.builtin_code = LC_OP_CONV_2D;
  conv.inputs = {0, 1, 2};
  conv.outputs = {3};
  conv.options = {{"padding", EnumName{"SAME"}},
                  {"stride_w", int64_t{1}},
                  {"stride_h", int64_t{1}},
                  {"fused_activation_function", EnumName{"RELU"}}};
  Operator add;
  add.builtin_code = LC_OP_ADD;
  add.inputs = {3, 4};
  add.outputs = {5};
  m.operators = {conv, add};
  m.inputs = {0};
  m.outputs = {5};
  return m;
}

TEST(TfliteIo, LargeModelLayoutRoundTrips) {
  Model m = small_model();
  WriteOptions external;
  external.layout = WriteOptions::Layout::external_data;
  std::vector<uint8_t> bytes = write_tflite(m, external);
  std::vector<uint8_t> inline_bytes = write_tflite(m);
  EXPECT_EQ(bytes.size() % 16, 0u);
  Model r = read_tflite(bytes);
  EXPECT_TRUE(r.external_data);
  EXPECT_FALSE(read_tflite(inline_bytes).external_data);
  ASSERT_EQ(r.buffers.size(), m.buffers.size());
  for (size_t i = 0; i < m.buffers.size(); ++i) {
    EXPECT_EQ(r.buffers[i], m.buffers[i]) << "buffer " << i;
    EXPECT_EQ(r.buffer_bytes[i], m.buffers[i].size()) << "buffer " << i;
  }
  // Each buffer's data lies after the flatbuffer, 16-byte aligned: find the weights there.
  const Bytes& w = m.buffers[1];
  auto at = std::search(bytes.begin(), bytes.end(), w.begin(), w.end());
  ASSERT_NE(at, bytes.end());
  EXPECT_EQ((at - bytes.begin()) % 16, 0);

  // Without data: sizes only, no bytes copied.
  Model sizes = read_tflite(bytes.data(), bytes.size(), "m.tflite", ReadOptions{false});
  for (size_t i = 0; i < m.buffers.size(); ++i) {
    EXPECT_TRUE(sizes.buffers[i].empty());
    EXPECT_EQ(sizes.buffer_bytes[i], m.buffers[i].size());
  }

  // A cut after the flatbuffer leaves buffers pointing past the end: one clear error.
  std::vector<uint8_t> cut(bytes.begin(), bytes.end() - 16);
  try {
    read_tflite(cut, "cut.tflite");
    FAIL() << "a truncated large-layout file was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cut.tflite: buffer"), std::string::npos) << e.what();
  }
}

TEST(TfliteIo, WritingAGivenUpModelFreesItsBuffers) {
  Model m = small_model();
  std::vector<uint8_t> expected = write_tflite(m);
  std::string path = ::testing::TempDir() + "/given_up.tflite";
  write_tflite_file(std::move(m), path, WriteOptions{});
  Model r = read_tflite_file(path);
  EXPECT_EQ(r.buffers, read_tflite(expected).buffers);
  std::remove(path.c_str());
}

TEST(Bytes, ViewsShareTheirOwnerAndCopyOnlyWhenChanged) {
  auto owner = std::make_shared<std::vector<uint8_t>>(std::vector<uint8_t>{1, 2, 3, 4});
  Bytes v = Bytes::view(owner->data() + 1, 2, owner);
  EXPECT_TRUE(v.is_view());
  EXPECT_EQ(v.data(), owner->data() + 1);  // no copy
  EXPECT_EQ(v, (std::vector<uint8_t>{2, 3}));
  Bytes shared = v;  // copies of a view share the owner
  EXPECT_EQ(shared.data(), v.data());
  EXPECT_EQ(owner.use_count(), 3);
  shared.vec().push_back(9);  // a change copies first and leaves the owner alone
  EXPECT_FALSE(shared.is_view());
  EXPECT_EQ(shared, (std::vector<uint8_t>{2, 3, 9}));
  EXPECT_EQ(*owner, (std::vector<uint8_t>{1, 2, 3, 4}));
  EXPECT_EQ(owner.use_count(), 2);
  v.clear();  // releases the owner
  EXPECT_TRUE(v.empty());
  EXPECT_EQ(owner.use_count(), 1);
  Bytes owned = std::vector<uint8_t>{5, 6};
  EXPECT_FALSE(owned.is_view());
  EXPECT_EQ(owned, Bytes({5, 6}));
  EXPECT_FALSE(owned == Bytes({5, 7}));
}

// A model whose buffers are large enough for the file writer's direct, staged path (16 MiB and
// more, several stages in flight, a last block cut back to the exact size), one of them a view.
Model big_model(std::shared_ptr<std::vector<uint8_t>>& owner) {
  Model m = small_model();
  std::vector<uint8_t> big(size_t{21} << 20 | 12345);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 2654435761u >> 24);
  m.buffers.push_back(std::move(big));
  m.tensors.push_back({"big", LC_UINT8, {static_cast<int32_t>(m.buffers.back().size())}, 4, {}, false});
  owner = std::make_shared<std::vector<uint8_t>>(size_t{3} << 20 | 7);
  for (size_t i = 0; i < owner->size(); ++i) (*owner)[i] = static_cast<uint8_t>(i % 251);
  m.buffers.push_back(Bytes::view(owner->data(), owner->size(), owner));
  m.tensors.push_back({"viewed", LC_UINT8, {static_cast<int32_t>(owner->size())}, 5, {}, false});
  return m;
}

std::vector<uint8_t> file_bytes(const std::string& path) {
  std::vector<uint8_t> out;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return out;
  uint8_t chunk[1 << 16];
  size_t n = 0;
  while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) out.insert(out.end(), chunk, chunk + n);
  std::fclose(f);
  return out;
}

TEST(TfliteIo, FileWritesEqualTheSerialisedBytesDirectOrBuffered) {
  std::shared_ptr<std::vector<uint8_t>> owner;
  const Model m = big_model(owner);
  const std::vector<uint8_t> expected = write_tflite(m);
  ASSERT_GT(expected.size(), size_t{24} << 20);
  ASSERT_NE(expected.size() % 4096, 0u);
  const std::string path = ::testing::TempDir() + "litecast_big_write.tflite";
  for (const char* direct : {"1", "0"}) {
    ::setenv("LITECAST_DIRECT_WRITE", direct, 1);
    write_tflite_file(m, path);
    EXPECT_EQ(file_bytes(path), expected) << "LITECAST_DIRECT_WRITE=" << direct;
    WriteOptions external;
    external.layout = WriteOptions::Layout::external_data;
    write_tflite_file(m, path, external);
    EXPECT_EQ(file_bytes(path), write_tflite(m, external)) << "large-model layout, LITECAST_DIRECT_WRITE=" << direct;
  }
  ::unsetenv("LITECAST_DIRECT_WRITE");
  // A model given up to the writer lets go of its views as it writes them.
  Model given = m;
  EXPECT_EQ(owner.use_count(), 3);
  write_tflite_file(std::move(given), path, WriteOptions{});
  EXPECT_EQ(owner.use_count(), 2);
  EXPECT_EQ(file_bytes(path), expected);
  std::remove(path.c_str());
}

TEST(TfliteIo, RoundTripKeepsStructureOptionsAndData) {
  Model m = small_model();
  Model r = read_tflite(write_tflite(m));
  ASSERT_EQ(r.tensors.size(), m.tensors.size());
  for (size_t i = 0; i < m.tensors.size(); ++i) {
    EXPECT_EQ(r.tensors[i].name, m.tensors[i].name);
    EXPECT_EQ(r.tensors[i].type, m.tensors[i].type);
    EXPECT_EQ(r.tensors[i].shape, m.tensors[i].shape);
    EXPECT_EQ(r.buffers[r.tensors[i].buffer], m.buffers[m.tensors[i].buffer]);
    EXPECT_EQ(r.tensors[i].quant, m.tensors[i].quant);
  }
  ASSERT_EQ(r.operators.size(), 2u);
  EXPECT_EQ(r.operators[0].builtin_code, LC_OP_CONV_2D);
  EXPECT_EQ(r.operators[0].inputs, (std::vector<int32_t>{0, 1, 2}));
  const OptionValue* pad = r.operators[0].option("padding");
  ASSERT_NE(pad, nullptr);
  EXPECT_EQ(std::get<EnumName>(*pad).name, "SAME");
  const OptionValue* act = r.operators[0].option("fused_activation_function");
  ASSERT_NE(act, nullptr);
  EXPECT_EQ(std::get<EnumName>(*act).name, "RELU");
  EXPECT_EQ(r.inputs, m.inputs);
  EXPECT_EQ(r.outputs, m.outputs);
}

TEST(TfliteIo, OptionVectorsAndFloats) {
  Model m;
  m.tensors.push_back({"x", LC_FLOAT32, {1, 3, 1}, 0, {}, false});
  m.tensors.push_back({"y", LC_FLOAT32, {1, 3}, 0, {}, false});
  m.tensors.push_back({"z", LC_FLOAT32, {1, 3}, 0, {}, false});
  Operator sq;
  sq.builtin_code = LC_OP_SQUEEZE;
  sq.inputs = {0};
  sq.outputs = {1};
  sq.options = {{"squeeze_dims", std::vector<int64_t>{2}}};
  Operator lr;
  lr.builtin_code = LC_OP_LEAKY_RELU;
  lr.inputs = {1};
  lr.outputs = {2};
  lr.options = {{"alpha", 0.125}};
  m.operators = {sq, lr};
  Model r = read_tflite(write_tflite(m));
  EXPECT_EQ(std::get<std::vector<int64_t>>(*r.operators[0].option("squeeze_dims")), (std::vector<int64_t>{2}));
  EXPECT_DOUBLE_EQ(std::get<double>(*r.operators[1].option("alpha")), 0.125);
}

TEST(TfliteIo, UnknownOptionFieldNamesOperatorAndField) {
  Model m = small_model();
  m.operators[0].options.push_back({"stride_q", int64_t{1}});
  try {
    write_tflite(m);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("CONV_2D"), std::string::npos) << msg;
    EXPECT_NE(msg.find("stride_q"), std::string::npos) << msg;
  }
}

TEST(TfliteIo, BadEnumValueAndWrongTypeAreRefused) {
  EXPECT_NE(tflite::check_option(LC_OP_CONV_2D, "padding", EnumName{"HALF"}).find("not one of"), std::string::npos);
  EXPECT_NE(tflite::check_option(LC_OP_CONV_2D, "stride_w", 1.5).find("not a float"), std::string::npos);
  EXPECT_NE(tflite::check_option(LC_OP_RELU, "alpha", 1.0).find("takes no options"), std::string::npos);
  EXPECT_EQ(tflite::check_option(LC_OP_CONV_2D, "dilation_h_factor", int64_t{2}), "");
}

TEST(TfliteIo, OptionsTablesFollowConventionAndExceptions) {
  auto table = [](int32_t op) {
    auto t = tflite::options_table(op);
    return t.object ? t.object->name()->str() : std::string("none");
  };
  EXPECT_EQ(table(LC_OP_CONV_2D), "litecast.tfl.Conv2DOptions");
  EXPECT_EQ(table(LC_OP_DEPTHWISE_CONV_2D), "litecast.tfl.DepthwiseConv2DOptions");
  EXPECT_EQ(table(LC_OP_FULLY_CONNECTED), "litecast.tfl.FullyConnectedOptions");
  EXPECT_EQ(table(LC_OP_AVERAGE_POOL_2D), "litecast.tfl.Pool2DOptions");
  EXPECT_EQ(table(LC_OP_MAX_POOL_2D), "litecast.tfl.Pool2DOptions");
  EXPECT_EQ(table(LC_OP_MEAN), "litecast.tfl.ReducerOptions");
  EXPECT_EQ(table(LC_OP_SUM), "litecast.tfl.ReducerOptions");
  EXPECT_EQ(table(LC_OP_MAXIMUM), "litecast.tfl.MaximumMinimumOptions");
  EXPECT_EQ(table(LC_OP_RESIZE_BILINEAR), "litecast.tfl.ResizeBilinearOptions");
  EXPECT_EQ(table(LC_OP_TRANSPOSE_CONV), "litecast.tfl.TransposeConvOptions");
  EXPECT_EQ(table(LC_OP_UNIDIRECTIONAL_SEQUENCE_LSTM), "litecast.tfl.UnidirectionalSequenceLSTMOptions");
  EXPECT_EQ(table(LC_OP_RELU), "none");
  EXPECT_EQ(table(LC_OP_LOGISTIC), "none");
}

TEST(TfliteIo, NamesAndCodes) {
  EXPECT_EQ(builtin_code("CONV_2D"), 3);
  EXPECT_EQ(builtin_name(LC_OP_FULLY_CONNECTED), "FULLY_CONNECTED");
  EXPECT_EQ(builtin_code("NO_SUCH_OP"), -1);
  EXPECT_EQ(tensor_type_name(LC_INT8), "INT8");
  EXPECT_EQ(element_size(LC_FLOAT16), 2u);
}

TEST(TfliteIo, TruncatedFileIsOneClearError) {
  std::vector<uint8_t> bytes = write_tflite(small_model());
  for (size_t keep : {bytes.size() / 2, size_t{64}, size_t{12}}) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(keep));
    try {
      read_tflite(cut, "cut.tflite");
      FAIL() << "a truncated file was accepted (" << keep << " bytes)";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("cut.tflite"), std::string::npos) << e.what();
    }
  }
}

TEST(TfliteIo, ForeignFileIsRefusedByIdentifier) {
  std::vector<uint8_t> zip = {'P', 'K', 3, 4, 0, 0, 0, 0, 'a', 'b', 'c', 'd', 0, 0, 0, 0};
  try {
    read_tflite(zip, "model.pt");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a TFLite file"), std::string::npos) << e.what();
  }
}

TEST(TfliteIo, WriterRejectsDanglingTensorIndex) {
  Model m = small_model();
  m.operators[1].inputs = {3, 42};
  EXPECT_THROW(write_tflite(m), Error);
}

}  // namespace
}  // namespace litecast
