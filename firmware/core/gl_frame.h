// The 20-hex-character sensor frame (docs/protocol.md): id, acceleration, beacon RSSI, tap.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gl {

constexpr size_t kNumBeacons = 4;  // NW, NE, SE, SW
constexpr size_t kFrameChars = 20;
constexpr int kRssiMissing = -100;

struct SensorSample {
  float accel_g[3] = {0.0f, 0.0f, 1.0f};
  int rssi_dbm[kNumBeacons] = {kRssiMissing, kRssiMissing, kRssiMissing, kRssiMissing};
};

// −2 g..+2 g → 0..255, clamped, rounded half to even; NaN reads as 0 g.
uint8_t accel_byte(float g);
// −100 dBm..−40 dBm → 0..255, clamped, rounded half to even.
uint8_t rssi_byte(int dbm);
// Writes kFrameChars lowercase hex characters plus a NUL into out (kFrameChars + 1 bytes).
void encode_frame(const char id[5], const SensorSample& s, bool tap, char* out);

}  // namespace gl
