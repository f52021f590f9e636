/* Header check: the SDK's C headers are C99 and self-contained.
 *
 * Compiled by the ctest tests abi_headers_c99_* with -std=c99 -Wall -Wextra -pedantic -Werror
 * (no linking). A plugin author may write plain C99, so plugin.h and tflite_ops.h must not
 * need any extension, C11 feature or C++ construct; and each must compile on its own, which
 * is why plugin.h comes first here and the other order is checked by c99_ops_first.c.
 * The small uses below make sure the declarations are usable, not just parseable. */
#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>

/* C99 has no _Static_assert: a negative array size fails the compile instead. */
#define ABI_CHECK(name, cond) typedef char abi_check_##name[(cond) ? 1 : -1]

ABI_CHECK(major_is_1, LC_ABI_MAJOR == 1);
ABI_CHECK(struct_size_first, offsetof(lc_plugin_descriptor_t, struct_size) == 0);
ABI_CHECK(host_struct_size_first, offsetof(lc_host_api_t, struct_size) == 0);
ABI_CHECK(translator_struct_size_first, offsetof(lc_translator_t, struct_size) == 0);
ABI_CHECK(status_codes_distinct, LC_OK != LC_DECLINE && LC_DECLINE != LC_ERROR && LC_OK != LC_ERROR);
ABI_CHECK(packed_struct_size_first, offsetof(lc_packed_params_t, struct_size) == 0);
/* 1.1 appended input_packed after set_output_list: the 1.0 table is a prefix of the 1.1 one. */
ABI_CHECK(input_packed_appended, offsetof(lc_host_api_t, input_packed) > offsetof(lc_host_api_t, set_output_list));
/* 1.2 appended set_tensor_variable and output_num_uses after input_packed. */
ABI_CHECK(state_fns_appended,
          offsetof(lc_host_api_t, set_tensor_variable) > offsetof(lc_host_api_t, input_packed) &&
              offsetof(lc_host_api_t, output_num_uses) > offsetof(lc_host_api_t, set_tensor_variable));
ABI_CHECK(op_codes_are_tflite, LC_OP_ADD == 0 && LC_OP_NEG == 59);

static int32_t translate(void* user, lc_ctx_t* ctx, const lc_host_api_t* host) {
  int32_t out = -1;
  (void)user;
  if (!LC_HAS_FIELD(host, lc_host_api_t, set_output)) return LC_ERROR;
  if (host->input_tensor(ctx, 0, -1, &out) != LC_OK) return LC_ERROR;
  return host->set_output(ctx, 0, out);
}

static int32_t init(const lc_host_api_t* host, lc_ctx_t* ctx) {
  lc_translator_t t = {0};
  t.struct_size = (uint32_t)sizeof t;
  t.op = "aten::identity_for_header_check";
  t.priority = 1;
  t.translate = &translate;
  return host->register_translator(ctx, &t);
}

static const lc_plugin_descriptor_t descriptor = {
    (uint32_t)sizeof(lc_plugin_descriptor_t), LC_ABI_MAJOR, LC_ABI_MINOR, "test.header-check", "0", "header check",
    &init, NULL};

LC_EXPORT const lc_plugin_descriptor_t* litecast_plugin_entry_v1(uint32_t host_major, uint32_t host_minor);
LC_EXPORT const lc_plugin_descriptor_t* litecast_plugin_entry_v1(uint32_t host_major, uint32_t host_minor) {
  lc_plugin_entry_v1_fn self = &litecast_plugin_entry_v1;
  (void)self;
  (void)host_minor;
  return host_major == LC_ABI_MAJOR ? &descriptor : NULL;
}
