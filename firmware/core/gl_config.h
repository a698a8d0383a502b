// Device configuration: defaults per board, strict JSON merge with whole-object validation,
// and serialisation (the Wi-Fi password masked wherever the text may be shown).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gl_frame.h"
#include "gl_text.h"

namespace gl {

constexpr size_t kMaxConfigJson = 1024;  // larger input is refused before parsing
constexpr char kPasswordMask[] = "********";
constexpr size_t kMaxOtaOrigins = 2;  // e.g. the CDN and its successor while moving

struct Pins {
  int8_t led, motor, button, sda, scl;
};

struct Config {
  char wifi_ssid[33];      // empty: no network configured
  char wifi_password[64];  // empty (open network) or 8..63 characters (WPA2)
  char hub_url[129];       // ws:// or wss://
  char cdn_url[129];       // http:// or https://
  Pins pins;               // ESP32-C3 GPIO numbers 0..21, all different
  char beacons[kNumBeacons][18];  // "aa:bb:cc:dd:ee:ff" (lowercase) or "" (unset)
  // Where OTA images may come from ("http(s)://host[:port]"); none set: cdn_url's origin.
  char ota_origins[kMaxOtaOrigins][80];
};

void config_defaults(Config& c, std::string_view board);
// Merges `json` (an object; every key optional) over `base` into `out`. On failure returns
// false, writes a reason and leaves `out` untouched. "********" as the password keeps it.
bool config_merge(const Config& base, std::string_view json, Config& out, Text& reason);
// mask_password: "********" instead of a non-empty password (for anything shown to people).
void config_to_json(const Config& c, bool mask_password, Text& out);

}  // namespace gl
