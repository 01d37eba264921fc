"""/v1/ihosts in-process (WebTest): API → conductor (in-process) → DB → dnsmasq files."""

import pytest

from tests.unit.api_helpers import (MAC1, MAC2, addn_hosts, edgeworker, fault, hostsfile,
                                    patch, post)


def test_create_edgeworker_allocates_ip_and_reservation(api, conf):
    host = post(api, edgeworker(mgmt_mac="52:54:00:AA:BB:01")).json
    assert host["hostname"] == "edge-01"
    assert host["personality"] == host["subfunctions"] == "edgeworker"
    assert host["mgmt_mac"] == MAC1
    assert host["mgmt_ip"] == "192.168.204.5"
    assert host["administrative"] == "locked" and host["provision_state"] == "unprovisioned"
    assert host["links"][0]["href"].endswith("/v1/ihosts/%s" % host["uuid"])
    assert hostsfile(conf) == ["52:54:00:aa:bb:01,192.168.204.5,edge-01"]
    assert addn_hosts(conf) == ["192.168.204.5 edge-01"]
    # next host skips the controller addresses .2-.4
    host2 = post(api, edgeworker("edge-02", MAC2)).json
    assert host2["mgmt_ip"] == "192.168.204.6"


def test_show_by_id_uuid_hostname(api):
    host = post(api, edgeworker()).json
    for ident in (host["id"], host["uuid"], "edge-01"):
        assert api.get("/v1/ihosts/%s" % ident).json["uuid"] == host["uuid"]


def test_show_unknown_is_404(api):
    r = api.get("/v1/ihosts/nope", status=404)
    assert fault(r) == "Host nope could not be found."


@pytest.mark.parametrize("body,status,message", [
    (edgeworker("Edge_01"), 400, "hostname 'Edge_01' is not a valid Kubernetes node name"),
    (edgeworker("e" * 64), 400, "is 64 characters long; the maximum is 63."),
    (edgeworker("controller-0"), 400, "hostname 'controller-0' is reserved for the controllers."),
    (edgeworker("storage-1"), 400, "hostname 'storage-1' is reserved for storage hosts"),
    ({"personality": "edgeworker", "mgmt_mac": MAC1}, 400,
     "hostname is required for edgeworker hosts."),
    (edgeworker(mgmt_mac=None), 400, "mgmt_mac must be a MAC address."),
    ({"hostname": "edge-01", "personality": "edgeworker"}, 400, "mgmt_mac must be a MAC address."),
    (edgeworker(mgmt_mac="52:54:00:aa:bb"), 400, "mgmt_mac '52:54:00:aa:bb' is not a valid MAC"),
    (edgeworker(personality="gpu"), 400, "personality 'gpu' is invalid; expected one of"),
    (edgeworker(mgmt_ip="192.168.204.50"), 400,
     "mgmt_ip cannot be specified: the mgmt network is dynamic"),
    (edgeworker(bm_ip="10.0.0.1"), 400,
     "Board management (bm_ip) is not supported for edgeworker hosts."),
    (edgeworker(bm_password="secret"), 400,
     "Board management (bm_password) is not supported for edgeworker hosts."),
    (edgeworker(uuid="1be26c0b-03f2-4d2d-ae87-c02d7f33c123"), 400, "'uuid' cannot be set."),
    (edgeworker(administrative="unlocked"), 400, "'administrative' cannot be set."),
    (edgeworker(boot_device="sda"), 400, "Unknown attribute for argument host: boot_device"),
    (edgeworker(hostname=5), 400, "Invalid input for field/attribute hostname"),
    ({"hostname": "controller-1", "personality": "controller", "mgmt_mac": MAC1}, 400,
     "personality 'controller' cannot be added"),
])
def test_create_refusals(api, conf, body, status, message):
    r = post(api, body, status=status)
    assert message in fault(r)
    assert api.get("/v1/ihosts").json["ihosts"] == []
    assert hostsfile(conf) == []


