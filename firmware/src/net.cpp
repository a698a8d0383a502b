// Wi-Fi (Arduino WiFi), the hub socket (links2004 WebSocketsClient), OTA (HTTPClient + Update).
#include "net.h"

#include <Arduino.h>
#include <HTTPClient.h>
#include <Update.h>
#include <WebSocketsClient.h>
#include <WiFi.h>
#include <WiFiClientSecure.h>

#include "gl_url.h"

namespace shell {

namespace {

WebSocketsClient g_ws;
gl::Device* g_device = nullptr;
bool g_ws_wanted = false;  // false after the core asked to drop the socket
// The library retries a failed connect on its own after this; the core's backoff (and its
// 10 s connect timeout) decide everything beyond one attempt.
constexpr uint32_t kLibraryRetryMs = 4000;
// OTA: a download that sends nothing for this long fails (the core reports the reason).
constexpr uint32_t kOtaIdleTimeoutMs = 5000;
// The CDN sends the image's signature (base64 DER) in this header (docs/cdn.md).
const char kSignatureHeader[] = "X-GroupLoop-Signature";

// Streams the HTTP body into the inactive OTA slot and through the core's hash; "" when the
// whole image arrived and was written, else why not.
String stream_to_slot(HTTPClient& http, size_t length, gl::Device& device) {
  WiFiClient* stream = http.getStreamPtr();
  static uint8_t buf[1024];  // static: the loop's stack stays small
  size_t total = 0;
  uint32_t last_data = millis();
  while (total < length) {
    const int available = stream->available();
    if (available <= 0) {
      if (!http.connected()) break;
      if (millis() - last_data > kOtaIdleTimeoutMs) return "download_stalled";
      delay(1);
      continue;
    }
    const size_t want = static_cast<size_t>(available) < sizeof buf ? available : sizeof buf;
    const int got = stream->read(buf, want);
    if (got <= 0) continue;
    last_data = millis();
    const size_t n = static_cast<size_t>(got);
    if (Update.write(buf, n) != n) return String("flash_write: ") + Update.errorString();
    device.ota_data(buf, n);
    total += n;
  }
  if (total != length) return String("truncated: ") + total + " of " + length + " bytes";
  return "";
}

void on_ws_event(WStype_t type, uint8_t* payload, size_t length) {
  const uint32_t now = millis();
  switch (type) {
    case WStype_CONNECTED:
      g_device->ws_event(true, now);
      break;
    case WStype_DISCONNECTED:
      if (g_ws_wanted) g_device->ws_event(false, now);  // a close we caused is no news
      break;
    case WStype_TEXT:
      g_device->ws_receive(std::string_view(reinterpret_cast<const char*>(payload), length), now);
      break;
    default:
      break;  // binary, ping/pong and fragments carry nothing for the device
  }
}

}  // namespace

void Net::begin() {
  g_device = &device_;
  WiFi.mode(WIFI_STA);
  WiFi.setAutoReconnect(true);
  g_ws.onEvent(on_ws_event);
  g_ws.setReconnectInterval(kLibraryRetryMs);
  g_ws.enableHeartbeat(15000, 3000, 2);  // a silent hub is noticed within ~20 s
}

void Net::wifi_connect(const char* ssid, const char* password) {
  if (ssid[0] == '\0') {
    Serial.println("log: no Wi-Fi configured: config set {\"wifi_ssid\":\"...\",\"wifi_password\":\"...\"}");
    return;
  }
  WiFi.disconnect();
  WiFi.begin(ssid, password[0] != '\0' ? password : nullptr);
}

void Net::ws_connect(const char* url) {
  gl::UrlParts parts{};
  if (!gl::split_url(url, parts)) return;  // validated by the core; the timeout covers it
  if (parts.secure) {
    // Verified against the provisioned CA (the core refuses wss:// without one). The library
    // keeps the pointer: the configuration lives as long as the device.
    g_ws.beginSslWithCA(parts.host, parts.port, parts.path, g_device->config().ca_cert);
  } else {
    g_ws.begin(parts.host, parts.port, parts.path);
  }
  g_ws_wanted = true;
}

void Net::ws_disconnect() {
  g_ws_wanted = false;
  g_ws.disconnect();
}

void Net::ota(const char* url) {
  gl::UrlParts parts{};
  WiFiClient plain;
  WiFiClientSecure secure;
  // The server is verified against the provisioned CA (the core refuses https:// without one).
  secure.setCACert(device_.config().ca_cert);
  const bool tls = gl::split_url(url, parts) && parts.secure;
  HTTPClient http;
  http.setTimeout(static_cast<uint16_t>(kOtaIdleTimeoutMs));
  http.setFollowRedirects(HTTPC_DISABLE_FOLLOW_REDIRECTS);  // the core allowed this origin
  http.setUserAgent("ESP32-http-Update");
  http.addHeader("x-ESP32-STA-MAC", WiFi.macAddress());
  const char* wanted[] = {"x-MD5", kSignatureHeader};
  http.collectHeaders(wanted, 2);
  const bool started = tls ? http.begin(secure, url) : http.begin(plain, url);
  const int code = started ? http.GET() : HTTPC_ERROR_CONNECTION_REFUSED;
  String failure;
  if (code != HTTP_CODE_OK) {
    failure = code > 0 ? String("http_") + code
                       : String("download_failed: ") + HTTPClient::errorToString(code);
  } else {
    // The CDN always sends Content-Length: a chunked body (-1) is refused rather than
    // parsed, and a known size lets Update refuse an image larger than the slot up front.
    const int length = http.getSize();
    if (length <= 0) {
      failure = "no_content_length";
    } else if (!Update.begin(static_cast<size_t>(length))) {
      failure = String("image_too_large: ") + Update.errorString();
    } else {
      const String md5 = http.header("x-MD5");
      if (md5.length() == 32) Update.setMD5(md5.c_str());
      failure = stream_to_slot(http, static_cast<size_t>(length), device_);
    }
  }
  const String signature = http.header(kSignatureHeader);
  http.end();
  if (failure.length() > 0) {
    Update.abort();
    device_.ota_result(false, failure.c_str(), millis());
    return;
  }
  if (!device_.ota_verify(signature.c_str(), millis())) {
    Update.abort();  // refused: the core has answered why; the boot partition is untouched
    return;
  }
  // end() checks the MD5 and only then makes the new slot the boot partition.
  if (!Update.end()) {
    device_.ota_result(false, (String("update_end: ") + Update.errorString()).c_str(), millis());
    return;
  }
  device_.ota_result(true, "", millis());
}

void Net::poll(uint32_t now_ms) {
  const bool up = WiFi.status() == WL_CONNECTED;
  if (up != wifi_up_) {
    wifi_up_ = up;
    device_.wifi_event(up, now_ms);
  }
  if (g_ws_wanted) g_ws.loop();
}

void Net::send() {
  char message[gl::MessageQueue<4096>::kMaxMessage + 1];
  while (device_.ws_out().pop(message, sizeof message) > 0) {
    g_ws.sendTXT(message);
  }
}

}  // namespace shell
