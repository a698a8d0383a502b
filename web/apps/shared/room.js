/*
 * The room the devices move in, and where a device stands from its four beacon RSSI values.
 * Pure functions, no DOM: the device-control map and the browser devices use it in a page,
 * the tests (tests/js/room.test.js) in node.
 *
 * Coordinates are metres, x to the east, y to the SOUTH (down the screen), so the map draws
 * them as they are. A room is {width, depth, corners}: `corners` names the corner of the room
 * each beacon hangs in, in the frame's wire order (NW, NE, SE, SW). By default each beacon is
 * in the corner it is named after; a venue that hung them otherwise says so in the settings.
 *
 * RSSI follows the emulator's log-distance path-loss model (emulator/sensors.py, PathLoss):
 * rssi = -59 dBm - 10 · 2.2 · log10(d / 1 m), clamped to the frame's -100..-40 dBm. The
 * tests pin these numbers to the Python ones, so the map inverts what the emulator sends.
 */
"use strict";

(function (root, factory) {
  const api = factory();
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.GroupLoopRoom = api;
})(typeof globalThis !== "undefined" ? globalThis : this, function () {
  const PATH_LOSS = { txPower1mDbm: -59, exponent: 2.2 };
  const RSSI_RANGE_DBM = [-100, -40]; // what a frame can carry
  const MIN_DISTANCE_M = 0.1; // the model diverges at 0 (as the emulator's MIN_DISTANCE_M)
  const BEACONS = ["NW", "NE", "SE", "SW"];
  const CORNERS = ["NW", "NE", "SE", "SW"];
  const DEFAULT_ROOM = Object.freeze({ width: 10, depth: 8, corners: CORNERS.slice() });

  /* A corner's position in a width × depth room (y grows to the south). */
  function cornerAt(corner, width, depth) {
    return {
      NW: [0, 0],
      NE: [width, 0],
      SE: [width, depth],
      SW: [0, depth],
    }[corner];
  }

  /* The beacons' positions, in wire order. */
  function beaconPositions(room) {
    return room.corners.map((corner) => cornerAt(corner, room.width, room.depth));
  }

  /*
   * A room from user settings, checked: {width, depth} in metres (> 0, ≤ 1000) and four
   * corners, each used once. Throws RangeError naming what is wrong.
   */
  function makeRoom({ width, depth, corners = CORNERS }) {
    for (const [name, value] of [
      ["width", width],
      ["depth", depth],
    ]) {
      const metres = Number(value);
      if (!Number.isFinite(metres) || metres <= 0 || metres > 1000) {
        throw new RangeError(`room ${name} must be a number of metres in (0, 1000], got ${value}`);
      }
    }
    const list = Array.from(corners || [], String);
    if (list.length !== 4 || !list.every((c) => CORNERS.includes(c))) {
      throw new RangeError(`beacon corners must be four of ${CORNERS.join(", ")}`);
    }
    if (new Set(list).size !== 4) throw new RangeError("each corner may hold only one beacon");
    return { width: Number(width), depth: Number(depth), corners: list };
  }

  /* The RSSI a beacon reads at `metres` (dBm, clamped to the frame's range). */
  function rssiAtDistance(metres) {
    const d = Math.max(MIN_DISTANCE_M, metres);
    const dbm = PATH_LOSS.txPower1mDbm - 10 * PATH_LOSS.exponent * Math.log10(d);
    return Math.min(RSSI_RANGE_DBM[1], Math.max(RSSI_RANGE_DBM[0], dbm));
  }

  /* The distance (m) the model gives for an RSSI (dBm): the inverse of rssiAtDistance. */
  function distanceFromRssi(dbm) {
    return 10 ** ((PATH_LOSS.txPower1mDbm - dbm) / (10 * PATH_LOSS.exponent));
  }

  /* The four RSSI values (wire order) at (x, y) in `room`, without noise. */
  function rssiAt(room, x, y) {
    return beaconPositions(room).map(([bx, by]) => rssiAtDistance(Math.hypot(x - bx, y - by)));
  }

  /* Solves [[a, b], [b, c]] · [x, y] = [p, q]; null when (nearly) singular. */
  function solve2(a, b, c, p, q) {
    const det = a * c - b * b;
    if (Math.abs(det) < 1e-12 * Math.max(1, a * c)) return null;
    return [(c * p - b * q) / det, (a * q - b * p) / det];
  }

  /*
   * Where a device stands, from its RSSI per beacon (wire order, dBm): the least-squares
   * point of the four distance circles, clamped to the room. The linearised system (each
   * circle minus the first) gives a start, then Gauss-Newton on the distances themselves.
   * Each beacon is weighted by 1/d²: a log-normal RSSI error makes a far distance's error
   * grow with it, so near beacons are the ones to believe.
   */
  function trilaterate(room, rssi) {
    const beacons = beaconPositions(room);
    const d = rssi.map(distanceFromRssi);
    const w = d.map((metres) => 1 / Math.max(MIN_DISTANCE_M, metres) ** 2);
    let point = linearStart(beacons, d, w) || weightedCentroid(beacons, w);
    for (let i = 0; i < 20; i += 1) {
      const next = gaussNewtonStep(beacons, d, w, point);
      if (!next) break;
      const moved = Math.hypot(next[0] - point[0], next[1] - point[1]);
      point = next;
      if (moved < 1e-6) break;
    }
    return {
      x: Math.min(room.width, Math.max(0, point[0])),
      y: Math.min(room.depth, Math.max(0, point[1])),
    };
  }

  function linearStart(beacons, d, w) {
    const [x0, y0] = beacons[0];
    let a = 0;
    let b = 0;
    let c = 0;
    let p = 0;
    let q = 0;
    for (let i = 1; i < beacons.length; i += 1) {
      const [xi, yi] = beacons[i];
      const u = 2 * (xi - x0);
      const v = 2 * (yi - y0);
      const r = d[0] ** 2 - d[i] ** 2 + xi ** 2 - x0 ** 2 + yi ** 2 - y0 ** 2;
      const weight = Math.min(w[0], w[i]);
      a += weight * u * u;
      b += weight * u * v;
      c += weight * v * v;
      p += weight * u * r;
      q += weight * v * r;
    }
    return solve2(a, b, c, p, q);
  }

  function weightedCentroid(beacons, w) {
    const total = w.reduce((s, x) => s + x, 0);
    return [0, 1].map((k) => beacons.reduce((s, b, i) => s + b[k] * w[i], 0) / total);
  }

  function gaussNewtonStep(beacons, d, w, [x, y]) {
    let a = 0;
    let b = 0;
    let c = 0;
    let p = 0;
    let q = 0;
    beacons.forEach(([bx, by], i) => {
      const range = Math.max(1e-9, Math.hypot(x - bx, y - by));
      const jx = (x - bx) / range; // ∂range/∂x
      const jy = (y - by) / range;
      const residual = range - d[i];
      a += w[i] * jx * jx;
      b += w[i] * jx * jy;
      c += w[i] * jy * jy;
      p += w[i] * jx * residual;
      q += w[i] * jy * residual;
    });
    const step = solve2(a, b, c, p, q);
    return step && [x - step[0], y - step[1]];
  }

  /*
   * Smooths a stream of position estimates: an exponential moving average whose weight
   * follows the time between estimates (time constant `tauMs`), so 20 Hz and 5 Hz devices
   * settle equally fast. `update(point, nowMs)` returns the smoothed point. The default,
   * 1.5 s, spans a few BLE scans (a device's RSSI changes about once a second, each reading
   * off by a couple of dB): a marker settles instead of jumping with every scan, and still
   * follows a walking wearer.
   */
  class Smoother {
    constructor(tauMs = 1500) {
      this.tauMs = tauMs;
      this.point = null;
      this.at = 0;
    }

    update({ x, y }, nowMs) {
      if (!this.point) {
        this.point = { x, y };
      } else {
        const alpha = 1 - Math.exp(-Math.max(0, nowMs - this.at) / this.tauMs);
        this.point = {
          x: this.point.x + alpha * (x - this.point.x),
          y: this.point.y + alpha * (y - this.point.y),
        };
      }
      this.at = nowMs;
      return this.point;
    }
  }

  return {
    PATH_LOSS,
    RSSI_RANGE_DBM,
    BEACONS,
    CORNERS,
    DEFAULT_ROOM,
    makeRoom,
    beaconPositions,
    rssiAtDistance,
    distanceFromRssi,
    rssiAt,
    trilaterate,
    Smoother,
  };
});
