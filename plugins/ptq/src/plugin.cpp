// Post-training quantization range algorithms through "litecast.ptq-algorithm/1":
//   minmax      the observed extremes
//   percentile  the p-th and (100-p)-th percentiles (host option "percentile", default 99.99)
//   l2          the range whose int8 grid gives the least squared error over a histogram of the
//               values: rounding error (step^2/12 per value inside) plus clipping error outside
//   kl          entropy calibration: the clipping threshold whose 8-bit reconstruction of the
//               histogram is closest in Kullback-Leibler divergence to the observed one
// The histogram algorithms keep one 2048-bin histogram per tensor whose range grows by powers
// of two as batches arrive (old bins merge exactly into the wider ones). A range that would
// put most of a tensor's values into one quantization step where the observed extremes do not
// (a collapse) is not used: kl falls back to l2, l2 and percentile to minmax, and say so.
#include <litecast/plugin.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// ---- minmax ---------------------------------------------------------------------------------

struct MinMax {
  std::vector<double> lo, hi;
};

int32_t minmax_create(void*, lc_ctx_t* ctx, const lc_host_api_t* host, int64_t channels, void** state) {
  return litecast::guarded(ctx, host, [&] {
    auto* s = new MinMax;
    s->lo.assign(static_cast<size_t>(channels), kInf);
    s->hi.assign(static_cast<size_t>(channels), -kInf);
    *state = s;
  });
}

int32_t minmax_observe(void* state, lc_ctx_t* ctx, const lc_host_api_t* host, const lc_ptq_batch_t* b) {
  return litecast::guarded(ctx, host, [&] {
    auto* s = static_cast<MinMax*>(state);
    const int64_t channels = static_cast<int64_t>(s->lo.size());
    if (b->channels != channels) throw std::runtime_error("batch has a different channel count than create()");
    const int64_t stride = channels == 1 ? b->count : b->channel_axis_stride;
    for (int64_t i = 0; i < b->count; ++i) {
      size_t c = channels == 1 ? 0 : static_cast<size_t>((i / stride) % channels);
      s->lo[c] = std::min<double>(s->lo[c], b->data[i]);
      s->hi[c] = std::max<double>(s->hi[c], b->data[i]);
    }
  });
}

int32_t minmax_finalize(void* state, lc_ctx_t* ctx, const lc_host_api_t* host, int32_t, int32_t, double* lo,
                        double* hi) {
  return litecast::guarded(ctx, host, [&] {
    auto* s = static_cast<MinMax*>(state);
    for (size_t c = 0; c < s->lo.size(); ++c) {
      // The range always holds 0 so that zero is exactly representable.
      lo[c] = std::min(0.0, s->lo[c] == kInf ? 0.0 : s->lo[c]);
      hi[c] = std::max(0.0, s->hi[c] == -kInf ? 0.0 : s->hi[c]);
    }
  });
}

void minmax_destroy(void* state) {
  delete static_cast<MinMax*>(state);
}

// ---- the histogram --------------------------------------------------------------------------

class Histogram {
 public:
  static constexpr size_t kBins = 2048;

  void add(const float* x, int64_t n) {
    if (n <= 0) return;
    double bmin = kInf, bmax = -kInf;
    for (int64_t i = 0; i < n; ++i) {
      bmin = std::min<double>(bmin, x[i]);
      bmax = std::max<double>(bmax, x[i]);
    }
    if (!std::isfinite(bmin) || !std::isfinite(bmax)) throw std::runtime_error("observed NaN or infinity");
    min_ = std::min(min_, bmin);
    max_ = std::max(max_, bmax);
    if (width_ == 0) {
      if (max_ <= min_) {  // constant so far: counted when a range exists
        pending_ += static_cast<double>(n);
        return;
      }
      lo_ = min_;
      width_ = (max_ - min_) / static_cast<double>(kBins);
      counts_.assign(kBins, 0.0);
      if (pending_ > 0) counts_[bin(min_)] += pending_;  // the earlier constant values
      pending_ = 0;
    }
    grow(bmin, bmax);
    // The hot loop of calibration: a multiply and a truncation per value (k >= 0 after the clamp).
    const double inv = 1.0 / width_, last = static_cast<double>(kBins - 1);
    for (int64_t i = 0; i < n; ++i) {
      const double k = (static_cast<double>(x[i]) - lo_) * inv;
      counts_[static_cast<size_t>(k < 0 ? 0.0 : k > last ? last : k)] += 1.0;
    }
  }

