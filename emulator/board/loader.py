"""The ESP32-C3 serial download protocol, as the ROM loader and esptool's stub answer it.

Sans-I/O: `receive_data(bytes)` in, `data_to_send()` out, and `exit` says when the loader
has been left (and how), for the board to act on. Nothing here touches a socket or a clock.

Packets (SLIP framed, little-endian): a command is `00 op size:u16 checksum:u32 data`, a
response `01 op size:u16 value:u32 data status`. The ROM's status is 4 bytes (failed,
error, 0, 0), the stub's 2. The checksum (0xEF XOR the payload) covers the data blocks of
FLASH_DATA, FLASH_DEFL_DATA and MEM_DATA.

What is covered, ROM and stub alike unless noted: SYNC (8 answers; value 0x20120707 from
the ROM, 0 from the stub, which is how esptool recognises a running stub), READ_REG,
WRITE_REG, GET_SECURITY_INFO (chip id 5), SPI_ATTACH, SPI_SET_PARAMS, CHANGE_BAUDRATE (no
wire speed to change), FLASH_BEGIN/DATA/END, FLASH_DEFL_BEGIN/DATA/END (zlib),
SPI_FLASH_MD5 (hex text from the ROM, 16 raw bytes from the stub), READ_FLASH_SLOW (ROM,
64 bytes per command), MEM_BEGIN/DATA/END (running uploaded code starts the stub: it greets
with `OHAI`), and stub-only ERASE_FLASH, ERASE_REGION, READ_FLASH (streamed in packets the
host acknowledges, then the MD5) and RUN_USER_CODE. Anything else is refused the way the
ROM (error 0x05) or the stub (0xFF) refuses it.

Leaving the loader: the ROM runs the app after FLASH_END/FLASH_DEFL_END; the stub reboots
into the ROM loader on FLASH_END with "reboot" (esptool's `--after no-reset`) and runs the
app on RUN_USER_CODE; enabling the RTC watchdog resets the chip.
"""

from __future__ import annotations

import enum
import hashlib
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from emulator.board import slip
from emulator.board.chip import Chip
from emulator.board.flash import Flash, FlashError
from grouploop.esp.image import xor_checksum

SYNC_DATA = b"\x07\x07\x12\x20" + b"\x55" * 32
ROM_SYNC_VALUE = 0x20120707
CHIP_ID = 5
OHAI = b"OHAI"


class Op(enum.IntEnum):
    FLASH_BEGIN = 0x02
    FLASH_DATA = 0x03
    FLASH_END = 0x04
    MEM_BEGIN = 0x05
    MEM_END = 0x06
    MEM_DATA = 0x07
    SYNC = 0x08
    WRITE_REG = 0x09
    READ_REG = 0x0A
    SPI_SET_PARAMS = 0x0B
    SPI_ATTACH = 0x0D
    READ_FLASH_SLOW = 0x0E
    CHANGE_BAUDRATE = 0x0F
    FLASH_DEFL_BEGIN = 0x10
    FLASH_DEFL_DATA = 0x11
    FLASH_DEFL_END = 0x12
    SPI_FLASH_MD5 = 0x13
    GET_SECURITY_INFO = 0x14
    ERASE_FLASH = 0xD0
    ERASE_REGION = 0xD1
    READ_FLASH = 0xD2
    RUN_USER_CODE = 0xD3


class RomError(enum.IntEnum):
    INVALID_MESSAGE = 0x05
    FAILED_TO_ACT = 0x06
    INVALID_CRC = 0x07
    FLASH_WRITE = 0x08
    DEFLATE = 0x0B


class StubError(enum.IntEnum):
    BAD_DATA_LEN = 0xC0
    BAD_DATA_CHECKSUM = 0xC1
    FAILED_SPI_OP = 0xC4
    NOT_IN_FLASH_MODE = 0xC6
    INFLATE_ERROR = 0xC7
    TOO_MUCH_DATA = 0xC9
    NOT_IMPLEMENTED = 0xFF


