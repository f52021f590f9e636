// The host's side of `lc_ctx_t`: what one plugin callback is about. Shared by the registry
// (init: registration) and the host (translation, metrics, calibration). Internal: never
// installed, never seen by plugins.
#ifndef LITECAST_INTERNAL_CALL_CONTEXT_HPP
#define LITECAST_INTERNAL_CALL_CONTEXT_HPP

#include <litecast/plugin.h>

#include <functional>
#include <string>

namespace litecast::internal {
struct Registration;     // registry: collects what a plugin's init registers
struct TranslationCall;  // host: one translator call on one node
}  // namespace litecast::internal

struct lc_ctx {
  std::string plugin;  // id of the plugin being called
  std::string error;   // set_error's copy; read after the call
  litecast::internal::Registration* registration = nullptr;
  litecast::internal::TranslationCall* translation = nullptr;
  // Converter options by TinyNeuralNetwork name; may be null.
  std::function<const char*(const char*)> option;
  std::function<void(int32_t level, const std::string&)> log;
};

namespace litecast::internal {
// The host function table every plugin receives (defined in the host library).
const lc_host_api_t* host_api();
// The table's registration entries (defined in the registry); valid during init only.
int32_t register_translator(lc_ctx_t* ctx, const lc_translator_t* translator);
int32_t register_interface(lc_ctx_t* ctx, const char* interface_id, const char* name, const void* impl);
}  // namespace litecast::internal

#endif  // LITECAST_INTERNAL_CALL_CONTEXT_HPP
