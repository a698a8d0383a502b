"""The serial port's output rules, without a socket: held while no host is there, released
after the open delay, bounded, and dropped when the device stops printing console text."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from emulator import serial_port
from emulator.serial_port import BACKLOG_LIMIT, HeldOutput


class Wire:
    """A device side that only says whether it prints console text."""

    name = "wire"

    def __init__(self) -> None:
        self.printing_console = True

    def attach(self, send: Callable[[bytes], None], *, modem_lines: bool) -> None: ...
    def receive(self, data: bytes) -> None: ...
    def set_lines(self, *, dtr: bool, rts: bool) -> None: ...
    def host_closed(self) -> None: ...


async def settle() -> None:
    await asyncio.sleep(serial_port.RELEASE_DELAY_S * 2)


async def test_output_while_nobody_listens_is_held_and_released_after_the_open_delay() -> None:
    sent: list[bytes] = []
    output = HeldOutput(Wire(), sent.append)
    output.write(b"boot\r\n")
    output.host_opened()
    output.write(b"more\r\n")  # within the delay: queued behind the held output
    assert sent == []
    await settle()
    assert sent == [b"boot\r\nmore\r\n"]
    output.write(b"live")
    assert sent[-1] == b"live"  # once released, output goes straight through


async def test_the_backlog_keeps_only_the_newest_bytes() -> None:
    sent: list[bytes] = []
    output = HeldOutput(Wire(), sent.append)
    output.write(b"x" * BACKLOG_LIMIT + b"newest")
    output.host_opened()
    await settle()
    assert len(sent[0]) == BACKLOG_LIMIT and sent[0].endswith(b"newest")


async def test_held_console_text_is_dropped_once_the_device_answers_a_protocol() -> None:
    sent: list[bytes] = []
    device = Wire()
    output = HeldOutput(device, sent.append)
    output.write(b"old console text")
    output.host_opened()
    device.printing_console = False  # a SYNC put the board into its ROM loader
    output.write(b"\xc0sync answer\xc0")
    assert sent == [b"\xc0sync answer\xc0"]  # at once, without the stale text
    await settle()
    assert sent == [b"\xc0sync answer\xc0"]


async def test_a_host_leaving_stops_delivery_until_the_next_opens() -> None:
    sent: list[bytes] = []
    output = HeldOutput(Wire(), sent.append)
    output.host_opened()
    await settle()
    output.host_left()
    output.write(b"while closed")
    assert sent == []
    output.host_opened()
    await settle()
    assert sent == [b"while closed"]
