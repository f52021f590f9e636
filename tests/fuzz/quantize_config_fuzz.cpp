// libFuzzer target: litecast::parse_quantize_config on arbitrary text. A refusal is a
// litecast::Error; any other exception, crash or sanitizer report is a bug.
#include <litecast/error.hpp>
#include <litecast/quantize.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const litecast::QuantizeConfig c =
        litecast::parse_quantize_config(std::string(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
    volatile size_t keep = c.layers.size() + c.op_actions.size() + c.algorithm.size();
    (void)keep;
  } catch (const litecast::Error&) {
  }
  return 0;
}
