#include "common.h"

#include <unistd.h>

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

std::vector<int64_t> parse_int_list(const std::string& text, const std::string& flag) {
  std::vector<int64_t> out;
  if (text.empty()) return out;
  if (text.back() == ',')  // getline drops an empty last item: "256," would pass as "256"
    usage_error(flag, ": expected positive integers separated by commas (e.g. 256,128), got '", text, "'");
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || v <= 0)
      usage_error(flag, ": expected positive integers separated by commas (e.g. 256,128), got '", text, "'");
    out.push_back(v);
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
