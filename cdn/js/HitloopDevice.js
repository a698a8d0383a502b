/**
 * HitloopDevice: one GroupLoop wearable as seen through the hub, and the one JS decoder of
 * its 20-hex sensor frame (docs/protocol.md):
 *
 *   id(4) ax(2) ay(2) az(2) dNW(2) dNE(2) dSE(2) dSW(2) tap(2)
 *
 * Acceleration maps -2 g..+2 g to 0..255, beacon RSSI maps -100 dBm..-40 dBm to 0..255,
 * tap is ff when a tap happened since the previous frame. `encodeFrame` is the inverse of
 * `decodeFrame`, byte for byte the encoder of grouploop/frame.py (clamped, rounded half to
 * even, lowercase hex), so a browser device sends exactly what a Python one would.
 *
 * Works as a plain browser script (<script src=".../js/HitloopDevice.js"> defines
 * `HitloopDevice`) and as a CommonJS module (`require('./HitloopDevice.js')`). The raw byte
 * fields (ax, ay, az, dNW, dNE, dSE, dSW, tap) keep the names of the original library so
 * existing sketches keep working; decoded values are in `acceleration`, `rssi`, `distance`.
 */
(function (root, factory) {
  const api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.HitloopDevice = api.HitloopDevice;
  }
})(typeof globalThis !== "undefined" ? globalThis : this, function () {
  "use strict";

  const FRAME = /^[0-9a-fA-F]{20}$/;
  const DEVICE_ID = /^[0-9a-f]{4}$/;
  const ACCEL_RANGE_G = 2;
  const RSSI_MIN_DBM = -100;
  const RSSI_MAX_DBM = -40;
  // Beacon order on the wire: NW, NE, SE, SW (clockwise from the top left).
  const BEACONS = ["NW", "NE", "SE", "SW"];

  /** Acceleration byte (0..255) to g (-2..+2). */
  function accelG(byte) {
    return (byte / 255) * 2 * ACCEL_RANGE_G - ACCEL_RANGE_G;
  }

  /** RSSI byte (0..255) to dBm (-100..-40). */
  function rssiDbm(byte) {
    return RSSI_MIN_DBM + (byte / 255) * (RSSI_MAX_DBM - RSSI_MIN_DBM);
  }

  /** Python's round(): halves go to the even neighbour (Math.round sends them up). */
  function roundHalfEven(x) {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  }

  /** A physical value to its frame byte, clamped; same arithmetic as grouploop/frame.py. */
  function toByte(value, low, high, what) {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new RangeError(`${what} must be a finite number, got ${value}`);
    }
    return Math.min(255, Math.max(0, roundHalfEven(((value - low) * 255) / (high - low))));
  }

  /** Acceleration in g to its frame byte (clamped to -2 g..+2 g). */
  function accelByte(g) {
    return toByte(g, -ACCEL_RANGE_G, ACCEL_RANGE_G, "acceleration");
  }

  /** RSSI in dBm to its frame byte (clamped to -100..-40 dBm). */
  function rssiByte(dbm) {
    return toByte(dbm, RSSI_MIN_DBM, RSSI_MAX_DBM, "rssi");
  }

  /** RSSI byte to a normalised distance: 0 at the beacon (strongest), 1 out of range. */
  function distance(byte) {
    return 1 - byte / 255;
  }

  /**
   * Decode one frame line. Returns null for anything that is not exactly 20 hex digits
   * (surrounding white space is ignored), so callers can feed it any line from the hub.
   */
  function decodeFrame(line) {
    const text = String(line == null ? "" : line).trim();
    if (!FRAME.test(text)) return null;
    const hex = text.toLowerCase();
    const byte = (i) => parseInt(hex.slice(4 + 2 * i, 6 + 2 * i), 16);
    const raw = {
      ax: byte(0),
      ay: byte(1),
      az: byte(2),
      dNW: byte(3),
      dNE: byte(4),
      dSE: byte(5),
      dSW: byte(6),
      tap: byte(7),
    };
    const rssi = {};
    const dist = {};
    for (const name of BEACONS) {
      rssi[name] = rssiDbm(raw["d" + name]);
      dist[name] = distance(raw["d" + name]);
    }
    return {
      id: hex.slice(0, 4),
      frame: hex,
      raw: raw,
      acceleration: { x: accelG(raw.ax), y: accelG(raw.ay), z: accelG(raw.az) },
      rssi: rssi,
      distance: dist,
      tap: raw.tap === 0xff,
    };
  }

  /**
   * The frame line of `{id, acceleration: {x, y, z} (g), rssi: {NW, NE, SE, SW} (dBm), tap}`,
   * the shape decodeFrame returns, so encodeFrame(decodeFrame(line)) is the line again.
   * Throws RangeError for an id that is not 4 hex digits or a value that is not a number.
   */
  function encodeFrame({ id, acceleration, rssi, tap }) {
    const device = String(id).toLowerCase();
    if (!DEVICE_ID.test(device)) throw new RangeError(`device id '${id}' is not 4 hex digits`);
    const bytes = [
      accelByte(acceleration.x),
      accelByte(acceleration.y),
      accelByte(acceleration.z),
      ...BEACONS.map((name) => rssiByte(rssi[name])),
      tap ? 0xff : 0,
    ];
    return device + bytes.map((b) => b.toString(16).padStart(2, "0")).join("");
  }

  class HitloopDevice {
    constructor(id, color = [255, 255, 255], motorState = false) {
      this.id = String(id).toLowerCase();
      this.color = color;
      this.motorState = motorState;
      this.ws = null;
      // Raw bytes, as in the original library.
      this.ax = 0;
      this.ay = 0;
      this.az = 0;
      this.dNW = 0;
      this.dNE = 0;
      this.dSE = 0;
      this.dSW = 0;
      this.tap = false;
      // Decoded values.
      this.acceleration = { x: 0, y: 0, z: 0 };
      this.rssi = { NW: RSSI_MIN_DBM, NE: RSSI_MIN_DBM, SE: RSSI_MIN_DBM, SW: RSSI_MIN_DBM };
      this.distance = { NW: 1, NE: 1, SE: 1, SW: 1 };
      this.frameCount = 0;
      this.lastSeen = 0;
      this.lastAnswer = null;
    }

    /** Apply a decoded frame (from decodeFrame) of this device; returns false otherwise. */
    update(decoded, now = Date.now()) {
      if (!decoded || decoded.id !== this.id) return false;
      Object.assign(this, decoded.raw);
      this.tap = decoded.tap;
      this.acceleration = decoded.acceleration;
      this.rssi = decoded.rssi;
      this.distance = decoded.distance;
      this.frameCount += 1;
      this.lastSeen = now;
      return true;
    }

    /** Original API: parse a frame line of this device; true when it was applied. */
    parseHexData(hexString) {
      return this.update(decodeFrame(hexString));
    }

    /** Original API: the WebSocket commands go through (kept for old sketches). */
    setWebSocket(websocket) {
      this.ws = websocket;
    }

    /** Everything known about the device as one plain object. */
    getSensorData() {
      return {
        id: this.id,
        ax: this.ax,
        ay: this.ay,
        az: this.az,
        dNW: this.dNW,
        dNE: this.dNE,
        dSW: this.dSW,
        dSE: this.dSE,
        tap: this.tap,
        color: this.color,
        motorState: this.motorState,
        acceleration: this.acceleration,
        rssi: this.rssi,
        distance: this.distance,
        frameCount: this.frameCount,
        lastSeen: this.lastSeen,
      };
    }
  }

  // The codec also hangs off the class: a page only gets the `HitloopDevice` global.
  const codec = { decodeFrame, encodeFrame, accelG, rssiDbm, accelByte, rssiByte };
  Object.assign(HitloopDevice, codec, { BEACONS });
  return { HitloopDevice, ...codec };
});
