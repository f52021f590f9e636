#ifndef LITECAST_CLI_REPORT_HTML_HPP
#define LITECAST_CLI_REPORT_HTML_HPP

#include <nlohmann/json.hpp>

#include <string>

namespace litecast::cli {

// `litecast quantize --report FILE.html`: the JSON report as a self-contained page with a chart.
std::string report_html(const nlohmann::json& report);

}  // namespace litecast::cli

#endif
