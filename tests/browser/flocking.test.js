// The simulator's flocking and spacing (web/apps/simulator/flocking.js) and its swarm
// (swarm.js) at 100 devices: no two overlap, whatever they want (node --test tests/browser).
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");

globalThis.window = globalThis;
const { HitloopDevice } = require("../../cdn/js/HitloopDevice.js");
const { HitloopDeviceManager } = require("../../cdn/js/HitloopDeviceManager.js");
globalThis.HitloopDevice = HitloopDevice;
globalThis.HitloopDeviceManager = HitloopDeviceManager;
globalThis.GroupLoopRoom = require("../../web/apps/shared/room.js");
require("../../web/apps/shared/browser-device.js");
require("../../web/apps/simulator/flocking.js");
require("../../web/apps/simulator/swarm.js");
const { bodyRadius, freeSpot, flock, separate, closestPair, CRUISE } = globalThis.Flocking;
const { room } = globalThis.BrowserDevice;

const table = JSON.parse(
  fs.readFileSync(path.join(__dirname, "../../cdn/static/commands.json"), "utf8"),
);
const member = (x, y, vx = 0, vy = 0) => ({ x, y, vx, vy, heading: 0 });
const only = (rule) => ({ separation: 0, alignment: 0, cohesion: 0, [rule]: 1 });

test("separation steers a device away from a neighbour that is too close", () => {
  const me = member(4, 3);
  const [vx, vy] = flock(me, [me, member(4.3, 3)], only("separation"));
  assert.ok(vx < 0 && Math.abs(vy) < 1e-9, `${vx}, ${vy}`);
});

test("alignment turns a device towards its neighbours' heading", () => {
  const me = member(4, 3, 0.5, 0);
  const others = [member(4.5, 3, 0, 0.8), member(3.5, 3, 0, 0.8)];
  const [vx, vy] = flock(me, [me, ...others], only("alignment"));
  assert.ok(vy > 0.6 && Math.abs(vx) < 0.1, `${vx}, ${vy}`); // now going their way (+y)
});

test("cohesion steers a device towards its neighbours' centre", () => {
  const me = member(4, 3);
  const [vx, vy] = flock(me, [me, member(5, 2.5), member(5, 3.5)], only("cohesion"));
  assert.ok(vx > 0.7 && Math.abs(vy) < 1e-9, `${vx}, ${vy}`);
});

test("neighbours out of view do not steer, and a flock cruises at one speed", () => {
  const me = member(1, 1, 0.1, 0);
  const far = member(7, 5, 0, 1);
  for (const rule of ["separation", "alignment", "cohesion"]) {
    const [vx, vy] = flock(me, [me, far], only(rule));
    assert.ok(Math.abs(vx - CRUISE) < 1e-9 && Math.abs(vy) < 1e-9, rule);
  }
});

test("separate moves overlapping devices apart and keeps them inside the room", () => {
  const members = [member(1, 1), member(1.1, 1), member(1.1, 1), member(0.01, 5.99)];
  for (let i = 0; i < 20; i += 1) separate(members, 0.5, 8, 6, 0.25);
  assert.ok(closestPair(members) >= 0.5 - 1e-6, String(closestPair(members)));
  for (const m of members) assert.ok(m.x >= 0.25 && m.x <= 7.75 && m.y >= 0.25 && m.y <= 5.75);
});

test("a new device appears where there is room, and devices shrink to fit 100", () => {
  const r = bodyRadius(100, 8, 6);
  assert.ok(r > 0.15 && r <= 0.24, String(r));
  assert.equal(bodyRadius(3, 8, 6), 0.24);
  const members = [];
  let seed = 1;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647; // repeatable
  for (let i = 0; i < 100; i += 1) {
    const [x, y] = freeSpot(members, 2 * r, 8, 6, r, random);
    members.push(member(x, y));
  }
  assert.ok(closestPair(members) > r, String(closestPair(members)));
});

for (const behaviour of ["gather", "flock", "wander", "circle"]) {
  test(`100 devices that ${behaviour} never overlap`, () => {
    const swarm = new globalThis.Swarm.Swarm({ hubUrl: "ws://127.0.0.1:1", commands: table });
    swarm.behaviour = behaviour;
    swarm.resize(100);
    let closest = Infinity;
    for (let frame = 0; frame < 600; frame += 1) {
      // 20 s at 30 frames a second: long enough for a gathering to pack tight.
      swarm.step(1 / 30, (frame * 1000) / 30);
      closest = Math.min(closest, closestPair(swarm.members));
    }
    assert.ok(closest >= 2 * swarm.radius * 0.97, `${closest} < ${2 * swarm.radius}`);
    for (const m of swarm.members) {
      assert.ok(m.x >= swarm.radius - 1e-9 && m.x <= room.width - swarm.radius + 1e-9);
    }
    assert.equal(swarm.stats().connected, 0); // never started: nothing joined a hub
  });
}

test("walls push a device back only when it is near them", () => {
  const { wallSpace } = globalThis.Flocking;
  assert.deepEqual(wallSpace(member(4, 3), 8, 6, 0.7), [0, 0]);
  const [px, py] = wallSpace(member(0.2, 5.9), 8, 6, 0.7);
  assert.ok(px > 0 && py < 0, `${px}, ${py}`); // away from the west and south walls
});

test("a flock of 100 spreads over the room instead of lining the walls", () => {
  const swarm = new globalThis.Swarm.Swarm({ hubUrl: "ws://127.0.0.1:1", commands: table });
  swarm.behaviour = "flock";
  swarm.resize(100);
  for (let frame = 0; frame < 600; frame += 1) swarm.step(1 / 30, (frame * 1000) / 30);
  const nearWall = swarm.members.filter(
    (m) => Math.min(m.x, m.y, room.width - m.x, room.height - m.y) < 2 * swarm.radius,
  );
  assert.ok(nearWall.length < 25, `${nearWall.length} of 100 against a wall`);
});
