/*
 * What every GroupLoop page shares: its start-up (configuration, the CDN's libraries and
 * command table, the hub connection), the configuration panel, the navigation bar, the
 * connection indicator and the status banner.
 *
 * The configuration comes, strongest first, from the page's query string (?hub=…&cdn=…),
 * from what the user saved in the configuration panel of any app, and from /config.js,
 * which the server writes from WS_DEFAULT_URL and CDN_BASE_URL. What the user saves is
 * shared by every app through the settings bridge (shared/settings-bridge.js, web/server.py):
 * a change in one app reloads the others with it.
 * The hub token (for a hub with auth on, docs/web-apps.md) is entered once in the panel (or
 * ?token=) and kept with the rest; the server never hands one out.
 */
"use strict";

window.GroupLoop = (() => {
  const STORAGE_KEY = "grouploop.config";
  const BRIDGE_TIMEOUT_MS = 2000;
  const fromServer = window.GROUPLOOP_CONFIG || {};
  let shared = null; // the settings every app shares, once the bridge answered

  /* This origin's own copy: used when the bridge cannot be reached. */
  function local() {
    try {
      return JSON.parse(localStorage.getItem(STORAGE_KEY) || "{}");
    } catch (_error) {
      return {}; // a hand-edited or corrupt entry must not stop the page
    }
  }

  function saved() {
    return shared || local();
  }

  /*
   * The settings bridge: a hidden frame of the settings origin. `connect()` resolves to the
   * shared settings (or this origin's own after BRIDGE_TIMEOUT_MS without an answer);
   * `post(message)` gets, saves or resets and resolves to the settings once the bridge has
   * answered; without a bridge, this origin's own localStorage stands in.
   */
  const bridge = {
    frame: null,
    answering: false, // true once the bridge answered: saves go through it from then on
    waiting: [],
    connect() {
      const origin = fromServer.settingsOrigin;
      if (!origin) return Promise.resolve(local());
      const first = new Promise((resolve) => {
        this.waiting.push(resolve);
        setTimeout(() => resolve(local()), BRIDGE_TIMEOUT_MS);
      });
      window.addEventListener("message", (event) => {
        if (event.origin !== origin || event.source !== this.frame.contentWindow) return;
        const { type, values } = event.data || {};
        if (type === "settings") {
          shared = values;
          this.answering = true;
          for (const resolve of this.waiting.splice(0)) resolve(values);
        } else if (type === "changed") {
          settingsChanged(values);
        }
      });
      this.frame = element("iframe", {
        src: `${origin}/shared/settings-bridge.html`,
        title: "settings shared by the GroupLoop apps",
        hidden: "",
      });
      this.frame.addEventListener("load", () => {
        this.frame.contentWindow.postMessage({ type: "get" }, origin);
      });
      document.body.append(this.frame);
      return first;
    },
    post(message) {
      if (!this.answering) {
        if (message.type === "save") {
          localStorage.setItem(STORAGE_KEY, JSON.stringify(message.values));
        }
        if (message.type === "reset") localStorage.removeItem(STORAGE_KEY);
        return Promise.resolve(local());
      }
      return new Promise((resolve) => {
        this.waiting.push(resolve);
        this.frame.contentWindow.postMessage(message, fromServer.settingsOrigin);
      });
    },
  };

  /* Another app saved new settings: this page starts again with them (unless its query wins). */
  function settingsChanged(values) {
    const before = config();
    shared = values;
    const after = config();
    const same = ["hubUrl", "cdnUrl", "token"].every((key) => before[key] === after[key]);
    if (same) return;
    banner("warn", "The settings were changed in another app: reloading with them.");
    setTimeout(() => location.reload(), 500);
  }

  function config() {
    const query = new URLSearchParams(location.search);
    const mine = saved();
    return {
      hubUrl: query.get("hub") || mine.hubUrl || fromServer.hubUrl || "ws://localhost:5003",
      cdnUrl: (
        query.get("cdn") ||
        mine.cdnUrl ||
        fromServer.cdnUrl ||
        "http://localhost:5008"
      ).replace(/\/+$/, ""),
      token: query.get("token") || mine.token || "",
    };
  }

  function save(values) {
    return bridge.post({ type: "save", values });
  }

  function loadScript(url) {
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url;
      script.onload = () => resolve(url);
      script.onerror = () => reject(new Error(`could not load ${url}`));
      document.head.appendChild(script);
    });
  }

  /* Loads the named files from the CDN's /js/ route, in order (later ones may use earlier). */
  async function loadLibraries(names) {
    const base = config().cdnUrl;
    for (const name of names) await loadScript(`${base}/js/${name}`);
  }

  async function fetchJson(url) {
    const response = await fetch(url, { cache: "no-cache" });
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    return response.json();
  }

  /*
   * A hub connection's state ("connecting", "open" or "closed", as HitloopDeviceManager and
   * BrowserDevice report it) in the header's #connection and in the banner.
   */
  function showHubState(state, hubUrl, role = null) {
    const [look, text] = {
      connecting: ["connecting", "connecting…"],
      open: ["connected", role ? `connected (${role})` : "connected"],
      closed: ["disconnected", "hub unreachable"],
    }[state];
    const node = document.getElementById("connection");
    if (node) {
      node.className = `connection ${look}`;
      node.textContent = text;
    }
    if (state === "open") banner("ok", "");
    if (state === "closed") {
      banner(
        "error",
        `The hub at ${hubUrl} is unreachable; reconnecting automatically. ` +
          "Check that it runs (grouploop hub) or fix the hub URL in the configuration panel.",
      );
    }
  }

  /*
   * A HitloopDeviceManager (from the CDN) subscribed to the configured hub, its state shown
   * in the header and the banner. It reconnects by itself; `table` is commands.json.
   */
  function connectHub(table, options = {}) {
    const { hubUrl, cdnUrl, token } = config();
    const manager = new window.HitloopDeviceManager(hubUrl, {
      commands: table,
      commandsUrl: `${cdnUrl}/static/commands.json`,
      token,
      ...options,
    });
    manager.on("state", (state) => showHubState(state, hubUrl, manager.role));
    manager.on("auth", (answer) => {
      if (answer.ok) {
        showHubState("open", hubUrl, answer.role);
      } else {
        banner(
          "error",
          "The hub refused the token (auth:error:" +
            answer.error +
            "). " +
            "Enter a valid one in the configuration panel (grouploop tokens add --role operator).",
        );
      }
    });
    manager.on("result", (result) => {
      if (result.error === "forbidden") {
        banner(
          "warn",
          "The hub refused a command: your token's role may not send it " +
            "(docs/security.md, Roles and credentials).",
        );
      }
    });
    try {
      manager.connect();
    } catch (error) {
      showHubState("closed", hubUrl);
      banner("error", `Cannot connect to the hub at ${hubUrl}: ${error.message}`);
    }
    return manager;
  }

  /*
   * Appends a line to a log element, oldest dropped past `keep` lines. The log scrolls to
   * its end once per animation frame: scrolling per line would lay the page out per line,
   * and 500 devices answer at once.
   */
  const scrolling = new Set();
  function logLine(node, text, kind = "", keep = 300) {
    const line = element("div", { class: kind }, `${new Date().toLocaleTimeString()}  ${text}`);
    node.append(line);
    while (node.childElementCount > keep) node.firstElementChild.remove();
    if (scrolling.size === 0) {
      requestAnimationFrame(() => {
        for (const log of scrolling) log.scrollTop = log.scrollHeight;
        scrolling.clear();
      });
    }
    scrolling.add(node);
  }

  function element(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes)) {
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child);
    return node;
  }

  /* A banner at the top of the page: kind is "ok", "warn" or "error". */
  function banner(kind, text) {
    const node = document.getElementById("banner");
    if (!node) return;
    node.className = `banner ${kind}`;
    node.textContent = text;
    node.hidden = !text;
  }

  /* Links to the four apps, from the server's /apps.json (ports may differ from defaults). */
  async function renderNav(current) {
    const nav = document.getElementById("nav");
    if (!nav) return;
    const titles = {
      "socket-client": "Socket client",
      "device-control": "Device control",
      simulator: "Simulator",
      "device-emulator": "Device emulator",
    };
    let urls = {};
    try {
      urls = await fetchJson("/apps.json");
    } catch (_error) {
      return; // the page works without its navigation bar
    }
    nav.replaceChildren(
      ...Object.entries(titles).map(([app, title]) =>
        element("a", { href: urls[app] || "#", class: app === current ? "current" : "" }, title),
      ),
      element("a", { href: "/apps/", class: "aside" }, "All apps"),
      element("a", { href: fromServer.docsUrl || "#", class: "aside" }, "Docs"),
    );
  }

  /* The configuration panel: edit the hub and CDN URLs, apply (reloads the page), reset. */
  function renderConfigPanel(container) {
    const current = config();
    const hub = element("input", { id: "config-hub", type: "url", value: current.hubUrl });
    const cdn = element("input", { id: "config-cdn", type: "url", value: current.cdnUrl });
    const token = element("input", {
      id: "config-token",
      type: "password",
      value: current.token,
      autocomplete: "off",
      placeholder: "only for a hub with auth on",
    });
    const apply = element("button", { type: "submit" }, "Apply");
    const reset = element(
      "button",
      { type: "button", class: "secondary" },
      "Reset to server defaults",
    );
    reset.addEventListener("click", async () => {
      await bridge.post({ type: "reset" });
      location.assign(location.pathname);
    });
    const form = element(
      "form",
      { class: "config" },
      element("label", {}, "Hub ", hub),
      element("label", {}, "CDN ", cdn),
      element("label", {}, "Token ", token),
      apply,
      reset,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      await save({ hubUrl: hub.value.trim(), cdnUrl: cdn.value.trim(), token: token.value.trim() });
      location.assign(location.pathname); // a query string would override what was saved
    });
    container.replaceChildren(form);
  }

  /*
   * Starts a page: navigation, configuration panel, the CDN's libraries (HitloopDevice.js,
   * HitloopDeviceManager.js, then `libraries`) and commands.json, and unless `hub` is false
   * a HitloopDeviceManager on the configured hub. Resolves to {table, manager, hubUrl,
   * cdnUrl, token}, or to null once the banner has said what failed.
   */
  async function start(app, { libraries = [], hub = true } = {}) {
    renderNav(app);
    await bridge.connect();
    const panel = document.getElementById("config");
    if (panel) renderConfigPanel(panel);
    const { hubUrl, cdnUrl, token } = config();
    try {
      await loadLibraries(["HitloopDevice.js", "HitloopDeviceManager.js", ...libraries]);
    } catch (error) {
      banner(
        "error",
        `The CDN at ${cdnUrl} is unreachable (${error.message}). ` +
          "Start it with `grouploop cdn` or fix the CDN URL in the configuration panel.",
      );
      return null;
    }
    let table;
    try {
      table = await fetchJson(`${cdnUrl}/static/commands.json`);
    } catch (error) {
      banner("error", `Cannot read the command table from the CDN: ${error.message}`);
      return null;
    }
    return { table, hubUrl, cdnUrl, token, manager: hub ? connectHub(table) : null };
  }

  return { start, fetchJson, showHubState, logLine, element, banner };
})();
