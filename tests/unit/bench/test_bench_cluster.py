"""Without redis-server the bench's cluster pass is skipped with the reason, or fails under CI."""

from pathlib import Path

import pytest

from bench.cluster import unavailable


def test_without_redis_server_the_pass_is_skipped_and_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no redis-server on it
    monkeypatch.delenv("CI", raising=False)
    run = unavailable()
    assert run is not None and run.ok and not run.error
    assert run.skipped.startswith("redis-server is not installed: sudo apt-get install")


def test_without_redis_server_under_ci_the_pass_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("CI", "true")
    run = unavailable()
    assert run is not None and not run.ok and not run.skipped
    assert "redis-server is not installed" in run.error and "CI=true" in run.error


def test_with_redis_server_the_pass_can_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "redis-server").write_text("#!/bin/sh\n")
    (tmp_path / "redis-server").chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("CI", "true")
    assert unavailable() is None
