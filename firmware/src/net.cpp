// Wi-Fi (Arduino WiFi), the hub socket (links2004 WebSocketsClient), OTA (HTTPUpdate).
#include "net.h"

#include <Arduino.h>
#include <HTTPUpdate.h>
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
  httpUpdate.rebootOnUpdate(false);  // the core decides when to reboot
  const t_httpUpdate_return result =
      tls ? httpUpdate.update(secure, url) : httpUpdate.update(plain, url);
  const uint32_t now = millis();
  switch (result) {
    case HTTP_UPDATE_OK:
      device_.ota_result(true, "", now);
      break;
    case HTTP_UPDATE_NO_UPDATES:
      device_.ota_result(false, "no update", now);
      break;
    default:
      device_.ota_result(false, httpUpdate.getLastErrorString().c_str(), now);
      break;
  }
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
