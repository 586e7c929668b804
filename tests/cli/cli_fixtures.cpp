#include "cli_fixtures.h"

#include <gtest/gtest.h>

namespace wick::clitest {

const std::string& data_root() {
  static const std::string root = [] {
    std::string r = temp_dir("data");
    write_synthetic_mnist(r + "/mnist", 2000, 500, 7);
    return r;
  }();
  return root;
}

const std::string& softmax_run() {
  static const std::string dir = [] {
    std::string d = temp_dir("runs") + "/softmax";
    Result r = run_wick({"train", "--data", "mnist", "--data-dir", data_root(), "--model", "softmax", "--epochs", "2",
                         "--batch-size", "32", "--lr", "0.05", "--momentum", "0.9", "--threads", "1", "--out", d});
    EXPECT_EQ(r.rc, 0) << r.out << r.err;
    return d;
  }();
  return dir;
}

}  // namespace wick::clitest
