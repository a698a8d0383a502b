/*
 * A GroupLoop device that lives in the browser: the simulator runs many, the device
 * emulator runs one. It is a real WebSocket device of the hub (docs/protocol.md): it sends
 * `id:<id>`, then a 20-hex sensor frame 20 times a second, executes the commands the hub
 * forwards and answers each with one `ans:{json}` line.
 *
 * The browser cannot load the firmware's C++ core, so this is a small JavaScript stand-in:
 * commands are checked against the CDN's commands.json by HitloopDeviceManager.js's
 * validator, frames are written by HitloopDevice.js's encoder (the page loads both), the
 * pixel count and the hub lines to ignore come from commands.json's "device" section (the
 * core's facts, pinned by firmware/test/test_shared_facts.cpp), and the LED patterns are
 * simple functions of time. The page supplies the sensors (position in the room,
 * acceleration).
 */
"use strict";

window.BrowserDevice = (() => {
  const FRAME_INTERVAL_MS = 50; // 20 Hz, as the firmware
  const RECONNECT_MS = { first: 500, cap: 5000 };
  // A socket this far behind is not being drained: drop frames (stale by the next one).
  const BACKLOG_BYTES = 4096;

  /*
   * The room (shared/room.js, loaded first): the default one, four beacons in the corners,
   * RSSI from the same log-distance path loss as the emulator, so the device-control map
   * finds a browser device where the page put it.
   */
  const Room = window.GroupLoopRoom;
  const shared = Room.makeRoom(Room.DEFAULT_ROOM);
  const room = {
    width: shared.width, // metres
    height: shared.depth,
    beacons: Room.BEACONS,
    beaconPosition: (index) => Room.beaconPositions(shared)[index],
    rssiAt: (x, y) => Room.rssiAt(shared, x, y),
  };

  /* ---- frames, written by the CDN's one JS frame codec (HitloopDevice.js) ---- */

  function frameOf(id, sensors, tapped) {
    const [NW, NE, SE, SW] = sensors.rssi;
    return window.HitloopDevice.encodeFrame({
      id,
      acceleration: { x: sensors.ax, y: sensors.ay, z: sensors.az },
      rssi: { NW, NE, SE, SW },
      tap: tapped,
    });
  }

  function randomId() {
    return Math.floor(Math.random() * 0x10000)
      .toString(16)
      .padStart(4, "0");
  }

  /* ---- LEDs: state, and the colours a pattern gives at a time ---- */

  /* As the firmware starts: blue breathing at brightness 64 (firmware/core/gl_leds.cpp). */
  function defaultLeds(nowMs, pixelCount) {
    return {
      pattern: "breathing",
      since: nowMs, // patterns run from the moment they were chosen
      brightness: 64,
      leds: Array(pixelCount).fill("0000ff"), // the colours the patterns modulate
      spring: { k: 0x10, damping: 0x05, mass: 0x0a },
      springX: 0, // the spring pattern's level grows in from dark towards 1
      springV: 0,
    };
  }

  const rgb = (hex) => [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const hex2 = (value) => value.toString(16).padStart(2, "0");
  const toHex = (colour) => colour.map(hex2).join("");

  function hue(degrees) {
    const f = (n) => {
      const k = (n + degrees / 60) % 6;
      return 255 * (1 - Math.max(0, Math.min(k, 4 - k, 1)));
    };
    return [f(5), f(3), f(1)];
  }

  function setPattern(leds, pattern, nowMs) {
    Object.assign(leds, { pattern, since: nowMs, springX: 0, springV: 0 });
  }

  /* The spring pattern: m·x'' = −k·(x − 1) − c·x', units as in the firmware (gl_leds.h). */
  function stepSpring(leds, seconds) {
    const { k, damping, mass } = leds.spring;
    const steps = Math.ceil(seconds / 0.002); // small steps keep the integration stable
    const dt = seconds / steps;
    for (let i = 0; i < steps; i += 1) {
      const force = -k * (leds.springX - 1) - (damping / 10) * leds.springV;
      leds.springV += (force / (Math.max(1, mass) / 100)) * dt;
      leds.springX += leds.springV * dt;
    }
  }

  /* Pixel colours [r, g, b] (0..255) after pattern and brightness at `nowMs`. */
  function pixelsAt(leds, nowMs) {
    const t = nowMs - leds.since;
    const scale = leds.brightness / 255;
    const bump = (at) => Math.exp(-((((t % 1200) - at) / 60) ** 2));
    let level = 1;
    switch (leds.pattern) {
      case "off":
        level = 0;
        break;
      case "breathing":
        level = 0.5 - 0.5 * Math.cos((2 * Math.PI * t) / 4000);
        break;
      case "heartbeat":
        level = Math.max(bump(100), 0.7 * bump(350));
        break;
      case "spring":
        level = Math.max(0, Math.min(1, leds.springX));
        break;
      case "cycle":
        return leds.leds.map((_c, i) =>
          hue(((t / 3000) * 360 + (i * 360) / leds.leds.length) % 360).map((c) =>
            Math.round(c * scale),
          ),
        );
      default: // solid
        break;
    }
    return leds.leds.map((hex) => rgb(hex).map((c) => Math.round(c * level * scale)));
  }

  /* ---- the device ---- */

  class Device {
    /*
     * options: id (4 hex; random when absent), hubUrl, token (a device secret bound to this
     * id, for a hub with auth on: sent as "auth:<token>" before "id:", as the firmware does),
     * commands (commands.json as loaded: its commands, and its "device" facts: pixel count,
     * hub lines that are not commands),
     * sensors() → {ax, ay, az (g), rssi: [nw, ne, se, sw] (dBm)}, onChange(device, what)
     * called on "connection", "command" and "vibrate", onFrame(device, frame, sensors)
     * after each frame sent, vibrate(ms) for a real motor, and frameRate (frames a second,
     * the firmware's 20 when absent; setFrameRate changes it).
     */
    constructor(options) {
      this.id = options.id || randomId();
      this.hubUrl = options.hubUrl;
      this.token = options.token || "";
      this.commands = options.commands;
      this.pixelCount = options.commands.device.pixels;
      // Lines the hub sends that are not commands, ignored as the firmware does.
      this.hubNoise = options.commands.device.hub_noise;
      this.sensors = options.sensors;
      this.onChange = options.onChange || (() => {});
      this.onFrame = options.onFrame || (() => {});
      this.vibrateHook = options.vibrate || (() => {});
      this.frameIntervalMs = options.frameRate ? 1000 / options.frameRate : FRAME_INTERVAL_MS;
      this.leds = defaultLeds(performance.now(), this.pixelCount);
      this.motorUntil = 0;
      this.tapPending = false;
      this.reconnects = 0;
      this.everConnected = false;
      this.framesSent = 0;
      this.framesDropped = 0;
      this.commandsReceived = 0;
      this.state = "closed";
      this.startedAt = performance.now();
      this.socket = null;
      this.timer = null;
      this.retry = null;
      this.attempts = 0; // reconnect attempts since the last open
      this.stopped = true;
    }

    start() {
      this.stopped = false;
      this.connect();
    }

    stop() {
      this.stopped = true;
      clearTimeout(this.retry);
      if (this.socket) this.socket.close();
    }

    connect() {
      let socket;
      try {
        socket = new WebSocket(this.hubUrl);
      } catch (_error) {
        this.setState("closed"); // a malformed URL: the page says so; keep trying
        this.scheduleReconnect();
        return;
      }
      this.socket = socket;
      this.setState("connecting");
      socket.onopen = () => {
        if (this.everConnected) this.reconnects += 1;
        this.everConnected = true;
        this.attempts = 0;
        if (this.token) socket.send(`auth:${this.token}`);
        socket.send(`id:${this.id}`);
        this.startFrames();
        this.setState("open");
      };
      socket.onmessage = (event) => {
        if (typeof event.data === "string") this.receive(event.data);
      };
      socket.onclose = () => {
        clearInterval(this.timer);
        this.setState("closed");
        if (!this.stopped) this.scheduleReconnect();
      };
    }

    startFrames() {
      clearInterval(this.timer);
      this.timer = setInterval(() => this.sendFrame(), this.frameIntervalMs);
    }

    /* Frames a second from now on (a connected device changes pace at once). */
    setFrameRate(perSecond) {
      this.frameIntervalMs = 1000 / perSecond;
      if (this.connected) this.startFrames();
    }

    /* "connecting", "open" or "closed", as HitloopDeviceManager's; the page is told of each. */
    setState(state) {
      if (this.state === state) return;
      this.state = state;
      this.onChange(this, "connection");
    }

    get connected() {
      return this.state === "open";
    }

    scheduleReconnect() {
      clearTimeout(this.retry);
      // The manager's backoff (HitloopDeviceManager.js), with a device's own bounds.
      const delay = window.HitloopDeviceManager.reconnectDelay(
        this.attempts,
        RECONNECT_MS.first,
        RECONNECT_MS.cap,
      );
      this.attempts += 1;
      this.retry = setTimeout(() => this.connect(), delay);
    }

    /* A tap: flagged in the next frame, and it kicks the spring as on the device. */
    tap() {
      this.tapPending = true;
      this.leds.springV -= 4;
    }

    sendFrame() {
      if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return;
      const sensors = this.sensors();
      this.lastSensors = sensors;
      stepSpring(this.leds, this.frameIntervalMs / 1000);
      if (this.socket.bufferedAmount > BACKLOG_BYTES) {
        this.framesDropped += 1; // the tap stays pending for the next frame that goes out
        return;
      }
      const frame = frameOf(this.id, sensors, this.tapPending);
      this.socket.send(frame);
      this.tapPending = false;
      this.framesSent += 1;
      this.onFrame(this, frame, sensors);
    }

    receive(text) {
      for (const line of text.split("\n")) {
        if (!line || this.hubNoise.some((prefix) => line.startsWith(prefix))) continue;
        this.answer(this.execute(line));
      }
    }

    answer(result) {
      if (this.socket && this.socket.readyState === WebSocket.OPEN) {
        this.socket.send(`ans:${JSON.stringify(result)}`);
      }
    }

    /* Runs one command line; returns the answer object of docs/protocol.md. */
    execute(line) {
      this.commandsReceived += 1;
      const parsed = window.HitloopDeviceManager.parseCommand(this.commands, line);
      if (parsed.error) return { cmd: parsed.name, ok: false, error: parsed.error };
      const { name, params } = parsed;
      const leds = this.leds;
      const now = performance.now();
      let data;
      switch (name) {
        case "led":
          leds.leds.fill(params[0].toLowerCase());
          setPattern(leds, "solid", now);
          break;
        case "pattern":
          setPattern(leds, params[0], now);
          break;
        case "brightness":
          leds.brightness = Number(params[0]);
          break;
        case "spring_param": {
          const [k, damping, mass] = rgb(params[0]);
          if (k === 0 || mass === 0) return { cmd: name, ok: false, error: "invalid_parameters" };
          leds.spring = { k, damping, mass };
          break;
        }
        case "vibrate": {
          const ms = Number(params[0]);
          this.motorUntil = now + ms;
          this.vibrateHook(ms);
          this.onChange(this, "vibrate");
          break;
        }
        case "led_set":
        case "led_off":
        case "led_all_off": {
          // Per-LED commands show the LEDs as set: the pattern becomes solid, as on the device.
          const colour = name === "led_set" ? params[1].toLowerCase() : "000000";
          if (name === "led_all_off") leds.leds.fill(colour);
          else leds.leds[Number(params[0])] = colour;
          if (leds.pattern !== "solid") setPattern(leds, "solid", now);
          break;
        }
        case "led_get_state":
          data = this.ledState();
          break;
        case "status":
          data = this.status();
          break;
        case "reset":
          // Answer first, then come back as a fresh device, like a reboot.
          setTimeout(() => this.reboot(), 0);
          break;
        case "ota":
        case "ota_downgrade":
          return { cmd: name, ok: false, error: "ota_not_supported_in_browser" };
        default:
          return { cmd: name, ok: false, error: "unknown_command" };
      }
      this.onChange(this, "command");
      return data === undefined ? { cmd: name, ok: true } : { cmd: name, ok: true, data };
    }

    reboot() {
      this.leds = defaultLeds(performance.now(), this.pixelCount);
      this.motorUntil = 0;
      this.startedAt = performance.now();
      if (this.socket) this.socket.close(); // onclose reconnects
      this.onChange(this, "command");
    }

    get motorOn() {
      return performance.now() < this.motorUntil;
    }

    /* Colours to draw now, as [r, g, b] per pixel. */
    pixels(nowMs = performance.now()) {
      return pixelsAt(this.leds, nowMs);
    }

    /* The led_get_state answer, shaped as the firmware's (firmware/core/gl_commands.cpp). */
    ledState() {
      const { k, damping, mass } = this.leds.spring;
      return {
        pattern: this.leds.pattern,
        brightness: this.leds.brightness,
        spring: toHex([k, damping, mass]),
        leds: [...this.leds.leds],
        pixels: this.pixels().map(toHex),
      };
    }

    /* The status answer, shaped as the firmware's (firmware/core/gl_device.cpp). */
    status() {
      return {
        id: this.id,
        version: "browser",
        board: "browser",
        uptime_ms: Math.round(performance.now() - this.startedAt),
        link: this.connected ? "online" : "offline",
        wifi: true, // the browser's network is up if this page loaded
        hub_url: this.hubUrl,
        pattern: this.leds.pattern,
        brightness: this.leds.brightness,
        motor: this.motorOn,
        frames_sent: this.framesSent,
        frames_dropped: this.framesDropped,
        reconnects: this.reconnects,
        ota: { state: "idle" },
        rssi: (this.lastSensors ? this.lastSensors.rssi : [-100, -100, -100, -100]).map(Math.round),
      };
    }
  }

  return { Device, room, pixelsAt, randomId };
})();
