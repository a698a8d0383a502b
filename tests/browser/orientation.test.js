// A device's orientation from its accelerometer (web/apps/shared/orientation.js), against
// the tilt the simulator gives its devices (node --test tests/browser).
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");

globalThis.window = globalThis;
require("../../web/apps/shared/orientation.js");
const { upFrom, smooth, angles, levelling } = globalThis.Orientation;

const close = (a, b, tolerance = 1e-9) =>
  a.every((value, i) => Math.abs(value - b[i]) <= tolerance) || assert.fail(`${a} ≉ ${b}`);

test("a device lying flat reads 1 g on z: up is its z axis, no tilt", () => {
  close(upFrom({ ax: 0, ay: 0, az: 1 }), [0, 0, 1]);
  assert.deepEqual(angles([0, 0, 1]), { roll: 0, pitch: 0 });
  close(upFrom({ ax: 0, ay: 0, az: 0 }), [0, 0, 1]); // free fall: drawn flat
});

test("roll and pitch come back from the reading a tilted device gives", () => {
  // As the simulator's swarm.js computes a worn device's gravity: roll 0.3, pitch −0.2 rad.
  const [roll, pitch] = [0.3, -0.2];
  const reading = {
    ax: -Math.sin(pitch),
    ay: Math.sin(roll) * Math.cos(pitch),
    az: Math.cos(roll) * Math.cos(pitch),
  };
  const degrees = (radians) => Math.round((radians * 180) / Math.PI);
  assert.deepEqual(angles(upFrom(reading)), { roll: degrees(roll), pitch: degrees(pitch) });
});

test("the drawn device is turned so that what it measures as up points up", () => {
  for (const reading of [
    { ax: 0.5, ay: -0.2, az: 0.8 },
    { ax: 0, ay: 1, az: 0 },
    { ax: 0, ay: 0, az: -1 }, // upside down
  ]) {
    const up = upFrom(reading);
    close(levelling(up)(up), [0, 0, 1], 1e-9);
    // A turn keeps lengths.
    const v = levelling(up)([1, 2, 3]);
    assert.ok(Math.abs(Math.hypot(...v) - Math.hypot(1, 2, 3)) < 1e-9);
  }
});

test("the view follows a new reading gradually and stays a unit vector", () => {
  let up = [0, 0, 1];
  for (let i = 0; i < 5; i += 1) up = smooth(up, [1, 0, 0]);
  assert.ok(up[0] > 0.3 && up[0] < 0.99, String(up));
  assert.ok(Math.abs(Math.hypot(...up) - 1) < 1e-9);
});