# The same failure as each loader reports it: (ROM code, stub code).
BAD_CHECKSUM = (RomError.INVALID_CRC, StubError.BAD_DATA_CHECKSUM)
BAD_REQUEST = (RomError.INVALID_MESSAGE, StubError.BAD_DATA_LEN)
NOT_WRITING = (RomError.FAILED_TO_ACT, StubError.NOT_IN_FLASH_MODE)
FLASH_FAILED = (RomError.FLASH_WRITE, StubError.FAILED_SPI_OP)
INFLATE_FAILED = (RomError.DEFLATE, StubError.INFLATE_ERROR)
TOO_MUCH = (RomError.DEFLATE, StubError.TOO_MUCH_DATA)
UNSUPPORTED = (RomError.INVALID_MESSAGE, StubError.NOT_IMPLEMENTED)


class Exit(enum.Enum):
    RUN_APP = "run the app in flash"
    RESET = "chip reset (watchdog)"


class Refused(Exception):
    """A command the loader answers with a failure status."""

    def __init__(self, codes: tuple[int, int], why: str) -> None:
        super().__init__(why)
        self.codes = codes


@dataclass
class _Write:
    """A FLASH_BEGIN or FLASH_DEFL_BEGIN in progress."""

    offset: int
    size: int  # bytes the host may write (uncompressed)
    block_size: int
    inflater: zlib._Decompress | None  # set for a compressed write
    next_seq: int = 0
    written: int = 0


@dataclass
class _Read:
    """A stub READ_FLASH in progress: packets go out ahead of the host's acknowledgements."""

    data: bytes
    packet_size: int
    window: int  # packets that may be unacknowledged
    sent: int = 0
    acked: int = 0


@dataclass
class _Ram:
    """Code and data uploaded with MEM_BEGIN/MEM_DATA."""

    address: int
    size: int
    data: bytearray
    next_seq: int = 0


