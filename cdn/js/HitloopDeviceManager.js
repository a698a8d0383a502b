/**
 * HitloopDeviceManager: a browser (or node) client of the GroupLoop hub.
 *
 * - connects to the hub's WebSocket URL, sends `s` to subscribe, reconnects with
 *   exponential backoff when the connection drops; given an ordered list of hub URLs, it
 *   moves to the next one (wrapping around) whenever a hub refuses, is unreachable or drops
 *   the connection, with the same backoff between attempts, and stays on a hub while open;
 * - splits every message into lines and handles each on its own: sensor frames update the
 *   `devices` map (id -> HitloopDevice), `ans:<id>:<json>` device answers, `cmd:result:` and
 *   `cmd:error:` hub answers become events, any other line is a `message` event — an
 *   unexpected line never throws;
 * - forgets devices that have been silent longer than `inactiveTimeoutMs`;
 * - sends commands checked against the CDN's commands.json first, so a typo is reported
 *   at once with a clear CommandError instead of an error answer from the hub;
 *   `validateCommand` gives the reason a device would answer instead (unknown_command,
 *   missing_parameters, invalid_parameters), for code that plays a device;
 * - keeps `state` ('connecting', 'open' or 'closed') and reports each change;
 * - logs in with `options.token` (or `setToken`) when the hub has auth on: `auth:<token>`
 *   is its first line on every connection (before `s`), so the token appears in no URL;
 *   `role` holds the hub's `auth:ok:<role>`. A refused token (`auth:error:invalid`, then the
 *   hub closes) stops reconnecting until `setToken` gives another: retrying cannot help.
 *
 * Load HitloopDevice.js before this file in a page; in node, require() finds it.
 * Events (`manager.on(name, fn)`, returns a function that unsubscribes):
 *   state ('connecting' | 'open' | 'closed'), open, close, error,
 *   device (new HitloopDevice), frame (device), remove (device),
 *   answer ({id, device, cmd, ok, data, error, raw}), result ({ok, result|error, sentTo}),
 *   auth ({ok, role|error}), message (line). A command the token's role may not send
 *   gets result {ok: false, error: 'forbidden'}.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory(require("./HitloopDevice.js").HitloopDevice);
  } else {
    const api = factory(root.HitloopDevice);
    root.HitloopDeviceManager = api.HitloopDeviceManager;
  }
})(typeof globalThis !== "undefined" ? globalThis : this, function (HitloopDevice) {
  "use strict";

  if (!HitloopDevice) {
    throw new Error("HitloopDeviceManager needs HitloopDevice.js: load it first");
  }

  const DEVICE_ID = /^[0-9a-f]{4}$/;
  const ANSWER = /^ans:([0-9a-fA-F]{4}):(.*)$/;
  const SENT_TO = /^sent_to_(\d+)_devices$/;
  const AUTH = /^auth:(ok|error):(.*)$/;
  // Where this script was loaded from: its CDN also serves /static/commands.json.
  const SCRIPT_SRC =
    typeof document !== "undefined" && document.currentScript ? document.currentScript.src : null;

  class CommandError extends Error {
    constructor(message) {
      super(message);
      this.name = "CommandError";
    }
  }

  /** Check one parameter against its commands.json definition; returns an error or null. */
  function checkParam(spec, value, isLast) {
    const where = `parameter ${spec.name}`;
    if (/[\r\n]/.test(value)) return `${where} must not contain a line break`;
    // Only the last parameter may contain ':', the hub splits the others on it.
    if (!isLast && value.includes(":")) return `${where} must not contain ':'`;
    if (value === "") return `${where} is empty`;
    if (spec.type === "int") {
      if (!/^-?\d+$/.test(value)) return `${where} must be an integer, got '${value}'`;
      const n = Number(value);
      if (spec.min !== undefined && n < spec.min) return `${where} must be >= ${spec.min}`;
      if (spec.max !== undefined && n > spec.max) return `${where} must be <= ${spec.max}`;
    }
    if (spec.type === "enum" && !spec.values.includes(value)) {
      return `${where} must be one of ${spec.values.join(", ")}, got '${value}'`;
    }
    if (spec.pattern && !new RegExp(spec.pattern).test(value)) {
      return `${where} must match ${spec.pattern}, got '${value}'`;
    }
    return null;
  }

  function specOf(table, command) {
    if (!table || !table.commands) {
      throw new CommandError("commands not loaded: call loadCommands() or setCommands() first");
    }
    return Object.prototype.hasOwnProperty.call(table.commands, command)
      ? table.commands[command]
      : null;
  }

  /**
   * Validate a command against a commands.json table; returns the wire form
   * `<command>[:<params>]` or throws CommandError.
   */
  function formatCommand(table, command, params) {
    const spec = specOf(table, command);
    if (!spec) {
      throw new CommandError(
        `unknown command '${command}' (known: ${Object.keys(table.commands).join(", ")})`,
      );
    }
    const values = params.map((p) => String(p));
    const wanted = spec.parameters.map((p) => p.name);
    if (values.length < wanted.length) {
      throw new CommandError(
        `${command}: missing parameters, expects ${wanted.join(", ") || "none"}`,
      );
    }
    if (values.length > wanted.length) {
      throw new CommandError(
        `${command}: too many parameters, expects ${wanted.join(", ") || "none"}`,
      );
    }
    spec.parameters.forEach((p, i) => {
      const problem = checkParam(p, values[i], i === values.length - 1);
      if (problem) throw new CommandError(`${command}: ${problem}`);
    });
    return [command, ...values].join(":");
  }

  /**
   * The reason a device refuses `command` with `params` (docs/protocol.md): 'unknown_command',
   * 'missing_parameters' (too few, or an empty one) or 'invalid_parameters'; null when valid.
   */
  function validateCommand(table, command, params = []) {
    const spec = specOf(table, command);
    if (!spec) return "unknown_command";
    const values = params.map((p) => String(p));
    if (values.length < spec.parameters.length || values.includes("")) {
      return "missing_parameters";
    }
    try {
      formatCommand(table, command, values);
    } catch (e) {
      if (e instanceof CommandError) return "invalid_parameters";
      throw e;
    }
    return null;
  }

  /**
   * "name:p1:p2" → {name, params}, split as the table says: the last parameter keeps its
   * colons (an OTA URL has some). Unknown names keep every part as a parameter.
   */
  function splitCommand(table, text) {
    const [name, ...rest] = String(text).split(":");
    const spec = table && table.commands ? specOf(table, name) : null;
    const wanted = spec ? spec.parameters.length : rest.length;
    const params =
      wanted === 0 || rest.length <= wanted
        ? rest
        : [...rest.slice(0, wanted - 1), rest.slice(wanted - 1).join(":")];
    return { name, params };
  }

  /** A command line as a device reads it: {name, params}, or {name, error: reason}. */
  function parseCommand(table, line) {
    const { name, params } = splitCommand(table, line);
    const error = validateCommand(table, name, params);
    return error ? { name, error } : { name, params };
  }

  /**
   * Delay before reconnect attempt `attempts` (0 for the first after a loss): a ceiling of
   * min, 2x, 4x ... up to max, jittered between half the ceiling and all of it, as the
   * firmware does, so that the browsers a hub loses do not all come back at one instant.
   * `random` returns [0, 1). BrowserDevice (web/apps/shared) backs off the same way.
   */
  function reconnectDelay(attempts, minMs, maxMs, random = Math.random) {
    const ceiling = Math.min(maxMs, minMs * 2 ** attempts);
    return Math.round(ceiling / 2 + (ceiling / 2) * random());
  }

  /** A target: 'all', a device id, or several ids (array or comma-separated). */
  function formatTarget(target) {
    if (target === "all") return "all";
    const ids = (Array.isArray(target) ? target : String(target).split(",")).map((id) =>
      String(id).trim().toLowerCase(),
    );
    if (ids.length === 0 || ids.some((id) => !DEVICE_ID.test(id))) {
      throw new CommandError(`target must be 'all' or device ids of 4 hex digits, got '${target}'`);
    }
    return ids.join(",");
  }

  /** Classify one line from the hub: {kind: frame|answer|result|message, ...}. */
  function parseLine(line) {
    const frame = HitloopDevice.decodeFrame(line);
    if (frame) return { kind: "frame", frame };
    const answer = ANSWER.exec(line);
    if (answer) {
      try {
        const body = JSON.parse(answer[2]);
        if (body && typeof body === "object") {
          return {
            kind: "answer",
            id: answer[1].toLowerCase(),
            cmd: body.cmd,
            ok: body.ok === true,
            data: body.data,
            error: body.error,
            raw: line,
          };
        }
      } catch (_e) {
        // Not JSON: fall through, it is reported as a plain message.
      }
    }
    const auth = AUTH.exec(line);
    if (auth) {
      return auth[1] === "ok"
        ? { kind: "auth", ok: true, role: auth[2] }
        : { kind: "auth", ok: false, error: auth[2] };
    }
    if (line.startsWith("cmd:result:")) {
      const result = line.slice("cmd:result:".length);
      const sent = SENT_TO.exec(result);
      return {
        kind: "result",
        ok: result !== "failed",
        result,
        sentTo: sent ? Number(sent[1]) : undefined,
      };
    }
    if (line.startsWith("cmd:error:")) {
      return { kind: "result", ok: false, error: line.slice("cmd:error:".length) };
    }
    return { kind: "message", line };
  }

  class HitloopDeviceManager {
    /**
     * @param {string|string[]} websocketUrl  the hub, e.g. ws://localhost:5003, or an ordered
     *   list of hubs to fail over along
     * @param {object} [options]
     *   inactiveTimeoutMs (5000), reconnectMinMs (500), reconnectMaxMs (10000), random
     *   (Math.random: the backoff's jitter),
     *   reconnect (true), commandsUrl (default: the CDN this script came from),
     *   commands (a commands.json table, skips loading), token (for a hub with auth on),
     *   WebSocket (implementation),
     *   now, setTimeout, clearTimeout, setInterval, clearInterval (for tests).
     */
    constructor(websocketUrl, options = {}) {
      /** The hubs in the order they are tried; `hubIndex` is the one in use (or next). */
      this.websocketUrls = Array.isArray(websocketUrl) ? [...websocketUrl] : [websocketUrl];
      if (this.websocketUrls.length === 0) throw new TypeError("no hub URL given");
      this.hubIndex = 0;
      this.ws = null;
      this.devices = new Map();
      this.inactiveTimeoutMs = options.inactiveTimeoutMs ?? 5000;
      this.reconnectMinMs = options.reconnectMinMs ?? 500;
      this.reconnectMaxMs = options.reconnectMaxMs ?? 10000;
      this.random = options.random ?? Math.random;
      this.reconnect = options.reconnect ?? true;
      this.commandsUrl =
        options.commandsUrl ??
        (SCRIPT_SRC ? new URL("../static/commands.json", SCRIPT_SRC).href : null);
      this.commands = options.commands ?? null;
      this.token = options.token || null;
      /** The role the hub granted (`auth:ok:<role>`), null before or without a login. */
      this.role = null;
      this._authRefused = false;
      this.WebSocket = options.WebSocket ?? root().WebSocket;
      this.now = options.now ?? (() => Date.now());
      this.timers = {
        setTimeout: options.setTimeout ?? ((f, ms) => setTimeout(f, ms)),
        clearTimeout: options.clearTimeout ?? ((t) => clearTimeout(t)),
        setInterval: options.setInterval ?? ((f, ms) => setInterval(f, ms)),
        clearInterval: options.clearInterval ?? ((t) => clearInterval(t)),
      };
      this.attempts = 0;
      this.state = "closed";
      this.listeners = new Map();
      this._reconnectTimer = null;
      this._pruneTimer = null;
      this._wanted = false;
      this._closedByUs = null; // a socket closed to reconnect (setToken): not the hub's fault
    }

    /** The hub URL in use, or tried next. Setting it replaces the list with that one hub. */
    get websocketUrl() {
      return this.websocketUrls[this.hubIndex];
    }

    set websocketUrl(url) {
      this.websocketUrls = [url];
      this.hubIndex = 0;
    }

    on(name, fn) {
      if (!this.listeners.has(name)) this.listeners.set(name, new Set());
      this.listeners.get(name).add(fn);
      return () => this.listeners.get(name).delete(fn);
    }

    emit(name, value) {
      for (const fn of this.listeners.get(name) || []) {
        try {
          fn(value);
        } catch (e) {
          // One faulty listener must not stop the stream for the others.
          console.error(`[HitloopDeviceManager] ${name} listener failed`, e);
        }
      }
    }

    /** 'connecting', 'open' or 'closed'; a `state` event tells of every change. */
    _setState(state) {
      if (this.state === state) return;
      this.state = state;
      this.emit("state", state);
    }

    /** Load commands.json (from the CDN); resolves to the table. */
    async loadCommands(url = this.commandsUrl) {
      if (!url) throw new CommandError("no commandsUrl: pass options.commandsUrl");
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      this.setCommands(await response.json());
      return this.commands;
    }

    setCommands(table) {
      if (!table || typeof table.commands !== "object") {
        throw new CommandError('not a commands.json table (no "commands" object)');
      }
      this.commands = table;
    }

    connect() {
      this._wanted = true;
      if (!this.commands && this.commandsUrl) {
        this.loadCommands().catch((e) => this.emit("error", e));
      }
      if (!this._pruneTimer) {
        const every = Math.max(50, Math.min(1000, this.inactiveTimeoutMs / 2));
        this._pruneTimer = this.timers.setInterval(() => this.pruneInactive(), every);
      }
      this._open();
    }

    _open() {
      if (!this._wanted || (this.ws && this.ws.readyState <= 1)) return;
      if (!this.WebSocket) {
        throw new Error("no WebSocket implementation: pass options.WebSocket");
      }
      const ws = new this.WebSocket(this.websocketUrl);
      this.ws = ws;
      this._setState("connecting");
      ws.onopen = () => {
        this.attempts = 0;
        this.role = null;
        if (this.token) ws.send(`auth:${this.token}`);
        ws.send("s");
        for (const device of this.devices.values()) device.setWebSocket(ws);
        this._setState("open");
        this.emit("open", this.websocketUrl);
      };
      ws.onmessage = (event) => this.handleMessage(event.data);
      ws.onerror = (event) => {
        this.emit("error", event);
        // Browsers follow a failed connection with `close`; some implementations (node 20)
        // do not, so a socket that never opened is given up here as well.
        if (ws.readyState !== 1) this._lost(ws);
      };
      ws.onclose = (event) => {
        this.emit("close", event);
        this._lost(ws);
      };
    }

    _lost(ws) {
      if (this.ws !== ws) return; // already replaced: its reconnect is scheduled
      this.ws = null;
      // The hub refused, was unreachable or dropped us: the next attempt goes to the next hub.
      if (ws !== this._closedByUs) {
        this.hubIndex = (this.hubIndex + 1) % this.websocketUrls.length;
      }
      this._closedByUs = null;
      this._setState("closed");
      this._scheduleReconnect();
    }

    /** Delay before the next attempt: min, 2x, 4x ... up to max, jittered. */
    nextDelay() {
      return reconnectDelay(this.attempts, this.reconnectMinMs, this.reconnectMaxMs, this.random);
    }

    _scheduleReconnect() {
      if (!this._wanted || !this.reconnect || this._reconnectTimer || this._authRefused) return;
      const delay = this.nextDelay();
      this.attempts += 1;
      this._reconnectTimer = this.timers.setTimeout(() => {
        this._reconnectTimer = null;
        this._open();
      }, delay);
    }

    /** Use `token` (null: none) from the next connection on; reconnects when connected. */
    setToken(token) {
      this.token = token || null;
      this._authRefused = false;
      if (this.ws) {
        this._closedByUs = this.ws;
        this.ws.close(); // its close event reconnects with the new token, to the same hub
      } else if (this._wanted) {
        this._open();
      }
    }

    disconnect() {
      this._wanted = false;
      if (this._reconnectTimer) this.timers.clearTimeout(this._reconnectTimer);
      if (this._pruneTimer) this.timers.clearInterval(this._pruneTimer);
      this._reconnectTimer = null;
      this._pruneTimer = null;
      if (this.ws) this.ws.close();
      this.ws = null;
      this._setState("closed");
    }

    /** One WebSocket message: any number of '\n'-separated lines. */
    handleMessage(data) {
      for (const line of String(data ?? "").split(/\r?\n/)) {
        if (line.trim() !== "") this.handleLine(line.trim());
      }
    }

    handleLine(line) {
      const parsed = parseLine(line);
      if (parsed.kind === "frame") {
        this._applyFrame(parsed.frame);
      } else if (parsed.kind === "answer") {
        const device = this.devices.get(parsed.id) || null;
        if (device) device.lastAnswer = parsed;
        this.emit("answer", { ...parsed, device });
      } else if (parsed.kind === "result") {
        this.emit("result", parsed);
      } else if (parsed.kind === "auth") {
        this.role = parsed.ok ? parsed.role : null;
        this._authRefused = !parsed.ok;
        this.emit("auth", parsed);
      } else {
        this.emit("message", parsed.line);
      }
      return parsed;
    }

    _applyFrame(frame) {
      let device = this.devices.get(frame.id);
      const isNew = !device;
      if (isNew) {
        device = new HitloopDevice(frame.id);
        device.setWebSocket(this.ws);
        this.devices.set(frame.id, device);
      }
      device.update(frame, this.now());
      if (isNew) this.emit("device", device);
      this.emit("frame", device);
    }

    /** Original API: apply one frame line; true when it was a frame. */
    parseAndUpdateDevice(hexString) {
      const frame = HitloopDevice.decodeFrame(hexString);
      if (frame) this._applyFrame(frame);
      return frame !== null;
    }

    /** Forget devices silent for longer than inactiveTimeoutMs; returns their ids. */
    pruneInactive(now = this.now()) {
      const gone = [];
      for (const device of this.devices.values()) {
        if (now - device.lastSeen > this.inactiveTimeoutMs) gone.push(device);
      }
      for (const device of gone) {
        this.devices.delete(device.id);
        this.emit("remove", device);
      }
      return gone.map((d) => d.id);
    }

    addDevice(device) {
      device.setWebSocket(this.ws);
      if (!device.lastSeen) device.lastSeen = this.now();
      this.devices.set(String(device.id).toLowerCase(), device);
    }

    removeDevice(deviceId) {
      return this.devices.delete(String(deviceId).toLowerCase());
    }

    getDevice(deviceId) {
      return this.devices.get(String(deviceId).toLowerCase()) || null;
    }

    getAllDevices() {
      return this.devices;
    }

    getDeviceCount() {
      return this.devices.size;
    }

    /**
     * Send `cmd:<target>:<command>[:<params>]` after checking it against commands.json.
     * Throws CommandError (bad command or parameters) or Error (not connected); returns
     * the line sent. The hub's answer arrives as a `result` event, the devices' answers
     * as `answer` events.
     */
    sendCommand(target, command, ...params) {
      const line = `cmd:${formatTarget(target)}:${formatCommand(this.commands, command, params)}`;
      if (!this.ws || this.ws.readyState !== 1) {
        throw new Error("not connected to the hub");
      }
      this.ws.send(line);
      return line;
    }
  }

  function root() {
    return typeof globalThis !== "undefined" ? globalThis : {};
  }

  // The helpers also hang off the class: a page only gets the `HitloopDeviceManager` global.
  const helpers = {
    CommandError,
    formatCommand,
    formatTarget,
    validateCommand,
    splitCommand,
    parseCommand,
    parseLine,
    reconnectDelay,
  };
  Object.assign(HitloopDeviceManager, helpers);
  return { HitloopDeviceManager, ...helpers };
});
