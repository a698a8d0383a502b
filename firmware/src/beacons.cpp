// BLE beacon RSSI with the Arduino-ESP32 BLE library (BLEDevice / BLEScan).
#include "beacons.h"

#include <Arduino.h>
#include <BLEAdvertisedDevice.h>
#include <BLEDevice.h>
#include <BLEScan.h>

#include <atomic>
#include <cstring>

namespace shell {

namespace {

constexpr uint32_t kScanSeconds = 1;
constexpr uint32_t kStaleMs = 5000;  // a beacon unheard for this long reads as missing
constexpr int kMissing = gl::kRssiMissing;

uint8_t g_macs[gl::kNumBeacons][6];
bool g_configured[gl::kNumBeacons];
// Written by the BLE task, read by loop(): plain atomics, no locks.
std::atomic<int> g_rssi[gl::kNumBeacons];
std::atomic<uint32_t> g_heard_ms[gl::kNumBeacons];
std::atomic<bool> g_scanning{false};

class OnAdvert : public BLEAdvertisedDeviceCallbacks {
  void onResult(BLEAdvertisedDevice device) override {
    BLEAddress address = device.getAddress();  // getNative() points into this object
    const uint8_t* mac = *address.getNative();
    for (size_t i = 0; i < gl::kNumBeacons; ++i) {
      if (g_configured[i] && std::memcmp(mac, g_macs[i], 6) == 0) {
        g_rssi[i] = device.getRSSI();
        g_heard_ms[i] = millis();
      }
    }
  }
};

void scan_done(BLEScanResults) { g_scanning = false; }

BLEScan* g_scan = nullptr;

}  // namespace

void Beacons::begin(const gl::Config& config) {
  bool any = false;
  for (size_t i = 0; i < gl::kNumBeacons; ++i) {
    g_configured[i] = gl::parse_mac(config.beacons[i], g_macs[i]);
    g_rssi[i] = kMissing;
    g_heard_ms[i] = 0;
    any = any || g_configured[i];
  }
  if (!any) return;  // no beacons configured: no radio time spent scanning
  BLEDevice::init("");
  g_scan = BLEDevice::getScan();
  g_scan->setAdvertisedDeviceCallbacks(new OnAdvert(), /*wantDuplicates=*/true);
  g_scan->setActiveScan(false);  // RSSI needs no scan response
  g_scan->setInterval(100);
  g_scan->setWindow(50);  // leave the radio to Wi-Fi half of the time
}

void Beacons::poll(uint32_t now_ms, void (*report)(int beacon, int rssi_dbm)) {
  if (g_scan == nullptr) return;
  if (!g_scanning) {
    g_scan->clearResults();  // the library keeps every advert otherwise
    g_scanning = g_scan->start(kScanSeconds, scan_done, false);
  }
  for (size_t i = 0; i < gl::kNumBeacons; ++i) {
    const bool fresh = g_configured[i] && now_ms - g_heard_ms[i] < kStaleMs;
    report(static_cast<int>(i), fresh ? g_rssi[i].load() : kMissing);
  }
}

}  // namespace shell
