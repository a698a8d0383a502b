// Firmware versions: read the version an ESP32 app image carries, and order two versions, so the
// device can refuse an older image than the one it runs (no downgrade unless forced).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gl {

// Bytes of an app image that hold its version: image header (24), first segment header (8),
// then esp_app_desc_t, whose `version` (32 chars) starts 16 bytes in.
constexpr size_t kAppHeadBytes = 80;
constexpr size_t kMaxVersionChars = 32;

// The version in the first kAppHeadBytes of an ESP32 app image; false when the bytes are not
// an app image with an app description (magic bytes 0xE9 and 0xABCD5432) or the version is
// empty or unterminated. `out` holds kMaxVersionChars + 1 chars.
bool app_image_version(const uint8_t* head, size_t len, char* out);

// "MAJOR[.MINOR[.PATCH]][-PRERELEASE]", numbers of at most 9 digits: a pre-release is older
// than its release (1.2.0-rc1 < 1.2.0), two pre-releases compare as text.
bool version_valid(std::string_view v);
// <0, 0, >0 as a is older than, the same as, newer than b; both must be valid.
int compare_versions(std::string_view a, std::string_view b);

}  // namespace gl
