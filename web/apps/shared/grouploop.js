/*
 * What every GroupLoop page shares: its start-up (configuration, the CDN's libraries and
 * command table, the hub connection), the configuration panel, the navigation bar, the
 * connection indicator and the status banner.
 *
 * The configuration comes, strongest first, from the page's query string (?hub=…&cdn=…),
 * from what the user saved in the configuration panel (localStorage), and from /config.js,
 * which the server writes from WS_DEFAULT_URL and CDN_BASE_URL. The hub token (for a hub with
 * auth on, docs/web-apps.md) is entered once in the panel (or ?token=) and kept with the
 * rest; the server never hands one out.
 */
"use strict";

window.GroupLoop = (() => {
  const STORAGE_KEY = "grouploop.config";
  const fromServer = window.GROUPLOOP_CONFIG || {};

  function saved() {
    try {
      return JSON.parse(localStorage.getItem(STORAGE_KEY) || "{}");
    } catch (_error) {
      return {}; // a hand-edited or corrupt entry must not stop the page
    }
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
    localStorage.setItem(STORAGE_KEY, JSON.stringify(values));
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

  /* Appends a line to a log element, oldest dropped past `keep` lines. */
  function logLine(node, text, kind = "", keep = 300) {
    const line = element("div", { class: kind }, `${new Date().toLocaleTimeString()}  ${text}`);
    node.append(line);
    while (node.childElementCount > keep) node.firstElementChild.remove();
    node.scrollTop = node.scrollHeight;
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
    reset.addEventListener("click", () => {
      localStorage.removeItem(STORAGE_KEY);
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
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      save({ hubUrl: hub.value.trim(), cdnUrl: cdn.value.trim(), token: token.value.trim() });
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
