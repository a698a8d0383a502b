// One GroupLoop device: the whole firmware logic behind a sans-I/O interface.
//
// Inputs: time, sensor samples, connection events, hub messages, console lines, OTA results.
// Outputs: WebSocket messages, serial text, actions for the shell, pixels, motor.
// All storage is inside the object (fixed sizes): no allocation after start-up (init and
// trust_key), except mbedTLS's transient one while an OTA image's signature is checked
// (gl_signature.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gl_config.h"
#include "gl_connection.h"
#include "gl_frame.h"
#include "gl_leds.h"
#include "gl_queue.h"
#include "gl_signature.h"
#include "gl_text.h"
#include "gl_version.h"

namespace gl {

enum class OtaState : uint8_t { Idle, InProgress, Failed, Succeeded };
enum class Source : uint8_t { Hub, Console };

constexpr size_t kMaxLine = 512;  // longest hub line the device accepts
// Actions carry at most "save_config " and a whole configuration.
using ActionQueue = MessageQueue<2 * (kMaxConfigJson + 16)>;
// Prefixes of the lines the hub sends that are not commands: its greeting and its protocol
// answers. Ignored, never answered. Browser devices read the same list from
// cdn/static/commands.json ("device"); firmware/test/test_shared_facts.cpp pins the two.
inline constexpr std::string_view kHubNoise[] = {"Connected to", "id:",  "pong", "stream:",
                                                 "cmd:",         "ans:", "auth:"};

class Device {
 public:
  void init(std::string_view config_json, const uint8_t mac[6], std::string_view version,
            std::string_view board, uint32_t now_ms);
  void tick(uint32_t now_ms);

  void set_accel(float ax, float ay, float az);
  void set_rssi(size_t beacon, int dbm);
  void tap();  // at the time of the last tick or event

  void wifi_event(bool up, uint32_t now_ms);
  void ws_event(bool open, uint32_t now_ms);
  void ws_receive(std::string_view text, uint32_t now_ms);
  void serial_line(std::string_view line, uint32_t now_ms);
  void ota_result(bool ok, std::string_view reason, uint32_t now_ms);

  // Start-up: trusts one OTA signing key (DER SubjectPublicKeyInfo, EC P-256); the shell
  // passes the keys compiled into the firmware. False when it is not one (logged).
  bool trust_key(const uint8_t* der, size_t len);
  // OTA, after the "ota" action: the shell streams every downloaded byte through ota_data()
  // as it writes them to the inactive slot, then calls ota_verify() with the signature that
  // came with the image (base64 DER). True: the shell may make the slot the boot image, then
  // reports ota_result(). False: refused (bad or missing signature, older version, not an
  // app image); the core has answered with the reason, the shell discards the slot and
  // reports nothing more. ota_result(true) without an accepted ota_verify() is a failure.
  void ota_data(const uint8_t* data, size_t len);
  bool ota_verify(std::string_view signature_b64, uint32_t now_ms);

  // Runs one command line; the answer ("ans:{...}") goes to `answer`.
  void run_command(std::string_view line, Source from, uint32_t now_ms, Text& answer);
  void status_json(Text& out) const;

  MessageQueue<4096>& ws_out() { return ws_out_; }
  ActionQueue& actions() { return actions_; }
  TextStream<2048>& serial_out() { return serial_; }

  void pixels(Rgb out[kNumPixels]) const { leds_render(leds_, now_, out); }
  const LedState& leds() const { return leds_; }
  uint8_t brightness() const { return leds_.brightness; }
  bool motor_on() const;
  const char* id() const { return id_; }
  const Config& config() const { return config_; }
  // The hub URL the link uses (or is about to try): the configured list's entry at
  // connection().hub().
  const char* hub_url() const { return config_.hub_urls[conn_.hub()]; }
  const Connection& connection() const { return conn_; }
  OtaState ota_state() const { return ota_; }

 private:
  void apply(uint8_t effects);
  void action(std::string_view verb, std::string_view arg);
  void log(std::string_view a, std::string_view b = {});
  void print_line(std::string_view s);
  void boot_banner();
  bool hub_noise(std::string_view line);
  void config_command(std::string_view args, uint32_t now_ms);

  // Command handlers: they validate fully before changing anything.
  void cmd_led(std::string_view p, Text& data, const char*& err);
  void cmd_led_set(std::string_view p, Text& data, const char*& err);
  void cmd_led_off(std::string_view p, Text& data, const char*& err);
  void cmd_pattern(std::string_view p, Text& data, const char*& err);
  void cmd_brightness(std::string_view p, Text& data, const char*& err);
  void cmd_spring_param(std::string_view p, Text& data, const char*& err);
  void cmd_vibrate(std::string_view p, Text& data, const char*& err);
  void cmd_ota(std::string_view p, Text& data, const char*& err);
  void cmd_ota_downgrade(std::string_view p, Text& data, const char*& err);
  void start_ota(std::string_view url, bool force, Text& data, const char*& err);
  bool ota_origin_allowed(std::string_view url) const;
  void led_state_json(Text& out) const;

  friend struct CommandTable;

  Config config_{};
  LedState leds_{};
  Connection conn_{};
  SensorSample sample_{};
  bool tap_latched_ = false;
  uint32_t motor_until_ = 0;
  // Whether a vibration is running: the deadline alone would read as "on" again once the
  // clock is 2^31 ms past it (wrap-safe comparison), so tick() ends the run explicitly.
  bool motor_running_ = false;
  uint32_t now_ = 0;
  uint32_t boot_ms_ = 0;
  uint32_t frames_sent_ = 0;
  uint32_t frames_dropped_ = 0;
  bool app_confirmed_ = false;  // "app_valid" asked for (once per boot)
  OtaState ota_ = OtaState::Idle;
  bool ota_force_ = false;     // ota_downgrade: an older version is allowed
  bool ota_verified_ = false;  // ota_verify accepted the downloaded image
  char ota_url_[200] = {};
  char ota_error_[96] = {};
  uint8_t ota_head_[kAppHeadBytes] = {};  // the image's first bytes: its version
  size_t ota_head_len_ = 0;
  ImageVerifier verifier_;
  char id_[5] = {};
  char version_[24] = {};
  char board_[32] = {};
  MessageQueue<4096> ws_out_;
  ActionQueue actions_;
  // Scratch of `config set` (members, not locals: together 5 KB, too much for the stack).
  Config config_next_{};
  char config_text_[kMaxConfigJson + 32] = {};
  TextStream<2048> serial_;
};

}  // namespace gl
