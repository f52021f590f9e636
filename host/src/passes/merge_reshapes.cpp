// merge_reshapes: RESHAPE(RESHAPE(x)) reads x directly when the inner result has no other
// reader; SQUEEZE and EXPAND_DIMS count as reshapes. The inner one then dies.
#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>

#include "passes/pass.hpp"

namespace litecast::passes {

namespace {
bool is_reshape_like(int32_t code) {
  return code == LC_OP_RESHAPE || code == LC_OP_SQUEEZE || code == LC_OP_EXPAND_DIMS;
}
}  // namespace

PassResult merge_reshapes(ModelGraph& g) {
  PassResult r;
  for (size_t i = 0; i < g.model().operators.size(); ++i) {
    Operator& outer = g.op(i);
    if (g.removed(i) || outer.builtin_code != LC_OP_RESHAPE) continue;
    int32_t mid = outer.inputs.at(0);
    int32_t pi = g.producer(mid);
    if (pi < 0 || g.consumers(mid).size() != 1 || g.is_model_output(mid)) continue;
    Operator& inner = g.op(static_cast<size_t>(pi));
    if (!is_reshape_like(inner.builtin_code)) continue;
    outer.inputs[0] = inner.inputs.at(0);
    g.remove_op(static_cast<size_t>(pi));
    r.counters["merged"]++;
  }
  if (r.changed()) g.compact();
  return r;
}

}  // namespace litecast::passes
