// The device facts that browser devices read from cdn/static/commands.json ("device") are the
// core's: its pixel count (also the LED index range of led_set and led_off) and the prefixes
// of the hub lines that are not commands. Python reads them through the C API instead.
#include <iterator>
#include <string>

#include "data_file.h"
#include "gl_device.h"
#include "harness.h"

TEST(commands_json_device_facts_are_the_cores) {
  const t::JsonFile table("cdn/static/commands.json");
  const size_t device = table.member(0, "device");
  CHECK_EQ(table.number(table.member(device, "pixels")), static_cast<double>(gl::kNumPixels));
  const auto noise = table.elements(table.member(device, "hub_noise"));
  CHECK_EQ(noise.size(), std::size(gl::kHubNoise));
  for (size_t i = 0; i < noise.size() && i < std::size(gl::kHubNoise); ++i) {
    ROW(std::to_string(i));
    CHECK_EQ(table.str(noise[i]), std::string(gl::kHubNoise[i]));
  }
}

TEST(commands_json_led_index_ranges_end_at_the_last_pixel) {
  const t::JsonFile table("cdn/static/commands.json");
  const size_t commands = table.member(0, "commands");
  for (const char* name : {"led_set", "led_off"}) {
    ROW(name);
    const auto params = table.elements(table.member(table.member(commands, name), "parameters"));
    CHECK(!params.empty());
    if (params.empty()) continue;
    CHECK_EQ(table.number(table.member(params[0], "max")), static_cast<double>(gl::kNumPixels - 1));
  }
}
