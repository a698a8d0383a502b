// LED behaviours: breathing, heartbeat, colour cycle, spring physics, solid, off.
#include "gl_leds.h"

#include <cmath>

namespace gl {

namespace {

constexpr float kTwoPi = 6.28318530718f;
constexpr const char* kPatternNames[] = {"solid", "breathing", "heartbeat",
                                         "cycle", "spring",    "off"};

uint8_t scale(uint8_t c, float level, uint8_t brightness) {
  if (level <= 0.0f) return 0;
  if (level > 1.0f) level = 1.0f;
  const float v = static_cast<float>(c) * level * static_cast<float>(brightness) / 255.0f;
  return static_cast<uint8_t>(std::floor(v + 0.5f));
}

// A pulse that jumps to `peak` and decays linearly over `width` ms.
float pulse(uint32_t t, uint32_t at, uint32_t width, float peak) {
  if (t < at || t >= at + width) return 0.0f;
  return peak * (1.0f - static_cast<float>(t - at) / static_cast<float>(width));
}

}  // namespace

const char* pattern_name(Pattern p) { return kPatternNames[static_cast<size_t>(p)]; }

bool pattern_from_name(std::string_view name, Pattern& out) {
  for (size_t i = 0; i < sizeof kPatternNames / sizeof kPatternNames[0]; ++i) {
    if (name == kPatternNames[i]) {
      out = static_cast<Pattern>(i);
      return true;
    }
  }
  return false;
}

float breathing_level(uint32_t t_ms) {
  const float phase = static_cast<float>(t_ms % kBreathingPeriodMs) / kBreathingPeriodMs;
  return 0.5f - 0.5f * std::cos(kTwoPi * phase);  // 0 at the start, 1 at half period
}

float heartbeat_level(uint32_t t_ms) {
  const uint32_t t = t_ms % kHeartbeatPeriodMs;
  // "lub" (full) then "dub" (60 %), then rest until the next beat.
  return pulse(t, 0, 150, 1.0f) + pulse(t, 250, 150, 0.6f);
}

Rgb hue_to_rgb(uint32_t hue_degrees) {
  const uint32_t h = hue_degrees % 360;
  const auto up = static_cast<uint8_t>((h % 60) * 255 / 60);
  const auto down = static_cast<uint8_t>(255 - up);
  switch (h / 60) {
    case 0: return {255, up, 0};
    case 1: return {down, 255, 0};
    case 2: return {0, 255, up};
    case 3: return {0, down, 255};
    case 4: return {up, 0, 255};
    default: return {255, 0, down};
  }
}

bool spring_valid(const SpringParams& p) { return p.k > 0 && p.mass > 0; }

void spring_eval(const SpringParams& p, const SpringMotion& m, uint32_t now_ms, float& x,
                 float& v) {
  const float k = static_cast<float>(p.k);
  const float c = static_cast<float>(p.damping) / 10.0f;
  const float mass = static_cast<float>(p.mass) / 100.0f;
  const float t = static_cast<float>(now_ms - m.t0_ms) / 1000.0f;
  const float y0 = m.x0 - 1.0f;  // displacement from the target level 1
  const float w0 = std::sqrt(k / mass);
  const float zeta = c / (2.0f * std::sqrt(k * mass));
  float y = 0.0f;
  if (zeta < 0.999f) {
    const float a = zeta * w0;
    const float wd = w0 * std::sqrt(1.0f - zeta * zeta);
    const float c1 = y0;
    const float c2 = (m.v0 + a * y0) / wd;
    const float e = std::exp(-a * t);
    const float cs = std::cos(wd * t);
    const float sn = std::sin(wd * t);
    y = e * (c1 * cs + c2 * sn);
    v = e * ((-a * c1 + wd * c2) * cs + (-a * c2 - wd * c1) * sn);
  } else if (zeta <= 1.001f) {
    const float c2 = m.v0 + w0 * y0;
    const float e = std::exp(-w0 * t);
    y = (y0 + c2 * t) * e;
    v = (c2 - w0 * (y0 + c2 * t)) * e;
  } else {
    const float s = std::sqrt(zeta * zeta - 1.0f);
    const float r1 = -w0 * (zeta - s);
    const float r2 = -w0 * (zeta + s);
    const float a1 = (m.v0 - r2 * y0) / (r1 - r2);
    const float a2 = y0 - a1;
    y = a1 * std::exp(r1 * t) + a2 * std::exp(r2 * t);
    v = a1 * r1 * std::exp(r1 * t) + a2 * r2 * std::exp(r2 * t);
  }
  x = 1.0f + y;
}

void leds_init(LedState& s, uint32_t now_ms) {
  s.brightness = 64;
  for (Rgb& c : s.leds) c = Rgb{0, 0, 255};
  s.spring = SpringParams{0x10, 0x05, 0x0a};
  leds_set_pattern(s, Pattern::Breathing, now_ms);
}

void leds_set_pattern(LedState& s, Pattern p, uint32_t now_ms) {
  s.pattern = p;
  s.pattern_start_ms = now_ms;
  s.motion = SpringMotion{now_ms, 0.0f, 0.0f};  // the spring grows in from dark
}

void leds_set_spring(LedState& s, const SpringParams& p, uint32_t now_ms) {
  float x = 0.0f;
  float v = 0.0f;
  spring_eval(s.spring, s.motion, now_ms, x, v);  // keep the motion continuous
  s.spring = p;
  s.motion = SpringMotion{now_ms, x, v};
}

void leds_kick_spring(LedState& s, uint32_t now_ms) {
  float x = 0.0f;
  float v = 0.0f;
  spring_eval(s.spring, s.motion, now_ms, x, v);
  s.motion = SpringMotion{now_ms, x, v + kSpringKick};
}

void leds_render(const LedState& s, uint32_t now_ms, Rgb out[kNumPixels]) {
  const uint32_t t = now_ms - s.pattern_start_ms;
  float level = 1.0f;
  uint32_t hue = 0;  // Cycle: the first pixel's hue
  switch (s.pattern) {
    case Pattern::Off: level = 0.0f; break;
    case Pattern::Solid: level = 1.0f; break;
    case Pattern::Breathing: level = breathing_level(t); break;
    case Pattern::Heartbeat: level = heartbeat_level(t); break;
    case Pattern::Spring: {
      float v = 0.0f;
      spring_eval(s.spring, s.motion, now_ms, level, v);
      break;
    }
    case Pattern::Cycle:
      // A rainbow spread around the ring at full level, turning once per period; the
      // per-LED colours are ignored.
      hue = (t % kCyclePeriodMs) * 360 / kCyclePeriodMs;
      break;
  }
  for (size_t i = 0; i < kNumPixels; ++i) {
    const Rgb c = s.pattern == Pattern::Cycle
                      ? hue_to_rgb(hue + static_cast<uint32_t>(i * 360 / kNumPixels))
                      : s.leds[i];
    out[i] = Rgb{scale(c.r, level, s.brightness), scale(c.g, level, s.brightness),
                 scale(c.b, level, s.brightness)};
  }
}

}  // namespace gl
