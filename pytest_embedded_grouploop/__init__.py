"""The `grouploop` service of Espressif's pytest-embedded: emulated GroupLoop boards as DUTs.

`pytest --embedded-services esp,grouploop` starts emulated ESP32-C3 boards (`grouploop
board`), flashes them, hands their ports to pytest-embedded's serial service, resets them by
the ROM loader's RTC watchdog (RTS cannot reach a socket or a pty) and reads socket:// ports
at full speed. See plugin.py for the options and docs/bench.md for usage.

The package is also a pyserial URL-handler package (protocol_socket.py), which is why its
name follows pytest-embedded's `pytest_embedded_<service>` convention and stays flat.
"""
