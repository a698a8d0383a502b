// Text building and parsing helpers over fixed buffers.
#include "gl_text.h"

#include <cstring>

namespace gl {

namespace {
constexpr char kHexDigits[] = "0123456789abcdef";
}

void Text::clear() {
  len_ = 0;
  overflowed_ = false;
  if (cap_ > 0) buf_[0] = '\0';
}

Text& Text::add(char c) {
  if (len_ + 1 < cap_) {
    buf_[len_++] = c;
    buf_[len_] = '\0';
  } else {
    overflowed_ = true;
  }
  return *this;
}

Text& Text::add(std::string_view s) {
  for (char c : s) add(c);
  return *this;
}

Text& Text::add_uint(uint32_t v) {
  char digits[10];
  size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) add(digits[--n]);
  return *this;
}

Text& Text::add_int(int32_t v) {
  if (v < 0) {
    add('-');
    // Negate in unsigned arithmetic so INT32_MIN does not overflow.
    return add_uint(0u - static_cast<uint32_t>(v));
  }
  return add_uint(static_cast<uint32_t>(v));
}

Text& Text::add_hex2(uint8_t v) {
  add(kHexDigits[v >> 4]);
  return add(kHexDigits[v & 0x0f]);
}

Text& Text::add_json_string(std::string_view s) {
  add('"');
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      const size_t n = utf8_char_length(s.substr(i));
      if (n == 0) {
        add("\\ufffd");
        ++i;
      } else {
        add(s.substr(i, n));
        i += n;
      }
      continue;
    }
    if (c == '"' || c == '\\') {
      add('\\').add(c);
    } else if (c == '\n') {
      add("\\n");
    } else if (u < 0x20) {
      add("\\u00").add_hex2(u);
    } else {
      add(c);
    }
    ++i;
  }
  return add('"');
}

size_t utf8_char_length(std::string_view s) {
  if (s.empty()) return 0;
  const auto b0 = static_cast<unsigned char>(s[0]);
  if (b0 < 0x80) return 1;
  // Lead byte: the length and the range allowed for the second byte (no overlong forms, no
  // surrogates, nothing above U+10FFFF), as the Unicode standard's table 3-7.
  size_t n = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() < n) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[k]);
    if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return 0;
  }
  return n;
}

std::string_view utf8_prefix(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t end = max_bytes;
  // Back off over continuation bytes (10xxxxxx) to the start of the character that was cut.
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_hex(std::string_view s) {
  for (char c : s) {
    if (hex_value(c) < 0) return false;
  }
  return !s.empty();
}

bool parse_rgb(std::string_view s, uint8_t out[3]) {
  if (s.size() != 6 || !is_hex(s)) return false;
  for (size_t i = 0; i < 3; ++i) {
    out[i] = static_cast<uint8_t>(hex_value(s[2 * i]) * 16 + hex_value(s[2 * i + 1]));
  }
  return true;
}

bool parse_mac(std::string_view s, uint8_t out[6]) {
  if (s.size() != 17) return false;
  for (size_t i = 0; i < 6; ++i) {
    if (i > 0 && s[3 * i - 1] != ':') return false;
    const int hi = hex_value(s[3 * i]);
    const int lo = hex_value(s[3 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return true;
}

bool parse_uint(std::string_view s, uint32_t& out) {
  if (s.empty() || s.size() > 9) return false;
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  out = v;
  return true;
}

bool copy_to(char* dst, size_t cap, std::string_view s) {
  if (s.size() + 1 > cap) return false;
  std::memcpy(dst, s.data(), s.size());
  dst[s.size()] = '\0';
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool is_plain_token(std::string_view s) {
  for (char c : s) {
    if (c <= ' ' || c > '~' || c == '"' || c == '\\') return false;
  }
  return true;
}

}  // namespace gl
