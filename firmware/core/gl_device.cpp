// The device: start-up, time, sensors, connection events, hub messages, OTA results.
#include "gl_device.h"

#include <cmath>
#include <cstring>

#include "gl_time.h"

namespace gl {

namespace {
constexpr float kTapThresholdG = 3.0f;
}  // namespace

void Device::init(std::string_view config_json, const uint8_t mac[6], std::string_view version,
                  std::string_view board, uint32_t now_ms) {
  now_ = boot_ms_ = now_ms;
  {
    Text id(id_, sizeof id_);
    id.add_hex2(mac[4]).add_hex2(mac[5]);
  }
  Text(version_, sizeof version_).add(version);
  Text(board_, sizeof board_).add(board);
  leds_init(leds_, now_ms);
  boot_banner();

  // Defaults straight into config_ (no second 2.5 KB copy on the stack); a refused
  // configuration leaves them untouched.
  config_defaults(config_, board);
  char reason_buf[96];
  Text reason(reason_buf, sizeof reason_buf);
  if (!config_json.empty() && !config_merge(config_, config_json, config_, reason)) {
    log("config refused, using defaults: ", reason.view());
  }
  // The MAC seeds the jitter so devices of a classroom spread out differently.
  uint32_t seed = 0;
  for (size_t i = 0; i < 6; ++i) seed = seed * 31u + mac[i];
  apply(conn_.start(seed, now_ms, static_cast<uint8_t>(hub_count(config_))));
}

void Device::boot_banner() {
  char buf[96];
  Text t(buf, sizeof buf);
  t.add("GroupLoop ").add(version_).add(" board=").add(board_).add(" id=").add(id_);
  print_line(t.view());
}

void Device::print_line(std::string_view s) {
  serial_.write(s);
  serial_.write("\n");
}

void Device::log(std::string_view a, std::string_view b) {
  serial_.write("log: ");
  serial_.write(a);
  serial_.write(b);
  serial_.write("\n");
}

void Device::action(std::string_view verb, std::string_view arg) {
  actions_.push(verb, arg);
}

void Device::apply(uint8_t effects) {
  if (effects & kWsDisconnect) {
    ws_out_.clear();
    action("ws_disconnect", {});
  }
  if (effects & kWifiConnect) {
    log("wifi connecting to ", config_.wifi_ssid);
    action("wifi_connect", config_.wifi_ssid);
  }
  if (effects & kWsConnect) {
    const char* url = hub_url();
    if (tls_unverifiable(config_, url)) {
      // Never connect unverified: fail this attempt (the link backs off and tries the next
      // hub, so a later `config set {"ca_cert":...}` is picked up).
      log("hub refused: wss:// needs a ca_cert to verify the hub with: ", url);
      apply(conn_.ws_event(false, now_));
    } else {
      log("hub connecting to ", url);
      action("ws_connect", url);
    }
  }
  if (effects & kGoOnline) {
    // Whatever was queued belongs to an old connection; the hub must hear the login (when a
    // secret is configured) and "id:" before any frame or answer.
    ws_out_.clear();
    char buf[8 + sizeof config_.device_secret];
    Text t(buf, sizeof buf);
    if (config_.device_secret[0] != '\0') {
      t.add("auth:").add(config_.device_secret);
      ws_out_.push(t.view());
      t.clear();
    }
    t.add("id:").add(id_);
    ws_out_.push(t.view());
    log("hub connected");
  }
}

void Device::tick(uint32_t now_ms) {
  now_ = now_ms;
  if (motor_running_ && reached(now_ms, motor_until_)) motor_running_ = false;
  apply(conn_.tick(now_ms));
  if (conn_.frame_due(now_ms)) {
    // A shell that stopped draining loses frames, never the "id:" line or an answer: a frame
    // is the one message that is stale by the next one.
    if (!ws_out_.fits(kFrameChars)) {
      ++frames_dropped_;
      return;
    }
    char frame[kFrameChars + 1];
    encode_frame(id_, sample_, tap_latched_, frame);
    ws_out_.push(frame);
    tap_latched_ = false;  // the tap was reported: cleared once queued for sending
    ++frames_sent_;
  }
}

void Device::set_accel(float ax, float ay, float az) {
  sample_.accel_g[0] = ax;
  sample_.accel_g[1] = ay;
  sample_.accel_g[2] = az;
  if (std::sqrt(ax * ax + ay * ay + az * az) > kTapThresholdG) tap();
}

void Device::set_rssi(size_t beacon, int dbm) {
  if (beacon < kNumBeacons) sample_.rssi_dbm[beacon] = dbm;
}

void Device::tap() {
  tap_latched_ = true;
  if (leds_.pattern == Pattern::Spring) leds_kick_spring(leds_, now_);
}

bool Device::motor_on() const { return motor_running_ && !reached(now_, motor_until_); }

void Device::wifi_event(bool up, uint32_t now_ms) {
  now_ = now_ms;
  log(up ? "wifi up" : "wifi down");
  apply(conn_.wifi_event(up, now_ms));
}

void Device::ws_event(bool open, uint32_t now_ms) {
  now_ = now_ms;
  const Link was = conn_.state();
  const uint8_t effects = conn_.ws_event(open, now_ms);
  apply(effects);
  if (!open && (was == Link::Online || was == Link::WsConnecting)) {
    ws_out_.clear();  // no frames or answers while disconnected
    char buf[16];
    Text t(buf, sizeof buf);
    t.add_uint(conn_.last_delay()).add(" ms");
    log("hub disconnected, retry in ", t.view());
  }
}

bool Device::hub_noise(std::string_view line) {
  for (std::string_view n : kHubNoise) {
    if (starts_with(line, n)) {
      if (starts_with(line, "id:error")) log("hub refused the device id");
      if (line == "auth:error:invalid") log("hub refused the device secret");
      // This image reached the hub and was accepted: the shell confirms it, so the
      // bootloader keeps it instead of rolling back to the previous one.
      if (line == "id:ok" && !app_confirmed_) {
        app_confirmed_ = true;
        action("app_valid", {});
      }
      return true;
    }
  }
  return false;
}

void Device::ws_receive(std::string_view text, uint32_t now_ms) {
  now_ = now_ms;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty() || hub_noise(line)) continue;
    char buf[kMaxLine + 64];
    Text answer(buf, sizeof buf);
    run_command(line, Source::Hub, now_ms, answer);
    if (conn_.state() == Link::Online) ws_out_.push(answer.view());
  }
}

