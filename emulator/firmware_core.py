"""ctypes binding of the firmware core's C API (firmware/host/grouploop_core.h).

This is the one Python entry to the real firmware logic: the emulator, the swarm and the
tests drive a `Core` exactly as the ESP32 shell drives the core — time, sensor
samples, connection events, hub messages and console lines in; WebSocket messages, serial
text, shell actions, pixels and motor state out. Times are device milliseconds (uint32,
wrapping like `millis()`).
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import weakref
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
FIRMWARE_DIR = REPO_ROOT / "firmware"
DEFAULT_LIBRARY = FIRMWARE_DIR / "build" / "host" / "libgrouploop_core.so"
LIBRARY_ENV = "GL_CORE_LIB"  # overrides the library path
NUM_BEACONS = 4  # order: NW, NE, SE, SW
DEFAULT_BOARD = "seeed_xiao_esp32c3"


def firmware_version() -> str:
    """The version of the firmware sources (firmware/VERSION), as the ESP32 build uses it."""
    return (FIRMWARE_DIR / "VERSION").read_text().strip()


def library_path() -> Path:
    return Path(os.environ.get(LIBRARY_ENV) or DEFAULT_LIBRARY)


def build_library() -> Path:
    """Builds the host library with the firmware Makefile (a no-op when up to date)."""
    subprocess.run(["make", "-s", "-C", str(FIRMWARE_DIR / "host"), "lib"], check=True)
    return DEFAULT_LIBRARY


_u8p = ctypes.POINTER(ctypes.c_uint8)
_SIGNATURES: dict[str, tuple[Any, list[Any]]] = {
    "gl_create": (
        ctypes.c_void_p,
        [ctypes.c_char_p, _u8p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint32],
    ),
    "gl_destroy": (None, [ctypes.c_void_p]),
    "gl_tick": (None, [ctypes.c_void_p, ctypes.c_uint32]),
    "gl_set_accel": (None, [ctypes.c_void_p, ctypes.c_float, ctypes.c_float, ctypes.c_float]),
    "gl_set_rssi": (None, [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]),
    "gl_tap": (None, [ctypes.c_void_p]),
    "gl_wifi_event": (None, [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32]),
    "gl_ws_event": (None, [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32]),
    "gl_ws_receive": (None, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint32]),
    "gl_serial_line": (None, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint32]),
    "gl_ota_result": (None, [ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]),
    "gl_trust_key": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]),
    "gl_ota_data": (None, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]),
    "gl_ota_verify": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint32]),
    "gl_next_ws_message": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]),
    "gl_read_serial": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]),
    "gl_next_action": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]),
    "gl_num_pixels": (ctypes.c_int, []),
    "gl_pixels": (None, [ctypes.c_void_p, _u8p]),
    "gl_brightness": (ctypes.c_uint8, [ctypes.c_void_p]),
    "gl_motor_on": (ctypes.c_int, [ctypes.c_void_p]),
    "gl_device_id": (None, [ctypes.c_void_p, ctypes.c_char_p]),
    "gl_status_json": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]),
    "gl_ca_cert": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]),
    "gl_instance_size": (ctypes.c_uint32, []),
}


@cache
def load_library(path: Path | None = None) -> ctypes.CDLL:
    """Loads the host library (built by `make firmware-host`) and declares its signatures."""
    path = path or library_path()
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: build it with `make firmware-host`")
    lib = ctypes.CDLL(str(path))
    for name, (restype, argtypes) in _SIGNATURES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


def instance_size() -> int:
    """Bytes one device instance holds."""
    return int(load_library().gl_instance_size())


def _ms(now_ms: int) -> int:
    return now_ms & 0xFFFFFFFF


class Core:
    """One device running the firmware core: the C API one-to-one, as methods.

    `close()` (or `with`) frees it; a forgotten one is freed when garbage-collected.
    Not thread-safe. Pop-style outputs return None when there is nothing. `trusted_keys` are
    the OTA signing keys (DER SubjectPublicKeyInfo) the device trusts, as a firmware build
    compiles them in (grouploop.signing); without them every OTA is refused.
    """

    def __init__(
        self,
        config: dict[str, Any] | str | None,
        mac: bytes,
        version: str | None = None,
        board: str = DEFAULT_BOARD,
        now_ms: int = 0,
        *,
        trusted_keys: Sequence[bytes] = (),
        library: ctypes.CDLL | None = None,
    ) -> None:
        if len(mac) != 6:
            raise ValueError(f"a MAC has 6 bytes, got {len(mac)}")
        self._lib = library or load_library()
        #: LEDs of the device: the core's number, never repeated here (gl_num_pixels).
        self.num_pixels = int(self._lib.gl_num_pixels())
        config_text = json.dumps(config) if isinstance(config, dict) else (config or "")
        handle = self._lib.gl_create(
            config_text.encode(),
            (ctypes.c_uint8 * 6)(*mac),
            (version or firmware_version()).encode(),
            board.encode(),
            _ms(now_ms),
        )
        if not handle:
            raise MemoryError("gl_create failed")
        self._handle: int | None = handle
        self._buf = ctypes.create_string_buffer(4096)
        self._finalizer = weakref.finalize(self, self._lib.gl_destroy, handle)
        for der in trusted_keys:
            self.trust_key(der)

    def close(self) -> None:
        if self._handle is not None:
            self._finalizer()
            self._handle = None

    def __enter__(self) -> Core:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def _h(self) -> int:
        if self._handle is None:
            raise ValueError("the device is closed")
        return self._handle

    # Inputs.
    def tick(self, now_ms: int) -> None:
        self._lib.gl_tick(self._h, _ms(now_ms))

    def set_accel(self, ax_g: float, ay_g: float, az_g: float) -> None:
        self._lib.gl_set_accel(self._h, ax_g, ay_g, az_g)

    def set_rssi(self, beacon: int, rssi_dbm: int) -> None:
        if not 0 <= beacon < NUM_BEACONS:
            raise ValueError(f"beacon index {beacon} is not in 0..{NUM_BEACONS - 1}")
        self._lib.gl_set_rssi(self._h, beacon, rssi_dbm)

    def tap(self) -> None:
        self._lib.gl_tap(self._h)

    def wifi_event(self, connected: int | bool, now_ms: int) -> None:
        self._lib.gl_wifi_event(self._h, int(connected), _ms(now_ms))

    def ws_event(self, connected: int | bool, now_ms: int) -> None:
        self._lib.gl_ws_event(self._h, int(connected), _ms(now_ms))

    def ws_receive(self, text: str, now_ms: int) -> None:
        self._lib.gl_ws_receive(self._h, text.encode(), _ms(now_ms))

    def serial_line(self, line: str, now_ms: int) -> None:
        self._lib.gl_serial_line(self._h, line.encode(), _ms(now_ms))

    def ota_result(self, ok: int | bool, reason: str, now_ms: int) -> None:
        self._lib.gl_ota_result(self._h, int(ok), reason.encode(), _ms(now_ms))

    def trust_key(self, der: bytes) -> bool:
        """Start-up only: trust one OTA signing key (DER SubjectPublicKeyInfo, EC P-256)."""
        return bool(self._lib.gl_trust_key(self._h, der, len(der)))

    def ota_data(self, chunk: bytes) -> None:
        """Downloaded image bytes, in order, as they go to the inactive slot."""
        self._lib.gl_ota_data(self._h, chunk, len(chunk))

    def ota_verify(self, signature_b64: str, now_ms: int) -> bool:
        """The core's verdict on the downloaded image; False: refused and already answered."""
        return bool(self._lib.gl_ota_verify(self._h, signature_b64.encode(), _ms(now_ms)))

    # Outputs.
    def _pop(self, fn: Any) -> str | None:
        n = fn(self._h, self._buf, len(self._buf))
        if n < 0:  # -(needed + 1): grow and ask again (nothing was consumed)
            self._buf = ctypes.create_string_buffer(-n)
            n = fn(self._h, self._buf, len(self._buf))
        return ctypes.string_at(self._buf, n).decode() if n > 0 else None

    def next_ws_message(self) -> str | None:
        """Pops the oldest WebSocket message to send."""
        return self._pop(self._lib.gl_next_ws_message)

    def next_action(self) -> str | None:
        """Pops the oldest action for the shell: "<verb>[ <argument>]"."""
        return self._pop(self._lib.gl_next_action)

    def read_serial(self) -> str:
        """Drains the serial output text ("" when there is none)."""
        return self._pop(self._lib.gl_read_serial) or ""

    def drain_ws(self) -> list[str]:
        return list(iter(self.next_ws_message, None))

    def drain_actions(self) -> list[str]:
        return list(iter(self.next_action, None))

    def pixels(self) -> list[tuple[int, int, int]]:
        """Pixel colours after pattern and brightness."""
        raw = (ctypes.c_uint8 * (self.num_pixels * 3))()
        self._lib.gl_pixels(self._h, raw)
        return [(raw[3 * i], raw[3 * i + 1], raw[3 * i + 2]) for i in range(self.num_pixels)]

    def brightness(self) -> int:
        return int(self._lib.gl_brightness(self._h))

    def motor_on(self) -> bool:
        return bool(self._lib.gl_motor_on(self._h))

    def device_id(self) -> str:
        out = ctypes.create_string_buffer(5)
        self._lib.gl_device_id(self._h, out)
        return out.value.decode()

    def ca_cert(self) -> str:
        """The configured CA certificate (PEM), "" when none: what TLS servers are verified with."""
        return self._pop(self._lib.gl_ca_cert) or ""

    def status_json(self) -> str:
        """The device's state, the same JSON object as the "status" answer's data."""
        return self._pop(self._lib.gl_status_json) or "{}"
