"""Idle-connection flood against the hub: many WebSocket connections that upgrade and then sit.

`IdleSocketFlood(host, port, n, source)` opens `n` connections from the loopback address `source`
(any 127.x.y.z works on Linux, so a test can flood from one address and stay legitimate from
another), sends each a WebSocket upgrade request and keeps the upgraded ones open without
reading. It counts what the hub answered: `upgraded` (101), `refused` (the hub's 503 at
accept), `closed` (closed or reset before any answer) and `failed` (could not connect).
`flood_in_processes` spreads a flood too large for one process's descriptor limit over
several processes.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import multiprocessing
import os
from dataclasses import dataclass, field

from grouploop import fds

#: Descriptors a flooding process keeps for itself.
SPARE_FDS = 64


@dataclass
class IdleSocketFlood:
    host: str
    port: int
    n: int
    source: str = "127.0.0.1"
    upgraded: int = 0
    refused: int = 0
    closed: int = 0
    failed: int = 0
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)

    async def open(self, batch: int = 200, timeout: float = 10.0) -> None:
        """Open every connection, `batch` at a time (the accept queue is not overrun)."""
        fds.raise_soft_limit(min(self.n + SPARE_FDS, _hard_limit()))
        for start in range(0, self.n, batch):
            count = min(batch, self.n - start)
            await asyncio.gather(*(self._one(timeout) for _ in range(count)))

    async def _one(self, timeout: float) -> None:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port, local_addr=(self.source, 0)),
                timeout,
            )
        except (OSError, TimeoutError):
            self.failed += 1
            return
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            f"GET / HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        try:
            status = await asyncio.wait_for(reader.readline(), timeout)
        except (OSError, TimeoutError):
            status = b""
        if b" 101 " in status:
            self.upgraded += 1
            self._writers.append(writer)  # idle from now on: never read, never written
            return
        if b" 503 " in status:
            self.refused += 1
        else:
            self.closed += 1
        writer.close()

    async def close(self) -> None:
        writers, self._writers = self._writers, []
        for writer in writers:
            writer.close()
        for writer in writers:
            with contextlib.suppress(OSError):
                await writer.wait_closed()


def _hard_limit() -> int:
    import resource

    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    return hard if hard != resource.RLIM_INFINITY else 1 << 20


def _flood_process(
    host: str, port: int, n: int, source: str, pipe: multiprocessing.connection.Connection
) -> None:
    """One flooding process: open, report the counts, hold until told, close, report done."""

    async def run() -> None:
        flood = IdleSocketFlood(host, port, n, source)
        await flood.open()
        pipe.send((flood.upgraded, flood.refused, flood.closed + flood.failed))
        await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
        await flood.close()
        pipe.send("closed")

    asyncio.run(run())


class ProcessFlood:
    """A flood of `n` connections from `processes` processes (each within its fd limit)."""

    def __init__(self, host: str, port: int, n: int, processes: int, source: str = "127.0.0.1"):
        ctx = multiprocessing.get_context("spawn")
        share = -(-n // processes)
        self._pipes = []
        self._procs = []
        for i in range(processes):
            count = min(share, n - i * share)
            parent, child = ctx.Pipe()
            proc = ctx.Process(
                target=_flood_process, args=(host, port, count, source, child), daemon=True
            )
            proc.start()
            self._pipes.append(parent)
            self._procs.append(proc)

    def opened(self) -> tuple[int, int, int]:
        """Wait until every process opened its share: (upgraded, refused, closed or failed)."""
        totals = [0, 0, 0]
        for pipe in self._pipes:
            for i, value in enumerate(pipe.recv()):
                totals[i] += value
        return totals[0], totals[1], totals[2]

    def close(self, timeout: float = 60.0) -> None:
        for pipe in self._pipes:
            pipe.send("close")
        for pipe in self._pipes:
            if pipe.poll(timeout):
                pipe.recv()
        for proc in self._procs:
            proc.join(timeout)
            if proc.is_alive():
                proc.kill()
                proc.join()
