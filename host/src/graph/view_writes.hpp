// In-place writes into views, made functional: `z[:, 1:3].copy_(y)`, `m[:2].fill_(1)`,
// `z[idx] = v` on a slice. LibTorch's RemoveTensorMutation leaves a write whose target is a view
// (aten::slice / aten::select of another value) in place, and a translator cannot express a
// write through an alias. Here the write becomes its functional op on the view (aten::copy,
// aten::fill, aten::index_put, ...), and the written view is put back into the value it was
// cut from by aten::slice_scatter / aten::select_scatter, level by level up to the base; every
// later use of the base (and of the views in the chain) reads the new value.
//
// Writes straight into a model input (`x.sigmoid_()` on the input), which RemoveTensorMutation
// also leaves, become the functional op, and later uses of the input read its result.
//
// Expects: an imported, inlined graph (RemoveTensorMutation already run). Only nodes of the top
// block are rewritten. A write is left alone (for the translators to decline) when its op has no
// functional form, when the view chain holds anything but slice/select, or when another view of
// the base, made before the write, is still used after it (it would read stale data).
// Guarantees: each rewritten in-place node is gone; the graph computes the same values.
#ifndef LITECAST_HOST_GRAPH_VIEW_WRITES_HPP
#define LITECAST_HOST_GRAPH_VIEW_WRITES_HPP

#include <torch/csrc/jit/ir/ir.h>

namespace litecast::graph {

// Returns the number of writes rewritten.
int functionalize_view_writes(torch::jit::Graph& graph);

}  // namespace litecast::graph

#endif
