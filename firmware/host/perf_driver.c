/* CPU cost of device time: ticks one device every 5 ms for N simulated seconds with frames
 * streaming, sensor samples every 10 ms, RSSI every 200 ms, and pixels read every tick.
 * `make perf` runs it under callgrind for two durations; the difference over the extra
 * seconds is the cost of one simulated second, without start-up. */
#include <stdio.h>
#include <stdlib.h>

#include "grouploop_core.h"

int main(int argc, char** argv) {
  const unsigned seconds = argc > 1 ? (unsigned)atoi(argv[1]) : 10;
  const uint8_t mac[6] = {1, 2, 3, 4, 5, 6};
  gl_device* d = gl_create("", mac, "1.0.0", "seeed_xiao_esp32c3", 0);
  gl_wifi_event(d, 1, 0);
  gl_ws_event(d, 1, 0);
  if (argc > 2) {
    char line[64];
    const int n = snprintf(line, sizeof line, "cmd pattern:%s", argv[2]);
    gl_serial_line(d, line, (uint32_t)(n < (int)sizeof line ? n : (int)sizeof line - 1), 0);
  }
  char buf[4096];
  uint8_t px[GL_NUM_PIXELS * 3];
  unsigned long messages = 0;
  for (uint32_t t = 0; t < seconds * 1000u; t += 5) {
    if (t % 10 == 0) gl_set_accel(d, 0.01f * (float)(t % 100), 0.5f, 1.0f);
    if (t % 200 == 0) {
      for (int b = 0; b < GL_NUM_BEACONS; ++b) gl_set_rssi(d, b, -60 - b);
    }
    gl_tick(d, t);
    while (gl_next_ws_message(d, buf, sizeof buf) > 0) ++messages;
    while (gl_next_action(d, buf, sizeof buf) > 0) {
    }
    gl_read_serial(d, buf, sizeof buf);
    gl_pixels(d, px);
  }
  printf("%u s: %lu messages, %u bytes per device\n", seconds, messages, gl_instance_size());
  gl_destroy(d);
  return 0;
}
