// BLE beacon RSSI: a passive scan that keeps the latest RSSI of the four configured beacons.
#pragma once

#include <cstdint>

#include "gl_config.h"

namespace shell {

class Beacons {
 public:
  void begin(const gl::Config& config);
  // Restarts the scan when it ended and reports fresh readings (a silent beacon reads -100).
  void poll(uint32_t now_ms, void (*report)(int beacon, int rssi_dbm));
};

}  // namespace shell
