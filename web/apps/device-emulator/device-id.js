/*
 * The device emulator's id: one per browser tab, different from every device on the hub.
 *
 * A tab keeps its id in sessionStorage (a reload keeps it, another tab gets its own), and
 * checks it against the hub's /devices before it connects: the hub lets the newest
 * connection of an id win, so two tabs with one id would knock each other off. A
 * duplicated tab copies sessionStorage, hence the check. An id the hub lists whose frame
 * count stands still is this tab's own connection from before a reload, not a clash.
 * ?id=abcd is used as asked, unchecked. With auth on, /devices wants a token of role viewer
 * or more: the page's token goes along (a device secret is refused, and the notice says so).
 */
"use strict";

window.DeviceId = (() => {
  const KEY = "grouploop.deviceId";
  const STILL_MS = 400; // a live device sends several frames in this time (20 a second)
  const isId = (text) => /^[0-9a-f]{4}$/.test(text || "");

  /* The hub's HTTP address from its WebSocket URL (same host and port). */
  function hubHttpUrl(hubUrl) {
    const url = new URL(hubUrl);
    url.protocol = url.protocol === "wss:" ? "https:" : "http:";
    return url.origin;
  }

  /* id → frame count of every device the hub lists now. */
  async function listed(hubUrl, token, fetchJson) {
    const query = token ? `?token=${encodeURIComponent(token)}` : "";
    const body = await fetchJson(`${hubHttpUrl(hubUrl)}/devices${query}`);
    return new Map(body.devices.map((device) => [device.id, device.frames]));
  }

  function unused(taken, randomId) {
    for (let i = 0; i < 1000; i += 1) {
      const id = randomId();
      if (!taken.has(id)) return id;
    }
    throw new Error("no free device id"); // 65 536 ids: only a hub full of devices
  }

  /*
   * Resolves to {id, notice}: the id this tab uses and, when it had to change, why.
   * options: wanted (?id=), remembered (this tab's sessionStorage), randomId(), hubUrl,
   * token (the page's, for a hub with auth on; may be empty), fetchJson(url), wait(ms).
   */
  async function choose({ wanted, remembered, randomId, hubUrl, token, fetchJson, wait }) {
    if (isId(wanted)) return { id: wanted, notice: "" };
    let devices;
    try {
      devices = await listed(hubUrl, token, fetchJson);
    } catch (error) {
      const id = isId(remembered) ? remembered : randomId();
      return { id, notice: `Could not check the id against the hub (${error.message}).` };
    }
    if (!isId(remembered)) return { id: unused(new Set(devices.keys()), randomId), notice: "" };
    if (!devices.has(remembered)) return { id: remembered, notice: "" };
    await wait(STILL_MS);
    const again = await listed(hubUrl, token, fetchJson).catch(() => devices);
    const stale = !again.has(remembered) || again.get(remembered) === devices.get(remembered);
    if (stale) return { id: remembered, notice: "" };
    const id = unused(new Set([...devices.keys(), ...again.keys()]), randomId);
    return {
      id,
      notice: `Another device on the hub already uses the id ${remembered}, so this tab is ${id}.`,
    };
  }

  return { KEY, isId, hubHttpUrl, choose };
})();
