// HitloopDeviceManager.js: line handling, device tracking, pruning, reconnect backoff and
// command validation against the real cdn/static/commands.json (node --test tests/js).
// The WebSocket and the timers are test doubles: this is a unit test of the client logic;
// tests/integration/test_cdn_js.py runs the library against a real CDN.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const {
  HitloopDeviceManager,
  CommandError,
  validateCommand,
  splitCommand,
  parseCommand,
} = require("../../cdn/js/HitloopDeviceManager.js");

const COMMANDS = JSON.parse(
  fs.readFileSync(path.join(__dirname, "../../cdn/static/commands.json"), "utf8"),
);

class FakeSocket {
  static instances = [];
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    FakeSocket.instances.push(this);
  }
  send(text) {
    this.sent.push(text);
  }
  close() {
    this.readyState = 3;
    this.onclose?.({ code: 1000 });
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }
  refuse() {
    this.onerror?.({ type: "error" });
  } // a failed connect without a close event
  receive(data) {
    this.onmessage?.({ data });
  }
}

function fakeTimers() {
  const timers = { pending: [], intervals: [] };
  timers.setTimeout = (fn, ms) => {
    const t = { fn, ms };
    timers.pending.push(t);
    return t;
  };
  timers.clearTimeout = (t) => {
    timers.pending = timers.pending.filter((x) => x !== t);
  };
  timers.setInterval = (fn, ms) => {
    const t = { fn, ms };
    timers.intervals.push(t);
    return t;
  };
  timers.clearInterval = (t) => {
    timers.intervals = timers.intervals.filter((x) => x !== t);
  };
  timers.fire = () => {
    const t = timers.pending.shift();
    t.fn();
    return t.ms;
  };
  return timers;
}

function connected(options = {}) {
  FakeSocket.instances = [];
  const clock = { t: 1000 };
  const timers = fakeTimers();
  const m = new HitloopDeviceManager("ws://hub.test:5003", {
    WebSocket: FakeSocket,
    commands: COMMANDS,
    now: () => clock.t,
    ...timers,
    ...options,
  });
  m.connect();
  const ws = FakeSocket.instances[0];
  ws.open();
  return { m, ws, clock, timers };
}

function record(m, ...names) {
  const seen = [];
  for (const name of names) m.on(name, (v) => seen.push([name, v]));
  return seen;
}

test("subscribes with s on open", () => {
  const { ws } = connected();
  assert.equal(ws.url, "ws://hub.test:5003");
  assert.deepEqual(ws.sent, ["s"]);
});

test("a multi-line message updates every device and reports other lines", () => {
  const { m, ws } = connected();
  const seen = record(m, "device", "message");
  ws.receive("a1b2808080ffffffff00\nc3d4808080000000ff00\r\n\nstream:on\nsome future line\n");
  assert.equal(m.getDeviceCount(), 2);
  assert.equal(m.getDevice("C3D4").dSW, 0xff);
  assert.deepEqual(
    seen.filter(([n]) => n === "device").map(([, d]) => d.id),
    ["a1b2", "c3d4"],
  );
  assert.deepEqual(
    seen.filter(([n]) => n === "message").map(([, l]) => l),
    ["stream:on", "some future line"],
  );
  ws.receive("a1b2808080ffffffff00");
  assert.equal(m.getDevice("a1b2").frameCount, 2);
});

test("garbage never throws and never creates devices", () => {
  const { m, ws } = connected();
  for (const data of [
    "",
    "\n\n",
    "ans:zz",
    "ans:a1b2:{not json",
    "cmd:",
    "\u0000\u00ff",
    "x".repeat(100000),
    undefined,
    "a1b2808080ffffffff0g",
  ]) {
    ws.receive(data);
  }
  assert.equal(m.getDeviceCount(), 0);
});

