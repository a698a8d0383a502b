"""The soak (`make soak`, `SOAK_MINUTES=30`): the whole system for a long while, under load.

A real CDN (one signed stand-in app image published), a real hub, `--devices` emulated
devices running the real firmware core (`grouploop emulate`, `--processes` processes),
`--subscribers` stream subscribers, a `cmd:all:status` every second and an OTA
(`cmd:<id>:ota:<image url>`) to one device every `--ota-every` seconds (the first at half
that, or half the run if shorter).

Reported at the end:

- frames lost: each subscriber's frame count against the hub's `frames_received_total` over
  the same span (the subscribers connect before the devices and the devices stop before the
  count is read, so every frame the hub received should have reached every subscriber), and
  the hub's own drops (rate-limited lines, subscriber overflow). Frames a device never sent
  while it was reconnecting (after an OTA) are outside this count: reconnects are listed
  (`grouploop_hub_connections_total` beyond the first connections);
- memory: the RSS of the hub, the CDN, the swarm (its processes summed) and this driver, every
  `--sample` seconds; flat means the last sample is within a few MB of the first one after
  the warm-up.

Exit status 1 when a frame was lost or a process's memory grew by more than `--max-growth`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from websockets.asyncio.client import ClientConnection, connect

from emulator.swarm import mac_for
from grouploop import signing
from grouploop.esp.image import write_stand_in_image
from grouploop.frame import is_frame
from grouploop.services import Service, grouploop_argv, start

SEED = "soak"
BOARD = "seeed_xiao_esp32c3"
#: The OTA image's version: newer than any device's.
VERSION = "99.0.0"


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__)
    p.add_argument("--minutes", type=float, default=30.0, help="length of the run (30)")
    p.add_argument("--devices", type=int, default=500)
    p.add_argument("--processes", type=int, default=2, help="emulator processes (2)")
    p.add_argument("--subscribers", type=int, default=5)
    p.add_argument("--ota-every", type=float, default=300.0, help="seconds between OTAs (300)")
    p.add_argument("--sample", type=float, default=0.0, help="s between RSS samples (run/10)")
    p.add_argument("--warmup", type=float, default=20.0, help="s before the first RSS sample")
    p.add_argument("--max-growth", type=float, default=20.0, help="MB a process may grow")
    return p.parse_args(argv)


@dataclass
class Subscriber:
    frames: int = 0
    answers: int = 0
    ota_results: list[str] = field(default_factory=list)

    async def run(self, ws: ClientConnection) -> None:
        async for message in ws:
            for line in str(message).split("\n"):
                if is_frame(line):
                    self.frames += 1
                elif line.startswith("ans:"):
                    self.answers += 1
                    if '"cmd":"ota' in line:  # the ota command's answer, then its result
                        self.ota_results.append(line)


def _metrics(http_url: str) -> dict[str, float]:
    with urllib.request.urlopen(http_url + "/metrics", timeout=10) as response:
        text = response.read().decode()
    values = {}
    for line in text.splitlines():
        match = re.match(r"^(grouploop_hub_[a-z_]+(?:\{[^}]*\})?) (\S+)$", line)
        if match:
            values[match.group(1)] = float(match.group(2))
    return values


def _rss_mb(service: Service) -> float:
    root = psutil.Process(service.process.pid)
    total = 0
    for p in [root, *root.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / 2**20


def _publish(folder: Path) -> None:
    """Publish a signed stand-in app image; the devices started later trust its key (as a firmware
    build compiles `firmware/keys/` in)."""
    from cdn import manifest

    key = signing.create_key(folder / "private" / signing.KEY_FILE_NAME)
    signing.export_public_key(key, folder / "trusted")
    os.environ[signing.SIGNING_KEY_ENV] = str(key.path)
    os.environ[signing.TRUSTED_KEYS_ENV] = str(folder / "trusted")
    image = folder / "image.bin"
    # An app image the devices accept: ESP format, a version above theirs (no downgrade).
    write_stand_in_image(image, VERSION, BOARD)
    manifest.publish(
        image,
        folder / "firmware",
        board=BOARD,
        version=VERSION,
        stand_in=True,
        name="soak.bin",
        key=key,
    )


async def _commander(
    url: str, image_url: str, args: argparse.Namespace, end: float, results: dict[str, int]
) -> None:
    """A `cmd:all:status` every second; an OTA to one device every `--ota-every` seconds."""
    ids = [mac_for(SEED, i)[-2:].hex() for i in range(args.devices)]
    duration = end - time.monotonic()
    next_ota = time.monotonic() + min(args.ota_every, duration) / 2
    async with connect(url) as ws:
        await ws.recv()  # the greeting
        while time.monotonic() < end:
            await ws.send("cmd:all:status")
            if time.monotonic() >= next_ota:
                target = random.choice(ids)
                await ws.send(f"cmd:{target}:ota:{image_url}")
                results["ota_sent"] += 1
                next_ota += args.ota_every
            deadline = time.monotonic() + 1.0
            while (left := deadline - time.monotonic()) > 0:
                try:
                    answer = await asyncio.wait_for(ws.recv(), left)
                except TimeoutError:
                    break
                key = str(answer).split(":")[1] if ":" in str(answer) else str(answer)
                results[key] = results.get(key, 0) + 1


async def _run(args: argparse.Namespace, hub: Service, cdn: Service, folder: Path) -> int:
    http_url = hub.url.replace("ws://", "http://")
    subscribers = [Subscriber() for _ in range(args.subscribers)]
    sockets = [await connect(hub.url, max_queue=None, max_size=None) for _ in subscribers]
    readers = []
    for sub, ws in zip(subscribers, sockets, strict=True):
        await ws.recv()  # the greeting
        await ws.send("s")
        readers.append(asyncio.create_task(sub.run(ws)))
    before = _metrics(http_url)
    swarm = start(
        "emulate",
        grouploop_argv(
            "emulate",
            "--hub",
            hub.url,
            "--devices",
            str(args.devices),
            "--processes",
            str(args.processes),
            "--seed",
            SEED,
            "--summary",
            "60",
            "--cdn",
            cdn.url,  # their cdn_url: OTA images are allowed from its origin only
        ),
        log_path=folder / "emulate.log",
        timeout=120,
    )
    duration = args.minutes * 60
    sample_every = args.sample or max(5.0, (duration - args.warmup) / 10)
    processes = {"hub": hub, "cdn": cdn, "swarm": swarm}
    samples: list[tuple[float, dict[str, float]]] = []
    results: dict[str, int] = {"ota_sent": 0}
    started = time.monotonic()
    end = started + duration
    commander = asyncio.create_task(
        _commander(hub.url, f"{cdn.url}/firmware/soak.bin", args, end, results)
    )
    try:
        next_sample = started + args.warmup
        while time.monotonic() < end:
            await asyncio.sleep(min(1.0, max(0.0, end - time.monotonic())))
            if time.monotonic() >= next_sample:
                rss = {name: _rss_mb(service) for name, service in processes.items()}
                rss["driver"] = psutil.Process().memory_info().rss / 2**20
                samples.append((time.monotonic() - started, rss))
                print(
                    f"  {samples[-1][0]:6.0f} s  "
                    + "  ".join(f"{k} {v:6.1f} MB" for k, v in rss.items()),
                    flush=True,
                )
                next_sample += sample_every
        await commander
    finally:
        swarm.stop()
    await asyncio.sleep(2.0)  # the last batches reach the subscribers
    after = _metrics(http_url)
    for ws in sockets:
        await ws.close()
    await asyncio.gather(*readers, return_exceptions=True)
    return _report(args, before, after, subscribers, samples, results)


def _delta(before: dict[str, float], after: dict[str, float], name: str) -> float:
    return after.get(name, 0.0) - before.get(name, 0.0)


def _report(
    args: argparse.Namespace,
    before: dict[str, float],
    after: dict[str, float],
    subscribers: list[Subscriber],
    samples: list[tuple[float, dict[str, float]]],
    results: dict[str, int],
) -> int:
    received = _delta(before, after, "grouploop_hub_frames_received_total")
    dropped = _delta(before, after, "grouploop_hub_lines_rate_limited_total") + _delta(
        before, after, "grouploop_hub_stream_lines_dropped_overflow_total"
    )
    connections = _delta(before, after, "grouploop_hub_connections_total")
    reconnects = connections - args.devices - 1  # the devices' first connections, the commander
    lost = [int(received - s.frames) for s in subscribers]
    print(
        f"\n{args.minutes:g} min, {args.devices} devices, {args.subscribers} subscribers: "
        f"hub received {received:.0f} frames ({received / (args.minutes * 60):.0f}/s); "
        f"frames lost per subscriber {lost}; hub drops {dropped:.0f}; "
        f"device reconnects {reconnects:.0f}"
    )
    ota = subscribers[0].ota_results
    results_seen = [line for line in ota if '"ota_result"' in line]
    ota_ok = sum('"ok":true' in line for line in results_seen)
    print(
        f"commands: {results}; OTA results seen: {len(results_seen)} ({ota_ok} succeeded)"
        + (f"; last OTA answer: {ota[-1]}" if ota else "")
    )
    ok = not any(lost) and not dropped
    if len(samples) >= 2:
        first, last = samples[0][1], samples[-1][1]
        for name in first:
            growth = last[name] - first[name]
            peak = max(s[1][name] for s in samples)
            print(
                f"memory {name:6}: {first[name]:6.1f} MB at {samples[0][0]:.0f} s -> "
                f"{last[name]:6.1f} MB at {samples[-1][0]:.0f} s (peak {peak:.1f}, "
                f"growth {growth:+.1f} MB)"
            )
            ok = ok and growth <= args.max_growth
    return 0 if ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    with tempfile.TemporaryDirectory(prefix="grouploop-soak-") as tmp:
        folder = Path(tmp)
        _publish(folder)
        cdn = start(
            "cdn",
            grouploop_argv(
                "cdn",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--firmware-dir",
                str(folder / "firmware"),
            ),
            log_path=folder / "cdn.log",
        )
        hub = None
        try:
            hub = start(
                "hub",
                grouploop_argv("hub", "--host", "127.0.0.1", "--port", "0", "--cdn-url", cdn.url),
                log_path=folder / "hub.log",
                timeout=60,
            )
            print(
                f"soak: {args.minutes:g} min, {args.devices} devices, {args.subscribers} "
                f"subscribers, hub {hub.url}, CDN {cdn.url}",
                flush=True,
            )
            status = asyncio.run(_run(args, hub, cdn, folder))
        finally:
            if hub is not None:
                hub.stop()
            cdn.stop()
            log = (folder / "hub.log").read_text("utf-8", errors="replace")
            print(f"hub log: {len(log.splitlines())} lines, {log.count('Traceback')} tracebacks")
    return status


if __name__ == "__main__":
    sys.exit(main())
