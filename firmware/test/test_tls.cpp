// The CA certificate (ca_cert): kept, masked when shown, checked for PEM armour; without it a
// device refuses wss:// hubs (and https:// OTA, test_ota.cpp) instead of connecting unverified.
#include <string>

#include "gl_config.h"
#include "harness.h"
#include "rig.h"

namespace {

const char kPem[] = "-----BEGIN CERTIFICATE-----\\nMIIBszCCAVmgAwIBAgIU\\n-----END CERTIFICATE-----\\n";
const char kPemText[] = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n";

std::string with_ca(const std::string& rest = "") {
  return std::string(R"({"ca_cert":")") + kPem + "\"" + rest + "}";
}

std::string merged(gl::Config& c, const std::string& json) {
  char reason_buf[96];
  gl::Text reason(reason_buf, sizeof reason_buf);
  return gl::config_merge(c, json, c, reason) ? "ok" : reason.c_str();
}

std::string shown(const gl::Config& c, bool mask) {
  char buf[gl::kMaxConfigJson + 64];
  gl::Text t(buf, sizeof buf);
  gl::config_to_json(c, mask, t);
  return buf;
}

}  // namespace

TEST(ca_cert_is_stored_masked_when_shown_and_kept_by_the_mask) {
  gl::Config c;
  gl::config_defaults(c, "seeed_xiao_esp32c3");
  CHECK_EQ(merged(c, with_ca()), std::string("ok"));
  CHECK_EQ(std::string(c.ca_cert), std::string(kPemText));
  CHECK(shown(c, true).find(R"("ca_cert":"********")") != std::string::npos);
  CHECK(shown(c, false).find(std::string(R"("ca_cert":")") + kPem) != std::string::npos);
  CHECK_EQ(merged(c, R"({"ca_cert":"********","wifi_ssid":"x"})"), std::string("ok"));
  CHECK_EQ(std::string(c.ca_cert), std::string(kPemText));
  CHECK_EQ(merged(c, R"({"ca_cert":""})"), std::string("ok"));
  CHECK_EQ(std::string(c.ca_cert), std::string());
  CHECK(shown(c, true).find(R"("ca_cert":"")") != std::string::npos);
}

TEST(ca_cert_that_is_not_pem_or_too_long_is_refused_and_nothing_changes) {
  gl::Config c;
  gl::config_defaults(c, "seeed_xiao_esp32c3");
  CHECK_EQ(merged(c, with_ca()), std::string("ok"));
  CHECK_EQ(merged(c, R"({"ca_cert":"MIIBszCCAVmgAwIBAgIU"})"), std::string("not_pem:ca_cert"));
  CHECK_EQ(merged(c, R"({"ca_cert":"-----BEGIN CERTIFICATE-----\nMIIB"})"),
           std::string("not_pem:ca_cert"));
  CHECK_EQ(merged(c, R"({"ca_cert":42})"), std::string("wrong_type:ca_cert"));
  const std::string huge = R"({"ca_cert":"-----BEGIN CERTIFICATE-----)" +
                           std::string(gl::kMaxCaCert, 'A') + R"(-----END CERTIFICATE-----"})";
  CHECK(huge.size() <= gl::kMaxConfigJson);
  CHECK_EQ(merged(c, huge), std::string("too_long:ca_cert"));
  CHECK_EQ(std::string(c.ca_cert), std::string(kPemText));  // untouched by every refusal
}

TEST(ca_cert_roundtrips_through_the_saved_configuration) {
  gl::Config c;
  gl::config_defaults(c, "seeed_xiao_esp32c3");
  CHECK_EQ(merged(c, with_ca(R"(,"hub_url":"wss://hub.venue:5003")")), std::string("ok"));
  gl::Config back;
  gl::config_defaults(back, "seeed_xiao_esp32c3");
  CHECK_EQ(merged(back, shown(c, false)), std::string("ok"));
  CHECK_EQ(shown(back, false), shown(c, false));
}

TEST(tls_urls_are_unverifiable_only_without_a_ca_cert) {
  gl::Config c;
  gl::config_defaults(c, "seeed_xiao_esp32c3");
  CHECK(gl::tls_unverifiable(c, "wss://hub:5003"));
  CHECK(gl::tls_unverifiable(c, "https://cdn:5008/firmware/a.bin"));
  CHECK(!gl::tls_unverifiable(c, "ws://hub:5003"));
  CHECK(!gl::tls_unverifiable(c, "http://cdn:5008/firmware/a.bin"));
  CHECK_EQ(merged(c, with_ca()), std::string("ok"));
  CHECK(!gl::tls_unverifiable(c, "wss://hub:5003"));
  CHECK(!gl::tls_unverifiable(c, "https://cdn:5008/firmware/a.bin"));
}

TEST(device_refuses_a_wss_hub_without_ca_cert_and_says_why) {
  t::Rig rig(R"({"wifi_ssid":"net","hub_url":"wss://10.0.0.2:5003"})");
  rig.drain();
  rig->wifi_event(true, rig.now);
  for (const std::string& a : rig.actions()) CHECK(a.rfind("ws_connect", 0) != 0);
  const std::string out = rig.serial();
  CHECK(out.find("log: hub refused: wss:// needs a ca_cert to verify the hub with: "
                 "wss://10.0.0.2:5003") != std::string::npos);
  CHECK(rig->connection().state() == gl::Link::Backoff);  // retried later, never unverified
  rig.advance(60000);
  for (const std::string& a : rig.actions()) CHECK(a.rfind("ws_connect", 0) != 0);
  // A CA arriving later is tried at once, not at the end of the backoff.
  rig->serial_line("config set " + with_ca(), rig.now);
  rig.advance(10);
  const auto acts = rig.actions();
  CHECK_EQ(acts.back(), std::string("ws_connect wss://10.0.0.2:5003"));
}

TEST(device_connects_to_a_wss_hub_once_it_has_a_ca_cert) {
  const std::string config = with_ca(R"(,"wifi_ssid":"net","hub_url":"wss://10.0.0.2:5003")");
  t::Rig rig(config.c_str());
  rig.drain();
  rig->wifi_event(true, rig.now);
  CHECK_EQ(rig.actions().at(0), std::string("ws_connect wss://10.0.0.2:5003"));
}
