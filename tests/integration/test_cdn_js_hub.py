"""HitloopDeviceManager against a real hub and a real CDN, in node (WebSocket built in).

A device (a WebSocket client speaking the device side of docs/protocol.md) streams frames
and answers commands; node runs the manager: it loads commands.json from the CDN, sees the
device, sends a command, receives the hub's result and the device's answer, refuses a bad
command before sending, and forgets the device once it falls silent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.cdn import CdnServer
from tests.fixtures.hub import HubClient, HubProcess
from tests.support.timing import scaled

ROOT = Path(__file__).resolve().parents[2]
FRAME = "a1b2c0408012345678ff"

SCRIPT = r"""
const { HitloopDeviceManager } = require(process.argv[2]);
const [hubUrl, commandsUrl] = process.argv.slice(3);
const say = (event, value) => console.log(JSON.stringify({ event, value }));
const inactiveTimeoutMs = Number(process.argv[6]);
const m = new HitloopDeviceManager(hubUrl, { commandsUrl, inactiveTimeoutMs });
m.on('error', (e) => say('error', String(e && e.message || e)));
m.on('device', (d) => {
  say('device', d.getSensorData());
  const send = () => {
    if (!m.commands) return setTimeout(send, 20);
    try { m.sendCommand(d.id, 'brightness', 999); } catch (e) { say('refused', e.message); }
    say('sent', m.sendCommand(d.id, 'led', 'ff0000'));
  };
  send();
});
m.on('result', (r) => say('result', r));
m.on('answer', (a) => say('answer', { id: a.id, cmd: a.cmd, ok: a.ok, known: a.device !== null }));
// After disconnect() nothing may keep node alive: no socket, no timer.
m.on('remove', (d) => { say('remove', d.id); m.disconnect(); clearTimeout(deadline); });
const giveUp = () => { say('timeout', null); process.exit(2); };
const deadline = setTimeout(giveUp, Number(process.argv[5]));
m.connect();
"""


async def device(hub_url: str, stop: asyncio.Event, **connect: Any) -> list[str]:
    """Stream FRAME at 20 Hz until `stop`; answer every command; return the commands.
    `connect`: more options of the WebSocket client (e.g. `ssl`)."""
    client = await HubClient.connect(hub_url, **connect)
    received: list[str] = []
    try:
        while not stop.is_set():
            await client.send(FRAME)
            # lines[0] is the greeting HubClient.connect already checked.
            for line in client.lines[1 + len(received) :]:
                received.append(line)
                name = line.split(":", 1)[0]
                await client.send(f'ans:{{"cmd":"{name}","ok":true}}')
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.05)  # the device's 20 Hz frame period
    finally:
        await client.close()
    return received


async def run_manager(
    tmp_path: Path, script: str, *args: str, env: dict[str, str] | None = None
) -> asyncio.subprocess.Process:
    """node running `script` with HitloopDeviceManager.js's path and `args` as its arguments
    (and `env` added to the environment)."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the JS libraries cannot be tested")
    path = tmp_path / "manager.js"
    path.write_text(script)
    return await asyncio.create_subprocess_exec(
        node,
        "--experimental-websocket",
        "--no-warnings",
        str(path),
        str(ROOT / "cdn" / "js" / "HitloopDeviceManager.js"),
        *args,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )


async def next_event(proc: asyncio.subprocess.Process, events: list[dict], name: str) -> None:
    """Read node's events until one called `name` arrives."""
    assert proc.stdout is not None
    while True:
        line = await proc.stdout.readline()
        assert line, f"node ended before {name!r}: {events}"
        events.append(json.loads(line))
        if events[-1]["event"] == name:
            return


async def manager_session(
    tmp_path: Path,
    hub_url: str,
    cdn_url: str,
    env: dict[str, str] | None = None,
    **connect: Any,
) -> tuple[list[dict], list[str]]:
    """SCRIPT in node against the hub and CDN while `device` streams and falls silent:
    (node's events, the commands the device received). `env` goes to node, `connect` to
    the device's WebSocket client."""
    proc = await run_manager(
        tmp_path,
        SCRIPT,
        hub_url,
        f"{cdn_url}/static/commands.json",
        str(int(scaled(20) * 1000)),
        # Silence after which the manager forgets the device: 20 frame periods of the device
        # task, so a stalled loop on a loaded machine does not look like a silent device.
        str(int(scaled(1.0) * 1000)),
        env=env,
    )
    stop_device = asyncio.Event()
    device_task = asyncio.create_task(device(hub_url, stop_device, **connect))
    events: list[dict] = []
    try:
        async with asyncio.timeout(scaled(25)):
            await next_event(proc, events, "answer")
            stop_device.set()  # silence: the manager must forget the device
            commands = await device_task
            await next_event(proc, events, "remove")
            assert await proc.wait() == 0
    finally:
        stop_device.set()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return events, commands


