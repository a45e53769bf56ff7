// Status (status.h): the stable names and messages of every status, and fail(),
// the printf subset that writes a failure's reason into a fixed-size Message.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstring>
#include <set>
#include <string>

#include "rill/status.h"

using namespace rill;

TEST_CASE("every Status has its own stable name and a message") {
  const char* const names[] = {"ok",          "invalid_argument", "out_of_memory", "io_error",     "truncated",
                               "bad_header",  "bad_json",         "unsupported_dtype", "bad_tensor", "bad_shape",
                               "bad_offsets", "non_finite",       "bad_metadata",  "unsupported"};
  std::set<std::string> messages;
  for (int i = 0; i < static_cast<int>(sizeof names / sizeof names[0]); ++i) {
    const Status s = static_cast<Status>(i);
    CHECK(std::string(status_name(s)) == names[i]);
    const std::string m = status_message(s);
    CHECK(!m.empty());
    messages.insert(m);
  }
  CHECK(messages.size() == sizeof names / sizeof names[0]);  // no two alike
  CHECK(std::string(status_name(Status::bad_shape)) == "bad_shape");
  CHECK(std::string(status_message(Status::ok)) == "ok");
  CHECK(std::string(status_message(Status::bad_shape)) == "tensor shapes do not fit the model");
  for (int bad : {-1, 14, 999}) {
    CHECK(std::string(status_name(static_cast<Status>(bad))) == "unknown");
    CHECK(std::string(status_message(static_cast<Status>(bad))) == "unknown status");
  }
}

TEST_CASE("fail() formats its printf subset into a Message and returns the status") {
  Message m;
  CHECK(m.text[0] == '\0');  // a fresh Message is empty
  CHECK(fail(&m, Status::bad_shape, "layer %d: %s has %zu of %u (%ld, %lld) %% %c", -3, "weight", std::size_t(7), 9u,
             -5L, 1234567890123LL, 'x') == Status::bad_shape);
  CHECK(std::string(m.text) == "layer -3: weight has 7 of 9 (-5, 1234567890123) % x");
  fail(&m, Status::io_error, "%i %lu %llu %zd", -2147483647 - 1, 4294967295UL, 18446744073709551615ULL,
       static_cast<std::ptrdiff_t>(-9));
  CHECK(std::string(m.text) == "-2147483648 4294967295 18446744073709551615 -9");
  // A null %s is empty; each call replaces the previous text.
  const char* volatile none = nullptr;
  fail(&m, Status::io_error, "[%s]", none);
  CHECK(std::string(m.text) == "[]");
  CHECK(fail(nullptr, Status::io_error, "ignored") == Status::io_error);
}

TEST_CASE("fail(): no floats and no other conversions; a lone % at the end is dropped") {
  Message m;
  // Unknown conversions are copied as written and take no argument: the %d after them gets 5.
  // (Formats through a variable: the compiler's printf checks would refuse these literals.)
  const char* unknown = "%x %f %d";
  fail(&m, Status::invalid_argument, unknown, 5);
  CHECK(std::string(m.text) == "%x %f 5");
  const char* trailing = "100%";
  fail(&m, Status::invalid_argument, trailing, 0);
  CHECK(std::string(m.text) == "100");
}

TEST_CASE("fail() truncates to Message::kCap - 1 characters, always zero-terminated") {
  Message m;
  std::string longer(500, 'a');
  fail(&m, Status::io_error, "%s", longer.c_str());
  CHECK(std::string(m.text).size() == Message::kCap - 1);
  CHECK(m.text[Message::kCap - 1] == '\0');
  // Exactly full, and one over, through numbers as well as strings.
  const std::string fill(Message::kCap - 3, 'b');
  fail(&m, Status::io_error, "%s%d", fill.c_str(), 12);
  CHECK(std::string(m.text) == fill + "12");
  fail(&m, Status::io_error, "%s%d", fill.c_str(), 123);
  CHECK(std::string(m.text) == fill + "12");
  fail(&m, Status::io_error, "short");
  CHECK(std::string(m.text) == "short");
}
