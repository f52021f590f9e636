// Traced models freeze the mode they were traced in: `aten::batch_norm(..., training, ...)` and
// `aten::dropout(x, p, train)` carry a constant flag. This pass makes those flags read the
// owning module's `training` attribute instead, so the pruned model trains like an nn.Module
// (`.train()` updates BatchNorm's running statistics and enables dropout, `.eval()` is
// deterministic). Scripted models already read `self.training`: their flags are not constants
// and are left alone.
#ifndef LITECAST_HOST_PRUNE_TRAINING_FLAGS_HPP
#define LITECAST_HOST_PRUNE_TRAINING_FLAGS_HPP

#include "prune/flat_graph.hpp"

namespace litecast::pruning {

struct TrainingFlags {
  int batch_norm = 0;  // batch_norm calls whose flag now follows the module's mode
  int dropout = 0;     // dropout calls (all variants)
};

// Expects the flat graph of the module about to be saved (its nodes point into the module's
// method graphs). Rewrites each constant flag of a batch_norm with running statistics, or of a
// dropout, that lies in a method graph of a module with a `training` attribute (a call in a
// plain function, whose graph has no `self`, keeps its flag). Each node is rewritten once, even
// when a method graph is shared by several module instances.
TrainingFlags follow_training_flags(const FlatGraph& g);

}  // namespace litecast::pruning

#endif
