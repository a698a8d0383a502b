"""Target names: short and stable, `NAME=PORT` honoured; the example bench file is valid."""

from pathlib import Path

from bench.resources import parse_bench_file
from bench.targets import from_ports, parse_port, target_name

ROOT = Path(__file__).resolve().parents[3]


def test_names_from_ports() -> None:
    assert target_name("/dev/ttyACM0", 1) == "ttyACM0"
    assert target_name("socket://127.0.0.1:4000", 3) == "board-3"
    assert parse_port("left=/dev/ttyUSB0", 1) == ("left", "/dev/ttyUSB0")
    assert parse_port("emu-2=socket://127.0.0.1:5", 1) == ("emu-2", "socket://127.0.0.1:5")
    assert parse_port("rfc2217://host:1?x=y", 2) == ("board-2", "rfc2217://host:1?x=y")
    assert [t.emulated for t in from_ports(["a=socket://h:1"], emulated=True)] == [True]


def test_example_bench_file_parses() -> None:
    bench = parse_bench_file((ROOT / "bench.example.toml").read_text())
    assert [b.name for b in bench.boards] == ["desk-left", "desk-right", "emulated"]
