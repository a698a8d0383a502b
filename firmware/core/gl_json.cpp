// A small, strict JSON reader over fixed token storage.
#include "gl_json.h"

#include "gl_text.h"

namespace gl {

bool JsonDoc::fail(const char* what) {
  Text t(error_, sizeof error_);
  t.add(what).add(" at ").add_uint(static_cast<uint32_t>(pos_));
  return false;
}

void JsonDoc::skip_ws() {
  while (pos_ < src_.size()) {
    const char c = src_[pos_];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
    ++pos_;
  }
}

int JsonDoc::push(JsonType type, size_t start) {
  if (n_ >= max_) return -1;
  tok_[n_] = JsonToken{type, static_cast<uint16_t>(start), 0, 0, 0};
  return static_cast<int>(n_++);
}

bool JsonDoc::parse(std::string_view text) {
  n_ = 0;
  pos_ = 0;
  error_[0] = '\0';
  src_ = text;
  if (text.size() > kMaxText) return fail("too large");
  skip_ws();
  if (!value(0)) return false;
  skip_ws();
  if (pos_ != src_.size()) return fail("trailing characters");
  return true;
}

bool JsonDoc::value(size_t depth) {
  if (depth > kMaxDepth) return fail("too deeply nested");
  skip_ws();
  if (pos_ >= src_.size()) return fail("unexpected end");
  const char c = src_[pos_];
  if (c == '"') return string_token();
  if (c == '-' || (c >= '0' && c <= '9')) return number_token();
  if (c == 't') return literal("true", JsonType::True);
  if (c == 'f') return literal("false", JsonType::False);
  if (c == 'n') return literal("null", JsonType::Null);
  if (c != '{' && c != '[') return fail("unexpected character");

  const bool is_object = c == '{';
  const int self = push(is_object ? JsonType::Object : JsonType::Array, pos_);
  if (self < 0) return fail("too many values");
  const char close = is_object ? '}' : ']';
  ++pos_;
  skip_ws();
  uint16_t count = 0;
  if (pos_ < src_.size() && src_[pos_] == close) {
    ++pos_;
  } else {
    for (;;) {
      skip_ws();
      if (is_object) {
        if (pos_ >= src_.size() || src_[pos_] != '"') return fail("expected a key");
        const size_t key = n_;
        if (!string_token()) return false;
        // Strict: a repeated key is refused rather than silently overriding.
        for (size_t k = static_cast<size_t>(self) + 1; k < key; k = tok_[k + 1].next) {
          if (raw(k) == raw(key)) return fail("duplicate key");
        }
        skip_ws();
        if (pos_ >= src_.size() || src_[pos_] != ':') return fail("expected ':'");
        ++pos_;
      }
      if (!value(depth + 1)) return false;
      ++count;
      skip_ws();
      if (pos_ >= src_.size()) return fail("unexpected end");
      if (src_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (src_[pos_] == close) {
        ++pos_;
        break;
      }
      return fail("expected ',' or a closing bracket");
    }
  }
  JsonToken& t = tok_[self];
  t.len = static_cast<uint16_t>(pos_ - t.start);
  t.count = count;
  t.next = static_cast<uint16_t>(n_);
  return true;
}

bool JsonDoc::string_token() {
  const int self = push(JsonType::Str, pos_ + 1);
  if (self < 0) return fail("too many values");
  ++pos_;
  while (pos_ < src_.size()) {
    const auto c = static_cast<unsigned char>(src_[pos_]);
    if (c == '"') {
      JsonToken& t = tok_[self];
      t.len = static_cast<uint16_t>(pos_ - t.start);
      t.next = static_cast<uint16_t>(n_);
      ++pos_;
      return true;
    }
    if (c < 0x20) return fail("control character in string");
    if (c == '\\') {
      ++pos_;
      if (pos_ >= src_.size()) break;
      const char e = src_[pos_];
      if (e == 'u') {
        if (pos_ + 4 >= src_.size() || !is_hex(src_.substr(pos_ + 1, 4))) {
          return fail("bad \\u escape");
        }
        pos_ += 4;
      } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
        return fail("bad escape");
      }
    }
    ++pos_;
  }
  return fail("unterminated string");
}

bool JsonDoc::number_token() {
  const size_t start = pos_;
  const int self = push(JsonType::Number, start);
  if (self < 0) return fail("too many values");
  auto digits = [this]() {
    const size_t from = pos_;
    while (pos_ < src_.size() && src_[pos_] >= '0' && src_[pos_] <= '9') ++pos_;
    return pos_ - from;
  };
  if (src_[pos_] == '-') ++pos_;
  if (pos_ < src_.size() && src_[pos_] == '0') {
    ++pos_;
  } else if (digits() == 0) {
    return fail("bad number");
  }
  if (pos_ < src_.size() && src_[pos_] == '.') {
    ++pos_;
    if (digits() == 0) return fail("bad number");
  }
  if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
    ++pos_;
    if (pos_ < src_.size() && (src_[pos_] == '+' || src_[pos_] == '-')) ++pos_;
    if (digits() == 0) return fail("bad number");
  }
  JsonToken& t = tok_[self];
  t.len = static_cast<uint16_t>(pos_ - start);
  t.next = static_cast<uint16_t>(n_);
  return true;
}

