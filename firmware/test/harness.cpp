// The test runner: runs every registered case, prints failures, exits non-zero on any.
#include "harness.h"

#include <cstdio>
#include <cstring>

namespace t {
namespace {
Case* g_first = nullptr;
Case* g_last = nullptr;
int g_failures = 0;
std::string g_row;
const char* g_current = "";
}  // namespace

int add(Case* c) {
  // Keep file order within a translation unit: append.
  if (g_last == nullptr) {
    g_first = c;
  } else {
    g_last->next = c;
  }
  g_last = c;
  return 0;
}

void row(const std::string& context) { g_row = context; }

void fail(const char* file, int line, const std::string& what) {
  ++g_failures;
  std::fprintf(stderr, "%s:%d: [%s]%s%s %s\n", file, line, g_current, g_row.empty() ? "" : " row ",
               g_row.c_str(), what.c_str());
}

}  // namespace t

int main(int argc, char** argv) {
  int cases = 0;
  for (t::Case* c = t::g_first; c != nullptr; c = c->next) {
    if (argc > 1 && std::strstr(c->name, argv[1]) == nullptr) continue;
    t::g_current = c->name;
    t::g_row.clear();
    c->fn();
    ++cases;
  }
  std::printf("%d test cases, %d failed checks\n", cases, t::g_failures);
  return t::g_failures == 0 ? 0 : 1;
}
