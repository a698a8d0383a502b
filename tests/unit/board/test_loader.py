"""The ROM loader and stub protocol, packet in → packet out, without any I/O."""

from __future__ import annotations

import hashlib
import struct
import zlib

import pytest

from emulator.board import slip
from emulator.board.chip import Chip
from emulator.board.flash import Flash
from emulator.board.loader import OHAI, ROM_SYNC_VALUE, SYNC_DATA, Exit, Loader, Op
from grouploop.esp.image import xor_checksum

MAC = bytes.fromhex("02a1b2c3d4e5")


def command(op: int, data: bytes = b"", checksum: int = 0) -> bytes:
    return slip.encode(struct.pack("<BBHI", 0, op, len(data), checksum) + data)


def block(op: int, payload: bytes, seq: int, checksum: int | None = None) -> bytes:
    data = struct.pack("<IIII", len(payload), seq, 0, 0) + payload
    return command(op, data, xor_checksum(payload) if checksum is None else checksum)


def responses(loader: Loader) -> list[tuple[int, int, bytes]]:
    """(op, value, body) of every response sent since the last call."""
    out = []
    for frame in slip.Decoder().feed(loader.data_to_send()):
        if frame == OHAI:
            out.append((-1, 0, frame))
            continue
        direction, op, size, value = struct.unpack_from("<BBHI", frame)
        assert direction == 1 and size == len(frame) - 8
        out.append((op, value, frame[8:]))
    return out


def ok(loader: Loader, packet: bytes) -> tuple[int, bytes]:
    loader.receive_data(packet)
    ((op, value, body),) = responses(loader)
    status = body[-4:-2] if not loader.stub else body[-2:]
    assert status == b"\0\0", f"op 0x{op:02x} failed: {status.hex()}"
    return value, body[: -4 if not loader.stub else -2]


def error(loader: Loader, packet: bytes) -> int:
    loader.receive_data(packet)
    ((_, _, body),) = responses(loader)
    failed, code = (body[-4], body[-3]) if not loader.stub else (body[-2], body[-1])
    assert failed == 1
    return code


@pytest.fixture
def loader() -> Loader:
    return Loader(Chip(MAC), Flash())


def start_stub(loader: Loader) -> None:
    ok(loader, command(Op.MEM_BEGIN, struct.pack("<IIII", 4, 1, 4, 0x40380000)))
    ok(loader, block(Op.MEM_DATA, b"\x6f\0\0\0", 0))
    loader.receive_data(command(Op.MEM_END, struct.pack("<II", 0, 0x40380000)))
    (op, _, _), greeting = responses(loader)
    assert op == Op.MEM_END and greeting[2] == OHAI
    assert loader.stub


def test_sync_is_answered_eight_times_by_rom_and_stub(loader: Loader) -> None:
    loader.receive_data(command(Op.SYNC, SYNC_DATA))
    answers = responses(loader)
    assert len(answers) == 8 and {value for _, value, _ in answers} == {ROM_SYNC_VALUE}
    start_stub(loader)
    loader.receive_data(command(Op.SYNC, SYNC_DATA))
    assert {value for _, value, _ in responses(loader)} == {0}  # esptool: "stub is running"


def test_registers_give_the_mac_and_chip_id(loader: Loader) -> None:
    word0, _ = ok(loader, command(Op.READ_REG, struct.pack("<I", 0x60008844)))
    word1, _ = ok(loader, command(Op.READ_REG, struct.pack("<I", 0x60008848)))
    assert struct.pack(">II", word1, word0)[2:] == MAC
    _, info = ok(loader, command(Op.GET_SECURITY_INFO))
    assert struct.unpack("<IB7sII", info)[3] == 5


def test_rom_plain_write_then_flash_end_runs_the_app(loader: Loader) -> None:
    data = bytes(range(256)) * 4
    ok(loader, command(Op.FLASH_BEGIN, struct.pack("<IIIII", 1024, 1, 1024, 0x10000, 0)))
    ok(loader, block(Op.FLASH_DATA, data, 0))
    assert loader.flash.read(0x10000, 1024) == data
    _, md5 = ok(loader, command(Op.SPI_FLASH_MD5, struct.pack("<IIII", 0x10000, 1024, 0, 0)))
    assert md5 == hashlib.md5(data).hexdigest().encode()  # the ROM answers in hex text
    ok(loader, command(Op.FLASH_END, struct.pack("<I", 1)))
    assert loader.exit is Exit.RUN_APP


def test_bad_checksum_and_out_of_order_blocks_are_refused(loader: Loader) -> None:
    ok(loader, command(Op.FLASH_BEGIN, struct.pack("<IIIII", 2048, 2, 1024, 0, 0)))
    assert error(loader, block(Op.FLASH_DATA, bytes(1024), 0, checksum=0x12)) == 0x07
    assert error(loader, block(Op.FLASH_DATA, bytes(1024), 1)) == 0x05
    start_stub(loader)
    ok(loader, command(Op.FLASH_BEGIN, struct.pack("<IIIII", 1024, 1, 1024, 0, 0)))
    assert error(loader, block(Op.FLASH_DATA, bytes(1024), 0, checksum=0x12)) == 0xC1


