"""A device under test and the strategy that brings it to the state a test asks for.

labgrid's idea, small: a test asks for `running` (flashed with the session's build, booted,
configured for the bench's hub and CDN, streaming frames) and the strategy does only the
steps still missing. With a hub that has auth on (`BenchAuth`), configuring a board also
provisions its device secret: a fresh secret registered for its id in the hub's credential
file and set over the console as `device_secret` (kept in NVS, masked in every log). The
same `Dut` drives a USB board or an emulated one: both are a serial port that esptool can
flash and whose console prints the boot line.
"""

from __future__ import annotations

import contextlib
import json
import re
import ssl
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path
from typing import Any

import serial

from bench.auth import BenchAuth
from bench.build import BuildOutput, check_image
from bench.drivers.console import ConsoleDriver
from bench.drivers.flasher import FlashOptions, FlashResult, flash_one
from bench.drivers.hub import HubLink
from bench.drivers.ports import is_device_path
from bench.resources import Target
from grouploop import tls
from grouploop.expect import Match, Pattern

BOOT_LINE = re.compile(r"GroupLoop (?P<version>\S+) board=(?P<board>\S+) id=(?P<id>[0-9a-f]{4})")


class State(Enum):
    OFF = "off"  # nothing known about what the board runs
    FLASHED = "flashed"  # the session's build is in flash
    RUNNING = "running"  # booted that build, configured, streaming to the hub


class DutError(AssertionError):
    """A step towards the wanted state failed; the message names the board and the step."""


@dataclass(frozen=True)
class BenchEndpoints:
    hub_url: str  # the devices' hub
    cdn_url: str
    ca_cert: str = ""  # PEM: provisioned into every device when the services speak TLS
    #: The hub's credentials when it has auth on (None: an open loopback hub).
    auth: BenchAuth | None = None
    #: The hub the bench's own client commands and subscribes through; "" = the devices' hub.
    #: Another hub of the same cluster makes every command, frame and answer cross hubs.
    client_hub_url: str = ""

    @property
    def client_hub(self) -> str:
        return self.client_hub_url or self.hub_url

    def cdn_context(self) -> ssl.SSLContext | None:
        """What the bench's own requests to the CDN verify it with: the devices' CA."""
        return tls.device_context(self.cdn_url, self.ca_cert)


