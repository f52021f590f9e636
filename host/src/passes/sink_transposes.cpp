// sink_transposes: the layout pass. Translators wrap NHWC-only kernels in TRANSPOSEs and
// keep PyTorch's NCHW everywhere else; this pass moves each TRANSPOSE towards the outputs
// through operators that commute with it, and cancels it against the inverse TRANSPOSE it
// meets, so a CNN ends up NHWC from input to output with no TRANSPOSE inside.
//
// Expects: TRANSPOSE permutations are constants. Guarantees: results unchanged; a transpose
// moves only when every reader of it can take it (so the count never grows), and only
// downwards, so the pass terminates.
//
// A reader R of y = transpose(x, p) can take it when R computes the same thing on x's layout:
// elementwise ops (their other inputs constant or transposed by the same p), concatenation
// (axis remapped), reductions (axes remapped), pads (paddings remapped), and reshapes that do
// not reorder non-unit dimensions. R then reads x and its output is transposed by p instead
// (for reductions without keep_dims and for those reshapes, often by nothing at all).
#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>

#include "passes/pass.hpp"
#include "passes/perm.hpp"

#include <algorithm>
#include <optional>
#include <set>

namespace litecast::passes {

namespace {

const std::set<int32_t>& unary_ops() {
  static const std::set<int32_t> s = {
      LC_OP_RELU,  LC_OP_RELU6,   LC_OP_RELU_N1_TO_1, LC_OP_LOGISTIC, LC_OP_TANH,   LC_OP_HARD_SWISH,
      LC_OP_ABS,   LC_OP_NEG,     LC_OP_EXP,          LC_OP_LOG,      LC_OP_SQRT,   LC_OP_RSQRT,
      LC_OP_SQUARE, LC_OP_FLOOR,  LC_OP_CEIL,         LC_OP_ROUND,    LC_OP_SIGN,   LC_OP_ELU,
      LC_OP_GELU,  LC_OP_LEAKY_RELU, LC_OP_CAST,      LC_OP_QUANTIZE, LC_OP_DEQUANTIZE, LC_OP_LOGICAL_NOT,
      LC_OP_SIN,   LC_OP_COS};
  return s;
}

const std::set<int32_t>& broadcast_ops() {
  static const std::set<int32_t> s = {
      LC_OP_ADD,     LC_OP_SUB,          LC_OP_MUL,        LC_OP_DIV,       LC_OP_MAXIMUM,   LC_OP_MINIMUM,
      LC_OP_POW,     LC_OP_SQUARED_DIFFERENCE, LC_OP_FLOOR_DIV, LC_OP_FLOOR_MOD, LC_OP_LESS,  LC_OP_LESS_EQUAL,
      LC_OP_GREATER, LC_OP_GREATER_EQUAL, LC_OP_EQUAL,     LC_OP_NOT_EQUAL, LC_OP_LOGICAL_AND, LC_OP_LOGICAL_OR,
      LC_OP_SELECT_V2, LC_OP_PRELU};
  return s;
}

const std::set<int32_t>& reduce_ops() {
  static const std::set<int32_t> s = {LC_OP_MEAN,       LC_OP_SUM,        LC_OP_REDUCE_MAX, LC_OP_REDUCE_MIN,
                                      LC_OP_REDUCE_PROD, LC_OP_REDUCE_ANY, LC_OP_REDUCE_ALL};
  return s;
}

struct Transposed {
  int32_t source = -1;  // x, before the transpose
  Perm perm;
};

// If t = transpose(x, p) with a constant p, returns {x, p}.
std::optional<Transposed> as_transposed(ModelGraph& g, int32_t t) {
  int32_t pi = g.producer(t);
  if (pi < 0 || g.removed(static_cast<size_t>(pi))) return std::nullopt;
  const Operator& o = g.op(static_cast<size_t>(pi));
  if (o.builtin_code != LC_OP_TRANSPOSE || o.inputs.size() != 2) return std::nullopt;
  Perm p = g.ints(o.inputs[1]);
  if (p.empty() || !IsPermutation(p)) return std::nullopt;
  return Transposed{o.inputs[0], p};
}

int32_t perm_constant(ModelGraph& g, const Perm& p) {
  return g.add_constant("perm", LC_INT32, {static_cast<int32_t>(p.size())}, p);
}

// A constant in the transposed layout, brought to x's layout: broadcast-aligned to the full
// rank, then transposed by the inverse permutation.
int32_t untranspose_constant(ModelGraph& g, int32_t c, const Perm& p) {
  Tensor t = g.tensor(c);
  size_t elem = element_size(t.type);
  std::vector<int32_t> shape(p.size() - t.shape.size(), 1);
  shape.insert(shape.end(), t.shape.begin(), t.shape.end());
  const auto& data = g.model().buffers[t.buffer];
  Perm inv = Invert(p);
  std::vector<int32_t> out_shape = Apply(shape, inv);
  // Transposing with only unit dims moving is a relabelling; otherwise move elements.
  std::vector<uint8_t> out(data.size());
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  std::vector<int32_t> idx(shape.size(), 0);
  for (size_t n = 0; n < data.size() / elem; ++n) {
    int64_t src = 0;
    for (size_t d = 0; d < idx.size(); ++d) src += idx[d] * strides[static_cast<size_t>(inv[d])];
    std::memcpy(&out[n * elem], data.data() + static_cast<size_t>(src) * elem, elem);
    for (size_t d = idx.size(); d-- > 0;) {
      if (++idx[d] < out_shape[d]) break;
      idx[d] = 0;
    }
  }
  int32_t nc = g.add_constant(t.name, t.type, out_shape, out);
  g.tensor(nc).quant = t.quant;
  return nc;
}

// The permutation left on a reduction's output when axes `reduced` of y = transpose(x, p)
// are dropped (keep_dims false): remaining y dims, expressed over the remaining x dims.
Perm remaining_perm(const Perm& p, const std::set<int32_t>& reduced_y) {
  std::vector<int32_t> kept_x;
  for (size_t i = 0; i < p.size(); ++i)
    if (!reduced_y.count(static_cast<int32_t>(i))) kept_x.push_back(p[i]);
  std::vector<int32_t> sorted = kept_x;
  std::sort(sorted.begin(), sorted.end());
  Perm r;
  for (int32_t x : kept_x)
    r.push_back(static_cast<int32_t>(std::find(sorted.begin(), sorted.end(), x) - sorted.begin()));
  return r;
}

// True when a reshape of y = transpose(x, p) equals the same reshape of x: the non-unit
// dimensions keep their relative order.
bool reshape_commutes(const std::vector<int32_t>& x_shape, const Perm& p) {
  int32_t last = -1;
  for (int32_t src : p) {
    if (x_shape[static_cast<size_t>(src)] == 1) continue;
    if (src < last) return false;
    last = src;
  }
  return true;
}

// What rewriting one reader takes: its new inputs, and the permutation its output keeps.
// Constants are only made when the plan is applied, so a plan that fails costs nothing.
struct Plan {
  std::vector<int32_t> inputs;
  std::vector<Option> options;
  std::optional<Perm> out_perm;  // nullopt: the output is already right
  std::vector<size_t> untranspose;  // inputs that are constants in y's layout
  std::vector<std::pair<size_t, std::vector<int32_t>>> int_constants;  // inputs replaced by new int32 data
  std::vector<int32_t> int_constant_shape_2d;  // [rank, 2] for paddings; empty: 1-D
};

// `pending`: tensors that earlier readers of y will produce transposed by the same p once
// they are rewritten (x * sigmoid(x) reads y twice, once through LOGISTIC).
std::optional<Plan> plan_reader(ModelGraph& g, const Operator& r, int32_t y, const Transposed& tx,
                                const std::set<int32_t>& pending = {}) {
  const Perm& p = tx.perm;
  const int32_t rank = static_cast<int32_t>(p.size());
  Plan plan;
  plan.inputs = r.inputs;
  plan.options = r.options;
  plan.out_perm = p;
  // Data inputs: the transposed tensor itself, others transposed the same way, or constants.
  auto take_data = [&](size_t k) -> bool {
    int32_t t = r.inputs[k];
    if (t == y) return (plan.inputs[k] = tx.source), true;
    if (g.is_constant(t)) {
      const Tensor& c = g.tensor(t);
      if (!element_size(c.type) || c.shape.size() > p.size() || c.quant.scales.size() > 1) return false;
      plan.untranspose.push_back(k);
      return true;
    }
    auto other = as_transposed(g, t);
    if (other && other->perm == p) return (plan.inputs[k] = other->source), true;
    return pending.count(t) > 0;  // feasible; the real input is known after the earlier rewrite
  };
  const int32_t op = r.builtin_code;
  if (unary_ops().count(op) && r.inputs.size() >= 1 && r.inputs[0] == y) {
    plan.inputs[0] = tx.source;
    return plan;
  }
  if (broadcast_ops().count(op)) {
    for (size_t k = 0; k < r.inputs.size(); ++k)
      if (!take_data(k)) return std::nullopt;
    return plan;
  }
  if (op == LC_OP_CONCATENATION) {
    for (size_t k = 0; k < r.inputs.size(); ++k)
      if (g.tensor(r.inputs[k]).shape.size() != p.size() || !take_data(k)) return std::nullopt;
    const OptionValue* a = r.option("axis");
    int64_t axis = a ? std::get<int64_t>(*a) : 0;
    if (axis < 0) axis += rank;
    for (Option& o : plan.options)
      if (o.field == "axis") o.value = int64_t{p[static_cast<size_t>(axis)]};
    if (!a) plan.options.push_back({"axis", int64_t{p[static_cast<size_t>(axis)]}});
    return plan;
  }
  if (reduce_ops().count(op) && r.inputs[0] == y) {
    std::vector<int32_t> axes = g.ints(r.inputs.at(1));
    if (axes.empty()) return std::nullopt;
    std::set<int32_t> reduced;
    std::vector<int32_t> new_axes;
    for (int32_t a : axes) {
      int32_t ay = a < 0 ? a + rank : a;
      reduced.insert(ay);
      new_axes.push_back(p[static_cast<size_t>(ay)]);
    }
    plan.inputs[0] = tx.source;
    plan.int_constants.emplace_back(1, new_axes);
    const OptionValue* kd = r.option("keep_dims");
    bool keep = kd && std::get<int64_t>(*kd) != 0;
    if (!keep) {
      Perm rest = remaining_perm(p, reduced);
      plan.out_perm = IsIdentity(rest) ? std::nullopt : std::optional<Perm>(rest);
    }
    return plan;
  }
  if ((op == LC_OP_PAD || op == LC_OP_PADV2 || op == LC_OP_MIRROR_PAD) && r.inputs[0] == y) {
    std::vector<int32_t> pads = g.ints(r.inputs.at(1));
    if (pads.size() != 2 * p.size()) return std::nullopt;
    std::vector<int32_t> np(pads.size());
    for (size_t i = 0; i < p.size(); ++i) {
      np[2 * static_cast<size_t>(p[i])] = pads[2 * i];
      np[2 * static_cast<size_t>(p[i]) + 1] = pads[2 * i + 1];
    }
    plan.inputs[0] = tx.source;
    plan.int_constants.emplace_back(1, np);
    plan.int_constant_shape_2d = {rank, 2};
    return plan;
  }
  if (op == LC_OP_RESHAPE && r.inputs[0] == y && reshape_commutes(g.tensor(tx.source).shape, p)) {
    plan.inputs[0] = tx.source;
    plan.out_perm = std::nullopt;
    return plan;
  }
  return std::nullopt;
}

// Applies a plan to reader `ri`: it reads x's layout, and its output goes through a new
// TRANSPOSE when the plan leaves a permutation.
void rewrite_reader(ModelGraph& g, size_t ri, Plan plan, const Perm& p) {
  for (size_t k : plan.untranspose) plan.inputs[k] = untranspose_constant(g, plan.inputs[k], p);
  for (auto& [k, data] : plan.int_constants) {
    std::vector<int32_t> shape = plan.int_constant_shape_2d;
    if (shape.empty()) shape = {static_cast<int32_t>(data.size())};
    plan.inputs[k] = g.add_constant(g.tensor(plan.inputs[k]).name, LC_INT32, shape, data);
  }
  Operator& r = g.op(ri);
  r.inputs = std::move(plan.inputs);
  r.options = std::move(plan.options);
  if (!plan.out_perm) return;
  int32_t out = r.outputs.at(0);
  Tensor o = g.tensor(out);
  Perm inv = Invert(*plan.out_perm);
  int32_t inner = g.add_tensor(o.name + "/nhwc", o.type, Apply(o.shape, inv));
  g.tensor(inner).quant = o.quant;
  g.op(ri).outputs[0] = inner;
  Operator t;
  t.builtin_code = LC_OP_TRANSPOSE;
  t.inputs = {inner, perm_constant(g, *plan.out_perm)};
  t.outputs = {out};
  g.insert_op(ri + 1, std::move(t));
}

// TRANSPOSE(TRANSPOSE(x, p), q): one transpose, or none when they cancel.
bool cancel_pair(ModelGraph& g, size_t qi, const Transposed& tx) {
  Operator& q_op = g.op(qi);
  Perm q = g.ints(q_op.inputs.at(1));
  if (q.size() != tx.perm.size()) return false;
  Perm both = Compose(tx.perm, q);
  if (IsIdentity(both)) {
    int32_t out = q_op.outputs[0];
    if (g.is_model_output(out) && (g.is_model_input(tx.source) || g.is_model_output(tx.source))) return false;
    if (g.is_model_output(out)) g.tensor(tx.source).name = g.tensor(out).name;
    g.replace_uses(out, tx.source);
    g.remove_op(qi);
    return true;
  }
  q_op.inputs = {tx.source, perm_constant(g, both)};
  return true;
}

// One step: finds a transpose that can move or cancel, does it, and says so.
bool step(ModelGraph& g, PassResult& result) {
  for (size_t i = 0; i < g.model().operators.size(); ++i) {
    if (g.removed(i) || g.op(i).builtin_code != LC_OP_TRANSPOSE) continue;
    int32_t y = g.op(i).outputs[0];
    auto tx = as_transposed(g, y);
    if (!tx || g.is_model_output(y) || g.consumers(y).empty()) continue;
    std::vector<int32_t> readers = g.consumers(y);
    for (int32_t ri : readers) {
      if (g.op(static_cast<size_t>(ri)).builtin_code == LC_OP_TRANSPOSE && cancel_pair(g, static_cast<size_t>(ri), *tx)) {
        result.counters["cancelled"]++;
        g.rebuild();
        return true;
      }
    }
    // Can every reader take it, in execution order, counting what earlier readers will
    // produce transposed by the same permutation?
    std::sort(readers.begin(), readers.end());
    std::set<int32_t> pending;
    bool feasible = true;
    for (int32_t ri : readers) {
      const Operator& r = g.op(static_cast<size_t>(ri));
      auto plan = plan_reader(g, r, y, *tx, pending);
      if (!plan) {
        feasible = false;
        break;
      }
      if (plan->out_perm && *plan->out_perm == tx->perm) pending.insert(r.outputs.at(0));
    }
    if (!feasible) continue;
    // Rewrite one reader at a time, first in execution order, planning each afresh: its
    // inputs may now come from a reader rewritten just before.
    const Perm perm = tx->perm;
    const int32_t source = tx->source;
    for (int32_t ri : readers) {
      (void)ri;
      g.rebuild();
      std::vector<int32_t> left = g.consumers(y);
      if (left.empty()) break;
      size_t first = static_cast<size_t>(*std::min_element(left.begin(), left.end()));
      auto plan = plan_reader(g, g.op(first), y, Transposed{source, perm});
      if (!plan) break;  // cannot happen after the check above; the graph stays valid anyway
      rewrite_reader(g, first, std::move(*plan), perm);
    }
    result.counters["sunk"]++;
    g.rebuild();
    return true;
  }
  return false;
}

}  // namespace

PassResult sink_transposes(ModelGraph& g) {
  PassResult r;
  // Each step moves a transpose strictly downwards or removes one; the cap is a guard.
  const size_t cap = 8 * (g.model().operators.size() + 1);
  for (size_t n = 0; n < cap && step(g, r); ++n) {
  }
  if (r.changed()) g.compact();
  return r;
}

}  // namespace litecast::passes
