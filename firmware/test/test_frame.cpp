// Sensor frame encoding (docs/protocol.md "Sensor frame"): the shared table of cases,
// tests/data/frame_cases.json, that grouploop.frame and HitloopDevice.js also run, and the
// inputs only the firmware sees (NaN and infinities from a faulty accelerometer).
#include <cmath>
#include <string>

#include "data_file.h"
#include "gl_frame.h"
#include "harness.h"

TEST(frame_encodes_every_shared_case) {
  const t::JsonFile table("tests/data/frame_cases.json");
  const auto cases = table.elements(table.member(0, "encode"));
  CHECK(cases.size() >= 5u);
  for (size_t c : cases) {
    ROW(table.str(table.member(c, "case")));
    const auto accel = table.elements(table.member(c, "accel_g"));
    const auto rssi = table.elements(table.member(c, "rssi_dbm"));
    const std::string id = table.str(table.member(c, "id"));
    CHECK_EQ(accel.size(), 3u);
    CHECK_EQ(rssi.size(), gl::kNumBeacons);
    CHECK_EQ(id.size(), 4u);
    if (accel.size() != 3u || rssi.size() != gl::kNumBeacons || id.size() != 4u) continue;
    gl::SensorSample s;
    for (size_t i = 0; i < 3; ++i) s.accel_g[i] = static_cast<float>(table.number(accel[i]));
    for (size_t i = 0; i < gl::kNumBeacons; ++i) {
      s.rssi_dbm[i] = static_cast<int>(table.number(rssi[i]));
    }
    char out[gl::kFrameChars + 1];
    gl::encode_frame(id.c_str(), s, table.boolean(table.member(c, "tap")), out);
    CHECK_EQ(std::string(out), table.str(table.member(c, "frame")));
  }
}

TEST(frame_accel_not_a_number_reads_as_zero_g_and_infinities_clamp) {
  CHECK_EQ(static_cast<int>(gl::accel_byte(NAN)), 128);
  CHECK_EQ(static_cast<int>(gl::accel_byte(INFINITY)), 255);
  CHECK_EQ(static_cast<int>(gl::accel_byte(-INFINITY)), 0);
}
