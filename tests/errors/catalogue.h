#pragma once
// The catalogue of bad inputs (docs/ERRORS.md): each row is one bad input,
// the exception type it must raise and key words of the message. The tests
// in this folder run every row as its own GoogleTest; with
// WICK_ERRORS_PRINT=1 in the environment they also print
// "ROW<TAB>id<TAB>message" lines, from which docs/ERRORS.md quotes the real
// messages (scripts never paste messages by hand).
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "wick/error.h"

namespace wick::errors_test {

enum class Kind { Error, FormatError, DeviceError };

struct Row {
  std::string id;                  // also the GoogleTest parameter name
  Kind kind;                       // the (most derived) type the row demands
  std::function<void()> run;       // must throw
  std::vector<std::string> words;  // must all appear in what()
};

// GoogleTest prints a failing parameter by its id, not as raw bytes.
inline void PrintTo(const Row& row, std::ostream* os) { *os << row.id; }

inline void print_row(const std::string& id, const std::string& msg) {
  if (std::getenv("WICK_ERRORS_PRINT")) std::cout << "ROW\t" << id << "\t" << msg << "\n";
}

inline void check_row(const Row& row) {
  std::string msg;
  bool thrown = false;
  try {
    row.run();
  } catch (const FormatError& e) {
    thrown = true;
    msg = e.what();
  } catch (const DeviceError& e) {
    thrown = true;
    msg = e.what();
    EXPECT_NE(row.kind, Kind::FormatError) << "a DeviceError, expected a FormatError: " << msg;
  } catch (const Error& e) {
    thrown = true;
    msg = e.what();
    EXPECT_EQ(row.kind, Kind::Error) << "a plain wick::Error, expected a more specific type: " << msg;
  } catch (const std::exception& e) {
    FAIL() << "threw a non-wick exception: " << e.what();
  }
  ASSERT_TRUE(thrown) << "expected a wick::Error, nothing was thrown";
  print_row(row.id, msg);
  for (const std::string& w : row.words) EXPECT_NE(msg.find(w), std::string::npos) << "lacks '" << w << "': " << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << "multi-line message: " << msg;
}

// A private scratch folder for the files the rows write, removed at exit.
const std::string& scratch();
std::string write_bytes(const std::string& name, const std::string& bytes);

}  // namespace wick::errors_test
