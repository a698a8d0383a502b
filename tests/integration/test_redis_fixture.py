"""The `redis_server` fixture the cluster tests stand on: a real server, killed and restarted."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
import redis.asyncio

from grouploop.redis_server import answers_ping
from tests.fixtures.redis import RedisServer, require_redis


async def test_it_answers_at_its_url_on_loopback_without_persistence(
    redis_server: RedisServer,
) -> None:
    assert redis_server.url == f"redis://127.0.0.1:{redis_server.port}/0"
    client = redis.asyncio.Redis.from_url(redis_server.url)
    try:
        assert await client.ping() is True
        config = await client.config_get("*")
        assert config["bind"] == "127.0.0.1"
        assert config["save"] == "" and config["appendonly"] == "no"
        assert Path(config["dir"]) == redis_server.folder.resolve()
    finally:
        await client.aclose()


def test_kill_drops_it_and_restart_brings_it_back_on_the_same_port_empty(
    redis_server: RedisServer,
) -> None:
    client = redis.Redis.from_url(redis_server.url, socket_timeout=2)
    try:
        client.set("key", "value")
        port, pid = redis_server.port, redis_server.service.process.pid
        redis_server.kill()
        assert redis_server.service.process.returncode == -9
        assert not answers_ping(port)
        with pytest.raises(redis.ConnectionError):
            client.ping()
        redis_server.restart()
        assert redis_server.port == port and redis_server.service.process.pid != pid
        assert client.ping() is True  # the client reconnects to the same URL
        assert client.get("key") is None  # nothing was persisted
    finally:
        client.close()


def test_a_missing_redis_server_skips_locally_and_fails_in_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no redis-server on it
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install redis-server"):
        require_redis()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install redis-server"):
        require_redis()
