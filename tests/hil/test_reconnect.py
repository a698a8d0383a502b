"""A device reconnects by itself when its hub restarts on the same address."""

from bench.drivers.hub import HubLink
from bench.dut import Dut
from tests.hil.conftest import start_hub
from tests.support.timing import scaled


def test_device_reconnects_after_a_hub_restart(dut: Dut, hil) -> None:
    log = dut.log_dir / "private-hub.log"
    # The bench's credentials: the device logs in with the secret it was provisioned with.
    auth = hil.endpoints.auth
    token = auth.admin_token if auth else None
    hub = start_hub(log, hil.endpoints.cdn_url, auth)
    url = hub.url
    try:
        dut.console_command(f'config set {{"hub_url": "{url}"}}', r"config:ok")
        frame = rf"^{dut.device_id}[0-9a-f]{{16}}$"
        link = HubLink(url, dut.log_dir / "hub.log", dut.timeout, token=token)
        link.expect(frame, dut.timeout)
        link.close()
        hub.stop()
        hub = start_hub(log, hil.endpoints.cdn_url, auth, port=hub.port)
        link = HubLink(url, dut.log_dir / "hub.log", dut.timeout, token=token)
        try:
            link.expect(frame, scaled(20))  # the device's reconnect backoff
        finally:
            link.close()
        assert dut.answer("status")["data"]["reconnects"] >= 1
    finally:
        hub.stop()
        dut.configure()
        dut.wait_streaming()
