"""The grouploop service's socket:// port counts the bytes waiting, as a reader needs."""

import socket
import time
from collections.abc import Iterator

import pytest
import serial

from pytest_embedded_grouploop.reset import fast_socket_reads
from tests.support.timing import scaled

BURST = b"x" * 5000


@pytest.fixture
def board_side() -> Iterator[tuple[socket.socket, str]]:
    """A listening socket standing in for a board; its socket:// URL."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server, f"socket://127.0.0.1:{server.getsockname()[1]}"


def _wait_for(port: serial.SerialBase, count: int) -> int:
    """`in_waiting` once it reaches `count`, or what it is after 2 s (bounded)."""
    deadline = time.monotonic() + scaled(2)
    while port.in_waiting < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return port.in_waiting


def test_socket_port_counts_every_waiting_byte(board_side: tuple[socket.socket, str]) -> None:
    server, url = board_side
    with fast_socket_reads():
        port = serial.serial_for_url(url, timeout=0.05)
    board, _ = server.accept()
    try:
        board.sendall(BURST)
        assert _wait_for(port, len(BURST)) == len(BURST)
        assert port.read_all() == BURST
        assert port.in_waiting == 0
    finally:
        board.close()
        port.close()


def test_pyserials_own_socket_port_counts_at_most_one_byte(
    board_side: tuple[socket.socket, str],
) -> None:
    # What the service works around; outside its block socket:// is pyserial's again.
    server, url = board_side
    with fast_socket_reads():
        pass
    port = serial.serial_for_url(url, timeout=0.05)
    board, _ = server.accept()
    try:
        board.sendall(BURST)
        assert _wait_for(port, 1) == 1
        time.sleep(0.1)  # the whole burst is in by now; the count stays 1
        assert port.in_waiting == 1
        assert len(port.read_all()) == 1
    finally:
        board.close()
        port.close()


def test_a_closed_connection_is_reported_by_the_next_read(
    board_side: tuple[socket.socket, str],
) -> None:
    server, url = board_side
    with fast_socket_reads():
        port = serial.serial_for_url(url, timeout=0.05)
    try:
        board, _ = server.accept()
        board.close()
        deadline = time.monotonic() + scaled(5)
        while port.in_waiting == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        with pytest.raises(serial.SerialException, match="disconnected"):
            port.read_all()
    finally:
        port.close()