  bool empty() const { return width_ == 0; }
  double min() const { return min_ == kInf ? 0.0 : min_; }
  double max() const { return max_ == -kInf ? 0.0 : max_; }
  double lo() const { return lo_; }
  double width() const { return width_; }
  const std::vector<double>& counts() const { return counts_; }
  double center(size_t i) const { return lo_ + (static_cast<double>(i) + 0.5) * width_; }

 private:
  size_t bin(double x) const {
    const double k = std::floor((x - lo_) / width_);
    return static_cast<size_t>(std::clamp(k, 0.0, static_cast<double>(kBins - 1)));
  }
  // Widens the bins by 2^j, aligned so that every old bin falls inside one new bin.
  void grow(double bmin, double bmax) {
    const double top = lo_ + width_ * static_cast<double>(kBins);
    if (bmin >= lo_ && bmax < top) return;
    for (int j = 1; j < 64; ++j) {
      const double w = width_ * std::ldexp(1.0, j);
      const double a = bmin < lo_ ? std::ceil((lo_ - bmin) / w) : 0.0;
      const double nlo = lo_ - a * w;
      if (nlo + w * static_cast<double>(kBins) <= std::max(bmax, top)) continue;
      std::vector<double> merged(kBins, 0.0);
      for (size_t i = 0; i < kBins; ++i) {
        const size_t k = static_cast<size_t>(a) + (i >> j);
        if (k < kBins) merged[k] += counts_[i];
      }
      counts_ = std::move(merged);
      lo_ = nlo;
      width_ = w;
      return;
    }
    throw std::runtime_error("values too far apart for a histogram");
  }

  double lo_ = 0, width_ = 0, pending_ = 0;
  double min_ = kInf, max_ = -kInf;
  std::vector<double> counts_;
};

// The largest share of values one quantization step (of `levels`) holds under [a, b].
double top_step_share(const Histogram& h, double a, double b, int levels) {
  const double step = (b - a) / static_cast<double>(levels - 1);
  if (!(step > 0)) return 1.0;
  std::vector<double> steps(static_cast<size_t>(levels), 0.0);
  double total = 0;
  for (size_t i = 0; i < h.counts().size(); ++i) {
    const double c = h.counts()[i];
    if (c == 0) continue;
    const double q = std::clamp(std::nearbyint((h.center(i) - a) / step), 0.0, static_cast<double>(levels - 1));
    steps[static_cast<size_t>(q)] += c;
    total += c;
  }
  return total > 0 ? *std::max_element(steps.begin(), steps.end()) / total : 0.0;
}

// A collapse: the range puts most values in one step where the observed extremes do not.
bool collapses(const Histogram& h, double a, double b, int levels) {
  if (h.empty()) return false;
  const double share = top_step_share(h, a, b, levels);
  const double base = top_step_share(h, std::min(0.0, h.min()), std::max(0.0, h.max()), levels);
  return share > 0.5 && share > base + 0.25;
}

// The share of values outside [a, b].
double clipped_share(const Histogram& h, double a, double b) {
  double total = 0, out = 0;
  for (size_t i = 0; i < h.counts().size(); ++i) {
    total += h.counts()[i];
    const double x = h.center(i);
    if (x < a - 0.5 * h.width() || x > b + 0.5 * h.width()) out += h.counts()[i];
  }
  return total > 0 ? out / total : 0.0;
}

// ---- percentile -----------------------------------------------------------------------------

// The value below which a share `q` of the values lies (linear within a bin).
double quantile(const Histogram& h, double q) {
  const auto& c = h.counts();
  double total = 0;
  for (double x : c) total += x;
  const double target = q * total;
  double run = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    if (run + c[i] >= target && c[i] > 0) {
      const double f = (target - run) / c[i];
      return std::clamp(h.lo() + (static_cast<double>(i) + f) * h.width(), h.min(), h.max());
    }
    run += c[i];
  }
  return h.max();
}

