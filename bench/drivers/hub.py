"""A stream subscriber on the hub: what a device sends (frames, answers) as a test sees it.

`HubLink` connects like any client (with the bench's token, `?token=`, when the hub has auth
on), sends `s`, and keeps every line with its arrival time, so a test can `expect` an answer,
count a device's frames or send a `cmd:` and read the result. It uses the synchronous
`websockets` client on a reader thread, and the console driver's `expect` (grouploop.expect):
each line arrives as `<line>\n`, so `^…$` patterns match whole lines.
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path
from typing import IO

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from grouploop import tls
from grouploop.expect import Match, Transcript
from grouploop.frame import is_frame
from hub.core import GREETING


class HubLink:
    def __init__(
        self,
        url: str,
        log_path: Path | None = None,
        timeout: float = 10.0,
        ca_cert: str = "",
        token: str | None = None,
    ):
        """`ca_cert`: the PEM CA a wss:// hub is verified with, as the devices do; `token`:
        the bench's token for a hub with auth on (sent as `?token=`)."""
        self.url = url
        self._log: IO[str] | None = log_path.open("a", encoding="utf-8") if log_path else None
        self._lines: list[tuple[float, str]] = []  # with arrival times, for `frames`
        self._lines_lock = threading.Lock()
        # Frames are too many to show when an answer does not come.
        self.transcript = Transcript("hub", "from the hub", hide=is_frame)
        self._stack = contextlib.ExitStack()
        self._ws: ClientConnection = self._stack.enter_context(
            connect(
                f"{url.rstrip('/')}/?token={token}" if token else url,
                open_timeout=timeout,
                max_size=None,
                ssl=tls.device_context(url, ca_cert),
            )
        )
        self._reader = threading.Thread(target=self._read, name="hub-link", daemon=True)
        self._reader.start()
        self.expect_exact(GREETING, timeout)
        if token:
            self.expect("^auth:ok:", timeout)
        self.send("s")
        self.expect("^stream:on$", timeout)

    def _read(self) -> None:
        try:
            for message in self._ws:
                now = time.monotonic()
                text = message if isinstance(message, str) else message.decode()
                lines = [line for line in text.split("\n") if line]
                with self._lines_lock:
                    self._lines.extend((now, line) for line in lines)
                self.transcript.feed("".join(f"{line}\n" for line in lines).encode())
                if self._log:
                    # Frames are too many to log one by one; answers and results are kept.
                    for line in lines:
                        if not is_frame(line):
                            self._log.write(f"{time.strftime('%H:%M:%S')} hub< {line}\n")
                    self._log.flush()
        except ConnectionClosed:
            pass

    def send(self, text: str) -> None:
        if self._log:
            self._log.write(f"{time.strftime('%H:%M:%S')} hub> {text}\n")
        self._ws.send(text)

    def skip(self) -> None:
        self.transcript.skip()

    def expect(self, pattern: str, timeout: float) -> Match:
        """The next match of `pattern` (after the previous match) in the hub's lines."""
        return self.transcript.expect(pattern, timeout)

    def expect_exact(self, text: str, timeout: float) -> Match:
        return self.transcript.expect_exact(text, timeout)

    def command(self, target: str, command: str, timeout: float) -> str:
        """Send `cmd:<target>:<command>` and return the hub's `cmd:…` result line."""
        self.skip()
        self.send(f"cmd:{target}:{command}")
        return str(self.expect(r"^cmd:(result|error):.*$", timeout).group(0))

    def frames(self, device_id: str, seconds: float) -> list[tuple[float, str]]:
        """The device's frames that arrive during the next `seconds`, with arrival times."""
        with self._lines_lock:
            start = len(self._lines)
        time.sleep(seconds)  # the measurement window itself; nothing to await
        with self._lines_lock:
            window = self._lines[start:]
        return [(t, line) for t, line in window if is_frame(line) and line[:4] == device_id]

    def close(self) -> None:
        self._stack.close()
        self._reader.join(5)
        if self._log:
            self._log.close()
            self._log = None