void Device::status_json(Text& out) const {
  out.add("{\"id\":").add_json_string(id_);
  out.add(",\"version\":").add_json_string(version_);
  out.add(",\"board\":").add_json_string(board_);
  out.add(",\"uptime_ms\":").add_uint(now_ - boot_ms_);
  out.add(",\"link\":").add_json_string(link_name(conn_.state()));
  out.add(",\"wifi\":").add_json_bool(conn_.wifi_up());
  out.add(",\"hub_url\":").add_json_string(hub_url());
  out.add(",\"pattern\":").add_json_string(pattern_name(leds_.pattern));
  out.add(",\"brightness\":").add_uint(leds_.brightness);
  out.add(",\"motor\":").add_json_bool(motor_on());
  out.add(",\"frames_sent\":").add_uint(frames_sent_);
  out.add(",\"frames_dropped\":").add_uint(frames_dropped_);
  out.add(",\"reconnects\":").add_uint(conn_.reconnects());
  constexpr const char* kOtaNames[] = {"idle", "in_progress", "failed", "succeeded"};
  out.add(",\"ota\":{\"state\":").add_json_string(kOtaNames[static_cast<size_t>(ota_)]);
  if (ota_ != OtaState::Idle) out.add(",\"url\":").add_json_string(ota_url_);
  if (ota_ == OtaState::Failed) out.add(",\"error\":").add_json_string(ota_error_);
  out.add("},\"rssi\":[");
  for (size_t i = 0; i < kNumBeacons; ++i) {
    if (i > 0) out.add(',');
    out.add_int(sample_.rssi_dbm[i]);
  }
  out.add("]}");
}

}  // namespace gl
