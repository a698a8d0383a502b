"""Faults inside an emulator process stay with the device they hit (issue 10 item 5).

A console line that once froze a whole `grouploop emulate` process (a command name cut
inside a UTF-8 character), a line with a NUL in it, a 16 MiB line with no end, and a device
whose emulation fails: the device concerned answers or halts with a reason, and the other
devices of the process keep streaming to the real hub.
"""

import asyncio
import re
import time

from tests.fixtures.devices import more_frames, subscribe
from tests.fixtures.hub import eventually
from tests.integration.test_emulator_cli import CONSOLE, stream_ids
from tests.support.timing import scaled

DEVICES = 5


class RawConsole:
    """A device's socket:// console as bytes, the way a terminal program sends them."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer, self.text = reader, writer, ""

    @classmethod
    async def open(cls, url: str) -> "RawConsole":
        host, port = url.removeprefix("socket://").rsplit(":", 1)
        return cls(*await asyncio.open_connection(host, int(port)))

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def expect(self, pattern: str, timeout: float) -> re.Match[str]:
        async def read() -> re.Match[str]:
            while not (match := re.search(pattern, self.text, re.M)):
                chunk = await self.reader.read(4096)
                assert chunk, f"console closed; got {self.text!r}"
                self.text += chunk.decode()  # strict: the console must send valid UTF-8
            self.text = self.text[match.end() :]
            return match

        return await asyncio.wait_for(read(), timeout)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


async def swarm_with_console(hub_client, emulate_process):
    sub = await subscribe(await hub_client())
    service = emulate_process(DEVICES, "--seed", "faults", "--console-port", "0")
    ids = await stream_ids(sub, DEVICES)
    await eventually(
        lambda: len(CONSOLE.findall(service.log_path.read_text())) == DEVICES, scaled(5), "ports"
    )
    bad_id, url = CONSOLE.findall(service.log_path.read_text())[0]
    return sub, ids, bad_id, await RawConsole.open(url)


async def test_a_name_cut_inside_a_character_is_answered_and_the_swarm_keeps_streaming(
    hub_client, emulate_process
):
    sub, ids, _bad_id, console = await swarm_with_console(hub_client, emulate_process)
    try:
        await console.send(b"cmd " + b"a" * 23 + "é".encode() + b"\n")  # 27 bytes
        answer = await console.expect(r"^ans:.*$", scaled(5))
        assert answer.group(0).strip() == (
            'ans:{"cmd":"' + "a" * 23 + '","ok":false,"error":"unknown_command"}'
        )
        # As the ESP32's shell: the whole line reaches the core, NUL included.
        await console.send(b"cmd led:ff0000\0garbage\n")
        answer = await console.expect(r"^ans:.*$", scaled(5))
        assert '"error":"invalid_parameters"' in answer.group(0)
        await more_frames(sub, ids, 20, len(sub.lines), scaled(10))  # all 5, the bad one too
    finally:
        await console.close()


async def test_a_16_mib_line_is_refused_in_bounded_time_and_the_swarm_keeps_streaming(
    hub_client, emulate_process
):
    sub, ids, _bad_id, console = await swarm_with_console(hub_client, emulate_process)
    try:
        start, mark = time.monotonic(), len(sub.lines)
        flood = asyncio.create_task(console.send(b"a" * (16 << 20) + b"\nstatus\n"))
        await more_frames(sub, ids, 20, mark, scaled(10))  # streaming through the flood
        await console.expect(r"^error:line too long\r?$", scaled(10))
        await console.expect(r'^ans:\{"cmd":"status","ok":true', scaled(5))
        elapsed = time.monotonic() - start
        await flood
        assert elapsed < scaled(10), f"the 16 MiB line took {elapsed:.1f} s"
    finally:
        await console.close()


async def test_a_device_whose_emulation_fails_is_halted_and_the_others_stream(
    hub_client, virtual_devices
):
    sub = await subscribe(await hub_client())
    swarm = await virtual_devices(DEVICES, seed="halt")
    ids = await stream_ids(sub, DEVICES)
    bad = swarm.devices[0]
    bad.core.close()  # every call into the core now raises: a broken device emulation
    await eventually(lambda: bad.fault is not None and not bad.connected, scaled(5), "halted")
    assert "the device is closed" in bad.fault
    assert "device halted: ValueError" in bad.serial_log
    others = ids - {bad.mac[-2:].hex()}  # its id; the core that knew it is gone
    await more_frames(sub, others, 20, len(sub.lines), scaled(10))