class Loader:
    """One download-mode session of one chip: the ROM loader, later the stub."""

    def __init__(
        self, chip: Chip, flash: Flash, on_refused: Callable[[str], None] = lambda why: None
    ) -> None:
        self.chip = chip
        self._on_refused = on_refused  # why a command failed, for the board's log
        self.flash = flash
        self.stub = False
        self.exit: Exit | None = None
        self.flash_size = flash.size  # what SPI_SET_PARAMS last said
        self._decoder = slip.Decoder()
        self._out: list[bytes] = []
        self._write: _Write | None = None
        self._read: _Read | None = None
        self._ram: list[_Ram] = []
        self._start_stub = False

    # -- I/O-free interface ---------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        for frame in self._decoder.feed(data):
            if self.exit is Exit.RUN_APP:
                return  # the app runs now; the board takes over (a watchdog still ticks)
            if self._read is not None:
                self._acknowledged(frame)
            else:
                self.receive_packet(frame)

    def data_to_send(self) -> bytes:
        out, self._out = b"".join(self._out), []
        return out

    def receive_packet(self, packet: bytes) -> None:
        """One decoded frame from the host."""
        if len(packet) < 8 or packet[0] != 0x00:
            return  # not a command: the ROM ignores it
        op, size, checksum = struct.unpack_from("<BHI", packet, 1)
        data = packet[8:]
        handler = HANDLERS.get(op)
        try:
            if size != len(data):
                raise Refused(BAD_REQUEST, f"size field {size}, {len(data)} bytes of data")
            if handler is None or (op >= 0xD0 and not self.stub):
                raise Refused(UNSUPPORTED, f"command 0x{op:02x} not supported")
            result = handler(self, data, checksum)
        except Refused as refused:
            self._refuse(op, refused.codes, str(refused))
        except struct.error:
            self._refuse(op, BAD_REQUEST, "parameters too short")
        except FlashError as exc:
            self._refuse(op, FLASH_FAILED, str(exc))
        else:
            if result is not None:
                self._respond(op, *result)
            self._after(op)

    # -- responses ------------------------------------------------------------------------

    def _respond(self, op: int, value: int = 0, body: bytes = b"", error: int = 0) -> None:
        status = bytes([1 if error else 0, error]) + (b"" if self.stub else b"\0\0")
        payload = struct.pack("<BBHI", 1, op, len(body) + len(status), value) + body + status
        self._out.append(slip.encode(payload))

    def _refuse(self, op: int, codes: tuple[int, int], why: str) -> None:
        code = codes[self.stub]
        loader = "stub" if self.stub else "ROM"
        self._on_refused(f"{loader} refused command 0x{op:02x} with 0x{code:02x}: {why}")
        self._respond(op, error=code)

    def _after(self, op: int) -> None:
        """Effects that follow the response on the wire."""
        if op == Op.MEM_END and self._start_stub:
            self.stub, self._start_stub = True, False
            self._ram.clear()
            self._out.append(slip.encode(OHAI))
        elif op == Op.READ_FLASH:
            self._send_read_packets()

    # -- commands -------------------------------------------------------------------------

    def _sync(self, data: bytes, _: int) -> None:
        if data != SYNC_DATA:
            raise Refused(BAD_REQUEST, "not a SYNC pattern")
        value = 0 if self.stub else ROM_SYNC_VALUE
        for _ in range(8):  # every SYNC is answered eight times; esptool reads them all
            self._respond(Op.SYNC, value)

    def _read_reg(self, data: bytes, _: int) -> tuple[int, bytes]:
        (address,) = struct.unpack("<I", data)
        return self.chip.read(address), b""

    def _write_reg(self, data: bytes, _: int) -> tuple[int, bytes]:
        if not data or len(data) % 16:
            raise Refused(BAD_REQUEST, "WRITE_REG takes (address, value, mask, delay) words")
        for at in range(0, len(data), 16):
            address, value, mask, _delay = struct.unpack_from("<IIII", data, at)
            if self.chip.write(address, value, mask):
                self.exit = Exit.RESET
        return 0, b""

    def _security_info(self, data: bytes, _: int) -> tuple[int, bytes]:
        # flags (all security off), flash_crypt_cnt, 7 key purposes, chip id, API version
        return 0, struct.pack("<IB7sII", 0, 0, bytes(7), CHIP_ID, 0)

    def _accept(self, data: bytes, _: int) -> tuple[int, bytes]:
        return 0, b""  # SPI_ATTACH, CHANGE_BAUDRATE: nothing to set up on a virtual wire

    def _spi_params(self, data: bytes, _: int) -> tuple[int, bytes]:
        _id, total, _block, _sector, _page, _mask = struct.unpack("<IIIIII", data)
        if total > self.flash.size:
            raise Refused(BAD_REQUEST, f"flash is {self.flash.size} bytes, not {total}")
        self.flash_size = total
        return 0, b""

    def _begin(self, data: bytes, *, compressed: bool) -> tuple[int, bytes]:
        # Plain: (erase size, blocks, block size, offset); compressed: the first word is the
        # uncompressed size (the stub) or the erase size (the ROM). Both may add "encrypted".
        size, blocks, block_size, offset = struct.unpack_from("<IIII", data)
        if len(data) not in (16, 20):
            raise Refused(BAD_REQUEST, f"{len(data)} bytes of begin parameters")
        if len(data) == 20 and struct.unpack_from("<I", data, 16)[0]:
            raise Refused(BAD_REQUEST, "encrypted writes are not emulated")
        length = size if compressed else max(size, blocks * block_size)
        if offset + length > self.flash_size:
            raise Refused(BAD_REQUEST, f"0x{offset:x}+0x{length:x} is past the end of flash")
        self.flash.erase_covering(offset, size)
        inflater = zlib.decompressobj() if compressed else None
        self._write = _Write(offset, length, block_size, inflater)
        return 0, b""

    def _flash_begin(self, data: bytes, _: int) -> tuple[int, bytes]:
        return self._begin(data, compressed=False)

    def _defl_begin(self, data: bytes, _: int) -> tuple[int, bytes]:
        return self._begin(data, compressed=True)

    def _block(self, data: bytes, checksum: int) -> tuple[int, bytes]:
        """The header and checks shared by FLASH_DATA, FLASH_DEFL_DATA and MEM_DATA."""
        length, seq, _, _ = struct.unpack_from("<IIII", data)
        block = data[16:]
        if length != len(block):
            raise Refused(BAD_REQUEST, f"block says {length} bytes, carries {len(block)}")
        if xor_checksum(block) != checksum:
            raise Refused(BAD_CHECKSUM, f"checksum mismatch in block {seq}")
        return seq, block

    def _expect_block(self, seq: int, *, compressed: bool) -> _Write:
        write = self._write
        if write is None or (write.inflater is not None) != compressed:
            raise Refused(NOT_WRITING, "no flash write begun")
        if seq != write.next_seq:
            raise Refused(BAD_REQUEST, f"block {seq} out of order (expected {write.next_seq})")
        return write

    def _flash_data(self, data: bytes, checksum: int) -> tuple[int, bytes]:
        seq, block = self._block(data, checksum)
        write = self._expect_block(seq, compressed=False)
        if len(block) > write.block_size:
            raise Refused(BAD_REQUEST, f"{len(block)}-byte block, {write.block_size} begun")
        return self._append(write, block, BAD_REQUEST, "FLASH_BEGIN")

    def _defl_data(self, data: bytes, checksum: int) -> tuple[int, bytes]:
        seq, block = self._block(data, checksum)
        write = self._expect_block(seq, compressed=True)
        assert write.inflater is not None
        try:
            plain = write.inflater.decompress(block)
        except zlib.error as exc:
            raise Refused(INFLATE_FAILED, str(exc)) from None
        return self._append(write, plain, TOO_MUCH, "FLASH_DEFL_BEGIN")

    def _append(
        self, write: _Write, data: bytes, error: tuple[int, int], begin: str
    ) -> tuple[int, bytes]:
        """Program the next block of a write; never past the size its BEGIN announced."""
        if write.written + len(data) > write.size:
            raise Refused(error, f"more data than {begin} announced")
        self.flash.program(write.offset + write.written, data)
        write.written += len(data)
        write.next_seq += 1
        return 0, b""

    def _flash_end(self, data: bytes, _: int) -> tuple[int, bytes]:
        (stay,) = struct.unpack("<I", data)
        self._write = None
        if not self.stub:
            self.exit = Exit.RUN_APP  # the ROM leaves the loader on any FLASH_END
        elif not stay:
            self.stub = False  # the stub "reboots" back into the ROM loader
        return 0, b""

    def _md5(self, data: bytes, _: int) -> tuple[int, bytes]:
        offset, size, _, _ = struct.unpack("<IIII", data)
        digest = hashlib.md5(self.flash.read(offset, size))
        return 0, digest.digest() if self.stub else digest.hexdigest().encode()

    def _read_slow(self, data: bytes, _: int) -> tuple[int, bytes]:
        if self.stub:
            raise Refused(UNSUPPORTED, "READ_FLASH_SLOW is a ROM command")
        offset, length = struct.unpack("<II", data)
        if length > 64:
            raise Refused(BAD_REQUEST, "READ_FLASH_SLOW reads at most 64 bytes")
        return 0, self.flash.read(offset, length).ljust(64, b"\xff")

    def _erase_flash(self, data: bytes, _: int) -> tuple[int, bytes]:
        self.flash.erase(0, self.flash.size)
        return 0, b""

    def _erase_region(self, data: bytes, _: int) -> tuple[int, bytes]:
        offset, size = struct.unpack("<II", data)
        self.flash.erase(offset, size)
        return 0, b""

    def _read_flash(self, data: bytes, _: int) -> tuple[int, bytes]:
        offset, length, packet_size, window = struct.unpack("<IIII", data)
        if not packet_size or not window:
            raise Refused(BAD_REQUEST, "READ_FLASH needs a packet size and a window")
        self._read = _Read(self.flash.read(offset, length), packet_size, window)
        return 0, b""

    def _run_user_code(self, data: bytes, _: int) -> None:
        self.exit = Exit.RUN_APP  # no response: the stub jumps straight to the app

    def _mem_begin(self, data: bytes, _: int) -> tuple[int, bytes]:
        size, _blocks, _block_size, address = struct.unpack("<IIII", data)
        self._ram.append(_Ram(address, size, bytearray()))
        return 0, b""

    def _mem_data(self, data: bytes, checksum: int) -> tuple[int, bytes]:
        seq, block = self._block(data, checksum)
        if not self._ram or seq != self._ram[-1].next_seq:
            raise Refused(BAD_REQUEST, f"RAM block {seq} out of order")
        segment = self._ram[-1]
        if len(segment.data) + len(block) > segment.size:
            raise Refused(BAD_REQUEST, "more RAM data than MEM_BEGIN announced")
        segment.data += block
        segment.next_seq += 1
        return 0, b""

    def _mem_end(self, data: bytes, _: int) -> tuple[int, bytes]:
        no_entry, entry = struct.unpack("<II", data)
        # The only code esptool uploads and runs is its flasher stub: running any uploaded
        # code starts the stub protocol (after this response, with the stub's greeting).
        self._start_stub = bool(self._ram) and bool(entry) and not no_entry
        return 0, b""

    # -- READ_FLASH streaming -------------------------------------------------------------

    def _send_read_packets(self) -> None:
        read = self._read
        assert read is not None
        limit = read.acked + read.window * read.packet_size
        while read.sent < len(read.data) and read.sent < limit:
            packet = read.data[read.sent : read.sent + read.packet_size]
            self._out.append(slip.encode(packet))
            read.sent += len(packet)
        if not read.data:
            self._acknowledged(struct.pack("<I", 0))

    def _acknowledged(self, frame: bytes) -> None:
        read = self._read
        assert read is not None
        if len(frame) != 4:
            return  # not an acknowledgement: ignored, as the stub does
        (read.acked,) = struct.unpack("<I", frame)
        if read.acked >= len(read.data):
            self._out.append(slip.encode(hashlib.md5(read.data).digest()))
            self._read = None
        else:
            self._send_read_packets()


