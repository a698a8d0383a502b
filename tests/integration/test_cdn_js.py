"""The JS libraries as a browser gets them: fetched from a real CDN, run as plain scripts.

node loads /js/HitloopDevice.js and /js/HitloopDeviceManager.js over HTTP into a fresh
global context (no CommonJS `module`, `document.currentScript` set as a page would), loads
commands.json from the CDN the script came from, and decodes frames that the Python codec
(grouploop.frame) encoded: the two codecs must agree.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from grouploop import frame as codec
from tests.fixtures.cdn import CdnServer
from tests.support.timing import scaled

SCRIPT = r"""
const vm = require('node:vm');
const [base, framesJson] = process.argv.slice(2);
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
  const decoded = JSON.parse(framesJson).map((f) => page.HitloopDevice.decodeFrame(f));
  console.log(JSON.stringify({
    globals: ['HitloopDevice', 'HitloopDeviceManager'].filter((n) => typeof page[n] === 'function'),
    commandsUrl: m.commandsUrl,
    commands: Object.keys(table.commands).length,
    ok: format('led_set', 3, 'ff0000'),
    bad: format('led_set', 9, 'ff0000'),
    decoded,
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
    run = subprocess.run(
        [node, str(script), cdn.url, json.dumps(wire)],
        capture_output=True,
        text=True,
        timeout=scaled(30),
        check=False,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["globals"] == ["HitloopDevice", "HitloopDeviceManager"]
    assert result["commandsUrl"] == f"{cdn.url}/static/commands.json"
    assert result["commands"] == 12
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
