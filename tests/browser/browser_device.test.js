// The browser devices' shared code (web/apps/shared/browser-device.js) against
// docs/protocol.md and the firmware core's behaviour (node --test tests/browser).
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");

// The page scripts expect a browser's `window`; the CDN libraries also work as modules.
globalThis.window = globalThis;
globalThis.WebSocket = { OPEN: 1 };
const { HitloopDevice } = require("../../cdn/js/HitloopDevice.js");
const { HitloopDeviceManager } = require("../../cdn/js/HitloopDeviceManager.js");
globalThis.HitloopDevice = HitloopDevice;
globalThis.HitloopDeviceManager = HitloopDeviceManager;
globalThis.GroupLoopRoom = require("../../web/apps/shared/room.js");
require("../../web/apps/shared/browser-device.js");
const { Device, room } = globalThis.BrowserDevice;

const table = JSON.parse(
  fs.readFileSync(path.join(__dirname, "../../cdn/static/commands.json"), "utf8"),
);

/* A device with a fake open socket; returns it and the lines it sent. */
function connectedDevice(sensors = () => ({ ax: 0, ay: 0, az: 1, rssi: [-60, -60, -60, -60] })) {
  const sent = [];
  const device = new Device({ id: "b0b0", hubUrl: "ws://127.0.0.1:1", commands: table, sensors });
  device.socket = { readyState: 1, send: (text) => sent.push(text), close() {} };
  device.state = "open";
  return { device, sent };
}

const answers = (sent) =>
  sent.filter((l) => l.startsWith("ans:")).map((l) => JSON.parse(l.slice(4)));

test("frames go out through the CDN codec and decode back to what was measured", () => {
  let measured = { ax: 1, ay: -2, az: 0, rssi: [-40, -100, -70, -55] };
  const { device, sent } = connectedDevice(() => measured);
  device.tap();
  device.sendFrame();
  const decoded = HitloopDevice.decodeFrame(sent[0]);
  assert.equal(decoded.id, "b0b0");
  assert.ok(Math.abs(decoded.acceleration.x - 1) < 0.02);
  assert.equal(decoded.acceleration.y, -2);
  assert.deepEqual([decoded.raw.dNW, decoded.raw.dNE], [255, 0]);
  assert.ok(Math.abs(decoded.rssi.SE + 70) < 0.3);
  assert.equal(decoded.tap, true);
  // Out of range values are clamped, never wrapped.
  measured = { ax: 9, ay: -9, az: 0, rssi: [0, -200, -70, -70] };
  device.sendFrame();
  assert.equal(sent[1], "b0b0ff0080ff00808000");
});

test("refused commands are answered with the protocol reasons of the CDN validator", () => {
  const { device, sent } = connectedDevice();
  device.receive(
    "bogus\nled\nled_set:3\nled:zz0000\nbrightness:256\nled_all_off:1\n" + "led_set:3:ff0000",
  );
  assert.deepEqual(
    answers(sent).map((a) => [a.cmd, a.error]),
    [
      ["bogus", "unknown_command"],
      ["led", "missing_parameters"],
      ["led_set", "missing_parameters"],
      ["led", "invalid_parameters"],
      ["brightness", "invalid_parameters"],
      ["led_all_off", "invalid_parameters"],
      ["led_set", undefined],
    ],
  );
  assert.deepEqual(device.leds.leds[3], "ff0000");
});

test("LED commands give the pixels the firmware gives", () => {
  const { device, sent } = connectedDevice();
  device.receive("led:ff8000\nled_get_state");
  const [led, state] = answers(sent);
  assert.deepEqual(led, { cmd: "led", ok: true });
  // brightness 64 by default: round(255·64/255) = 0x40, round(128·64/255) = 0x20.
  assert.deepEqual(state.data.pixels, Array(6).fill("402000"));
  assert.deepEqual(state.data.leds, Array(6).fill("ff8000"));
  assert.equal(state.data.pattern, "solid");
  assert.equal(state.data.spring, "10050a");

  device.receive("pattern:breathing\nled_set:2:00ff00\nbrightness:255");
  assert.equal(device.leds.pattern, "solid"); // per-LED commands show the LEDs as set
  assert.deepEqual(device.pixels()[2], [0, 255, 0]);
  device.receive("pattern:off");
  assert.ok(device.pixels().every((c) => c.every((v) => v === 0)));
  device.receive("led_off:0\nled_all_off");
  assert.deepEqual(device.leds.leds, Array(6).fill("000000"));
  assert.ok(
    answers(sent).every((a) => a.ok),
    JSON.stringify(answers(sent)),
  );
});

