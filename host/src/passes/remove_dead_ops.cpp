// remove_dead_ops: operators none of whose outputs is read by another operator or is a model
// output. Runs from the last operator back, so a dead chain goes in one sweep.
#include "passes/pass.hpp"

namespace litecast::passes {

PassResult remove_dead_ops(ModelGraph& g) {
  PassResult r;
  auto& ops = g.model().operators;
  for (size_t k = ops.size(); k-- > 0;) {
    bool live = false;
    for (int32_t t : ops[k].outputs) {
      if (g.is_model_output(t)) live = true;
      for (int32_t c : g.consumers(t))
        if (!g.removed(static_cast<size_t>(c))) live = true;
    }
    if (!live) {
      g.remove_op(k);
      r.counters["removed"]++;
    }
  }
  if (r.changed()) g.compact();
  return r;
}

}  // namespace litecast::passes
