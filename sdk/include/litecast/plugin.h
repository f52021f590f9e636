/* litecast plugin ABI, major version 1.
 *
 * The only header a plugin needs. Pure C99: fixed-width integers, UTF-8 `const char*`,
 * pointer + length arrays, opaque handles; no bool, no enum-typed fields, nothing from std::.
 *
 * How a plugin meets the host
 *   1. The host opens the library (RTLD_LOCAL | RTLD_NOW) and looks up exactly one symbol,
 *      `litecast_plugin_entry_v1`. The ABI major is in the name: a v2 plugin is a different
 *      symbol and a v1 host never calls it.
 *   2. The entry returns a descriptor (or NULL to refuse this host's minor version).
 *   3. The host calls `descriptor->init(host, ctx)`. The plugin registers what it
 *      provides through the host table: op translators by TorchScript op name, and
 *      interfaces by versioned string id (pruning metrics, PTQ algorithms).
 *   4. The host calls the registered callbacks while it converts, prunes or calibrates.
 *   5. `deinit` runs once, before the library is closed.
 *
 * Compatibility rules
 *   - Minor versions only append: new fields at the end of structs, new functions at the end
 *     of the host table. Every struct begins with `struct_size`; a reader touches only the
 *     fields that lie inside the size the writer declared (LC_HAS_FIELD below).
 *   - A callback never lets a C++ exception escape (plugin.hpp wraps them all).
 *   - Errors travel as status codes; the text goes through `host->set_error`, which copies it.
 *
 * Threads: the host calls every callback on one thread, the one that runs the job
 * ([host-thread] below). Plugins need no locking unless they start threads of their own.
 */
#ifndef LITECAST_PLUGIN_H
#define LITECAST_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LC_ABI_MAJOR 1
#define LC_ABI_MINOR 3

#if defined(_WIN32)
#define LC_EXPORT __declspec(dllexport)
#else
#define LC_EXPORT __attribute__((visibility("default")))
#endif

