"""What `grouploop up` starts: one hub by default, N hubs in one cluster with --hubs N."""

from __future__ import annotations

import argparse

import pytest

from grouploop import up

URLS = {
    "cdn": "http://127.0.0.1:5008",
    "redis": "redis://127.0.0.1:6390/0",
    "hub": "ws://127.0.0.1:5003",
    **{f"hub-{k}": f"ws://127.0.0.1:{5002 + k}" for k in (1, 2, 3)},
}


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    up.add_arguments(parser)
    args = parser.parse_args(argv)
    args.host, args.lan_setup = "127.0.0.1", None  # what up.run settles before starting
    return args


def flag(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


def test_without_hubs_it_is_one_hub_with_no_broker() -> None:
    args = parse("--hub-port", "5003")
    assert up.plan(args) == up.SERVICES
    hub = next(spec for spec in up.SERVICES if spec.name == "hub").argv(args, URLS)
    assert flag(hub, "--port") == "5003" and "--broker" not in hub
    devices = next(spec for spec in up.SERVICES if spec.name == "devices").argv(args, URLS)
    assert devices.count("--hub") == 1 and flag(devices, "--hub") == URLS["hub"]
    assert "--spread-hubs" not in devices and flag(devices, "--devices") == "3"


def test_hubs_3_are_named_on_ports_from_hub_port_through_one_redis() -> None:
    args = parse("--hubs", "3", "--hub-port", "5003")
    specs = up.plan(args)
    names = [spec.name for spec in specs]
    assert names == ["cdn", "hub-1", "hub-2", "hub-3", "web", "docs", "devices"]
    for k in (1, 2, 3):
        hub = specs[names.index(f"hub-{k}")].argv(args, URLS)
        assert flag(hub, "--port") == {1: "5003", 2: "5010", 3: "5011"}[k]  # not the web apps'
        assert flag(hub, "--broker") == URLS["redis"] and flag(hub, "--hub-name") == f"hub-{k}"
    web = specs[names.index("web")].argv(args, URLS)
    assert flag(web, "--hub-url") == URLS["hub"]


def test_the_devices_of_a_cluster_spread_over_every_hub() -> None:
    args = parse("--hubs", "3")
    devices = next(spec for spec in up.plan(args) if spec.name == "devices").argv(args, URLS)
    hubs = [devices[i + 1] for i, arg in enumerate(devices) if arg == "--hub"]
    assert hubs == [URLS["hub-1"], URLS["hub-2"], URLS["hub-3"]]
    assert "--spread-hubs" in devices and flag(devices, "--devices") == "9"


@pytest.mark.parametrize(
    ("argv", "ports"),
    [
        (["--hub-port", "6000"], [6000, 6001, 6002]),
        (["--hub-port", "5003", "--web-any-ports"], [5003, 5004, 5005]),
        (["--hub-port", "5003", "--cdn-port", "5010"], [5003, 5008, 5011]),
        (["--hub-port", "0"], [0, 0, 0]),
    ],
)
def test_hub_ports_are_consecutive_around_the_other_services(
    argv: list[str], ports: list[int]
) -> None:
    assert up.hub_ports(parse("--hubs", "3", *argv)) == ports


def test_hub_port_0_gives_every_hub_a_free_port() -> None:
    args = parse("--hubs", "2", "--hub-port", "0")
    hubs = [spec.argv(args, URLS) for spec in up.plan(args) if spec.name.startswith("hub-")]
    assert [flag(hub, "--port") for hub in hubs] == ["0", "0"]


@pytest.mark.parametrize("hubs", ["0", "-1", "two", "5"])
def test_hubs_are_1_to_4(hubs: str) -> None:
    with pytest.raises(SystemExit):
        parse("--hubs", hubs)
