// The C API conventions of grouploop_core.h: buffers, pops, pixels, ids, instance size.
#include <cstring>
#include <string>

#include "grouploop_core.h"
#include "harness.h"

namespace {
const uint8_t kMac[6] = {1, 2, 3, 4, 0xbe, 0xef};
}

TEST(api_small_buffers_report_the_size_and_consume_nothing) {
  gl_device* d = gl_create(nullptr, kMac, "9.9.9", "seeed_xiao_esp32c3", 0);
  CHECK(d != nullptr);
  char small[8];
  const std::string boot = "GroupLoop 9.9.9 board=seeed_xiao_esp32c3 id=beef\n";
  const int needed = -gl_read_serial(d, small, sizeof small);
  CHECK(needed > static_cast<int>(boot.size()));
  char big[512];
  const int n = gl_read_serial(d, big, needed);
  CHECK_EQ(std::string(big, static_cast<size_t>(n)).substr(0, boot.size()), boot);
  CHECK_EQ(gl_read_serial(d, big, sizeof big), 0);
  CHECK_EQ(gl_next_action(d, small, 4), -13);  // "wifi_connect" + NUL
  CHECK_EQ(gl_next_action(d, big, 13), 12);
  CHECK_EQ(gl_next_action(d, big, sizeof big), 0);
  CHECK_EQ(gl_status_json(d, small, sizeof small) < 0, true);
  CHECK(gl_status_json(d, big, sizeof big) > 0);
  CHECK_EQ(std::string(big).substr(0, 13), std::string("{\"id\":\"beef\","));
  CHECK_EQ(gl_next_ws_message(d, big, 0), 0);
  gl_destroy(d);
}

TEST(api_outputs) {
  gl_device* d = gl_create("{\"wifi_ssid\":\"n\"}", kMac, "1", "esp32-c3-devkitm-1", 100);
  char id[5];
  gl_device_id(d, id);
  CHECK_EQ(std::string(id), std::string("beef"));
  gl_serial_line(d, "cmd led:102030", 100);
  gl_serial_line(d, "cmd brightness:255", 100);
  uint8_t rgb[GL_NUM_PIXELS * 3];
  gl_pixels(d, rgb);
  CHECK_EQ(static_cast<int>(rgb[0]), 0x10);
  CHECK_EQ(static_cast<int>(rgb[17]), 0x30);
  CHECK_EQ(static_cast<int>(gl_brightness(d)), 255);
  gl_serial_line(d, "cmd vibrate:10", 100);
  CHECK_EQ(gl_motor_on(d), 1);
  gl_tick(d, 110);
  CHECK_EQ(gl_motor_on(d), 0);
  gl_set_rssi(d, -1, -50);  // out-of-range beacons are ignored
  gl_set_rssi(d, 4, -50);
  gl_set_rssi(d, 3, -40);
  char buf[512];
  gl_status_json(d, buf, sizeof buf);
  CHECK(std::string(buf).find("\"rssi\":[-100,-100,-100,-40]") != std::string::npos);
  CHECK(gl_instance_size() > 4096u);
  // The configuration (with its 2 KB CA certificate) and a save_config action dominate.
  CHECK(gl_instance_size() < 32768u);
  gl_destroy(d);
}

TEST(api_time_wraps_like_millis) {
  const uint32_t start = 0xffffff00u;
  gl_device* d = gl_create(nullptr, kMac, "1", "b", start);
  gl_wifi_event(d, 1, start);
  gl_ws_event(d, 1, start);
  int frames = 0;
  char buf[64];
  for (uint32_t t = start; t != start + 1000u; t += 5u) {
    gl_tick(d, t);
    while (gl_next_ws_message(d, buf, sizeof buf) > 0) ++frames;
  }
  CHECK_EQ(frames, 21);  // id + 20 frames across the wrap
  gl_serial_line(d, "cmd vibrate:500", 0xfffffff0u);
  gl_tick(d, 0x100u);
  CHECK_EQ(gl_motor_on(d), 1);
  gl_tick(d, 0x200u);
  CHECK_EQ(gl_motor_on(d), 0);
  gl_destroy(d);
}
