// The mixed-precision quantization config: what it reads, errors that name the file, line and
// key, and the written per-layer form read back.
#include <litecast/error.hpp>
#include <litecast/quantize.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace {

using litecast::parse_quantize_config;

std::string error_of(const std::string& yaml) {
  try {
    parse_quantize_config(yaml, "q.yaml");
  } catch (const litecast::Error& e) {
    return e.what();
  }
  return "";
}

TEST(QuantizeConfig, ReadsEverything) {
  auto c = parse_quantize_config(
      "algorithm: kl\nquantize_op_action: {aten::lstm: disable, aten::gru: rewrite}\nlayers:\n"
      "  features.3: {skip: true}\n  classifier.1: {algorithm: minmax, dtype: int8}\n  head:\n",
      "q.yaml");
  EXPECT_EQ(c.algorithm, "kl");
  EXPECT_EQ(c.op_actions.at("aten::lstm"), "disable");
  EXPECT_EQ(c.op_actions.at("aten::gru"), "rewrite");
  EXPECT_EQ(c.op_action_lines.at("aten::lstm"), 2);
  ASSERT_EQ(c.layers.size(), 3u);
  EXPECT_TRUE(c.layers.at("features.3").skip);
  EXPECT_EQ(c.layers.at("features.3").line, 4);
  EXPECT_EQ(c.layers.at("classifier.1").algorithm, "minmax");
  EXPECT_EQ(c.layers.at("classifier.1").dtype, "int8");
  EXPECT_FALSE(c.layers.at("head").skip);
  EXPECT_TRUE(parse_quantize_config("", "q.yaml").layers.empty());
}

TEST(QuantizeConfig, ErrorsNameFileLineAndKey) {
  EXPECT_NE(error_of("algorithm: l2\nalgorithm: kl\n").find("q.yaml:2: 'algorithm' is given twice"), std::string::npos);
  EXPECT_NE(error_of("layers:\n  a: {skip: 1.5}\n").find("q.yaml:2: 'layers.a.skip' must be true or false"),
            std::string::npos);
  EXPECT_NE(error_of("layers:\n  a: {bits: 4}\n").find("unknown key 'layers.a.bits'"), std::string::npos);
  EXPECT_NE(error_of("layers:\n  a: {dtype: float}\n").find("'layers.a.dtype' is 'float'"), std::string::npos);
  EXPECT_NE(error_of("quantize_op_action: {lstm: disable}\n").find("TorchScript op kind"), std::string::npos);
  EXPECT_NE(error_of("quantize_op_action: {aten::lstm: skip}\n").find("(known: disable, rewrite)"), std::string::npos);
  EXPECT_NE(error_of("skip: [a]\n").find("q.yaml:1: unknown key 'skip'"), std::string::npos);
  EXPECT_NE(error_of("- a\n").find("expected a map"), std::string::npos);
  EXPECT_NE(error_of("layers: {a: [1\n").find("malformed YAML"), std::string::npos);
  EXPECT_NE(error_of("algorithm: {a: 1}\n").find("'algorithm' must be a name"), std::string::npos);
}

TEST(QuantizeConfig, WrittenFormReadsBack) {
  litecast::QuantizeConfig c;
  c.op_actions["aten::mul"] = "disable";
  litecast::QuantizeStats stats;
  stats.algorithm = "l2";
  litecast::QuantizeLayerConfig skip;
  skip.skip = true;
  litecast::QuantizeLayerConfig kl;
  kl.algorithm = "kl";
  stats.config_layers = {{"stem.2", "aten::relu", {}, false},
                         {"fc", "aten::linear", kl, false},
                         {"mul_0", "aten::mul", skip, true},
                         {"add_0", "aten::add", skip, false}};
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("litecast-qcfg-" + std::to_string(static_cast<long>(getpid())));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "q.quant.yaml").string();
  litecast::write_quantize_config(c, stats, path);
  auto back = litecast::load_quantize_config(path);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(back.algorithm, "l2");
  EXPECT_EQ(back.op_actions.at("aten::mul"), "disable");
  ASSERT_EQ(back.layers.size(), 4u);
  EXPECT_FALSE(back.layers.at("stem.2").skip);
  EXPECT_EQ(back.layers.at("fc").algorithm, "kl");
  // Made float by quantize_op_action: listed, not itself skipped (the action keeps doing it).
  EXPECT_FALSE(back.layers.at("mul_0").skip);
  EXPECT_TRUE(back.layers.at("add_0").skip);
}

}  // namespace
