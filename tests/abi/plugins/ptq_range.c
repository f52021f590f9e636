/* A third-party PTQ range algorithm in plain C99 ("litecast.ptq-algorithm/1"), built with
 * litecast_add_plugin like any out-of-tree plugin. "absmax" observes the largest magnitude and
 * returns the symmetric range [-m, m]. Compiled with PTQ_BAD_RANGE it returns lo > hi, with
 * PTQ_NAN_RANGE a NaN: the host must refuse both with one line naming the plugin and tensor. */
#include <litecast/plugin.h>

#include <stdlib.h>

#if defined(PTQ_BAD_RANGE)
#define PLUGIN_ID "test.ptq-bad-range"
#define ALGORITHM "bad_range"
#elif defined(PTQ_NAN_RANGE)
#define PLUGIN_ID "test.ptq-nan-range"
#define ALGORITHM "nan_range"
#else
#define PLUGIN_ID "test.ptq-absmax"
#define ALGORITHM "absmax"
#endif

typedef struct {
  double m;
} state_t;

static int32_t create(void* user, lc_ctx_t* ctx, const lc_host_api_t* host, int64_t channels, void** state) {
  state_t* s;
  (void)user;
  if (channels != 1) {
    host->set_error(ctx, "per tensor only");
    return LC_ERROR;
  }
  s = (state_t*)malloc(sizeof *s);
  if (!s) {
    host->set_error(ctx, "out of memory");
    return LC_ERROR;
  }
  s->m = 0;
  *state = s;
  return LC_OK;
}

static int32_t observe(void* state, lc_ctx_t* ctx, const lc_host_api_t* host, const lc_ptq_batch_t* b) {
  state_t* s = (state_t*)state;
  int64_t i;
  (void)ctx;
  (void)host;
  for (i = 0; i < b->count; ++i) {
    double x = b->data[i] < 0 ? -(double)b->data[i] : (double)b->data[i];
    if (x > s->m) s->m = x;
  }
  return LC_OK;
}

static int32_t finalize(void* state, lc_ctx_t* ctx, const lc_host_api_t* host, int32_t qmin, int32_t qmax, double* lo,
                        double* hi) {
  state_t* s = (state_t*)state;
  (void)ctx;
  (void)host;
  (void)qmin;
  (void)qmax;
#if defined(PTQ_BAD_RANGE)
  *lo = s->m + 1.0;
  *hi = -1.0;
#elif defined(PTQ_NAN_RANGE)
  *lo = -s->m;
  *hi = strtod("nan", NULL);
#else
  *lo = -s->m;
  *hi = s->m;
#endif
  return LC_OK;
}

static void destroy(void* state) {
  free(state);
}

static const lc_ptq_algorithm_t kAlgorithm = {
    sizeof(lc_ptq_algorithm_t), "symmetric range of the largest magnitude", create, observe, finalize, destroy, NULL};

static int32_t init(const lc_host_api_t* host, lc_ctx_t* ctx) {
  return host->register_interface(ctx, LC_PTQ_ALGORITHM_V1, ALGORITHM, &kAlgorithm);
}

static const lc_plugin_descriptor_t kDescriptor = {
    sizeof(lc_plugin_descriptor_t),     LC_ABI_MAJOR, LC_ABI_MINOR, PLUGIN_ID, "1.0.0",
    "test: a PTQ range algorithm in C", init,         NULL};

LC_EXPORT const lc_plugin_descriptor_t* litecast_plugin_entry_v1(uint32_t host_major, uint32_t host_minor) {
  (void)host_minor;
  return host_major == LC_ABI_MAJOR ? &kDescriptor : NULL;
}
