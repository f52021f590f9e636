// Reductions: mean, sum, prod, amax/amin, max/min (with and without dim), argmax/argmin,
// var/std (and var_mean/std_mean), p-norms, logsumexp. TFLite reducers take their axes as an
// INT32 tensor and keep_dims as an option; everything else decomposes into them.
#include "math_emit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace aten {

std::vector<int64_t> reduced_shape(const std::vector<int64_t>& shape, const std::vector<int64_t>& axes, bool keep) {
  std::vector<int64_t> out;
  for (size_t d = 0; d < shape.size(); ++d) {
    bool reduced = std::find(axes.begin(), axes.end(), static_cast<int64_t>(d)) != axes.end();
    if (!reduced)
      out.push_back(shape[d]);
    else if (keep)
      out.push_back(1);
  }
  return out;
}

int32_t emit_reduce(const litecast::Node& n, int32_t code, int32_t x, const std::vector<int64_t>& axes, bool keep) {
  litecast::TensorInfo t = n.tensor_info(x);
  std::vector<int32_t> a(axes.begin(), axes.end());
  int32_t axis = n.const_i32({static_cast<int64_t>(a.size())}, a);
  int32_t y = n.add_tensor(t.dtype, reduced_shape(t.shape, axes, keep));
  n.op(code, {x, axis}, {y}).set("keep_dims", keep);
  return y;
}

int32_t emit_binary(const litecast::Node& n, int32_t code, int32_t a, int32_t b) {
  litecast::TensorInfo ta = n.tensor_info(a), tb = n.tensor_info(b);
  size_t rank = std::max(ta.shape.size(), tb.shape.size());
  std::vector<int64_t> shape(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - ta.shape.size() ? 1 : ta.shape[i - (rank - ta.shape.size())];
    int64_t db = i < rank - tb.shape.size() ? 1 : tb.shape[i - (rank - tb.shape.size())];
    if (da != db && da != 1 && db != 1) n.fail("shapes do not broadcast");
    shape[i] = da == 1 ? db : da;
  }
  int32_t y = n.add_tensor(ta.dtype, shape);
  n.op(code, {a, b}, {y});
  return y;
}

int32_t emit_unary(const litecast::Node& n, int32_t code, int32_t x) {
  litecast::TensorInfo t = n.tensor_info(x);
  int32_t y = n.add_tensor(t.dtype, t.shape);
  n.op(code, {x}, {y});
  return y;
}

int32_t scalar_f32(const litecast::Node& n, float v) {
  return n.const_f32({}, {v});
}

namespace {

// Dimensions argument `i` (None, [] or absent: every dimension), sorted and non-negative.
std::vector<int64_t> dims_arg(const litecast::Node& n, int i, int rank) {
  std::vector<int64_t> dims;
  int32_t kind = n.input_kind(i);
  if (kind != LC_VALUE_NONE && kind != LC_VALUE_INT && kind != LC_VALUE_INT_LIST) n.decline("named dimensions");
  if (!n.is_none(i)) dims = n.ints(i);
  std::vector<int64_t> out;
  if (dims.empty())
    for (int d = 0; d < rank; ++d) out.push_back(d);
  for (int64_t d : dims) out.push_back(normalize_dim(n, d, rank));
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end()) n.decline("a dimension appears twice");
  return out;
}

// Overloads without a dim argument (`aten::sum(self, dtype)`, `aten::max(self)`) reduce
// everything; the others read (self, dim, keepdim, ...).
bool reduces_all(const litecast::Node& n) {
  return n.num_inputs() < 3;
}

// The result, reshaped to node output `i` when a decomposition produced it with kept dims.
void bind(const litecast::Node& n, int i, int32_t t) {
  std::vector<int64_t> want = n.output_info(i).shape;
  if (n.tensor_info(t).shape != want) t = reshape(n, t, want);
  n.output(i, t);
}