bool JsonDoc::literal(std::string_view word, JsonType type) {
  if (src_.substr(pos_, word.size()) != word) return fail("unexpected word");
  const int self = push(type, pos_);
  if (self < 0) return fail("too many values");
  pos_ += word.size();
  tok_[self].len = static_cast<uint16_t>(word.size());
  tok_[self].next = static_cast<uint16_t>(n_);
  return true;
}

bool JsonDoc::key_equals(size_t key_token, std::string_view key) const {
  char buf[40];
  size_t len = 0;
  return get_string(key_token, buf, sizeof buf, &len) && std::string_view(buf, len) == key;
}

int JsonDoc::find(size_t obj, std::string_view key) const {
  if (obj >= n_ || tok_[obj].type != JsonType::Object) return -1;
  for (size_t k = obj + 1; k < tok_[obj].next; k = tok_[k + 1].next) {
    if (key_equals(k, key)) return static_cast<int>(k + 1);
  }
  return -1;
}

namespace {
uint32_t hex4(std::string_view s) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = v * 16 + static_cast<uint32_t>(hex_value(s[i]));
  return v;
}
}  // namespace

bool JsonDoc::get_string(size_t i, char* out, size_t cap, size_t* out_len) const {
  if (i >= n_ || tok_[i].type != JsonType::Str || cap == 0) return false;
  const std::string_view s = raw(i);
  Text t(out, cap);
  for (size_t p = 0; p < s.size(); ++p) {
    char c = s[p];
    if (c != '\\') {
      t.add(c);
      continue;
    }
    c = s[++p];
    if (c != 'u') {
      const char* from = "\"\\/bfnrt";
      const char* to = "\"\\/\b\f\n\r\t";
      t.add(to[std::string_view(from).find(c)]);
      continue;
    }
    uint32_t cp = hex4(s.substr(p + 1, 4));
    p += 4;
    if (cp >= 0xdc00 && cp <= 0xdfff) return false;  // lone low surrogate
    if (cp >= 0xd800 && cp <= 0xdbff) {
      if (p + 6 >= s.size() || s[p + 1] != '\\' || s[p + 2] != 'u') return false;
      const uint32_t lo = hex4(s.substr(p + 3, 4));
      if (lo < 0xdc00 || lo > 0xdfff) return false;
      cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
      p += 6;
    }
    if (cp == 0) return false;  // an embedded NUL cannot live in a C string
    // UTF-8 encoding of the code point.
    if (cp < 0x80) {
      t.add(static_cast<char>(cp));
    } else if (cp < 0x800) {
      t.add(static_cast<char>(0xc0 | (cp >> 6))).add(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      t.add(static_cast<char>(0xe0 | (cp >> 12)))
          .add(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)))
          .add(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      t.add(static_cast<char>(0xf0 | (cp >> 18)))
          .add(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)))
          .add(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)))
          .add(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }
  if (t.overflowed()) return false;
  if (out_len != nullptr) *out_len = t.size();
  return true;
}

bool JsonDoc::get_int(size_t i, int32_t& out) const {
  if (i >= n_ || tok_[i].type != JsonType::Number) return false;
  std::string_view s = raw(i);
  const bool negative = s.front() == '-';
  if (negative) s.remove_prefix(1);
  uint32_t v = 0;
  if (!parse_uint(s, v)) return false;  // fraction, exponent or too many digits
  out = negative ? -static_cast<int32_t>(v) : static_cast<int32_t>(v);
  return true;
}

}  // namespace gl
