// The wearable's hardware with Adafruit NeoPixel and the SparkFun LIS2DH12 library.
#include "hardware.h"

#include <Adafruit_NeoPixel.h>
#include <Arduino.h>
#include <SparkFun_LIS2DH12.h>
#include <Wire.h>

#include <cstring>

namespace shell {

namespace {
Adafruit_NeoPixel g_strip;
SPARKFUN_LIS2DH12 g_accel;
// Click threshold: 1 LSB is 62 mg at ±8 g full scale, so 48 LSB ≈ 3 g (docs/protocol.md).
constexpr uint8_t kTapThreshold = 48;
}  // namespace

void Hardware::begin(const gl::Pins& pins) {
  pins_ = pins;
  g_strip.updateType(NEO_GRB + NEO_KHZ800);
  g_strip.updateLength(gl::kNumPixels);
  g_strip.setPin(pins.led);
  g_strip.begin();
  g_strip.clear();
  g_strip.show();

  pinMode(pins.motor, OUTPUT);
  digitalWrite(pins.motor, LOW);
  pinMode(pins.button, INPUT_PULLUP);

  Wire.begin(pins.sda, pins.scl);
  accel_ok_ = g_accel.begin(0x18) || g_accel.begin(0x19);  // SA0 low or high
  if (accel_ok_) {
    g_accel.setScale(LIS2DH12_8g);  // the frame needs ±2 g, a tap needs more than 3 g
    g_accel.setDataRate(LIS2DH12_ODR_100Hz);
    g_accel.setTapThreshold(kTapThreshold);
    g_accel.enableTapDetection();
  }
}

void Hardware::show(const gl::Rgb pixels[gl::kNumPixels]) {
  if (std::memcmp(pixels, shown_, sizeof shown_) == 0) return;
  std::memcpy(shown_, pixels, sizeof shown_);
  for (uint16_t i = 0; i < gl::kNumPixels; ++i) {
    g_strip.setPixelColor(i, pixels[i].r, pixels[i].g, pixels[i].b);  // brightness applied
  }
  g_strip.show();
}

void Hardware::motor(bool on) { digitalWrite(pins_.motor, on ? HIGH : LOW); }

bool Hardware::read_accel(float& ax, float& ay, float& az, bool& tapped) {
  if (!accel_ok_ || !g_accel.available()) return false;
  ax = g_accel.getX() / 1000.0f;  // the library reports milli-g
  ay = g_accel.getY() / 1000.0f;
  az = g_accel.getZ() / 1000.0f;
  tapped = g_accel.isTapped();
  return true;
}

bool Hardware::button_pressed() const { return digitalRead(pins_.button) == LOW; }

}  // namespace shell
