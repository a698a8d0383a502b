// Millisecond timestamps that wrap every 49.7 days (uint32_t, like millis()).
#pragma once

#include <cstdint>

namespace gl {

// True once `now_ms` is at or past `at_ms`; correct across the wrap while the two are less
// than 2^31 ms (24.8 days) apart.
inline bool reached(uint32_t now_ms, uint32_t at_ms) {
  return static_cast<int32_t>(now_ms - at_ms) >= 0;
}

}  // namespace gl
