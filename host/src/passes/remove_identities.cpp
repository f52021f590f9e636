// remove_identities: TRANSPOSE by the identity permutation, RESHAPE/SQUEEZE/EXPAND_DIMS to the
// shape the tensor already has, CAST to the type it already has. Expects nothing; guarantees
// none of these remain unless its output is a model output that must keep its own tensor.
#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>

#include "passes/pass.hpp"
#include "passes/perm.hpp"

namespace litecast::passes {

namespace {

bool is_identity(ModelGraph& g, const Operator& o) {
  if (o.inputs.empty() || o.outputs.size() != 1 || o.inputs[0] < 0) return false;
  const Tensor& in = g.tensor(o.inputs[0]);
  const Tensor& out = g.tensor(o.outputs[0]);
  if (in.type != out.type || in.shape != out.shape || !(in.quant == out.quant)) return false;
  switch (o.builtin_code) {
    case LC_OP_TRANSPOSE: {
      std::vector<int32_t> perm = g.ints(o.inputs.at(1));
      return !perm.empty() && IsIdentity(perm);
    }
    case LC_OP_RESHAPE:
    case LC_OP_SQUEEZE:
    case LC_OP_EXPAND_DIMS:
    case LC_OP_CAST: return true;
    default: return false;
  }
}

}  // namespace

PassResult remove_identities(ModelGraph& g) {
  PassResult r;
  for (size_t i = 0; i < g.model().operators.size(); ++i)
    if (!g.removed(i) && is_identity(g, g.op(i)) && g.bypass(i)) r.counters["removed"]++;
  if (r.changed()) g.compact();
  return r;
}

}  // namespace litecast::passes
