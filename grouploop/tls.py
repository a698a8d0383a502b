"""TLS for every GroupLoop server and for the clients that act as devices (docs/security.md, TLS).

Servers (hub, CDN, web apps) take a certificate chain and its key as PEM files: the flags
`--tls-cert/--tls-key`, or the environment (TLS_CERT/TLS_KEY, grouploop.settings). Neither
means plain ws/http, as before; one without the other is an error, never a silent downgrade.

Clients that verify a server the way a device does (a virtual device, the hub fetching the
command table from an https CDN) trust exactly one CA certificate given as PEM text: the
`ca_cert` of the device configuration. Hostname checking stays on.
"""

from __future__ import annotations

import argparse
import functools
import ssl
from dataclasses import dataclass
from pathlib import Path

from grouploop import settings


class TlsConfigError(ValueError):
    """A certificate, key or CA that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class ServerTls:
    """The certificate chain and key a server presents."""

    cert: Path
    key: Path

    def context(self) -> ssl.SSLContext:
        """A server context (TLS 1.2 or later) with the chain loaded; clear error if it fails."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            context.load_cert_chain(self.cert, self.key)
        except FileNotFoundError as exc:
            raise TlsConfigError(f"TLS: no such file {exc.filename}") from None
        except ssl.SSLError as exc:
            raise TlsConfigError(
                f"TLS: cannot use certificate {self.cert} with key {self.key}: {exc.reason}"
            ) from None
        return context


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """`--tls-cert/--tls-key` with the environment's TLS_CERT/TLS_KEY as defaults."""
    conf = settings.load()
    parser.add_argument(
        "--tls-cert",
        type=Path,
        default=conf.tls_cert,
        metavar="PEM",
        help="serve TLS with this certificate chain (TLS_CERT); needs --tls-key",
    )
    parser.add_argument(
        "--tls-key",
        type=Path,
        default=conf.tls_key,
        metavar="PEM",
        help="private key of --tls-cert (TLS_KEY)",
    )


def add_ca_argument(parser: argparse.ArgumentParser, flag: str, help_text: str) -> None:
    """A flag naming the PEM CA certificate clients verify the servers with (TLS_CA)."""
    parser.add_argument(
        flag, type=Path, default=settings.load().tls_ca, metavar="PEM", help=f"{help_text} (TLS_CA)"
    )


def server_tls(args: argparse.Namespace) -> ServerTls | None:
    """The parsed `--tls-cert/--tls-key`, or None for plain text; both or neither."""
    cert, key = args.tls_cert, args.tls_key
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        raise TlsConfigError("TLS needs both --tls-cert and --tls-key (TLS_CERT/TLS_KEY)")
    return ServerTls(Path(cert), Path(key))


@functools.lru_cache(maxsize=8)  # one context per CA, shared by a whole swarm's connections
def client_context(ca_pem: str) -> ssl.SSLContext:
    """A client context that trusts only the CA in `ca_pem` (PEM text), hostnames checked."""
    # Not create_default_context: that would also trust the system's CAs, a device trusts one.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED, hostnames checked
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_verify_locations(cadata=ca_pem)
    except (ssl.SSLError, ValueError) as exc:
        raise TlsConfigError(f"ca_cert is not a PEM CA certificate: {exc}") from None
    return context


def device_context(url: str, ca_pem: str) -> ssl.SSLContext | None:
    """What a device verifies `url`'s server with: None for ws:// and http://, else a context
    trusting only `ca_pem`. Without a CA a TLS URL is refused (TlsConfigError), never
    connected unverified."""
    if not url.startswith(("wss://", "https://")):
        return None
    if not ca_pem:
        raise TlsConfigError(f"{url.split(':', 1)[0]}:// needs a ca_cert to verify the server")
    return client_context(ca_pem)


def describe(exc: BaseException) -> str:
    """A failed connection's reason; a certificate the CA does not vouch for says so."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS: server certificate not trusted by ca_cert ({exc.verify_message})"
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, ssl.SSLCertVerificationError):
        return describe(cause)
    return str(exc) or type(exc).__name__
