"""HIL fixtures: every test gets a `dut` and runs once per target.

Options are namespaced `--hil-*` so this suite loads beside Espressif's pytest-embedded
(which owns `--port`, `--target`, `--app-path`, ...); the older spellings stay as aliases
where pytest-embedded has no option of that name.

Targets: `--hil-port` (repeatable) picks boards; `--hil-board-url` names emulated boards that
are already running (the bench passes the ones it flashed); `--hil-emulated N` starts N
emulated boards; with none of these, every USB board found is used, or one emulated board
when none is attached. Hub and CDN: `--hil-hub-url`/`--hil-cdn-url`/`--hil-firmware-dir` use
running ones (the bench's; `--hil-hub-tokens` names that hub's credential file, its admin
token in $GL_BENCH_TOKEN), otherwise the session starts its own on free ports, the hub with
auth on (a credential file of its own: the suites command with an admin token, each board
gets a device secret when it is configured). `--hil-client-hub-url` names another hub of the
same cluster for the suites' own client (commands, stream): the boards stay on
`--hil-hub-url`, so every command, frame and answer crosses hubs (the bench's cluster pass).
Per-target serial and hub logs of every test go under `--hil-artifacts/<target>/<test>/`.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bench.auth import BenchAuth
from bench.build import BuildOutput, firmware_version, stand_in
from bench.drivers.flasher import FlashOptions
from bench.dut import BenchEndpoints, Dut, State
from bench.emulated import start_board
from bench.flash_cli import image_build
from bench.publish_cli import publish
from bench.resources import DEFAULT_BOARD, Target, usb_ports
from bench.targets import parse_port, target_name
from grouploop.services import Service, grouploop_argv, start
from grouploop.signing import SigningKey
from tests.fixtures.cdn import start_cdn
from tests.fixtures.signing import SessionSigning
from tests.support.timing import scaled

ROOT = Path(__file__).resolve().parents[2]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hil", "hardware-in-the-loop targets")
    add = group.addoption
    add("--hil-port", action="append", default=[], help="a board's serial port or URL")
    add(
        "--hil-board-url",
        "--board-url",
        action="append",
        default=[],
        help="a running emulated board",
    )
    add("--hil-emulated", "--emulated", type=int, default=None, help="start N emulated boards")
    add("--hil-hub-url", "--hub-url", help="use this running hub (default: start one)")
    add(
        "--hil-client-hub-url",
        help="the hub the suites command and subscribe through, another hub of the "
        "--hil-hub-url's cluster (default: that hub)",
    )
    add(
        "--hil-hub-tokens",
        "--hub-tokens",
        type=Path,
        help="the running hub's credential file (auth on; admin token in $GL_BENCH_TOKEN)",
    )
    add("--hil-cdn-url", "--cdn-url", help="use this running CDN (default: start one)")
    add("--hil-firmware-dir", "--firmware-dir", type=Path, help="the CDN's firmware folder")
    add(
        "--hil-build-image",
        "--build-image",
        type=Path,
        help="the build under test (default: stand-in)",
    )
    add(
        "--hil-already-flashed",
        "--already-flashed",
        action="store_true",
        help="targets run the build",
    )
    add("--hil-artifacts", type=Path, default=ROOT / "test-artifacts" / "hil", help="log folder")
    add("--hil-ca-cert", type=Path, help="CA of a wss/https hub and CDN, provisioned into devices")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("hil_client_hub_url") and not config.getoption("hil_hub_url"):
        raise pytest.UsageError("--hil-client-hub-url needs --hil-hub-url, a hub of its cluster")


@dataclass
class TargetSpec:
    name: str
    port: str | None  # None: an emulated board this session starts
    emulated: bool


def _specs(config: pytest.Config) -> list[TargetSpec]:
    ports: list[str] = config.getoption("hil_port")
    urls: list[str] = config.getoption("hil_board_url")
    count: int | None = config.getoption("hil_emulated")
    if ports or urls:
        real = [TargetSpec(*parse_port(p, i), False) for i, p in enumerate(ports, 1)]
        emulated = [TargetSpec(*parse_port(u, i), True) for i, u in enumerate(urls, 1)]
        return real + emulated
    if count is None:
        found = usb_ports()
        if found:
            return [TargetSpec(target_name(p, i), p, False) for i, (p, _) in enumerate(found, 1)]
        count = 1
    return [TargetSpec(f"emu-{i}", None, True) for i in range(1, count + 1)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # `hil`: this suite's dut, not pytest-embedded's (tests/hil/embedded/ uses that one).
    if "hil" in metafunc.fixturenames:
        names = [spec.name for spec in _specs(metafunc.config)]
        metafunc.parametrize("target_name", names, scope="session")


@dataclass
class HilBench:
    endpoints: BenchEndpoints
    firmware_dir: Path
    build: BuildOutput
    artifacts: Path
    work_dir: Path
    specs: dict[str, TargetSpec]
    already_flashed: bool
    key: SigningKey  # signs what the suites publish; the targets trust it
    duts: dict[str, Dut] = field(default_factory=dict)
    boards: list[Service] = field(default_factory=list)


@pytest.fixture(scope="session")
def hil(request: pytest.FixtureRequest, signing_keys: SessionSigning) -> Iterator[HilBench]:
    config = request.config
    artifacts: Path = config.getoption("hil_artifacts")
    artifacts.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gl-hil-")))
        firmware_dir = config.getoption("hil_firmware_dir") or work / "firmware"
        firmware_dir.mkdir(parents=True, exist_ok=True)
        cdn_url = config.getoption("hil_cdn_url")
        if not cdn_url:
            cdn = start_cdn(firmware_dir, log_path=artifacts / "cdn.log")
            stack.callback(cdn.service.stop)
            cdn_url = cdn.url
        hub_url = config.getoption("hil_hub_url")
        client_hub_url = config.getoption("hil_client_hub_url") or ""
        tokens: Path | None = config.getoption("hil_hub_tokens")
        auth = BenchAuth.from_env(tokens) if tokens else None
        if not hub_url:
            auth = BenchAuth.create(work)
            hub = start_hub(artifacts / "hub.log", cdn_url, auth)
            stack.callback(hub.stop)
            hub_url = hub.url
        image = config.getoption("hil_build_image")
        build = (
            image_build(image, DEFAULT_BOARD)
            if image
            else stand_in(DEFAULT_BOARD, firmware_version(), work / "builds")
        )
        # The OTA suite goes back to it through the manifest.
        publish(build, firmware_dir, signing_keys.key)
        bench = HilBench(
            BenchEndpoints(
                hub_url, cdn_url, ca_text(config.getoption("hil_ca_cert")), auth, client_hub_url
            ),
            firmware_dir,
            build,
            artifacts,
            work,
            {spec.name: spec for spec in _specs(config)},
            config.getoption("hil_already_flashed"),
            signing_keys.key,
        )
        try:
            yield bench
        finally:
            for dut in bench.duts.values():
                dut.close()
            for board in bench.boards:
                board.stop()


def ca_text(path: Path | None) -> str:
    return path.read_text(encoding="utf-8") if path is not None else ""


def start_hub(log_path: Path, cdn_url: str, auth: BenchAuth | None, port: int = 0) -> Service:
    argv = grouploop_argv("hub", "--host", "127.0.0.1", "--port", str(port), "--cdn-url", cdn_url)
    if auth is not None:
        argv += ["--tokens", str(auth.tokens_file)]
    return start("hub", argv, log_path=log_path, timeout=scaled(30))


def _dut_for(hil: HilBench, name: str) -> Dut:
    if name not in hil.duts:
        spec = hil.specs[name]
        port = spec.port
        if port is None:
            board = start_board(
                name, hil.work_dir / "boards", hil.artifacts, hil.build.env, timeout=scaled(30)
            )
            hil.boards.append(board)
            port = board.url
        target = Target(name, port, emulated=spec.emulated)
        options = FlashOptions(timeout=scaled(120))
        dut = Dut(target, hil.endpoints, hil.artifacts / name, options, scaled(10))
        if hil.already_flashed:
            dut.assume_flashed(hil.build)
        hil.duts[name] = dut
    return hil.duts[name]


@pytest.fixture
def dut(hil: HilBench, target_name: str, request: pytest.FixtureRequest) -> Iterator[Dut]:
    """The target, running the session's build, configured for the bench, streaming."""
    dut = _dut_for(hil, target_name)
    test = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_")
    dut.set_log_dir(hil.artifacts / target_name / test)
    dut.transition(State.RUNNING, hil.build)
    dut.open_hub()
    yield dut
    # A test that changed what runs (OTA, a failed flash) leaves the board for a re-flash.
    if dut.version != hil.build.version or dut.state is not State.RUNNING:
        dut.state = State.OFF
        dut.version = None