test("device answers and hub answers become events", () => {
  const { m, ws } = connected();
  const seen = record(m, "answer", "result", "message");
  ws.receive("a1b2808080ffffffff00");
  ws.receive(
    [
      'ans:A1B2:{"cmd":"status","ok":true,"data":{"version":"1.0.0"}}',
      'ans:ffff:{"cmd":"led","ok":false,"error":"invalid_parameters"}',
      "cmd:result:sent_to_3_devices",
      "cmd:result:failed",
      "cmd:error:unknown_command",
      "ans:a1b2:not json",
    ].join("\n"),
  );
  const [a1, a2] = seen.filter(([n]) => n === "answer").map(([, v]) => v);
  assert.equal(a1.id, "a1b2");
  assert.equal(a1.device, m.getDevice("a1b2"));
  assert.deepEqual(a1.data, { version: "1.0.0" });
  assert.equal(m.getDevice("a1b2").lastAnswer.cmd, "status");
  assert.equal(a2.device, null);
  assert.equal(a2.ok, false);
  assert.equal(a2.error, "invalid_parameters");
  const results = seen.filter(([n]) => n === "result").map(([, v]) => v);
  assert.deepEqual(results[0], {
    kind: "result",
    ok: true,
    result: "sent_to_3_devices",
    sentTo: 3,
  });
  assert.equal(results[1].ok, false);
  assert.deepEqual(results[2], { kind: "result", ok: false, error: "unknown_command" });
  assert.deepEqual(
    seen.filter(([n]) => n === "message").map(([, v]) => v),
    ["ans:a1b2:not json"],
  );
});

test("a failing listener does not stop the others", () => {
  const { m, ws } = connected();
  const original = console.error;
  console.error = () => {};
  try {
    m.on("frame", () => {
      throw new Error("boom");
    });
    const ids = [];
    m.on("frame", (d) => ids.push(d.id));
    ws.receive("a1b2808080ffffffff00\nc3d4808080ffffffff00");
    assert.deepEqual(ids, ["a1b2", "c3d4"]);
  } finally {
    console.error = original;
  }
});

test("silent devices are pruned after the timeout, active ones stay", () => {
  const { m, ws, clock, timers } = connected({ inactiveTimeoutMs: 5000 });
  const removed = [];
  m.on("remove", (d) => removed.push(d.id));
  ws.receive("a1b2808080ffffffff00\nc3d4808080ffffffff00");
  clock.t += 4000;
  ws.receive("c3d4808080ffffffff00");
  clock.t += 1001;
  timers.intervals[0].fn();
  assert.deepEqual(removed, ["a1b2"]);
  assert.deepEqual([...m.devices.keys()], ["c3d4"]);
});

test("reconnects with exponential backoff, capped, reset after a successful open", () => {
  // random() = 1: every delay is its ceiling (the jitter is pinned in its own test).
  const { m, ws, timers } = connected({
    reconnectMinMs: 100,
    reconnectMaxMs: 500,
    random: () => 1,
  });
  ws.drop();
  const delays = [];
  for (let i = 0; i < 5; i++) {
    delays.push(timers.fire());
    FakeSocket.instances.at(-1).drop();
  }
  assert.deepEqual(delays, [100, 200, 400, 500, 500]);
  timers.fire();
  const fresh = FakeSocket.instances.at(-1);
  fresh.open();
  assert.deepEqual(fresh.sent, ["s"]);
  fresh.drop();
  assert.equal(timers.fire(), 100);
  m.disconnect();
  assert.equal(timers.pending.length, 0);
  assert.equal(timers.intervals.length, 0);
});

test("a refused connection is retried, once, with or without a close event", () => {
  FakeSocket.instances = [];
  const timers = fakeTimers();
  const m = new HitloopDeviceManager("ws://x", { WebSocket: FakeSocket, ...timers });
  m.on("error", () => {});
  m.connect();
  FakeSocket.instances[0].refuse(); // node 20: error only
  assert.equal(timers.pending.length, 1);
  timers.fire();
  const second = FakeSocket.instances[1];
  second.refuse(); // browsers: error, then close
  second.drop();
  assert.equal(timers.pending.length, 1);
  timers.fire();
  assert.equal(FakeSocket.instances.length, 3);
  m.disconnect();
});

