// Failover between hub URLs: a hub that fails the link is left for the next URL (wrapping
// around) after the usual backoff; an online device stays where it is.
#include <string>
#include <vector>

#include "gl_connection.h"
#include "harness.h"
#include "rig.h"

namespace {

constexpr char kThreeHubs[] =
    R"({"wifi_ssid":"net","hub_url":["ws://a:5003","ws://b:5003","ws://c:5003"]})";

// Ticks until the device asks for a connection; returns that action and the wait in ms.
std::pair<std::string, uint32_t> next_connect(t::Rig& rig) {
  const uint32_t from = rig.now;
  for (int i = 0; i < 8000; ++i) {
    rig.advance(5);
    for (const std::string& a : rig.actions()) {
      if (a.rfind("ws_connect ", 0) == 0) return {a.substr(11), rig.now - from};
    }
  }
  return {"<none>", rig.now - from};
}

}  // namespace

TEST(connection_a_failed_hub_is_left_for_the_next_one_wrapping_around) {
  gl::Connection c;
  uint32_t now = 0;
  c.start(9, now, 3);
  c.wifi_event(true, now);
  const uint8_t order[] = {1, 2, 0, 1, 2, 0, 1};
  for (uint8_t attempt = 0; attempt < sizeof order; ++attempt) {
    ROW(std::to_string(attempt));
    c.ws_event(false, now);  // the attempt on hub() failed
    CHECK_EQ(static_cast<int>(c.hub()), static_cast<int>(order[attempt]));
    // The backoff between hubs is the one of a single hub: it grows with every failure.
    const uint32_t ceiling = gl::Connection::backoff_ceiling(attempt);
    CHECK(c.last_delay() >= ceiling / 2 && c.last_delay() <= ceiling);
    now = c.retry_at();
    CHECK_EQ(static_cast<int>(c.tick(now)), static_cast<int>(gl::kWsConnect));
  }
  // Online on hub 1: it stays there; a later drop moves on to hub 2 after the base delay.
  CHECK_EQ(static_cast<int>(c.ws_event(true, now)), static_cast<int>(gl::kGoOnline));
  CHECK_EQ(static_cast<int>(c.hub()), 1);
  c.tick(now + 600000);
  CHECK_EQ(static_cast<int>(c.hub()), 1);
  c.ws_event(false, now + 600000);
  CHECK_EQ(static_cast<int>(c.hub()), 2);
  CHECK(c.last_delay() <= gl::kBackoffBaseMs);
}

TEST(connection_a_hanging_hub_is_left_but_wifi_trouble_keeps_the_hub) {
  gl::Connection c;
  c.start(1, 0, 2);
  c.tick(gl::kWifiConnectTimeoutMs);  // no Wi-Fi: not the hub's fault
  CHECK_EQ(static_cast<int>(c.hub()), 0);
  const uint32_t up = c.retry_at();
  c.tick(up);
  c.wifi_event(true, up);
  c.tick(up + gl::kWsConnectTimeoutMs);  // the hub never answered: the next one
  CHECK_EQ(static_cast<int>(c.hub()), 1);
  c.tick(c.retry_at());
  c.ws_event(true, c.retry_at());
  c.wifi_event(false, c.retry_at() + 10);  // Wi-Fi lost while online on hub 1
  CHECK_EQ(static_cast<int>(c.hub()), 1);
  CHECK_EQ(static_cast<int>(c.wifi_event(true, c.retry_at() + 20)),
           static_cast<int>(gl::kWsConnect));
  CHECK_EQ(static_cast<int>(c.hub()), 1);
}

TEST(connection_a_single_hub_is_retried_and_restart_begins_at_the_first) {
  gl::Connection c;
  c.start(1, 0, 1);
  c.wifi_event(true, 0);
  c.ws_event(false, 0);
  CHECK_EQ(static_cast<int>(c.hub()), 0);
  c.restart(false, 10, 3);
  c.tick(10);
  c.ws_event(false, 10);
  c.tick(c.retry_at());
  c.ws_event(false, c.retry_at());
  CHECK_EQ(static_cast<int>(c.hub()), 2);
  c.restart(false, c.retry_at(), 3);
  CHECK_EQ(static_cast<int>(c.hub()), 0);
}

