// URL splitting for the shells: scheme, host, port, path.
#include <string>

#include "gl_url.h"
#include "harness.h"

TEST(url_split_table) {
  const struct {
    const char* url;
    bool ok;
    bool secure;
    const char* host;
    int port;
    const char* path;
  } rows[] = {
      {"ws://localhost:5003", true, false, "localhost", 5003, "/"},
      {"ws://10.0.0.2", true, false, "10.0.0.2", 80, "/"},
      {"wss://hub.example/ws?x=1", true, true, "hub.example", 443, "/ws?x=1"},
      {"http://cdn:5008/firmware/a.bin", true, false, "cdn", 5008, "/firmware/a.bin"},
      {"https://cdn.example:8443/", true, true, "cdn.example", 8443, "/"},
      {"ftp://x/y", false, false, "", 0, ""},
      {"ws://:80/", false, false, "", 0, ""},
      {"ws://host:0/", false, false, "", 0, ""},
      {"ws://host:65536/", false, false, "", 0, ""},
      {"ws://host:port/", false, false, "", 0, ""},
      {"ws://ho st/", false, false, "", 0, ""},
  };
  for (const auto& r : rows) {
    ROW(r.url);
    gl::UrlParts parts{};
    CHECK_EQ(gl::split_url(r.url, parts), r.ok);
    if (!r.ok) continue;
    CHECK_EQ(parts.secure, r.secure);
    CHECK_EQ(std::string(parts.host), std::string(r.host));
    CHECK_EQ(static_cast<int>(parts.port), r.port);
    CHECK_EQ(std::string(parts.path), std::string(r.path));
  }
}
