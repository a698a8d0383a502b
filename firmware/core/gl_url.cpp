// URL checking and splitting.
#include "gl_url.h"

#include "gl_text.h"

namespace gl {

bool url_ok(std::string_view url, std::string_view a, std::string_view b) {
  std::string_view rest;
  if (starts_with(url, a)) {
    rest = url.substr(a.size());
  } else if (starts_with(url, b)) {
    rest = url.substr(b.size());
  } else {
    return false;
  }
  return !rest.empty() && rest.front() != '/' && is_plain_token(url);
}

bool split_url(std::string_view url, UrlParts& out) {
  struct Scheme {
    std::string_view prefix;
    bool secure;
    uint16_t port;
  };
  constexpr Scheme kSchemes[] = {
      {"ws://", false, 80}, {"wss://", true, 443}, {"http://", false, 80}, {"https://", true, 443}};
  const Scheme* scheme = nullptr;
  for (const Scheme& s : kSchemes) {
    if (starts_with(url, s.prefix)) scheme = &s;
  }
  if (scheme == nullptr) return false;
  std::string_view rest = url.substr(scheme->prefix.size());
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? "/" : rest.substr(slash);
  uint16_t port = scheme->port;
  const size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos) {
    uint32_t p = 0;
    if (!parse_uint(authority.substr(colon + 1), p) || p == 0 || p > 65535) return false;
    port = static_cast<uint16_t>(p);
    authority = authority.substr(0, colon);
  }
  if (authority.empty() || !is_plain_token(authority) || !is_plain_token(path)) return false;
  UrlParts parts{};
  parts.secure = scheme->secure;
  parts.port = port;
  if (!copy_to(parts.host, sizeof parts.host, authority)) return false;
  if (!copy_to(parts.path, sizeof parts.path, path)) return false;
  out = parts;
  return true;
}

bool origin_ok(std::string_view origin) {
  UrlParts parts{};
  return url_ok(origin, "http://", "https://") && split_url(origin, parts) &&
         origin.find('/', origin.find("//") + 2) == std::string_view::npos;
}

bool same_origin(std::string_view url, std::string_view base) {
  UrlParts a{};
  UrlParts b{};
  const bool http = starts_with(url, "http") && starts_with(base, "http");
  if (!http || !split_url(url, a) || !split_url(base, b)) return false;
  if (a.secure != b.secure || a.port != b.port) return false;
  const std::string_view ha = a.host;
  const std::string_view hb = b.host;
  if (ha.size() != hb.size()) return false;
  for (size_t i = 0; i < ha.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(ha[i]) != lower(hb[i])) return false;
  }
  return true;
}

}  // namespace gl
