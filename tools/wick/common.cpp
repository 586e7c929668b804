#include "common.h"

#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

namespace wick::cli {

void write_file_atomic(const std::string& path, const std::string& contents) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    WICK_CHECK(out.good(), "cannot write ", tmp, " (does the folder exist and is it writable?)");
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.flush();
    if (!out.good()) {
      std::remove(tmp.c_str());
      throw Error("writing " + tmp + " failed (disk full?)");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error("cannot rename " + tmp + " to " + path);
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  WICK_CHECK(in.good(), path, ": cannot open the file");
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

std::vector<int64_t> parse_int_list(const std::string& text, const std::string& flag, const std::string& example) {
  std::vector<int64_t> out;
  if (text.empty()) return out;
  // Entry by entry, digits only: stoll took " 16", "+16" and "16abc"'s
  // prefix; the message names the entry that is wrong.
  for (size_t start = 0, n = 1;; ++n) {
    const size_t end = text.find(',', start);
    const std::string item = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    const bool digits = !item.empty() && item.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || ec != std::errc() || ptr != item.data() + item.size() || v <= 0)
      usage_error(flag, " ", text, ": entry ", n, item.empty() ? std::string(" is empty") : " is '" + item + "'",
                  digits && ec == std::errc::result_out_of_range ? ", too large" : ", not a positive integer",
                  "; give positive integers separated by commas, e.g. ", example);
    out.push_back(v);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

std::string format_double(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string cli_terms(std::string msg) {
  static const std::pair<const char*, const char*> kHints[] = {
      // data::CSV (a number column read as a regression target, or with gaps)
      {"use Task::Classification for labels", "labels need --model softmax, logistic or mlp"},
      {"drop the row, or pass task=Classification if these are labels", "drop the row or fill in the value"},
      // nn::Module::load_state_dict: a checkpoint's weights always load strictly here
      {" Check that the checkpoint matches this architecture, or pass strict=false to load the rest", ""},
      // check_device_available: resolve_device adds the flags to use instead
      {", or use Device::cuda_if_available()", ""},
  };
  for (const auto& [api, cli] : kHints)
    for (size_t at = msg.find(api); at != std::string::npos; at = msg.find(api, at + std::strlen(cli)))
      msg.replace(at, std::strlen(api), cli);
  return msg;
}

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace wick::cli
