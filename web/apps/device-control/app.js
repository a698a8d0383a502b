/*
 * Device control: pick one, several or all devices and send them commands with proper
 * controls (colour, pattern, brightness, spring, vibration, reset, OTA to a firmware the
 * CDN publishes). Every device's status and LED state are asked for when it appears and
 * after each LED command, and shown in its row.
 */
"use strict";

(async () => {
  const G = window.GroupLoop;
  const $ = (id) => document.getElementById(id);

  const page = await G.start("device-control");
  if (!page) return; // the banner says what is wrong
  const { table, manager, cdnUrl } = page;
  const log = $("log");
  const selected = new Set();
  const known = new Map(); // id → {status, leds, answer, failed}
  const rows = new Map(); // id → <tr>

  /* ---- sending ---- */
  function target() {
    if ($("target-all").checked) return "all";
    const ids = [...selected].filter((id) => manager.getDevice(id));
    return ids.length ? ids : null;
  }

  function showError(text) {
    $("control-error").textContent = text;
    $("control-error").hidden = !text;
  }

  /* Sends one command to `to` (the selection by default); false when refused before sending. */
  function send(command, params = [], to = target()) {
    if (!to) {
      showError("Select at least one device, or tick “every device on the hub”.");
      return false;
    }
    try {
      G.logLine(log, `sent ${manager.sendCommand(to, command, ...params)}`, "sent");
      showError("");
      return true;
    } catch (error) {
      showError(error.message); // names what is wrong; nothing was sent
      return false;
    }
  }

  /* An LED command, then the LED state of the same devices so their rows follow. */
  function sendLed(command, params = []) {
    const to = target();
    if (send(command, params, to)) send("led_get_state", [], to);
  }

  function askState(to) {
    send("status", [], to);
    send("led_get_state", [], to);
  }

  /* ---- controls, their limits from commands.json ---- */
  const param = (command, index = 0) => table.commands[command].parameters[index];

  for (const name of param("pattern").values) {
    $("pattern").append(G.element("option", { value: name }, name));
  }
  const brightness = $("brightness");
  Object.assign(brightness, { min: param("brightness").min, max: param("brightness").max });
  brightness.value = 128;
  Object.assign($("vibrate"), { min: param("vibrate").min, max: param("vibrate").max });

  const outputs = [
    ["brightness", "brightness-value"],
    ["spring-k", "spring-k-value"],
    ["spring-damping", "spring-damping-value"],
    ["spring-mass", "spring-mass-value"],
  ];
  for (const [input, output] of outputs) {
    const show = () => {
      $(output).textContent = $(input).value;
    };
    $(input).addEventListener("input", show);
    show();
  }
  const hex2 = (id) => Number($(id).value).toString(16).padStart(2, "0");

  $("send-color").addEventListener("click", () => sendLed("led", [$("color").value.slice(1)]));
  $("send-pattern").addEventListener("click", () => sendLed("pattern", [$("pattern").value]));
  $("send-brightness").addEventListener("click", () => sendLed("brightness", [brightness.value]));
  $("send-spring").addEventListener("click", () =>
    sendLed("spring_param", [hex2("spring-k") + hex2("spring-damping") + hex2("spring-mass")]),
  );
  $("send-vibrate").addEventListener("click", () => send("vibrate", [$("vibrate").value]));
  $("send-reset").addEventListener("click", () => send("reset"));
  $("send-all-off").addEventListener("click", () => sendLed("led_all_off"));
  $("send-ota").addEventListener("click", () => {
    const file = $("ota").value;
    if (!file) return showError("No firmware chosen: the CDN publishes none yet.");
    send("ota", [`${cdnUrl}/firmware/${file}`]);
  });
  $("refresh").addEventListener("click", () => {
    const to = target() || (manager.getDeviceCount() ? "all" : null);
    if (to) askState(to);
  });

  /* The firmware builds the CDN publishes (/firmware/manifest.json). */
  async function loadManifest() {
    const select = $("ota");
    try {
      const manifest = await G.fetchJson(`${cdnUrl}/firmware/manifest.json`);
      const builds = manifest.builds || [];
      select.replaceChildren(
        ...builds.map((b) =>
          G.element(
            "option",
            { value: b.file },
            `${b.version} · ${b.board}${b.stand_in ? " (stand-in)" : ""}`,
          ),
        ),
      );
      if (!builds.length) select.append(G.element("option", { value: "" }, "no published build"));
    } catch (error) {
      select.replaceChildren(G.element("option", { value: "" }, "manifest unavailable"));
      G.logLine(log, `cannot read the firmware manifest: ${error.message}`, "error");
    }
  }
  loadManifest();

  /* ---- selection ---- */
  function showTarget() {
    const to = target();
    $("target-summary").textContent =
      to === "all"
        ? "every device on the hub"
        : to
          ? `${to.length} device${to.length > 1 ? "s" : ""} (${to.join(", ")})`
          : "no device selected";
    for (const [id, row] of rows) row.classList.toggle("selected", selected.has(id));
  }
  function select(ids, on) {
    for (const id of ids) {
      if (on) selected.add(id);
      else selected.delete(id);
      const box = rows.get(id)?.querySelector("input");
      if (box) box.checked = on;
    }
    showTarget();
  }
  $("select-all").addEventListener("click", () => select([...rows.keys()], true));
  $("select-none").addEventListener("click", () => select([...rows.keys()], false));
  $("target-all").addEventListener("change", showTarget);

  /* ---- the device table ---- */
  function swatches(colours) {
    return colours.map((hex) =>
      G.element("span", { class: "swatch", title: `#${hex}`, style: `background:#${hex}` }),
    );
  }

  function rowFor(id) {
    let row = rows.get(id);
    if (row) return row;
    const box = G.element("input", { type: "checkbox", "aria-label": `select ${id}` });
    box.addEventListener("change", () => select([id], box.checked));
    const ask = G.element("button", { type: "button", class: "secondary" }, "Status");
    ask.addEventListener("click", () => askState([id]));
    row = G.element("tr", { "data-device": id });
    const cell = (field, ...children) =>
      G.element("td", { "data-field": field, class: field }, ...children);
    row.append(
      cell("select", box),
      cell("id", id),
      cell("leds"),
      cell("pattern"),
      cell("brightness"),
      cell("firmware"),
      cell("motor"),
      cell("uptime"),
      cell("answer"),
      cell("ask", ask),
    );
    row.querySelector(".brightness").classList.add("num");
    row.querySelector(".uptime").classList.add("num");
    rows.set(id, row);
    $("devices").append(row);
    return row;
  }

  function renderRow(id) {
    const row = rowFor(id);
    const info = known.get(id) || {};
    const set = (field, value) => {
      row.querySelector(`[data-field="${field}"]`).replaceChildren(value ?? "");
    };
    const leds = info.leds || {};
    const status = info.status || {};
    row.querySelector('[data-field="leds"]').replaceChildren(...swatches(leds.leds || []));
    row.dataset.leds = (leds.leds || []).join(",");
    set("pattern", leds.pattern ?? status.pattern);
    set("brightness", String(leds.brightness ?? status.brightness ?? ""));
    set("firmware", status.version ? `${status.version} (${status.board})` : "");
    set("motor", status.motor === undefined ? "" : status.motor ? "on" : "off");
    set("uptime", status.uptime_ms === undefined ? "" : `${Math.round(status.uptime_ms / 1000)} s`);
    set("answer", info.answer);
    row.querySelector('[data-field="answer"]').classList.toggle("failed", Boolean(info.failed));
    $("device-count").textContent = `(${rows.size})`;
    $("no-devices").hidden = rows.size > 0;
  }

  /* New devices are asked for their state together, a moment after they appear. */
  let fresh = [];
  manager.on("device", (device) => {
    renderRow(device.id);
    fresh.push(device.id);
    if (fresh.length === 1) {
      setTimeout(() => {
        const ids = fresh.filter((id) => manager.getDevice(id));
        fresh = [];
        if (ids.length) askState(ids);
      }, 100);
    }
    showTarget();
  });
  manager.on("remove", (device) => {
    rows.get(device.id)?.remove();
    rows.delete(device.id);
    selected.delete(device.id);
    $("device-count").textContent = `(${rows.size})`;
    $("no-devices").hidden = rows.size > 0;
    showTarget();
  });
  manager.on("answer", (answer) => {
    const info = known.get(answer.id) || {};
    if (answer.ok && answer.cmd === "status") info.status = answer.data;
    if (answer.ok && answer.cmd === "led_get_state") info.leds = answer.data;
    info.answer = answer.ok ? `${answer.cmd}: ok` : `${answer.cmd}: ${answer.error}`;
    info.failed = !answer.ok;
    known.set(answer.id, info);
    if (rows.has(answer.id)) renderRow(answer.id);
    G.logLine(log, answer.raw, answer.ok ? "answer" : "error");
  });
  manager.on("result", (result) => {
    G.logLine(log, `hub: ${result.result || result.error}`, result.ok ? "" : "error");
  });
  showTarget();
})();