// mean, sum, prod, amax, amin, max/min without dim: one reducer. Input cast to the output type.
template <int32_t Code>
void reducer(litecast::Node& n) {
  int32_t out_type = n.output_info(0).dtype;
  if (Code == LC_OP_MEAN && out_type != LC_FLOAT32) n.decline("mean of float32 only");
  int32_t x = operand(n, 0, out_type);
  int rank = n.info(0).rank();
  bool all = reduces_all(n);
  std::vector<int64_t> axes = all ? dims_arg(n, -1, rank) : dims_arg(n, 1, rank);
  bool keep = all ? false : n.flag(2);
  bind(n, 0, emit_reduce(n, Code, x, axes, keep));
}

// A scalar 0 of element type `dtype` (float32 or int32).
int32_t operand_zero(const litecast::Node& n, int32_t dtype) {
  if (dtype == LC_FLOAT32) return scalar_f32(n, 0.0f);
  if (dtype == LC_INT32) return n.const_i32({}, {0});
  n.decline("float32, int32 or bool input only");
}

// any/all(self, [dim, keepdim]): REDUCE_ANY/REDUCE_ALL of the truth of x (x != 0).
template <int32_t Code>
void truth_reducer(litecast::Node& n) {
  litecast::TensorInfo t = n.info(0);
  int32_t x = n.input(0);
  if (t.dtype != LC_BOOL) {
    int32_t nz = n.add_tensor(LC_BOOL, t.shape);
    n.op(LC_OP_NOT_EQUAL, {x, operand_zero(n, t.dtype)}, {nz});
    x = nz;
  }
  bool all = reduces_all(n);
  std::vector<int64_t> axes = dims_arg(n, all ? -1 : 1, t.rank());
  bind(n, 0, emit_reduce(n, Code, x, axes, all ? false : n.flag(2)));
}

// max/min: the elementwise overload (`other`), the full reduction, or values + indices by dim.
template <int32_t Reduce, int32_t Arg, int32_t Binary>
void extremum(litecast::Node& n) {
  std::string o = n.overload();
  int32_t out_type = n.output_info(0).dtype;
  if (o == "other") {
    n.unary_like_output(Binary, {operand(n, 0, out_type), operand(n, 1, out_type)});
    return;
  }
  if (o != "dim") return reducer<Reduce>(n);
  litecast::TensorInfo t = n.info(0);
  int64_t d = normalize_dim(n, n.i64(1), t.rank());
  bool keep = n.flag(2);
  int32_t x = n.input(0);
  n.output(0, emit_reduce(n, Reduce, x, {d}, keep));
  int32_t idx = n.add_tensor(LC_INT32, reduced_shape(t.shape, {d}, false));
  n.op(Arg, {x, n.const_i32({static_cast<int32_t>(d)})}, {idx}).set("output_type", "INT32");
  bind(n, 1, idx);
}

// argmax/argmin(self, dim=None, keepdim): dim None searches the flattened tensor.
template <int32_t Arg>
void arg_extremum(litecast::Node& n) {
  litecast::TensorInfo t = n.info(0);
  int32_t x = n.input(0);
  int64_t d = 0;
  if (n.is_none(1))
    x = reshape(n, x, {t.numel()});
  else
    d = normalize_dim(n, n.i64(1), t.rank());
  std::vector<int64_t> shape = reduced_shape(n.tensor_info(x).shape, {d}, false);
  int32_t idx = n.add_tensor(LC_INT32, shape);
  n.op(Arg, {x, n.const_i32({static_cast<int32_t>(d)})}, {idx}).set("output_type", "INT32");
  bind(n, 0, idx);
}

