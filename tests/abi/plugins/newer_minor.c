/* Version skew, the compatible direction: a plugin built against an imaginary ABI 1.99.
 *
 * Its descriptor claims abi_minor = 99 and is larger than this SDK's lc_plugin_descriptor_t,
 * with fields appended after the 1.0 ones (as a later minor would append them). The structs
 * it passes to the host (lc_translator_t, lc_tensor_desc_t) and the lc_tensor_info_t it asks
 * the host to fill are also larger than 1.0's, with struct_size saying so. A 1.0 host must
 * read only the fields it knows, load the plugin, list it as ABI 1.99 and use it: the test
 * converts neg.pt with only this plugin and compares with PyTorch in LiteRT. */
#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>

#include <string.h>

/* What minor 99 appended, in this imaginary future. */
typedef struct future_descriptor {
  lc_plugin_descriptor_t v1_0;
  const char* homepage;
  uint64_t capabilities;
  int32_t (*future_hook)(int32_t);
} future_descriptor_t;

typedef struct future_translator {
  lc_translator_t v1_0;
  const char* since;
  double cost;
} future_translator_t;

typedef struct future_tensor_desc {
  lc_tensor_desc_t v1_0;
  int32_t memory_kind;
  int32_t reserved[7];
} future_tensor_desc_t;

typedef struct future_tensor_info {
  lc_tensor_info_t v1_0;
  int64_t sentinel; /* a 1.0 host does not know this field and must not touch it */
} future_tensor_info_t;

#define SENTINEL ((int64_t)0x1234567876543210LL)

static int32_t translate_neg(void* user, lc_ctx_t* ctx, const lc_host_api_t* host) {
  future_tensor_info_t out;
  future_tensor_desc_t desc;
  int32_t x = -1, y = -1, op = -1;
  (void)user;

  memset(&out, 0, sizeof out);
  out.v1_0.struct_size = (uint32_t)sizeof out;
  out.sentinel = SENTINEL;
  if (host->output_info(ctx, 0, &out.v1_0) != LC_OK) return LC_ERROR;
  if (out.sentinel != SENTINEL) {
    host->set_error(ctx, "the host wrote past the lc_tensor_info_t fields it knows");
    return LC_ERROR;
  }
  if (host->input_tensor(ctx, 0, -1, &x) != LC_OK) return LC_ERROR;

  memset(&desc, 0, sizeof desc);
  desc.v1_0.struct_size = (uint32_t)sizeof desc;
  desc.v1_0.dtype = out.v1_0.dtype;
  desc.v1_0.rank = out.v1_0.rank;
  desc.v1_0.shape = out.v1_0.shape;
  desc.memory_kind = 7;
  if (host->add_tensor(ctx, &desc.v1_0, &y) != LC_OK) return LC_ERROR;
  if (host->add_operator(ctx, LC_OP_NEG, NULL, &x, 1, &y, 1, &op) != LC_OK) return LC_ERROR;
  return host->set_output(ctx, 0, y);
}

static int32_t future_hook(int32_t x) { return x; }

static int32_t init(const lc_host_api_t* host, lc_ctx_t* ctx) {
  future_translator_t t;
  /* A 1.99 plugin running on a 1.0 host uses only what 1.0 has, and checks before using. */
  if (host->abi_major != LC_ABI_MAJOR || !LC_HAS_FIELD(host, lc_host_api_t, set_output)) {
    host->set_error(ctx, "host table lacks set_output");
    return LC_ERROR;
  }
  memset(&t, 0, sizeof t);
  t.v1_0.struct_size = (uint32_t)sizeof t;
  t.v1_0.op = "aten::neg";
  t.v1_0.priority = 200;
  t.v1_0.limits = "float32 (ABI 1.99 test plugin)";
  t.v1_0.translate = &translate_neg;
  t.since = "1.99";
  t.cost = 1.0;
  return host->register_translator(ctx, &t.v1_0);
}

static const future_descriptor_t descriptor = {
    {(uint32_t)sizeof(future_descriptor_t), LC_ABI_MAJOR, 99, "test.newer-minor", "1.99.0",
     "claims ABI 1.99 with a larger descriptor", &init, NULL},
    "https://example.invalid/litecast-test",
    0xFFFFFFFFFFFFFFFFull,
    &future_hook};

LC_EXPORT const lc_plugin_descriptor_t* litecast_plugin_entry_v1(uint32_t host_major, uint32_t host_minor);
LC_EXPORT const lc_plugin_descriptor_t* litecast_plugin_entry_v1(uint32_t host_major, uint32_t host_minor) {
  (void)host_minor; /* it needs nothing newer than 1.0 from the host */
  return host_major == LC_ABI_MAJOR ? &descriptor.v1_0 : NULL;
}
