// The quantization report as one self-contained HTML page: a bar per calibrated activation
// (SQNR in dB, worst first), a table with ranges and cosine similarity, and the JSON itself
// embedded for scripts. No external scripts, styles or fonts: it opens offline.
#include "report_html.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace litecast::cli {

namespace {

std::string escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Red below 20 dB, amber below 30, green above: where int8 costs accuracy, where it may.
const char* colour(double db) {
  return db < 20 ? "#d9534f" : db < 30 ? "#f0ad4e" : "#5cb85c";
}

}  // namespace

std::string report_html(const nlohmann::json& report) {
  const nlohmann::json& layers = report.at("layers");
  const std::string model = report.value("model", std::string());
  double top = 40;
  for (const auto& l : layers) {
    const double db = l.at("sqnr_db").get<double>();
    if (std::isfinite(db)) top = std::max(top, db);
  }
  const int bar_h = 16, label_w = 320, chart_w = 480, gap = 4;
  const int height = static_cast<int>(layers.size()) * (bar_h + gap) + 30;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" "
      "font-size=\"12\">\n",
      label_w + chart_w + 80, height);
  for (int db = 0; db <= static_cast<int>(top); db += 10) {
    const double x = label_w + chart_w * db / top;
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"0\" x2=\"{0:.1f}\" y2=\"{1}\" stroke=\"#ddd\"/><text x=\"{0:.1f}\" y=\"{2}\" "
        "text-anchor=\"middle\" fill=\"#666\">{3} dB</text>\n",
        x, height - 20, height - 6, db);
  }
  int row = 0;
  for (const auto& l : layers) {
    const double db = l.at("sqnr_db").get<double>();
    const double shown = std::isfinite(db) ? std::clamp(db, 0.0, top) : top;
    const std::string module = l.value("module", std::string());
    const std::string name = module.empty() ? l.value("tensor", std::string()) : module;
    const int y = row++ * (bar_h + gap);
    svg += fmt::format(
        "<g><title>{0} ({1}): {2:.2f} dB, cosine {3:.6f}</title><text x=\"{4}\" y=\"{5}\" "
        "text-anchor=\"end\">{0}</text><rect x=\"{6}\" y=\"{7}\" width=\"{8:.1f}\" height=\"{9}\" fill=\"{10}\"/>"
        "<text x=\"{11:.1f}\" y=\"{5}\" fill=\"#333\">{2:.1f}</text></g>\n",
        escape(name), escape(l.value("op", std::string())), db, l.at("cosine").get<double>(), label_w - 6,
        y + bar_h - 4, label_w, y, chart_w * shown / top, bar_h, colour(db), label_w + chart_w * shown / top + 4);
  }
  svg += "</svg>\n";

  std::string table =
      "<table><tr><th>#</th><th>module</th><th>op</th><th>tensor</th><th>range</th><th>SQNR (dB)</th>"
      "<th>cosine</th></tr>\n";
  row = 0;
  for (const auto& l : layers) {
    const auto& r = l.at("range");
    table += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>[{:.6g}, {:.6g}]</td><td style=\"color:{}\">{:.2f}</td>"
        "<td>{:.6f}</td></tr>\n",
        ++row, escape(l.value("module", std::string())), escape(l.value("op", std::string())),
        escape(l.value("tensor", std::string())), r.at(0).get<double>(), r.at(1).get<double>(),
        colour(l.at("sqnr_db").get<double>()), l.at("sqnr_db").get<double>(), l.at("cosine").get<double>());
  }
  table += "</table>\n";

  // The JSON inside a script element: "</" would end it early, so it is written "<\/".
  std::string json = report.dump(1);
  for (size_t p = 0; (p = json.find("</", p)) != std::string::npos; p += 3) json.replace(p, 2, "<\\/");

  return fmt::format(
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>litecast quantization report: {0}</title>\n"
      "<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;font-size:13px}}"
      "td,th{{border:1px solid #ccc;padding:2px 6px;text-align:left}}th{{background:#f4f4f4}}</style></head>\n"
      "<body><h1>Quantization report</h1>\n<p>Model <code>{0}</code>, algorithm <code>{1}</code>, {2} calibration "
      "samples, {3} activations. Measured: {4}. Worst first: skip or rewrite the layers at the top (a "
      "<code>--config</code> entry) when accuracy suffers.</p>\n<h2>SQNR per layer</h2>\n{5}<h2>Layers</h2>\n{6}"
      "<script type=\"application/json\" id=\"report\">\n{7}\n</script>\n</body></html>\n",
      escape(model), escape(report.value("algorithm", std::string())), report.value("samples", 0), layers.size(),
      escape(report.value("measure", std::string())), svg, table, json);
}

}  // namespace litecast::cli
