"""The ESP32-C3 registers esptool reads and writes through READ_REG/WRITE_REG.

Only what esptool uses to identify the chip and its flash is modelled (addresses as in
esptool's targets/esp32c3.py); every other address reads as 0 and ignores writes:

- eFuse: the base MAC (BLOCK1 words 0-1), package and revision (ESP32-C3 QFN32, v0.4);
  all security eFuses read as off;
- the chip-detect magic at 0x40001000 (for esptool's older `--chip auto` probe);
- the SPI0/1 controller's "user command" machinery: esptool writes a command byte to USR2,
  sets the USR bit in CMD and reads the answer from W0 (JEDEC id, SFDP signature, status);
- the RTC watchdog: enabling it (`--after watchdog-reset`) resets the chip.
"""

from __future__ import annotations

from emulator.board.flash import JEDEC_ID

CHIP_DETECT_MAGIC_REG = 0x40001000
CHIP_DETECT_MAGIC = 0x1B31506F  # ESP32-C3 ECO3
EFUSE_BASE = 0x60008800
MAC_WORD0 = EFUSE_BASE + 0x044
MAC_WORD1 = EFUSE_BASE + 0x048
BLOCK1_WORD3 = EFUSE_BASE + 0x050
MINOR_REVISION = 4  # chip revision v0.4 (BLOCK1 word 3 bits 18-20)

SPI_BASE = 0x60002000
SPI_CMD = SPI_BASE + 0x00
SPI_ADDR = SPI_BASE + 0x04
SPI_USR2 = SPI_BASE + 0x20
SPI_W0 = SPI_BASE + 0x58
SPI_CMD_USR = 1 << 18
SFDP_SIGNATURE = 0x50444653  # "SFDP"

RTC_CNTL_WDTCONFIG0 = 0x60008000 + 0x0090
RTC_WDT_ENABLE = 1 << 31


class Chip:
    """Register file of one chip, identified by its base MAC."""

    def __init__(self, mac: bytes) -> None:
        if len(mac) != 6:
            raise ValueError(f"a MAC has 6 bytes, not {len(mac)}")
        self.mac = bytes(mac)
        self._regs: dict[int, int] = {
            CHIP_DETECT_MAGIC_REG: CHIP_DETECT_MAGIC,
            MAC_WORD0: int.from_bytes(mac[2:6], "big"),
            MAC_WORD1: int.from_bytes(mac[0:2], "big"),
            BLOCK1_WORD3: MINOR_REVISION << 18,
        }

    def read(self, address: int) -> int:
        return self._regs.get(address, 0)

    def write(self, address: int, value: int, mask: int = 0xFFFFFFFF) -> bool:
        """Write a register; True when the write resets the chip (the RTC watchdog fired)."""
        value = (self._regs.get(address, 0) & ~mask) | (value & mask)
        if address == RTC_CNTL_WDTCONFIG0:
            return bool(value & RTC_WDT_ENABLE)
        if address == SPI_CMD and value & SPI_CMD_USR:
            self._regs[SPI_W0] = self._spi_command(self._regs.get(SPI_USR2, 0) & 0xFF)
            value &= ~SPI_CMD_USR  # the controller clears USR when the command is done
        self._regs[address] = value
        return False

    def _spi_command(self, command: int) -> int:
        if command == 0x9F:  # RDID
            return JEDEC_ID
        if command == 0x5A:  # read SFDP: the signature sits at SFDP address 0
            return SFDP_SIGNATURE if self._regs.get(SPI_ADDR, 0) == 0 else 0
        return 0  # status registers (0x05, 0x35, 0x15) read 0: nothing write-protected
