"""A virtual device: the real firmware core (emulator.firmware_core) inside asyncio I/O.

The core decides everything a device does; this shell only carries things in and out:

- every tick: time → the core; then the core's actions are executed, its queued WebSocket
  messages sent and its serial output handed to the console and the log;
- `wifi_connect` is reported connected at once (there is no radio to wait for);
- `ws_connect <url>` opens a real WebSocket (`websockets` client); open, close and every
  received message are reported back; `ws_disconnect` closes it;
- `save_config <json>` is kept (in memory, or in a JSON file when `config_path` is set) and
  `reboot` recreates the core from it, like NVS surviving a reset;
- `ota <url>` streams the image over HTTP (emulator.ota_download) through the core's
  `ota_data`, as the ESP32 shell streams it to the OTA slot, then asks `ota_verify` with the
  signature that came with it: the core decides (signature by a trusted key, version, origin).
  Only an accepted image is installed; a refused one is dropped and the old version runs on.
  The trusted keys are those a firmware build compiles in (grouploop.signing:
  GROUPLOOP_TRUSTED_KEYS, else firmware/keys/).
- `wss://` and `https://` servers are verified against the configured `ca_cert` only
  (grouploop.tls.device_context), as the ESP32 shell's TLS clients do; a failed handshake is
  logged with its reason (`[emulator] ws connect … failed: TLS: …`).

An owner with more hardware than that (the emulated board, emulator.board) passes hooks:
`on_reboot` (it resets instead), `on_install` (it flashes an accepted image, returning ""
or why not) with `ota_limit` (its slot size), and `on_config` (it keeps the configuration in
its NVS).

Devices do not own a timer: a `Ticker` (emulator.swarm) steps many devices from one loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import websockets
from websockets.protocol import State

from emulator import firmware_core
from emulator.ota_download import download_image
from emulator.sensors import Sensors
from grouploop import signing, tls
from grouploop.files import write_atomic
from grouploop.frame import is_frame

BOARD = "virtual"  # the board name in the boot line and status: not a real ESP32
SENSOR_PERIOD_MS = 50  # accelerometer sampling
RSSI_PERIOD_MS = 1000  # one BLE scan window
SERIAL_LOG_LIMIT = 256 * 1024  # characters of serial output kept for tests and `expect`
CONNECT_TIMEOUT_S = 5.0
OTA_SLOT_BYTES = 0x1E0000  # an app slot of firmware/partitions_ota.csv

#: Installs an image the core accepted; "" when done, else why not.
Installer = Callable[[bytes], str]


class Clock:
    """Monotonic milliseconds since the clock was made, wrapped like the core's uint32."""

    def __init__(self) -> None:
        self._t0 = time.monotonic()

    def now_ms(self) -> int:
        return int((time.monotonic() - self._t0) * 1000) & 0xFFFFFFFF


