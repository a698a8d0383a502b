// The frame codec of HitloopDevice.js against docs/protocol.md (node --test tests/js): the
// shared table of cases (tests/data/frame_cases.json, also run by the firmware core and
// grouploop.frame), then what only the JS library promises.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const cases = require("../data/frame_cases.json");
const {
  HitloopDevice,
  decodeFrame,
  encodeFrame,
  accelG,
  rssiDbm,
  accelByte,
  rssiByte,
} = require("../../cdn/js/HitloopDevice.js");

const close = (actual, expected, eps = 1e-9) =>
  assert.ok(Math.abs(actual - expected) < eps, `${actual} is not ${expected}`);

test("acceleration maps 0..255 to -2 g..+2 g", () => {
  close(accelG(0), -2);
  close(accelG(255), 2);
  close(accelG(127.5), 0);
  close(accelG(191.25), 1);
});

test("RSSI maps 0..255 to -100..-40 dBm", () => {
  close(rssiDbm(0), -100);
  close(rssiDbm(255), -40);
  close(rssiDbm(127.5), -70);
});

const { BEACONS } = HitloopDevice; // wire order

for (const c of cases.decode) {
  test(`shared decode case: ${c.case}`, () => {
    const f = decodeFrame(c.frame);
    assert.equal(f.id, c.id);
    assert.deepEqual(
      [f.raw.ax, f.raw.ay, f.raw.az, ...BEACONS.map((b) => f.raw["d" + b]), f.raw.tap],
      c.raw,
    );
    assert.equal(f.tap, c.tap);
    ["x", "y", "z"].forEach((axis, i) => close(f.acceleration[axis], c.accel_g[i], 1e-4));
    BEACONS.forEach((b, i) => close(f.rssi[b], c.rssi_dbm[i], 1e-4));
    BEACONS.forEach((b, i) => close(f.distance[b], 1 - c.raw[3 + i] / 255));
  });
}

for (const c of cases.encode) {
  test(`shared encode case: ${c.case}`, () => {
    const [x, y, z] = c.accel_g;
    const rssi = Object.fromEntries(BEACONS.map((b, i) => [b, c.rssi_dbm[i]]));
    const line = encodeFrame({ id: c.id, acceleration: { x, y, z }, rssi, tap: c.tap });
    assert.equal(line, c.frame);
    const bytes = [...c.accel_g.map(accelByte), ...c.rssi_dbm.map(rssiByte)];
    const wire = bytes.map((_b, i) => parseInt(c.frame.slice(4 + 2 * i, 6 + 2 * i), 16));
    assert.deepEqual(bytes, wire);
  });
}

test("shared invalid frames and ids are refused", () => {
  for (const line of cases.invalid_frames) {
    assert.equal(decodeFrame(line), null, `${JSON.stringify(line)} decoded`);
  }
  const good = { acceleration: { x: 0, y: 0, z: 1 }, rssi: { NW: -60, NE: -60, SE: -60, SW: -60 } };
  for (const id of cases.invalid_ids) {
    assert.throws(() => encodeFrame({ ...good, id }), RangeError, JSON.stringify(id));
  }
});

test("upper case and surrounding white space are accepted, the id is lower case", () => {
  assert.equal(decodeFrame("  A1B2808080FFFFFFFF00\r").id, "a1b2");
});

test("a line that is not a string is not a frame", () => {
  for (const line of [null, undefined, 42]) {
    assert.equal(decodeFrame(line), null, `${JSON.stringify(line)} decoded`);
  }
});

test("a device applies its own frames only and keeps the original raw fields", () => {
  const d = new HitloopDevice("A1B2");
  assert.equal(d.id, "a1b2");
  assert.equal(d.parseHexData("a1b2ff00801020304000"), true);
  assert.equal(d.ax, 255);
  assert.equal(d.dNW, 0x10);
  assert.equal(d.dSW, 0x40);
  assert.equal(d.tap, false);
  close(d.acceleration.x, 2);
  assert.equal(d.frameCount, 1);
  assert.equal(d.parseHexData("ffff0000000000000000"), false, "another device");
  assert.equal(d.parseHexData("not a frame"), false);
  assert.equal(d.frameCount, 1);
  assert.equal(d.getSensorData().dNE, 0x20);
});

test("an upper-case id is written lower case", () => {
  const line = encodeFrame({
    id: "A1B2",
    acceleration: { x: -2, y: 2, z: 0 },
    rssi: { NW: -40, NE: -100, SE: -98, SW: -70 },
    tap: true,
  });
  assert.equal(line, "a1b200ff80ff000880ff");
});

test("encodeFrame is the inverse of decodeFrame on every byte value", () => {
  for (let b = 0; b < 256; b += 1) {
    const hex = b.toString(16).padStart(2, "0");
    const line = `beef${hex}${hex}${hex}${hex}${hex}${hex}${hex}${b % 2 ? "ff" : "00"}`;
    assert.equal(encodeFrame(decodeFrame(line)), line);
  }
});

test("encodeFrame refuses a value that is not a finite number", () => {
  const good = {
    id: "a1b2",
    acceleration: { x: 0, y: 0, z: 1 },
    rssi: { NW: -60, NE: -60, SE: -60, SW: -60 },
  };
  assert.throws(
    () => encodeFrame({ ...good, acceleration: { x: NaN, y: 0, z: 0 } }),
    /acceleration/,
  );
  assert.throws(
    () => encodeFrame({ ...good, rssi: { NW: -60, NE: -60, SE: "-60", SW: -60 } }),
    /rssi/,
  );
  assert.throws(
    () => encodeFrame({ ...good, acceleration: { x: Infinity, y: 0, z: 0 } }),
    RangeError,
  );
});
