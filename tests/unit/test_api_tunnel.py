"""/v1/ihosts with the WireGuard management tunnel (docs/tunnel.md), in-process: the
attachment, the tunnel address from the edge-tunnel pool, the public key's validation,
duplicates, rotation and revocation, and the rendered peer set. The interface does not exist
here (its name is unique per test), so the apply is skipped; tests/functional/
test_tunnel_netns.py applies it to a real wireguard-go interface."""

import base64
import os
import uuid

import pytest

from tests.unit.api_helpers import MAC1, MAC2, edgeworker, fault, hostsfile, patch, post


def key(n):
    """A well-formed public key (base64 of 32 bytes), distinct per n."""
    return base64.b64encode(bytes([n]) * 32).decode()


@pytest.fixture
def tunnel_conf(conf):
    conf.set_override("subnet", "10.66.0.0/24", group="tunnel")
    conf.set_override("interface", "wgu%s" % uuid.uuid4().hex[:8], group="tunnel")
    return conf


@pytest.fixture
def tapi(tunnel_conf, api):
    """The API with [tunnel] set before the conductor started (fixture argument order)."""
    return api


def peers(conf):
    """(public key, allowed ips) of the rendered configuration, in order."""
    with open(conf.tunnel.config_path) as f:
        text = f.read()
    assert oct(os.stat(conf.tunnel.config_path).st_mode & 0o777) == "0o600"
    out, current = [], None
    for line in text.splitlines():
        if line.startswith("PublicKey = "):
            current = line.split(" = ", 1)[1]
        elif line.startswith("AllowedIPs = "):
            out.append((current, line.split(" = ", 1)[1]))
    return out


def tunnel_host(name="edge-01", mac=MAC1, **extra):
    return edgeworker(name, mac, mgmt_attach="tunnel", **extra)


def test_tunnel_network_is_bootstrapped(tapi):
    nets = {n["type"]: n for n in tapi.get("/v1/networks").json["networks"]}
    assert set(nets) == {"mgmt", "edge-tunnel"}
    pools = {p["name"]: p for p in tapi.get("/v1/addrpools").json["addrpools"]}
    assert pools["edge-tunnel"]["network"] == "10.66.0.0"
    assert pools["edge-tunnel"]["prefix"] == 24
    assert pools["edge-tunnel"]["floating_address"] == "10.66.0.1"


def test_tunnel_host_gets_tunnel_address_no_dhcp(tapi, conf):
    direct = post(tapi, edgeworker("edge-00", MAC2)).json
    assert direct["mgmt_attach"] == "direct" and direct["wg_public_key"] is None
    host = post(tapi, tunnel_host(wg_public_key=key(1))).json
    assert host["mgmt_attach"] == "tunnel"
    assert host["mgmt_ip"] == "10.66.0.2"  # network + 1 is the controller's
    assert host["wg_public_key"] == key(1)
    assert host["tunnel_last_handshake"] is None
    assert hostsfile(conf) == ["52:54:00:aa:bb:02,192.168.204.5,edge-00"]
    assert peers(conf) == [(key(1), "10.66.0.2/32")]
    listed = {h["hostname"]: h for h in tapi.get("/v1/ihosts").json["ihosts"]}
    assert listed["edge-01"]["mgmt_attach"] == "tunnel"
    assert listed["edge-01"]["mgmt_ip"] == "10.66.0.2"


def test_key_rotation_revocation_and_delete(tapi, conf):
    post(tapi, tunnel_host())
    assert peers(conf) == []  # no key yet: no peer
    post(tapi, tunnel_host("edge-02", MAC2, wg_public_key=key(2)))
    assert patch(tapi, "edge-01", wg_public_key=key(1)).json["wg_public_key"] == key(1)
    assert peers(conf) == [(key(1), "10.66.0.2/32"), (key(2), "10.66.0.3/32")]
    # rotation: the new key replaces the old one in one change
    patch(tapi, "edge-01", wg_public_key=key(3))
    assert peers(conf) == [(key(3), "10.66.0.2/32"), (key(2), "10.66.0.3/32")]
    # the old key is free again (another node may not reuse it, but nothing holds it)
    assert tapi.get("/v1/ihosts/edge-01").json["wg_public_key"] == key(3)
    # revocation: JSON-patch remove
    r = tapi.patch_json("/v1/ihosts/edge-01", [{"op": "remove", "path": "/wg_public_key"}])
    assert r.json["wg_public_key"] is None and r.json["mgmt_ip"] == "10.66.0.2"
    assert peers(conf) == [(key(2), "10.66.0.3/32")]
    # an empty value (host-update <host> wg_public_key=) revokes too
    patch(tapi, "edge-02", wg_public_key=key(4))
    assert patch(tapi, "edge-02", wg_public_key="").json["wg_public_key"] is None
    assert peers(conf) == []
    patch(tapi, "edge-02", wg_public_key=key(2))
    # host-delete removes the peer and frees the address
    tapi.delete("/v1/ihosts/edge-02", status=204)
    assert peers(conf) == []
    assert post(tapi, tunnel_host("edge-03", "52:54:00:aa:bb:03")).json["mgmt_ip"] == "10.66.0.3"


