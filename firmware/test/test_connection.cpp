// The connection state machine: backoff sequence, "id:" first, no frames while disconnected.
#include <string>
#include <vector>

#include "gl_connection.h"
#include "harness.h"
#include "rig.h"

TEST(connection_backoff_doubles_to_a_cap_with_bounded_jitter) {
  gl::Connection c;
  uint32_t now = 0;
  CHECK_EQ(static_cast<int>(c.start(42, now, 1)), static_cast<int>(gl::kWifiConnect));
  CHECK_EQ(static_cast<int>(c.wifi_event(true, now)), static_cast<int>(gl::kWsConnect));
  const uint32_t ceilings[] = {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
  for (uint8_t attempt = 0; attempt < 9; ++attempt) {
    const uint32_t ceiling = ceilings[attempt];
    ROW(std::to_string(ceiling));
    CHECK_EQ(gl::Connection::backoff_ceiling(attempt), ceiling);
    CHECK_EQ(static_cast<int>(c.ws_event(false, now)), static_cast<int>(gl::kNone));
    CHECK(c.state() == gl::Link::Backoff);
    CHECK(c.last_delay() >= ceiling / 2 && c.last_delay() <= ceiling);
    CHECK_EQ(static_cast<int>(c.tick(c.retry_at() - 1)), static_cast<int>(gl::kNone));
    now = c.retry_at();
    CHECK_EQ(static_cast<int>(c.tick(now)), static_cast<int>(gl::kWsConnect));
    CHECK(c.state() == gl::Link::WsConnecting);
  }
  // Once online the sequence starts again from the base.
  CHECK_EQ(static_cast<int>(c.ws_event(true, now)), static_cast<int>(gl::kGoOnline));
  c.ws_event(false, now);
  CHECK(c.last_delay() <= 500);
  CHECK_EQ(c.reconnects(), 1u);
}

TEST(connection_jitter_is_seeded) {
  auto delays = [](uint32_t seed) {
    gl::Connection c;
    c.start(seed, 0, 1);
    c.wifi_event(true, 0);
    std::string out;
    for (int i = 0; i < 6; ++i) {
      c.ws_event(false, 0);
      out += std::to_string(c.last_delay()) + ",";
      c.tick(c.retry_at());
    }
    return out;
  };
  CHECK_EQ(delays(7), delays(7));
  CHECK(delays(7) != delays(8));
  CHECK(delays(0) == delays(0));  // a zero seed still works (xorshift must not start at 0)
}

TEST(connection_timeouts_abandon_and_retry) {
  gl::Connection c;
  c.start(1, 0, 1);
  CHECK_EQ(static_cast<int>(c.tick(gl::kWifiConnectTimeoutMs - 1)), 0);
  c.tick(gl::kWifiConnectTimeoutMs);  // no Wi-Fi after 20 s: back off, then join again
  CHECK(c.state() == gl::Link::Backoff);
  CHECK_EQ(static_cast<int>(c.tick(c.retry_at())), static_cast<int>(gl::kWifiConnect));
  const uint32_t up = c.retry_at() + 10;
  CHECK_EQ(static_cast<int>(c.wifi_event(true, up)), static_cast<int>(gl::kWsConnect));
  CHECK_EQ(static_cast<int>(c.tick(up + gl::kWsConnectTimeoutMs)),
           static_cast<int>(gl::kWsDisconnect));
  CHECK(c.state() == gl::Link::Backoff);
  // A socket that opens when none was asked for is dropped.
  CHECK_EQ(static_cast<int>(c.ws_event(true, up + gl::kWsConnectTimeoutMs)),
           static_cast<int>(gl::kWsDisconnect));
}

TEST(connection_wifi_loss_drops_the_socket) {
  gl::Connection c;
  c.start(1, 0, 1);
  c.wifi_event(true, 0);
  c.ws_event(true, 10);
  CHECK_EQ(static_cast<int>(c.wifi_event(false, 20)), static_cast<int>(gl::kWsDisconnect));
  CHECK(c.state() == gl::Link::WifiConnecting);
  CHECK(!c.frame_due(100));
  CHECK_EQ(static_cast<int>(c.wifi_event(true, 200)), static_cast<int>(gl::kWsConnect));
}

TEST(device_sends_id_first_then_frames_at_20hz) {
  t::Rig rig;
  const auto boot = rig.actions();
  CHECK_EQ(boot.size(), 1u);
  CHECK_EQ(boot.at(0), std::string("wifi_connect"));
  rig.advance(1000);
  CHECK(rig.ws().empty());  // no frames before the hub is connected
  rig->wifi_event(true, rig.now);
  CHECK_EQ(rig.actions().at(0), std::string("ws_connect ws://localhost:5003"));
  rig.advance(1000);
  CHECK(rig.ws().empty());
  rig->ws_event(true, rig.now);
  std::vector<std::string> out;
  for (int i = 0; i < 100; ++i) {  // the shell drains the queue as it goes
    rig.advance(100);
    for (const std::string& m : rig.ws()) out.push_back(m);
  }
  CHECK_EQ(out.at(0), std::string("id:a1b2"));
  CHECK_EQ(out.size(), 202u);  // id + a frame on connect + 200 in 10 s
  CHECK_EQ(out.at(1).size(), 20u);
  CHECK_EQ(out.at(1).substr(0, 4), std::string("a1b2"));
}

TEST(device_frames_stop_while_disconnected_and_id_leads_again) {
  t::Rig rig;
  rig.online();
  rig.advance(500);
  rig->ws_event(false, rig.now);
  CHECK(rig.ws().empty());  // what was queued for the dead socket is gone
  CHECK(rig.serial().find("log: hub disconnected, retry in ") != std::string::npos);
  rig.advance(250);
  CHECK(rig.ws().empty());
  CHECK(rig.actions().empty());
  rig.advance(300);  // the first retry comes within 500 ms
  const auto acts = rig.actions();
  CHECK_EQ(acts.size(), 1u);
  CHECK_EQ(acts.at(0), std::string("ws_connect ws://localhost:5003"));
  CHECK(rig.ws().empty());
  rig->ws_event(true, rig.now);
  rig.advance(100);
  const auto out = rig.ws();
  CHECK_EQ(out.at(0), std::string("id:a1b2"));
  CHECK_EQ(out.size(), 4u);
}

TEST(device_tap_latch_is_cleared_once_sent) {
  t::Rig rig;
  rig.online();
  rig->tap();
  rig.advance(5);
  rig->set_accel(0.0f, 0.0f, 1.0f);
  rig.advance(50);
  rig->set_accel(2.5f, 2.0f, 0.0f);  // |a| = 3.2 g: a tap
  rig.advance(50);
  rig->set_accel(2.0f, 2.0f, 0.0f);  // 2.8 g: not a tap
  rig.advance(50);
  const auto out = rig.ws();
  CHECK_EQ(out.size(), 4u);
  const char* taps[] = {"ff", "00", "ff", "00"};
  for (size_t i = 0; i < 4 && i < out.size(); ++i) {
    ROW(out.at(i));
    CHECK_EQ(out.at(i).substr(18), std::string(taps[i]));
  }
}

TEST(device_config_change_reconnects) {
  t::Rig rig;
  rig.online();
  rig->serial_line(R"(config set {"hub_url":"ws://10.0.0.2:5003"})", rig.now);
  auto acts = rig.actions();
  CHECK_EQ(acts.size(), 2u);
  CHECK_EQ(acts.at(1), std::string("ws_disconnect"));
  rig->ws_event(false, rig.now);  // the shell may report the close it was asked for
  rig.advance(5);
  acts = rig.actions();
  CHECK_EQ(acts.size(), 1u);
  CHECK_EQ(acts.at(0), std::string("ws_connect ws://10.0.0.2:5003"));
  rig->ws_event(true, rig.now);
  CHECK_EQ(rig.ws().at(0), std::string("id:a1b2"));
  rig->serial_line(R"(config set {"wifi_ssid":"lab"})", rig.now);
  acts = rig.actions();
  CHECK_EQ(acts.back(), std::string("wifi_connect lab"));
}

TEST(device_a_stalled_shell_loses_frames_not_the_id_or_answers) {
  t::Rig rig;
  rig->wifi_event(true, rig.now);
  rig->ws_event(true, rig.now);
  rig->ws_receive("led:ff0000", rig.now);
  rig.advance(60000);  // nobody drains the queue for a minute
  const auto out = rig.ws();
  CHECK_EQ(out.at(0), std::string("id:a1b2"));
  CHECK_EQ(out.at(1), std::string(R"(ans:{"cmd":"led","ok":true})"));
  CHECK(out.size() > 100);
  rig.advance(100);
  CHECK_EQ(rig.ws().size(), 2u);  // drained: frames flow again
  CHECK(rig.command("status").find(R"("frames_dropped":)") != std::string::npos);
}

TEST(connection_the_hub_accepting_the_device_confirms_the_image_once_per_boot) {
  t::Rig rig;
  rig.online();
  rig->ws_receive("Connected to GroupLoop hub", rig.now);
  rig->ws_receive("id:error", rig.now);
  CHECK(rig.actions().empty());  // refused: the image has not proved itself
  rig->ws_receive("id:ok", rig.now);
  CHECK(rig.actions() == std::vector<std::string>{"app_valid"});
  rig->ws_event(false, rig.now);
  rig->ws_event(true, rig.now);
  rig.drain();
  rig->ws_receive("id:ok", rig.now);
  CHECK(rig.actions().empty());  // already confirmed in this boot
}

TEST(device_with_a_secret_logs_in_before_id_on_every_connection) {
  t::Rig rig(R"({"device_secret":"s3cret-of-a1b2"})");
  for (int round = 0; round < 2; ++round) {
    ROW(std::to_string(round));
    rig->wifi_event(true, rig.now);
    rig->ws_event(true, rig.now);
    rig.advance(50);
    const auto out = rig.ws();
    CHECK(out.size() >= 3u);
    CHECK_EQ(out.at(0), std::string("auth:s3cret-of-a1b2"));
    CHECK_EQ(out.at(1), std::string("id:a1b2"));
    CHECK_EQ(out.at(2).substr(0, 4), std::string("a1b2"));
    rig->ws_event(false, rig.now);
    rig.advance(600);
  }
  // The hub's answers are not commands; a refusal is logged without the secret.
  rig->ws_receive("auth:ok:device\nauth:error:invalid", rig.now);
  CHECK(rig.ws().empty());
  const std::string log = rig.serial();
  CHECK(log.find("log: hub refused the device secret") != std::string::npos);
  CHECK(log.find("s3cret") == std::string::npos);
}

TEST(device_without_a_secret_sends_no_auth_line) {
  t::Rig rig;
  rig->wifi_event(true, rig.now);
  rig->ws_event(true, rig.now);
  CHECK_EQ(rig.ws().at(0), std::string("id:a1b2"));
}
