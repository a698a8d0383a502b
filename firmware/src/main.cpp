// The ESP32-C3 shell: wires the portable core (core/) to the hardware and the network.
//
// Every loop: feed the core the time, sensor samples and console lines; carry out its
// actions; write its pixels, motor and serial output. All decisions live in the core.
#include <Arduino.h>
#include <Preferences.h>
#include <esp_mac.h>

#include "beacons.h"
#include "gl_device.h"
#include "gl_time.h"
#include "hardware.h"
#include "net.h"
#include "trusted_keys.h"

#ifndef GL_FIRMWARE_VERSION
#define GL_FIRMWARE_VERSION "0.0.0-dev"
#endif
#ifndef GL_BOARD
#define GL_BOARD "esp32c3"
#endif

namespace {

constexpr uint32_t kSensorPeriodMs = 10;
constexpr uint32_t kBeaconPeriodMs = 200;
constexpr uint32_t kFactoryResetHoldMs = 5000;
constexpr size_t kConsoleLineMax = sizeof "config set " + gl::kMaxConfigJson;

gl::Device g_device;  // static storage: no heap for the core
shell::Hardware g_hw;
shell::Beacons g_beacons;
shell::Net g_net(g_device);
Preferences g_prefs;

char g_line[kConsoleLineMax + 1];
size_t g_line_len = 0;
bool g_line_overflow = false;
uint32_t g_next_sensor = 0;
uint32_t g_next_beacon = 0;
uint32_t g_button_since = 0;

void report_rssi(int beacon, int rssi) { g_device.set_rssi(static_cast<size_t>(beacon), rssi); }

void load_config(char* out, size_t cap) {
  g_prefs.begin("grouploop", /*readOnly=*/true);
  const size_t n = g_prefs.getString("config", out, cap);
  g_prefs.end();
  if (n == 0) out[0] = '\0';
}

void save_config(const char* json) {
  g_prefs.begin("grouploop", false);
  g_prefs.putString("config", json);
  g_prefs.end();
}

void flush_serial() {
  static char buf[2049];  // the core's serial ring holds at most 2048 characters
  const int n = g_device.serial_out().read(buf, sizeof buf);
  if (n > 0) Serial.write(reinterpret_cast<const uint8_t*>(buf), static_cast<size_t>(n));
}

void run_actions() {
  static char action[gl::ActionQueue::kMaxMessage + 1];  // static: 3 KB, off the loop stack
  while (g_device.actions().pop(action, sizeof action) > 0) {
    char* arg = strchr(action, ' ');
    if (arg != nullptr) *arg++ = '\0';
    const char* argument = arg != nullptr ? arg : "";
    if (strcmp(action, "wifi_connect") == 0) {
      g_net.wifi_connect(argument, g_device.config().wifi_password);
    } else if (strcmp(action, "ws_connect") == 0) {
      g_net.ws_connect(argument);
    } else if (strcmp(action, "ws_disconnect") == 0) {
      g_net.ws_disconnect();
    } else if (strcmp(action, "save_config") == 0) {
      save_config(argument);
    } else if (strcmp(action, "ota") == 0) {
      flush_serial();
      g_net.ota(argument);
    } else if (strcmp(action, "reboot") == 0) {
      flush_serial();
      Serial.flush();
      ESP.restart();
    }
  }
}

void read_console(uint32_t now) {
  while (Serial.available() > 0) {
    const int c = Serial.read();
    if (c == '\n') {
      g_line[g_line_len] = '\0';
      if (g_line_overflow) {
        Serial.println("error:line too long");
      } else {
        g_device.serial_line(g_line, now);
      }
      g_line_len = 0;
      g_line_overflow = false;
    } else if (c != '\r' && c >= 0) {
      if (g_line_len < kConsoleLineMax) {
        g_line[g_line_len++] = static_cast<char>(c);
      } else {
        g_line_overflow = true;
      }
    }
  }
}

void read_sensors(uint32_t now) {
  if (gl::reached(now, g_next_sensor)) {
    g_next_sensor = now + kSensorPeriodMs;
    float ax = 0.0f;
    float ay = 0.0f;
    float az = 0.0f;
    bool tapped = false;
    if (g_hw.read_accel(ax, ay, az, tapped)) {
      g_device.set_accel(ax, ay, az);
      if (tapped) g_device.tap();
    }
  }
  if (gl::reached(now, g_next_beacon)) {
    g_next_beacon = now + kBeaconPeriodMs;
    g_beacons.poll(now, report_rssi);
  }
}

// Holding BOOT for 5 s clears the saved configuration (a lost password, a moved hub).
void watch_button(uint32_t now) {
  if (!g_hw.button_pressed()) {
    g_button_since = 0;
    return;
  }
  if (g_button_since == 0) g_button_since = now | 1;
  if (now - g_button_since >= kFactoryResetHoldMs) {
    Serial.println("log: BOOT held 5 s: saved configuration cleared, rebooting");
    save_config("");
    Serial.flush();
    ESP.restart();
  }
}

}  // namespace

void setup() {
  Serial.begin(115200);
#if ARDUINO_USB_CDC_ON_BOOT
  Serial.setTxTimeoutMs(0);  // never block the loop when no host is listening on USB
#endif
  uint8_t mac[6] = {};
  esp_read_mac(mac, ESP_MAC_WIFI_STA);
  static char config[gl::kMaxConfigJson + 1];
  load_config(config, sizeof config);
  g_device.init(config, mac, GL_FIRMWARE_VERSION, GL_BOARD, millis());
  for (size_t i = 0; i < shell::kTrustedKeyCount; ++i) {
    g_device.trust_key(shell::kTrustedKeys[i].der, shell::kTrustedKeys[i].size);
  }
  g_hw.begin(g_device.config().pins);
  if (!g_hw.accel_ok()) Serial.println("log: LIS2DH12 not found: no motion data");
  g_beacons.begin(g_device.config());
  g_net.begin();
  flush_serial();
  run_actions();
}

void loop() {
  const uint32_t now = millis();
  read_console(now);
  read_sensors(now);
  watch_button(now);
  g_net.poll(now);
  g_device.tick(now);
  run_actions();
  g_net.send();  // the answers to what poll() received and this tick's frame, in this loop
  gl::Rgb pixels[gl::kNumPixels];
  g_device.pixels(pixels);
  g_hw.show(pixels);
  g_hw.motor(g_device.motor_on());
  flush_serial();
  delay(1);  // let the idle task and Wi-Fi run
}
