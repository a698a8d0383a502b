// Sensor frame encoding at the edges (docs/protocol.md "Sensor frame").
#include <cmath>
#include <string>

#include "gl_frame.h"
#include "harness.h"

TEST(frame_accel_mapping) {
  struct Row {
    float g;
    int byte;
  };
  const Row rows[] = {{-2.0f, 0},    {2.0f, 255},  {0.0f, 128},  {-2.5f, 0},  {9.0f, 255},
                      {-100.f, 0},   {1.0f, 191},  {-1.0f, 64},  {1.99f, 254}, {NAN, 128},
                      {INFINITY, 255}, {-INFINITY, 0}};
  for (const Row& r : rows) {
    ROW(std::to_string(r.g));
    CHECK_EQ(static_cast<int>(gl::accel_byte(r.g)), r.byte);
  }
}

TEST(frame_rssi_mapping) {
  struct Row {
    int dbm;
    int byte;
  };
  const Row rows[] = {{-100, 0}, {-40, 255}, {-70, 128}, {-101, 0}, {-200, 0},
                      {-39, 255}, {0, 255},   {-99, 4},   {-41, 251}, {-98, 8}, {-94, 26}};
  for (const Row& r : rows) {
    ROW(std::to_string(r.dbm));
    CHECK_EQ(static_cast<int>(gl::rssi_byte(r.dbm)), r.byte);
  }
}

TEST(frame_layout_is_20_lowercase_hex) {
  gl::SensorSample s;
  s.accel_g[0] = -2.0f;
  s.accel_g[1] = 2.0f;
  s.accel_g[2] = 0.0f;
  s.rssi_dbm[0] = -100;
  s.rssi_dbm[1] = -40;
  s.rssi_dbm[2] = -70;
  s.rssi_dbm[3] = -30;
  char out[gl::kFrameChars + 1];
  gl::encode_frame("a1b2", s, true, out);
  CHECK_EQ(std::string(out), std::string("a1b200ff8000ff80ffff"));
  gl::encode_frame("a1b2", s, false, out);
  CHECK_EQ(std::string(out), std::string("a1b200ff8000ff80ff00"));
}