def test_duplicates_are_409(api, conf):
    post(api, edgeworker())
    r = post(api, edgeworker("edge-02", MAC1.upper()), status=409)
    assert fault(r) == "Host with mgmt_mac 52:54:00:aa:bb:01 already exists."
    r = post(api, edgeworker("edge-01", MAC2), status=409)
    assert fault(r) == "Host with hostname edge-01 already exists."
    # the refused requests allocated nothing: the next host gets the next address
    assert post(api, edgeworker("edge-03", "52:54:00:aa:bb:03")).json["mgmt_ip"] == "192.168.204.6"
    assert len(hostsfile(conf)) == 2


@pytest.fixture(params=["simplex", "duplex", "standard"])
def system_mode(request, conf):
    conf.set_override("system_mode", request.param, group="system")
    return request.param


@pytest.fixture
def simplex(conf):
    conf.set_override("system_mode", "simplex", group="system")


def test_edgeworker_in_every_system_mode(system_mode, api):
    assert api.get("/v1/isystems").json["isystems"][0]["system_mode"] == system_mode
    assert post(api, edgeworker()).json["mgmt_ip"] == "192.168.204.5"


def test_worker_refused_in_simplex(simplex, api):
    r = post(api, {"hostname": "worker-0", "personality": "worker", "mgmt_mac": MAC1}, 400)
    assert fault(r) == ("personality 'worker' is not allowed in a simplex system "
                        "(allowed in: duplex, standard).")


def test_bare_mac_then_patch_to_edgeworker_allocates(api, conf):
    bare = post(api, {"mgmt_mac": MAC1}).json
    assert bare["personality"] is None and bare["mgmt_ip"] is None
    assert hostsfile(conf) == []
    host = patch(api, bare["uuid"], hostname="edge-01", personality="edgeworker").json
    assert host["mgmt_ip"] == "192.168.204.5" and host["subfunctions"] == "edgeworker"
    assert hostsfile(conf) == ["52:54:00:aa:bb:01,192.168.204.5,edge-01"]


@pytest.mark.parametrize("changes,message", [
    ({"hostname": "edge-99"},
     "hostname cannot be changed once set (edge-01) for edgeworker hosts."),
    ({"personality": "worker"}, "personality cannot be changed once set (edgeworker)"),
    ({"uuid": "x"}, "'uuid' cannot be modified."),
    ({"id": 7}, "'id' cannot be modified."),
    ({"created_at": "x"}, "'created_at' cannot be modified."),
    ({"administrative": "unlocked"}, "'administrative' cannot be modified."),
    ({"provision_state": "provisioned"}, "'provision_state' cannot be modified."),
    ({"action": "lock"}, "Host action 'lock' is not supported for edgeworker hosts."),
    ({"action": "unlock"}, "Host action 'unlock' is not supported for edgeworker hosts."),
    ({"action": "reboot"}, "Host action 'reboot' is not supported for edgeworker hosts."),
    ({"action": "reset"}, "Host action 'reset' is not supported for edgeworker hosts."),
    ({"action": "reinstall"}, "Host action 'reinstall' is not supported for edgeworker hosts."),
    ({"action": "power-on"}, "Host action 'power-on' is not supported for edgeworker hosts."),
    ({"action": "power-off"}, "Host action 'power-off' is not supported for edgeworker hosts."),
    ({"bm_type": "ipmi"}, "Board management (bm_type) is not supported for edgeworker hosts."),
    ({"mgmt_mac": "nonsense"}, "mgmt_mac 'nonsense' is not a valid MAC address"),
    ({"serialid": "x"}, "'serialid' is not a host attribute."),
])
def test_patch_refusals(api, conf, changes, message):
    host = post(api, edgeworker()).json
    r = patch(api, "edge-01", status=400, **changes)
    assert message in fault(r)
    assert api.get("/v1/ihosts/edge-01").json == host
    assert hostsfile(conf) == ["52:54:00:aa:bb:01,192.168.204.5,edge-01"]


def test_patch_mac_rewrites_reservation(api, conf):
    post(api, edgeworker())
    host = patch(api, "edge-01", mgmt_mac="52:54:00:AA:BB:09").json
    assert host["mgmt_mac"] == "52:54:00:aa:bb:09"
    assert hostsfile(conf) == ["52:54:00:aa:bb:09,192.168.204.5,edge-01"]


