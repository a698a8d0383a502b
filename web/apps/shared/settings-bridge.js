/*
 * The settings every GroupLoop app shares, kept in the localStorage of one origin (the socket
 * client's: /config.js names it) and reached by every page through a hidden frame of this page.
 * See web/server.py. Messages (postMessage, from the embedding page only):
 *
 *   page → bridge  {type: "get"} | {type: "save", values} | {type: "reset"}
 *   bridge → page  {type: "settings", values}  (the answer to each of them)
 *                  {type: "changed", values}   (another page changed them)
 *
 * Only pages served from this host (any port: the other apps) are answered, so the settings,
 * which may hold a token, are not handed to a site that embeds this frame.
 */
"use strict";

(() => {
  const STORAGE_KEY = "grouploop.config";
  let parentOrigin = null; // the embedding page's, once it has spoken

  function read() {
    try {
      return JSON.parse(localStorage.getItem(STORAGE_KEY) || "{}");
    } catch (_error) {
      return {}; // a hand-edited or corrupt entry must not stop the apps
    }
  }

  function sameHost(origin) {
    try {
      return new URL(origin).hostname === location.hostname;
    } catch (_error) {
      return false;
    }
  }

  window.addEventListener("message", (event) => {
    if (event.source !== window.parent || !sameHost(event.origin)) return;
    const { type, values } = event.data || {};
    if (type === "save" && values && typeof values === "object") {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(values));
    } else if (type === "reset") {
      localStorage.removeItem(STORAGE_KEY);
    } else if (type !== "get") {
      return;
    }
    parentOrigin = event.origin;
    window.parent.postMessage({ type: "settings", values: read() }, parentOrigin);
  });

  // Another page (any app, any tab) changed the settings: tell ours.
  window.addEventListener("storage", (event) => {
    if (event.key !== null && event.key !== STORAGE_KEY) return;
    if (parentOrigin) window.parent.postMessage({ type: "changed", values: read() }, parentOrigin);
  });
})();
