"""Tests written for Espressif's pytest-embedded: `dut` here is pytest-embedded's DUT.

The HIL suite's own `dut` (tests/hil/conftest.py) would shadow it, so this folder takes
pytest-embedded's fixture back; everything else (its options, services and the `grouploop`
service that starts emulated boards) comes from the installed plugins.
"""

from pytest_embedded.plugin import dut

__all__ = ["dut"]
