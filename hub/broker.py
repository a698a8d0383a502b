"""The hub's link to the other hubs of its cluster through Redis (`--broker`): the one module that
talks to Redis, with redis-py's asyncio client (hiredis parses the replies).

It moves `hub.cluster`'s payloads and nothing else: after every flush tick the outbox goes out in
one pipeline (one round trip, one stream publish per tick); every payload on `<cluster>:hub:*`
goes to the core (`HubCore.cluster_receive`); every second a heartbeat, the hubs' expiry and a
PING whose round trip `/metrics` shows. A hub gaining its first stream subscriber, or losing its
last, says so at once, so the others start or stop publishing frames.

When Redis is unreachable (refused, reset, a PING unanswered for 2 s) the hub goes on serving
its own devices and subscribers (degraded: `/healthz/cluster` answers 503), tries again after a
capped, jittered backoff (0.5 s doubling to 5 s), and rejoins by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Hashable, Sequence

import redis.asyncio as redis
from redis.exceptions import RedisError

from hub.cluster import HEARTBEAT_INTERVAL, Cluster
from hub.core import HubCore

log = logging.getLogger("hub")

BACKOFF_START_S = 0.5
BACKOFF_CAP_S = 5.0
#: A PING unanswered this long means the broker is gone.
PING_TIMEOUT_S = 2.0
#: Seconds `leave` waits for the goodbye to be published.
LEAVE_TIMEOUT_S = 1.0

Sends = Sequence[tuple[Hashable, str]]


class Broker:
    def __init__(self, core: HubCore, url: str, send: Callable[[Sends], None]) -> None:
        """`send` writes the core's sends (the transport's `HubServerBase.send`)."""
        assert core.cluster is not None
        self.core = core
        self.cluster: Cluster = core.cluster
        self.url = url
        self.send = send
        self._wake = asyncio.Event()
        self._had_subscribers = False
        self._client: redis.Redis | None = None

    def tick(self) -> None:
        """After every flush: publish what the tick produced."""
        cluster = self.cluster
        if not cluster.joined:
            return
        subscribers = bool(self.core.fanout.subscribers)
        if subscribers != self._had_subscribers:
            self._had_subscribers = subscribers
            self.core.cluster_heartbeat(time.monotonic())
        if cluster.outbox:
            self._wake.set()

    async def run(self) -> None:
        """Join the cluster and stay in it until cancelled, rejoining after every loss."""
        delay = BACKOFF_START_S
        ever_joined = False
        while True:
            reason = "session ended"
            try:
                await self._session(ever_joined)
            except (RedisError, OSError, TimeoutError) as exc:
                reason = str(exc) or type(exc).__name__
            except Exception as exc:  # a bug must cost a rejoin, never the cluster for good
                log.exception("[CLUSTER] broker link failed")
                reason = f"{type(exc).__name__}: {exc}"
            now = time.monotonic()
            if self.cluster.joined:
                ever_joined = True
                delay = BACKOFF_START_S
                self.core.cluster_lost(now)
                log.warning(
                    "[CLUSTER] broker lost (%s): serving local devices only, retrying", reason
                )
            else:
                log.info("[CLUSTER] broker %s unreachable (%s), retrying", _shown(self.url), reason)
            await asyncio.sleep(random.uniform(delay / 2, delay))
            delay = min(delay * 2, BACKOFF_CAP_S)

    async def leave(self) -> None:
        """At shutdown: tell the others at once, rather than letting them time out."""
        client = self._client
        if client is None or not self.cluster.joined:
            return
        self.cluster.stopping()
        with contextlib.suppress(RedisError, OSError, TimeoutError):
            async with asyncio.timeout(LEAVE_TIMEOUT_S):
                await self._publish(client, self.cluster.take_outbox())

    async def _session(self, rejoining: bool) -> None:
        client = redis.Redis.from_url(self.url, socket_connect_timeout=PING_TIMEOUT_S)
        pubsub = client.pubsub()
        tasks: list[asyncio.Task[None]] = []
        try:
            await pubsub.psubscribe(self.cluster.pattern)
            async with asyncio.timeout(PING_TIMEOUT_S):
                await _subscribed(pubsub)  # raises when refused (an ACL without the channels)
                await client.ping()
            self._client = client
            self._had_subscribers = bool(self.core.fanout.subscribers)
            self.core.cluster_joined(time.monotonic())
            if rejoining:
                self.cluster.stats.reconnects += 1
            log.info(
                "[CLUSTER] joined %s as hub %s through %s",
                self.cluster.cluster,
                self.cluster.name,
                _shown(self.url),
            )
            tasks = [
                asyncio.create_task(self._read(pubsub)),
                asyncio.create_task(self._publisher(client)),
                asyncio.create_task(self._heartbeat(client)),
            ]
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()  # raises what ended the session
        finally:
            self._client = None
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            with contextlib.suppress(RedisError, OSError):
                await pubsub.aclose()
            with contextlib.suppress(RedisError, OSError):
                await client.aclose()

    async def _read(self, pubsub: redis.client.PubSub) -> None:
        core = self.core
        send = self.send
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message is None or message["type"] != "pmessage":
                continue
            channel = message["channel"].decode(errors="replace")
            sends = core.cluster_receive(channel, message["data"], time.monotonic())
            if sends:
                send(sends)

    async def _publisher(self, client: redis.Redis) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            payloads = self.cluster.take_outbox()
            if payloads:
                await self._publish(client, payloads)

    async def _publish(self, client: redis.Redis, payloads: list[bytes]) -> None:
        channel = self.cluster.channel
        async with client.pipeline(transaction=False) as pipe:
            for payload in payloads:
                pipe.publish(channel, payload)
            await pipe.execute()
        stats = self.cluster.stats
        stats.published += len(payloads)
        stats.published_bytes += sum(map(len, payloads))

    async def _heartbeat(self, client: redis.Redis) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_INTERVAL)
            started = time.monotonic()
            async with asyncio.timeout(PING_TIMEOUT_S):
                await client.ping()
            now = time.monotonic()
            self.cluster.stats.round_trip_s = now - started
            self.core.cluster_heartbeat(now)
            self._wake.set()


async def _subscribed(pubsub: redis.client.PubSub) -> None:
    """Wait for Redis to confirm the pattern subscription."""
    while True:
        message = await pubsub.get_message(timeout=PING_TIMEOUT_S)
        if message is not None and message["type"] == "psubscribe":
            return


def _shown(url: str) -> str:
    """The broker URL without its password, for the log."""
    scheme, sep, rest = url.partition("://")
    _, at, host = rest.rpartition("@")
    return f"{scheme}{sep}***@{host}" if at else url
