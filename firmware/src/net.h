// Wi-Fi, the hub WebSocket and HTTP OTA, driven by the core's actions.
#pragma once

#include <cstdint>

#include "gl_device.h"

namespace shell {

class Net {
 public:
  explicit Net(gl::Device& device) : device_(device) {}
  void begin();
  void wifi_connect(const char* ssid, const char* password);
  void ws_connect(const char* url);
  void ws_disconnect();
  // Runs the update (blocking): streams the image into the inactive slot and through the
  // core's hash, asks the core (signature, version), and only when it accepts lets Update
  // switch the boot partition. Reports to the core; never reboots by itself.
  void ota(const char* url);
  // Reports Wi-Fi changes and runs the socket (which delivers hub messages to the core).
  void poll(uint32_t now_ms);
  // Sends what the core queued for the hub.
  void send();

 private:
  gl::Device& device_;
  bool wifi_up_ = false;
};

}  // namespace shell
