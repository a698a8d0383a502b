// Text building and parsing helpers over fixed buffers: no heap, never overruns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gl {

// Appends to a caller-owned buffer, always NUL-terminated; remembers when text was cut.
class Text {
 public:
  Text(char* buf, size_t cap) : buf_(buf), cap_(cap) { clear(); }
  void clear();
  Text& add(std::string_view s);
  Text& add(char c);
  Text& add_uint(uint32_t v);
  Text& add_int(int32_t v);
  Text& add_hex2(uint8_t v);
  Text& add_rgb(uint8_t r, uint8_t g, uint8_t b) { return add_hex2(r).add_hex2(g).add_hex2(b); }
  // A JSON string literal: quotes, escapes for '"', '\\' and control characters; each byte
  // that is not part of well-formed UTF-8 becomes U+FFFD, so the output is always valid UTF-8.
  Text& add_json_string(std::string_view s);
  Text& add_json_bool(bool v) { return add(v ? "true" : "false"); }
  const char* c_str() const { return buf_; }
  std::string_view view() const { return {buf_, len_}; }
  size_t size() const { return len_; }
  bool overflowed() const { return overflowed_; }

 private:
  char* buf_;
  size_t cap_;
  size_t len_ = 0;
  bool overflowed_ = false;
};

int hex_value(char c);  // 0..15, or -1
bool is_hex(std::string_view s);
// Exactly six hex digits -> 0xRRGGBB.
bool parse_rgb(std::string_view s, uint8_t out[3]);
// "aa:bb:cc:dd:ee:ff" (hex digits in either case, colons) -> six bytes.
bool parse_mac(std::string_view s, uint8_t out[6]);
// Decimal digits only (no sign, at most 9 digits).
bool parse_uint(std::string_view s, uint32_t& out);
// Copies into a fixed buffer with NUL; false (and nothing copied) when it does not fit.
bool copy_to(char* dst, size_t cap, std::string_view s);
std::string_view trim(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
// The longest prefix of `s` of at most `max_bytes` that does not end inside a UTF-8
// character: cutting text for display never splits one.
std::string_view utf8_prefix(std::string_view s, size_t max_bytes);
// The byte length of the well-formed UTF-8 character starting `s` (1 to 4), or 0 when `s`
// does not start with one (a stray continuation byte, an overlong form, a surrogate, a cut).
size_t utf8_char_length(std::string_view s);
// Printable ASCII without space, quote or backslash (safe in JSON, logs and HTTP).
bool is_plain_token(std::string_view s);

}  // namespace gl
