"""Emulated ESP32-C3 boards: the ROM serial loader esptool talks to, a virtual 4 MB flash, and
a boot that validates what was flashed before it starts the virtual device.

Layers, inner to outer: `slip` and `loader` (the ROM/stub protocol, no I/O), `flash` (the
flash chip), `chip` (the registers esptool reads), `boot` (partition table and image checks),
`board` (one board's modes: download, app, halted; the device side of its serial port,
emulator.serial_port).
See docs/emulated-board.md.
"""
