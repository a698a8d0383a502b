// The command set (cdn/static/commands.json): parsing, validation, dispatch, one answer each.
//
// A command line is "<name>[:<params>]". Every handler validates its parameters completely
// before touching any state, so a refused command changes nothing.
#include <cstring>

#include "gl_device.h"

namespace gl {

namespace {
constexpr uint32_t kMaxVibrateMs = 10000;
constexpr char kMissing[] = "missing_parameters";
constexpr char kInvalid[] = "invalid_parameters";

// ["rrggbb",...] for one colour per pixel.
void add_rgb_list(Text& out, const Rgb (&colours)[kNumPixels]) {
  out.add('[');
  for (size_t i = 0; i < kNumPixels; ++i) {
    if (i > 0) out.add(',');
    out.add('"').add_rgb(colours[i].r, colours[i].g, colours[i].b).add('"');
  }
  out.add(']');
}

bool parse_index(std::string_view s, size_t& out) {
  uint32_t v = 0;
  if (!parse_uint(s, v) || v >= kNumPixels) return false;
  out = v;
  return true;
}
}  // namespace

using Handler = void (Device::*)(std::string_view, Text&, const char*&);

struct CommandTable {
  struct Entry {
    const char* name;
    bool takes_params;
    Handler handler;  // nullptr: handled inline in run_command (no parameters)
  };
  static constexpr Entry kEntries[] = {
      {"led", true, &Device::cmd_led},
      {"pattern", true, &Device::cmd_pattern},
      {"brightness", true, &Device::cmd_brightness},
      {"spring_param", true, &Device::cmd_spring_param},
      {"vibrate", true, &Device::cmd_vibrate},
      {"reset", false, nullptr},
      {"status", false, nullptr},
      {"ota", true, &Device::cmd_ota},
      {"ota_downgrade", true, &Device::cmd_ota_downgrade},
      {"led_set", true, &Device::cmd_led_set},
      {"led_off", true, &Device::cmd_led_off},
      {"led_all_off", false, nullptr},
      {"led_get_state", false, nullptr},
  };
};

void Device::run_command(std::string_view line, Source from, uint32_t now_ms, Text& answer) {
  now_ = now_ms;
  const size_t colon = line.find(':');
  const std::string_view name = line.substr(0, colon);
  const bool has_params = colon != std::string_view::npos;
  const std::string_view params = has_params ? line.substr(colon + 1) : std::string_view{};

  char data_buf[kMaxLine];
  Text data(data_buf, sizeof data_buf);
  const char* err = nullptr;
  const CommandTable::Entry* entry = nullptr;
  for (const auto& e : CommandTable::kEntries) {
    if (name == e.name) entry = &e;
  }
  if (entry == nullptr) {
    err = "unknown_command";
  } else if (entry->takes_params && params.empty()) {
    err = kMissing;
  } else if (!entry->takes_params && has_params) {
    err = kInvalid;
  } else if (entry->handler != nullptr) {
    (this->*(entry->handler))(params, data, err);
  } else if (name == "status") {
    status_json(data);
  } else if (name == "led_get_state") {
    led_state_json(data);
  } else if (name == "led_all_off") {
    for (Rgb& c : leds_.leds) c = Rgb{0, 0, 0};
    leds_set_pattern(leds_, Pattern::Solid, now_ms);
  } else if (name == "reset") {
    action("reboot", {});
  }

  answer.clear();
  answer.add("ans:{\"cmd\":").add_json_string(name.substr(0, 24)).add(",\"ok\":");
  if (err != nullptr) {
    answer.add("false,\"error\":").add_json_string(err).add('}');
  } else if (data.size() > 0) {
    answer.add("true,\"data\":").add(data.view()).add('}');
  } else {
    answer.add("true}");
  }
  if (err != nullptr && from == Source::Hub) log("command refused: ", answer.view());
}

void Device::cmd_led(std::string_view p, Text&, const char*& err) {
  uint8_t c[3];
  if (!parse_rgb(p, c)) {
    err = kInvalid;
    return;
  }
  for (Rgb& led : leds_.leds) led = Rgb{c[0], c[1], c[2]};
  leds_set_pattern(leds_, Pattern::Solid, now_);
}

void Device::cmd_led_set(std::string_view p, Text&, const char*& err) {
  const size_t colon = p.find(':');
  size_t index = 0;
  uint8_t c[3];
  if (colon == std::string_view::npos || colon + 1 == p.size()) {
    err = kMissing;
  } else if (!parse_index(p.substr(0, colon), index) || !parse_rgb(p.substr(colon + 1), c)) {
    err = kInvalid;
  } else {
    leds_.leds[index] = Rgb{c[0], c[1], c[2]};
    // Per-LED commands show the LEDs as set: switch to solid (keeping its start time).
    if (leds_.pattern != Pattern::Solid) leds_set_pattern(leds_, Pattern::Solid, now_);
  }
}

void Device::cmd_led_off(std::string_view p, Text&, const char*& err) {
  size_t index = 0;
  if (!parse_index(p, index)) {
    err = kInvalid;
    return;
  }
  leds_.leds[index] = Rgb{0, 0, 0};
  if (leds_.pattern != Pattern::Solid) leds_set_pattern(leds_, Pattern::Solid, now_);
}

void Device::cmd_pattern(std::string_view p, Text&, const char*& err) {
  Pattern pattern = Pattern::Solid;
  if (!pattern_from_name(p, pattern)) {
    err = kInvalid;
    return;
  }
  leds_set_pattern(leds_, pattern, now_);
}

void Device::cmd_brightness(std::string_view p, Text&, const char*& err) {
  uint32_t v = 0;
  if (!parse_uint(p, v) || v > 255) {
    err = kInvalid;
    return;
  }
  leds_.brightness = static_cast<uint8_t>(v);
}

void Device::cmd_spring_param(std::string_view p, Text&, const char*& err) {
  uint8_t b[3];
  if (!parse_rgb(p, b) || !spring_valid(SpringParams{b[0], b[1], b[2]})) {
    err = kInvalid;  // six hex digits, with non-zero stiffness and mass
    return;
  }
  leds_set_spring(leds_, SpringParams{b[0], b[1], b[2]}, now_);
}

void Device::cmd_vibrate(std::string_view p, Text&, const char*& err) {
  uint32_t ms = 0;
  if (!parse_uint(p, ms) || ms < 1 || ms > kMaxVibrateMs) {
    err = kInvalid;
    return;
  }
  motor_until_ = now_ + ms;  // a new vibration replaces the running one
  motor_running_ = true;
}

void Device::led_state_json(Text& out) const {
  out.add("{\"pattern\":").add_json_string(pattern_name(leds_.pattern));
  out.add(",\"brightness\":").add_uint(leds_.brightness);
  out.add(",\"spring\":\"")
      .add_rgb(leds_.spring.k, leds_.spring.damping, leds_.spring.mass)
      .add("\",\"leds\":");
  add_rgb_list(out, leds_.leds);
  Rgb px[kNumPixels];
  pixels(px);
  out.add(",\"pixels\":");
  add_rgb_list(out, px);
  out.add('}');
}

}  // namespace gl
