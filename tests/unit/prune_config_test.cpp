// The pruning config: TinyNeuralNetwork's two forms, the extra options, errors that name the key, and
// the written per-layer form read back.
#include <litecast/error.hpp>
#include <litecast/prune.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace {

using litecast::parse_prune_config;

std::string error_of(const std::string& yaml) {
  try {
    parse_prune_config(yaml, "cfg.yaml");
  } catch (const litecast::Error& e) {
    return e.what();
  }
  return "";
}

TEST(PruneConfig, OneRateForAll) {
  auto c = parse_prune_config("sparsity: 0.25\nmetrics: l2_norm\n", "cfg.yaml");
  EXPECT_DOUBLE_EQ(c.default_sparsity, 0.25);
  EXPECT_TRUE(c.layers.empty());
  EXPECT_EQ(c.metric, "l2_norm");
  EXPECT_EQ(c.multiple, 1);
  EXPECT_TRUE(c.skip_last_fc);
}

TEST(PruneConfig, PerLayerMapAndOptions) {
  auto c = parse_prune_config(
      "sparsity:\n  default: 0.5\n  features.3.conv.0.0: 0.25\nmetrics: fpgm\nmultiple: 8\nskip_last_fc: false\n"
      "exclude_layers: [features.0]\nexclude_ops: [linear]\nseed: 7\n",
      "cfg.yaml");
  EXPECT_DOUBLE_EQ(c.default_sparsity, 0.5);
  ASSERT_EQ(c.layers.count("features.3.conv.0.0"), 1u);
  EXPECT_DOUBLE_EQ(c.layers.at("features.3.conv.0.0"), 0.25);
  EXPECT_EQ(c.metric, "fpgm");
  EXPECT_EQ(c.multiple, 8);
  EXPECT_FALSE(c.skip_last_fc);
  EXPECT_EQ(c.exclude_layers, std::vector<std::string>{"features.0"});
  EXPECT_EQ(c.exclude_ops, std::vector<std::string>{"linear"});
  EXPECT_EQ(c.seed, 7u);
}

TEST(PruneConfig, ErrorsNameTheKey) {
  EXPECT_NE(error_of("sparsity: 1\n").find("'sparsity'"), std::string::npos);
  EXPECT_NE(error_of("sparsity: {default: 0.1, a.b: -0.5}\n").find("'sparsity.a.b'"), std::string::npos);
  EXPECT_NE(error_of("sparsity: 0.1\nmultiple: -1\n").find("'multiple'"), std::string::npos);
  EXPECT_NE(error_of("sparsity: 0.1\nexclude_ops: [pool]\n").find("'exclude_ops'"), std::string::npos);
  EXPECT_NE(error_of("sparsity: 0.1\nbogus: 1\n").find("'bogus'"), std::string::npos);
  EXPECT_NE(error_of("sparsity: [0.1\n").find("malformed YAML"), std::string::npos);
  EXPECT_NE(error_of("metrics: l1_norm\n").find("'sparsity'"), std::string::npos);
  EXPECT_EQ(error_of("sparsity: 0\n"), "");
}

TEST(PruneConfig, DuplicatesAndLinesAreReported) {
  EXPECT_NE(error_of("sparsity: 0.5\nmetrics: l2_norm\nsparsity: 0.25\n").find("cfg.yaml:3: 'sparsity' is given twice"),
            std::string::npos);
  EXPECT_NE(
      error_of("sparsity:\n  default: 0.5\n  c1: 0.25\n  c1: 0.5\n").find("cfg.yaml:4: 'sparsity.c1' is given twice"),
      std::string::npos);
  EXPECT_NE(error_of("{a: 1}: 2\nsparsity: 0.5\n").find("must be a name"), std::string::npos);
  auto c = parse_prune_config("sparsity:\n  default: 0.5\n  c1: 0.25\nexclude_layers: [a, b.c]\n", "cfg.yaml");
  EXPECT_EQ(c.lines.at("sparsity.c1"), 3);
  EXPECT_EQ(c.lines.at("exclude_layers.b.c"), 4);
  EXPECT_FALSE(c.metric_given);
  EXPECT_EQ(c.metric, "l2_norm");
  EXPECT_TRUE(parse_prune_config("sparsity: 0.5\nmetrics: fpgm\n", "cfg.yaml").metric_given);
}

TEST(PruneConfig, WrittenConfigReadsBack) {
  litecast::PruneConfig c = parse_prune_config("sparsity: 0.3\nmetrics: l1_norm\nmultiple: 4\n", "cfg.yaml");
  litecast::PruneResult r;
  r.groups.push_back({"features.0.0", {"features.0.0"}, 32, 24, 0.3, {}});
  r.groups.push_back({"layer1.0.conv1", {"layer1.0.conv1"}, 64, 64, 0.0, {}});
  r.refused.push_back({"fc", "reaches the model's output"});
  const std::string path =
      (std::filesystem::temp_directory_path() / ("litecast_prune_cfg_" + std::to_string(::getpid()) + ".yaml"))
          .string();
  litecast::write_prune_config(c, r, path);
  litecast::PruneConfig back = litecast::load_prune_config(path);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::remove(path.c_str());
  EXPECT_DOUBLE_EQ(back.default_sparsity, 0.3);
  EXPECT_DOUBLE_EQ(back.layers.at("features.0.0"), 0.3);
  EXPECT_DOUBLE_EQ(back.layers.at("layer1.0.conv1"), 0.0);
  EXPECT_EQ(back.metric, "l1_norm");
  EXPECT_EQ(back.multiple, 4);
  EXPECT_NE(text.str().find("#   fc: reaches the model's output"), std::string::npos);
}

}  // namespace
