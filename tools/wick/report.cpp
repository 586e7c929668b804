#include "report.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace wick::cli {

namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string fmt(double v, int digits = 4) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

std::string base64(const std::string& in) {
  static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int k = 3; k >= 0; --k) out += tbl[(v >> (6 * k)) & 63];
  }
  if (i < in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    if (i + 1 < in.size()) v |= uint8_t(in[i + 1]) << 8;
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
    out += i + 1 < in.size() ? tbl[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

void put_u32(std::string& s, uint32_t v) {
  for (int k = 3; k >= 0; --k) s += static_cast<char>((v >> (8 * k)) & 0xff);
}

void png_chunk(std::string& png, const char* type, const std::string& data) {
  put_u32(png, static_cast<uint32_t>(data.size()));
  std::string body = std::string(type, 4) + data;
  png += body;
  put_u32(png, static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
}

// One line chart: several named series over epochs, as inline SVG.
std::string line_chart(const std::string& title, const std::vector<std::pair<std::string, std::vector<double>>>& series) {
  const int w = 420, h = 260, left = 50, right = 110, top = 30, bottom = 35;
  double lo = INFINITY, hi = -INFINITY;
  size_t n = 0;
  for (auto& [name, v] : series)
    for (double x : v)
      if (std::isfinite(x)) {
        lo = std::min(lo, x);
        hi = std::max(hi, x);
        n = std::max(n, v.size());
      }
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  if (hi - lo < 1e-12) hi = lo + 1;
  const char* colors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"};
  std::ostringstream os;
  os << "<svg width='" << w << "' height='" << h << "' class='chart'>"
     << "<text x='" << left << "' y='18' class='ct'>" << escape(title) << "</text>"
     << "<rect x='" << left << "' y='" << top << "' width='" << w - left - right << "' height='" << h - top - bottom
     << "' fill='none' stroke='#999'/>";
  auto px = [&](size_t i) { return left + (n <= 1 ? 0.5 : double(i) / double(n - 1)) * (w - left - right); };
  auto py = [&](double v) { return top + (1 - (v - lo) / (hi - lo)) * (h - top - bottom); };
  for (int t = 0; t <= 4; ++t) {
    double v = lo + (hi - lo) * t / 4;
    os << "<text x='" << left - 4 << "' y='" << py(v) + 4 << "' text-anchor='end' class='ax'>" << fmt(v, 3) << "</text>";
  }
  for (size_t i = 0; i < n; ++i)
    os << "<text x='" << px(i) << "' y='" << h - bottom + 15 << "' text-anchor='middle' class='ax'>" << i + 1 << "</text>";
  os << "<text x='" << (left + w - right) / 2 << "' y='" << h - 4 << "' text-anchor='middle' class='ax'>epoch</text>";
  for (size_t s = 0; s < series.size(); ++s) {
    const auto& [name, v] = series[s];
    std::string pts;
    for (size_t i = 0; i < v.size(); ++i)
      if (std::isfinite(v[i])) pts += fmt(px(i), 6) + "," + fmt(py(v[i]), 6) + " ";
    const char* c = colors[s % 4];
    os << "<polyline fill='none' stroke='" << c << "' stroke-width='2' points='" << pts << "'/>";
    for (size_t i = 0; i < v.size(); ++i)
      if (std::isfinite(v[i])) os << "<circle cx='" << px(i) << "' cy='" << py(v[i]) << "' r='3' fill='" << c << "'/>";
    os << "<text x='" << w - right + 8 << "' y='" << top + 14 + 16 * s << "' fill='" << c << "' class='ax'>"
       << escape(name) << "</text>";
  }
  os << "</svg>";
  return os.str();
}

std::string heat_map(const std::vector<std::vector<int64_t>>& cm, const std::vector<std::string>& names) {
  size_t k = cm.size();
  const int cell = k > 20 ? 16 : 34, left = 110, top = 40;
  int64_t peak = 1;
  for (auto& row : cm)
    for (int64_t v : row) peak = std::max(peak, v);
  std::ostringstream os;
  int size_w = left + cell * static_cast<int>(k) + 10, size_h = top + cell * static_cast<int>(k) + 30;
  os << "<svg width='" << size_w << "' height='" << size_h << "' class='chart'>"
     << "<text x='" << left << "' y='14' class='ct'>predicted &#8594;</text>"
     << "<text x='4' y='" << top - 6 << "' class='ct'>true &#8595;</text>";
  for (size_t i = 0; i < k; ++i) {
    std::string label = i < names.size() ? names[i] : std::to_string(i);
    os << "<text x='" << left - 6 << "' y='" << top + cell * i + cell / 2 + 4 << "' text-anchor='end' class='ax'>"
       << escape(label) << "</text>";
    os << "<text x='" << left + cell * i + cell / 2 << "' y='" << top - 6 << "' text-anchor='middle' class='ax'>" << i
       << "</text>";
    for (size_t j = 0; j < k; ++j) {
      double f = std::sqrt(double(cm[i][j]) / double(peak));  // sqrt: errors stay visible next to the diagonal
      int shade = static_cast<int>(255 - f * 200);
      os << "<rect x='" << left + cell * j << "' y='" << top + cell * i << "' width='" << cell << "' height='" << cell
         << "' fill='rgb(" << shade << "," << shade << ",255)' stroke='#fff'><title>true " << escape(label)
         << ", predicted " << j << ": " << cm[i][j] << "</title></rect>";
      if (cell >= 30)
        os << "<text x='" << left + cell * j + cell / 2 << "' y='" << top + cell * i + cell / 2 + 4
           << "' text-anchor='middle' class='cv'" << (f > 0.6 ? " fill='#fff'" : "") << ">" << cm[i][j] << "</text>";
    }
  }
  os << "</svg>";
  return os.str();
}

}  // namespace

std::string encode_png(const std::vector<float>& chw, int64_t channels, int64_t height, int64_t width) {
  std::string raw;
  raw.reserve(static_cast<size_t>(height * (width * channels + 1)));
  for (int64_t y = 0; y < height; ++y) {
    raw += '\0';  // filter: none
    for (int64_t x = 0; x < width; ++x)
      for (int64_t c = 0; c < channels; ++c) {
        float v = chw[static_cast<size_t>((c * height + y) * width + x)];
        raw += static_cast<char>(static_cast<uint8_t>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255)));
      }
  }
  uLongf cap = compressBound(static_cast<uLong>(raw.size()));
  std::string z(cap, '\0');
  compress(reinterpret_cast<Bytef*>(z.data()), &cap, reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()));
  z.resize(cap);
  std::string png("\x89PNG\r\n\x1a\n", 8), ihdr;
  put_u32(ihdr, static_cast<uint32_t>(width));
  put_u32(ihdr, static_cast<uint32_t>(height));
  ihdr += static_cast<char>(8);                        // bit depth
  ihdr += static_cast<char>(channels == 3 ? 2 : 0);    // color type: RGB or gray
  ihdr += std::string(3, '\0');                        // compression, filter, interlace
  png_chunk(png, "IHDR", ihdr);
  png_chunk(png, "IDAT", z);
  png_chunk(png, "IEND", "");
  return png;
}

