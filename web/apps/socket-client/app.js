/*
 * Socket client: subscribes to the hub, lists every streaming device with its decoded
 * values (acceleration, beacon RSSI, tap) and live graphs of them, sends commands checked
 * against commands.json, and logs what the hub and the devices answer.
 *
 * The list is sortable, filtered and virtualised (shared/device-table.js), and one
 * requestAnimationFrame loop draws only the rows in view: 500 devices cost one screen.
 */
"use strict";

(async () => {
  const G = window.GroupLoop;
  const { setText } = window.DeviceTable;
  const { History, drawMotion, drawBeacons } = window.DeviceGraphs;
  const $ = (id) => document.getElementById(id);

  const page = await G.start("socket-client");
  if (!page) return; // the banner says what is wrong
  const { table, manager } = page;
  const log = $("log");

  const TAP_SHOWN_MS = 600; // a tap lasts one frame: keep it visible long enough to see
  const histories = new Map(); // id → History
  const firmware = new Map(); // id → "version (board)" from any status answer seen
  const device = (id) => manager.getDevice(id);
  const common = window.DeviceTable.commonColumns(manager);

  const number = (key, digits, value) => ({
    key,
    title: key,
    numeric: true,
    width: "3.6rem",
    sort: (id) => value(device(id)),
    render: (cell, id) => {
      const known = device(id);
      setText(cell, known ? value(known).toFixed(digits) : "");
    },
  });

  /* A graph cell: one canvas, redrawn when its device sent a frame since the last draw. */
  const graph = (key, title, draw) => ({
    key,
    title,
    width: "8.5rem",
    render: (cell, id) => {
      if (!cell.firstChild) cell.append(document.createElement("canvas"));
      const canvas = cell.firstChild;
      const frames = device(id)?.frameCount ?? 0;
      if (canvas.dataset.device === id && Number(canvas.dataset.frames) === frames) return;
      Object.assign(canvas.dataset, { device: id, frames: String(frames) });
      draw(canvas, histories.get(id) || new History());
    },
  });

  const devices = new window.DeviceTable($("devices"), {
    rowHeight: 34,
    columns: [
      common.id,
      common.status,
      graph("motion", "ax ay az", drawMotion),
      number("ax", 2, (d) => d.acceleration.x),
      number("ay", 2, (d) => d.acceleration.y),
      number("az", 2, (d) => d.acceleration.z),
      graph("beacons", "NW NE SE SW", drawBeacons),
      number("NW", 0, (d) => d.rssi.NW),
      number("NE", 0, (d) => d.rssi.NE),
      number("SE", 0, (d) => d.rssi.SE),
      number("SW", 0, (d) => d.rssi.SW),
      {
        key: "tap",
        title: "tap",
        width: "2.6rem",
        render: (cell, id) => {
          setText(cell, Date.now() - (device(id)?.tappedAt || 0) < TAP_SHOWN_MS ? "TAP" : "");
        },
      },
      {
        key: "frames",
        title: "frames",
        numeric: true,
        width: "4.2rem",
        sort: (id) => device(id)?.frameCount,
        render: (cell, id) => setText(cell, device(id)?.frameCount ?? ""),
      },
      common.seen,
      {
        key: "firmware",
        title: "firmware",
        width: "7rem",
        sort: (id) => firmware.get(id),
        filter: (id) => firmware.get(id),
        render: (cell, id) => setText(cell, firmware.get(id)),
      },
      {
        key: "answer",
        title: "last answer",
        filter: (id) => device(id)?.lastAnswer?.cmd,
        render: (cell, id) => {
          const answer = device(id)?.lastAnswer;
          setText(cell, answer ? `${answer.cmd}: ${answer.ok ? "ok" : answer.error}` : "");
          if (answer && cell.title !== answer.raw) cell.title = answer.raw; // the whole answer
        },
      },
    ],
  });
  $("devices").querySelector("table").classList.add("values");

  function listChanged() {
    devices.setIds(manager.getAllDevices().keys());
    setText($("device-count"), `(${manager.getDeviceCount()})`);
    $("no-devices").hidden = manager.getDeviceCount() > 0;
  }

  manager.on("frame", (d) => {
    if (d.tap) d.tappedAt = Date.now(); // a one-frame tap must not be missed
    let history = histories.get(d.id);
    if (!history) histories.set(d.id, (history = new History()));
    history.record(d);
  });
  manager.on("remove", (d) => {
    histories.delete(d.id);
    firmware.delete(d.id);
    listChanged();
    G.logLine(log, `device ${d.id} went silent and was removed`, "muted");
  });
  manager.on("device", (d) => {
    listChanged();
    G.logLine(log, `device ${d.id} is streaming`);
  });
  manager.on("answer", (answer) => {
    if (answer.ok && answer.cmd === "status" && answer.data && answer.data.version) {
      firmware.set(answer.id, `${answer.data.version} (${answer.data.board})`);
    }
    G.logLine(log, answer.raw, "answer");
  });
  manager.on("result", (result) => {
    G.logLine(log, `hub: ${result.result || result.error}`, result.ok ? "" : "error");
  });
  manager.on("message", (line) => G.logLine(log, `hub: ${line}`, "muted"));

  /* ---- the command box ---- */
  const examples = $("examples");
  for (const spec of Object.values(table.commands)) {
    examples.append(G.element("option", { value: spec.example }));
  }
  $("command-help").textContent = `Commands: ${Object.keys(table.commands).join(", ")}.`;

  function showError(text) {
    $("command-error").textContent = text;
    $("command-error").hidden = !text;
  }

  $("command-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("command").value.trim();
    if (!text) return showError("Type a command, for example led:ff0000.");
    const { name, params } = window.HitloopDeviceManager.splitCommand(table, text);
    try {
      const line = manager.sendCommand($("target").value.trim(), name, ...params);
      G.logLine(log, `sent ${line}`, "sent");
      showError("");
    } catch (error) {
      showError(error.message); // the library names the bad part; nothing was sent
    }
  });
  $("target-shown").addEventListener("click", () => {
    $("target").value = devices.shown.join(",") || "all";
  });

  /* One loop draws the rows in view, once per screen refresh. */
  function frame() {
    devices.draw();
    requestAnimationFrame(frame);
  }
  listChanged();
  requestAnimationFrame(frame);
})();