std::pair<double, double> percentile_range(const Histogram& h, double p) {
  return {quantile(h, 1.0 - p / 100.0), quantile(h, p / 100.0)};
}

// ---- l2 -------------------------------------------------------------------------------------

std::pair<double, double> l2_range(const Histogram& h, int levels) {
  const auto& c = h.counts();
  const size_t n = c.size();
  std::vector<double> C(n + 1, 0.0), S1(n + 1, 0.0), S2(n + 1, 0.0);
  for (size_t i = 0; i < n; ++i) {
    const double x = h.center(i);
    C[i + 1] = C[i] + c[i];
    S1[i + 1] = S1[i] + c[i] * x;
    S2[i + 1] = S2[i] + c[i] * x * x;
  }
  // Squared distance of bins [i, j) to the point p.
  auto sq = [&](size_t i, size_t j, double p) {
    return (S2[j] - S2[i]) - 2 * p * (S1[j] - S1[i]) + p * p * (C[j] - C[i]);
  };
  double best = kInf, best_a = std::min(0.0, h.min()), best_b = std::max(0.0, h.max());
  for (size_t i = 0; i <= n; ++i) {
    const double edge_a = h.lo() + static_cast<double>(i) * h.width();
    if (edge_a > 0 && i > 0) break;
    const double a = std::min(edge_a, 0.0);
    const double below = sq(0, i, a);
    for (size_t j = n; j > i; --j) {
      const double edge_b = h.lo() + static_cast<double>(j) * h.width();
      if (edge_b < 0 && j < n) break;
      const double b = std::max(edge_b, 0.0);
      const double step = (b - a) / static_cast<double>(levels - 1);
      const double err = below + sq(j, n, b) + (C[j] - C[i]) * step * step / 12.0;
      if (err < best) {
        best = err;
        best_a = a;
        best_b = b;
      }
    }
  }
  return {best_a, best_b};
}

// The squared error of quantizing the histogram's values to `levels` steps over [a, b]: clipping
// outside, a uniform rounding error (step^2 / 12) inside; what l2_range minimizes.
double range_mse(const Histogram& h, double a, double b, int levels) {
  const double step = (b - a) / static_cast<double>(levels - 1);
  double err = 0;
  for (size_t i = 0; i < h.counts().size(); ++i) {
    const double c = h.counts()[i];
    if (c == 0) continue;
    const double x = h.center(i);
    err += x < a ? c * (x - a) * (x - a) : x > b ? c * (x - b) * (x - b) : c * step * step / 12.0;
  }
  return err;
}

// ---- kl -------------------------------------------------------------------------------------