TEST(device_fails_over_along_its_hub_list_with_the_backoff) {
  t::Rig rig(kThreeHubs);
  rig.drain();
  rig->wifi_event(true, rig.now);
  CHECK(rig.actions() == std::vector<std::string>{"ws_connect ws://a:5003"});
  const char* order[] = {"ws://b:5003", "ws://c:5003", "ws://a:5003", "ws://b:5003"};
  for (size_t i = 0; i < 4; ++i) {
    ROW(order[i]);
    rig->ws_event(false, rig.now);  // refused
    const auto [url, waited] = next_connect(rig);
    CHECK_EQ(url, std::string(order[i]));
    const uint32_t ceiling = gl::Connection::backoff_ceiling(static_cast<uint8_t>(i));
    CHECK(waited >= ceiling / 2 && waited <= ceiling + 5);
  }
  rig->ws_event(true, rig.now);
  rig.drain();
  CHECK(rig.command("status").find(R"("hub_url":"ws://b:5003")") != std::string::npos);
  rig.advance(5000);
  CHECK(rig.actions().empty());  // online: it stays on its hub
  rig->ws_event(false, rig.now);  // b dies: c next, after the base delay
  const auto [url, waited] = next_connect(rig);
  CHECK_EQ(url, std::string("ws://c:5003"));
  CHECK(waited <= gl::kBackoffBaseMs + 5);
  CHECK(rig.serial().find("log: hub connecting to ws://c:5003") != std::string::npos);
}

TEST(device_skips_a_wss_hub_it_cannot_verify) {
  t::Rig rig(R"({"wifi_ssid":"net","hub_url":["wss://secure:443","ws://plain:5003"]})");
  rig.drain();
  rig->wifi_event(true, rig.now);
  CHECK(rig.actions().empty());  // wss:// without a ca_cert: refused, never asked of the shell
  CHECK(rig.serial().find("hub refused: wss:// needs a ca_cert") != std::string::npos);
  CHECK_EQ(next_connect(rig).first, std::string("ws://plain:5003"));
}

TEST(device_console_shows_and_sets_the_hub_list) {
  t::Rig rig(kThreeHubs);
  rig.online();
  rig->serial_line("config", rig.now);
  CHECK(rig.serial().find(R"("hub_url":["ws://a:5003","ws://b:5003","ws://c:5003"],)") !=
        std::string::npos);
  // The same list again changes nothing: the device stays connected.
  rig->serial_line(R"(config set {"hub_url":["ws://a:5003","ws://b:5003","ws://c:5003"]})",
                   rig.now);
  CHECK(rig.actions() == std::vector<std::string>{
                             "save_config " + std::string(R"({"wifi_ssid":"net",)") +
                             R"("wifi_password":"","hub_url":["ws://a:5003","ws://b:5003",)" +
                             R"("ws://c:5003"],"cdn_url":"http://localhost:5008","pins":{"led":2,)" +
                             R"("motor":3,"button":9,"sda":6,"scl":7},"beacons":["","","",""],)" +
                             R"("ota_origins":[],"ca_cert":"","device_secret":""})"});
  // A new list reconnects, from its first URL.
  rig->serial_line(R"(config set {"hub_url":["ws://x:1","ws://y:2"]})", rig.now);
  auto acts = rig.actions();
  CHECK_EQ(acts.back(), std::string("ws_disconnect"));
  CHECK_EQ(next_connect(rig).first, std::string("ws://x:1"));
  rig->ws_event(false, rig.now);
  CHECK_EQ(next_connect(rig).first, std::string("ws://y:2"));
  rig.drain();
  rig->serial_line(R"(config set {"hub_url":"ws://x:1"})", rig.now);
  CHECK_EQ(rig.serial(), std::string("config:ok\n"));
  CHECK_EQ(next_connect(rig).first, std::string("ws://x:1"));
}
