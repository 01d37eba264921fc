"""A static mgmt network: mgmt_ip required, validated and unique."""

import pytest

from tests.unit.api_helpers import MAC1, MAC2, edgeworker, fault, hostsfile, patch, post


@pytest.fixture
def static_conf(conf):
    conf.set_override("dynamic", False, group="mgmt_network")
    conf.set_override("gateway_address", "192.168.204.254", group="mgmt_network")


@pytest.fixture
def static_api(static_conf, api):
    return api


def test_static_ip_stored_and_reserved(static_api, conf):
    host = post(static_api, edgeworker(mgmt_ip="192.168.204.50")).json
    assert host["mgmt_ip"] == "192.168.204.50"
    assert hostsfile(conf) == ["52:54:00:aa:bb:01,192.168.204.50,edge-01"]
    assert static_api.get("/v1/networks").json["networks"][0]["dynamic"] is False


@pytest.mark.parametrize("ip,message", [
    (None, "mgmt_ip is required for edgeworker hosts: the mgmt network is static."),
    ("10.1.1.1", "mgmt_ip 10.1.1.1 is not in the mgmt subnet 192.168.204.0/24."),
    ("192.168.204.0", "mgmt_ip 192.168.204.0 is the network address"),
    ("192.168.204.255", "mgmt_ip 192.168.204.255 is the broadcast address"),
    ("192.168.204.254", "mgmt_ip 192.168.204.254 is reserved for the gateway."),
    ("192.168.204.2", "mgmt_ip 192.168.204.2 is reserved for the controller floating address."),
    ("192.168.204.3", "mgmt_ip 192.168.204.3 is reserved for the controller-0."),
    ("192.168.204.4", "mgmt_ip 192.168.204.4 is reserved for the controller-1."),
    ("192.168.204.x", "mgmt_ip '192.168.204.x' is not a valid IP address."),
])
def test_static_ip_refusals(static_api, conf, ip, message):
    body = edgeworker() if ip is None else edgeworker(mgmt_ip=ip)
    r = post(static_api, body, status=400)
    assert fault(r) == message or message in fault(r)
    assert static_api.get("/v1/ihosts").json["ihosts"] == []
    assert hostsfile(conf) == []


def test_static_ip_taken_is_409(static_api):
    post(static_api, edgeworker(mgmt_ip="192.168.204.50"))
    r = post(static_api, edgeworker("edge-02", MAC2, mgmt_ip="192.168.204.50"), status=409)
    assert fault(r) == "mgmt_ip 192.168.204.50 is already assigned to another host."
    # the refused host left no row behind: its MAC and name are free
    assert static_api.get("/v1/ihosts/edge-02", status=404)


def test_static_bare_mac_then_patch(static_api, conf):
    bare = post(static_api, {"mgmt_mac": MAC1}).json
    r = patch(static_api, bare["uuid"], status=400, hostname="edge-01", personality="edgeworker")
    assert fault(r) == "mgmt_ip is required for edgeworker hosts: the mgmt network is static."
    host = patch(static_api, bare["uuid"], hostname="edge-01", personality="edgeworker",
                 mgmt_ip="192.168.204.77").json
    assert host["mgmt_ip"] == "192.168.204.77"
    assert hostsfile(conf) == ["52:54:00:aa:bb:01,192.168.204.77,edge-01"]
