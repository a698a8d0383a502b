/*
 * Socket client: subscribes to the hub, lists every streaming device with its decoded
 * values (acceleration, beacon RSSI, tap) as they change, sends commands checked against
 * commands.json, and logs what the hub and the devices answer.
 */
"use strict";

(async () => {
  const G = window.GroupLoop;
  const $ = (id) => document.getElementById(id);

  const page = await G.start("socket-client");
  if (!page) return; // the banner says what is wrong
  const { table, manager } = page;
  const log = $("log");

  /* ---- the device table, redrawn at most 10 times a second ---- */
  const rows = new Map(); // id → <tr>
  const TAP_SHOWN_MS = 600; // a tap lasts one frame: keep it visible long enough to see
  const fixed = (value, digits) => value.toFixed(digits);

  function rowFor(device) {
    let row = rows.get(device.id);
    if (!row) {
      row = G.element("tr", { "data-device": device.id });
      const cells = ["id", "ax", "ay", "az", "NW", "NE", "SE", "SW", "tap", "frames", "answer"];
      for (const name of cells) {
        const numeric = !["id", "tap", "answer"].includes(name);
        row.append(G.element("td", { "data-field": name, class: numeric ? "num" : name }));
        if (name === "tap") row.lastChild.classList.add("tap");
      }
      row.querySelector('[data-field="id"]').textContent = device.id;
      rows.set(device.id, row);
      $("devices").append(row);
    }
    return row;
  }

  function render() {
    const now = Date.now();
    for (const device of manager.getAllDevices().values()) {
      const row = rowFor(device);
      const set = (field, text) => {
        const cell = row.querySelector(`[data-field="${field}"]`);
        if (cell.textContent !== text) cell.textContent = text;
      };
      const { x, y, z } = device.acceleration;
      set("ax", fixed(x, 2));
      set("ay", fixed(y, 2));
      set("az", fixed(z, 2));
      for (const beacon of ["NW", "NE", "SE", "SW"]) set(beacon, fixed(device.rssi[beacon], 0));
      set("tap", now - (device.tappedAt || 0) < TAP_SHOWN_MS ? "TAP" : "");
      set("frames", String(device.frameCount));
      const answer = device.lastAnswer;
      if (answer) {
        set("answer", `${answer.cmd}: ${answer.ok ? "ok" : answer.error}`);
        row.querySelector('[data-field="answer"]').title = answer.raw; // the whole answer
      }
    }
    $("device-count").textContent = `(${manager.getDeviceCount()})`;
    $("no-devices").hidden = manager.getDeviceCount() > 0;
  }
  setInterval(render, 100);

  manager.on("frame", (device) => {
    if (device.tap) device.tappedAt = Date.now(); // a one-frame tap must not be missed
  });
  manager.on("remove", (device) => {
    rows.get(device.id)?.remove();
    rows.delete(device.id);
    G.logLine(log, `device ${device.id} went silent and was removed`, "muted");
  });
  manager.on("device", (device) => G.logLine(log, `device ${device.id} is streaming`));
  manager.on("answer", (answer) => G.logLine(log, answer.raw, "answer"));
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
  render();
})();
