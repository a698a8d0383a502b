// Splits the URLs the core hands to its shell ("ws://host:port/path") into the parts that
// socket and HTTP libraries take. Pure string work, so the shells stay free of parsing.
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

// Accepts ws, wss, http and https URLs; false for anything else or a part that does not fit.
bool split_url(std::string_view url, UrlParts& out);

}  // namespace gl