HANDLERS = {
    Op.SYNC: Loader._sync,
    Op.READ_REG: Loader._read_reg,
    Op.WRITE_REG: Loader._write_reg,
    Op.GET_SECURITY_INFO: Loader._security_info,
    Op.SPI_ATTACH: Loader._accept,
    Op.CHANGE_BAUDRATE: Loader._accept,
    Op.SPI_SET_PARAMS: Loader._spi_params,
    Op.FLASH_BEGIN: Loader._flash_begin,
    Op.FLASH_DATA: Loader._flash_data,
    Op.FLASH_END: Loader._flash_end,
    Op.FLASH_DEFL_BEGIN: Loader._defl_begin,
    Op.FLASH_DEFL_DATA: Loader._defl_data,
    Op.FLASH_DEFL_END: Loader._flash_end,
    Op.SPI_FLASH_MD5: Loader._md5,
    Op.READ_FLASH_SLOW: Loader._read_slow,
    Op.MEM_BEGIN: Loader._mem_begin,
    Op.MEM_DATA: Loader._mem_data,
    Op.MEM_END: Loader._mem_end,
    Op.ERASE_FLASH: Loader._erase_flash,
    Op.ERASE_REGION: Loader._erase_region,
    Op.READ_FLASH: Loader._read_flash,
    Op.RUN_USER_CODE: Loader._run_user_code,
}
