// A tiny table-friendly unit-test harness: TEST(name) registers a case; CHECK/CHECK_EQ report
// file:line and both values, and the run continues so one failure does not hide others.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace t {

struct Case {
  const char* name;
  void (*fn)();
  Case* next;
};

int add(Case* c);
void fail(const char* file, int line, const std::string& what);

inline std::string show(const std::string& s) { return "\"" + s + "\""; }
inline std::string show(std::string_view s) { return show(std::string(s)); }
inline std::string show(const char* s) { return show(std::string(s)); }
inline std::string show(char* s) { return show(std::string(s)); }
inline std::string show(bool b) { return b ? "true" : "false"; }
inline std::string show(double v) { return std::to_string(v); }
inline std::string show(float v) { return std::to_string(v); }
template <typename T>
std::string show(const T& v) {
  return std::to_string(v);
}

}  // namespace t

#define TEST(name)                                          \
  static void name();                                       \
  static t::Case name##_case{#name, name, nullptr};         \
  static const int name##_registered = t::add(&name##_case); \
  static void name()

#define CHECK(cond)                                       \
  do {                                                    \
    if (!(cond)) t::fail(__FILE__, __LINE__, "CHECK(" #cond ")"); \
  } while (0)

#define CHECK_EQ(a, b)                                                               \
  do {                                                                               \
    const auto a_ = (a); /* copies: (a) may refer into a temporary */             \
    const auto b_ = (b);                                                             \
    if (!(a_ == b_)) {                                                               \
      t::fail(__FILE__, __LINE__, #a " == " #b ": " + t::show(a_) + " vs " + t::show(b_)); \
    }                                                                                \
  } while (0)

// The context of a table row, printed with a failure.
#define ROW(s) t::row(s)
namespace t {
void row(const std::string& context);
}
