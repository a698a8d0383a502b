// A device under test with helpers to drive it and read what it produced.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gl_device.h"

namespace t {

constexpr uint8_t kMac[6] = {0x24, 0x0a, 0xc4, 0x00, 0xa1, 0xb2};  // id "a1b2"

struct Rig {
  std::unique_ptr<gl::Device> dev = std::make_unique<gl::Device>();
  uint32_t now = 1000;

  explicit Rig(const char* config = "", const char* board = "seeed_xiao_esp32c3") {
    dev->init(config, kMac, "1.2.3", board, now);
  }
  gl::Device* operator->() { return dev.get(); }

  std::string serial() {
    char buf[4096];
    const int n = dev->serial_out().read(buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }
  std::vector<std::string> ws() { return pop_all(dev->ws_out()); }
  std::vector<std::string> actions() { return pop_all(dev->actions()); }
  template <size_t N>
  static std::vector<std::string> pop_all(gl::MessageQueue<N>& queue) {
    std::vector<std::string> out;
    char buf[N + 1];
    while (queue.pop(buf, sizeof buf) > 0) out.emplace_back(buf);
    return out;
  }
  // Brings the device online (Wi-Fi, socket) and drains everything produced so far.
  void online() {
    dev->wifi_event(true, now);
    dev->ws_event(true, now);
    drain();
  }
  void drain() {
    serial();
    ws();
    actions();
  }
  void advance(uint32_t ms, uint32_t step = 5) {
    for (uint32_t t = 0; t < ms; t += step) {
      now += step;
      dev->tick(now);
    }
  }
  // Sends one command line from the hub and returns the single answer it produced.
  std::string command(const std::string& line) {
    dev->ws_receive(line.c_str(), now);
    const std::vector<std::string> answers = ws();
    return answers.size() == 1 ? answers[0] : "<" + std::to_string(answers.size()) + " answers>";
  }
};

}  // namespace t
