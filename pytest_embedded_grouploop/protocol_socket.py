"""pyserial's socket:// port with an `in_waiting` that counts the bytes waiting.

pyserial 3.5 answers `in_waiting` on socket:// with 0 or 1 (whether select() says the socket
is readable), so a reader that polls `read_all()` (pytest-embedded reads every 50 ms) gets
one byte per poll: 20 bytes/s. Peeking at the socket's receive buffer gives the real count.
pyserial finds this module by its name once the package is in
`serial.protocol_handler_packages` (see reset.fast_socket_reads).
"""

from __future__ import annotations

import socket

from serial import PortNotOpenError
from serial.urlhandler import protocol_socket

PEEK_LIMIT = 65536  # more than a serial line delivers between two polls


class Serial(protocol_socket.Serial):
    @property
    def in_waiting(self) -> int:
        if not self.is_open:
            raise PortNotOpenError()
        try:  # pyserial opens the socket non-blocking: nothing waiting raises
            waiting = self._socket.recv(PEEK_LIMIT, socket.MSG_PEEK)
        except BlockingIOError:
            return 0
        # b"": the board closed the connection; 1 lets the next read() report it as before.
        return len(waiting) or 1