def test_duplicate_key_is_409_and_changes_nothing(tapi, conf):
    post(tapi, tunnel_host(wg_public_key=key(1)))
    r = post(tapi, tunnel_host("edge-02", MAC2, wg_public_key=key(1)), status=409)
    assert fault(r) == ("wg_public_key is already registered for another host; every node "
                        "must have its own key pair.")
    assert [h["hostname"] for h in tapi.get("/v1/ihosts").json["ihosts"]] == ["edge-01"]
    post(tapi, tunnel_host("edge-02", MAC2))
    r = patch(tapi, "edge-02", status=409, wg_public_key=key(1))
    assert "wg_public_key is already registered for another host" in fault(r)
    assert tapi.get("/v1/ihosts/edge-02").json["wg_public_key"] is None
    assert peers(conf) == [(key(1), "10.66.0.2/32")]


def test_move_between_direct_and_tunnel(tapi, conf):
    host = post(tapi, edgeworker()).json
    assert host["mgmt_ip"] == "192.168.204.5"
    moved = patch(tapi, "edge-01", mgmt_attach="tunnel", wg_public_key=key(1)).json
    assert moved["mgmt_ip"] == "10.66.0.2" and moved["mgmt_attach"] == "tunnel"
    assert hostsfile(conf) == []
    assert peers(conf) == [(key(1), "10.66.0.2/32")]
    back = patch(tapi, "edge-01", mgmt_attach="direct").json
    assert back["mgmt_ip"] == "192.168.204.5" and back["wg_public_key"] is None
    assert hostsfile(conf) == ["52:54:00:aa:bb:01,192.168.204.5,edge-01"]
    assert peers(conf) == []


# Every input path of the attachment and the key: exact status and message naming the field.
_BAD_KEY = ("wg_public_key must be a WireGuard public key: 44 characters of base64 encoding "
            "32 bytes, as 'wg pubkey' prints it.")
BAD_KEYS = ["x", key(1)[:-1], key(1) + "=", key(1)[:-1] + "A", key(1)[:-2] + "F=",
            base64.b64encode(b"\0" * 33).decode(), base64.b64encode(b"\0" * 31).decode(),
            base64.urlsafe_b64encode(b"\xfb" * 32).decode(), " " + key(1)[1:], 5, ["k"],
            {"k": 1}, True]


@pytest.mark.parametrize("bad", BAD_KEYS)
def test_bad_key_on_create_and_patch_is_400(tapi, conf, bad):
    r = post(tapi, tunnel_host(wg_public_key=bad), status=400)
    assert fault(r) == _BAD_KEY
    post(tapi, tunnel_host())
    r = patch(tapi, "edge-01", status=400, wg_public_key=bad)
    assert fault(r) == _BAD_KEY
    assert tapi.get("/v1/ihosts/edge-01").json["wg_public_key"] is None


@pytest.mark.parametrize("body,message", [
    (edgeworker(mgmt_attach="wan"),
     "mgmt_attach 'wan' is invalid; expected one of: direct, tunnel."),
    (edgeworker(mgmt_attach=7), "mgmt_attach '7' is invalid; expected one of: direct, tunnel."),
    (edgeworker(wg_public_key=key(1)),
     "wg_public_key is only for hosts with mgmt_attach 'tunnel'."),
    (tunnel_host(mgmt_ip="10.66.0.9"),
     "mgmt_ip cannot be specified for a tunnel host: its address is allocated from the "
     "edge-tunnel network."),
    ({"mgmt_mac": MAC1, "mgmt_attach": "tunnel"},
     "mgmt_attach 'tunnel' is only for edgeworker hosts; set personality=edgeworker too."),
    (tunnel_host(wg_private_key="secret-value"),
     "'wg_private_key' is refused: a private key never leaves its node. Register the node's "
     "public key (wg pubkey) as wg_public_key."),
    (tunnel_host(private_key="secret-value"), "'private_key' is refused"),
    (tunnel_host(PrivateKey="secret-value"),
     "Unknown attribute for argument host: PrivateKey"),
])
def test_create_refusals(tapi, conf, body, message):
    r = post(tapi, body, status=400)
    assert message in fault(r)
    assert "secret-value" not in r.text
    assert tapi.get("/v1/ihosts").json["ihosts"] == []
    assert peers(conf) == []