def test_stub_compressed_write_md5_and_read_flash_stream(loader: Loader) -> None:
    start_stub(loader)
    data = bytes(range(256)) * 40  # 10 KiB
    packed = zlib.compress(data)
    ok(loader, command(Op.FLASH_DEFL_BEGIN, struct.pack("<IIIII", len(data), 2, 0x400, 0, 0)))
    for seq, at in enumerate(range(0, len(packed), 0x400)):
        ok(loader, block(Op.FLASH_DEFL_DATA, packed[at : at + 0x400], seq))
    ok(loader, command(Op.FLASH_DEFL_END, struct.pack("<I", 1)))
    assert loader.exit is None and loader.stub  # the stub stays
    _, md5 = ok(loader, command(Op.SPI_FLASH_MD5, struct.pack("<IIII", 0, len(data), 0, 0)))
    assert md5 == hashlib.md5(data).digest()

    loader.receive_data(command(Op.READ_FLASH, struct.pack("<IIII", 0, len(data), 4096, 2)))
    decoder = slip.Decoder()
    frames = decoder.feed(loader.data_to_send())
    assert len(frames) == 3  # the response, then a window of two packets
    got = frames[1] + frames[2]
    loader.receive_data(slip.encode(struct.pack("<I", len(got))))
    (last,) = decoder.feed(loader.data_to_send())
    got += last
    loader.receive_data(slip.encode(struct.pack("<I", len(got))))
    (digest,) = decoder.feed(loader.data_to_send())
    assert got == data and digest == hashlib.md5(data).digest()


def test_corrupt_deflate_stream_is_an_inflate_error(loader: Loader) -> None:
    start_stub(loader)
    ok(loader, command(Op.FLASH_DEFL_BEGIN, struct.pack("<IIIII", 4096, 1, 0x400, 0, 0)))
    assert error(loader, block(Op.FLASH_DEFL_DATA, b"not zlib at all", 0)) == 0xC7


def test_erase_commands_are_stub_only_and_sector_aligned(loader: Loader) -> None:
    loader.flash.program(0, bytes(8192))
    assert error(loader, command(Op.ERASE_REGION, struct.pack("<II", 0, 4096))) == 0x05
    start_stub(loader)
    assert error(loader, command(Op.ERASE_REGION, struct.pack("<II", 1, 4096))) == 0xC4
    ok(loader, command(Op.ERASE_REGION, struct.pack("<II", 4096, 4096)))
    assert loader.flash.read(0, 8192) == bytes(4096) + b"\xff" * 4096
    ok(loader, command(Op.ERASE_FLASH))
    assert loader.flash.read(0, 4096) == b"\xff" * 4096


def test_rom_read_flash_slow_gives_64_byte_blocks(loader: Loader) -> None:
    loader.flash.program(0x2000, b"abc")
    _, body = ok(loader, command(Op.READ_FLASH_SLOW, struct.pack("<II", 0x2000, 3)))
    assert body == b"abc" + b"\xff" * 61


def test_writes_past_the_end_and_unknown_commands_are_refused(loader: Loader) -> None:
    past = struct.pack("<IIIII", 0x2000, 2, 0x1000, 0x3FF000, 0)
    assert error(loader, command(Op.FLASH_BEGIN, past)) == 0x05
    assert error(loader, command(0x55)) == 0x05
    start_stub(loader)
    assert error(loader, command(0x55)) == 0xFF


def test_watchdog_and_run_user_code_leave_the_loader(loader: Loader) -> None:
    ok(loader, command(Op.WRITE_REG, struct.pack("<IIII", 0x60008090, 1 << 31, 0xFFFFFFFF, 0)))
    assert loader.exit is Exit.RESET
    ok(loader, command(Op.WRITE_REG, struct.pack("<IIII", 0x600080A8, 0, 0xFFFFFFFF, 0)))
    other = Loader(Chip(MAC), Flash())
    start_stub(other)
    other.receive_data(command(Op.RUN_USER_CODE))
    assert other.exit is Exit.RUN_APP and other.data_to_send() == b""


def test_spi_user_commands_give_jedec_id_and_sfdp(loader: Loader) -> None:
    def spi(command_byte: int) -> int:
        ok(
            loader,
            command(
                Op.WRITE_REG,
                struct.pack("<IIII", 0x60002020, 0x70000000 | command_byte, 0xFFFFFFFF, 0),
            ),
        )
        ok(loader, command(Op.WRITE_REG, struct.pack("<IIII", 0x60002000, 1 << 18, 0xFFFFFFFF, 0)))
        busy, _ = ok(loader, command(Op.READ_REG, struct.pack("<I", 0x60002000)))
        assert not busy & (1 << 18)
        value, _ = ok(loader, command(Op.READ_REG, struct.pack("<I", 0x60002058)))
        return value

    assert spi(0x9F) == 0x1640C8
    assert spi(0x5A) == 0x50444653
