// Channel-importance metrics for structured pruning, the ones TinyNeuralNetwork offers: random,
// l1_norm, l2_norm, fpgm. Higher score = more important = kept.
#include <litecast/plugin.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

namespace {

const float* row(const lc_metric_input_t& in, int64_t c) { return in.weight + c * in.per_channel; }

void l1_norm(const lc_metric_input_t& in, float* scores) {
  for (int64_t c = 0; c < in.out_channels; ++c) {
    double s = 0;
    for (int64_t k = 0; k < in.per_channel; ++k) s += std::fabs(row(in, c)[k]);
    scores[c] = static_cast<float>(s);
  }
}

void l2_norm(const lc_metric_input_t& in, float* scores) {
  for (int64_t c = 0; c < in.out_channels; ++c) {
    double s = 0;
    for (int64_t k = 0; k < in.per_channel; ++k) s += static_cast<double>(row(in, c)[k]) * row(in, c)[k];
    scores[c] = static_cast<float>(std::sqrt(s));
  }
}

// Filter pruning via geometric median: a channel close to all others (small summed
// distance) is replaceable, so its score is that summed distance.
void fpgm(const lc_metric_input_t& in, float* scores) {
  for (int64_t a = 0; a < in.out_channels; ++a) {
    double total = 0;
    for (int64_t b = 0; b < in.out_channels; ++b) {
      double d = 0;
      for (int64_t k = 0; k < in.per_channel; ++k) {
        double diff = static_cast<double>(row(in, a)[k]) - row(in, b)[k];
        d += diff * diff;
      }
      total += std::sqrt(d);
    }
    scores[a] = static_cast<float>(total);
  }
}

// Seeded and independent of the weights; splitmix64 so that results match across platforms.
void random_scores(const lc_metric_input_t& in, float* scores) {
  uint64_t state = in.seed;
  for (int64_t c = 0; c < in.out_channels; ++c) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    scores[c] = static_cast<float>(static_cast<double>(z >> 11) / 9007199254740992.0);
  }
}

}  // namespace

LITECAST_PLUGIN("litecast.prune-metrics", "0.1.0", "channel importance metrics: random, l1_norm, l2_norm, fpgm",
                [](litecast::Registrar& r) {
                  r.pruning_metric("random", "seeded random scores (a baseline)", random_scores);
                  r.pruning_metric("l1_norm", "sum of absolute weights per output channel", l1_norm);
                  r.pruning_metric("l2_norm", "Euclidean norm of the weights per output channel", l2_norm);
                  r.pruning_metric("fpgm", "distance from the other channels (geometric median)", fpgm);
                })