async def test_manager_with_real_hub_and_cdn(
    cdn: CdnServer, start_hub: Callable[..., HubProcess], tmp_path: Path
) -> None:
    hub = start_hub(cdn_url=cdn.url)
    events, commands = await manager_session(tmp_path, hub.url, cdn.url)
    by_name = {e["event"]: e["value"] for e in events}
    assert "error" not in by_name, events
    assert by_name["device"]["id"] == "a1b2"
    assert by_name["device"]["tap"] is True
    assert by_name["device"]["dNW"] == 0x12
    assert by_name["refused"] == "brightness: parameter level must be <= 255"
    assert by_name["sent"] == "cmd:a1b2:led:ff0000"
    assert by_name["result"]["ok"] is True
    assert by_name["answer"] == {"id": "a1b2", "cmd": "led", "ok": True, "known": True}
    assert by_name["remove"] == "a1b2"
    assert commands == ["led:ff0000"]


RECONNECT_SCRIPT = r"""
const { HitloopDeviceManager } = require(process.argv[2]);
const say = (event, value) => console.log(JSON.stringify({ event, value }));
const m = new HitloopDeviceManager(process.argv[3], { reconnectMinMs: 100, reconnectMaxMs: 400 });
let opens = 0;
m.on('open', () => say('open', ++opens));
m.on('close', () => say('close', null));
m.on('device', (d) => { say('device', d.id); m.disconnect(); clearTimeout(deadline); });
const giveUp = () => { say('timeout', null); process.exit(2); };
const deadline = setTimeout(giveUp, Number(process.argv[4]));
m.connect();
"""


async def test_manager_reconnects_when_the_hub_comes_back(
    start_hub: Callable[..., HubProcess], tmp_path: Path
) -> None:
    first = start_hub()
    proc = await run_manager(tmp_path, RECONNECT_SCRIPT, first.url, str(int(scaled(20) * 1000)))
    events: list[dict] = []
    stop_device = asyncio.Event()
    try:
        async with asyncio.timeout(scaled(25)):
            await next_event(proc, events, "open")
            first.stop()
            await next_event(proc, events, "close")
            # The same port again: the manager keeps retrying it with backoff.
            second = start_hub("--port", str(first.service.port))
            await next_event(proc, events, "open")
            streaming = asyncio.create_task(device(second.url, stop_device))
            await next_event(proc, events, "device")
            assert await proc.wait() == 0
            stop_device.set()
            await streaming
    finally:
        stop_device.set()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    opens = [e["value"] for e in events if e["event"] == "open"]
    assert opens == [1, 2], events
    assert events[-1] == {"event": "device", "value": "a1b2"}


TOKEN_SCRIPT = r"""
const { HitloopDeviceManager } = require(process.argv[2]);
const fs = require('node:fs');
const say = (event, value) => console.log(JSON.stringify({ event, value }));
const commands = JSON.parse(fs.readFileSync(process.argv[5], 'utf8'));
const m = new HitloopDeviceManager(process.argv[3], { token: process.argv[4], commands });
m.on('auth', (a) => say('auth', a));
m.on('device', (d) => {
  say('sent', m.sendCommand(d.id, 'ota', 'http://127.0.0.1:1/evil.bin'));
  say('sent', m.sendCommand(d.id, 'led', '00ff00'));
});
let results = 0;
m.on('result', (r) => {
  say('result', r);
  if (++results === 2) { m.disconnect(); clearTimeout(deadline); }
});
const giveUp = () => { say('timeout', null); process.exit(2); };
const deadline = setTimeout(giveUp, Number(process.argv[6]));
m.connect();
"""


async def test_manager_logs_in_with_a_token_on_a_hub_with_auth(
    auth_hub: Callable[..., Any], virtual_devices: Any, tmp_path: Path
) -> None:
    hub = auth_hub()
    await virtual_devices(1, hub_url=hub.url, seed="auth", secrets=hub.secrets)
    proc = await run_manager(
        tmp_path,
        TOKEN_SCRIPT,
        hub.url,
        hub.tokens["operator"],
        str(ROOT / "cdn" / "static" / "commands.json"),
        str(int(scaled(20) * 1000)),
    )
    events: list[dict] = []
    try:
        async with asyncio.timeout(scaled(25)):
            while len([e for e in events if e["event"] == "result"]) < 2:
                await next_event(proc, events, "result")
            assert await proc.wait() == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    results = [e["value"] for e in events if e["event"] == "result"]
    assert events[0] == {"event": "auth", "value": {"kind": "auth", "ok": True, "role": "operator"}}
    assert results[0] == {"kind": "result", "ok": False, "error": "forbidden"}  # ota: admin only
    assert results[1]["ok"] is True and results[1]["result"] == "success"