class VirtualDevice:
    """One device. Step it from a `Ticker`; observe it through the properties below."""

    def __init__(
        self,
        mac: bytes,
        clock: Clock,
        *,
        config: dict[str, Any] | None = None,
        config_path: Path | None = None,
        sensors: Sensors | None = None,
        version: str | None = None,
        board: str = BOARD,
        serial_period_ms: int = 0,
        on_reboot: Callable[[], None] | None = None,
        on_install: Installer | None = None,
        ota_limit: int = OTA_SLOT_BYTES,
        on_config: Callable[[str], None] | None = None,
        trusted_keys: Sequence[bytes] | None = None,
    ) -> None:
        """`on_reboot` replaces the in-place reboot (the owner resets this device),
        `on_install` installs an accepted OTA image of at most `ota_limit` bytes; `on_config`
        is told every saved configuration. `trusted_keys` (DER) default to the build's."""
        if len(mac) != 6:
            raise ValueError(f"a MAC has 6 bytes, not {len(mac)}")
        self.mac = bytes(mac)
        self.clock = clock
        self.version = version or firmware_core.firmware_version()
        self.board = board
        self.sensors = sensors if sensors is not None else Sensors.seeded(self.mac.hex())
        self._config_path = config_path
        self._config = self._load_config(config)
        self._serial_period_ms = serial_period_ms
        self._on_reboot = on_reboot
        self._on_install = on_install
        self._ota_limit = ota_limit
        self._on_config = on_config
        self._trusted_keys = (
            tuple(trusted_keys) if trusted_keys is not None else signing.trusted_keys_der()
        )
        self.serial_log = ""
        self.serial_listeners: list[Callable[[str], None]] = []
        self.frames_sent = 0
        self.answers_sent = 0
        self.boots = 0
        self._ws: websockets.ClientConnection | None = None
        self._generation = 0  # bumped on reboot/disconnect: late I/O of an old link is ignored
        self._tasks: set[asyncio.Task[None]] = set()
        self._waiters: list[tuple[Callable[[], bool], asyncio.Future[None]]] = []
        now = clock.now_ms()
        self._next_sensor = self._next_rssi = self._next_serial = now
        self._last_sensor = now
        self.core = self._boot(now)

    # -- observation ------------------------------------------------------------------------

    @property
    def device_id(self) -> str:
        return self.core.device_id()

    @property
    def pixels(self) -> list[tuple[int, int, int]]:
        """Pixel colours after pattern and brightness, as the LEDs show them."""
        return self.core.pixels()

    @property
    def brightness(self) -> int:
        return self.core.brightness()

    @property
    def motor_on(self) -> bool:
        return self.core.motor_on()

    @property
    def status(self) -> dict[str, Any]:
        return json.loads(self.core.status_json())

    @property
    def connected(self) -> bool:
        return self._ws is not None and self._ws.state is State.OPEN

    @property
    def saved_config(self) -> str | None:
        return self._config

    # -- input ------------------------------------------------------------------------------

    def serial_line(self, line: str) -> None:
        """A line typed on the serial console."""
        self.core.serial_line(line, self.clock.now_ms())

    def tap(self) -> None:
        """Tap the device (the accelerometer's click detector fires)."""
        self.sensors.request_tap()
        self._next_sensor = self.clock.now_ms()

    # -- waiting (tests) -------------------------------------------------------------------

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> None:
        """Wait until `predicate()` holds; it is checked after every step."""
        if predicate():
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiter = (predicate, future)
        self._waiters.append(waiter)
        try:
            await asyncio.wait_for(future, timeout)
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)

    # -- stepping ---------------------------------------------------------------------------

    async def step(self, now: int) -> None:
        """Advance the core to `now`, feed sensors, execute actions, send and print output."""
        core = self.core
        if now - self._next_sensor >= 0:
            self._feed_sensors(now)
        core.tick(now)
        # Messages before actions: an answer queued just before a reboot still goes out.
        while (message := core.next_ws_message()) is not None:
            await self._send(message)
        while (action := core.next_action()) is not None:
            self._act(action, now)
            if self.core is not core:  # rebooted: the old core's queue went down with it
                break
        if now - self._next_serial >= 0:
            self._next_serial = now + self._serial_period_ms
            self._drain_serial()
        if self._waiters:
            for predicate, future in list(self._waiters):
                if not future.done() and predicate():
                    future.set_result(None)

    def _feed_sensors(self, now: int) -> None:
        s = self.sensors
        s.step((now - self._last_sensor) / 1000.0)
        self._last_sensor = now
        self._next_sensor = now + SENSOR_PERIOD_MS
        self.core.set_accel(*s.accel_g())
        if s.take_tap():
            self.core.tap()
        if now - self._next_rssi >= 0:
            self._next_rssi = now + RSSI_PERIOD_MS
            for beacon, rssi in enumerate(s.rssi_dbm()):
                self.core.set_rssi(beacon, rssi)

    def _drain_serial(self) -> None:
        if text := self.core.read_serial():
            self._print(text)

    async def _send(self, message: str) -> None:
        ws = self._ws
        # A message queued while the link is down is lost, as on the real device. Never send
        # on a closing link: websockets would wait for the close and stall every device.
        if ws is None or ws.state is not State.OPEN:
            return
        try:
            await ws.send(message)
        except websockets.ConnectionClosed:
            return
        if is_frame(message):
            self.frames_sent += 1
        elif message.startswith("ans:"):
            self.answers_sent += 1

    # -- actions ----------------------------------------------------------------------------

    def _act(self, action: str, now: int) -> None:
        verb, _, argument = action.partition(" ")
        if verb == "wifi_connect":
            self.core.wifi_event(True, now)
        elif verb == "ws_connect":
            self._drop_link()
            self._spawn(self._run_link(argument, self._generation))
        elif verb == "ws_disconnect":
            if self._drop_link():
                self.core.ws_event(False, now)
        elif verb == "save_config":
            self._save_config(argument)
        elif verb == "reboot":
            self._drain_serial()  # what the old core printed before it went down
            if self._on_reboot is not None:
                self._on_reboot()
                return
            self._drop_link()
            self.core.close()
            self.core = self._boot(now)
        elif verb == "ota":
            self._spawn(self._run_ota(argument))
        else:
            self._print(f"[emulator] unknown action {verb!r}\n")

    def _boot(self, now: int) -> firmware_core.Core:
        self.boots += 1
        return firmware_core.Core(
            self._config, self.mac, self.version, self.board, now, trusted_keys=self._trusted_keys
        )

    def _drop_link(self) -> bool:
        """Forget the current link (closing it in the background); True if there was one."""
        self._generation += 1
        ws, self._ws = self._ws, None
        if ws is not None:
            self._spawn(ws.close())
        return ws is not None

    async def _run_link(self, url: str, generation: int) -> None:
        try:
            # As the ESP32's WebSocket client: no permessage-deflate, no proxy (looking one up
            # scans the environment on every connect, a third of a reconnecting swarm's CPU).
            ws = await websockets.connect(
                url,
                open_timeout=CONNECT_TIMEOUT_S,
                compression=None,
                proxy=None,
                ssl=tls.device_context(url, self.core.ca_cert()),
            )
        except Exception as exc:  # refused, timed out, bad handshake or CA, bad URL: a failure
            if generation == self._generation:
                self._print(f"[emulator] ws connect {url} failed: {tls.describe(exc)}\n")
                self.core.ws_event(False, self.clock.now_ms())
            return
        if generation != self._generation:
            await ws.close()
            return
        self._ws = ws
        self.core.ws_event(True, self.clock.now_ms())
        try:
            async for message in ws:
                if generation != self._generation:
                    break
                if isinstance(message, bytes):
                    message = message.decode("utf-8", "replace")
                self.core.ws_receive(message, self.clock.now_ms())
        except websockets.ConnectionClosed:
            pass
        finally:
            if generation == self._generation:
                self._ws = None
                self.core.ws_event(False, self.clock.now_ms())

    async def _run_ota(self, url: str) -> None:
        core = self.core
        try:
            context = tls.device_context(url, core.ca_cert())
        except tls.TlsConfigError as exc:  # the core refuses this first; never unverified
            core.ota_result(False, f"tls: {exc}", self.clock.now_ms())
            return
        chunks: list[bytes] = []  # kept only for an installer (the board's slot)

        def take(chunk: bytes) -> None:
            if self.core is core:  # a reboot meanwhile freed that core
                core.ota_data(chunk)
                if self._on_install is not None:
                    chunks.append(chunk)

        download = await download_image(url, self.mac, take, self._ota_limit, context=context)
        if self.core is not core:
            return  # rebooted meanwhile: nobody is waiting for this image
        now = self.clock.now_ms()
        if download.error:
            core.ota_result(False, download.error, now)
        elif core.ota_verify(download.signature, now):  # False: refused, answered by the core
            reason = self._on_install(b"".join(chunks)) if self._on_install else ""
            core.ota_result(not reason, reason, self.clock.now_ms())

    # -- configuration ----------------------------------------------------------------------

    def _load_config(self, config: dict[str, Any] | None) -> str | None:
        if self._config_path is not None and self._config_path.exists():
            return self._config_path.read_text(encoding="utf-8")
        return json.dumps(config) if config else None

    def _save_config(self, text: str) -> None:
        self._config = text
        if self._config_path is not None:
            write_atomic(self._config_path, text.encode())  # never half-saved
        if self._on_config is not None:
            self._on_config(text)

    # -- housekeeping -----------------------------------------------------------------------

    def _print(self, text: str) -> None:
        """Serial output, the core's or the shell's (marked `[emulator]`): log and listeners."""
        self.serial_log = (self.serial_log + text)[-SERIAL_LOG_LIMIT:]
        for listener in self.serial_listeners:
            listener(text)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        """Close the link, cancel background work and free the core."""
        ws, self._ws = self._ws, None
        self._generation += 1
        for task in list(self._tasks):
            task.cancel()
        if ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 2.0)
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.core.close()
