// The serial console: boot line, help, status, config / config set, cmd, reboot, errors.
#include <string>

#include "harness.h"
#include "rig.h"

namespace {
const char kSecret[] = "correct-horse-battery";
}

TEST(console_boot_line_names_version_board_and_id) {
  t::Rig rig("", "esp32-c3-devkitm-1");
  const std::string out = rig.serial();
  CHECK_EQ(out.substr(0, out.find('\n')),
           std::string("GroupLoop 1.2.3 board=esp32-c3-devkitm-1 id=a1b2"));
}

TEST(console_lines_and_their_answers) {
  const struct {
    const char* line;
    const char* answer_prefix;
  } rows[] = {
      {"help", "commands: help | status | config | config set <json> | cmd <command>"},
      {"status", R"(ans:{"cmd":"status","ok":true,"data":{"id":"a1b2",)"},
      {"  status\r", R"(ans:{"cmd":"status","ok":true,)"},
      {"config", R"(config:{"wifi_ssid":"","wifi_password":"","hub_url":"ws://localhost:5003",)"},
      {"cmd led:ff0000", R"(ans:{"cmd":"led","ok":true})"},
      {"cmd led:zz", R"(ans:{"cmd":"led","ok":false,"error":"invalid_parameters"})"},
      {"cmd frobnicate", R"(ans:{"cmd":"frobnicate","ok":false,"error":"unknown_command"})"},
      {"cmd", "error:unknown console command (try help)"},
      {"config get", "config:error:usage"},
      {"config setx {}", "config:error:usage"},
      {"config set", "config:error:invalid_json:unexpected end"},
      {"config set {\"wifi_ssid\":", "config:error:invalid_json:"},
      {"config set {\"pins\":{\"led\":99}}", "config:error:out_of_range:led"},
      {"config set {}", "config:ok"},
      {"dance", "error:unknown console command (try help)"},
      {"reboot", "rebooting"},
  };
  for (const auto& r : rows) {
    ROW(r.line);
    t::Rig rig;
    rig.drain();
    rig->serial_line(r.line, rig.now);
    const std::string out = rig.serial();
    CHECK_EQ(out.substr(0, std::string(r.answer_prefix).size()), std::string(r.answer_prefix));
    CHECK(rig.ws().empty());  // console answers stay on the console
  }
}

TEST(console_empty_line_prints_nothing) {
  t::Rig rig;
  rig.drain();
  rig->serial_line("   ", rig.now);
  CHECK_EQ(rig.serial(), std::string());
}

TEST(console_reboot_and_reset_ask_the_shell) {
  t::Rig rig;
  rig.drain();
  rig->serial_line("reboot", rig.now);
  CHECK_EQ(rig.actions().at(0), std::string("reboot"));
  rig->serial_line("cmd reset", rig.now);
  CHECK_EQ(rig.actions().at(0), std::string("reboot"));
}

TEST(console_config_set_saves_whole_and_never_prints_the_password) {
  t::Rig rig;
  rig.drain();
  const std::string set = std::string(R"(config set {"wifi_ssid":"lab","wifi_password":")") +
                          kSecret + R"("})";
  rig->serial_line(set, rig.now);
  std::string printed = rig.serial();
  CHECK(printed.find("config:ok") != std::string::npos);
  const auto acts = rig.actions();
  CHECK_EQ(acts.at(0).substr(0, 12), std::string("save_config "));
  CHECK(acts.at(0).find(kSecret) != std::string::npos);  // to NVS, not to a screen
  rig->serial_line("config", rig.now);
  rig->serial_line("status", rig.now);
  rig->serial_line("cmd status", rig.now);
  printed += rig.serial();
  CHECK(printed.find(R"("wifi_password":"********")") != std::string::npos);
  CHECK(printed.find(kSecret) == std::string::npos);
  // The device secret likewise: saved whole, shown nowhere (console, status, logs).
  rig->serial_line(std::string(R"(config set {"device_secret":"dev-)") + kSecret + R"("})",
                   rig.now);
  CHECK(rig.actions().at(0).find(std::string("dev-") + kSecret) != std::string::npos);
  rig->serial_line("config", rig.now);
  rig->serial_line("status", rig.now);
  rig->wifi_event(true, rig.now);
  rig->ws_event(true, rig.now);
  printed = rig.serial();
  CHECK(printed.find(R"("device_secret":"********")") != std::string::npos);
  CHECK(printed.find(kSecret) == std::string::npos);
  rig.drain();
  // A refused update saves nothing and keeps the old configuration whole.
  rig->serial_line(R"(config set {"wifi_ssid":"other","hub_url":"bad"})", rig.now);
  CHECK_EQ(rig.serial(), std::string("config:error:bad_url:hub_url\n"));
  CHECK(rig.actions().empty());
  CHECK_EQ(std::string(rig->config().wifi_ssid), std::string("lab"));
  CHECK_EQ(std::string(rig->config().wifi_password), std::string(kSecret));
}

