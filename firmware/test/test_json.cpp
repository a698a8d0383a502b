// The strict JSON reader: what it accepts, what it refuses, and how strings decode.
#include <cstring>
#include <string>

#include "gl_json.h"
#include "harness.h"

namespace {

struct ParseCase {
  const char* text;
  bool ok;
  const char* error_prefix;  // for refusals
};

const ParseCase kParse[] = {
    {"{}", true, ""},
    {"[]", true, ""},
    {" {\"a\" : [1, -2, 3.5e-2, true, false, null, \"x\"]} ", true, ""},
    {"\"\\u00e9\\n\\\"\"", true, ""},
    {"0", true, ""},
    {"-0.5E+3", true, ""},
    {"", false, "unexpected end"},
    {"{", false, "expected a key"},
    {"{\"a\":1,}", false, "expected a key"},
    {"[1,]", false, "unexpected character"},
    {"{\"a\" 1}", false, "expected ':'"},
    {"{'a':1}", false, "expected a key"},
    {"{\"a\":1}x", false, "trailing characters"},
    {"{\"a\":1,\"a\":2}", false, "duplicate key"},
    {"01", false, "trailing characters"},
    {"1.", false, "bad number"},
    {"-", false, "bad number"},
    {"+1", false, "unexpected character"},
    {"tru", false, "unexpected word"},
    {"\"abc", false, "unterminated string"},
    {"\"a\tb\"", false, "control character"},
    {"\"\\x\"", false, "bad escape"},
    {"\"\\u12g4\"", false, "bad \\u escape"},
    {"[[[[[[[[[[1]]]]]]]]]]", false, "too deeply nested"},
    {"[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]", false, "too many values"},
};

}  // namespace

TEST(json_accepts_and_refuses) {
  for (const ParseCase& c : kParse) {
    ROW(c.text);
    gl::JsonToken tokens[16];
    gl::JsonDoc doc(tokens, 16);
    CHECK_EQ(doc.parse(c.text), c.ok);
    if (!c.ok) CHECK(std::strncmp(doc.error(), c.error_prefix, std::strlen(c.error_prefix)) == 0);
  }
}

TEST(json_walks_objects_and_reads_values) {
  gl::JsonToken tokens[32];
  gl::JsonDoc doc(tokens, 32);
  CHECK(doc.parse(R"({"n":-42,"f":1.5,"s":"a\u00e9\ud83d\ude00","o":{"x":[1,2]},"big":99999999999})"));
  int32_t v = 0;
  CHECK(doc.get_int(static_cast<size_t>(doc.find(0, "n")), v));
  CHECK_EQ(v, -42);
  CHECK(!doc.get_int(static_cast<size_t>(doc.find(0, "f")), v));    // fraction
  CHECK(!doc.get_int(static_cast<size_t>(doc.find(0, "big")), v));  // beyond int32
  char s[16];
  CHECK(doc.get_string(static_cast<size_t>(doc.find(0, "s")), s, sizeof s));
  CHECK_EQ(std::string(s), std::string("a\xc3\xa9\xf0\x9f\x98\x80"));
  CHECK(!doc.get_string(static_cast<size_t>(doc.find(0, "s")), s, 4));  // does not fit
  const int o = doc.find(0, "o");
  CHECK(o > 0);
  CHECK_EQ(doc.at(static_cast<size_t>(doc.find(static_cast<size_t>(o), "x"))).count, 2);
  CHECK_EQ(doc.find(0, "missing"), -1);
}

TEST(json_refuses_surrogate_and_nul_escapes_when_decoding) {
  const char* bad[] = {R"("\udc00")", R"("\ud800x")", R"("\ud800\u0041")", R"("\u0000")"};
  for (const char* text : bad) {
    ROW(text);
    gl::JsonToken tokens[2];
    gl::JsonDoc doc(tokens, 2);
    CHECK(doc.parse(text));
    char out[8];
    CHECK(!doc.get_string(0, out, sizeof out));
  }
}
