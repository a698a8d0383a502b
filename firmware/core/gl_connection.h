// The connection state machine: Wi-Fi → WebSocket → "id:<device id>" → frames at 20 Hz.
//
// Rules (one place to read them):
//   start / Wi-Fi lost          → WifiConnecting, effect WifiConnect
//   WifiConnecting + Wi-Fi up   → WsConnecting, effect WsConnect
//   WsConnecting + socket open  → Online, effect GoOnline (the device sends "id:" first)
//   Online + socket closed      → Backoff (delay drawn below)
//   WsConnecting too long       → Backoff, effect WsDisconnect (abandon the attempt)
//   WifiConnecting too long     → effect WifiConnect again (after the same backoff)
//   Backoff expired             → WsConnecting, effect WsConnect (or WifiConnect if Wi-Fi down)
//   restart (new configuration) → WsDisconnect, then WifiConnect (Wi-Fi changed) or Backoff
//                                 expiring at once (hub changed)
// A socket close reported while not WsConnecting/Online (e.g. the close of a socket the core
// asked the shell to drop) changes nothing.
// Failover: with several hub URLs, WsConnect means the URL at hub(). A hub that fails us (the
// socket closes while WsConnecting or Online, or the attempt times out) is left for the next
// URL in the list, wrapping around, and the backoff below is waited before trying it. An
// online device stays on its hub; Wi-Fi trouble is not the hub's fault and keeps it; start
// and restart begin at the first URL.
// Backoff: delay = min(cap, base·2^attempt), waiting delay/2 + uniform(0..delay/2) (the
// jitter spreads a classroom of devices after a hub restart); attempt resets once online.
// Frames are due every 50 ms while Online, never otherwise.
#pragma once

#include <cstdint>

namespace gl {

enum class Link : uint8_t { WifiConnecting, WsConnecting, Online, Backoff };

enum Effect : uint8_t {
  kNone = 0,
  kWifiConnect = 1,
  kWsConnect = 2,
  kWsDisconnect = 4,
  kGoOnline = 8,
};

constexpr uint32_t kFramePeriodMs = 50;
constexpr uint32_t kBackoffBaseMs = 500;
constexpr uint32_t kBackoffCapMs = 30000;
constexpr uint32_t kWsConnectTimeoutMs = 10000;
constexpr uint32_t kWifiConnectTimeoutMs = 20000;

// xorshift32: small, seedable, good enough for jitter.
struct Prng {
  uint32_t state;
  uint32_t next();
};

class Connection {
 public:
  // Returns kWifiConnect: the shell starts joining the network. `hubs`: how many hub URLs
  // there are to fail over between (1..255).
  uint8_t start(uint32_t seed, uint32_t now_ms, uint8_t hubs);
  uint8_t wifi_event(bool up, uint32_t now_ms);
  uint8_t ws_event(bool open, uint32_t now_ms);
  uint8_t tick(uint32_t now_ms);
  // A reconfiguration: drop the socket and join again (Wi-Fi changed) or reconnect (hubs),
  // now with `hubs` hub URLs, from the first.
  uint8_t restart(bool wifi_changed, uint32_t now_ms, uint8_t hubs);
  // True once per frame period while Online.
  bool frame_due(uint32_t now_ms);

  Link state() const { return state_; }
  bool wifi_up() const { return wifi_up_; }
  uint32_t retry_at() const { return retry_at_; }
  uint32_t last_delay() const { return last_delay_; }
  uint32_t reconnects() const { return reconnects_; }
  uint8_t hub() const { return hub_; }  // index of the hub URL to connect to, or connected to

  static uint32_t backoff_ceiling(uint8_t attempt);

 private:
  uint8_t enter_backoff(uint32_t now_ms);
  uint8_t hub_failed(uint32_t now_ms);

  Link state_ = Link::WifiConnecting;
  bool wifi_up_ = false;
  uint8_t attempt_ = 0;
  uint8_t hubs_ = 1;
  uint8_t hub_ = 0;
  uint32_t since_ = 0;
  uint32_t retry_at_ = 0;
  uint32_t last_delay_ = 0;
  uint32_t next_frame_ = 0;
  uint32_t reconnects_ = 0;
  Prng rng_{1};
};

const char* link_name(Link l);

}  // namespace gl
