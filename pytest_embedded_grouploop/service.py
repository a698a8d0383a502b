"""The grouploop service's fixtures: emulated boards for pytest-embedded's DUTs (see plugin.py).

Imported only when pytest-embedded is loaded: the serial classes it amends are its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_embedded_serial_esp import EspSerial

from bench.build import check_image, firmware_version, stand_in
from bench.drivers.flasher import FlashOptions, identify
from bench.emulated import start_board
from bench.resources import DEFAULT_BOARD, Target
from emulator.board.boot import DEFAULT_APP_OFFSET
from emulator.board.flash import Flash
from grouploop.services import Service
from pytest_embedded_grouploop.plugin import SERVICE, TRANSPORTS
from pytest_embedded_grouploop.reset import fast_socket_reads, with_watchdog_reset


class Boards:
    """Emulated boards started on demand, one per (transport, DUT index), for one test.

    Each starts from the factory: the app image already in its flash at 0x10000 (written to
    its flash file, which is quicker than esptool over rfc2217's round trips), so it boots
    the app at power-on; pytest-embedded's esptool connection and reset come after.
    """

    def __init__(self, work_dir: Path, image: Path | None) -> None:
        self.work_dir = work_dir
        self._image = image
        self._started: dict[tuple[str, int], Service] = {}

    def url(self, transport: str, index: int) -> str:
        key = (transport, index)
        if key not in self._started:
            name = f"{transport}-{index}"
            self._program(self.work_dir / "flash" / f"{name}.flash")
            self._started[key] = start_board(
                name, self.work_dir / "flash", self.work_dir / "logs", transport=transport
            )
        return self._started[key].url

    def _program(self, flash_file: Path) -> None:
        image = self.image()
        try:
            check_image(image)
        except (OSError, ValueError) as exc:
            raise pytest.UsageError(f"grouploop service: {image} will not boot: {exc}") from exc
        data = image.read_bytes()
        flash = Flash(flash_file)
        try:
            flash.erase_covering(DEFAULT_APP_OFFSET, len(data))
            flash.program(DEFAULT_APP_OFFSET, data)
        finally:
            flash.close()

    def image(self) -> Path:
        if self._image is None:
            version = firmware_version()
            self._image = stand_in(DEFAULT_BOARD, version, self.work_dir / "image").image
        return self._image

    def stop(self) -> None:
        for board in self._started.values():
            board.stop()


def _per_dut(value: Any) -> tuple[Any, ...]:
    """pytest-embedded gives one value per DUT as a tuple when `--count` > 1."""
    return value if isinstance(value, tuple) else (value,)


@pytest.fixture
def grouploop_boards(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Boards]:
    """Each test's own boards, fresh from the factory (a test may flash or configure them)."""
    boards = Boards(tmp_path_factory.mktemp(SERVICE), request.config.option.grouploop_image)
    yield boards
    boards.stop()


@pytest.fixture
def grouploop_transport(request: pytest.FixtureRequest) -> str:
    """How started boards are served: a test's parameter, else --grouploop-transport."""
    transport: str = getattr(request, "param", None) or request.config.option.grouploop_transport
    if transport not in TRANSPORTS:
        raise pytest.UsageError(f"grouploop_transport {transport!r}: one of {TRANSPORTS}")
    return transport


@pytest.fixture(autouse=True)
def _grouploop_service(
    request: pytest.FixtureRequest, embedded_services: Any, grouploop_transport: str
) -> Iterator[None]:
    wanted = [SERVICE in (s or "").split(",") for s in _per_dut(embedded_services)]
    if not any(wanted):
        yield
        return
    # The factory's choice of classes and arguments, one per DUT, before any is built.
    chosen = _per_dut(request.getfixturevalue("_fixture_classes_and_options"))
    if len(wanted) == 1:
        wanted *= len(chosen)
    boards: Boards | None = None
    for index, (options, use) in enumerate(zip(chosen, wanted, strict=True)):
        if not use:
            continue
        cls = options.classes.get("serial")
        if cls is None or not issubclass(cls, EspSerial):
            raise pytest.UsageError("the grouploop service needs esp: esp,grouploop")
        options.classes["serial"] = with_watchdog_reset(cls)
        serial_kwargs = options.kwargs["serial"]
        if not serial_kwargs.get("port"):
            boards = boards or request.getfixturevalue("grouploop_boards")
            serial_kwargs["port"] = boards.url(grouploop_transport, index)
        if serial_kwargs.get("port_mac"):
            _check_mac(serial_kwargs["port"], serial_kwargs.pop("port_mac"))
    with fast_socket_reads():
        yield


def _check_mac(port: str, wanted: str) -> None:
    """`--port-mac` for the service's ports: pytest-embedded 2.9 looks for `MAC: <mac>`, which
    esptool 5 no longer prints (it pads the label), so the service checks the MAC itself."""
    _, mac = identify(Target("port-mac", port), FlashOptions(timeout=60))
    if mac is None or mac.lower() != wanted.lower():
        raise pytest.UsageError(f"--port-mac {wanted}: the board on {port} has MAC {mac}")
