// The sensor frame encoder.
#include "gl_frame.h"

#include <cmath>

#include "gl_text.h"

namespace gl {

namespace {
// Linear map of [low, high] onto 0..255, rounded half to even in double precision: exactly
// what the Python codec (grouploop/frame.py, built-in round()) computes.
uint8_t to_byte(double value, double low, double high) {
  const double v = std::nearbyint((value - low) * 255.0 / (high - low));
  if (!(v > 0.0)) return 0;  // also NaN
  if (v >= 255.0) return 255;
  return static_cast<uint8_t>(v);
}
}  // namespace

uint8_t accel_byte(float g) { return to_byte(std::isnan(g) ? 0.0 : g, -2.0, 2.0); }

uint8_t rssi_byte(int dbm) { return to_byte(dbm, -100.0, -40.0); }

void encode_frame(const char id[5], const SensorSample& s, bool tap, char* out) {
  Text t(out, kFrameChars + 1);
  for (size_t i = 0; i < 4; ++i) t.add(id[i]);
  for (float g : s.accel_g) t.add_hex2(accel_byte(g));
  for (int dbm : s.rssi_dbm) t.add_hex2(rssi_byte(dbm));
  t.add_hex2(tap ? 0xff : 0x00);
}

}  // namespace gl
