// The connection state machine (rules in gl_connection.h).
#include "gl_connection.h"

#include "gl_time.h"

namespace gl {

uint32_t Prng::next() {
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return state;
}

const char* link_name(Link l) {
  switch (l) {
    case Link::WifiConnecting: return "wifi_connecting";
    case Link::WsConnecting: return "ws_connecting";
    case Link::Online: return "online";
    default: return "backoff";
  }
}

uint32_t Connection::backoff_ceiling(uint8_t attempt) {
  uint32_t d = kBackoffBaseMs;
  for (uint8_t i = 0; i < attempt && d < kBackoffCapMs; ++i) d *= 2;
  return d < kBackoffCapMs ? d : kBackoffCapMs;
}

uint8_t Connection::start(uint32_t seed, uint32_t now_ms, uint8_t hubs) {
  *this = Connection();
  rng_.state = seed != 0 ? seed : 1;  // xorshift must not start at 0
  hubs_ = hubs != 0 ? hubs : 1;
  since_ = now_ms;
  return kWifiConnect;
}

uint8_t Connection::enter_backoff(uint32_t now_ms) {
  const uint32_t ceiling = backoff_ceiling(attempt_);
  if (attempt_ < 31) ++attempt_;
  last_delay_ = ceiling / 2 + rng_.next() % (ceiling / 2 + 1);
  retry_at_ = now_ms + last_delay_;
  state_ = Link::Backoff;
  since_ = now_ms;
  return kNone;
}

uint8_t Connection::hub_failed(uint32_t now_ms) {
  hub_ = static_cast<uint8_t>((hub_ + 1) % hubs_);
  return enter_backoff(now_ms);
}

uint8_t Connection::wifi_event(bool up, uint32_t now_ms) {
  if (up == wifi_up_) return kNone;
  wifi_up_ = up;
  since_ = now_ms;
  if (!up) {
    const bool had_socket = state_ == Link::Online || state_ == Link::WsConnecting;
    state_ = Link::WifiConnecting;
    return static_cast<uint8_t>(had_socket ? kWsDisconnect : kNone);
  }
  if (state_ == Link::WifiConnecting) {
    state_ = Link::WsConnecting;
    return kWsConnect;
  }
  return kNone;  // in Backoff: the timer decides
}

uint8_t Connection::ws_event(bool open, uint32_t now_ms) {
  if (open) {
    if (state_ != Link::WsConnecting) return kWsDisconnect;  // a stale connection: drop it
    state_ = Link::Online;
    since_ = now_ms;
    attempt_ = 0;
    next_frame_ = now_ms;
    return kGoOnline;
  }
  if (state_ == Link::Online) ++reconnects_;
  if (state_ == Link::Online || state_ == Link::WsConnecting) return hub_failed(now_ms);
  return kNone;
}

uint8_t Connection::tick(uint32_t now_ms) {
  switch (state_) {
    case Link::Backoff:
      if (!reached(now_ms, retry_at_)) return kNone;
      since_ = now_ms;
      if (!wifi_up_) {
        state_ = Link::WifiConnecting;
        return kWifiConnect;
      }
      state_ = Link::WsConnecting;
      return kWsConnect;
    case Link::WsConnecting:
      if (!reached(now_ms, since_ + kWsConnectTimeoutMs)) return kNone;
      hub_failed(now_ms);
      return kWsDisconnect;
    case Link::WifiConnecting:
      if (!reached(now_ms, since_ + kWifiConnectTimeoutMs)) return kNone;
      // Try joining again after a backoff; the Backoff branch re-issues WifiConnect.
      return enter_backoff(now_ms);
    default:
      return kNone;
  }
}

uint8_t Connection::restart(bool wifi_changed, uint32_t now_ms, uint8_t hubs) {
  const bool had_socket = state_ == Link::Online || state_ == Link::WsConnecting;
  const uint8_t drop = had_socket ? kWsDisconnect : kNone;
  attempt_ = 0;
  hubs_ = hubs != 0 ? hubs : 1;
  hub_ = 0;
  since_ = now_ms;
  if (wifi_changed || !wifi_up_) {
    wifi_up_ = false;
    state_ = Link::WifiConnecting;
    return static_cast<uint8_t>(drop | kWifiConnect);
  }
  // Reconnect on the next tick, not in the same breath: the close of the old socket, if the
  // shell reports it, then lands in Backoff where it changes nothing.
  state_ = Link::Backoff;
  retry_at_ = now_ms;
  return drop;
}

bool Connection::frame_due(uint32_t now_ms) {
  if (state_ != Link::Online || !reached(now_ms, next_frame_)) return false;
  next_frame_ += kFramePeriodMs;
  // After a stall (a long blocking call in the shell) resume the cadence, no burst.
  if (reached(now_ms, next_frame_)) next_frame_ = now_ms + kFramePeriodMs;
  return true;
}

}  // namespace gl