def test_patch_mac_duplicate_409(api):
    post(api, edgeworker())
    post(api, edgeworker("edge-02", MAC2))
    r = patch(api, "edge-02", status=409, mgmt_mac=MAC1)
    assert fault(r) == "Host with mgmt_mac 52:54:00:aa:bb:01 already exists."


def test_patch_bad_documents(api):
    post(api, edgeworker())
    r = api.patch_json("/v1/ihosts/edge-01", [], status=400)
    assert fault(r) == "the patch must be a non-empty list."
    r = api.patch_json("/v1/ihosts/edge-01", [{"op": "move", "path": "/hostname"}], status=400)
    assert "Invalid input for field/attribute op" in fault(r)
    r = api.patch_json("/v1/ihosts/edge-01", [{"op": "replace", "path": "/"}], status=400)
    assert fault(r) == "patch path '/' is invalid."
    r = api.patch_json("/v1/ihosts/edge-01", {"hostname": "x"}, status=400)
    assert fault(r) == "Request body must be a JSON-patch array."
    r = api.patch_json("/v1/ihosts/nope", [{"op": "replace", "path": "/location",
                                            "value": {}}], status=404)
    assert fault(r) == "Host nope could not be found."


def test_patch_location_and_worker_lock(api):
    post(api, edgeworker())
    host = patch(api, "edge-01", location={"locn": "cabinet 4"}).json
    assert host["location"] == {"locn": "cabinet 4"}
    worker = post(api, {"hostname": "worker-0", "personality": "worker", "mgmt_mac": MAC2}).json
    assert worker["administrative"] == "locked"
    assert patch(api, "worker-0", action="unlock").json["administrative"] == "unlocked"


@pytest.mark.parametrize("op", ["upgrade", "downgrade"])
def test_host_upgrade_refused_for_edgeworker(api, op):
    post(api, edgeworker())
    r = api.post("/v1/ihosts/edge-01/%s" % op, status=400)
    assert fault(r).startswith("host-%s is not supported for edgeworker hosts" % op)


def test_delete_releases_address_and_reservation(api, conf):
    post(api, edgeworker())
    post(api, edgeworker("edge-02", MAC2))
    r = api.delete("/v1/ihosts/edge-01", status=204)
    assert r.body == b""
    assert hostsfile(conf) == ["52:54:00:aa:bb:02,192.168.204.6,edge-02"]
    assert addn_hosts(conf) == ["192.168.204.6 edge-02"]
    api.get("/v1/ihosts/edge-01", status=404)
    api.delete("/v1/ihosts/edge-01", status=404)
    # the released address is the lowest free one again
    assert post(api, edgeworker("edge-03", MAC1)).json["mgmt_ip"] == "192.168.204.5"


def test_list_filters_and_pagination(api):
    macs = ["52:54:00:aa:bb:%02x" % n for n in range(1, 8)]
    for n, mac in enumerate(macs[:5], 1):
        post(api, edgeworker("edge-%02d" % n, mac))
    post(api, {"hostname": "worker-0", "personality": "worker", "mgmt_mac": macs[5]})
    post(api, {"mgmt_mac": macs[6]})
    assert len(api.get("/v1/ihosts").json["ihosts"]) == 7
    edge = api.get("/v1/ihosts?personality=edgeworker").json["ihosts"]
    assert [h["hostname"] for h in edge] == ["edge-%02d" % n for n in range(1, 6)]
    page = api.get("/v1/ihosts?personality=edgeworker&limit=2&sort_key=hostname&sort_dir=desc")
    names = [h["hostname"] for h in page.json["ihosts"]]
    assert names == ["edge-05", "edge-04"]
    seen = list(names)
    nxt = page.json["next"]
    while nxt:
        page = api.get(nxt[nxt.index("/v1/"):]).json
        seen += [h["hostname"] for h in page["ihosts"]]
        nxt = page.get("next")
    assert seen == ["edge-05", "edge-04", "edge-03", "edge-02", "edge-01"]


