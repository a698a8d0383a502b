"""Boards are found by USB VID:PID; bench.toml is validated with messages that name the entry."""

from types import SimpleNamespace

import pytest

from bench.resources import BenchFileError, parse_bench_file, usb_ports


def test_usb_ports_keep_only_esp32_bridges() -> None:
    ports = [
        SimpleNamespace(device="/dev/ttyACM0", vid=0x303A, pid=0x1001),
        SimpleNamespace(device="/dev/ttyUSB1", vid=0x1A86, pid=0x7523),
        SimpleNamespace(device="/dev/ttyS0", vid=None, pid=None),
        SimpleNamespace(device="/dev/ttyUSB0", vid=0x046D, pid=0xC52B),  # a mouse receiver
    ]
    assert usb_ports(ports) == [
        ("/dev/ttyACM0", "ESP32-C3 USB-Serial/JTAG"),
        ("/dev/ttyUSB1", "CH340"),
    ]


def test_bench_file_names_boards_by_mac_port_or_url() -> None:
    bench = parse_bench_file(
        """
        [defaults]
        board = "esp32-c3-devkitm-1"
        [[boards]]
        name = "left"
        mac = "58-CF-79-0A-0B-0C"
        [[boards]]
        name = "right"
        port = "/dev/ttyACM1"
        board = "seeed_xiao_esp32c3"
        [[boards]]
        name = "emu"
        url = "socket://127.0.0.1:4100"
        """
    )
    left, right, emu = bench.boards
    assert left.mac == "58:cf:79:0a:0b:0c" and left.board == "esp32-c3-devkitm-1"
    assert right.port == "/dev/ttyACM1" and right.board == "seeed_xiao_esp32c3"
    assert emu.url == "socket://127.0.0.1:4100"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[boards]]\nname = "a"\n', "exactly one of mac, port or url"),
        ('[[boards]]\nname = "a"\nport = "x"\nurl = "y"\n', "exactly one of"),
        ('[[boards]]\nname = "a"\nmac = "zz:00"\n', "not six hex bytes"),
        ('[[boards]]\nname = "a"\nport = "x"\n[[boards]]\nname = "a"\nport = "y"\n', "twice"),
        ('[[boards]]\nport = "x"\n', "needs a name"),
        ('[[boards]]\nname = "a"\nport = "x"\nspeed = 1\n', "unknown keys"),
        ("[[boards]\n", "bench.toml"),
    ],
)
def test_bench_file_errors_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(BenchFileError, match=message):
        parse_bench_file(text)
