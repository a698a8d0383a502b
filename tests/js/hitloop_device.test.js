// Frame decoding of HitloopDevice.js against docs/protocol.md (node --test tests/js).
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
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

test("a frame is decoded field by field in wire order NW NE SE SW", () => {
  // id a1b2, ax 00, ay ff, az 80, NW ff, NE 00, SE 40, SW c0, tap ff
  const f = decodeFrame("a1b200ff80ff0040c0ff");
  assert.equal(f.id, "a1b2");
  assert.deepEqual(f.raw, {
    ax: 0,
    ay: 255,
    az: 128,
    dNW: 255,
    dNE: 0,
    dSE: 64,
    dSW: 192,
    tap: 255,
  });
  close(f.acceleration.x, -2);
  close(f.acceleration.y, 2);
  close(f.acceleration.z, (128 / 255) * 4 - 2);
  close(f.rssi.NW, -40);
  close(f.rssi.NE, -100);
  close(f.rssi.SE, -100 + (64 / 255) * 60);
  close(f.distance.NW, 0);
  close(f.distance.NE, 1);
  close(f.distance.SW, 1 - 192 / 255);
  assert.equal(f.tap, true);
  assert.equal(decodeFrame("a1b28080800000000000").tap, false);
});

test("upper case and surrounding white space are accepted, the id is lower case", () => {
  assert.equal(decodeFrame("  A1B2808080FFFFFFFF00\r").id, "a1b2");
});

test("anything but exactly 20 hex digits is not a frame", () => {
  for (const line of [
    "",
    "pong",
    "stream:on",
    "a1b2808080ffffffff0",
    "a1b2808080ffffffff000",
    "g1b2808080ffffffff00",
    "a1b2 808080ffffffff0",
    "ans:a1b2:{}",
    null,
    undefined,
    42,
  ]) {
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

test("bytes are rounded half to even and clamped, as grouploop/frame.py does", () => {
  // (dBm + 100) * 255 / 60 is exactly 8.5, 25.5, 42.5, 59.5 here: Math.round would go up.
  assert.deepEqual([-98, -94, -90, -86].map(rssiByte), [8, 26, 42, 60]);
  assert.equal(accelByte(0), 128); // 127.5
  assert.deepEqual([-2, 2, -9, 9, -1e9].map(accelByte), [0, 255, 0, 255, 0]);
  assert.deepEqual([-100, -40, -200, 0].map(rssiByte), [0, 255, 0, 255]);
  assert.equal(accelByte(1), 191); // 191.25
  assert.equal(rssiByte(-70), 128); // 127.5
});

test("encodeFrame writes the fields in wire order, lowercase, tap as ff/00", () => {
  const line = encodeFrame({
    id: "A1B2",
    acceleration: { x: -2, y: 2, z: 0 },
    rssi: { NW: -40, NE: -100, SE: -98, SW: -70 },
    tap: true,
  });
  assert.equal(line, "a1b200ff80ff000880ff");
  assert.equal(encodeFrame({ ...decodeFrame(line), tap: false }), "a1b200ff80ff00088000");
});

test("encodeFrame is the inverse of decodeFrame on every byte value", () => {
  for (let b = 0; b < 256; b += 1) {
    const hex = b.toString(16).padStart(2, "0");
    const line = `beef${hex}${hex}${hex}${hex}${hex}${hex}${hex}${b % 2 ? "ff" : "00"}`;
    assert.equal(encodeFrame(decodeFrame(line)), line);
  }
});

test("encodeFrame refuses a bad id or a value that is not a number", () => {
  const good = {
    id: "a1b2",
    acceleration: { x: 0, y: 0, z: 1 },
    rssi: { NW: -60, NE: -60, SE: -60, SW: -60 },
  };
  assert.throws(() => encodeFrame({ ...good, id: "xyz1" }), RangeError);
  assert.throws(() => encodeFrame({ ...good, id: "a1b2c" }), RangeError);
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