std::string render_report(const ReportData& d) {
  std::ostringstream os;
  os << "<!DOCTYPE html><html><head><meta charset='utf-8'><title>" << escape(d.title) << "</title><style>"
     << "body{font-family:sans-serif;margin:24px;color:#222;max-width:1100px}h1{font-size:22px}"
     << "h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}table{border-collapse:collapse;font-size:13px}"
     << "td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}th{background:#f3f3f3}td.k{text-align:left}"
     << ".chart{margin:6px 16px 6px 0}.ct{font-size:13px;font-weight:bold}.ax{font-size:11px}.cv{font-size:10px}"
     << ".grid{display:flex;flex-wrap:wrap}.cell{margin:4px;text-align:center;font-size:11px}"
     << ".cards{display:flex;gap:12px}.card{border:1px solid #ddd;border-radius:6px;padding:8px 16px;font-size:13px;color:#555}"
     << ".cv2{font-size:24px;font-weight:bold;color:#222}"
     << ".cell img{width:56px;height:56px;image-rendering:pixelated;border:1px solid #ccc}</style></head><body>";
  os << "<h1>" << escape(d.title) << "</h1>";
  if (!d.summary.empty()) {
    os << "<div class='cards'>";
    for (const auto& [k, v] : d.summary) os << "<div class='card'><div class='cv2'>" << escape(v) << "</div>" << escape(k) << "</div>";
    os << "</div>";
  }

  std::vector<double> tl, vl, tm, vm;
  for (const EpochRow& e : d.epochs) {
    tl.push_back(e.train_loss);
    vl.push_back(e.test_loss);
    tm.push_back(e.train_metric);
    vm.push_back(e.test_metric);
  }
  const char* metric = d.classification ? "accuracy" : "R²";
  os << "<h2>Training curves</h2><div class='grid'>"
     << line_chart("loss", {{"train", tl}, {"test", vl}})
     << line_chart(metric, {{"train", tm}, {"test", vm}}) << "</div>";

  os << "<h2>Epochs</h2><table><tr><th>epoch</th><th>train loss</th><th>train " << metric << "</th><th>test loss</th><th>test "
     << metric << "</th><th>lr</th><th>seconds</th><th>samples/s</th></tr>";
  for (const EpochRow& e : d.epochs)
    os << "<tr><td>" << e.epoch << "</td><td>" << fmt(e.train_loss) << "</td><td>" << fmt(e.train_metric) << "</td><td>"
       << fmt(e.test_loss) << "</td><td>" << fmt(e.test_metric) << "</td><td>" << fmt(e.lr, 3) << "</td><td>"
       << fmt(e.seconds, 3) << "</td><td>" << static_cast<long long>(std::llround(e.samples_per_second)) << "</td></tr>";
  os << "</table>";

  if (d.classification && !d.confusion.empty()) os << "<h2>Confusion matrix (test)</h2>" << heat_map(d.confusion, d.class_names);

  if (!d.misclassified.empty()) {
    os << "<h2>Misclassified test examples</h2><div class='grid'>";
    for (const Misclassified& m : d.misclassified) {
      auto label = [&](int64_t c) {
        return c >= 0 && static_cast<size_t>(c) < d.class_names.size() ? d.class_names[c] : std::to_string(c);
      };
      os << "<div class='cell'><img alt='example' src='data:image/png;base64,"
         << base64(encode_png(m.pixels, m.channels, m.height, m.width)) << "'><br>pred " << escape(label(m.predicted))
         << "<br>true " << escape(label(m.truth)) << "</div>";
    }
    os << "</div>";
  }

  auto kv_table = [&](const char* title, const std::vector<std::pair<std::string, std::string>>& rows) {
    os << "<h2>" << title << "</h2><table>";
    for (const auto& [k, v] : rows) os << "<tr><td class='k'>" << escape(k) << "</td><td class='k'>" << escape(v) << "</td></tr>";
    os << "</table>";
  };
  kv_table("Configuration", d.config);
  kv_table("Timings and machine", d.timings);
  os << "</body></html>\n";
  return os.str();
}

}  // namespace wick::cli
