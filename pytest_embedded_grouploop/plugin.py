"""pytest plugin: the `grouploop` service of pytest-embedded (loaded through `pytest11`).

    pytest --embedded-services esp,grouploop tests/...          # one emulated board, socket://
    pytest --embedded-services esp,grouploop --grouploop-transport rfc2217 ...
    pytest --embedded-services esp,arduino,grouploop --app-path BUILD ...   # flash BUILD on it

pytest-embedded 2.x knows its services by a fixed table and picks the classes of each test's
fixtures (`app`, `serial`, `dut`) in one factory. This plugin adds `grouploop` to that table
(so `--embedded-services` accepts it) and, for a test that uses it, amends what the factory
chose before any DUT is built:

- the serial class resets the board by the RTC watchdog (reset.py), after a flash too;
- without `--port`, the port is an emulated board started for the test, its flash holding
  the labelled stand-in image (or `--grouploop-image`), one board per DUT (`--count`);
- socket:// ports count their waiting bytes, so the serial reader reads at full speed;
- `--port-mac` is checked by the service (pytest-embedded 2.9's own check misreads esptool 5).

Per test, as pytest-embedded's own options: `@pytest.mark.parametrize("grouploop_transport",
["socket", "rfc2217", "pty"], indirect=True)`. Without pytest-embedded this plugin does
nothing beyond adding its options.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SERVICE = "grouploop"
TRANSPORTS = ("socket", "rfc2217", "pty")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup(SERVICE, "pytest-embedded service grouploop (emulated boards)")
    group.addoption(
        "--grouploop-transport",
        choices=TRANSPORTS,
        default="socket",
        help="how started boards are served: socket:// (default), rfc2217:// or a pty",
    )
    group.addoption(
        "--grouploop-image",
        type=Path,
        help="app image in the flash of started boards (default: the labelled stand-in image)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("pytest_embedded"):
        return
    from pytest_embedded.utils import SERVICE_LIB_NAMES

    from pytest_embedded_grouploop import service

    # pytest-embedded imports `pytest_embedded_<name>` to check a service is installed.
    SERVICE_LIB_NAMES[SERVICE] = "pytest-embedded-grouploop"
    config.pluginmanager.register(service, "grouploop-service")
