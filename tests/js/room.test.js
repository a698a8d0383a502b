// The room model and position estimate of web/apps/shared/room.js against known geometry
// (node --test tests/js): devices at known points, their RSSI as the emulator's path-loss
// model gives it (and as a frame carries it), the point the map should draw.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const Room = require("../../web/apps/shared/room.js");
const { HitloopDevice } = require("../../cdn/js/HitloopDevice.js");

const near = (actual, expected, tolerance, what = "") =>
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what} ${actual} is not within ${tolerance} of ${expected}`,
  );

test("the path-loss model is the emulator's (emulator/sensors.py PathLoss, Room)", () => {
  const source = fs.readFileSync(path.join(__dirname, "../../emulator/sensors.py"), "utf8");
  const number = (name) => Number(new RegExp(`${name}: float = (-?[\\d.]+)`).exec(source)[1]);
  assert.equal(Room.PATH_LOSS.txPower1mDbm, number("tx_power_1m_dbm"));
  assert.equal(Room.PATH_LOSS.exponent, number("exponent"));
  assert.equal(Room.DEFAULT_ROOM.width, number("width_m"));
  assert.equal(Room.DEFAULT_ROOM.depth, number("depth_m"));
});

test("RSSI and distance are each other's inverse, -59 dBm at 1 m", () => {
  near(Room.rssiAtDistance(1), -59, 1e-9);
  near(Room.rssiAtDistance(10), -81, 1e-9); // -59 - 22
  for (const metres of [0.5, 1, 2.5, 7, 12.8]) {
    near(Room.distanceFromRssi(Room.rssiAtDistance(metres)), metres, 1e-9, `${metres} m`);
  }
  assert.equal(Room.rssiAtDistance(0.01), -40); // clamped to what a frame can carry
  assert.equal(Room.rssiAtDistance(1e6), -100);
});

test("a device is found where it stands, anywhere in the room", () => {
  const room = Room.makeRoom({ width: 10, depth: 8 });
  for (const [x, y] of [
    [5, 4],
    [1, 1],
    [9, 7],
    [2.5, 6],
    [8, 1.5],
    [0.5, 7.5],
  ]) {
    const found = Room.trilaterate(room, Room.rssiAt(room, x, y));
    near(found.x, x, 1e-6, `x of (${x}, ${y})`);
    near(found.y, y, 1e-6, `y of (${x}, ${y})`);
  }
});

test("beacons in other corners: the corners setting moves the estimate with them", () => {
  // The NW beacon hangs in the SE corner and the other way round: a device the SE beacon
  // hears loudest is then near the north-west.
  const swapped = Room.makeRoom({ width: 12, depth: 6, corners: ["SE", "NE", "NW", "SW"] });
  const found = Room.trilaterate(swapped, Room.rssiAt(swapped, 2, 1));
  near(found.x, 2, 1e-6);
  near(found.y, 1, 1e-6);
  const plain = Room.makeRoom({ width: 12, depth: 6 });
  const misread = Room.trilaterate(plain, Room.rssiAt(swapped, 2, 1));
  assert.ok(misread.x > 6, `with the default corners it would be drawn at x=${misread.x}`);
});

test("through the frame codec, the estimate is within the byte's resolution", () => {
  const room = Room.makeRoom(Room.DEFAULT_ROOM);
  for (const [x, y] of [
    [3, 2],
    [7, 6],
    [5, 4],
  ]) {
    const [NW, NE, SE, SW] = Room.rssiAt(room, x, y);
    const line = HitloopDevice.encodeFrame({
      id: "a1b2",
      acceleration: { x: 0, y: 0, z: 1 },
      rssi: { NW, NE, SE, SW },
      tap: false,
    });
    const decoded = HitloopDevice.decodeFrame(line);
    const found = Room.trilaterate(
      room,
      HitloopDevice.BEACONS.map((b) => decoded.rssi[b]),
    );
    near(found.x, x, 0.15, `x of (${x}, ${y})`);
    near(found.y, y, 0.15, `y of (${x}, ${y})`);
  }
});

test("noisy readings land near the truth and outside ones are clamped into the room", () => {
  const room = Room.makeRoom(Room.DEFAULT_ROOM);
  // +2 dB on the nearest beacon (NW) pulls the estimate towards it, but not far.
  const rssi = Room.rssiAt(room, 3, 3);
  rssi[0] += 2;
  const found = Room.trilaterate(room, rssi);
  assert.ok(Math.hypot(found.x - 3, found.y - 3) < 1, JSON.stringify(found));
  // Everything far away at once: no point fits, the estimate stays inside the room.
  const lost = Room.trilaterate(room, [-100, -100, -100, -100]);
  assert.ok(lost.x >= 0 && lost.x <= room.width && lost.y >= 0 && lost.y <= room.depth);
});

test("the smoother converges with time, not with the number of estimates", () => {
  const fast = new Room.Smoother(500);
  const slow = new Room.Smoother(500);
  fast.update({ x: 0, y: 0 }, 0);
  slow.update({ x: 0, y: 0 }, 0);
  for (let t = 50; t <= 500; t += 50) fast.update({ x: 10, y: 4 }, t); // 20 Hz
  for (let t = 200; t <= 400; t += 200) slow.update({ x: 10, y: 4 }, t); // 5 Hz
  const last = slow.update({ x: 10, y: 4 }, 500);
  near(fast.point.x, last.x, 0.05);
  near(fast.point.x, 10 * (1 - Math.exp(-1)), 1e-9); // one time constant: 63 %
  near(fast.point.y, 4 * (1 - Math.exp(-1)), 1e-9);
});

test("room settings are checked and explained", () => {
  assert.throws(() => Room.makeRoom({ width: 0, depth: 5 }), /width must be/);
  assert.throws(() => Room.makeRoom({ width: 5, depth: "x" }), /depth must be/);
  assert.throws(
    () => Room.makeRoom({ width: 5, depth: 5, corners: ["NW", "NW", "SE", "SW"] }),
    /only one beacon/,
  );
  assert.throws(() => Room.makeRoom({ width: 5, depth: 5, corners: ["NW"] }), /four of/);
  assert.deepEqual(Room.makeRoom({ width: "6", depth: 4 }), {
    width: 6,
    depth: 4,
    corners: ["NW", "NE", "SE", "SW"],
  });
});
