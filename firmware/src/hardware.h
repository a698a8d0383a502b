// The wearable's hardware: NeoPixels, vibration motor, LIS2DH12 accelerometer, BOOT button.
#pragma once

#include <cstdint>

#include "gl_config.h"
#include "gl_leds.h"

namespace shell {

class Hardware {
 public:
  void begin(const gl::Pins& pins);
  void show(const gl::Rgb pixels[gl::kNumPixels]);  // writes only when something changed
  void motor(bool on);
  // The latest sample in g and whether the click detector saw a tap; false when no new data.
  bool read_accel(float& ax, float& ay, float& az, bool& tapped);
  bool button_pressed() const;
  bool accel_ok() const { return accel_ok_; }

 private:
  gl::Pins pins_{};
  gl::Rgb shown_[gl::kNumPixels] = {};
  bool accel_ok_ = false;
};

}  // namespace shell