// var/std and var_mean/std_mean: sum((x - mean)^2) / (N - correction).
template <bool Std>
void variance(litecast::Node& n) {
  if (n.info(0).dtype != LC_FLOAT32) n.decline("float32 only");
  std::string o = n.overload();
  int rank = n.info(0).rank();
  std::vector<int64_t> axes = dims_arg(n, o.empty() || o == "default" ? -1 : 1, rank);
  double correction = 1;
  bool keep = false;
  if (o.empty() || o == "default") {
    correction = n.flag(1) ? 1 : 0;
  } else if (o == "dim") {
    correction = n.flag(2) ? 1 : 0;
    keep = n.flag(3);
  } else if (o == "correction") {
    correction = n.is_none(2) ? 1 : n.f64(2);
    keep = n.flag(3);
  } else {
    n.decline("overload " + o + " (named dimensions) is not supported");
  }
  int64_t count = 1;
  for (int64_t d : axes) count *= n.info(0).shape[static_cast<size_t>(d)];
  if (count - correction <= 0) n.decline("fewer elements than the correction: the result is not finite");
  int32_t x = n.input(0);
  int32_t mean = emit_reduce(n, LC_OP_MEAN, x, axes, true);
  int32_t sq = emit_binary(n, LC_OP_SQUARED_DIFFERENCE, x, mean);
  int32_t sum = emit_reduce(n, LC_OP_SUM, sq, axes, keep);
  int32_t v = emit_binary(n, LC_OP_MUL, sum, scalar_f32(n, static_cast<float>(1.0 / (count - correction))));
  bind(n, 0, Std ? emit_unary(n, LC_OP_SQRT, v) : v);
  if (n.num_outputs() > 1) bind(n, 1, mean);
}

// The p-norm of x over axes: p = 2, 1, +-inf, 0 and any other positive p.
int32_t emit_p_norm(const litecast::Node& n, int32_t x, const std::vector<int64_t>& axes, bool keep, double p) {
  if (p == 2) return emit_unary(n, LC_OP_SQRT, emit_reduce(n, LC_OP_SUM, emit_unary(n, LC_OP_SQUARE, x), axes, keep));
  if (p == 1) return emit_reduce(n, LC_OP_SUM, emit_unary(n, LC_OP_ABS, x), axes, keep);
  if (std::isinf(p))
    return emit_reduce(n, p > 0 ? LC_OP_REDUCE_MAX : LC_OP_REDUCE_MIN, emit_unary(n, LC_OP_ABS, x), axes, keep);
  if (p == 0) {
    litecast::TensorInfo t = n.tensor_info(x);
    int32_t nz = n.add_tensor(LC_BOOL, t.shape);
    n.op(LC_OP_NOT_EQUAL, {x, scalar_f32(n, 0.0f)}, {nz});
    int32_t f = n.add_tensor(LC_FLOAT32, t.shape);
    n.op(LC_OP_CAST, {nz}, {f});
    return emit_reduce(n, LC_OP_SUM, f, axes, keep);
  }
  if (p < 0) n.decline("negative p other than -inf");
  int32_t powered = emit_binary(n, LC_OP_POW, emit_unary(n, LC_OP_ABS, x), scalar_f32(n, static_cast<float>(p)));
  int32_t sum = emit_reduce(n, LC_OP_SUM, powered, axes, keep);
  return emit_binary(n, LC_OP_POW, sum, scalar_f32(n, static_cast<float>(1.0 / p)));
}

// norm(self, p, [dim, keepdim]), linalg_vector_norm(self, ord, dim, keepdim), frobenius_norm.
void norm(litecast::Node& n) {
  if (n.info(0).dtype != LC_FLOAT32) n.decline("float32 only");
  std::string kind = n.kind(), o = n.overload();
  int rank = n.info(0).rank();
  double p = 2;
  std::vector<int64_t> axes;
  bool keep = false;
  if (kind == "aten::frobenius_norm") {
    axes = dims_arg(n, o == "dim" ? 1 : -1, rank);
    keep = o == "dim" && n.flag(2);
  } else {
    if (!n.is_none(1)) p = n.f64(1);
    if (kind == "aten::norm" && (o == "Scalar" || o == "ScalarOpt_dtype")) {
      axes = dims_arg(n, -1, rank);
    } else if (kind == "aten::norm" && (o == "ScalarOpt_dim" || o == "ScalarOpt_dim_dtype")) {
      axes = dims_arg(n, 2, rank);
      keep = n.flag(3);
    } else if (kind == "aten::linalg_vector_norm") {
      axes = dims_arg(n, 2, rank);
      keep = n.flag(3);
    } else {
      n.decline("overload " + o + " is not supported");
    }
  }
  bind(n, 0, emit_p_norm(n, n.input(0), axes, keep, p));
}

