"""The one configuration loader: environment variables with defaults that work on one laptop.

Variables (as in the original deployment): WS_HOST, WS_PORT, CDN_BASE_URL, WS_DEFAULT_URL,
plus CDN_HOST/CDN_PORT/CDN_FIRMWARE_DIR for the CDN itself, and TLS_CERT/TLS_KEY (the
certificate and key the servers present) and TLS_CA (the CA certificate clients verify them
with; grouploop.tls), and GL_BROKER (else REDIS_URL): the Redis a hub joins its cluster through
(docs/cluster.md). Command-line flags override them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_WS_PORT = 5003
DEFAULT_CDN_PORT = 5008
DEFAULT_DOCS_PORT = 5006
PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FIRMWARE_DIR = PROJECT_ROOT / "var" / "firmware"
WEB_APP_PORTS = {
    "socket-client": 5004,
    "simulator": 5005,
    "device-emulator": 5007,
    "device-control": 5009,
}


@dataclass(frozen=True)
class Settings:
    # Loopback: an open hub (no credentials) serves only this machine (docs/security.md).
    ws_host: str = "127.0.0.1"
    ws_port: int = DEFAULT_WS_PORT
    cdn_host: str = "0.0.0.0"
    cdn_port: int = DEFAULT_CDN_PORT
    cdn_base_url: str = f"http://localhost:{DEFAULT_CDN_PORT}"
    ws_default_url: str = f"ws://localhost:{DEFAULT_WS_PORT}"
    # Firmware images and manifest.json: served by the CDN, written by `grouploop publish`.
    cdn_firmware_dir: Path = DEFAULT_FIRMWARE_DIR
    # PEM files; None (the default) means plain ws:// and http://.
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_ca: Path | None = None
    # redis://host:port/db of the hub cluster; None: one hub on its own.
    broker_url: str | None = None


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        port = int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise ValueError(f"{name}={raw!r} is out of the port range 0..65535")
    return port


def _path(env: Mapping[str, str], name: str) -> Path | None:
    raw = env.get(name)
    return Path(raw) if raw else None


def load(env: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from `env` (the process environment by default)."""
    env = os.environ if env is None else env
    ws_port = _port(env, "WS_PORT", DEFAULT_WS_PORT)
    cdn_port = _port(env, "CDN_PORT", DEFAULT_CDN_PORT)
    return Settings(
        ws_host=env.get("WS_HOST") or Settings.ws_host,
        ws_port=ws_port,
        cdn_host=env.get("CDN_HOST") or "0.0.0.0",
        cdn_port=cdn_port,
        cdn_base_url=(env.get("CDN_BASE_URL") or f"http://localhost:{cdn_port}").rstrip("/"),
        ws_default_url=env.get("WS_DEFAULT_URL") or f"ws://localhost:{ws_port}",
        cdn_firmware_dir=Path(env.get("CDN_FIRMWARE_DIR") or DEFAULT_FIRMWARE_DIR),
        tls_cert=_path(env, "TLS_CERT"),
        tls_key=_path(env, "TLS_KEY"),
        tls_ca=_path(env, "TLS_CA"),
        broker_url=env.get("GL_BROKER") or env.get("REDIS_URL") or None,
    )