test("disconnect() does not reconnect", () => {
  const { m, timers } = connected();
  m.disconnect();
  assert.equal(timers.pending.length, 0);
  assert.equal(FakeSocket.instances.length, 1);
});

test("valid commands are sent in the hub format", () => {
  const { m, ws } = connected();
  assert.equal(m.sendCommand("A1B2", "led", "ff0000"), "cmd:a1b2:led:ff0000");
  assert.equal(m.sendCommand("all", "pattern", "breathing"), "cmd:all:pattern:breathing");
  assert.equal(m.sendCommand(["a1b2", "c3d4"], "brightness", 128), "cmd:a1b2,c3d4:brightness:128");
  assert.equal(
    m.sendCommand("a1b2,c3d4", "led_set", 3, "00ff00"),
    "cmd:a1b2,c3d4:led_set:3:00ff00",
  );
  assert.equal(m.sendCommand("a1b2", "status"), "cmd:a1b2:status");
  assert.equal(
    m.sendCommand("a1b2", "ota", "http://cdn:5008/firmware/x.bin"),
    "cmd:a1b2:ota:http://cdn:5008/firmware/x.bin",
  );
  assert.deepEqual(ws.sent.slice(1, 3), ["cmd:a1b2:led:ff0000", "cmd:all:pattern:breathing"]);
});

test("bad commands are refused with a clear CommandError and nothing is sent", () => {
  const { m, ws } = connected();
  const cases = [
    [["a1b2", "explode"], /unknown command 'explode'/],
    [["a1b2", "led"], /missing parameters, expects color/],
    [["a1b2", "led_set", 3], /missing parameters, expects index, color/],
    [["a1b2", "status", "x"], /too many parameters/],
    [["a1b2", "led", "red"], /color must match/],
    [["a1b2", "pattern", "disco"], /must be one of breathing/],
    [["a1b2", "brightness", 256], /must be <= 255/],
    [["a1b2", "brightness", "1.5"], /must be an integer/],
    [["a1b2", "vibrate", 0], /must be >= 1/],
    [["a1b2", "led_set", "1:2", "ff0000"], /must not contain ':'/],
    [["a1b2", "ota", "http://x\ncmd:all:reset"], /line break/],
    [["a1b2", "ota", "ftp://x"], /must match/],
    [["a1b2", "led", ""], /is empty/],
    [["nope", "status"], /target must be 'all' or device ids/],
    [[["a1b2", "zz"], "status"], /target must be/],
    [["a1b2", "toString"], /unknown command/],
  ];
  for (const [args, message] of cases) {
    assert.throws(
      () => m.sendCommand(...args),
      (e) => e instanceof CommandError && message.test(e.message),
      `${JSON.stringify(args)}`,
    );
  }
  assert.deepEqual(ws.sent, ["s"]);
});

test("commands need the table and a connection", () => {
  FakeSocket.instances = [];
  const m = new HitloopDeviceManager("ws://x", { WebSocket: FakeSocket, ...fakeTimers() });
  assert.throws(() => m.sendCommand("a1b2", "status"), /commands not loaded/);
  m.setCommands(COMMANDS);
  assert.throws(() => m.sendCommand("a1b2", "status"), /not connected/);
  assert.throws(() => m.setCommands({}), CommandError);
});

