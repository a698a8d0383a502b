"""`grouploop bench`: build, publish, flash every target in parallel, run the HIL suites and
write a report under bench/reports/<UTC time>/ (JUnit XML, summary.md/.txt, logs).

Targets as for `grouploop flash`; with no board attached the bench starts emulated boards
itself. Hub and CDN: the running ones at WS_DEFAULT_URL/CDN_BASE_URL, else (or with
`--own-services`) its own on free ports. Then the suites run once more on the first board with
a 2-hub cluster of the bench's own (`bench.cluster`; `--no-cluster` leaves it out).

Signing is always on: images are signed with the signing key (GROUPLOOP_SIGNING_KEY, else
~/.config/grouploop/keys/signing-key.pem; a development key is created there on first use,
outside the project). Emulated boards trust it besides firmware/keys/, as a build with that
key in firmware/keys/ would; real boards trust what their build compiled in.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import ssl
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bench import report, suites
from bench.auth import BenchAuth
from bench.build import BuildError
from bench.build_cli import build
from bench.cluster import run_pass
from bench.drivers.flasher import FlashResult
from bench.emulated import emulated_boards
from bench.flash_cli import add_target_arguments, flash_targets, options_of
from bench.publish_cli import publish
from bench.resources import BenchFileError
from bench.targets import NoTargets, choose
from cdn import manifest
from grouploop import settings, signing, tls
from grouploop.services import grouploop_argv, start
from grouploop.signing import SigningKey

REPORTS = suites.ROOT / "bench" / "reports"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    parser.add_argument(
        "--emulated", type=int, default=2, help="emulated boards when none is attached (2)"
    )
    parser.add_argument("--report-dir", type=Path, help="default: bench/reports/<UTC time>")
    parser.add_argument("--own-services", action="store_true", help="always start hub and CDN")
    parser.add_argument("--firmware-dir", type=Path, help="CDN firmware folder to publish into")
    parser.add_argument("-k", dest="keyword", help="only HIL tests matching this expression")
    parser.add_argument(
        "--no-cluster",
        dest="cluster",
        action="store_false",
        help="leave out the suites' pass on a 2-hub cluster (Redis and hubs A and B)",
    )
    tls.add_server_arguments(parser)  # start hub and CDN over wss/https
    tls.add_ca_argument(
        parser, "--tls-ca", "CA that signed --tls-cert, provisioned into every board as ca_cert"
    )
    parser.set_defaults(stand_in=True)  # the bench always runs: a stand-in when no toolchain


def _listening(url: str) -> bool:
    parts = urlsplit(url)
    host = "127.0.0.1" if parts.hostname in (None, "localhost", "0.0.0.0") else parts.hostname
    with contextlib.suppress(OSError), socket.create_connection((host, parts.port or 80), 0.5):
        return True
    return False


def _tls_args(args: argparse.Namespace) -> list[str]:
    if args.tls_cert is None:
        return []
    return ["--tls-cert", str(args.tls_cert), "--tls-key", str(args.tls_key)]


def _hub_args(args: argparse.Namespace) -> list[str]:
    """What every hub the bench starts gets besides its address, CDN and credentials."""
    return _tls_args(args) + (["--cdn-ca", str(args.tls_ca)] if args.tls_ca is not None else [])


def _services(args: argparse.Namespace, stack: contextlib.ExitStack, logs: Path) -> suites.Services:
    """Hub, CDN, firmware folder and hub credentials: running ones when reachable, else
    started here; a hub started here has auth on (the bench's own credential file)."""
    conf = settings.load()
    firmware_dir = args.firmware_dir or manifest.default_firmware_dir()
    cdn_url, hub_url = conf.cdn_base_url, conf.ws_default_url
    # With TLS the bench runs its own services: running ones speak whatever they speak.
    own = args.own_services or args.tls_cert is not None
    tls_args = _tls_args(args)
    if own or not _listening(cdn_url):
        argv = ["cdn", "--host", "127.0.0.1", "--port", "0", "--firmware-dir", str(firmware_dir)]
        argv += tls_args
        cdn = start("cdn", grouploop_argv(*argv), log_path=logs / "cdn.log")
        stack.callback(cdn.stop)
        cdn_url = cdn.url
        print(f"started the CDN at {cdn_url} (firmware in {firmware_dir})")
    auth = None
    if own or not _listening(hub_url):
        auth = BenchAuth.create(logs)
        argv = ["hub", "--host", "127.0.0.1", "--port", "0", "--cdn-url", cdn_url, *_hub_args(args)]
        argv += ["--tokens", str(auth.tokens_file)]
        hub = start("hub", grouploop_argv(*argv), log_path=logs / "hub.log")
        stack.callback(hub.stop)
        hub_url = hub.url
        print(f"started the hub at {hub_url} (auth on: {auth.tokens_file})")
    else:
        print(f"using the running hub at {hub_url} (open mode: no credentials given)")
    return suites.Services(hub_url, cdn_url, firmware_dir, auth)


def _served(url: str, ca_file: Path | None) -> bool:
    """Whether the CDN serves `url` (a running CDN may serve another firmware folder)."""
    context = ssl.create_default_context(cafile=ca_file) if url.startswith("https:") else None
    request = urllib.request.Request(url, method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=5, context=context):
            return True
    except (urllib.error.URLError, OSError):
        return False


def _signing(work: Path) -> SigningKey:
    """The bench's key; it and the keys to trust go to emulated boards and the HIL run."""
    key, created = signing.load_or_create_key(signing.default_key_path())
    if created:
        print(
            f"created a development signing key {key.key_id} at {key.path} (outside the "
            "project; `grouploop keys init` makes the one a deployment trusts)"
        )
    trusted = work / "trusted-keys"
    trusted.mkdir()
    for pem in signing.trusted_keys_dir().glob("*.pem"):
        shutil.copy(pem, trusted / pem.name)
    signing.export_public_key(key, trusted)
    if not (signing.FIRMWARE_KEYS_DIR / f"{key.key_id}.pem").is_file():
        print(
            f"signing key {key.key_id} is not in firmware/keys/: real boards refuse images it "
            "signs (emulated boards trust it for this run)"
        )
    os.environ[signing.SIGNING_KEY_ENV] = str(key.path)
    os.environ[signing.TRUSTED_KEYS_ENV] = str(trusted)
    return key


def _flash_rows(results: list[FlashResult], report_dir: Path) -> list[report.FlashRow]:
    return [
        report.FlashRow(
            r.target.name,
            r.target.port,
            r.ok,
            r.seconds,
            r.problem,
            str(r.log_path.relative_to(report_dir)) if r.log_path else "",
        )
        for r in results
    ]


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H-%M-%SZ")
    report_dir: Path = args.report_dir or REPORTS / stamp
    logs = report_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    try:
        server_tls = tls.server_tls(args)
        if server_tls is not None and args.tls_ca is None:
            raise tls.TlsConfigError("--tls-cert needs --tls-ca: the boards verify with it")
    except tls.TlsConfigError as exc:
        print(f"bench: {exc}")
        return 2
    options = options_of(args, logs)
    try:
        targets = choose(args.port, args.board, args.bench_file, options, args.env)
    except (NoTargets, BenchFileError) as exc:
        print(f"bench: no board: {exc}")
        return 2
    envs = sorted({t.board for t in targets})
    if len(envs) > 1:
        print(f"bench: the boards run different envs {envs}: run one bench per env (--board)")
        return 2
    env = envs[0] if envs else args.env
    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gl-bench-")))
        try:
            key = _signing(work)
        except signing.SigningError as exc:
            print(f"bench: {exc}")
            return 1
        if not targets:
            print(f"no board attached: running on {args.emulated} emulated boards")
            targets = stack.enter_context(emulated_boards(args.emulated, work, logs, env))
        services = _services(args, stack, logs)
        try:
            output = build(env, allow_stand_in=args.stand_in)
        except BuildError as exc:
            print(f"bench: {exc}")
            return 1
        entry = publish(output, services.firmware_dir, key)
        if not _served(f"{services.cdn_url}/firmware/{entry.file}", args.tls_ca):
            print(
                f"bench: published {entry.file} into {services.firmware_dir}, but the CDN at "
                f"{services.cdn_url} does not serve it: start that CDN with --firmware-dir (or "
                "CDN_FIRMWARE_DIR) pointing there, or pass --own-services"
            )
            return 1
        print(
            f"published {entry.file} to {services.cdn_url}/firmware/ (sha256 {entry.sha256[:12]}…)"
        )
        flashed = flash_targets(targets, output, options)
        good = [r.target for r in flashed if r.ok]
        cases: list[report.Case] = []
        cluster = report.ClusterRun(skipped="left out (--no-cluster)")
        if good:
            print(f"running the HIL suites on {', '.join(t.name for t in good)}", flush=True)
            cases = suites.run(good, output, services, report_dir, args.tls_ca, args.keyword)
            if args.cluster:
                hub_args = _hub_args(args)
                ca, keyword = args.tls_ca, args.keyword
                cluster = run_pass(good, output, services, report_dir, hub_args, ca, keyword)
        elif args.cluster:
            cluster = report.ClusterRun(skipped="no board flashed")
        facts = [
            ("build", output.label),
            ("published", f"{services.cdn_url}/firmware/{entry.file} (sha256 {entry.sha256})"),
            ("signed", f"key {entry.key_id} ({key.path})"),
            ("hub", f"{services.hub_url} ({'auth on' if services.auth else 'open, loopback'})"),
            ("targets", ", ".join(str(t) for t in targets)),
            ("wall time", f"{time.monotonic() - started:.1f} s"),
        ]
        rows = _flash_rows(flashed, report_dir)
        title = f"GroupLoop bench {stamp}"
        markdown = report.render_markdown(title, facts, rows, cases, cluster)
    md, _ = report.write(report_dir, markdown)
    print(report.render_text(markdown))
    print(f"report: {md}")
    return 0 if report.passed(rows, cases, cluster) else 1
