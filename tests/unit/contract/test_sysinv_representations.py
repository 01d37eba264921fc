"""Every key sysinv returns is in ours (tests/unit/contract/sysinv_keys.py has the lists,
from starlingx/config's source), for single objects, list entries and what POST, PATCH and
PUT return; plus the values cgtsclient reads and sysinv's 404/405 behaviour."""

import pytest

from tests.unit.api_helpers import edgeworker, fault, patch, post
from tests.unit.contract import sysinv_keys as sk


def _missing(expected, doc):
    return sorted(expected - set(doc))


def test_host_single_list_post_patch_put_carry_sysinv_keys(api):
    created = post(api, edgeworker()).json
    assert _missing(sk.HOST_SINGLE, created) == []
    shown = api.get("/v1/ihosts/edge-01").json
    assert _missing(sk.HOST_SINGLE, shown) == []
    patched = patch(api, "edge-01", location="bench").json
    assert _missing(sk.HOST_SINGLE, patched) == []
    reported = api.put_json("/v1/ihosts/edge-01/provision",
                            {"provision_state": "provisioning"}).json
    assert _missing(sk.HOST_SINGLE, reported) == []
    [entry] = api.get("/v1/ihosts").json["ihosts"]
    assert _missing(sk.HOST_LIST_ENTRY, entry) == []
    # sysinv's list entries are not expanded: no sub-collection links there
    assert "iinterfaces" not in entry and "forisystemid" not in entry


def test_host_values_sysinv_would_give(api):
    host = post(api, edgeworker()).json
    system = api.get("/v1/isystems").json["isystems"][0]
    assert host["isystem_uuid"] == system["uuid"]
    assert host["forisystemid"] == system["id"]
    # cgtsclient's host-show tests `if ihost.peers`, strips install_state(_info)
    assert host["peers"] is None
    assert host["install_state"] is None and host["install_state_info"] is None
    assert host["action"] == "none" and host["task"] is None
    assert host["reserved"] is False and host["uptime"] == 0
    assert host["iinterfaces"] == [] and host["labels"] == []
    assert "bm_password" not in host


def test_isystem_list_and_show(api):
    [entry] = api.get("/v1/isystems").json["isystems"]
    assert _missing(sk.ISYSTEM_LIST_ENTRY, entry) == []
    assert isinstance(entry["capabilities"], dict)  # cgtsclient calls .get on it
    assert entry["distributed_cloud_role"] is None
    shown = api.get("/v1/isystems/%s" % entry["uuid"]).json
    assert _missing(sk.ISYSTEM_SINGLE, shown) == []
    assert shown["uuid"] == entry["uuid"] and shown["system_mode"] == entry["system_mode"]


def test_network_list_and_show(api):
    [entry] = api.get("/v1/networks").json["networks"]
    assert _missing(sk.NETWORK_LIST_ENTRY, entry) == []
    assert entry["primary_pool_family"] == "IPv4"
    shown = api.get("/v1/networks/%s" % entry["uuid"]).json
    assert _missing(sk.NETWORK_SINGLE, shown) == []
    assert {k: shown[k] for k in entry} == entry


@pytest.fixture
def ipv6_mgmt(conf):
    """An IPv6 mgmt network (set before the conductor bootstraps: request it before api)."""
    conf.set_override("subnet", "fd00:204::/64", group="mgmt_network")


def test_network_family_ipv6(ipv6_mgmt, api):
    [net] = api.get("/v1/networks").json["networks"]
    assert net["primary_pool_family"] == "IPv6"
    [pool] = api.get("/v1/addrpools").json["addrpools"]
    assert pool["family"] == 6 and pool["network"] == "fd00:204::"


def test_addrpool_list_and_show(api):
    [entry] = api.get("/v1/addrpools").json["addrpools"]
    assert _missing(sk.ADDRPOOL_LIST_ENTRY, entry) == []
    assert entry["floating_address"] == "192.168.204.2"
    assert entry["controller0_address"] == "192.168.204.3"
    assert entry["controller1_address"] == "192.168.204.4"
    assert entry["gateway_address"] is None and entry["gateway_address_id"] is None
    assert entry["family"] == 4 and entry["ranges"] == [["192.168.204.2", "192.168.204.254"]]
    ids = {entry[k] for k in ("floating_address_id", "controller0_address_id",
                              "controller1_address_id")}
    assert None not in ids and len(ids) == 3
    shown = api.get("/v1/addrpools/%s" % entry["uuid"]).json
    assert _missing(sk.ADDRPOOL_SINGLE, shown) == []
    assert {k: shown[k] for k in entry} == entry


@pytest.mark.parametrize("path,message", [
    ("/v1/networks/%s" % ("0" * 8 + "-0000-0000-0000-" + "0" * 12),
     "Network 00000000-0000-0000-0000-000000000000 could not be found."),
    ("/v1/addrpools/nope", "Address pool nope could not be found."),
    ("/v1/isystems/nope", "System nope could not be found."),
    ("/v1/nope", "No resource at /v1/nope."),
    ("/v1/ihosts/edge-01/nope", "No resource at /v1/ihosts/edge-01/nope."),
    ("/v2", "No resource at /v2."),
])
def test_unknown_is_404(api, path, message):
    r = api.get(path, status=404)
    assert fault(r) == message
    assert "Allow" not in r.headers


@pytest.mark.parametrize("method,path,allow", [
    ("post", "/v1/networks", "GET"),
    ("delete", "/v1/networks", "GET"),
    ("delete", "/v1/networks/x", "GET"),
    ("patch", "/v1/addrpools/x", "GET"),
    ("post", "/v1/isystems", "GET"),
    ("put", "/v1/ihosts", "GET, POST"),
    ("delete", "/v1/ihosts", "GET, POST"),
    ("patch", "/v1/ihosts", "GET, POST"),
    ("post", "/v1/ihosts/edge-01", "GET, PATCH, DELETE"),
    ("put", "/v1/ihosts/edge-01", "GET, PATCH, DELETE"),
    ("get", "/v1/ihosts/edge-01/provision", "PUT"),
    ("post", "/v1", "GET"),
    ("delete", "/", "GET"),
])
def test_wrong_method_is_405_with_the_paths_allow(api, method, path, allow):
    r = getattr(api, method)(path, status=405)
    assert r.headers["Allow"] == allow
    assert fault(r) == "%s is not allowed on %s; allowed: %s." % (method.upper(), path, allow)


def test_errors_of_a_handled_request_are_left_alone(api):
    """A 404/400 from the handler itself (the host does not exist, a bad body) is not
    turned into a routing answer."""
    assert fault(api.get("/v1/ihosts/nohost", status=404)) == "Host nohost could not be found."
    assert fault(api.delete("/v1/ihosts/nohost", status=404)) == \
        "Host nohost could not be found."
    r = api.post_json("/v1/ihosts", {"personality": "edgeworker"}, status=400)
    assert "Allow" not in r.headers


def test_v1_root_links_every_collection(api):
    doc = api.get("/v1/").json
    for name in ("ihosts", "isystems", "networks", "addrpools", "kube_versions",
                 "kube_host_upgrades"):
        assert doc[name] == [{"href": "http://localhost/v1/" + name, "rel": "self"}]
