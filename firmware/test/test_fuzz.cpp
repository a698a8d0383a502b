// Deterministic fuzzing of every text input: random mutations of valid inputs must never
// crash, overrun (ASan) or hit undefined behaviour (UBSan), and every hub line still gets
// exactly one answer.
#include <iterator>
#include <string>

#include "gl_config.h"
#include "harness.h"
#include "rig.h"

namespace {

struct Rand {
  uint32_t s = 12345;
  uint32_t next() {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    return s;
  }
  size_t below(size_t n) { return n == 0 ? 0 : next() % n; }
};

std::string mutate(Rand& r, std::string s) {
  const char alphabet[] = "{}[]:,\\\"u0123456789abcdefABCDEF-+.eE tnrfl\x01\xff\xc3";
  const size_t edits = 1 + r.below(4);
  for (size_t i = 0; i < edits; ++i) {
    const size_t at = r.below(s.size() + 1);
    switch (r.below(3)) {
      case 0: s.insert(at, 1, alphabet[r.below(sizeof alphabet - 1)]); break;
      case 1: if (at < s.size()) s.erase(at, 1 + r.below(3)); break;
      default: if (at < s.size()) s[at] = alphabet[r.below(sizeof alphabet - 1)]; break;
    }
  }
  return s;
}

const char* kConfigs[] = {
    R"({"wifi_ssid":"lab","wifi_password":"12345678","hub_url":"ws://h:1/x"})",
    R"({"pins":{"led":4,"motor":5},"beacons":["aa:bb:cc:dd:ee:ff","","",""]})",
    R"({"wifi_ssid":"\u00e9\ud83d\ude00","cdn_url":"https://c"})",
    R"({"hub_url":["ws://a:1","wss://b/x"],"ca_cert":""})",
};
const char* kCommands[] = {"led:ff0000", "led_set:3:00ff00", "spring_param:10050a",
                           "brightness:128", "ota:http://x/y.bin", "vibrate:200"};

}  // namespace

TEST(fuzz_configuration_json) {
  Rand r;
  gl::Config base;
  gl::config_defaults(base, "seeed_xiao_esp32c3");
  for (int i = 0; i < 20000; ++i) {
    const std::string json = mutate(r, kConfigs[r.below(std::size(kConfigs))]);
    gl::Config out = base;
    char reason_buf[96];
    gl::Text reason(reason_buf, sizeof reason_buf);
    if (!gl::config_merge(base, json, out, reason)) CHECK(reason.size() > 0);
  }
}

TEST(fuzz_console_lines) {
  Rand r;
  t::Rig rig;
  rig.online();
  for (int i = 0; i < 5000; ++i) {
    rig->serial_line("config set " + mutate(r, kConfigs[r.below(std::size(kConfigs))]), rig.now);
    rig->serial_line("cmd " + mutate(r, kCommands[r.below(6)]), rig.now);
    rig->serial_line(mutate(r, "config"), rig.now);
    rig->ota_result(r.below(2) == 0, "x", rig.now);
    rig.advance(5);
    rig.drain();
  }
  // Beyond ASan/UBSan staying quiet: after all that, the console still answers.
  rig->serial_line("cmd status", rig.now);
  CHECK(rig.serial().find(R"(ans:{"cmd":"status","ok":true,)") != std::string::npos);
}

TEST(fuzz_hub_lines_get_one_answer_each) {
  Rand r;
  t::Rig rig;
  rig.online();
  for (int i = 0; i < 5000; ++i) {
    const std::string line = mutate(r, kCommands[r.below(6)]);
    const std::string_view trimmed = gl::trim(line);
    bool noise = trimmed.empty() || line.find('\n') != std::string::npos;
    for (std::string_view prefix : gl::kHubNoise) {
      noise = noise || gl::starts_with(trimmed, prefix);
    }
    rig->ws_receive(line.c_str(), rig.now);
    if (!noise) CHECK_EQ(rig.ws().size(), 1u);
    rig->ota_result(r.below(2) == 0, "x", rig.now);
    rig.drain();
  }
}
