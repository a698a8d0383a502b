"""GroupLoop: shared pieces (settings, command line) of the hub, CDN, emulator and bench."""

__version__ = "0.1.0"
