"""The JS libraries as a browser gets them: fetched from a real CDN, run as plain scripts.

node loads /js/HitloopDevice.js and /js/HitloopDeviceManager.js over HTTP into a fresh
global context (no CommonJS `module`, `document.currentScript` set as a page would), loads
commands.json from the CDN the script came from, decodes frames that the Python codec
(grouploop.frame) encoded and encodes physical values (halves, out of range) as the Python
codec does: the two codecs must agree byte for byte.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from grouploop import frame as codec
from tests.fixtures.cdn import CdnServer
from tests.support.timing import scaled

SCRIPT = r"""
const vm = require('node:vm');
const [base, framesJson, physicalJson] = process.argv.slice(2);
(async () => {
  const page = { console, fetch, URL, setTimeout, clearTimeout, setInterval, clearInterval };
  vm.createContext(page);
  for (const name of ['HitloopDevice.js', 'HitloopDeviceManager.js']) {
    const response = await fetch(`${base}/js/${name}`);
    page.document = { currentScript: { src: `${base}/js/${name}` } };
    vm.runInContext(await response.text(), page, { filename: name });
  }
  const m = new page.HitloopDeviceManager('ws://127.0.0.1:9');
  const table = await m.loadCommands();
  const format = (...args) => {
    try { return page.HitloopDeviceManager.formatCommand(table, args[0], args.slice(1)); }
    catch (e) { return `${e.name}: ${e.message}`; }
  };
  const { decodeFrame, encodeFrame } = page.HitloopDevice;
  const decoded = JSON.parse(framesJson).map((f) => decodeFrame(f));
  console.log(JSON.stringify({
    globals: ['HitloopDevice', 'HitloopDeviceManager'].filter((n) => typeof page[n] === 'function'),
    commandsUrl: m.commandsUrl,
    commands: Object.keys(table.commands).length,
    ok: format('led_set', 3, 'ff0000'),
    bad: format('led_set', 9, 'ff0000'),
    decoded,
    roundTrip: decoded.map((f) => encodeFrame(f)),
    encoded: JSON.parse(physicalJson).map((p) => encodeFrame(p)),
  }));
})().catch((e) => { console.error(e); process.exit(1); });
"""


def random_frames(count: int) -> list[codec.Frame]:
    rng = random.Random(7)
    return [
        codec.Frame(
            f"{rng.randrange(65536):04x}",
            *(rng.randrange(256) for _ in range(7)),
            tap=rng.choice((0, codec.TAP)),
        )
        for _ in range(count)
    ]


def random_physical(count: int) -> list[dict[str, Any]]:
    """Values a device measures, beyond the frame's range and on exact halves of a byte."""
    rng = random.Random(11)
    # (dBm + 100) * 255 / 60 is exactly n + 0.5 at these: they tell half-to-even from half-up.
    halves = [-98.0, -94.0, -90.0, -86.0]
    return [
        {
            "id": f"{rng.randrange(65536):04x}",
            "acceleration": {axis: rng.uniform(-2.5, 2.5) for axis in "xyz"},
            "rssi": {
                beacon: rng.choice(halves) if rng.random() < 0.3 else rng.uniform(-110, -30)
                for beacon in ("NW", "NE", "SE", "SW")
            },
            "tap": rng.random() < 0.5,
        }
        for _ in range(count)
    ]


def python_encode(values: dict[str, Any]) -> str:
    a, r = values["acceleration"], values["rssi"]
    return codec.encode(
        codec.Frame(
            values["id"],
            *(codec.accel_byte(a[axis]) for axis in "xyz"),
            *(codec.rssi_byte(r[beacon]) for beacon in ("NW", "NE", "SE", "SW")),
            tap=codec.TAP if values["tap"] else 0,
        )
    )


def test_libraries_work_as_browser_scripts_served_by_the_cdn(
    cdn: CdnServer, tmp_path: Path
) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the JS libraries cannot be tested")
    frames = random_frames(50)
    script = tmp_path / "page.js"
    script.write_text(SCRIPT)
    wire = [codec.encode(f) for f in frames]
    physical = random_physical(200)
    run = subprocess.run(
        [node, str(script), cdn.url, json.dumps(wire), json.dumps(physical)],
        capture_output=True,
        text=True,
        timeout=scaled(30),
        check=False,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["globals"] == ["HitloopDevice", "HitloopDeviceManager"]
    assert result["commandsUrl"] == f"{cdn.url}/static/commands.json"
    assert result["commands"] == 13
    assert result["ok"] == "led_set:3:ff0000"
    assert result["bad"] == "CommandError: led_set: parameter index must be <= 5"
    for frame, text, js in zip(frames, wire, result["decoded"], strict=True):
        assert js["id"] == frame.device_id
        assert js["frame"] == text
        assert js["tap"] == frame.tapped
        for axis, raw in zip("xyz", (frame.ax, frame.ay, frame.az), strict=True):
            assert js["acceleration"][axis] == pytest.approx(codec.accel_g(raw))
        for beacon, raw in zip(
            ("NW", "NE", "SE", "SW"), (frame.d_nw, frame.d_ne, frame.d_se, frame.d_sw), strict=True
        ):
            assert js["rssi"][beacon] == pytest.approx(codec.rssi_dbm(raw))
            assert js["raw"][f"d{beacon}"] == raw
    assert result["roundTrip"] == wire
    assert result["encoded"] == [python_encode(values) for values in physical]
