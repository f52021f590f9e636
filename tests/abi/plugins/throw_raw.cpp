// A C++ plugin that breaks the ABI's no-exception rule on purpose: a raw lc_translator_t
// (no plugin.hpp wrapper) whose callback lets a C++ exception escape into the host.
//
// Checks the host's last-resort catch around translator calls: the convert must not crash or
// call std::terminate; it fails with exit 1 and one stderr line naming this plugin, and writes
// no output. With ABI_TEST_THROW_IN_INIT the exception escapes from init instead, which the
// registry must turn into a refusal of this library (and nothing else).
#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>

#include <stdexcept>

namespace {

int32_t translate_neg(void*, lc_ctx_t* ctx, const lc_host_api_t* host) {
  lc_tensor_info_t out{};
  out.struct_size = sizeof out;
  host->output_info(ctx, 0, &out);
  lc_tensor_desc_t d{};
  d.struct_size = sizeof d;
  d.dtype = out.dtype;
  d.rank = out.rank;
  d.shape = out.shape;
  int32_t y = -1;
  host->add_tensor(ctx, &d, &y);  // something to roll back
  throw std::runtime_error("boom across the C ABI");
}

int32_t init(const lc_host_api_t* host, lc_ctx_t* ctx) {
#ifdef ABI_TEST_THROW_IN_INIT
  (void)host;
  (void)ctx;
  (void)&translate_neg;
  throw std::logic_error("init throws across the C ABI");
#else
  lc_translator_t t{};
  t.struct_size = sizeof t;
  t.op = "aten::neg";
  t.priority = 250;
  t.limits = "always throws, unwrapped";
  t.translate = &translate_neg;
  return host->register_translator(ctx, &t);
#endif
}

#ifdef ABI_TEST_THROW_IN_INIT
#define PLUGIN_ID "test.init-throw"
#else
#define PLUGIN_ID "test.throw-raw"
#endif

const lc_plugin_descriptor_t descriptor = {sizeof(lc_plugin_descriptor_t),
                                           LC_ABI_MAJOR,
                                           LC_ABI_MINOR,
                                           PLUGIN_ID,
                                           "1.0.0",
                                           "raw translator that throws a C++ exception across the ABI",
                                           &init,
                                           nullptr};

}  // namespace

extern "C" LC_EXPORT const lc_plugin_descriptor_t* litecast_plugin_entry_v1(uint32_t host_major, uint32_t) {
  return host_major == LC_ABI_MAJOR ? &descriptor : nullptr;
}