@pytest.mark.parametrize("query", ["", "?limit=3", "?limit=99999999999999999999999"])
def test_page_size_is_capped_by_api_max_limit(api, conf, query):
    """[api] max_limit caps a page whatever limit the caller asks for; the rest follows."""
    conf.set_override("max_limit", 2, group="api")
    for n in range(1, 4):
        post(api, edgeworker("edge-%02d" % n, "52:54:00:aa:bb:%02x" % n))
    page = api.get("/v1/ihosts" + query).json
    assert [h["hostname"] for h in page["ihosts"]] == ["edge-01", "edge-02"]
    rest = api.get(page["next"][page["next"].index("/v1/"):]).json
    assert [h["hostname"] for h in rest["ihosts"]] == ["edge-03"]


@pytest.mark.parametrize("sort_key", ["hostname", "personality", "id", "mgmt_mac"])
@pytest.mark.parametrize("sort_dir", ["asc", "desc"])
def test_paging_reaches_every_host_including_bare_macs(api, sort_key, sort_dir):
    """Bare MACs have no hostname or personality (NULL): paging by those keys still visits
    every host exactly once, in the same order on SQLite and PostgreSQL."""
    macs = ["52:54:00:aa:bb:%02x" % n for n in range(1, 8)]
    for n, mac in enumerate(macs[:4], 1):
        post(api, edgeworker("edge-%02d" % n, mac))
    for mac in macs[4:]:
        post(api, {"mgmt_mac": mac})
    seen, nxt = [], "/v1/ihosts?limit=2&sort_key=%s&sort_dir=%s" % (sort_key, sort_dir)
    while nxt:
        page = api.get(nxt[nxt.index("/v1/"):]).json
        seen += [h["mgmt_mac"] for h in page["ihosts"]]
        nxt = page.get("next")
    assert sorted(seen) == macs and len(seen) == 7
    full = [h["mgmt_mac"] for h in api.get("/v1/ihosts?sort_key=%s&sort_dir=%s"
                                           % (sort_key, sort_dir)).json["ihosts"]]
    assert seen == full
    if sort_key == "hostname":
        bare_first = sort_dir == "asc"
        assert (seen[:3] == macs[4:]) is bare_first


@pytest.mark.parametrize("query,message", [
    ("limit=0", "limit must be a positive integer."),
    ("limit=1.5", "limit must be a positive integer."),
    ("limit=1&limit=2", "limit must be given once."),
    ("color=blue", 'Unknown argument: "color"'),
    ("limit=abc", "limit must be a positive integer."),
    ("sort_key=password", "sort_key 'password' is invalid; expected one of"),
    ("sort_dir=up", "sort_dir 'up' is invalid; expected asc or desc."),
    ("personality=gpu", "personality 'gpu' is invalid"),
    ("marker=1be26c0b-03f2-4d2d-ae87-c02d7f33c123",
     "marker 1be26c0b-03f2-4d2d-ae87-c02d7f33c123 does not name an existing host."),
])
def test_list_bad_query(api, query, message):
    r = api.get("/v1/ihosts?" + query, status=400)
    assert message in fault(r)


def test_location_text_becomes_locn_and_bad_shapes_refused(api):
    post(api, edgeworker(location={"locn": "rack 1"}))
    assert patch(api, "edge-01", location="bench 2").json["location"] == {"locn": "bench 2"}
    before = api.get("/v1/ihosts/edge-01").json
    r = patch(api, "edge-01", status=400, location={"locn": 5})
    assert fault(r).startswith("location must be text or an object of text values")
    r = patch(api, "edge-01", status=400, capabilities="x")
    assert fault(r) == "capabilities must be a JSON object."
    assert api.get("/v1/ihosts/edge-01").json == before
    [entry] = api.get("/v1/ihosts").json["ihosts"]  # sysinv's list entry: fewer keys
    assert entry == {key: before[key] for key in entry}
    r = post(api, edgeworker("edge-02", MAC2, location=[1]), status=400)
    assert fault(r).startswith("location must be text or an object of text values")
