/* ABI 1.3 from plain C: the recurrent cells of a dynamically quantized LSTM, and module paths.
 *
 * Registers aten::quantized_lstm at priority 200 (above plugins/rnn) and only looks: for every
 * cell of the params list (input 2) it unpacks both directions with input_packed_cell and logs,
 * as one warning line, the weight shapes, the first scale, the zero point, the bias count and
 * the sum of the int8 weights; with it node_module. It also checks that the host refuses a
 * `which` other than 0/1 and a tensor input (LC_ERROR, no crash). Then it declines, so
 * plugins/rnn converts the node. test_abi.py compares the logged figures with what PyTorch
 * says about the same model. */
#include <litecast/plugin.h>

#include <stdio.h>
#include <string.h>

static int32_t translate(void* user, lc_ctx_t* ctx, const lc_host_api_t* host) {
  int32_t count = 0, item, which;
  lc_packed_params_t p;
  char line[512];
  (void)user;
  if (!LC_HAS_FIELD(host, lc_host_api_t, node_module)) {
    host->set_error(ctx, "packed-cell: host older than ABI 1.3");
    return LC_DECLINE;
  }
  if (host->input_list_size(ctx, 2, &count) != LC_OK) return LC_ERROR;
  for (item = 0; item < count; ++item) {
    for (which = 0; which < 2; ++which) {
      int64_t k, n, sum = 0;
      memset(&p, 0, sizeof p);
      p.struct_size = (uint32_t)sizeof p;
      if (host->input_packed_cell(ctx, 2, item, which, &p) != LC_OK) return LC_ERROR;
      n = p.weight_shape[0] * p.weight_shape[1];
      for (k = 0; k < n; ++k) sum += p.weight[k];
      snprintf(line, sizeof line,
               "packed-cell: module '%s' cell %d %s: kind %d weight [%lld,%lld] scale %.9g zero point %lld "
               "scales %d bias %lld sum %lld",
               host->node_module(ctx), (int)item, which == 0 ? "ih" : "hh", (int)p.kind, (long long)p.weight_shape[0],
               (long long)p.weight_shape[1], p.weight_scales[0], (long long)p.weight_zero_points[0],
               (int)p.num_weight_scales, (long long)p.bias_count, (long long)sum);
      host->log(ctx, LC_LOG_WARNING, line);
    }
  }
  memset(&p, 0, sizeof p);
  p.struct_size = (uint32_t)sizeof p;
  if (host->input_packed_cell(ctx, 2, 0, 2, &p) != LC_ERROR || host->input_packed_cell(ctx, 0, -1, 0, &p) != LC_ERROR) {
    host->set_error(ctx, "packed-cell: the host accepted a bad request");
    return LC_ERROR;
  }
  host->log(ctx, LC_LOG_WARNING, "packed-cell: bad requests refused");
  host->set_error(ctx, "packed-cell only looks");
  return LC_DECLINE;
}

static int32_t init(const lc_host_api_t* host, lc_ctx_t* ctx) {
  lc_translator_t t;
  memset(&t, 0, sizeof t);
  t.struct_size = (uint32_t)sizeof t;
  t.op = "aten::quantized_lstm";
  t.priority = 200;
  t.limits = "looks at the packed cells, then declines";
  t.translate = translate;
  return host->register_translator(ctx, &t);
}

static const lc_plugin_descriptor_t kDescriptor = {sizeof(lc_plugin_descriptor_t),
                                                   LC_ABI_MAJOR,
                                                   LC_ABI_MINOR,
                                                   "test.packed-cell",
                                                   "1.0.0",
                                                   "ABI 1.3: input_packed_cell and node_module, from C",
                                                   init,
                                                   NULL};

LC_EXPORT const lc_plugin_descriptor_t* litecast_plugin_entry_v1(uint32_t host_major, uint32_t host_minor) {
  (void)host_minor;
  return host_major == LC_ABI_MAJOR ? &kDescriptor : NULL;
}
