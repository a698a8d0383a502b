// Device configuration: defaults, strict merge, serialisation.
#include "gl_config.h"

#include <cstring>

#include "gl_json.h"
#include "gl_url.h"

namespace gl {

namespace {

constexpr int kMaxGpio = 21;  // ESP32-C3 has GPIO0..GPIO21

struct PinField {
  const char* name;
  int8_t Pins::*member;
};
constexpr PinField kPinFields[] = {{"led", &Pins::led},       {"motor", &Pins::motor},
                                   {"button", &Pins::button}, {"sda", &Pins::sda},
                                   {"scl", &Pins::scl}};

// "aa:bb:cc:dd:ee:ff" in either case; written back lowercase.
bool normalise_mac(std::string_view s, char out[18]) {
  uint8_t mac[6];
  if (!parse_mac(s, mac)) return false;
  Text t(out, 18);
  for (size_t i = 0; i < 6; ++i) {
    if (i > 0) t.add(':');
    t.add_hex2(mac[i]);
  }
  return true;
}

bool fail(Text& reason, std::string_view what, std::string_view key) {
  reason.clear();
  reason.add(what).add(':').add(key);
  return false;
}

bool read_text(const JsonDoc& doc, int tok, std::string_view key, char* dst, size_t cap,
               Text& reason) {
  if (doc.at(static_cast<size_t>(tok)).type != JsonType::Str) {
    return fail(reason, "wrong_type", key);
  }
  if (!doc.get_string(static_cast<size_t>(tok), dst, cap)) return fail(reason, "too_long", key);
  return true;
}

bool merge_pins(const JsonDoc& doc, size_t obj, Pins& pins, Text& reason) {
  if (doc.at(obj).type != JsonType::Object) return fail(reason, "wrong_type", "pins");
  for (size_t k = obj + 1; k < doc.at(obj).next; k = doc.at(k + 1).next) {
    const PinField* field = nullptr;
    for (const PinField& f : kPinFields) {
      if (doc.key_equals(k, f.name)) field = &f;
    }
    if (field == nullptr) return fail(reason, "unknown_key", "pins");
    int32_t v = 0;
    if (!doc.get_int(k + 1, v)) return fail(reason, "wrong_type", field->name);
    if (v < 0 || v > kMaxGpio) return fail(reason, "out_of_range", field->name);
    pins.*(field->member) = static_cast<int8_t>(v);
  }
  for (size_t i = 0; i < 5; ++i) {
    for (size_t j = i + 1; j < 5; ++j) {
      if (pins.*(kPinFields[i].member) == pins.*(kPinFields[j].member)) {
        return fail(reason, "pin_conflict", kPinFields[j].name);
      }
    }
  }
  return true;
}

bool merge_beacons(const JsonDoc& doc, size_t arr, Config& c, Text& reason) {
  if (doc.at(arr).type != JsonType::Array) return fail(reason, "wrong_type", "beacons");
  if (doc.at(arr).count != kNumBeacons) return fail(reason, "need_4_entries", "beacons");
  size_t tok = arr + 1;
  for (size_t i = 0; i < kNumBeacons; ++i, tok = doc.at(tok).next) {
    char raw[20];
    if (doc.at(tok).type != JsonType::Str) return fail(reason, "wrong_type", "beacons");
    if (!doc.get_string(tok, raw, sizeof raw)) return fail(reason, "bad_mac", "beacons");
    if (raw[0] == '\0') {
      c.beacons[i][0] = '\0';
    } else if (!normalise_mac(raw, c.beacons[i])) {
      return fail(reason, "bad_mac", "beacons");
    }
  }
  return true;
}

bool printable_ascii(const char* s) {
  for (; *s != '\0'; ++s) {
    if (*s < 0x20 || *s > 0x7e) return false;
  }
  return true;
}

bool merge_origins(const JsonDoc& doc, size_t arr, Config& c, Text& reason) {
  if (doc.at(arr).type != JsonType::Array) return fail(reason, "wrong_type", "ota_origins");
  if (doc.at(arr).count > kMaxOtaOrigins) return fail(reason, "too_many", "ota_origins");
  size_t tok = arr + 1;
  for (size_t i = 0; i < kMaxOtaOrigins; ++i) c.ota_origins[i][0] = '\0';
  for (size_t i = 0; i < doc.at(arr).count; ++i, tok = doc.at(tok).next) {
    if (!read_text(doc, static_cast<int>(tok), "ota_origins", c.ota_origins[i],
                   sizeof c.ota_origins[i], reason)) {
      return false;
    }
    if (!origin_ok(c.ota_origins[i])) return fail(reason, "bad_origin", "ota_origins");
  }
  return true;
}

// One URL ("ws://a") or an ordered list of 1..kMaxHubUrls different ones (["ws://a","ws://b"]).
bool merge_hub_urls(const JsonDoc& doc, size_t tok, Config& c, Text& reason) {
  const bool list = doc.at(tok).type == JsonType::Array;
  const size_t n = list ? doc.at(tok).count : 1;
  if (list && n == 0) return fail(reason, "empty", "hub_url");
  if (n > kMaxHubUrls) return fail(reason, "too_many", "hub_url");
  for (char* url : c.hub_urls) url[0] = '\0';
  size_t item = list ? tok + 1 : tok;
  for (size_t i = 0; i < n; ++i, item = doc.at(item).next) {
    char* url = c.hub_urls[i];
    if (!read_text(doc, static_cast<int>(item), "hub_url", url, kMaxUrl, reason)) return false;
    if (!url_ok(url, "ws://", "wss://")) return fail(reason, "bad_url", "hub_url");
    for (size_t j = 0; j < i; ++j) {
      if (std::strcmp(c.hub_urls[j], url) == 0) return fail(reason, "duplicate", "hub_url");
    }
  }
  return true;
}

// Empty, the mask (keep), or PEM certificates: only their armour is checked here; the
// shell's TLS library parses them when it connects.
bool merge_ca_cert(const JsonDoc& doc, size_t tok, Config& c, Text& reason) {
  if (doc.at(tok).type != JsonType::Str) return fail(reason, "wrong_type", "ca_cert");
  if (doc.key_equals(tok, kPasswordMask)) return true;  // the masked echo keeps it
  // Straight into the copy being merged (2 KB more on the stack would be a quarter of the
  // ESP32's loop stack); a failure discards the whole copy.
  if (!doc.get_string(tok, c.ca_cert, sizeof c.ca_cert)) return fail(reason, "too_long", "ca_cert");
  const std::string_view pem(c.ca_cert);
  if (!pem.empty() && (!starts_with(pem, "-----BEGIN CERTIFICATE-----") ||
                       pem.find("-----END CERTIFICATE-----") == std::string_view::npos)) {
    return fail(reason, "not_pem", "ca_cert");
  }
  return true;
}

bool merge_member(const JsonDoc& doc, size_t key, Config& c, Text& reason) {
  const int val = static_cast<int>(key + 1);
  if (doc.key_equals(key, "wifi_ssid")) {
    return read_text(doc, val, "wifi_ssid", c.wifi_ssid, sizeof c.wifi_ssid, reason);
  }
  if (doc.key_equals(key, "wifi_password")) {
    char pw[sizeof c.wifi_password];
    if (!read_text(doc, val, "wifi_password", pw, sizeof pw, reason)) return false;
    if (std::strcmp(pw, kPasswordMask) == 0) return true;  // the masked echo keeps it
    const size_t n = std::strlen(pw);
    if (n != 0 && n < 8) return fail(reason, "too_short", "wifi_password");
    std::memcpy(c.wifi_password, pw, sizeof pw);
    return true;
  }
  if (doc.key_equals(key, "device_secret")) {
    char secret[sizeof c.device_secret];
    if (!read_text(doc, val, "device_secret", secret, sizeof secret, reason)) return false;
    if (std::strcmp(secret, kPasswordMask) == 0) return true;  // the masked echo keeps it
    if (!printable_ascii(secret)) return fail(reason, "not_printable", "device_secret");
    std::memcpy(c.device_secret, secret, sizeof secret);
    return true;
  }
  if (doc.key_equals(key, "hub_url")) return merge_hub_urls(doc, key + 1, c, reason);
  if (doc.key_equals(key, "cdn_url")) {
    if (!read_text(doc, val, "cdn_url", c.cdn_url, sizeof c.cdn_url, reason)) return false;
    return url_ok(c.cdn_url, "http://", "https://") || fail(reason, "bad_url", "cdn_url");
  }
  if (doc.key_equals(key, "ca_cert")) return merge_ca_cert(doc, key + 1, c, reason);
  if (doc.key_equals(key, "pins")) return merge_pins(doc, key + 1, c.pins, reason);
  if (doc.key_equals(key, "beacons")) return merge_beacons(doc, key + 1, c, reason);
  if (doc.key_equals(key, "ota_origins")) return merge_origins(doc, key + 1, c, reason);
  char name[33];
  if (!doc.get_string(key, name, sizeof name)) copy_to(name, sizeof name, "?");
  return fail(reason, "unknown_key", name);
}

}  // namespace

void config_defaults(Config& c, std::string_view board) {
  std::memset(&c, 0, sizeof c);
  copy_to(c.hub_urls[0], kMaxUrl, "ws://localhost:5003");
  copy_to(c.cdn_url, sizeof c.cdn_url, "http://localhost:5008");
  // XIAO ESP32C3: D0 LEDs, D1 motor, D4/D5 I2C; DevKitM-1: its on-board RGB LED on GPIO8.
  // Both: the BOOT button on GPIO9.
  c.pins = board == "esp32-c3-devkitm-1" ? Pins{8, 3, 9, 6, 7} : Pins{2, 3, 9, 6, 7};
}

size_t hub_count(const Config& c) {
  size_t n = 0;
  while (n < kMaxHubUrls && c.hub_urls[n][0] != '\0') ++n;
  return n;
}

bool same_hubs(const Config& a, const Config& b) {
  for (size_t i = 0; i < kMaxHubUrls; ++i) {
    if (std::strcmp(a.hub_urls[i], b.hub_urls[i]) != 0) return false;
  }
  return true;
}

bool tls_unverifiable(const Config& c, std::string_view url) {
  return c.ca_cert[0] == '\0' && (starts_with(url, "wss://") || starts_with(url, "https://"));
}

bool config_merge(const Config& base, std::string_view json, Config& out, Text& reason) {
  if (json.size() > kMaxConfigJson) return fail(reason, "too_large", "config");
  JsonToken tokens[48];
  JsonDoc doc(tokens, sizeof tokens / sizeof tokens[0]);
  if (!doc.parse(json)) {
    reason.clear();
    reason.add("invalid_json:").add(doc.error());
    return false;
  }
  if (doc.at(0).type != JsonType::Object) return fail(reason, "wrong_type", "config");
  Config next = base;  // validated as a whole, then swapped in: nothing half-applied
  for (size_t k = 1; k < doc.at(0).next; k = doc.at(k + 1).next) {
    if (!merge_member(doc, k, next, reason)) return false;
  }
  out = next;
  return true;
}

void config_to_json(const Config& c, bool mask_password, Text& out) {
  out.add("{\"wifi_ssid\":").add_json_string(c.wifi_ssid);
  out.add(",\"wifi_password\":");
  if (mask_password && c.wifi_password[0] != '\0') {
    out.add_json_string(kPasswordMask);
  } else {
    out.add_json_string(c.wifi_password);
  }
  // One hub: a string, as before lists existed; several: the array, in order.
  const size_t hubs = hub_count(c);
  out.add(",\"hub_url\":");
  if (hubs > 1) out.add('[');
  for (size_t i = 0; i < hubs; ++i) {
    if (i > 0) out.add(',');
    out.add_json_string(c.hub_urls[i]);
  }
  if (hubs > 1) out.add(']');
  out.add(",\"cdn_url\":").add_json_string(c.cdn_url);
  out.add(",\"pins\":{");
  for (size_t i = 0; i < 5; ++i) {
    if (i > 0) out.add(',');
    out.add('"').add(kPinFields[i].name).add("\":").add_int(c.pins.*(kPinFields[i].member));
  }
  out.add("},\"beacons\":[");
  for (size_t i = 0; i < kNumBeacons; ++i) {
    if (i > 0) out.add(',');
    out.add_json_string(c.beacons[i]);
  }
  out.add("],\"ota_origins\":[");
  for (size_t i = 0; i < kMaxOtaOrigins && c.ota_origins[i][0] != '\0'; ++i) {
    if (i > 0) out.add(',');
    out.add_json_string(c.ota_origins[i]);
  }
  out.add("],\"ca_cert\":");
  out.add_json_string(mask_password && c.ca_cert[0] != '\0' ? kPasswordMask : c.ca_cert);
  out.add(",\"device_secret\":");
  const bool hide = mask_password && c.device_secret[0] != '\0';
  out.add_json_string(hide ? kPasswordMask : c.device_secret);
  out.add('}');
}

}  // namespace gl
