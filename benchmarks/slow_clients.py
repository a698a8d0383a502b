"""Slow-client flood against the CDN: legit download latency while N connections trickle headers.

A slowloris client opens a connection, sends a request line and then one header line every
`interval` seconds, never finishing its request. `SlowClientFlood` keeps `n` of them open from this
process (all from 127.0.0.1); `timed_download` is the legitimate client (manifest + firmware
image, as a device does for OTA) and returns how long it took.

`python -m benchmarks.slow_clients` (`make chaos`) starts a real `grouploop cdn`, publishes a
1 MiB image and prints the download latency without and with 1,000 slow clients.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import ssl
import statistics
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from grouploop import fds

#: Descriptors this process needs besides the flood's sockets (stdio, the event loop, logs).
SPARE_FDS = 64


@dataclass
class SlowClientFlood:
    """`n` slow clients against host:port, each sending a header line every `interval` s."""

    host: str
    port: int
    n: int
    interval: float = 5.0
    ssl_context: ssl.SSLContext | None = None
    connected: int = 0
    #: Connections the server closed while they trickled (its header timeout at work).
    closed_by_server: int = 0
    failed: int = 0
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self, connect_timeout: float = 30.0) -> None:
        """Open every connection (in batches, so the accept queue is not overrun)."""
        fds.raise_soft_limit(self.n + SPARE_FDS)
        opened = asyncio.Event()
        for i in range(self.n):
            self._tasks.append(asyncio.create_task(self._client(i, opened)))
            if i % 100 == 99:
                await asyncio.sleep(0.05)
        deadline = time.monotonic() + connect_timeout
        while self.connected + self.failed < self.n and time.monotonic() < deadline:
            opened.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(opened.wait(), max(0.0, deadline - time.monotonic()))

    async def _client(self, i: int, opened: asyncio.Event) -> None:
        writer = None
        try:
            reader, writer = await asyncio.open_connection(
                self.host, self.port, ssl=self.ssl_context
            )
            writer.write(f"GET /firmware/manifest.json HTTP/1.1\r\nHost: {self.host}\r\n".encode())
            await writer.drain()
            self.connected += 1
            opened.set()
            line = 0
            while True:
                # The server may answer (408) or close: that ends this client's trickle.
                try:
                    data = await asyncio.wait_for(reader.read(1024), self.interval)
                except TimeoutError:
                    data = None
                if data == b"" or (data and not reader.at_eof() and b"HTTP/" in data):
                    self.closed_by_server += 1
                    return
                line += 1
                writer.write(f"X-Slow-{line}: {i}\r\n".encode())
                await writer.drain()
        except (OSError, ssl.SSLError):
            if writer is None:
                self.failed += 1
                opened.set()
            else:
                self.closed_by_server += 1
        finally:
            if writer is not None:
                writer.close()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()


def timed_download(
    base_url: str, image: str, ssl_context: ssl.SSLContext | None = None, timeout: float = 60.0
) -> float:
    """Seconds to fetch the manifest and `image` (checked against the manifest's size)."""
    start = time.monotonic()
    with urllib.request.urlopen(
        f"{base_url}/firmware/manifest.json", timeout=timeout, context=ssl_context
    ) as response:
        builds = json.loads(response.read())["builds"]
    size = next(b["size"] for b in builds if b["file"] == image)
    with urllib.request.urlopen(
        f"{base_url}/firmware/{image}", timeout=timeout, context=ssl_context
    ) as response:
        body = response.read()
    if len(body) != size:
        raise RuntimeError(f"short download: {len(body)} of {size} bytes")
    return time.monotonic() - start


async def latencies(
    base_url: str, image: str, count: int, ssl_context: ssl.SSLContext | None, timeout: float
) -> list[float]:
    """`count` sequential downloads (off the event loop that keeps the flood going); a
    download that fails or times out counts as infinitely slow."""
    values = []
    for _ in range(count):
        try:
            values.append(
                await asyncio.to_thread(timed_download, base_url, image, ssl_context, timeout)
            )
        except (OSError, TimeoutError):
            values.append(math.inf)
    return values


def _ms(seconds: float) -> str:
    return "  timeout" if math.isinf(seconds) else f"{seconds * 1000:6.1f} ms"


def _row(label: str, values: list[float]) -> str:
    return f"{label:<34} median {_ms(statistics.median(values))}   max {_ms(max(values))}"


async def _measure(args: argparse.Namespace, base_url: str, image: str) -> None:
    parts = urlsplit(base_url)
    assert parts.hostname is not None and parts.port is not None
    clients, interval, rounds = args.clients, args.interval, args.rounds

    async def measure() -> list[float]:
        return await latencies(base_url, image, rounds, None, args.timeout)

    await measure()  # warm-up: first requests pay for imports and caches
    print(_row("no flood", await measure()), flush=True)
    flood = SlowClientFlood(parts.hostname, parts.port, clients, interval)
    await flood.start()
    try:
        print(f"flood: {flood.connected} connected, {flood.failed} refused", flush=True)
        print(_row(f"{clients} slow clients", await measure()), flush=True)
        await asyncio.sleep(interval * 2)
        values = await measure()
        print(_row(f"{clients} slow clients, {interval * 2:.0f} s later", values), flush=True)
        print(f"flood: {flood.closed_by_server} closed by the server", flush=True)
    finally:
        await flood.stop()


def main() -> None:
    from cdn import manifest
    from grouploop import signing
    from grouploop.services import grouploop_argv, start

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=5.0, help="s between header lines")
    parser.add_argument("--rounds", type=int, default=5, help="downloads per measurement")
    parser.add_argument("--timeout", type=float, default=10.0, help="s before a download fails")
    parser.add_argument("--cdn-url", help="measure this running CDN instead of starting one")
    parser.add_argument("--image", default="fw.bin", help="image on --cdn-url to download")
    args = parser.parse_args()
    if args.cdn_url:
        asyncio.run(_measure(args, args.cdn_url.rstrip("/"), args.image))
        return
    with tempfile.TemporaryDirectory() as tmp:
        firmware = Path(tmp) / "firmware"
        source = Path(tmp) / "image.bin"
        source.write_bytes(bytes(range(256)) * 4096)  # 1 MiB
        manifest.publish(
            source,
            firmware,
            board="seeed_xiao_esp32c3",
            version="1.0.0",
            stand_in=True,
            name="fw.bin",
            key=signing.create_key(Path(tmp) / "signing-key.pem"),  # a throwaway key
        )
        service = start(
            "cdn",
            grouploop_argv(
                "cdn", "--host", "127.0.0.1", "--port", "0", "--firmware-dir", str(firmware)
            ),
            log_path=Path(tmp) / "cdn.log",
        )
        try:
            print(f"CDN {service.url}: 1 MiB image, {args.clients} slow clients from 127.0.0.1")
            asyncio.run(_measure(args, service.url, "fw.bin"))
        finally:
            service.stop()


if __name__ == "__main__":
    main()