TEST(console_invalid_boot_config_falls_back_to_defaults_with_a_reason) {
  t::Rig rig(R"({"hub_url":"ftp://nope"})");
  const std::string out = rig.serial();
  CHECK(out.find("log: config refused, using defaults: bad_url:hub_url") != std::string::npos);
  CHECK_EQ(std::string(rig->config().hub_urls[0]), std::string("ws://localhost:5003"));
  t::Rig good(R"({"wifi_ssid":"net","hub_url":"ws://10.1.1.1:5003"})");
  CHECK_EQ(good.actions().at(0), std::string("wifi_connect net"));
}

TEST(console_config_that_cannot_be_saved_whole_is_not_applied) {
  t::Rig rig;
  rig.drain();
  // An input just within bounds that leaves out most keys: the saved JSON adds them and gets
  // too big for one save_config action.
  std::string json = "{\"hub_url\":\"ws://" + std::string(120, 'h') + "\",\"ca_cert\":\"" +
                     "-----BEGIN CERTIFICATE-----";
  const std::string tail = "-----END CERTIFICATE-----\"}";
  // Control characters: 6 bytes each in and out, so the certificate stays short enough.
  while (json.size() + 6 + tail.size() <= gl::kMaxConfigJson) json += "\\u0001";
  json += std::string(gl::kMaxConfigJson - json.size() - tail.size(), 'A') + tail;
  CHECK(json.size() == gl::kMaxConfigJson);
  rig->serial_line("config set " + json, rig.now);
  CHECK_EQ(rig.serial(), std::string("config:error:too_large:config\n"));
  CHECK(rig.actions().empty());
  CHECK_EQ(std::string(rig->config().hub_urls[0]), std::string("ws://localhost:5003"));
}

namespace {
bool valid_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = gl::utf8_char_length(std::string_view(s).substr(i));
    if (n == 0) return false;
    i += n;
  }
  return true;
}
}  // namespace

TEST(console_never_splits_a_utf8_character_of_an_echoed_name) {
  // 23 'a' and an 'é' (2 bytes): the 24-byte cut falls inside the 'é'.
  const std::string name = std::string(23, 'a') + "\xc3\xa9";
  t::Rig rig;
  rig.drain();
  rig->serial_line("cmd " + name, rig.now);
  const std::string out = rig.serial();
  CHECK_EQ(out, std::string(R"(ans:{"cmd":")") + std::string(23, 'a') +
                    R"(","ok":false,"error":"unknown_command"})" + "\n");
  CHECK(valid_utf8(out));
}

TEST(console_answers_stay_valid_utf8_whatever_bytes_come_in) {
  const std::string lines[] = {
      "cmd \xff\xfe",          "cmd \xc3",        "cmd a\xed\xa0\x80" "b",  // cut, surrogate
      "cmd \xc0\xafx:1",        "cmd \xf4\x90\x80\x80", "cmd \xe2\x82\xac\xf0\x9f\x98\x80",
      std::string("cmd \0\x01", 6),
  };
  for (const std::string& line : lines) {
    ROW(line.c_str());
    t::Rig rig;
    rig.drain();
    rig->serial_line(line, rig.now);
    const std::string out = rig.serial();
    CHECK(out.find("unknown_command") != std::string::npos);
    CHECK(valid_utf8(out));
  }
}

TEST(text_utf8_prefix_backs_off_to_a_character_boundary) {
  const std::string s = "ab\xc3\xa9\xe2\x82\xac";  // a b é €
  CHECK_EQ(std::string(gl::utf8_prefix(s, 2)), std::string("ab"));
  CHECK_EQ(std::string(gl::utf8_prefix(s, 3)), std::string("ab"));
  CHECK_EQ(std::string(gl::utf8_prefix(s, 4)), std::string("ab\xc3\xa9"));
  CHECK_EQ(std::string(gl::utf8_prefix(s, 6)), std::string("ab\xc3\xa9"));
  CHECK_EQ(std::string(gl::utf8_prefix(s, 7)), s);
  CHECK_EQ(std::string(gl::utf8_prefix(s, 99)), s);
}
