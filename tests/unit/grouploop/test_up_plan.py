"""What `grouploop up` starts: one hub by default, N hubs in one cluster with --hubs N."""

from __future__ import annotations

import argparse

import pytest

from emulator.swarm import mac_for
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


def test_hubs_3_are_named_on_ports_from_hub_port_through_one_redis() -> None:
    args = parse("--hubs", "3", "--hub-port", "5003")
    specs = up.plan(args)
    names = [spec.name for spec in specs]
    assert names == ["cdn", "hub-1", "hub-2", "hub-3", "web", "docs"] + [
        f"devices-{k}" for k in (1, 2, 3)
    ]
    for k in (1, 2, 3):
        hub = specs[names.index(f"hub-{k}")].argv(args, URLS)
        assert flag(hub, "--port") == {1: "5003", 2: "5010", 3: "5011"}[k]  # not the web apps'
        assert flag(hub, "--broker") == URLS["redis"] and flag(hub, "--hub-name") == f"hub-{k}"
        devices = specs[names.index(f"devices-{k}")].argv(args, URLS)
        assert flag(devices, "--hub") == URLS[f"hub-{k}"]
        assert flag(devices, "--seed") == f"up-{k}"
    web = specs[names.index("web")].argv(args, URLS)
    assert flag(web, "--hub-url") == URLS["hub"]


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


@pytest.mark.parametrize("hubs", ["0", "-1", "two"])
def test_hubs_must_be_a_positive_number(hubs: str) -> None:
    with pytest.raises(SystemExit):
        parse("--hubs", hubs)


def test_the_devices_of_up_to_64_hubs_have_distinct_ids() -> None:
    # A shared id would move between hubs for ever (newest wins): the seeds must not collide.
    args = parse("--hubs", "64")
    seeds = [flag(spec.argv(args, URLS | hub_urls(64)), "--seed") for spec in up.plan(args)]
    ids = [mac_for(seed, i)[-2:].hex() for seed in seeds if seed for i in range(3)]
    assert len(ids) == 64 * 3 and len(set(ids)) == len(ids)


def hub_urls(n: int) -> dict[str, str]:
    return {f"hub-{k}": f"ws://127.0.0.1:{5002 + k}" for k in range(1, n + 1)}
