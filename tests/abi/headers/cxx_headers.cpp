// Header check: plugin.h and plugin.hpp compile as C++17 and C++20 with
// -Wall -Wextra -pedantic -Werror (the ctest tests abi_headers_cxx17_* / cxx20_*).
// A C++ plugin includes only these; the templates and the LITECAST_PLUGIN macro are
// instantiated below so that a warning inside them (not only in declarations) fails too.
#include <litecast/plugin.h>
#include <litecast/plugin.hpp>

#include <type_traits>

static_assert(std::is_standard_layout<lc_plugin_descriptor_t>::value, "descriptor must be a C struct");
static_assert(std::is_trivially_copyable<lc_host_api_t>::value, "host table must be a C struct");
static_assert(offsetof(lc_translator_t, struct_size) == 0, "struct_size comes first");

namespace {

void translate_neg(litecast::Node& n) {
  if (n.output_info(0).dtype != LC_FLOAT32) n.decline("float32 only");
  litecast::TensorInfo in = n.info(0);
  if (in.numel() < 0) n.fail("impossible");
  n.unary_like_output(LC_OP_NEG, {n.input(0)}).set("fused_activation_function", "NONE");
}

void metric(const lc_metric_input_t& in, float* scores) {
  for (int64_t c = 0; c < in.out_channels; ++c) scores[c] = static_cast<float>(c);
}

}  // namespace

LITECAST_PLUGIN("test.header-check", "0.0.0", "header check", [](litecast::Registrar& r) {
  r.translator("aten::neg", 1, nullptr, translate_neg);
  r.pruning_metric("header_check", "index as score", metric);
})
