// HitloopDeviceManager given several hubs, against real hub processes (`grouploop hub` from
// the project's .venv, independent: no broker). Node 20 has its WebSocket behind a flag:
// `make test` runs `node --experimental-websocket --test tests/js/ tests/browser/`.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const readline = require("node:readline");
const { spawn } = require("node:child_process");
const { HitloopDeviceManager } = require("../../cdn/js/HitloopDeviceManager.js");

const ROOT = path.join(__dirname, "../..");
const PYTHON = path.join(ROOT, ".venv", "bin", "python");
const SCALE = Number(process.env.GL_TIMEOUT_SCALE || "1"); // tests/support/timing.py
const DEAD_HUB = "ws://127.0.0.1:1"; // nothing listens on port 1 of the loopback: refused at once
const FRAME = "a1b2c0408012345678ff";

/** A `grouploop hub` on a free loopback port; resolves to {url, child} once it is ready. */
function startHub(started) {
  const child = spawn(
    PYTHON,
    ["-m", "grouploop.cli", "hub", "--host", "127.0.0.1", "--port", "0"].concat(
      ["--cdn-url", "http://127.0.0.1:1", "--cdn-attempts", "1"], // no CDN: built-in commands
    ),
    { cwd: ROOT, stdio: ["ignore", "pipe", "ignore"] },
  );
  started.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("hub not ready in time")), 30000 * SCALE);
    child.on("exit", (code) => reject(new Error(`hub exited (${code}) before it was ready`)));
    readline.createInterface({ input: child.stdout }).on("line", (line) => {
      const ready = /\[READY\] (\S+)/.exec(line);
      if (ready) {
        clearTimeout(timer);
        resolve({ url: ready[1], child });
      }
    });
  });
}

/** Resolves to the value of the next `name` event of `manager` that satisfies `wanted`. */
function next(manager, name, wanted = () => true) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${name} event in time`)), 10000 * SCALE);
    const off = manager.on(name, (value) => {
      if (!wanted(value)) return;
      clearTimeout(timer);
      off();
      resolve(value);
    });
  });
}

/** A device on `url` streaming FRAME at 20 Hz until stopped. */
function streamingDevice(url) {
  const ws = new globalThis.WebSocket(url);
  let timer = null;
  ws.onopen = () => {
    timer = setInterval(() => ws.send(FRAME), 50);
  };
  return () => {
    clearInterval(timer);
    ws.close();
  };
}

function hubs(t) {
  assert.ok(
    globalThis.WebSocket,
    "no WebSocket in this node: run `node --experimental-websocket --test` (node 20)",
  );
  const started = [];
  t.after(() => started.forEach((child) => child.kill("SIGKILL")));
  return () => startHub(started);
}

test("a killed hub's subscriber moves to the next hub and streams from it", async (t) => {
  const start = hubs(t);
  const [a, b] = await Promise.all([start(), start()]);
  const m = new HitloopDeviceManager([a.url, b.url], { reconnectMinMs: 100 });
  t.after(() => m.disconnect());
  m.on("error", () => {});
  const first = next(m, "open");
  m.connect();
  assert.equal(await first, a.url);
  const stopDevice = streamingDevice(b.url);
  t.after(stopDevice);

  const moved = next(m, "open");
  const seen = next(m, "device", (device) => device.id === "a1b2");
  a.child.kill("SIGKILL"); // no close handshake: the link just dies
  assert.equal(await moved, b.url);
  assert.equal((await seen).id, "a1b2"); // subscribed again, on b
  assert.equal(m.websocketUrl, b.url);
});

test("an unreachable first hub is skipped", async (t) => {
  const start = hubs(t);
  const b = await start();
  const m = new HitloopDeviceManager([DEAD_HUB, b.url], { reconnectMinMs: 100 });
  t.after(() => m.disconnect());
  const errors = [];
  m.on("error", (e) => errors.push(e));
  const opened = next(m, "open");
  m.connect();
  assert.equal(await opened, b.url);
  assert.ok(errors.length >= 1); // the refusal was reported
});
