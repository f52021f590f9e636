// What every graph pass looks like: a function over the model that says what it did.
// The pipeline (pipeline.cpp) runs them in order, to a fixed point, at most 5 rounds.
#ifndef LITECAST_HOST_PASSES_PASS_HPP
#define LITECAST_HOST_PASSES_PASS_HPP

#include "passes/model_graph.hpp"

#include <map>
#include <string>

namespace litecast::passes {

struct PassResult {
  std::map<std::string, int> counters;  // e.g. {"cancelled": 12}
  bool changed() const {
    for (const auto& [k, v] : counters)
      if (v) return true;
    return false;
  }
};

using PassFn = PassResult (*)(ModelGraph&);

// The passes, each in its own file; the names are the stable ones of --disable-pass.
PassResult remove_identities(ModelGraph& g);
PassResult fold_constants(ModelGraph& g);
PassResult sink_transposes(ModelGraph& g);
PassResult fuse_activation(ModelGraph& g);
PassResult fuse_mul_into_weights(ModelGraph& g);
PassResult fuse_bias_add(ModelGraph& g);
PassResult merge_reshapes(ModelGraph& g);
PassResult remove_dead_ops(ModelGraph& g);

}  // namespace litecast::passes

#endif
