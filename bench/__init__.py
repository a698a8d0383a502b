"""The hardware-in-the-loop bench: find boards, flash them, drive their consoles, publish builds.

Layered like labgrid: `resources` says what hardware exists (USB serial ports, bench.toml,
emulated boards), `drivers` say what can be done with it (flash with esptool, talk to the
console), `strategy` moves a target between states (off → flashed → running).
"""
