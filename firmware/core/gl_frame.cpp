// The sensor frame encoder.
#include "gl_frame.h"

#include <cmath>

#include "gl_text.h"

namespace gl {

uint8_t accel_byte(float g) {
  if (std::isnan(g)) g = 0.0f;
  const float v = std::floor((g + 2.0f) * (255.0f / 4.0f) + 0.5f);
  if (v <= 0.0f) return 0;
  if (v >= 255.0f) return 255;
  return static_cast<uint8_t>(v);
}

uint8_t rssi_byte(int dbm) {
  if (dbm <= -100) return 0;
  if (dbm >= -40) return 255;
  // Integer rounding to nearest: (dbm + 100) * 255 / 60.
  return static_cast<uint8_t>(((dbm + 100) * 255 * 2 + 60) / 120);
}

void encode_frame(const char id[5], const SensorSample& s, bool tap, char* out) {
  Text t(out, kFrameChars + 1);
  for (size_t i = 0; i < 4; ++i) t.add(id[i]);
  for (float g : s.accel_g) t.add_hex2(accel_byte(g));
  for (int dbm : s.rssi_dbm) t.add_hex2(rssi_byte(dbm));
  t.add_hex2(tap ? 0xff : 0x00);
}

}  // namespace gl
