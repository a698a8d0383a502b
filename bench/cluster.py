"""The bench's cluster pass: the HIL suites once more on a 2-hub cluster, a board on hub A
commanded and watched from hub B, so every command crosses hubs and every frame and answer
comes back across (issue 11; docs/bench.md).

The cluster is the bench's own: a private redis-server (free port, temporary folder, no
persistence; `grouploop.redis_server`) and two hubs joined through it, with auth on and one
credential file between them, stopped when the pass ends. Without redis-server the pass is
skipped with the reason, except under CI=true, where that fails the bench.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench import suites
from bench.auth import BenchAuth
from bench.build import BuildOutput
from bench.report import ClusterRun
from bench.resources import Target
from grouploop import redis_server
from grouploop.services import ServiceError, grouploop_argv, start

#: The boards' hub and the suites' client's hub.
BOARD_HUB, CLIENT_HUB = "hub-a", "hub-b"
#: Seconds for the two hubs to see each other through Redis once both listen.
JOIN_TIMEOUT_S = 10.0
#: Suites that never use the bench's hub: pytest-embedded's, on boards of their own.
NO_HUB = ("tests/hil/embedded",)


@dataclass(frozen=True)
class BenchCluster:
    board_hub: str  # URL of hub A
    client_hub: str  # URL of hub B
    broker: str  # redis://…
    auth: BenchAuth  # both hubs' credentials


@contextlib.contextmanager
def bench_cluster(
    logs: Path, cdn_url: str, hub_args: list[str], ca_pem: str = ""
) -> Iterator[BenchCluster]:
    """Redis, then hubs A and B in its cluster (`hub_args`: TLS and the like, as the bench's own
    hub has them), their logs and credential file in `logs`; all stopped when the block ends.
    Raises ServiceError when one does not start or the hubs do not join."""
    logs.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gl-bench-redis-")))
        redis = redis_server.start_redis(folder, log_path=logs / "redis.log")
        stack.callback(redis.stop)  # last: the hubs say goodbye through it
        auth = BenchAuth.create(logs)
        urls = {}
        for name in (BOARD_HUB, CLIENT_HUB):
            argv = grouploop_argv("hub", "--host", "127.0.0.1", "--port", "0", "--cdn-url", cdn_url)
            argv += ["--tokens", str(auth.tokens_file), "--broker", redis.url]
            argv += ["--hub-name", name, "--cluster", "bench", *hub_args]
            hub = start(name, argv, log_path=logs / f"{name}.log")
            stack.callback(hub.stop)
            urls[name] = hub.url
        redis_server.wait_joined(urls, JOIN_TIMEOUT_S, ca_pem)
        yield BenchCluster(urls[BOARD_HUB], urls[CLIENT_HUB], redis.url, auth)


def unavailable() -> ClusterRun | None:
    """Why the pass cannot run here (no redis-server): skipped, or a failure under CI=true,
    where every tool the bench needs must be installed; None when it can run."""
    missing = redis_server.missing()
    if missing is None:
        return None
    if os.environ.get("CI") == "true":
        return ClusterRun(error=f"{missing} (under CI=true the cluster pass must run)")
    return ClusterRun(skipped=missing)


def run_pass(
    targets: list[Target],
    output: BuildOutput,
    services: suites.Services,
    report_dir: Path,
    hub_args: list[str],
    ca_file: Path | None,
    keyword: str | None,
) -> ClusterRun:
    """The suites that use the hub, on the first of `targets` (flashed with `output`), in a
    cluster of their own beside `services`' CDN; results and logs under `<report_dir>/cluster/`."""
    cannot = unavailable()
    if cannot is not None:
        return cannot
    board = targets[:1]
    out_dir = report_dir / "cluster"
    ca_pem = ca_file.read_text(encoding="utf-8") if ca_file is not None else ""
    try:
        with bench_cluster(out_dir / "logs", services.cdn_url, hub_args, ca_pem) as cluster:
            setup = (
                f"{board[0].name} on {BOARD_HUB} ({cluster.board_hub}), the suites' client on "
                f"{CLIENT_HUB} ({cluster.client_hub}), joined through {cluster.broker}"
            )
            print(f"running the HIL suites on a 2-hub cluster: {setup}", flush=True)
            on_cluster = services._replace(
                hub_url=cluster.board_hub, auth=cluster.auth, client_hub_url=cluster.client_hub
            )
            cases = suites.run(board, output, on_cluster, out_dir, ca_file, keyword, NO_HUB)
    except ServiceError as exc:
        return ClusterRun(error=str(exc))
    return ClusterRun(setup, cases)
