// Shared by fuse_bias_add and fuse_mul_into_weights: an ADD or MUL of a per-channel constant
// right after CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED, and folding such an op into its
// producer.
#ifndef LITECAST_HOST_PASSES_CHANNEL_FOLD_HPP
#define LITECAST_HOST_PASSES_CHANNEL_FOLD_HPP

#include "passes/model_graph.hpp"

#include <optional>
#include <vector>

namespace litecast::passes {

struct ChannelFold {
  size_t producer;                   // the CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED
  std::vector<float> per_channel;    // the constant, one value per output channel
};

// Operator `i` (binary, e.g. ADD or MUL) as a channel fold: one input is the float32 output of
// a weighted producer with no fused activation, read only there and no model output; the
// other a constant shaped [C], [1,..,1,C] or a scalar.
std::optional<ChannelFold> match_channel_fold(ModelGraph& g, size_t i);

// Removes operator `i`: the producer writes its output and takes its fused activation.
void absorb_into_producer(ModelGraph& g, size_t i, size_t producer);

}  // namespace litecast::passes

#endif