/* True when a struct written with `struct_size` = (p)->struct_size contains `field`. */
#define LC_HAS_FIELD(p, type, field) \
  ((p) != NULL && (size_t)(p)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

/* ---- status codes: every callback and host function returns one ------------------------ */
#define LC_OK 0
#define LC_DECLINE 1 /* translator: "not me, try the next candidate"; the reason is optional */
#define LC_ERROR 2   /* failed; the message was set with host->set_error */

/* ---- tensor element types: TFLite's TensorType numbers ---------------------------------- */
#define LC_FLOAT32 0
#define LC_FLOAT16 1
#define LC_INT32 2
#define LC_UINT8 3
#define LC_INT64 4
#define LC_STRING 5
#define LC_BOOL 6
#define LC_INT16 7
#define LC_INT8 9
#define LC_FLOAT64 10

/* ---- kinds of node input value (what TorchScript passes to an op) ----------------------- */
#define LC_VALUE_NONE 0
#define LC_VALUE_TENSOR 1
#define LC_VALUE_INT 2
#define LC_VALUE_FLOAT 3
#define LC_VALUE_BOOL 4
#define LC_VALUE_STRING 5
#define LC_VALUE_INT_LIST 6
#define LC_VALUE_FLOAT_LIST 7
#define LC_VALUE_BOOL_LIST 8
#define LC_VALUE_TENSOR_LIST 9
#define LC_VALUE_OTHER 10 /* devices, layouts, objects: readable only as text */

/* ---- log levels ------------------------------------------------------------------------- */
#define LC_LOG_DEBUG 0
#define LC_LOG_INFO 1
#define LC_LOG_WARNING 2

/* Opaque context of one callback. Valid only during that callback; never store it. */
typedef struct lc_ctx lc_ctx_t;

/* Shape and element type of a tensor value, as LibTorch computed it on the example input. */
typedef struct lc_tensor_info {
  uint32_t struct_size;
  int32_t dtype;        /* LC_FLOAT32, ... */
  int32_t rank;         /* number of dimensions; 0 for a scalar tensor */
  const int64_t* shape; /* rank entries; owned by the host, valid during the callback */
  int32_t is_constant;  /* 1 when the value depends only on constants (weights, shapes) */
  /* Quantization of a quantized PyTorch tensor (num_scales == 0 when not quantized).
     Owned by the host, valid during the callback. */
  const double* scales;
  const int64_t* zero_points;
  int32_t num_scales;
  int32_t quantized_axis;
} lc_tensor_info_t;

/* Quantization of a TFLite tensor to create. Arrays are read during the call only. */
typedef struct lc_quant {
  uint32_t struct_size;
  const float* scales;
  const int64_t* zero_points;
  int32_t count;          /* 1 for per-tensor; the channel count for per-channel */
  int32_t quantized_axis; /* used when count > 1 */
} lc_quant_t;

/* A TFLite tensor to create in the model under construction. Read during the call only. */
typedef struct lc_tensor_desc {
  uint32_t struct_size;
  int32_t dtype;
  int32_t rank;
  const int64_t* shape;   /* rank entries; -1 is not allowed (shapes are static) */
  const char* name;       /* NULL: the host derives one from the node */
  const void* data;       /* NULL for an activation; otherwise a constant, copied */
  size_t data_size;       /* bytes at data; must equal the element count x element size */
  const lc_quant_t* quant; /* NULL: not quantized */
} lc_tensor_desc_t;

/* The parameters LibTorch packs into one object for a quantized convolution or linear layer
 * (the Conv2dPackedParamsBase / LinearPackedParamsBase constants of quantized::conv2d,
 * quantized::linear, ...), unpacked by the host. All pointers are owned by the host and valid
 * during the callback. [ABI 1.1] */
#define LC_PACKED_CONV 1   /* conv1d, conv2d and their transposes */
#define LC_PACKED_LINEAR 2 /* linear */
typedef struct lc_packed_params {
  uint32_t struct_size;
  int32_t kind;  /* LC_PACKED_CONV or LC_PACKED_LINEAR */
  /* The weight in PyTorch's layout: [out, in/groups, k...] for a convolution,
     [in, out/groups, k...] for a transposed one, [out, in] for linear; int8 values. */
  int32_t weight_dtype; /* LC_INT8: qint8 as is, quint8 shifted by -128 (zero points too) */
  int32_t weight_rank;
  const int64_t* weight_shape;
  const int8_t* weight;
  /* Per-tensor (num_weight_scales == 1) or per-channel along weight_axis. */
  const double* weight_scales;
  const int64_t* weight_zero_points;
  int32_t num_weight_scales;
  int32_t weight_axis;
  const float* bias; /* float, one per output channel; NULL when the layer has none */
  int64_t bias_count;
  /* Convolutions only (num_spatial == 0 for linear). A conv1d is packed as a 2-D
     convolution over a height of 1: its weight is [out, in/groups, 1, k] and its lists have
     2 entries, the first for that height. */
  int32_t num_spatial;
  const int64_t* stride;
  const int64_t* padding;
  const int64_t* dilation;
  const int64_t* output_padding;
  int64_t groups;
  int32_t transposed; /* 1 for conv_transpose */
} lc_packed_params_t;

typedef struct lc_host_api lc_host_api_t;

/* ---- op translators ---------------------------------------------------------------------
 * A translator turns one TorchScript node into TFLite tensors and operators. It reads its
 * inputs through the host table, emits tensors and operators, and binds each node output
 * to a TFLite tensor with set_output. It works in PyTorch's layout (NCHW): where a TFLite
 * kernel wants NHWC it emits TRANSPOSE operators around it, and the host's layout pass
 * removes the ones that cancel. Returning LC_DECLINE or LC_ERROR makes the host roll back
 * whatever the call emitted; the next candidate (by priority) is then tried. */
typedef int32_t (*lc_translate_fn)(void* user, lc_ctx_t* ctx, const lc_host_api_t* host);

typedef struct lc_translator {
  uint32_t struct_size;
  const char* op;     /* "aten::silu" (every overload) or "aten::add.Tensor" (one overload) */
  int32_t priority;   /* higher first; first-party plugins use 100 */
  const char* limits; /* one line for `litecast ops`, e.g. "2-D only; groups via --group-conv-rewrite"; may be NULL */
  lc_translate_fn translate; /* [host-thread] */
  void* user;                /* passed back to translate; owned by the plugin */
} lc_translator_t;

/* ---- interfaces by versioned string id --------------------------------------------------
 * A plugin offers named implementations of an interface, e.g. the pruning metric "l2_norm"
 * of "litecast.pruning-metric/1". A new revision of an interface gets a new id. */
#define LC_PRUNING_METRIC_V1 "litecast.pruning-metric/1"
#define LC_PTQ_ALGORITHM_V1 "litecast.ptq-algorithm/1"

/* One prunable layer's weights, as plain floats. Owned by the host, valid during the call. */
typedef struct lc_metric_input {
  uint32_t struct_size;
  const char* layer;     /* module path, e.g. "features.3.conv.0.0" */
  const float* weight;   /* out_channels x per_channel floats, row-major */
  int64_t out_channels;
  int64_t per_channel;   /* elements per output channel (in_channels/groups x kernel) */
  uint64_t seed;         /* for metrics that draw random numbers */
} lc_metric_input_t;

/* "litecast.pruning-metric/1". Higher score = more important = kept. */
typedef struct lc_pruning_metric {
  uint32_t struct_size;
  const char* description; /* one line; owned by the plugin, static */
  /* [host-thread] Write in->out_channels scores into `scores` (host-allocated). */
  int32_t (*score)(void* user, lc_ctx_t* ctx, const lc_host_api_t* host, const lc_metric_input_t* in,
                   float* scores);
  void* user;
} lc_pruning_metric_t;

/* A batch of one observed activation, as plain floats. Owned by the host, valid during the call. */
typedef struct lc_ptq_batch {
  uint32_t struct_size;
  const char* tensor;   /* the TorchScript value's name */
  const float* data;
  int64_t count;        /* elements */
  int64_t channels;     /* 1 for per-tensor observation; otherwise data is count/channels per channel */
  int64_t channel_axis_stride; /* elements between consecutive channels' runs; 0 when channels == 1 */
} lc_ptq_batch_t;

/* "litecast.ptq-algorithm/1": observe activations over the calibration set, then choose the
 * range [lo, hi] per channel that the host quantizes with [qmin, qmax]. */
typedef struct lc_ptq_algorithm {
  uint32_t struct_size;
  const char* description;
  /* [host-thread] Make per-tensor state; *state is owned by the plugin until destroy. */
  int32_t (*create)(void* user, lc_ctx_t* ctx, const lc_host_api_t* host, int64_t channels, void** state);
  /* [host-thread] Called once per calibration batch. */
  int32_t (*observe)(void* state, lc_ctx_t* ctx, const lc_host_api_t* host, const lc_ptq_batch_t* batch);
  /* [host-thread] Write `channels` lo/hi pairs into the host-allocated arrays. */
  int32_t (*finalize)(void* state, lc_ctx_t* ctx, const lc_host_api_t* host, int32_t qmin, int32_t qmax,
                      double* lo, double* hi);
  /* [host-thread] Free the state; never fails. */
  void (*destroy)(void* state);
  void* user;
} lc_ptq_algorithm_t;

/* ---- the host table ------------------------------------------------------------------------
 * Everything a plugin can ask of the host. Append-only: check LC_HAS_FIELD(host,
 * lc_host_api_t, fn) before calling a function newer than the minor you require.
 * Unless noted, functions return LC_OK or LC_ERROR (with the reason readable in the job's
 * error), string results are owned by the host and valid during the callback, and `ctx` is
 * the context of the callback that is running. */
struct lc_host_api {
  uint32_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;

  /* -- registration, during init only -- */
  /* Register a translator; the struct and its strings are copied. */
  int32_t (*register_translator)(lc_ctx_t* ctx, const lc_translator_t* translator);
  /* Register `impl` (e.g. an lc_pruning_metric_t*) as `name` of interface `interface_id`.
     The pointer is kept, not copied: it must stay valid until deinit (static storage). */
  int32_t (*register_interface)(lc_ctx_t* ctx, const char* interface_id, const char* name,
                                const void* impl);

  /* -- messages, any callback -- */
  /* Record the error (or decline reason) of this call; copied; the host adds node and plugin. */
  void (*set_error)(lc_ctx_t* ctx, const char* message);
  void (*log)(lc_ctx_t* ctx, int32_t level, const char* message);
  /* A converter option by its TinyNeuralNetwork name ("group_conv_rewrite"); NULL when unset. */
  const char* (*get_option)(lc_ctx_t* ctx, const char* name);

  /* -- the node being translated -- */
  const char* (*node_kind)(lc_ctx_t* ctx);     /* "aten::add" */
  const char* (*node_overload)(lc_ctx_t* ctx); /* "Tensor"; "" when none */
  int32_t (*node_num_inputs)(lc_ctx_t* ctx);
  int32_t (*node_num_outputs)(lc_ctx_t* ctx);
  /* LC_VALUE_* of input i; LC_VALUE_NONE also for i out of range. */
  int32_t (*input_kind)(lc_ctx_t* ctx, int32_t i);
  int32_t (*input_int)(lc_ctx_t* ctx, int32_t i, int64_t* out);
  int32_t (*input_float)(lc_ctx_t* ctx, int32_t i, double* out); /* ints convert */
  int32_t (*input_bool)(lc_ctx_t* ctx, int32_t i, int32_t* out);
  int32_t (*input_string)(lc_ctx_t* ctx, int32_t i, const char** out);
  int32_t (*input_ints)(lc_ctx_t* ctx, int32_t i, const int64_t** data, int32_t* count);
  int32_t (*input_floats)(lc_ctx_t* ctx, int32_t i, const double** data, int32_t* count);
  /* Tensor input i (item -1), or item `item` of a tensor-list input. */
  int32_t (*input_info)(lc_ctx_t* ctx, int32_t i, int32_t item, lc_tensor_info_t* out);
  int32_t (*input_list_size)(lc_ctx_t* ctx, int32_t i, int32_t* count);
  /* The value of a constant tensor input converted to `dtype` (LC_FLOAT32, LC_INT32, LC_INT64,
     ...), row-major, in PyTorch's layout. */
  int32_t (*input_data)(lc_ctx_t* ctx, int32_t i, int32_t item, int32_t dtype, const void** data,
                        size_t* size);
  /* The TFLite tensor holding tensor input i (or list item); constants are materialised. */
  int32_t (*input_tensor)(lc_ctx_t* ctx, int32_t i, int32_t item, int32_t* tensor);
  int32_t (*output_info)(lc_ctx_t* ctx, int32_t i, lc_tensor_info_t* out);

  /* -- the model under construction -- */
  int32_t (*add_tensor)(lc_ctx_t* ctx, const lc_tensor_desc_t* desc, int32_t* tensor);
  /* Shape and type of a TFLite tensor this call can see (any tensor of the model). */
  int32_t (*tensor_info)(lc_ctx_t* ctx, int32_t tensor, lc_tensor_info_t* out);
  /* Add an operator by TFLite builtin code (custom_code non-NULL only for CUSTOM, 32).
     Optional inputs are -1. Returns the operator's handle in *op. */
  int32_t (*add_operator)(lc_ctx_t* ctx, int32_t builtin_code, const char* custom_code, const int32_t* inputs,
                          int32_t num_inputs, const int32_t* outputs, int32_t num_outputs, int32_t* op);
  /* Options by schema field name; the host validates name and type against its TFLite
     schema. Enum fields take the enum value's name ("RELU6", "SAME"); bools take 0/1. */
  int32_t (*set_option_int)(lc_ctx_t* ctx, int32_t op, const char* field, int64_t value);
  int32_t (*set_option_float)(lc_ctx_t* ctx, int32_t op, const char* field, double value);
  int32_t (*set_option_enum)(lc_ctx_t* ctx, int32_t op, const char* field, const char* value_name);
  int32_t (*set_option_ints)(lc_ctx_t* ctx, int32_t op, const char* field, const int64_t* values,
                             int32_t count);
  /* Bind output i of the node to a TFLite tensor (shape and dtype must match output_info). */
  int32_t (*set_output)(lc_ctx_t* ctx, int32_t i, int32_t tensor);
  /* Bind a tensor-list output i (split, chunk, unbind) to `count` tensors. */
  int32_t (*set_output_list)(lc_ctx_t* ctx, int32_t i, const int32_t* tensors, int32_t count);

  /* ---- ABI 1.1 ---- */
  /* Input i, a constant packed-parameters object of a quantized op (quantized::conv2d's
     second input), unpacked into *out (the caller sets out->struct_size). LC_ERROR when the
     input is not such an object. [host-thread] [during-convert] */
  int32_t (*input_packed)(lc_ctx_t* ctx, int32_t i, lc_packed_params_t* out);

  /* ---- ABI 1.2 ---- */
  /* Make `tensor`, an activation (no data) that this call added, a TFLite variable tensor:
     state that persists from one invocation to the next and that the interpreter's
     reset_all_variables sets back to zero (the state inputs of the fused LSTM/RNN ops).
     [host-thread] [during-convert] */
  int32_t (*set_tensor_variable)(lc_ctx_t* ctx, int32_t tensor);
  /* How many nodes of the graph (or the graph's return) read node output i; 0 when the
     model never uses it. [host-thread] [during-convert] */
  int32_t (*output_num_uses)(lc_ctx_t* ctx, int32_t i, int32_t* count);

  /* ---- ABI 1.3 ---- */
  /* Item `item` of input i, a constant list of recurrent-cell parameter objects (the
     CellParamsBase[] of aten::quantized_lstm and aten::quantized_gru, one object per layer and
     direction), unpacked into *out (the caller sets out->struct_size) as LC_PACKED_LINEAR:
     `which` 0 gives the input-to-hidden weight [G*H, I] with b_ih, 1 the hidden-to-hidden
     weight [G*H, H] with b_hh. Only int8 dynamic quantization ("quantized_dynamic" cells);
     LC_ERROR, with the reason, for other cells (float16 ones, say). Count the items with
     input_list_size. [host-thread] [during-convert] */
  int32_t (*input_packed_cell)(lc_ctx_t* ctx, int32_t i, int32_t item, int32_t which, lc_packed_params_t* out);
  /* The PyTorch module path of the node being translated ("encoder.lstm"), from the module
     instances inlined into the graph (traced or scripted); "" when it has none. Owned by the
     host, valid during the callback. [host-thread] [during-convert] */
  const char* (*node_module)(lc_ctx_t* ctx);
};

/* ---- the plugin descriptor --------------------------------------------------------------- */
typedef struct lc_plugin_descriptor {
  uint32_t struct_size;
  uint32_t abi_major;      /* LC_ABI_MAJOR the plugin was built with */
  uint32_t abi_minor;      /* LC_ABI_MINOR the plugin was built with */
  const char* id;          /* unique, e.g. "litecast.aten"; static */
  const char* version;     /* the plugin's own version, e.g. "0.1.0"; static */
  const char* description; /* one line; static */
  /* [host-thread] Register everything; `host` stays valid until deinit returns. Returning
     LC_ERROR (reason via host->set_error(ctx, ...)) refuses the plugin; what it registered
     is dropped. */
  int32_t (*init)(const lc_host_api_t* host, lc_ctx_t* ctx);
  /* [host-thread] Last call before the library is closed; may be NULL. */
  void (*deinit)(void);
} lc_plugin_descriptor_t;

/* The one exported symbol. Returns a static descriptor, or NULL to refuse a host whose
 * ABI version the plugin cannot serve. */
typedef const lc_plugin_descriptor_t* (*lc_plugin_entry_v1_fn)(uint32_t host_major, uint32_t host_minor);
#define LC_PLUGIN_ENTRY_V1 "litecast_plugin_entry_v1"

#ifdef __cplusplus
}
#endif

#endif /* LITECAST_PLUGIN_H */
