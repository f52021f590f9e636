/* Libraries the host must refuse, one per build of this file (selected by a REFUSE_* macro).
 * Each refusal must cost exactly one warning line on stderr, never a crash, and must not
 * disturb the good plugins loaded beside it (`litecast plugins` still exits 0 and lists them).
 *
 *   REFUSE_ENTRY_V2    exports only litecast_plugin_entry_v2: a plugin for ABI major 2.
 *                      Expected: "built for plugin ABI 2, this host speaks ABI 1".
 *   REFUSE_ENTRY_NULL  the v1 entry returns NULL: it refuses this host's minor version.
 *                      Expected: "declined to serve this host (ABI 1.0)".
 *   REFUSE_MAJOR2      the v1 entry returns a descriptor that says abi_major = 2.
 *                      Expected: "descriptor says ABI 2, this host speaks ABI 1".
 *   REFUSE_NO_ENTRY    a shared library with no entry symbol at all.
 *                      Expected: "not a litecast plugin".
 *   REFUSE_INIT_ERROR  init registers a translator and an interface, then returns LC_ERROR
 *                      with a message. Expected: "init failed: <message>", and nothing it
 *                      registered is visible (`litecast ops`, `litecast plugins`).
 *
 * ENTRY_V2 and NO_ENTRY are not built with litecast_add_plugin (its version script exports
 * exactly litecast_plugin_entry_v1); the others are. */
#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>

#include <string.h>

#if defined(REFUSE_ENTRY_V2)

/* What a v2 entry might look like; a v1 host must never call it. */
typedef struct v2_descriptor {
  uint32_t struct_size;
  uint32_t abi_major;
} v2_descriptor_t;
static const v2_descriptor_t v2 = {(uint32_t)sizeof(v2_descriptor_t), 2};
LC_EXPORT const void* litecast_plugin_entry_v2(uint32_t host_major, uint32_t host_minor, const void* extra);
LC_EXPORT const void* litecast_plugin_entry_v2(uint32_t host_major, uint32_t host_minor, const void* extra) {
  (void)host_major;
  (void)host_minor;
  (void)extra;
  return &v2;
}

#elif defined(REFUSE_NO_ENTRY)

LC_EXPORT int not_a_litecast_plugin(void);
LC_EXPORT int not_a_litecast_plugin(void) { return 42; }

#else

static int32_t translate_any(void* user, lc_ctx_t* ctx, const lc_host_api_t* host) {
  (void)user;
  host->set_error(ctx, "a refused plugin's translator must never be called");
  return LC_ERROR;
}

static const lc_pruning_metric_t metric = {(uint32_t)sizeof(lc_pruning_metric_t), "must never be listed", NULL,
                                           NULL};

static int32_t init(const lc_host_api_t* host, lc_ctx_t* ctx) {
  lc_translator_t t;
  memset(&t, 0, sizeof t);
  t.struct_size = (uint32_t)sizeof t;
  t.op = "aten::neg";
  t.priority = 999;
  t.translate = &translate_any;
  if (host->register_translator(ctx, &t) != LC_OK) return LC_ERROR;
  t.op = "aten::relu";
  if (host->register_translator(ctx, &t) != LC_OK) return LC_ERROR;
  if (host->register_interface(ctx, LC_PRUNING_METRIC_V1, "refused_metric", &metric) != LC_OK) return LC_ERROR;
#if defined(REFUSE_INIT_ERROR)
  host->set_error(ctx, "init refuses on purpose (abi test)");
  return LC_ERROR;
#else
  return LC_OK;
#endif
}

#if defined(REFUSE_ENTRY_NULL)
#define PLUGIN_ID "test.refused-entry-null"
#define PLUGIN_MAJOR LC_ABI_MAJOR
#elif defined(REFUSE_MAJOR2)
#define PLUGIN_ID "test.refused-major2"
#define PLUGIN_MAJOR 2
#elif defined(REFUSE_INIT_ERROR)
#define PLUGIN_ID "test.refused-init-error"
#define PLUGIN_MAJOR LC_ABI_MAJOR
#else
#error "define one REFUSE_* macro"
#endif

static const lc_plugin_descriptor_t descriptor = {(uint32_t)sizeof(lc_plugin_descriptor_t),
                                                  PLUGIN_MAJOR,
                                                  LC_ABI_MINOR,
                                                  PLUGIN_ID,
                                                  "1.0.0",
                                                  "a library the host must refuse",
                                                  &init,
                                                  NULL};

LC_EXPORT const lc_plugin_descriptor_t* litecast_plugin_entry_v1(uint32_t host_major, uint32_t host_minor);
LC_EXPORT const lc_plugin_descriptor_t* litecast_plugin_entry_v1(uint32_t host_major, uint32_t host_minor) {
  (void)host_major;
  (void)host_minor;
#if defined(REFUSE_ENTRY_NULL)
  (void)&descriptor;
  return NULL; /* e.g. a plugin that needs functions of a later minor */
#else
  return &descriptor;
#endif
}

#endif
