"""Swarm identities and process split: unique, reproducible device ids; every device placed once."""

import pytest

from emulator.cli import _split
from emulator.swarm import MAX_DEVICES, device_config, hub_order, mac_for


def test_macs_are_unique_reproducible_and_locally_administered():
    macs = [mac_for("s", i) for i in range(MAX_DEVICES)]
    assert len({m[-2:] for m in macs}) == MAX_DEVICES  # device ids never collide
    assert macs[:10] == [mac_for("s", i) for i in range(10)]
    assert mac_for("s", 0) != mac_for("t", 0)
    assert all(len(m) == 6 and m[0] == 0x02 for m in macs[:100])


def test_mac_index_out_of_range_is_refused():
    with pytest.raises(ValueError):
        mac_for(0, MAX_DEVICES)


def test_device_config_names_the_hub_and_a_network():
    config = device_config("ws://127.0.0.1:1", {"cdn_url": "http://127.0.0.1:2"})
    assert config["hub_url"] == "ws://127.0.0.1:1"
    assert config["wifi_ssid"] and config["cdn_url"] == "http://127.0.0.1:2"


def test_several_hubs_are_written_as_the_ordered_list():
    assert device_config(["ws://a:1"])["hub_url"] == "ws://a:1"  # one hub: the plain string
    assert device_config(("ws://a:1", "ws://b:2"))["hub_url"] == ["ws://a:1", "ws://b:2"]
    with pytest.raises(ValueError):
        device_config([])


def test_spread_devices_start_at_hub_k_mod_n_and_keep_the_order():
    hubs = ["ws://a", "ws://b", "ws://c"]
    assert [hub_order(hubs, k) for k in range(4)] == [
        ["ws://a", "ws://b", "ws://c"],
        ["ws://b", "ws://c", "ws://a"],
        ["ws://c", "ws://a", "ws://b"],
        ["ws://a", "ws://b", "ws://c"],
    ]
    assert hub_order("ws://a", 5) == ["ws://a"]


@pytest.mark.parametrize(("total", "parts"), [(500, 2), (7, 3), (2, 5), (1, 1)])
def test_split_places_every_device_once(total, parts):
    shards = _split(total, parts)
    indexes = [i for first, count in shards for i in range(first, first + count)]
    assert indexes == list(range(total))
    assert max(c for _, c in shards) - min(c for _, c in shards) <= 1
