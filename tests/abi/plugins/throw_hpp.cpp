// A C++ plugin written with plugin.hpp whose aten::neg translator throws std::runtime_error.
//
// Checks the helper layer's promise: LITECAST_PLUGIN / Registrar wrap every callback, so the
// exception never crosses the ABI; it becomes LC_ERROR with the exception's text. The host
// must report it as one line naming this plugin and the message, exit 1, and write no file.
// The translator adds a tensor before throwing, so the rollback path runs too.
#include <litecast/plugin.hpp>

#include <stdexcept>

namespace {

void translate_neg(litecast::Node& n) {
  n.add_like_output(0);  // something to roll back
  throw std::runtime_error("boom from plugin.hpp translator");
}

}  // namespace

LITECAST_PLUGIN("test.throw-hpp", "1.0.0", "aten::neg translator that throws (through plugin.hpp)",
                [](litecast::Registrar& r) { r.translator("aten::neg", 250, "always throws", translate_neg); })