@pytest.mark.parametrize("changes,message", [
    ({"mgmt_attach": "wan"}, "mgmt_attach 'wan' is invalid; expected one of: direct, tunnel."),
    ({"mgmt_attach": None}, "mgmt_attach cannot be removed; set it to direct or tunnel."),
    ({"mgmt_ip": "10.66.0.9"}, "mgmt_ip cannot be specified for a tunnel host"),
    ({"mgmt_attach": "direct", "wg_public_key": key(2)},
     "wg_public_key is only for hosts with mgmt_attach 'tunnel'."),
    ({"wg_private_key": "secret-value"}, "'wg_private_key' is refused: a private key never"),
    ({"PrivateKey": "secret-value"}, "'PrivateKey' is refused: a private key never"),
    ({"tunnel_last_handshake": "2026-01-01T00:00:00"},
     "'tunnel_last_handshake' cannot be modified."),
])
def test_patch_refusals(tapi, conf, changes, message):
    host = post(tapi, tunnel_host(wg_public_key=key(1))).json
    r = patch(tapi, "edge-01", status=400, **changes)
    assert message in fault(r)
    assert "secret-value" not in r.text
    assert tapi.get("/v1/ihosts/edge-01").json == host
    assert peers(conf) == [(key(1), "10.66.0.2/32")]


def test_tunnel_refused_without_tunnel_network(api, conf):
    message = ("mgmt_attach 'tunnel' needs the edge-tunnel network, and none is configured "
               "([tunnel] subnet in the conductor's configuration; docs/tunnel.md).")
    assert fault(post(api, tunnel_host(), status=400)) == message
    post(api, edgeworker())
    assert fault(patch(api, "edge-01", status=400, mgmt_attach="tunnel")) == message
    assert hostsfile(conf) == ["52:54:00:aa:bb:01,192.168.204.5,edge-01"]
    assert not os.path.exists(conf.tunnel.config_path)


def test_non_edgeworker_tunnel_refused(tapi, conf):
    r = post(tapi, {"hostname": "worker-0", "personality": "worker", "mgmt_mac": MAC1,
                    "mgmt_attach": "tunnel"}, status=400)
    assert fault(r) == "mgmt_attach 'tunnel' is only for edgeworker hosts."


def test_handshakes_recorded_and_shown_with_their_age(tapi, db):
    import datetime
    post(tapi, tunnel_host(wg_public_key=key(1)))
    post(tapi, tunnel_host("edge-02", MAC2, wg_public_key=key(2)))
    when = datetime.datetime(2026, 1, 1)
    # what the conductor records from `wg show <if> latest-handshakes` (0 = never)
    assert db.tunnel_record_handshakes({key(1): when, key(2): None, key(9): when}) == 1
    assert db.tunnel_record_handshakes({key(1): when, key(2): None}) == 0  # unchanged
    one = tapi.get("/v1/ihosts/edge-01").json
    assert one["tunnel_last_handshake"] == "2026-01-01T00:00:00"
    assert isinstance(one["tunnel_handshake_age"], int) and one["tunnel_handshake_age"] > 0
    assert one["updated_at"] is None  # an observation, not an inventory change
    two = tapi.get("/v1/ihosts/edge-02").json
    assert two["tunnel_last_handshake"] is None and two["tunnel_handshake_age"] is None
    listed = {h["hostname"]: h for h in tapi.get("/v1/ihosts").json["ihosts"]}
    assert listed["edge-01"]["tunnel_handshake_age"] >= one["tunnel_handshake_age"]
    assert listed["edge-02"]["tunnel_handshake_age"] is None


def test_handshake_age():
    import datetime

    from sysinv_edgeworker.api.representation import handshake_age
    now = datetime.datetime(2026, 1, 1, 0, 1, 30)
    assert handshake_age("2026-01-01T00:00:00", now) == 90
    assert handshake_age("2026-01-01T00:02:00", now) == 0  # clock skew: never negative
    assert handshake_age(None, now) is None


@pytest.fixture
def static_tunnel(tunnel_conf):
    tunnel_conf.set_override("dynamic", False, group="mgmt_network")
    return tunnel_conf


def test_static_mgmt_move_back_needs_mgmt_ip(static_tunnel, api, conf):
    host = post(api, tunnel_host(wg_public_key=key(1))).json  # no mgmt_ip needed: tunnel
    assert host["mgmt_ip"] == "10.66.0.2"
    r = patch(api, "edge-01", status=400, mgmt_attach="direct")
    assert fault(r) == "mgmt_ip is required for edgeworker hosts: the mgmt network is static."
    back = patch(api, "edge-01", mgmt_attach="direct", mgmt_ip="192.168.204.50").json
    assert (back["mgmt_ip"], back["mgmt_attach"]) == ("192.168.204.50", "direct")
    assert hostsfile(conf) == ["52:54:00:aa:bb:01,192.168.204.50,edge-01"]


def test_rpc_versions_of_the_tunnel_calls():
    from sysinv_edgeworker.conductor import rpcapi
    assert rpcapi.RPC_API_VERSION == "1.5"
    assert rpcapi.ConductorAPI._host_version({"hostname": "e"}) == "1.0"
    assert rpcapi.ConductorAPI._host_version({"wg_public_key": None}) == "1.5"
    assert rpcapi.ConductorAPI._host_version({"mgmt_attach": "tunnel"}) == "1.5"