// Entropy calibration on the magnitudes (or, for tensors without negative values, the values):
// for each threshold, the histogram up to it (the rest piled into its last bin) against its
// reconstruction from `levels` merged groups, each spread evenly over its non-empty bins.
std::pair<double, double> kl_range(const Histogram& h, int levels) {
  const bool unsigned_values = h.min() >= 0;
  const double amax = std::max(std::fabs(h.min()), std::fabs(h.max()));
  if (!(amax > 0)) return {0.0, 0.0};
  const size_t n = Histogram::kBins;
  const int groups = unsigned_values ? levels : levels / 2;
  std::vector<double> mag(n, 0.0);
  const double w = amax / static_cast<double>(n);
  for (size_t i = 0; i < h.counts().size(); ++i) {
    if (h.counts()[i] == 0) continue;
    const double k = std::floor(std::fabs(h.center(i)) / w);
    mag[static_cast<size_t>(std::clamp(k, 0.0, static_cast<double>(n - 1)))] += h.counts()[i];
  }
  // Exact zeros (a ReLU's output is often half zeros) would dominate the divergence: smeared
  // over their group they make every wide threshold look bad. Bin 0 counts as its neighbour.
  mag[0] = mag[1];
  double best = kInf;
  size_t best_i = n;
  std::vector<double> p, q;
  for (size_t i = static_cast<size_t>(groups); i <= n; ++i) {
    p.assign(mag.begin(), mag.begin() + static_cast<std::ptrdiff_t>(i));
    double outliers = 0;
    for (size_t k = i; k < n; ++k) outliers += mag[k];
    p[i - 1] += outliers;
    q.assign(i, 0.0);
    for (int g = 0; g < groups; ++g) {
      const size_t s = static_cast<size_t>(g) * i / static_cast<size_t>(groups);
      const size_t e = static_cast<size_t>(g + 1) * i / static_cast<size_t>(groups);
      double sum = 0;
      size_t nonzero = 0;
      for (size_t k = s; k < e; ++k) {
        sum += mag[k];
        nonzero += mag[k] > 0;
      }
      for (size_t k = s; k < e; ++k)
        if (mag[k] > 0) q[k] = sum / static_cast<double>(nonzero);
    }
    double psum = 0, qsum = 0;
    for (size_t k = 0; k < i; ++k) {
      psum += p[k];
      qsum += q[k];
    }
    if (psum <= 0 || qsum <= 0) continue;
    double kl = 0;
    for (size_t k = 0; k < i; ++k) {
      if (p[k] <= 0) continue;
      const double pk = p[k] / psum;
      const double qk = q[k] > 0 ? q[k] / qsum : 1e-12;
      kl += pk * std::log(pk / qk);
    }
    if (kl < best) {
      best = kl;
      best_i = i;
    }
  }
  const double t = (static_cast<double>(best_i) + 0.5) * w;
  if (unsigned_values) return {0.0, std::min(t, h.max())};
  return {std::max(-t, h.min()), std::min(t, h.max())};
}

// ---- the histogram algorithms through the ABI -------------------------------------------------

enum class Method { kPercentile, kL2, kKl };

struct HistogramState {
  Method method;
  std::vector<Histogram> per_channel;
};

template <Method M>
int32_t hist_create(void*, lc_ctx_t* ctx, const lc_host_api_t* host, int64_t channels, void** state) {
  return litecast::guarded(ctx, host, [&] {
    if (channels != 1) throw std::runtime_error("observes per tensor only (channels must be 1)");
    auto* s = new HistogramState{M, std::vector<Histogram>(1)};
    *state = s;
  });
}

int32_t hist_observe(void* state, lc_ctx_t* ctx, const lc_host_api_t* host, const lc_ptq_batch_t* b) {
  return litecast::guarded(ctx, host, [&] {
    auto* s = static_cast<HistogramState*>(state);
    if (b->channels != 1) throw std::runtime_error("observes per tensor only (channels must be 1)");
    s->per_channel[0].add(b->data, b->count);
  });
}

const char* method_name(Method m) {
  return m == Method::kPercentile ? "percentile" : m == Method::kL2 ? "l2" : "kl";
}