class Dut:
    """One target with its console, its hub view and its flash/reset controls."""

    def __init__(
        self,
        target: Target,
        endpoints: BenchEndpoints,
        log_dir: Path,
        flash_options: FlashOptions,
        timeout: float,
    ):
        self.target = target
        self.endpoints = endpoints
        self.log_dir = log_dir
        self.flash_options = flash_options
        self.timeout = timeout
        self.console = ConsoleDriver(target.name, target.port, log_dir / "console.log")
        self.hub: HubLink | None = None
        self.state = State.OFF
        self.build: BuildOutput | None = None  # what the strategy flashed
        self.version: str | None = None  # what the board last said it runs
        self.device_id: str | None = None

    # -- what tests use (write, expect and expect_exact as pytest-embedded's `dut` has them) --

    def write(self, data: str | bytes) -> None:
        """Send `data` to the console: a str as one line (the line end added, as pytest-embedded's
        serial DUT does), bytes as they are."""
        self.console.write(data + "\n" if isinstance(data, str) else data)

    def expect(self, pattern: Pattern, timeout: float | None = None) -> Match:
        """The next match of `pattern` on the console (str or bytes; see grouploop.expect)."""
        return self.console.expect(pattern, self.timeout if timeout is None else timeout)

    def expect_exact(self, text: str | bytes, timeout: float | None = None) -> Match:
        """The next occurrence of the literal `text` on the console."""
        return self.console.expect_exact(text, self.timeout if timeout is None else timeout)

    def console_command(
        self, line: str, answer: str, timeout: float | None = None
    ) -> re.Match[str]:
        return self.console.command(line, answer, self.timeout if timeout is None else timeout)

    def answer(self, line: str, timeout: float | None = None) -> dict[str, object]:
        """Run a console line that answers `ans:<json>`; return the decoded answer."""
        match = self.console_command(line, r"ans:(\{.*\})\n", timeout)
        return json.loads(match.group(1))

    def hub_answer(self, name: str, timeout: float | None = None) -> dict[str, Any]:
        """The device's next `ans:<id>:{"cmd":"<name>",…}` line on the hub, decoded."""
        assert self.hub is not None and self.device_id, "open the hub and boot first"
        pattern = rf'^ans:{self.device_id}:(\{{"cmd":"{re.escape(name)}".*\}})$'
        match = self.hub.expect(pattern, self.timeout if timeout is None else timeout)
        return json.loads(match.group(1))

    def hub_command(self, command: str) -> dict[str, Any]:
        """Send `command` to this device through the hub; the hub must accept it; its answer."""
        assert self.hub is not None and self.device_id, "open the hub and boot first"
        result = self.hub.command(self.device_id, command, self.timeout)
        assert result == "cmd:result:success", result
        return self.hub_answer(command.split(":", 1)[0])

    def set_log_dir(self, log_dir: Path) -> None:
        """Send the console log of the next steps to `log_dir` (one folder per test)."""
        self.close_hub()  # reopened on demand, logging to the new folder
        self.log_dir = log_dir
        self.console.log_to(log_dir / "console.log")

    # -- controls ---------------------------------------------------------------------------

    def flash(self, build: BuildOutput) -> FlashResult:
        """Flash `build` (console released meanwhile) and wait for it to boot."""
        self.close_hub()
        self.console.close()
        self.state = State.OFF  # until the new image answers
        options = replace(self.flash_options, log_dir=self.log_dir)
        result = flash_one(
            self.target, build.image, options, check_image=check_image, bootloader=build.bootloader
        )
        if not result.ok:
            self.state = State.OFF
            raise DutError(result.line())
        self.build = build
        self.console.open()
        self.learn_running()
        self.state = State.FLASHED
        return result

    def learn_running(self) -> None:
        """Version and id of what runs now, from the device's own status.

        The boot line right after a flash may have gone to esptool, which still held the
        port when the board reset; `status` asks instead of hoping to have caught it.
        """
        data = self.answer("status")["data"]
        assert isinstance(data, dict)
        self.version, self.device_id = str(data["version"]), str(data["id"])

    def wait_boot(self, timeout: float | None = None) -> re.Match[str]:
        """The next boot line; remembers version and device id."""
        match = self.expect(BOOT_LINE, timeout)
        self.version, self.device_id = match["version"], match["id"]
        return match

    def reboot(self) -> re.Match[str]:
        """Reset through the console (works on USB and emulated boards alike)."""
        self.console_command("reboot", r"rebooting")
        return self.wait_boot()

    def hard_reset(self) -> re.Match[str]:
        """Pulse EN through RTS, as the reset button does, and wait for the boot line.

        Only a USB port carries RTS; a socket or pty has no modem lines, so an emulated
        board is reset through its console instead.
        """
        if not is_device_path(self.target.port):
            return self.reboot()
        self.close_hub()
        self.console.skip()
        self.console.pulse_reset()
        return self.wait_boot()

    def configure(self) -> None:
        """Point the device at the bench's hub and CDN (kept across reboots)."""
        config = {"wifi_ssid": "grouploop-bench", **self.urls()}
        if self.endpoints.ca_cert:
            config["ca_cert"] = self.endpoints.ca_cert
        auth = self.endpoints.auth
        secret = auth.provision(self.device_id) if auth and self.device_id else None
        if secret:
            config["device_secret"] = secret
        self.console.command(
            f"config set {json.dumps(config)}", r"config:(ok|error:\S+)", self.timeout, secret
        )
        result = self.console_command("config", r"config:(\{.*\})\n")
        saved = json.loads(result.group(1))
        if saved.get("hub_url") != self.endpoints.hub_url:
            raise DutError(f"{self.target}: configuration not applied, it says {saved}")

    def urls(self) -> dict[str, str]:
        return {"hub_url": self.endpoints.hub_url, "cdn_url": self.endpoints.cdn_url}

    def open_hub(self) -> HubLink:
        if self.hub is None:
            auth = self.endpoints.auth
            self.hub = HubLink(
                self.endpoints.client_hub,
                self.log_dir / "hub.log",
                self.timeout,
                self.endpoints.ca_cert,
                auth.admin_token if auth else None,
            )
        return self.hub

    def close_hub(self) -> None:
        if self.hub is not None:
            self.hub.close()
            self.hub = None

    def wait_streaming(self, timeout: float | None = None) -> None:
        """Until the hub forwards a frame from this device."""
        assert self.device_id, "boot first"
        hub = self.open_hub()
        hub.skip()
        hub.expect(
            rf"^{self.device_id}[0-9a-f]{{16}}$", self.timeout if timeout is None else timeout
        )

    # -- the strategy -----------------------------------------------------------------------

    def transition(self, wanted: State, build: BuildOutput) -> None:
        """Do the missing steps to reach `wanted` with `build` on the board."""
        if self.build is not None and self.build.image != build.image:
            self.state = State.OFF
        if self.state is State.OFF:
            self.flash(build)
        if wanted is State.FLASHED:
            return
        if not self.console.is_open:
            self.console.open()
        if self.state is not State.RUNNING:
            if self.version is None:
                self.learn_running()
            if self.version != build.version:
                raise DutError(f"{self.target}: boots {self.version}, expected {build.version}")
            self.configure()
            self.wait_streaming()
            self.state = State.RUNNING

    def assume_flashed(self, build: BuildOutput) -> None:
        """The bench flashed `build` before the suites started: skip flashing it again."""
        self.build, self.state = build, State.FLASHED

    def close(self) -> None:
        self.close_hub()
        with contextlib.suppress(serial.SerialException):
            self.console.close()