// logsumexp(self, dim, keepdim) = log(sum(exp(x - max))) + max, stable for large x.
void logsumexp(litecast::Node& n) {
  if (n.info(0).dtype != LC_FLOAT32) n.decline("float32 only");
  if (n.overload() != "" && n.overload() != "default") n.decline("named dimensions are not supported");
  std::vector<int64_t> axes = dims_arg(n, 1, n.info(0).rank());
  int32_t x = n.input(0);
  int32_t m = emit_reduce(n, LC_OP_REDUCE_MAX, x, axes, true);
  int32_t e = emit_unary(n, LC_OP_EXP, emit_binary(n, LC_OP_SUB, x, m));
  int32_t s = emit_reduce(n, LC_OP_SUM, e, axes, true);
  bind(n, 0, emit_binary(n, LC_OP_ADD, emit_unary(n, LC_OP_LOG, s), m));
}

}  // namespace

const Family family([](litecast::Registrar& r) {
  const char* dims = "dims list, none or [] = all; keepdim; dtype casts first";
  r.translator("aten::mean", kPriority, "float32; dims list, none or [] = all; keepdim", reducer<LC_OP_MEAN>);
  r.translator("aten::sum", kPriority, dims, reducer<LC_OP_SUM>);
  r.translator("aten::prod", kPriority, "one dim or all; keepdim; dtype casts first", reducer<LC_OP_REDUCE_PROD>);
  r.translator("aten::amax", kPriority, dims, reducer<LC_OP_REDUCE_MAX>);
  r.translator("aten::amin", kPriority, dims, reducer<LC_OP_REDUCE_MIN>);
  r.translator("aten::max", kPriority, "all, or dim -> values + int32 indices; other = elementwise MAXIMUM",
               extremum<LC_OP_REDUCE_MAX, LC_OP_ARG_MAX, LC_OP_MAXIMUM>);
  r.translator("aten::min", kPriority, "all, or dim -> values + int32 indices; other = elementwise MINIMUM",
               extremum<LC_OP_REDUCE_MIN, LC_OP_ARG_MIN, LC_OP_MINIMUM>);
  r.translator("aten::argmax", kPriority, "int32 indices; dim or none (flattened); keepdim",
               arg_extremum<LC_OP_ARG_MAX>);
  r.translator("aten::argmin", kPriority, "int32 indices; dim or none (flattened); keepdim",
               arg_extremum<LC_OP_ARG_MIN>);
  r.translator("aten::any", kPriority, "all or one dim; keepdim; non-bool input means x != 0",
               truth_reducer<LC_OP_REDUCE_ANY>);
  r.translator("aten::all", kPriority, "all or one dim; keepdim; non-bool input means x != 0",
               truth_reducer<LC_OP_REDUCE_ALL>);
  const char* var = "float32; dims; unbiased or integer correction; keepdim; not named dims";
  r.translator("aten::var", kPriority, var, variance<false>);
  r.translator("aten::std", kPriority, var, variance<true>);
  r.translator("aten::var_mean", kPriority, var, variance<false>);
  r.translator("aten::std_mean", kPriority, var, variance<true>);
  const char* p = "float32; p = 2, 1, 0, +-inf or any p > 0; dims; keepdim";
  r.translator("aten::norm", kPriority, p, norm);
  r.translator("aten::linalg_vector_norm", kPriority, p, norm);
  r.translator("aten::frobenius_norm", kPriority, "float32; dims; keepdim", norm);
  r.translator("aten::logsumexp", kPriority, "float32; dims; keepdim; max-shifted", logsumexp);
});

}  // namespace aten