test("state goes connecting, open, closed on a drop, connecting again, and closed on disconnect", () => {
  FakeSocket.instances = [];
  const timers = fakeTimers();
  const m = new HitloopDeviceManager("ws://hub.test:5003", {
    WebSocket: FakeSocket,
    commands: COMMANDS,
    ...timers,
  });
  const seen = record(m, "state");
  assert.equal(m.state, "closed");
  m.connect();
  assert.equal(m.state, "connecting");
  FakeSocket.instances[0].open();
  assert.equal(m.state, "open");
  FakeSocket.instances[0].drop();
  assert.equal(m.state, "closed");
  timers.fire(); // the reconnect
  FakeSocket.instances[1].refuse(); // no close event: still reported once
  timers.fire();
  FakeSocket.instances[2].open();
  m.disconnect();
  assert.deepEqual(
    seen.map(([, state]) => state),
    ["connecting", "open", "closed", "connecting", "closed", "connecting", "open", "closed"],
  );
});

test("validateCommand gives the reason code a device answers with", () => {
  const cases = [
    [["bogus"], "unknown_command"],
    [["toString"], "unknown_command"], // not an own command of the table
    [["led"], "missing_parameters"],
    [["led_set", "3"], "missing_parameters"],
    [["led_set", "", "ff0000"], "missing_parameters"],
    [["led", "zz0000"], "invalid_parameters"],
    [["brightness", "256"], "invalid_parameters"],
    [["brightness", "x"], "invalid_parameters"],
    [["pattern", "disco"], "invalid_parameters"],
    [["led_all_off", "1"], "invalid_parameters"],
    [["led_set", 3, "ff0000"], null],
    [["ota", "http://h:5008/f.bin"], null],
    [["status"], null],
  ];
  for (const [[name, ...params], reason] of cases) {
    assert.equal(validateCommand(COMMANDS, name, params), reason, `${name} ${params}`);
  }
  assert.throws(() => validateCommand(null, "led", ["ff0000"]), CommandError);
});

test("a command line is split as the table says and checked", () => {
  assert.deepEqual(splitCommand(COMMANDS, "ota:http://h:5008/f.bin"), {
    name: "ota",
    params: ["http://h:5008/f.bin"],
  });
  assert.deepEqual(splitCommand(COMMANDS, "nope:a:b"), { name: "nope", params: ["a", "b"] });
  assert.deepEqual(splitCommand(COMMANDS, "status"), { name: "status", params: [] });
  assert.deepEqual(parseCommand(COMMANDS, "led_set:3:ff0000"), {
    name: "led_set",
    params: ["3", "ff0000"],
  });
  assert.deepEqual(parseCommand(COMMANDS, "led_set:3"), {
    name: "led_set",
    error: "missing_parameters",
  });
  assert.deepEqual(parseCommand(COMMANDS, "bogus"), { name: "bogus", error: "unknown_command" });
  assert.deepEqual(parseCommand(COMMANDS, "led_off:9"), {
    name: "led_off",
    error: "invalid_parameters",
  });
});

test("a token is the first line on every connection, before the subscription", () => {
  const { m, ws, timers } = connected({ token: "tok-1" });
  assert.deepEqual(ws.sent, ["auth:tok-1", "s"]);
  assert.ok(!ws.url.includes("tok-1")); // never in a URL (proxies log those)
  const seen = record(m, "auth");
  ws.receive("Connected to GroupLoop WebSocket server\nauth:ok:operator");
  assert.equal(m.role, "operator");
  assert.deepEqual(seen, [["auth", { kind: "auth", ok: true, role: "operator" }]]);
  ws.drop();
  timers.fire();
  const again = FakeSocket.instances[1];
  again.open();
  assert.deepEqual(again.sent, ["auth:tok-1", "s"]);
  assert.equal(m.role, null); // until this connection's answer
});

test("without a token nothing but the subscription is sent (the original behaviour)", () => {
  const { ws } = connected();
  assert.deepEqual(ws.sent, ["s"]);
});

test("a refused token stops reconnecting until another token is set", () => {
  const { m, ws, timers } = connected({ token: "wrong" });
  const seen = record(m, "auth");
  ws.receive("auth:error:invalid");
  ws.close();
  assert.deepEqual(seen, [["auth", { kind: "auth", ok: false, error: "invalid" }]]);
  assert.equal(timers.pending.length, 0);
  m.setToken("right");
  const next = FakeSocket.instances[1];
  next.open();
  assert.deepEqual(next.sent, ["auth:right", "s"]);
});

