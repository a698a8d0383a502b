/*
 * The index page (/apps/ on every app's port): a link to each app, from /apps.json (ports
 * may differ from the defaults), and to the documentation, from /config.js.
 */
"use strict";

(async () => {
  const APPS = [
    [
      "socket-client",
      "Socket client",
      "watch the stream, every device's values and graphs; type commands",
    ],
    ["device-control", "Device control", "the room map; select devices and send them commands"],
    ["simulator", "Simulator", "a swarm of devices in this browser"],
    ["device-emulator", "Device emulator", "make this phone or browser one device"],
  ];
  const list = document.getElementById("apps");
  let urls = {};
  try {
    const response = await fetch("/apps.json", { cache: "no-cache" });
    urls = await response.json();
  } catch (_error) {
    list.textContent = "The web server does not answer /apps.json.";
    return;
  }
  for (const [app, title, what] of APPS) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = urls[app] || "#";
    link.dataset.app = app;
    link.textContent = title;
    item.append(link, ` — ${what}`);
    list.append(item);
  }
  const docs = document.getElementById("docs");
  docs.href = (window.GROUPLOOP_CONFIG || {}).docsUrl || "#";
})();
