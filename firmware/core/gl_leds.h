// LED behaviours for the ring of pixels: pure functions of the LED state and the time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gl {

constexpr size_t kNumPixels = 6;

enum class Pattern : uint8_t { Solid, Breathing, Heartbeat, Cycle, Spring, Off };

struct Rgb {
  uint8_t r, g, b;
};

struct SpringParams {
  uint8_t k, damping, mass;  // stiffness, damping /10, mass /100 (see spring_eval)
};

// The spring's level follows m·x'' = −k·(x − 1) − c·x' from (x0, v0) at t0.
struct SpringMotion {
  uint32_t t0_ms;
  float x0, v0;
};

struct LedState {
  Pattern pattern;
  uint32_t pattern_start_ms;  // patterns run from this instant
  uint8_t brightness;         // applied after the pattern
  Rgb leds[kNumPixels];       // per-LED colours that the patterns modulate
  SpringParams spring;
  SpringMotion motion;
};

constexpr uint32_t kBreathingPeriodMs = 4000;
constexpr uint32_t kHeartbeatPeriodMs = 1200;
constexpr uint32_t kCyclePeriodMs = 3000;
constexpr float kSpringKick = -4.0f;  // velocity a tap gives the spring (pushes the level down)

const char* pattern_name(Pattern p);
bool pattern_from_name(std::string_view name, Pattern& out);

// Envelopes in 0..1 at `t_ms` since the pattern started.
float breathing_level(uint32_t t_ms);
float heartbeat_level(uint32_t t_ms);
Rgb hue_to_rgb(uint32_t hue_degrees);
// Closed-form damped oscillator: level and velocity at now_ms (exact for any tick rate).
void spring_eval(const SpringParams& p, const SpringMotion& m, uint32_t now_ms, float& x,
                 float& v);
bool spring_valid(const SpringParams& p);

void leds_init(LedState& s, uint32_t now_ms);
// Pixel colours after pattern and brightness.
void leds_render(const LedState& s, uint32_t now_ms, Rgb out[kNumPixels]);

// State changes used by the commands.
void leds_set_pattern(LedState& s, Pattern p, uint32_t now_ms);
void leds_set_spring(LedState& s, const SpringParams& p, uint32_t now_ms);
void leds_kick_spring(LedState& s, uint32_t now_ms);

}  // namespace gl
