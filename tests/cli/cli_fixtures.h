#pragma once
// Data and runs shared by the `wick` command tests, made once per process.
#include <string>

#include "cli_helpers.h"

namespace wick::clitest {

// A folder with mnist/ holding synthetic IDX files (2000 train, 500 test).
const std::string& data_root();
// A finished softmax run on it (2 epochs): the run folder.
const std::string& softmax_run();

}  // namespace wick::clitest
