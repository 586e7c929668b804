#pragma once
// Helpers for tests of error messages: the statement must throw a wick::Error
// (not a crash, not some other exception), and the message must contain key
// words: the op's name and the shapes, dtypes or devices involved.
#include <gtest/gtest.h>

#include <functional>
#include <initializer_list>
#include <string>

#include "wick/error.h"

namespace wick::testing {

// The message of the wick::Error that `f` throws; a test failure (and "") when
// it throws nothing or something that is not a wick::Error.
inline std::string error_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const wick::Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw a non-wick exception: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected a wick::Error, but nothing was thrown";
  return "";
}

inline ::testing::AssertionResult message_has(const std::string& msg, std::initializer_list<const char*> words) {
  for (const char* w : words)
    if (msg.find(w) == std::string::npos)
      return ::testing::AssertionFailure() << "message lacks \"" << w << "\": " << msg;
  return ::testing::AssertionSuccess();
}

}  // namespace wick::testing

// EXPECT_WICK_ERROR(stmt, {"add", "[2, 3]"}): stmt throws a wick::Error whose
// message contains every word.
#define EXPECT_WICK_ERROR(stmt, ...) \
  EXPECT_TRUE(::wick::testing::message_has(::wick::testing::error_message([&] { (void)(stmt); }), __VA_ARGS__))
