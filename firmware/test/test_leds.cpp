// LED behaviours as functions of state and time: chosen instants, shapes, spring convergence.
#include <cmath>
#include <string>

#include "gl_leds.h"
#include "gl_text.h"
#include "harness.h"

namespace {

bool near(float a, float b, float eps = 0.01f) { return std::fabs(a - b) <= eps; }

gl::LedState state(gl::Pattern p, uint8_t r, uint8_t g, uint8_t b, uint8_t brightness) {
  gl::LedState s{};
  gl::leds_init(s, 0);
  for (gl::Rgb& c : s.leds) c = gl::Rgb{r, g, b};
  s.brightness = brightness;
  gl::leds_set_pattern(s, p, 0);
  return s;
}

std::string hex(const gl::Rgb& c) {
  char buf[8];
  gl::Text t(buf, sizeof buf);
  t.add_rgb(c.r, c.g, c.b);
  return buf;
}

}  // namespace

TEST(leds_breathing_period) {
  const struct {
    uint32_t t;
    float level;
  } rows[] = {{0, 0.0f},    {1000, 0.5f}, {2000, 1.0f}, {3000, 0.5f},
              {4000, 0.0f}, {6000, 1.0f}, {500, 0.1464f}};
  for (const auto& r : rows) {
    ROW(std::to_string(r.t));
    CHECK(near(gl::breathing_level(r.t), r.level));
  }
}

TEST(leds_heartbeat_shape) {
  const struct {
    uint32_t t;
    float level;
  } rows[] = {{0, 1.0f},   {75, 0.5f},   {149, 0.0067f}, {150, 0.0f},  {200, 0.0f},
              {250, 0.6f}, {325, 0.3f},  {400, 0.0f},    {1199, 0.0f}, {1200, 1.0f}};
  for (const auto& r : rows) {
    ROW(std::to_string(r.t));
    CHECK(near(gl::heartbeat_level(r.t), r.level));
  }
}

TEST(leds_render_at_instants) {
  const struct {
    gl::Pattern pattern;
    uint32_t t;
    uint8_t brightness;
    const char* pixel0;
    const char* pixel2;
  } rows[] = {
      {gl::Pattern::Solid, 0, 255, "ff8040", "ff8040"},
      {gl::Pattern::Solid, 12345, 128, "804020", "804020"},
      {gl::Pattern::Solid, 0, 0, "000000", "000000"},
      {gl::Pattern::Off, 500, 255, "000000", "000000"},
      {gl::Pattern::Breathing, 0, 255, "000000", "000000"},
      {gl::Pattern::Breathing, 2000, 255, "ff8040", "ff8040"},
      {gl::Pattern::Breathing, 1000, 255, "804020", "804020"},
      {gl::Pattern::Heartbeat, 0, 255, "ff8040", "ff8040"},
      {gl::Pattern::Heartbeat, 250, 255, "994d26", "994d26"},
      {gl::Pattern::Heartbeat, 600, 255, "000000", "000000"},
      {gl::Pattern::Cycle, 0, 255, "ff0000", "00ff00"},    // pixel 2 is 120° on
      {gl::Pattern::Cycle, 1500, 255, "00ffff", "ff00ff"},  // half a turn later
      {gl::Pattern::Cycle, 3000, 255, "ff0000", "00ff00"},  // a full turn
      {gl::Pattern::Cycle, 0, 128, "800000", "008000"},
  };
  for (const auto& r : rows) {
    ROW(std::string(gl::pattern_name(r.pattern)) + "@" + std::to_string(r.t));
    const gl::LedState s = state(r.pattern, 0xff, 0x80, 0x40, r.brightness);
    gl::Rgb px[gl::kNumPixels];
    gl::leds_render(s, r.t, px);
    CHECK_EQ(hex(px[0]), std::string(r.pixel0));
    CHECK_EQ(hex(px[2]), std::string(r.pixel2));
  }
}

TEST(leds_per_led_colours_survive_patterns) {
  gl::LedState s = state(gl::Pattern::Solid, 0, 0, 0, 255);
  s.leds[4] = gl::Rgb{0, 0, 200};
  gl::Rgb px[gl::kNumPixels];
  gl::leds_render(s, 0, px);
  CHECK_EQ(hex(px[4]), std::string("0000c8"));
  CHECK_EQ(hex(px[3]), std::string("000000"));
  gl::leds_set_pattern(s, gl::Pattern::Breathing, 100);
  gl::leds_render(s, 2100, px);  // peak of the breath
  CHECK_EQ(hex(px[4]), std::string("0000c8"));
}

TEST(leds_spring_converges_to_its_target) {
  const struct {
    const char* params;
    bool overshoots;
  } rows[] = {{"10050a", true}, {"100a0a", true}, {"10300a", false}, {"40ff01", false}};
  for (const auto& r : rows) {
    ROW(r.params);
    uint8_t b[3];
    CHECK(gl::parse_rgb(r.params, b));
    gl::LedState s = state(gl::Pattern::Spring, 255, 255, 255, 255);
    gl::leds_set_spring(s, gl::SpringParams{b[0], b[1], b[2]}, 0);
    float x = 0.0f;
    float v = 0.0f;
    float peak = 0.0f;
    for (uint32_t t = 0; t <= 20000; t += 5) {
      gl::spring_eval(s.spring, s.motion, t, x, v);
      peak = std::fmax(peak, x);
    }
    CHECK(near(x, 1.0f, 0.005f));
    CHECK(std::fabs(v) < 0.05f);
    CHECK_EQ(peak > 1.01f, r.overshoots);
    gl::Rgb px[gl::kNumPixels];
    gl::leds_render(s, 20000, px);
    CHECK(px[0].r >= 254);
  }
}

TEST(leds_spring_is_continuous_across_parameter_changes_and_kicks) {
  gl::LedState s = state(gl::Pattern::Spring, 255, 255, 255, 255);
  float x1 = 0.0f;
  float v1 = 0.0f;
  gl::spring_eval(s.spring, s.motion, 120, x1, v1);
  gl::leds_set_spring(s, s.spring, 120);  // re-basing with the same parameters changes nothing
  float x2 = 0.0f;
  float v2 = 0.0f;
  gl::spring_eval(s.spring, s.motion, 300, x2, v2);
  gl::LedState fresh = state(gl::Pattern::Spring, 255, 255, 255, 255);
  float x3 = 0.0f;
  float v3 = 0.0f;
  gl::spring_eval(fresh.spring, fresh.motion, 300, x3, v3);
  CHECK(near(x2, x3, 1e-4f));
  CHECK(near(v2, v3, 1e-3f));
  // A kick at rest pushes the level down, and the spring brings it back.
  gl::spring_eval(s.spring, s.motion, 10000, x1, v1);
  gl::leds_kick_spring(s, 10000);
  gl::spring_eval(s.spring, s.motion, 10050, x2, v2);
  CHECK(x2 < x1 - 0.05f);
  gl::spring_eval(s.spring, s.motion, 20000, x2, v2);
  CHECK(near(x2, 1.0f, 0.005f));
}

TEST(leds_hue_wheel) {
  const struct {
    uint32_t hue;
    const char* rgb;
  } rows[] = {{0, "ff0000"},   {60, "ffff00"},  {120, "00ff00"}, {180, "00ffff"},
              {240, "0000ff"}, {300, "ff00ff"}, {360, "ff0000"}, {30, "ff7f00"}};
  for (const auto& r : rows) {
    ROW(std::to_string(r.hue));
    CHECK_EQ(hex(gl::hue_to_rgb(r.hue)), std::string(r.rgb));
  }
}