test("every command gets exactly one answer; hub messages get none", () => {
  const { device, sent } = connectedDevice();
  device.receive(
    "Connected to GroupLoop WebSocket server\nid:ok\npong\nstream:on\n" +
      'cmd:result:success\nans:{"cmd":"x"}',
  );
  assert.deepEqual(sent, []);
  device.receive("status\nvibrate:200\nspring_param:000000\nota:http://h/f.bin\nnope:1");
  const got = answers(sent);
  assert.equal(got.length, 5);
  assert.deepEqual(Object.keys(got[0].data).sort(), [
    "board",
    "brightness",
    "frames_dropped",
    "frames_sent",
    "hub_url",
    "id",
    "link",
    "motor",
    "ota",
    "pattern",
    "reconnects",
    "rssi",
    "uptime_ms",
    "version",
    "wifi",
  ]);
  assert.equal(got[0].data.id, "b0b0");
  assert.deepEqual(got[1], { cmd: "vibrate", ok: true });
  assert.equal(device.motorOn, true);
  assert.deepEqual(got[2], { cmd: "spring_param", ok: false, error: "invalid_parameters" });
  assert.deepEqual(got[3], { cmd: "ota", ok: false, error: "ota_not_supported_in_browser" });
  assert.deepEqual(got[4], { cmd: "nope", ok: false, error: "unknown_command" });
});

test("the pixel count and the hub lines to ignore are commands.json's device facts", () => {
  assert.equal(connectedDevice().device.pixels().length, table.device.pixels);
  const other = { ...table, device: { pixels: 3, hub_noise: ["hello"] } };
  const sent = [];
  const device = new Device({ id: "b0b0", hubUrl: "ws://127.0.0.1:1", commands: other });
  device.socket = { readyState: 1, send: (text) => sent.push(text), close() {} };
  assert.equal(device.pixels().length, 3);
  assert.equal(device.ledState().leds.length, 3);
  device.receive("hello there\npong");
  assert.deepEqual(answers(sent), [{ cmd: "pong", ok: false, error: "unknown_command" }]);
});

test("beacon RSSI falls with distance and stays in the frame range", () => {
  const nearNw = room.rssiAt(0.5, 0.5);
  assert.ok(nearNw[0] > nearNw[1] && nearNw[0] > nearNw[2] && nearNw[0] > nearNw[3]);
  for (const dbm of [...room.rssiAt(0, 0), ...room.rssiAt(room.width / 2, room.height / 2)]) {
    assert.ok(dbm >= -100 && dbm <= -40, `${dbm}`);
  }
});

test("a backed-up socket drops frames, counts them, and keeps a tap for the next frame", () => {
  const { device, sent } = connectedDevice();
  device.socket.bufferedAmount = 10000;
  device.tap();
  device.sendFrame();
  assert.deepEqual(sent, []);
  assert.equal(device.status().frames_dropped, 1);
  device.socket.bufferedAmount = 0;
  device.sendFrame();
  assert.equal(sent.length, 1);
  assert.equal(HitloopDevice.decodeFrame(sent[0]).tap, true);
  device.sendFrame();
  assert.equal(HitloopDevice.decodeFrame(sent[1]).tap, false);
});

test("a lost hub is retried with the manager's backoff: 0.5 s doubling to 5 s, reset on open", (t) => {
  t.mock.method(Math, "random", () => 1); // each delay its ceiling
  const delays = [];
  t.mock.method(globalThis, "setTimeout", (_fn, ms) => {
    delays.push(ms);
    return delays.length;
  });
  const device = new Device({ id: "b0b0", hubUrl: "ws://127.0.0.1:1", commands: table });
  for (let i = 0; i < 6; i += 1) device.scheduleReconnect();
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 5000, 5000]);
  device.attempts = 0; // what a successful open does
  device.scheduleReconnect();
  assert.equal(delays.at(-1), 500);
});

test("a device with a token logs in before it names itself, as the firmware does", () => {
  const sockets = [];
  globalThis.WebSocket = class {
    constructor(url) {
      this.url = url;
      this.sent = [];
      sockets.push(this);
    }
    send(text) {
      this.sent.push(text);
    }
    close() {}
  };
  globalThis.WebSocket.OPEN = 1;
  const sensors = () => ({ ax: 0, ay: 0, az: 1, rssi: [-60, -60, -60, -60] });
  const device = new Device({
    id: "b0b0",
    hubUrl: "ws://127.0.0.1:1",
    token: "sec",
    commands: table,
    sensors,
  });
  device.connect();
  sockets[0].onopen();
  assert.deepEqual(sockets[0].sent.slice(0, 2), ["auth:sec", "id:b0b0"]);
  device.receive("auth:ok:device");
  assert.equal(sockets[0].sent.length, 2); // the hub's answer is no command
  device.stop();
  clearInterval(device.timer);
  globalThis.WebSocket = { OPEN: 1 };
});
