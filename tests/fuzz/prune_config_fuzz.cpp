// libFuzzer target: litecast::parse_prune_config on arbitrary text. A refusal is a
// litecast::Error; any other exception, crash or sanitizer report is a bug.
#include <litecast/error.hpp>
#include <litecast/prune.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const litecast::PruneConfig c =
        litecast::parse_prune_config(std::string(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
    volatile size_t keep = c.layers.size() + c.exclude_layers.size() + c.lines.size();
    (void)keep;
  } catch (const litecast::Error&) {
  }
  return 0;
}
