// Configuration JSON: valid, partial, wrong types, oversized, invalid — nothing half-applied;
// defaults per board; the password never shown.
#include <cstring>
#include <string>

#include "gl_config.h"
#include "harness.h"

namespace {

std::string to_json(const gl::Config& c, bool mask) {
  char buf[gl::kMaxConfigJson + 1];
  gl::Text t(buf, sizeof buf);
  gl::config_to_json(c, mask, t);
  return buf;
}

gl::Config defaults() {
  gl::Config c;
  gl::config_defaults(c, "seeed_xiao_esp32c3");
  return c;
}

struct Refusal {
  const char* json;
  const char* reason;
};

const Refusal kRefused[] = {
    {"", "invalid_json:unexpected end at 0"},
    {"{\"wifi_ssid\":\"a\"", "invalid_json:"},
    {"[]", "wrong_type:config"},
    {"\"x\"", "wrong_type:config"},
    {R"({"wifi_ssid":5})", "wrong_type:wifi_ssid"},
    {R"({"wifi_ssid":"123456789012345678901234567890123"})", "too_long:wifi_ssid"},
    {R"({"wifi_password":"short"})", "too_short:wifi_password"},
    {R"({"wifi_password":null})", "wrong_type:wifi_password"},
    {R"({"hub_url":"http://x:5003"})", "bad_url:hub_url"},
    {R"({"hub_url":"ws://"})", "bad_url:hub_url"},
    {R"({"hub_url":"ws://a b"})", "bad_url:hub_url"},
    {R"({"hub_url":5003})", "wrong_type:hub_url"},
    {R"({"hub_url":{"url":"ws://a"}})", "wrong_type:hub_url"},
    {R"({"hub_url":[]})", "empty:hub_url"},
    {R"({"hub_url":["ws://a",1]})", "wrong_type:hub_url"},
    {R"({"hub_url":["ws://a",["ws://b"]]})", "wrong_type:hub_url"},
    {R"({"hub_url":["ws://a","http://b"]})", "bad_url:hub_url"},
    {R"({"hub_url":["ws://a",""]})", "bad_url:hub_url"},
    {R"({"hub_url":["ws://a","ws://b","ws://a"]})", "duplicate:hub_url"},
    {R"({"hub_url":["ws://a","ws://b","ws://c","ws://d","ws://e"]})", "too_many:hub_url"},
    {R"({"cdn_url":"ws://x"})", "bad_url:cdn_url"},
    {R"({"pins":{"led":22}})", "out_of_range:led"},
    {R"({"pins":{"led":-1}})", "out_of_range:led"},
    {R"({"pins":{"led":"2"}})", "wrong_type:led"},
    {R"({"pins":{"led":2.5}})", "wrong_type:led"},
    {R"({"pins":{"led":3}})", "pin_conflict:motor"},
    {R"({"pins":{"leds":3}})", "unknown_key:pins"},
    {R"({"pins":[1,2]})", "wrong_type:pins"},
    {R"({"beacons":["","",""]})", "need_4_entries:beacons"},
    {R"({"beacons":["aa:bb:cc:dd:ee:ff","","","aa:bb:cc:dd:ee"]})", "bad_mac:beacons"},
    {R"({"beacons":["aa-bb-cc-dd-ee-ff","","",""]})", "bad_mac:beacons"},
    {R"({"beacons":[1,"","",""]})", "wrong_type:beacons"},
    {R"({"beacons":"aa:bb:cc:dd:ee:ff"})", "wrong_type:beacons"},
    {R"({"ota_origins":"http://x"})", "wrong_type:ota_origins"},
    {R"({"ota_origins":[1]})", "wrong_type:ota_origins"},
    {R"({"ota_origins":["http://x/firmware"]})", "bad_origin:ota_origins"},
    {R"({"ota_origins":["http://x/"]})", "bad_origin:ota_origins"},
    {R"({"ota_origins":["ws://x"]})", "bad_origin:ota_origins"},
    {R"({"ota_origins":["http://x:0"]})", "bad_origin:ota_origins"},
    {R"({"ota_origins":["http://a","http://b","http://c"]})", "too_many:ota_origins"},
    {R"({"colour":"red"})", "unknown_key:colour"},
    // A valid change before an invalid one must not be applied either.
    {R"({"wifi_ssid":"new","hub_url":"nope"})", "bad_url:hub_url"},
    {R"({"wifi_ssid":"a","wifi_ssid":"b"})", "invalid_json:duplicate key"},
};

}  // namespace

TEST(config_defaults_per_board) {
  gl::Config xiao = defaults();
  CHECK_EQ(to_json(xiao, true),
           std::string(R"({"wifi_ssid":"","wifi_password":"","hub_url":"ws://localhost:5003",)"
                       R"("cdn_url":"http://localhost:5008","pins":{"led":2,"motor":3,)"
                       R"("button":9,"sda":6,"scl":7},"beacons":["","","",""],"ota_origins":[],)"
                       R"("ca_cert":"","device_secret":""})"));
  gl::Config devkit;
  gl::config_defaults(devkit, "esp32-c3-devkitm-1");
  CHECK_EQ(static_cast<int>(devkit.pins.led), 8);
}

TEST(config_refusals_name_the_reason_and_change_nothing) {
  for (const Refusal& r : kRefused) {
    ROW(r.json);
    const gl::Config base = defaults();
    gl::Config out = defaults();
    std::strcpy(out.wifi_ssid, "untouched");
    char reason_buf[96];
    gl::Text reason(reason_buf, sizeof reason_buf);
    CHECK(!gl::config_merge(base, r.json, out, reason));
    CHECK_EQ(std::string(reason.c_str()).substr(0, std::strlen(r.reason)), std::string(r.reason));
    CHECK_EQ(std::string(out.wifi_ssid), std::string("untouched"));
  }
}

TEST(config_partial_update_merges_over_the_current_one) {
  gl::Config c = defaults();
  char reason_buf[96];
  gl::Text reason(reason_buf, sizeof reason_buf);
  CHECK(gl::config_merge(c,
                         R"({"wifi_ssid":"class\u00e9","wifi_password":"hunter2hunter2",)"
                         R"("pins":{"led":4},"beacons":["AA:BB:CC:DD:EE:FF","","","01:02:03:04:05:06"]})",
                         c, reason));
  CHECK(gl::config_merge(c, R"({"hub_url":"wss://hub.example:443/ws"})", c, reason));
  CHECK_EQ(std::string(c.wifi_ssid), std::string("class\xc3\xa9"));
  CHECK_EQ(std::string(c.hub_urls[0]), std::string("wss://hub.example:443/ws"));
  CHECK_EQ(static_cast<int>(c.pins.led), 4);
  CHECK_EQ(static_cast<int>(c.pins.motor), 3);  // untouched members of pins stay
  CHECK_EQ(std::string(c.beacons[0]), std::string("aa:bb:cc:dd:ee:ff"));
  // The masked echo keeps the password; an empty one clears it.
  CHECK(gl::config_merge(c, R"({"wifi_password":"********"})", c, reason));
  CHECK_EQ(std::string(c.wifi_password), std::string("hunter2hunter2"));
  const std::string shown = to_json(c, true);
  CHECK(shown.find("hunter2") == std::string::npos);
  CHECK(shown.find(R"("wifi_password":"********")") != std::string::npos);
  CHECK(to_json(c, false).find(R"("wifi_password":"hunter2hunter2")") != std::string::npos);
  CHECK(gl::config_merge(c, R"({"wifi_password":""})", c, reason));
  CHECK(to_json(c, true).find(R"("wifi_password":"")") != std::string::npos);
}

TEST(config_device_secret_is_masked_kept_by_the_mask_and_printable_only) {
  gl::Config c = defaults();
  char reason_buf[96];
  gl::Text reason(reason_buf, sizeof reason_buf);
  const std::string secret(64, 's');
  CHECK(gl::config_merge(c, R"({"device_secret":")" + secret + R"("})", c, reason));
  CHECK_EQ(std::string(c.device_secret), secret);
  CHECK(to_json(c, true).find(secret) == std::string::npos);
  CHECK(to_json(c, true).find(R"("device_secret":"********")") != std::string::npos);
  CHECK(to_json(c, false).find(secret) != std::string::npos);  // to NVS only
  CHECK(gl::config_merge(c, R"({"device_secret":"********"})", c, reason));
  CHECK_EQ(std::string(c.device_secret), secret);
  CHECK(!gl::config_merge(c, R"({"device_secret":")" + secret + R"(s"})", c, reason));
  CHECK_EQ(std::string(reason.c_str()), std::string("too_long:device_secret"));
  CHECK(!gl::config_merge(c, R"({"device_secret":"tab\there"})", c, reason));
  CHECK_EQ(std::string(reason.c_str()), std::string("not_printable:device_secret"));
  CHECK_EQ(std::string(c.device_secret), secret);
  CHECK(gl::config_merge(c, R"({"device_secret":""})", c, reason));
  CHECK_EQ(std::string(c.device_secret), std::string());
}

TEST(config_roundtrips_through_its_own_json) {
  gl::Config c = defaults();
  char reason_buf[96];
  gl::Text reason(reason_buf, sizeof reason_buf);
  CHECK(gl::config_merge(
      c, R"({"wifi_ssid":"q\"uote\\","wifi_password":"p\"w\\1234","device_secret":"a\"b"})", c,
      reason));
  CHECK(gl::config_merge(c, R"({"ota_origins":["https://fw.example","http://10.0.0.5:8080"]})",
                         c, reason));
  CHECK_EQ(std::string(c.ota_origins[1]), std::string("http://10.0.0.5:8080"));
  CHECK(gl::config_merge(c, R"({"hub_url":["ws://a:5003","wss://b:443/ws","ws://c"]})", c,
                         reason));
  gl::Config back = defaults();
  CHECK(gl::config_merge(back, to_json(c, false), back, reason));
  CHECK_EQ(to_json(back, false), to_json(c, false));
  CHECK_EQ(gl::hub_count(back), size_t{3});
  CHECK(gl::same_hubs(back, c));
}

TEST(config_hub_url_is_one_url_or_an_ordered_list) {
  gl::Config c = defaults();
  char reason_buf[96];
  gl::Text reason(reason_buf, sizeof reason_buf);
  CHECK_EQ(gl::hub_count(c), size_t{1});
  const std::string longest = "ws://" + std::string(123, 'h');  // 128 characters
  const std::string json = R"({"hub_url":["ws://a:1",")" + longest + R"(","wss://c/x","ws://d"]})";
  CHECK(gl::config_merge(c, json, c, reason));
  CHECK_EQ(gl::hub_count(c), gl::kMaxHubUrls);
  CHECK_EQ(std::string(c.hub_urls[1]), longest);
  CHECK(to_json(c, true).find(R"("hub_url":["ws://a:1",")" + longest + R"(","wss://c/x","ws://d"],)") !=
        std::string::npos);
  CHECK(!gl::config_merge(c, R"({"hub_url":["ws://a",")" + longest + R"(h"]})", c, reason));
  CHECK_EQ(std::string(reason.c_str()), std::string("too_long:hub_url"));
  // A shorter list or a single URL replaces the whole list; one URL is shown as a string.
  CHECK(gl::config_merge(c, R"({"hub_url":["ws://b","ws://a"]})", c, reason));
  CHECK_EQ(gl::hub_count(c), size_t{2});
  CHECK_EQ(std::string(c.hub_urls[2]), std::string());
  CHECK(gl::config_merge(c, R"({"hub_url":["ws://only"]})", c, reason));
  CHECK_EQ(gl::hub_count(c), size_t{1});
  CHECK(to_json(c, true).find(R"("hub_url":"ws://only",)") != std::string::npos);
  gl::Config single = defaults();
  CHECK(gl::config_merge(single, R"({"hub_url":"ws://only"})", single, reason));
  CHECK(gl::same_hubs(single, c));
  CHECK(!gl::same_hubs(single, defaults()));
}

TEST(config_oversized_input_is_refused_before_parsing) {
  std::string big = R"({"wifi_ssid":")" + std::string(gl::kMaxConfigJson, 'x') + "\"}";
  gl::Config c = defaults();
  char reason_buf[96];
  gl::Text reason(reason_buf, sizeof reason_buf);
  CHECK(!gl::config_merge(c, big, c, reason));
  CHECK_EQ(std::string(reason.c_str()), std::string("too_large:config"));
  std::string many = "{\"pins\":{";
  for (int i = 0; i < 40; ++i) many += std::string(i ? "," : "") + "\"k" + std::to_string(i) + "\":1";
  many += "}}";
  CHECK(!gl::config_merge(c, many, c, reason));
  CHECK_EQ(std::string(reason.c_str()).substr(0, 28), std::string("invalid_json:too many values"));
}
