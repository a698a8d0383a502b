/*
 * Device emulator: this browser tab (or phone) becomes one GroupLoop device, with an id of
 * its own (device-id.js). Dragging the dot moves it in the room (beacon distances) and its
 * quick moves are acceleration; the Tap button, T or Space tap; a phone's motion sensors
 * replace the drag when the user switches them on (the switch shows only where motion
 * readings arrive). The LED ring shows what the hub's commands set, a 3D view the
 * orientation its accelerometer gives, and `vibrate` uses the Vibration API once the
 * browser allows it (after a first touch or key).
 */
"use strict";

(async () => {
  const G = window.GroupLoop;
  const { Device, room } = window.BrowserDevice;
  const { displayColour } = window.GroupLoopLeds;
  const { Orientation } = window;
  const $ = (id) => document.getElementById(id);

  // The page is a device of the hub, not a subscriber: no manager of its own.
  const page = await G.start("device-emulator", { hub: false });
  if (!page) return; // the banner says what is wrong
  const { table: commands, hubUrl, token } = page;

  /* ---- the device id: this tab's own, checked against the hub ---- */
  const { DeviceId } = window;
  const { id, notice } = await DeviceId.choose({
    wanted: new URLSearchParams(location.search).get("id"),
    remembered: sessionStorage.getItem(DeviceId.KEY),
    randomId: window.BrowserDevice.randomId,
    hubUrl,
    token,
    fetchJson: G.fetchJson,
    wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
  sessionStorage.setItem(DeviceId.KEY, id);
  $("device-id").textContent = id;
  $("id-notice").textContent = notice;
  $("id-notice").hidden = !notice;

  /* ---- sensors: position from the drag, acceleration from its changes or the phone ---- */
  const motion = { x: room.width / 2, y: room.height / 2, vx: 0, vy: 0, ax: 0, ay: 0, at: 0 };
  let phone = null; // the latest DeviceMotion reading in g, while the switch is on

  function sensors() {
    const now = performance.now();
    const dt = Math.max(0.01, (now - (motion.at || now - 50)) / 1000);
    const vx = (motion.x - (motion.lastX ?? motion.x)) / dt;
    const vy = (motion.y - (motion.lastY ?? motion.y)) / dt;
    // Low-passed so one jumpy pointer event is not a spike; scaled so that a swipe across
    // the room (8 m in a third of a second on a phone) is about 1 g, and clamped to the
    // frame's ±2 g so the page shows what the hub receives.
    const accel = (dv) => Math.max(-2, Math.min(2, (dv / dt) * 0.005));
    motion.ax = 0.6 * motion.ax + 0.4 * accel(vx - motion.vx);
    motion.ay = 0.6 * motion.ay + 0.4 * accel(vy - motion.vy);
    Object.assign(motion, { vx, vy, lastX: motion.x, lastY: motion.y, at: now });
    const measured = phone || { ax: motion.ax, ay: motion.ay, az: 1 };
    return { ...measured, rssi: room.rssiAt(motion.x, motion.y) };
  }

  /* ---- the device ---- */
  const device = new Device({
    id,
    hubUrl,
    token,
    commands,
    sensors,
    onFrame: (_device, frame, values) => showFrame(frame, values),
    vibrate,
    onChange: (_device, what) => {
      if (what === "connection") G.showHubState(device.state, hubUrl);
      else showLedState();
    },
  });

  function showLedState() {
    const leds = device.leds;
    const colours = [...new Set(leds.leds)].map((hex) => `#${hex}`).join(" ");
    $("led-state").textContent =
      `LEDs: ${leds.pattern}, colours ${colours}, brightness ${leds.brightness}`;
  }

  /* What the hub receives, read back through the CDN's frame decoder. */
  function showFrame(frame, values) {
    const decoded = window.HitloopDevice.decodeFrame(frame);
    $("frame").textContent = decoded ? `${decoded.frame}${decoded.tap ? "  (tap)" : ""}` : "—";
    $("accel").textContent = [values.ax, values.ay, values.az].map((g) => g.toFixed(2)).join("  ");
    $("rssi").textContent = values.rssi
      .map((dbm, i) => `${room.beacons[i]} ${dbm.toFixed(0)}`)
      .join("  ");
    $("frames").textContent = device.framesSent;
  }

  /* ---- vibration: browsers refuse it (with a console error) before a first gesture ---- */
  let pendingUntil = 0; // when a vibration asked for before that gesture would have ended
  function vibrate(ms) {
    if (!navigator.vibrate) return;
    if (navigator.userActivation && !navigator.userActivation.hasBeenActive) {
      pendingUntil = performance.now() + ms;
      $("vibration-note").hidden = false;
      return;
    }
    navigator.vibrate(ms);
  }
  function firstGesture() {
    $("vibration-note").hidden = true;
    const remaining = Math.round(pendingUntil - performance.now());
    pendingUntil = 0;
    if (remaining > 0 && navigator.vibrate) navigator.vibrate(remaining);
  }
  for (const type of ["pointerdown", "keydown"]) {
    window.addEventListener(type, firstGesture, { once: true, capture: true });
  }

  /* ---- the LED ring and the orientation, redrawn every animation frame ---- */
  const svg = "http://www.w3.org/2000/svg";
  const ring = $("ring");
  const body = document.createElementNS(svg, "circle");
  body.setAttribute("r", "56");
  body.setAttribute("class", "body");
  ring.append(body);
  const pixelCount = commands.device.pixels;
  const leds = Array.from({ length: pixelCount }, (_unused, i) => {
    const led = document.createElementNS(svg, "circle");
    const angle = (i / pixelCount) * 2 * Math.PI - Math.PI / 2;
    led.setAttribute("cx", (38 * Math.cos(angle)).toFixed(1));
    led.setAttribute("cy", (38 * Math.sin(angle)).toFixed(1));
    led.setAttribute("r", "12");
    led.setAttribute("class", "led");
    ring.append(led);
    return led;
  });

  let up = [0, 0, 1];
  function draw() {
    const pixels = device.pixels();
    pixels.forEach((colour, i) => {
      leds[i].setAttribute("fill", displayColour(colour));
      leds[i].dataset.color = colour.map((c) => c.toString(16).padStart(2, "0")).join("");
    });
    if (device.lastSensors) up = Orientation.smooth(up, Orientation.upFrom(device.lastSensors));
    Orientation.draw($("orientation"), up, pixels.map(displayColour));
    const { roll, pitch } = Orientation.angles(up);
    $("tilt").textContent = `roll ${roll}°, pitch ${pitch}°`;
    const on = device.motorOn;
    $("motor").textContent = on ? "motor on (vibrating)" : "motor off";
    document.querySelector(".device").classList.toggle("vibrating", on);
    const me = $("me");
    me.style.left = `${(motion.x / room.width) * 100}%`;
    me.style.top = `${(motion.y / room.height) * 100}%`;
    requestAnimationFrame(draw);
  }

  /* ---- input: drag in the room, tap button, motion sensors ---- */
  const roomNode = $("room");
  function moveTo(event) {
    const box = roomNode.getBoundingClientRect();
    const fx = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
    const fy = Math.min(1, Math.max(0, (event.clientY - box.top) / box.height));
    motion.x = fx * room.width;
    motion.y = fy * room.height;
  }
  roomNode.addEventListener("pointerdown", (event) => {
    roomNode.setPointerCapture(event.pointerId);
    moveTo(event);
  });
  roomNode.addEventListener("pointermove", (event) => {
    if (roomNode.hasPointerCapture(event.pointerId)) moveTo(event);
  });
  $("tap").addEventListener("click", () => device.tap());
  window.addEventListener("keydown", (event) => {
    // Not while typing, and not Space on a button (the browser clicks it: one tap already).
    if (event.repeat || event.target.closest("input, textarea, select, button")) return;
    if (event.key === "t" || event.key === "T" || event.key === " ") {
      event.preventDefault(); // Space would scroll the page
      device.tap();
    }
  });

  /* ---- motion sensors: a switch, shown once this browser delivers motion readings ---- */
  function onMotion(event) {
    const a = event.accelerationIncludingGravity;
    // A browser without motion sensors (a desktop) sends one reading with no values.
    $("motion-switch").hidden = !a || a.x === null;
    if ($("motion-switch").hidden) return;
    if (!$("motion").checked) return;
    phone = { ax: a.x / 9.81, ay: a.y / 9.81, az: a.z / 9.81 };
    if (Math.hypot(phone.ax, phone.ay, phone.az) > 3) device.tap(); // a hard knock
    $("source").textContent = "motion sensors";
  }
  $("motion").addEventListener("change", async () => {
    if (!$("motion").checked) {
      phone = null;
      $("source").textContent = "touch";
      return;
    }
    // iOS asks the user first; other browsers deliver events right away.
    if (typeof DeviceMotionEvent.requestPermission === "function") {
      const answer = await DeviceMotionEvent.requestPermission().catch(() => "denied");
      if (answer !== "granted") {
        $("motion").checked = false;
        $("source").textContent = "touch (motion sensors were not allowed)";
        return;
      }
    }
    $("source").textContent = "waiting for motion sensor readings (touch meanwhile)";
  });
  if (window.DeviceMotionEvent && !window.isSecureContext) {
    // Browsers deliver motion events to secure pages only (https, or localhost).
    $("source").textContent = "touch (motion sensors need an https or localhost page)";
  } else if (window.DeviceMotionEvent) {
    // iOS sends no reading before the user allowed it: where permission is asked for, offer
    // the switch at once (a browser without sensors takes it back with its empty reading).
    if (typeof DeviceMotionEvent.requestPermission === "function") {
      $("motion-switch").hidden = false;
    }
    window.addEventListener("devicemotion", onMotion);
  }

  showLedState();
  requestAnimationFrame(draw);
  device.start();
  G.showHubState(device.state, hubUrl); // a malformed hub URL leaves it closed, unreported
})();
