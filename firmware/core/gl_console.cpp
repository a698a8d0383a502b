// The serial console (docs/protocol.md): help, status, config, config set, cmd, reboot.
#include <cstring>

#include "gl_device.h"

namespace gl {

namespace {
constexpr char kHelp[] =
    "commands: help | status | config | config set <json> | cmd <command>[:<params>] | reboot";
}

void Device::serial_line(std::string_view line, uint32_t now_ms) {
  now_ = now_ms;
  line = trim(line);
  if (line.empty()) return;
  const size_t space = line.find(' ');
  const std::string_view word = line.substr(0, space);
  const std::string_view rest =
      space == std::string_view::npos ? std::string_view{} : trim(line.substr(space + 1));

  char buf[kMaxLine + 64];
  Text out(buf, sizeof buf);
  if (line == "help") {
    print_line(kHelp);
  } else if (line == "status") {
    run_command("status", Source::Console, now_ms, out);
    print_line(out.view());
  } else if (word == "config") {
    config_command(rest, now_ms);
  } else if (word == "cmd" && !rest.empty()) {
    run_command(rest, Source::Console, now_ms, out);
    print_line(out.view());
  } else if (line == "reboot") {
    print_line("rebooting");
    action("reboot", {});
  } else {
    print_line("error:unknown console command (try help)");
  }
}

void Device::config_command(std::string_view args, uint32_t now_ms) {
  Text out(config_text_, sizeof config_text_);
  if (args.empty()) {
    out.add("config:");
    config_to_json(config_, /*mask_password=*/true, out);
    print_line(out.view());
    return;
  }
  if (!starts_with(args, "set") || (args.size() > 3 && args[3] != ' ')) {
    print_line("config:error:usage: config | config set <json>");
    return;
  }
  char reason_buf[96];
  Text reason(reason_buf, sizeof reason_buf);
  Config& next = config_next_;
  if (!config_merge(config_, trim(args.substr(3)), next, reason)) {
    out.add("config:error:").add(reason.view());
    print_line(out.view());
    return;
  }
  // The shell persists the whole configuration (with the password: it goes to NVS, not a
  // screen); the core never prints it. What cannot be saved whole is not applied either.
  config_to_json(next, /*mask_password=*/false, out);
  // What is saved must be what the next boot accepts (config_merge's input limit).
  if (out.overflowed() || out.size() > kMaxConfigJson) {
    print_line("config:error:too_large:config");
    return;
  }
  const bool wifi_changed = std::strcmp(next.wifi_ssid, config_.wifi_ssid) != 0 ||
                            std::strcmp(next.wifi_password, config_.wifi_password) != 0;
  // A new CA decides whether the hub can be verified: try it at once, as a new hub.
  const bool hub_changed =
      !same_hubs(next, config_) || std::strcmp(next.ca_cert, config_.ca_cert) != 0;
  config_ = next;
  action("save_config", out.view());
  print_line("config:ok");
  if (wifi_changed || hub_changed) {
    apply(conn_.restart(wifi_changed, now_ms, static_cast<uint8_t>(hub_count(config_))));
  }
}

}  // namespace gl
