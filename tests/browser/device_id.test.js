// The device emulator's choice of id (web/apps/device-emulator/device-id.js): one per tab,
// changed when a live device of the hub already uses it (node --test tests/browser).
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");

globalThis.window = globalThis;
require("../../web/apps/device-emulator/device-id.js");
const { choose, hubHttpUrl } = globalThis.DeviceId;

/* A hub whose /devices answers the given lists in turn (the last one from then on). */
function hub(...lists) {
  const asked = [];
  const fetchJson = async (url) => {
    asked.push(url);
    const frames = lists[Math.min(asked.length, lists.length) - 1];
    return { devices: Object.entries(frames).map(([id, count]) => ({ id, frames: count })) };
  };
  return { asked, fetchJson };
}
const ids =
  (...list) =>
  () =>
    list.shift();
const base = { hubUrl: "ws://127.0.0.1:5003", wait: async () => {} };

test("the hub's HTTP address is its WebSocket URL's host and port", () => {
  assert.equal(hubHttpUrl("ws://10.0.0.5:5003"), "http://10.0.0.5:5003");
  assert.equal(hubHttpUrl("wss://hub.example:443/path"), "https://hub.example");
});

test("an id asked for with ?id= is used as is, without asking the hub", async () => {
  const { asked, fetchJson } = hub({ beef: 10 });
  const chosen = await choose({ ...base, wanted: "beef", remembered: "", fetchJson });
  assert.deepEqual(chosen, { id: "beef", notice: "" });
  assert.deepEqual(asked, []);
});

test("a new tab draws an id that no device of the hub uses", async () => {
  const { asked, fetchJson } = hub({ aaaa: 5, bbbb: 9 });
  const randomId = ids("aaaa", "bbbb", "cccc");
  const chosen = await choose({ ...base, remembered: null, randomId, fetchJson });
  assert.deepEqual(chosen, { id: "cccc", notice: "" });
  assert.deepEqual(asked, ["http://127.0.0.1:5003/devices"]);
});

test("a tab keeps its id when the hub does not list it", async () => {
  const { fetchJson } = hub({ aaaa: 5 });
  const chosen = await choose({ ...base, remembered: "1234", randomId: ids(), fetchJson });
  assert.deepEqual(chosen, { id: "1234", notice: "" });
});

test("a reloaded tab keeps its id while the hub still lists its old, silent connection", async () => {
  const { asked, fetchJson } = hub({ 1234: 40 }, { 1234: 40 });
  const chosen = await choose({ ...base, remembered: "1234", randomId: ids(), fetchJson });
  assert.deepEqual(chosen, { id: "1234", notice: "" });
  assert.equal(asked.length, 2);
});

test("a duplicated tab whose id streams in another tab changes id and says so", async () => {
  const { fetchJson } = hub({ 1234: 40 }, { 1234: 48 });
  const randomId = ids("1234", "5678");
  const chosen = await choose({ ...base, remembered: "1234", randomId, fetchJson });
  assert.equal(chosen.id, "5678");
  assert.match(chosen.notice, /already uses the id 1234, so this tab is 5678/);
});

test("the page's token goes along, for a hub with auth on", async () => {
  const { asked, fetchJson } = hub({});
  await choose({ ...base, remembered: null, randomId: ids("abcd"), token: "t/k n", fetchJson });
  assert.deepEqual(asked, ["http://127.0.0.1:5003/devices?token=t%2Fk%20n"]);
});

test("a hub that cannot be asked leaves the id unchecked, with a notice", async () => {
  const fetchJson = async () => {
    throw new Error("http://127.0.0.1:1/devices answered 401");
  };
  const chosen = await choose({ ...base, remembered: "1234", randomId: ids(), fetchJson });
  assert.equal(chosen.id, "1234");
  assert.match(chosen.notice, /Could not check the id against the hub \(.*401\)/);
});
