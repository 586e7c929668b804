#pragma once
// The run report: one self-contained HTML file (inline SVG and PNG data URIs,
// no network) with loss/accuracy curves, the confusion matrix as a heat map,
// misclassified test images, the configuration and the timings.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace wick::cli {

struct EpochRow {
  int epoch = 0;
  double train_loss = 0, train_metric = 0;  // metric: accuracy (classification) or R² (regression)
  double test_loss = 0, test_metric = 0;
  double lr = 0, seconds = 0, samples_per_second = 0;
};

struct Misclassified {
  std::vector<float> pixels;  // [C,H,W] in [0,1], C = 1 or 3
  int64_t channels = 1, height = 0, width = 0;
  int64_t predicted = 0, truth = 0;
};

struct ReportData {
  std::string title;
  bool classification = true;
  std::vector<std::pair<std::string, std::string>> summary;  // headline numbers, shown first
  std::vector<std::pair<std::string, std::string>> config;  // shown as a table
  std::vector<std::pair<std::string, std::string>> timings;
  std::vector<EpochRow> epochs;
  std::vector<std::string> class_names;
  std::vector<std::vector<int64_t>> confusion;  // rows: true class, columns: predicted
  std::vector<Misclassified> misclassified;
};

std::string render_report(const ReportData& data);

// A grayscale or RGB image as a PNG file in memory (zlib-compressed).
std::string encode_png(const std::vector<float>& chw, int64_t channels, int64_t height, int64_t width);

}  // namespace wick::cli
