// metric_probe PLUGIN NAME: loads one plugin library through litecast's PluginRegistry (the
// installed engine library), looks up pruning metric NAME and scores a fixed 3 x 4 weight
// matrix with it. Prints "plugin <id>" and "scores <s0> <s1> <s2>"; exit 1 on any failure.
//
// The probe plays the host for the one call: its table implements only set_error and log,
// which is all a metric may use.
#include <litecast/plugin.h>
#include <litecast/plugins.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace {

struct ProbeCtx {
  std::string error;
};

void set_error(lc_ctx_t* ctx, const char* message) {
  reinterpret_cast<ProbeCtx*>(ctx)->error = message ? message : "";
}
void log(lc_ctx_t*, int32_t, const char* message) { std::fprintf(stderr, "plugin log: %s\n", message); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: metric_probe PLUGIN NAME\n");
    return 2;
  }
  std::vector<std::string> warnings;
  litecast::PluginRegistry reg([&](const std::string& w) { warnings.push_back(w); });
  if (!reg.load_library(argv[1])) {
    std::fprintf(stderr, "refused: %s\n", warnings.empty() ? "?" : warnings.back().c_str());
    return 1;
  }
  for (const litecast::PluginInfo& p : reg.plugins()) std::printf("plugin %s\n", p.id.c_str());
  const litecast::InterfaceEntry* e = reg.find_interface(LC_PRUNING_METRIC_V1, argv[2]);
  if (!e) {
    std::fprintf(stderr, "no %s '%s'\n", LC_PRUNING_METRIC_V1, argv[2]);
    return 1;
  }
  const auto* metric = static_cast<const lc_pruning_metric_t*>(e->impl);
  if (!LC_HAS_FIELD(metric, lc_pruning_metric_t, user) || !metric->score) {
    std::fprintf(stderr, "incomplete lc_pruning_metric_t\n");
    return 1;
  }

  lc_host_api_t host{};
  host.struct_size = sizeof host;
  host.abi_major = LC_ABI_MAJOR;
  host.abi_minor = LC_ABI_MINOR;
  host.set_error = &set_error;
  host.log = &log;
  ProbeCtx ctx;

  const float weight[3 * 4] = {1.0f, -3.0f, 2.0f, 0.0f,  //
                               -2.5f, 0.5f, 1.0f, -1.0f,  //
                               0.0f, 0.0f, 0.0f, 0.0f};
  lc_metric_input_t in{};
  in.struct_size = sizeof in;
  in.layer = "probe.conv";
  in.weight = weight;
  in.out_channels = 3;
  in.per_channel = 4;
  in.seed = 1;
  float scores[3] = {-1.0f, -1.0f, -1.0f};
  int32_t status = metric->score(metric->user, reinterpret_cast<lc_ctx_t*>(&ctx), &host, &in, scores);
  if (status != LC_OK) {
    std::fprintf(stderr, "score returned %d: %s\n", status, ctx.error.c_str());
    return 1;
  }
  std::printf("scores %g %g %g\n", scores[0], scores[1], scores[2]);
  return 0;
}
