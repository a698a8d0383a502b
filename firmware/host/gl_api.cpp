// The C API of grouploop_core.h over gl::Device, for the host build (the Python emulator).
#include <cstring>
#include <new>
#include <string_view>

#include "../core/gl_device.h"

// The library is built with hidden visibility; only the C API is exported.
#pragma GCC visibility push(default)
#include "grouploop_core.h"
#pragma GCC visibility pop

struct gl_device {
  gl::Device dev;
};

namespace {
std::string_view view(const char* s) { return s == nullptr ? std::string_view{} : s; }
size_t capacity(int cap) { return cap > 0 ? static_cast<size_t>(cap) : 0; }
}  // namespace

extern "C" {

gl_device* gl_create(const char* config_json, const uint8_t mac[6], const char* version,
                     const char* board, uint32_t now_ms) {
  static const uint8_t kZeroMac[6] = {0, 0, 0, 0, 0, 0};
  auto* d = new (std::nothrow) gl_device();  // the one allocation, at creation
  if (d == nullptr) return nullptr;
  d->dev.init(view(config_json), mac != nullptr ? mac : kZeroMac, view(version), view(board),
              now_ms);
  return d;
}

void gl_destroy(gl_device* dev) { delete dev; }

void gl_tick(gl_device* dev, uint32_t now_ms) { dev->dev.tick(now_ms); }

void gl_set_accel(gl_device* dev, float ax_g, float ay_g, float az_g) {
  dev->dev.set_accel(ax_g, ay_g, az_g);
}

void gl_set_rssi(gl_device* dev, int beacon, int rssi_dbm) {
  if (beacon >= 0) dev->dev.set_rssi(static_cast<size_t>(beacon), rssi_dbm);
}

void gl_tap(gl_device* dev) { dev->dev.tap(); }

void gl_wifi_event(gl_device* dev, int connected, uint32_t now_ms) {
  dev->dev.wifi_event(connected != 0, now_ms);
}

void gl_ws_event(gl_device* dev, int connected, uint32_t now_ms) {
  dev->dev.ws_event(connected != 0, now_ms);
}

void gl_ws_receive(gl_device* dev, const char* text, uint32_t now_ms) {
  dev->dev.ws_receive(view(text), now_ms);
}

void gl_serial_line(gl_device* dev, const char* line, uint32_t now_ms) {
  dev->dev.serial_line(view(line), now_ms);
}

void gl_ota_result(gl_device* dev, int ok, const char* reason, uint32_t now_ms) {
  dev->dev.ota_result(ok != 0, view(reason), now_ms);
}

int gl_trust_key(gl_device* dev, const uint8_t* der, int len) {
  return dev->dev.trust_key(der, capacity(len)) ? 1 : 0;
}

void gl_ota_data(gl_device* dev, const uint8_t* data, int len) {
  dev->dev.ota_data(data, capacity(len));
}

int gl_ota_verify(gl_device* dev, const char* signature_b64, uint32_t now_ms) {
  return dev->dev.ota_verify(view(signature_b64), now_ms) ? 1 : 0;
}

int gl_next_ws_message(gl_device* dev, char* buf, int cap) {
  return dev->dev.ws_out().pop(buf, capacity(cap));
}

int gl_read_serial(gl_device* dev, char* buf, int cap) {
  return dev->dev.serial_out().read(buf, capacity(cap));
}

int gl_next_action(gl_device* dev, char* buf, int cap) {
  return dev->dev.actions().pop(buf, capacity(cap));
}

static_assert(GL_NUM_PIXELS == gl::kNumPixels, "grouploop_core.h disagrees with gl_leds.h");
static_assert(GL_NUM_BEACONS == gl::kNumBeacons, "grouploop_core.h disagrees with gl_frame.h");

int gl_num_pixels(void) { return static_cast<int>(gl::kNumPixels); }

void gl_pixels(const gl_device* dev, uint8_t* rgb_out) {
  gl::Rgb px[gl::kNumPixels];
  dev->dev.pixels(px);
  for (size_t i = 0; i < gl::kNumPixels; ++i) {
    rgb_out[3 * i] = px[i].r;
    rgb_out[3 * i + 1] = px[i].g;
    rgb_out[3 * i + 2] = px[i].b;
  }
}

uint8_t gl_brightness(const gl_device* dev) { return dev->dev.brightness(); }

int gl_motor_on(const gl_device* dev) { return dev->dev.motor_on() ? 1 : 0; }

void gl_device_id(const gl_device* dev, char out[5]) { std::memcpy(out, dev->dev.id(), 5); }

int gl_status_json(const gl_device* dev, char* buf, int cap) {
  char tmp[gl::kMaxLine];
  gl::Text t(tmp, sizeof tmp);
  dev->dev.status_json(t);
  const size_t n = t.size();
  if (n + 1 > capacity(cap)) return -static_cast<int>(n + 1);
  std::memcpy(buf, tmp, n + 1);
  return static_cast<int>(n);
}

int gl_ca_cert(const gl_device* dev, char* buf, int cap) {
  const char* pem = dev->dev.config().ca_cert;
  const size_t n = std::strlen(pem);
  if (n + 1 > capacity(cap)) return -static_cast<int>(n + 1);
  std::memcpy(buf, pem, n + 1);
  return static_cast<int>(n);
}

uint32_t gl_instance_size(void) { return static_cast<uint32_t>(sizeof(gl_device)); }

}  // extern "C"
