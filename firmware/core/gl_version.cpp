// App image version and version order.
#include "gl_version.h"

#include <cstring>

#include "gl_text.h"

namespace gl {

namespace {
constexpr uint8_t kImageMagic = 0xE9;
constexpr uint32_t kAppDescMagic = 0xABCD5432;
constexpr size_t kAppDescAt = 32;
constexpr size_t kVersionAt = kAppDescAt + 16;

struct Parsed {
  uint32_t numbers[3] = {0, 0, 0};
  std::string_view pre;  // empty: a release
};

bool parse(std::string_view v, Parsed& out) {
  const size_t dash = v.find('-');
  std::string_view core = v.substr(0, dash);
  if (dash != std::string_view::npos) {
    out.pre = v.substr(dash + 1);
    if (out.pre.empty() || !is_plain_token(out.pre)) return false;
  }
  for (size_t i = 0; i < 3; ++i) {
    const size_t dot = core.find('.');
    if (!parse_uint(core.substr(0, dot), out.numbers[i])) return false;
    if (dot == std::string_view::npos) return true;
    core = core.substr(dot + 1);
  }
  return false;  // a fourth number
}
}  // namespace

bool app_image_version(const uint8_t* head, size_t len, char* out) {
  if (len < kAppHeadBytes || head[0] != kImageMagic) return false;
  const uint32_t magic = static_cast<uint32_t>(head[kAppDescAt]) |
                         static_cast<uint32_t>(head[kAppDescAt + 1]) << 8 |
                         static_cast<uint32_t>(head[kAppDescAt + 2]) << 16 |
                         static_cast<uint32_t>(head[kAppDescAt + 3]) << 24;
  if (magic != kAppDescMagic) return false;
  const char* text = reinterpret_cast<const char*>(head + kVersionAt);
  const void* nul = std::memchr(text, '\0', kMaxVersionChars);
  if (nul == nullptr || nul == text) return false;
  return copy_to(out, kMaxVersionChars + 1,
                 std::string_view(text, static_cast<size_t>(static_cast<const char*>(nul) - text)));
}

bool version_valid(std::string_view v) {
  Parsed p;
  return !v.empty() && parse(v, p);
}

int compare_versions(std::string_view a, std::string_view b) {
  Parsed pa;
  Parsed pb;
  parse(a, pa);
  parse(b, pb);
  for (size_t i = 0; i < 3; ++i) {
    if (pa.numbers[i] != pb.numbers[i]) return pa.numbers[i] < pb.numbers[i] ? -1 : 1;
  }
  if (pa.pre.empty() || pb.pre.empty()) {
    return static_cast<int>(pa.pre.empty()) - static_cast<int>(pb.pre.empty());
  }
  return pa.pre.compare(pb.pre) < 0 ? -1 : (pa.pre == pb.pre ? 0 : 1);
}

}  // namespace gl
