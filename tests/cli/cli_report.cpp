// The report is one self-contained HTML file; headless Chromium renders it to
// a PNG that must show something (checked by decoding the PNG with zlib).
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>

#include "cli_fixtures.h"

namespace wick::clitest {
namespace {

namespace fs = std::filesystem;

uint32_t be32(const std::string& s, size_t at) {
  return static_cast<uint32_t>(static_cast<uint8_t>(s[at])) << 24 | static_cast<uint32_t>(static_cast<uint8_t>(s[at + 1])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(s[at + 2])) << 8 | static_cast<uint8_t>(s[at + 3]);
}

struct Image {
  int64_t width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;  // row-major, interleaved channels
};

// A minimal PNG reader: 8-bit gray/RGB/RGBA, no interlace; undoes the five
// scanline filters of the PNG specification.
Image decode_png(const std::string& png) {
  Image img;
  if (png.size() < 8 || png.compare(0, 8, std::string("\x89PNG\r\n\x1a\n", 8)) != 0) return img;
  std::string idat;
  int color = -1, depth = 0;
  for (size_t at = 8; at + 12 <= png.size();) {
    uint32_t len = be32(png, at);
    std::string type = png.substr(at + 4, 4);
    if (type == "IHDR") {
      img.width = be32(png, at + 8);
      img.height = be32(png, at + 12);
      depth = static_cast<uint8_t>(png[at + 16]);
      color = static_cast<uint8_t>(png[at + 17]);
      if (png[at + 20] != 0) return {};  // interlaced
    } else if (type == "IDAT") {
      idat += png.substr(at + 8, len);
    }
    at += 12 + len;
  }
  img.channels = color == 0 ? 1 : color == 2 ? 3 : color == 6 ? 4 : color == 4 ? 2 : 0;
  if (depth != 8 || img.channels == 0) return {};
  const size_t stride = static_cast<size_t>(img.width * img.channels);
  std::vector<uint8_t> raw((stride + 1) * static_cast<size_t>(img.height));
  uLongf n = raw.size();
  if (uncompress(raw.data(), &n, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) != Z_OK || n != raw.size())
    return {};
  img.pixels.assign(stride * static_cast<size_t>(img.height), 0);
  const int bpp = static_cast<int>(img.channels);
  for (int64_t y = 0; y < img.height; ++y) {
    uint8_t filter = raw[y * (stride + 1)];
    const uint8_t* in = &raw[y * (stride + 1) + 1];
    uint8_t* out = &img.pixels[y * stride];
    const uint8_t* up = y > 0 ? &img.pixels[(y - 1) * stride] : nullptr;
    for (size_t x = 0; x < stride; ++x) {
      int a = x >= static_cast<size_t>(bpp) ? out[x - bpp] : 0, b = up ? up[x] : 0,
          c = up && x >= static_cast<size_t>(bpp) ? up[x - bpp] : 0;
      int pred = 0;
      switch (filter) {
        case 0: pred = 0; break;
        case 1: pred = a; break;
        case 2: pred = b; break;
        case 3: pred = (a + b) / 2; break;
        case 4: {
          int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: return {};
      }
      out[x] = static_cast<uint8_t>(in[x] + pred);
    }
  }
  return img;
}

TEST(CliReport, IsSelfContained) {
  std::string html = read_text(softmax_run() + "/report.html");
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("Confusion matrix"), std::string::npos);
  EXPECT_NE(html.find("data:image/png;base64,"), std::string::npos);  // misclassified images
  EXPECT_NE(html.find("Timings"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);   // nothing fetched from the network
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

TEST(CliReport, RendersInHeadlessChromium) {
  const char* chromium = "/usr/bin/chromium";
  if (!fs::exists(chromium)) GTEST_SKIP() << "chromium not installed (/usr/bin/chromium): scripts/setup.sh installs it";
  std::string dir = temp_dir("chromium");
  std::string png = dir + "/report.png";
  std::string cmd = std::string(chromium) +
                    " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
                    " --disable-background-networking --disable-component-update --disable-sync --user-data-dir=" +
                    dir + "/profile --screenshot=" + png + " --window-size=1200,1600 file://" +
                    fs::absolute(softmax_run() + "/report.html").string() + " > " + dir + "/chromium.log 2>&1";
  int rc = std::system(cmd.c_str());
  ASSERT_EQ(rc, 0) << read_text(dir + "/chromium.log");
  ASSERT_TRUE(fs::exists(png)) << read_text(dir + "/chromium.log");
  Image img = decode_png(read_text(png));
  ASSERT_EQ(img.width, 1200);
  ASSERT_EQ(img.height, 1600);
  int64_t ink = 0, colored = 0;
  for (size_t i = 0; i + 2 < img.pixels.size(); i += static_cast<size_t>(img.channels)) {
    uint8_t r = img.pixels[i], g = img.pixels[i + 1], b = img.pixels[i + 2];
    if (r < 200 || g < 200 || b < 200) ++ink;
    if (std::abs(r - b) > 60) ++colored;  // the chart lines and the blue heat map
  }
  const int64_t total = img.width * img.height;
  EXPECT_GT(ink, total / 100) << "the screenshot is (almost) blank";
  EXPECT_LT(ink, total * 9 / 10) << "the screenshot is (almost) all dark";
  EXPECT_GT(colored, 500) << "no colored chart pixels";
  if (const char* keep = std::getenv("WICK_REPORT_PNG")) fs::copy_file(png, keep, fs::copy_options::overwrite_existing);
}

}  // namespace
}  // namespace wick::clitest
