/* A litecast plugin in plain C99, built with litecast_add_plugin like any third-party plugin.
 *
 * Checks that the ABI really is C: nothing here needs C++ (no plugin.hpp, no exceptions, no
 * libstdc++). It translates aten::neg to TFLite NEG at priority 200 (the first-party plugins
 * have no aten::neg, and 200 would beat them anyway) and offers a pruning metric through
 * register_interface. test_abi.py lists it with `litecast plugins --json`, converts neg.pt
 * with only this plugin loaded and compares the result with PyTorch in LiteRT.
 *
 * The same source, compiled with ABI_TEST_DUP_ID, is also built twice under one more id into
 * one directory to check that the host refuses a duplicate plugin id. */
#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>

#include <string.h>

#ifdef ABI_TEST_DUP_ID
#define PLUGIN_ID ABI_TEST_DUP_ID
#else
#define PLUGIN_ID "test.c-plugin"
#endif

static int32_t translate_neg(void* user, lc_ctx_t* ctx, const lc_host_api_t* host) {
  lc_tensor_info_t out;
  lc_tensor_desc_t desc;
  int32_t x = -1, y = -1, op = -1;
  (void)user;

  memset(&out, 0, sizeof out);
  out.struct_size = (uint32_t)sizeof out;
  if (host->output_info(ctx, 0, &out) != LC_OK) return LC_ERROR;
  if (out.dtype != LC_FLOAT32) {
    host->set_error(ctx, "float32 only");
    return LC_DECLINE;
  }
  if (host->input_tensor(ctx, 0, -1, &x) != LC_OK) return LC_ERROR;

  memset(&desc, 0, sizeof desc);
  desc.struct_size = (uint32_t)sizeof desc;
  desc.dtype = out.dtype;
  desc.rank = out.rank;
  desc.shape = out.shape;
  if (host->add_tensor(ctx, &desc, &y) != LC_OK) return LC_ERROR;
  if (host->add_operator(ctx, LC_OP_NEG, NULL, &x, 1, &y, 1, &op) != LC_OK) return LC_ERROR;
  return host->set_output(ctx, 0, y);
}

/* "litecast.pruning-metric/1": sum of absolute weights per output channel. */
static int32_t abs_sum(void* user, lc_ctx_t* ctx, const lc_host_api_t* host, const lc_metric_input_t* in,
                       float* scores) {
  int64_t c, k;
  (void)user;
  (void)ctx;
  (void)host;
  for (c = 0; c < in->out_channels; ++c) {
    double s = 0;
    for (k = 0; k < in->per_channel; ++k) {
      double w = (double)in->weight[c * in->per_channel + k];
      s += w < 0 ? -w : w; /* no fabs: keeps the plugin free of libm */
    }
    scores[c] = (float)s;
  }
  return LC_OK;
}

static const lc_pruning_metric_t metric = {(uint32_t)sizeof(lc_pruning_metric_t),
                                           "sum of |w| per channel (C test plugin)", &abs_sum, NULL};

static int32_t init(const lc_host_api_t* host, lc_ctx_t* ctx) {
  lc_translator_t t;
  if (!LC_HAS_FIELD(host, lc_host_api_t, set_output)) {
    host->set_error(ctx, "host table too old");
    return LC_ERROR;
  }
  memset(&t, 0, sizeof t);
  t.struct_size = (uint32_t)sizeof t;
  t.op = "aten::neg";
  t.priority = 200;
  t.limits = "float32 (C test plugin)";
  t.translate = &translate_neg;
  if (host->register_translator(ctx, &t) != LC_OK) return LC_ERROR;
  return host->register_interface(ctx, LC_PRUNING_METRIC_V1, "test_c_abs_sum", &metric);
}

static void deinit(void) {}

static const lc_plugin_descriptor_t descriptor = {(uint32_t)sizeof(lc_plugin_descriptor_t),
                                                  LC_ABI_MAJOR,
                                                  LC_ABI_MINOR,
                                                  PLUGIN_ID,
                                                  "1.0.0",
                                                  "C99 test plugin: aten::neg -> NEG, a pruning metric",
                                                  &init,
                                                  &deinit};

LC_EXPORT const lc_plugin_descriptor_t* litecast_plugin_entry_v1(uint32_t host_major, uint32_t host_minor);
LC_EXPORT const lc_plugin_descriptor_t* litecast_plugin_entry_v1(uint32_t host_major, uint32_t host_minor) {
  (void)host_minor;
  return host_major == LC_ABI_MAJOR ? &descriptor : NULL;
}