test("a forbidden command is a failed result with its reason", () => {
  const { m, ws } = connected({ token: "viewer-token" });
  const seen = record(m, "result");
  ws.receive("cmd:error:forbidden");
  assert.deepEqual(seen, [["result", { kind: "result", ok: false, error: "forbidden" }]]);
});

test("several hubs: a refused, unreachable or dropping hub is left for the next, with the backoff", () => {
  FakeSocket.instances = [];
  const timers = fakeTimers();
  const hubs = ["ws://a:5003", "ws://b:5003", "ws://c:5003"];
  const m = new HitloopDeviceManager(hubs, {
    WebSocket: FakeSocket,
    reconnectMinMs: 100,
    reconnectMaxMs: 500,
    random: () => 1,
    ...timers,
  });
  const opened = record(m, "open");
  m.on("error", () => {});
  m.connect();
  assert.equal(m.websocketUrl, "ws://a:5003");
  FakeSocket.instances[0].refuse(); // error only (node 20)
  const delays = [timers.fire()];
  FakeSocket.instances[1].refuse(); // error, then close (browsers): moves on once
  FakeSocket.instances[1].drop();
  delays.push(timers.fire());
  FakeSocket.instances[2].drop();
  delays.push(timers.fire());
  assert.deepEqual(
    FakeSocket.instances.map((ws) => ws.url),
    [...hubs, "ws://a:5003"], // wrapped around
  );
  assert.deepEqual(delays, [100, 200, 400]); // the single hub's backoff, unchanged
  FakeSocket.instances[3].drop();
  timers.fire();
  const onB = FakeSocket.instances[4];
  onB.open();
  assert.deepEqual(opened, [["open", "ws://b:5003"]]);
  assert.deepEqual(onB.sent, ["s"]);
  // Online it stays; a new token reconnects to the same hub; a drop moves on at the minimum.
  m.setToken("tok");
  assert.equal(timers.fire(), 100);
  assert.equal(FakeSocket.instances[5].url, "ws://b:5003");
  FakeSocket.instances[5].open();
  FakeSocket.instances[5].drop();
  assert.equal(timers.fire(), 100);
  assert.equal(FakeSocket.instances[6].url, "ws://c:5003");
  m.disconnect();
  assert.equal(timers.pending.length, 0);
});

test("one URL stays the whole list; an empty list is refused", () => {
  const m = new HitloopDeviceManager("ws://one:5003", { WebSocket: FakeSocket, ...fakeTimers() });
  assert.deepEqual(m.websocketUrls, ["ws://one:5003"]);
  m.websocketUrl = "ws://other:5003"; // as the original library's property: the next hub
  assert.deepEqual([m.websocketUrl, m.websocketUrls], ["ws://other:5003", ["ws://other:5003"]]);
  assert.throws(() => new HitloopDeviceManager([]), TypeError);
});

test("the reconnect delay is jittered between half its ceiling and all of it", () => {
  const { reconnectDelay } = HitloopDeviceManager;
  assert.equal(
    reconnectDelay(0, 500, 10000, () => 0),
    250,
  );
  assert.equal(
    reconnectDelay(0, 500, 10000, () => 0.5),
    375,
  );
  assert.equal(
    reconnectDelay(3, 500, 10000, () => 1),
    4000,
  );
  assert.equal(
    reconnectDelay(9, 500, 10000, () => 0),
    5000,
  );
  const spread = new Set(Array.from({ length: 50 }, () => reconnectDelay(2, 500, 10000)));
  assert.ok(spread.size > 1, "Math.random spreads the delays");
  for (const delay of spread) assert.ok(delay >= 1000 && delay <= 2000, `${delay}`);
});
