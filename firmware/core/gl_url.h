// URL checks and splitting: the check configured and commanded URLs share, and the parts
// ("ws://host:port/path") that socket and HTTP libraries take, so the shells stay free of parsing.
#pragma once

#include <cstdint>
#include <string_view>

namespace gl {

struct UrlParts {
  bool secure;  // wss:// or https://
  char host[64];
  uint16_t port;  // the scheme's default when absent
  char path[128];  // "/" when absent
};

// `url` starts with scheme `a` or `b` (e.g. "ws://", "wss://"), a host follows at once, and
// the whole is a plain token (safe in JSON, logs and HTTP): what a configured or commanded
// URL must be.
bool url_ok(std::string_view url, std::string_view a, std::string_view b);

// Accepts ws, wss, http and https URLs; false for anything else or a part that does not fit.
bool split_url(std::string_view url, UrlParts& out);

// An HTTP origin, "http://host[:port]" or "https://host[:port]", nothing after it.
bool origin_ok(std::string_view origin);
// Whether http(s) `url` comes from the origin of http(s) `base` (an origin or any URL there):
// same scheme, same host (ASCII case ignored), same port (the scheme's default when absent).
bool same_origin(std::string_view url, std::string_view base);

}  // namespace gl
