// A small, strict JSON reader (RFC 8259) over fixed token storage: no heap, bounded depth.
//
// The text is tokenised once; each token knows where its subtree ends, so objects are walked
// without recursion. Strings stay escaped in the source until a caller decodes one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gl {

enum class JsonType : uint8_t { Object, Array, Str, Number, True, False, Null };

struct JsonToken {
  JsonType type;
  uint16_t start;  // offset in the source (for strings: after the opening quote)
  uint16_t len;    // raw length (for strings: without quotes, still escaped)
  uint16_t next;   // index of the first token after this token's subtree
  uint16_t count;  // object: members; array: elements
};

class JsonDoc {
 public:
  static constexpr size_t kMaxDepth = 8;
  static constexpr size_t kMaxText = 0xffff;

  JsonDoc(JsonToken* tokens, size_t max_tokens) : tok_(tokens), max_(max_tokens) {}

  // Parses `text`; returns false with a reason in error() ("syntax error at 12", ...).
  bool parse(std::string_view text);
  const char* error() const { return error_; }

  const JsonToken& at(size_t i) const { return tok_[i]; }
  size_t size() const { return n_; }
  std::string_view raw(size_t i) const { return src_.substr(tok_[i].start, tok_[i].len); }

  // Member walking: the first member's key token of object `obj` is obj + 1; the value is
  // key + 1; the following key is at(value).next.
  // Returns the value token of `key` in object `obj`, or -1.
  int find(size_t obj, std::string_view key) const;
  // Decodes a string token into `out` (UTF-8, NUL-terminated); false if it does not fit.
  bool get_string(size_t i, char* out, size_t cap, size_t* out_len = nullptr) const;
  // An integer number token (no fraction or exponent) within int32 range.
  bool get_int(size_t i, int32_t& out) const;
  bool key_equals(size_t key_token, std::string_view key) const;

 private:
  bool value(size_t depth);
  bool string_token();
  bool number_token();
  bool literal(std::string_view word, JsonType type);
  int push(JsonType type, size_t start);
  bool fail(const char* what);
  void skip_ws();

  JsonToken* tok_;
  size_t max_;
  size_t n_ = 0;
  std::string_view src_;
  size_t pos_ = 0;
  char error_[48] = {};
};

}  // namespace gl
