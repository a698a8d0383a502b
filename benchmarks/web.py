"""`python -m benchmarks.web` (the web row of `make perf`): the web apps with a swarm streaming.

Starts a real CDN, hub and `grouploop web`, and `grouploop emulate --devices N` (500 by
default, 20 Hz each), then opens each page that lists the devices in headless chromium
(Debian's, as the browser tests) and measures, once every device is listed:

- fps: requestAnimationFrame callbacks per second in the page over `--seconds`;
- click: milliseconds from a click to the first frame that shows its effect, measured in the
  page: sorting the list (socket client), selecting a device and a command's round trip to a
  device and back into its row (device control: `led_all_off`, then the LEDs column dark).

Printed, not asserted (the goal: at least 30 fps and under 100 ms). `--screenshots DIR` also
saves a screenshot of each page.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grouploop.services import Service, grouploop_argv, start

CHROMIUM = "/usr/bin/chromium"
GOAL_FPS = 30
GOAL_CLICK_MS = 100

# In the page: animation frames per second over `ms`.
FPS_JS = """ms => new Promise(resolve => {
  let frames = 0;
  const first = performance.now();
  const tick = now => {
    frames += 1;
    if (now - first < ms) requestAnimationFrame(tick);
    else resolve(frames * 1000 / (now - first));
  };
  requestAnimationFrame(tick);
})"""

# In the page: click `selector`, then the ms until the first animation frame in which
# `shown()` (a function body returning a boolean) holds, at most `limit` ms.
CLICK_JS = """([selector, shown, limit]) => new Promise(resolve => {
  const done = new Function(shown);
  const target = document.querySelector(selector);
  const first = performance.now();
  target.click();
  const check = now => {
    if (done()) resolve(performance.now() - first);
    else if (now - first > limit) resolve(null);
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})"""

FIRST_ROW = "document.querySelector('#devices tbody tr[data-device]')"
FIRST_LEDS = f"{FIRST_ROW}.querySelector('[data-field=\"leds\"]').dataset.leds || ''"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.web", description=__doc__)
    parser.add_argument("--devices", type=int, default=500, help="emulated devices (500)")
    parser.add_argument("--processes", type=int, default=2, help="swarm processes (2)")
    parser.add_argument("--seconds", type=float, default=4.0, help="fps window (4 s)")
    parser.add_argument("--screenshots", type=Path, help="save a screenshot of each page here")
    return parser.parse_args(argv)


def _json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def _click(page: Any, selector: str, shown: str, limit_ms: float = 5000) -> float | None:
    result = page.evaluate(CLICK_JS, [selector, shown, limit_ms])
    return None if result is None else float(result)


def _measure(page: Any, app: str, seconds: float) -> dict[str, float | None]:
    fps = float(page.evaluate(FPS_JS, seconds * 1000))
    if app == "socket-client":
        before = page.evaluate(f"{FIRST_ROW}.dataset.device")
        sort = _click(
            page,
            "#devices th:nth-child(1) button.sort",
            f"return {FIRST_ROW}.dataset.device !== {json.dumps(before)};",
        )
        return {"fps": fps, "sort click": sort}
    select = _click(
        page,
        "#devices tbody tr[data-device] input[type=checkbox]",
        "return document.getElementById('target-summary').textContent.startsWith('1 device');",
    )
    # The round trip: page → hub → device → answer → row. Light the LEDs first.
    page.fill("#color", "#ffffff")
    _click(page, "#send-color", f"return !/^(000000,?)+$/.test({FIRST_LEDS});")
    command = _click(page, "#send-all-off", f"return /^(000000,?)+$/.test({FIRST_LEDS});")
    return {"fps": fps, "select click": select, "command round trip": command}


def _row(app: str, devices: int, values: dict[str, float | None]) -> str:
    def ms(value: float | None) -> str:
        if value is None:
            return "  (no effect)"
        flag = "" if value < GOAL_CLICK_MS else " (over the goal)"
        return f"{value:6.0f} ms{flag}"

    fps = values.pop("fps") or 0.0
    clicks = ", ".join(f"{name} {ms(value)}" for name, value in values.items())
    flag = "" if fps >= GOAL_FPS else " (under the goal)"
    return f"{app:<16} {devices:>7} {fps:6.1f}{flag}   {clicks}"


def run(args: argparse.Namespace) -> int:
    chromium = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        chromium = None
    if chromium is None:
        print("web: skipped (needs Playwright and Debian's chromium: make setup browser)")
        return 0
    started: list[Service] = []
    with tempfile.TemporaryDirectory(prefix="grouploop-web-perf-") as tmp:
        logs = Path(tmp)

        def service(name: str, *argv: str) -> Service:
            started.append(start(name, grouploop_argv(*argv), log_path=logs / f"{name}.log"))
            return started[-1]

        try:
            cdn = service("cdn", "cdn", "--host", "127.0.0.1", "--port", "0")
            # --open: the machine's credential file, if any, must not lock the page out.
            hub = service(
                "hub", "hub", "--host", "127.0.0.1", "--port", "0", "--open", "--cdn-url", cdn.url
            )  # fmt: skip
            web = service(
                "web", "web", "--host", "127.0.0.1", "--any-ports", "--hub-url", hub.url,
                "--cdn-url", cdn.url,
            )  # fmt: skip
            service(
                "emulate", "emulate", "--hub", hub.url, "--devices", str(args.devices),
                "--processes", str(args.processes), "--summary", "60",
            )  # fmt: skip
            apps = _json(web.url + "apps.json")
            print(f"web apps with {args.devices} emulated devices streaming at 20 Hz")
            print(f"{'page':<16} {'devices':>7} {'fps':>6}   time from a click to its effect")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium, headless=True, args=["--no-sandbox"]
                )
                try:
                    for app in ("socket-client", "device-control"):
                        page = browser.new_page(viewport={"width": 1280, "height": 900})
                        page.set_default_timeout(120_000)
                        page.goto(apps[app])
                        page.wait_for_function(
                            "n => document.getElementById('device-count').textContent === `(${n})`",
                            arg=args.devices,
                            timeout=120_000,
                        )
                        time.sleep(2)  # the first status answers of every device come in
                        if args.screenshots:  # before the clicks change what the page shows
                            args.screenshots.mkdir(parents=True, exist_ok=True)
                            path = args.screenshots / f"{app}-{args.devices}.png"
                            page.screenshot(path=str(path))
                        print(_row(app, args.devices, _measure(page, app, args.seconds)))
                        page.close()
                finally:
                    browser.close()
        finally:
            for running in reversed(started):
                running.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run(parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
