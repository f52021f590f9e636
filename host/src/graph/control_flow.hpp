// Control flow that the example input decides, resolved away: prim::If nodes keep the branch
// their condition takes and prim::Loop nodes are unrolled, so that scripted models
// (torch.jit.script) become the same flat graph a trace would give.
//
// Expects: an imported graph (frozen, inlined, simplified: `self.training` is already a
// constant) and one example input per model input. Evaluates the graph once from the top,
// node by node: nodes whose inputs are constants run for real, the others run on LibTorch's
// meta device (shapes and dtypes only), and queries of shapes (aten::dim, aten::size,
// aten::len, aten::numel, None checks, prim::isinstance, prim::dtype, ...) give real values.
// An If whose condition is such a value is replaced by the nodes of its taken branch; a Loop
// whose trip count and condition are such values is unrolled one iteration at a time, until
// its condition turns false or its trip count is reached.
//
// Guarantees: no node has blocks any more; aten::warn and prim::Print are gone (the untaken
// branches with their checks, messages and raises too); attributes that freezing left
// (prim::GetAttr of tensors and plain values) are constants; appends to a list built by
// prim::ListConstruct become new ListConstructs; the graph is simplified again (list mutation
// removed, constants propagated, dead code eliminated) and g.outputs is flattened afresh.
// Throws litecast::Error (one line naming the node and its source line) for a condition or
// trip count that depends on tensor values, and for a prim::RaiseException that the example
// input reaches. A graph without blocks, warnings or appends is left untouched.
#ifndef LITECAST_HOST_GRAPH_CONTROL_FLOW_HPP
#define LITECAST_HOST_GRAPH_CONTROL_FLOW_HPP

#include "graph/torchscript_import.hpp"
#include "graph/value_records.hpp"

#include <vector>

namespace litecast::graph {

// True when the graph had control flow or warnings (and now has neither).
bool resolve_control_flow(ImportedGraph& g, const std::vector<ExampleInput>& examples);

// Most iterations a single loop is unrolled to.
inline constexpr int64_t kMaxLoopUnroll = 10000;

}  // namespace litecast::graph

#endif
