/*
 * Device control: the room map (every device where its beacon distances put it), the
 * device list (sortable, filtered, virtualised), and beside them the command panel, which
 * acts on the selection: colour, pattern, brightness, spring, vibration, reset, OTA to a
 * firmware the CDN publishes, and each LED of the selected device on its own.
 *
 * What a row, a marker or the LED grid shows is what the device reported (its `status` and
 * `led_get_state` answers), never what the page sent: both are asked for when a device
 * appears and after every command, and once more when a vibration has ended.
 */
"use strict";

(async () => {
  const G = window.GroupLoop;
  const Room = window.GroupLoopRoom;
  const Leds = window.GroupLoopLeds;
  const { setText } = window.DeviceTable;
  const $ = (id) => document.getElementById(id);

  const page = await G.start("device-control");
  if (!page) return; // the banner says what is wrong
  const { table, manager, cdnUrl } = page;
  const log = $("log");
  const pixelCount = table.device.pixels; // the firmware core's, through commands.json
  const selected = new Set();
  const known = new Map(); // id → {status, leds, shown, answer, failed, smoother, position}
  const ROOM_KEY = "grouploop.room";
  const VIBRATION_SLACK_MS = 150;
  const UNKNOWN = "#b8bfcc"; // a device whose LEDs have not been reported yet // ask for the motor's state this long after it should stop

  function info(id) {
    let entry = known.get(id);
    if (!entry) {
      entry = { smoother: new Room.Smoother(), shown: [], position: null, colour: UNKNOWN };
      known.set(id, entry);
    }
    return entry;
  }

  /* ---- the room ---- */
  function savedRoom() {
    try {
      return Room.makeRoom(JSON.parse(localStorage.getItem(ROOM_KEY)) || Room.DEFAULT_ROOM);
    } catch (_error) {
      return Room.makeRoom(Room.DEFAULT_ROOM); // a corrupt entry must not stop the page
    }
  }
  let room = savedRoom();

  const cornerSelects = Room.BEACONS.map((beacon, i) => {
    const select = G.element("select", { id: `room-corner-${beacon}`, "aria-label": beacon });
    for (const corner of Room.CORNERS)
      select.append(G.element("option", { value: corner }, corner));
    select.value = room.corners[i];
    $("room-corners").append(G.element("label", {}, `${beacon} in `, select));
    return select;
  });
  $("room-width").value = room.width;
  $("room-depth").value = room.depth;
  $("room-form").addEventListener("submit", (event) => {
    event.preventDefault();
    try {
      room = Room.makeRoom({
        width: $("room-width").value,
        depth: $("room-depth").value,
        corners: cornerSelects.map((s) => s.value),
      });
    } catch (error) {
      $("room-error").textContent = error.message;
      $("room-error").hidden = false;
      return;
    }
    $("room-error").hidden = true;
    localStorage.setItem(ROOM_KEY, JSON.stringify(room));
    for (const entry of known.values()) entry.smoother = new Room.Smoother(); // start afresh
    map.setRoom(room);
  });

  /*
   * Every device's estimate follows its latest frame: trilaterated, then smoothed over time.
   * Done ESTIMATE_MS apart from the drawing loop, not per frame: 500 devices send 10 000
   * frames a second, and a map redrawn ten times a second looks just as live.
   */
  const ESTIMATE_MS = 100;
  let estimatedAt = -Infinity;
  function estimate(now) {
    if (now - estimatedAt < ESTIMATE_MS) return;
    estimatedAt = now;
    for (const device of manager.getAllDevices().values()) {
      if (!device.frameCount) continue;
      const entry = info(device.id);
      if (entry.frames === device.frameCount) continue; // nothing new from it
      entry.frames = device.frameCount;
      const rssi = Room.BEACONS.map((beacon) => device.rssi[beacon]);
      entry.position = entry.smoother.update(Room.trilaterate(room, rssi), device.lastSeen);
    }
    map.dirty = true;
  }

  const mapDevices = function* () {
    for (const id of manager.getAllDevices().keys()) {
      const entry = known.get(id);
      if (!entry || !entry.position) continue;
      yield {
        id,
        x: entry.position.x,
        y: entry.position.y,
        colour: entry.colour,
      };
    }
  };
  const map = new window.RoomMap($("map"), {
    devices: mapDevices,
    isSelected: (id) => selected.has(id),
    pick: (id, additive) => {
      if (!additive) selected.clear();
      if (id && additive && selected.has(id)) selected.delete(id);
      else if (id) selected.add(id);
      selectionChanged();
    },
    select: (ids, additive) => {
      if (!additive) selected.clear();
      for (const id of ids) selected.add(id);
      selectionChanged();
    },
  });
  map.setRoom(room);

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

  function askState(to) {
    send("led_get_state", [], to); // first: the LEDs are what a command most often changes
    send("status", [], to);
  }

  /* A command, then what the devices say their state is now: the rows show that. */
  function command(name, params = [], to = target()) {
    if (send(name, params, to)) askState(to);
    return to;
  }

  /* A yes/no question in the page (a native confirm() would block the stream). */
  function confirmed(text) {
    const dialog = $("confirm");
    setText($("confirm-text"), text);
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true });
      dialog.returnValue = "";
      dialog.showModal();
    });
  }

  /* Reset and OTA to more than one device are asked about first. */
  async function guarded(name, params, what) {
    const to = target();
    const many =
      to === "all"
        ? "every device on the hub"
        : to && to.length > 1
          ? `${to.length} devices`
          : null;
    if (many && !(await confirmed(`${what} ${many}?`))) {
      G.logLine(log, `${name} to ${many} cancelled`, "muted");
      return;
    }
    command(name, params, to);
  }

  /* ---- controls, their limits from commands.json ---- */
  const param = (name, index = 0) => table.commands[name].parameters[index];

  for (const name of param("pattern").values) {
    $("pattern").append(G.element("option", { value: name }, name));
  }
  const brightness = $("brightness");
  Object.assign(brightness, { min: param("brightness").min, max: param("brightness").max });
  brightness.value = 128;
  Object.assign($("vibrate"), { min: param("vibrate").min, max: param("vibrate").max });

  for (const [input, output] of [
    ["brightness", "brightness-value"],
    ["spring-k", "spring-k-value"],
    ["spring-damping", "spring-damping-value"],
    ["spring-mass", "spring-mass-value"],
  ]) {
    const show = () => setText($(output), $(input).value);
    $(input).addEventListener("input", show);
    show();
  }
  const hex2 = (id) => Number($(id).value).toString(16).padStart(2, "0");
  const colour = () => $("color").value.slice(1);

  $("send-color").addEventListener("click", () => command("led", [colour()]));
  $("send-pattern").addEventListener("click", () => command("pattern", [$("pattern").value]));
  $("send-brightness").addEventListener("click", () => command("brightness", [brightness.value]));
  $("send-spring").addEventListener("click", () =>
    command("spring_param", [hex2("spring-k") + hex2("spring-damping") + hex2("spring-mass")]),
  );
  $("send-vibrate").addEventListener("click", () => {
    const ms = Number($("vibrate").value);
    const to = command("vibrate", [String(ms)]);
    // The motor stops by itself: ask again once it should have, so the row says "off".
    if (to) setTimeout(() => send("status", [], to), ms + VIBRATION_SLACK_MS);
  });
  $("send-reset").addEventListener("click", () => guarded("reset", [], "Reset"));
  $("send-all-off").addEventListener("click", () => command("led_all_off"));
  $("send-ota").addEventListener("click", () => {
    const file = $("ota").value;
    if (!file) return showError("No firmware chosen: the CDN publishes none yet.");
    guarded("ota", [`${cdnUrl}/firmware/${file}`], "Update the firmware of");
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

  /* ---- the LEDs of one device ---- */
  const pixelButtons = Array.from({ length: pixelCount }, (_x, index) => {
    const button = G.element("button", {
      type: "button",
      class: "pixel",
      "data-index": String(index),
      "aria-label": `LED ${index}`,
    });
    button.addEventListener("click", () => {
      const to = target();
      if (!to) return showError("Select a device to set its LEDs.");
      if ($("pixel-clear").checked) command("led_off", [String(index)], to);
      else command("led_set", [String(index), colour()], to);
    });
    return button;
  });
  $("pixels").replaceChildren(...pixelButtons);
  $("pixels-read").addEventListener("click", () => {
    const to = target();
    if (to) send("led_get_state", [], to);
  });

  /* The per-LED commands go to the selection (as every command), the grid shows its first. */
  const gridDevice = () => [...selected].find((id) => manager.getDevice(id)) || null;

  function drawPixels() {
    const id = gridDevice();
    setText($("pixels-device"), id || "no device (select one)");
    const shown = id ? info(id).shown : [];
    $("pixels").dataset.device = id || "";
    pixelButtons.forEach((button, i) => {
      const rgb = shown[i];
      const hex = rgb ? rgb.map((c) => c.toString(16).padStart(2, "0")).join("") : "";
      if (button.dataset.color !== hex) {
        button.dataset.color = hex;
        button.style.background = rgb ? Leds.displayColour(rgb) : "";
        button.title = rgb ? `LED ${i}: #${hex}` : `LED ${i}: not reported yet`;
      }
    });
  }

  /* ---- selection ---- */
  function selectionChanged() {
    const to = target();
    setText(
      $("target-summary"),
      to === "all"
        ? "every device on the hub"
        : to
          ? `${to.length} device${to.length > 1 ? "s" : ""}` +
            (to.length <= 6 ? ` (${to.join(", ")})` : "")
          : "no device selected",
    );
    map.dirty = true;
  }
  $("select-all").addEventListener("click", () => {
    for (const id of devices.shown) selected.add(id);
    selectionChanged();
  });
  $("select-none").addEventListener("click", () => {
    selected.clear();
    selectionChanged();
  });
  $("target-all").addEventListener("change", selectionChanged);

  /* ---- the device list ---- */
  const status = (id) => known.get(id)?.status || {};
  const state = (id) => known.get(id)?.leds || {};
  const common = window.DeviceTable.commonColumns(manager);
  const firmware = (id) =>
    status(id).version ? `${status(id).version} (${status(id).board})` : "";

  function swatches(cell, id) {
    const shown = known.get(id)?.shown || [];
    const key = shown
      .map((rgb) => rgb.map((c) => c.toString(16).padStart(2, "0")).join(""))
      .join(",");
    if (cell.dataset.leds === key) return; // the same colours, whichever device it was
    cell.dataset.leds = key;
    cell.replaceChildren(
      ...shown.map((rgb) =>
        G.element("span", { class: "swatch", style: `background:${Leds.displayColour(rgb)}` }),
      ),
    );
  }

  const devices = new window.DeviceTable($("devices"), {
    rowHeight: 32,
    rowClass: (id) => (selected.has(id) ? "selected" : ""),
    onRowClick: (id, event) => {
      if (event.target.closest("button")) return;
      const box = event.target.closest("input");
      if (box ? box.checked : !selected.has(id)) selected.add(id);
      else selected.delete(id);
      selectionChanged();
    },
    columns: [
      {
        key: "select",
        title: "",
        width: "2.2rem",
        render: (cell, id) => {
          if (!cell.firstChild) cell.append(G.element("input", { type: "checkbox" }));
          const box = cell.firstChild;
          box.checked = selected.has(id);
          box.setAttribute("aria-label", `select ${id}`);
        },
      },
      common.id,
      common.status,
      { key: "leds", title: "LEDs", width: "9rem", render: swatches },
      {
        key: "pattern",
        title: "pattern",
        width: "6rem",
        sort: (id) => state(id).pattern ?? status(id).pattern,
        filter: (id) => state(id).pattern ?? status(id).pattern,
        render: (cell, id) => setText(cell, state(id).pattern ?? status(id).pattern),
      },
      {
        key: "brightness",
        title: "bright",
        numeric: true,
        width: "4rem",
        sort: (id) => state(id).brightness ?? status(id).brightness,
        render: (cell, id) => setText(cell, state(id).brightness ?? status(id).brightness),
      },
      {
        key: "firmware",
        title: "firmware",
        width: "8.5rem",
        sort: firmware,
        filter: firmware,
        render: (cell, id) => setText(cell, firmware(id)),
      },
      {
        key: "motor",
        title: "motor",
        width: "3.6rem",
        sort: (id) => status(id).motor,
        render: (cell, id) => {
          const motor = status(id).motor;
          setText(cell, motor === undefined ? "" : motor ? "on" : "off");
        },
      },
      common.seen,
      {
        key: "answer",
        title: "last answer",
        filter: (id) => known.get(id)?.answer,
        render: (cell, id) => {
          const entry = known.get(id) || {};
          setText(cell, entry.answer);
          cell.classList.toggle("failed", Boolean(entry.failed));
        },
      },
      {
        key: "ask",
        title: "",
        width: "5rem",
        render: (cell, id) => {
          if (!cell.firstChild) {
            const ask = G.element("button", { type: "button", class: "secondary" }, "Status");
            ask.addEventListener("click", () => askState([cell.parentElement.dataset.device]));
            cell.append(ask);
          }
          cell.firstChild.setAttribute("aria-label", `ask ${id} for its status`);
        },
      },
    ],
  });

  /* New devices are asked for their state together, a moment after they appear. */
  let fresh = [];
  const ASK_BATCH = 200; // ids per command line: one line, far below the hub's size limit
  manager.on("device", (device) => {
    info(device.id);
    fresh.push(device.id);
    if (fresh.length === 1) {
      setTimeout(() => {
        const ids = fresh.filter((id) => manager.getDevice(id));
        fresh = [];
        for (let i = 0; i < ids.length; i += ASK_BATCH) askState(ids.slice(i, i + ASK_BATCH));
      }, 100);
    }
    listChanged();
  });
  manager.on("remove", (device) => {
    known.delete(device.id);
    selected.delete(device.id);
    listChanged();
    selectionChanged();
  });
  manager.on("answer", (answer) => {
    const entry = info(answer.id);
    if (answer.ok && answer.cmd === "status") entry.status = answer.data;
    if (answer.ok && answer.cmd === "led_get_state") {
      entry.leds = answer.data;
      entry.shown = Leds.shownPixels(answer.data);
      entry.colour = Leds.displayColour(Leds.mainColour(entry.shown));
    }
    entry.answer = answer.ok ? `${answer.cmd}: ok` : `${answer.cmd}: ${answer.error}`;
    entry.failed = !answer.ok;
    map.dirty = true;
    G.logLine(log, answer.raw, answer.ok ? "answer" : "error");
  });
  manager.on("result", (result) => {
    G.logLine(log, `hub: ${result.result || result.error}`, result.ok ? "" : "error");
  });

  function listChanged() {
    devices.setIds(manager.getAllDevices().keys());
    setText($("device-count"), `(${manager.getDeviceCount()})`);
    $("no-devices").hidden = manager.getDeviceCount() > 0;
  }

  /* One loop draws everything, once per screen refresh. */
  function frame(now) {
    estimate(now);
    devices.draw();
    drawPixels();
    if (map.dirty) map.draw();
    map.describe($("map-list"));
    requestAnimationFrame(frame);
  }
  selectionChanged();
  listChanged();
  requestAnimationFrame(frame);
})();
