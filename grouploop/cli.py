"""The `grouploop` command: one subcommand per component.

Each subcommand lives in its component's module, which provides
`add_arguments(parser)` and `run(args) -> int`. Only the chosen module is imported, so a
subcommand starts fast and needs only its own dependencies.
"""

from __future__ import annotations

import argparse
import importlib
import sys

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "hub": ("hub.cli", "run the WebSocket hub"),
    "tokens": ("hub.tokens_cli", "manage the hub's credentials (tokens, device secrets)"),
    "cdn": ("cdn.cli", "run the CDN (JS libraries, firmware builds, commands.json)"),
    "up": ("grouploop.up", "start hub, CDN, docs, web apps and a few virtual devices"),
    "emulate": ("emulator.cli", "run virtual devices (one or a swarm) against a hub"),
    "board": ("emulator.board_cli", "run emulated ESP32-C3 boards that esptool can flash"),
    "build": ("bench.build_cli", "build the firmware (or a labelled stand-in image)"),
    "publish": ("bench.publish_cli", "publish a signed firmware build to the CDN"),
    "keys": ("grouploop.keys_cli", "create or show the firmware signing key"),
    "flash": ("bench.flash_cli", "flash boards in parallel with esptool and verify"),
    "bench": ("bench.bench_cli", "build, publish, flash, run the HIL suites, write a report"),
    "web": ("web.cli", "serve the web apps"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="grouploop", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = argv[0] if argv and argv[0] in SUBCOMMANDS else None
    module = None
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            module = importlib.import_module(module_name)
            module.add_arguments(sp)
    args = parser.parse_args(argv)
    assert module is not None
    return int(module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
