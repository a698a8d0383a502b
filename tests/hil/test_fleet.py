"""The device as the fleet sees it from the suites' client hub: `/devices` there lists it, and in a
cluster names the hub that holds it — the devices' hub, another hub in the bench's cluster pass."""

import json

from bench.dut import Dut
from grouploop import tls
from tests.support.http import http_get


def test_the_client_hub_lists_the_device_with_the_hub_that_holds_it(dut: Dut) -> None:
    endpoints = dut.endpoints
    auth = endpoints.auth
    headers = {"Authorization": f"Bearer {auth.admin_token}"} if auth else None
    context = tls.device_context(endpoints.client_hub, endpoints.ca_cert)
    status, _, body = http_get(endpoints.client_hub, "/devices", headers, context=context)
    assert status == 200, body
    fleet = json.loads(body)
    entry = next((d for d in fleet["devices"] if d["id"] == dut.device_id), None)
    assert entry is not None, f"{dut.device_id} is not in {endpoints.client_hub}/devices: {fleet}"
    crossing = endpoints.client_hub != endpoints.hub_url
    if "hubs" not in fleet:  # one hub on its own
        assert not crossing, f"{endpoints.client_hub} is in no cluster"
        return
    holder = next(hub for hub in fleet["hubs"] if hub["name"] == entry["hub"])
    assert holder["local"] is not crossing, holder
    assert holder["url"] == endpoints.hub_url, holder
