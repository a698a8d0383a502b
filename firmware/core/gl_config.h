// Device configuration: defaults per board, strict JSON merge with whole-object validation,
// and serialisation (the Wi-Fi password and the device secret masked wherever the text may be
// shown).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gl_frame.h"
#include "gl_text.h"

namespace gl {

// A PEM CA certificate of up to kMaxCaCert - 1 characters: an RSA-4096 root such as
// ISRG Root X1 is 1,939; the JSON escapes of its line breaks add ~2 %.
constexpr size_t kMaxCaCert = 2048;
constexpr size_t kMaxConfigJson = 3072;  // larger input is refused before parsing
constexpr char kPasswordMask[] = "********";
constexpr size_t kMaxOtaOrigins = 2;  // e.g. the CDN and its successor while moving
// Hubs a device fails over between (a cluster's hubs, or a venue's main hub and its spare).
constexpr size_t kMaxHubUrls = 4;
constexpr size_t kMaxUrl = 129;  // 128 characters and the NUL

struct Pins {
  int8_t led, motor, button, sda, scl;
};

struct Config {
  char wifi_ssid[33];      // empty: no network configured
  char wifi_password[64];  // empty (open network) or 8..63 characters (WPA2)
  // "hub_url": one ws:// or wss:// URL, or an ordered list of up to kMaxHubUrls different
  // ones (JSON array); here the first `hub_count` entries, the rest empty.
  char hub_urls[kMaxHubUrls][kMaxUrl];
  char cdn_url[kMaxUrl];   // http:// or https://
  Pins pins;               // ESP32-C3 GPIO numbers 0..21, all different
  char beacons[kNumBeacons][18];  // "aa:bb:cc:dd:ee:ff" (lowercase) or "" (unset)
  // Where OTA images may come from ("http(s)://host[:port]"); none set: cdn_url's origin.
  char ota_origins[kMaxOtaOrigins][80];
  // PEM CA certificate that wss:// and https:// servers are verified with; empty: such
  // URLs are refused (never connected without verification).
  char ca_cert[kMaxCaCert];
  // The hub credential bound to this device's id (docs/protocol.md, Authentication): up to 64
  // printable ASCII characters, sent as "auth:<secret>" when online; empty: no login (open hub).
  char device_secret[65];
};

// How many hub URLs `c` lists (at least 1 in any configuration the core accepted).
size_t hub_count(const Config& c);
// Whether `a` and `b` list the same hubs in the same order.
bool same_hubs(const Config& a, const Config& b);

// True when `url` needs TLS (wss:// or https://) and `c` has no CA to verify it with.
bool tls_unverifiable(const Config& c, std::string_view url);

void config_defaults(Config& c, std::string_view board);
// Merges `json` (an object; every key optional) over `base` into `out`. On failure returns
// false, writes a reason and leaves `out` untouched. "********" as the password, the CA
// certificate or the device secret keeps it.
bool config_merge(const Config& base, std::string_view json, Config& out, Text& reason);
// mask_password: "********" instead of a non-empty password, CA certificate or device secret
// (for anything shown to people; the certificate is no secret, but 2 KB would drown the
// console).
void config_to_json(const Config& c, bool mask_password, Text& out);

}  // namespace gl
