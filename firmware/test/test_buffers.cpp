// Fixed-size buffers: text that never overruns, queues that drop the oldest and report sizes.
#include <climits>
#include <string>

#include "gl_queue.h"
#include "gl_text.h"
#include "harness.h"

TEST(text_appends_within_capacity_and_flags_overflow) {
  char buf[8];
  gl::Text t(buf, sizeof buf);
  t.add("abc").add_int(-42).add('x');
  CHECK_EQ(std::string(t.c_str()), std::string("abc-42x"));
  CHECK(!t.overflowed());
  t.add('y');
  CHECK_EQ(std::string(t.c_str()), std::string("abc-42x"));  // NUL-terminated, never overrun
  CHECK(t.overflowed());
  char wide[16];
  gl::Text n(wide, sizeof wide);
  n.add_int(INT32_MIN);
  CHECK_EQ(std::string(n.c_str()), std::string("-2147483648"));
  n.clear();
  n.add_uint(UINT32_MAX).add(' ').add_hex2(0xa5);
  CHECK_EQ(std::string(n.c_str()), std::string("4294967295 a5"));
}

TEST(text_json_strings_are_escaped) {
  char buf[64];
  gl::Text t(buf, sizeof buf);
  t.add_json_string("a\"b\\c\nd\x01");
  CHECK_EQ(std::string(t.c_str()), std::string(R"("a\"b\\c\nd\u0001")"));
}

TEST(text_parsers) {
  uint32_t v = 0;
  CHECK(gl::parse_uint("0", v) && v == 0);
  CHECK(gl::parse_uint("999999999", v) && v == 999999999u);
  CHECK(!gl::parse_uint("1000000000", v));  // more than 9 digits
  CHECK(!gl::parse_uint("", v));
  CHECK(!gl::parse_uint("+1", v));
  uint8_t rgb[3];
  CHECK(gl::parse_rgb("A0b1C2", rgb) && rgb[0] == 0xa0 && rgb[1] == 0xb1 && rgb[2] == 0xc2);
  CHECK(!gl::parse_rgb("a0b1c", rgb));
  uint8_t mac[6];
  CHECK(gl::parse_mac("0A:1b:2C:3d:4E:ff", mac) && mac[0] == 0x0a && mac[1] == 0x1b &&
        mac[4] == 0x4e && mac[5] == 0xff);
  CHECK(!gl::parse_mac("0a-1b-2c-3d-4e-5f", mac));
  CHECK(!gl::parse_mac("0a:1b:2c:3d:4e:5", mac));
  CHECK(!gl::parse_mac("0a:1b:2c:3d:4e:5g", mac));
  CHECK_EQ(std::string(gl::trim(" \t x y \r")), std::string("x y"));
  CHECK(gl::is_plain_token("http://a/b?c=1"));
  CHECK(!gl::is_plain_token("a b"));
  CHECK(!gl::is_plain_token("a\"b"));
}

TEST(queue_pops_in_order_and_reports_the_size_needed) {
  gl::MessageQueue<64> q;
  CHECK(q.push("first"));
  CHECK(q.push("second!"));
  char small[4];
  CHECK_EQ(q.pop(small, sizeof small), -6);  // "first" + NUL; nothing consumed
  char buf[32];
  CHECK_EQ(q.pop(buf, sizeof buf), 5);
  CHECK_EQ(std::string(buf), std::string("first"));
  CHECK_EQ(q.pop(buf, sizeof buf), 7);
  CHECK_EQ(q.pop(buf, sizeof buf), 0);
  CHECK(!q.push(std::string(33, 'x')));  // longer than half the ring: refused whole
}

TEST(queue_drops_the_oldest_when_full) {
  gl::MessageQueue<64> q;
  for (int i = 0; i < 10; ++i) q.push("msg" + std::to_string(i) + "-padding");
  CHECK(q.dropped() > 0);
  char buf[32];
  std::string last;
  for (int n; (n = q.pop(buf, sizeof buf)) > 0;) last = buf;
  CHECK_EQ(last, std::string("msg9-padding"));  // the newest always survives
  CHECK(q.fits(20));
}

TEST(text_stream_keeps_the_newest_characters) {
  gl::TextStream<8> s;
  s.write("abcdefghij");
  char buf[16];
  CHECK_EQ(s.read(buf, 4), -9);
  CHECK_EQ(s.read(buf, sizeof buf), 8);
  CHECK_EQ(std::string(buf), std::string("cdefghij"));
  CHECK_EQ(s.read(buf, sizeof buf), 0);
}