int32_t hist_finalize(void* state, lc_ctx_t* ctx, const lc_host_api_t* host, int32_t qmin, int32_t qmax, double* lo,
                      double* hi) {
  return litecast::guarded(ctx, host, [&] {
    auto* s = static_cast<HistogramState*>(state);
    const Histogram& h = s->per_channel[0];
    const int levels = qmax - qmin + 1;
    if (levels < 2) throw std::runtime_error("qmax must exceed qmin");
    std::pair<double, double> minmax{std::min(0.0, h.min()), std::max(0.0, h.max())};
    if (h.empty()) {
      *lo = minmax.first;
      *hi = minmax.second;
      return;
    }
    std::pair<double, double> r;
    double p = 99.99;
    if (s->method == Method::kPercentile) {
      if (const char* v = host->get_option(ctx, "percentile")) p = std::strtod(v, nullptr);
      if (!(p > 50 && p <= 100)) throw std::runtime_error("option percentile must lie in (50, 100]");
      r = percentile_range(h, p);
    } else if (s->method == Method::kL2) {
      r = l2_range(h, levels);
    } else {
      r = kl_range(h, levels);
    }
    r.first = std::min(r.first, 0.0);
    r.second = std::max(r.second, 0.0);
    // Entropy calibration ignores how far clipped values move: on tensors with a spike (an
    // image's background) it may clip much of the rest. More than 1% clipped counts as a
    // collapse too.
    const double clipped = s->method == Method::kKl ? clipped_share(h, r.first, r.second) : 0.0;
    const bool collapsed = collapses(h, r.first, r.second, levels);
    // Nor does it see the size of what it clips: on a heavy tail (under 1% of the values, far out)
    // it may cost the tensor 20 dB. A kl range with more than twice the least quantization error
    // (l2's) is replaced by l2's, which bounds the loss to 3 dB a tensor.
    double excess = 0;
    if (s->method == Method::kKl && !collapsed && clipped <= 0.01) {
      const auto l2 = l2_range(h, levels);
      const double least = range_mse(h, l2.first, l2.second, levels);
      if (least > 0) excess = range_mse(h, r.first, r.second, levels) / least;
      if (excess > 2.0 && !collapses(h, l2.first, l2.second, levels)) {
        char msg[256];
        std::snprintf(msg, sizeof msg, "kl range [%.6g, %.6g] has %.1fx the quantization error of l2's; using l2 "
                      "[%.6g, %.6g]", r.first, r.second, excess, l2.first, l2.second);
        host->log(ctx, LC_LOG_INFO, msg);
        r = l2;
      }
    }
    if (collapsed || clipped > 0.01) {
      std::pair<double, double> fallback = minmax;
      const char* to = "minmax";
      if (s->method == Method::kKl) {
        auto l2 = l2_range(h, levels);
        if (!collapses(h, l2.first, l2.second, levels)) fallback = l2, to = "l2";
      }
      char msg[256];
      if (collapsed)
        std::snprintf(msg, sizeof msg,
                      "%s range [%.6g, %.6g] puts %.0f%% of the values in one quantization step; using %s [%.6g, "
                      "%.6g]",
                      method_name(s->method), r.first, r.second, 100 * top_step_share(h, r.first, r.second, levels), to,
                      fallback.first, fallback.second);
      else
        std::snprintf(msg, sizeof msg, "%s range [%.6g, %.6g] clips %.1f%% of the values; using %s [%.6g, %.6g]",
                      method_name(s->method), r.first, r.second, 100 * clipped, to, fallback.first, fallback.second);
      host->log(ctx, LC_LOG_WARNING, msg);
      r = fallback;
    }
    *lo = r.first;
    *hi = r.second;
  });
}

void hist_destroy(void* state) {
  delete static_cast<HistogramState*>(state);
}

const lc_ptq_algorithm_t kMinMax = {sizeof(lc_ptq_algorithm_t),
                                    "observed minimum and maximum",
                                    &minmax_create,
                                    &minmax_observe,
                                    &minmax_finalize,
                                    &minmax_destroy,
                                    nullptr};
// The histogram-based algorithms differ only in how finalize picks the range.
template <Method M>
constexpr lc_ptq_algorithm_t histogram_algorithm(const char* description) {
  return {sizeof(lc_ptq_algorithm_t), description, &hist_create<M>, &hist_observe, &hist_finalize, &hist_destroy,
          nullptr};
}
const lc_ptq_algorithm_t kPercentile =
    histogram_algorithm<Method::kPercentile>("percentiles of the values (option percentile, default 99.99)");
const lc_ptq_algorithm_t kL2 = histogram_algorithm<Method::kL2>("range of least quantization MSE over a histogram");
const lc_ptq_algorithm_t kKl =
    histogram_algorithm<Method::kKl>("entropy calibration: threshold of least KL divergence");

}  // namespace

LITECAST_PLUGIN("litecast.ptq", "0.3.0", "post-training quantization range algorithms: minmax, percentile, l2, kl",
                [](litecast::Registrar& r) {
                  r.interface(LC_PTQ_ALGORITHM_V1, "minmax", &kMinMax);
                  r.interface(LC_PTQ_ALGORITHM_V1, "percentile", &kPercentile);
                  r.interface(LC_PTQ_ALGORITHM_V1, "l2", &kL2);
                  r.interface(LC_PTQ_ALGORITHM_V1, "kl", &kKl);
                })
