"""The controller's WireGuard peer set against a real interface: wireguard-go in a network
namespace of this test, the conductor (in-process, behind the real API) applying its
rendered configuration with ``wg syncconf``, checked with ``wg show <if> dump``.

A second namespace is an edge node with its own wireguard-go, over a veth "WAN" link: its
session with the controller (handshake, learned endpoint) must survive other peers being
added and removed. Test-only addresses (10.66.0.0/24 tunnel, 192.0.2.0/24 WAN) exist only
inside the namespaces.
"""

import os

import pytest

from tests.functional import netns, wgnet
from tests.unit.api_helpers import edgeworker

pytestmark = [pytest.mark.functional,
              pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)"),
              pytest.mark.skipif(bool(wgnet.missing_tools()),
                                 reason="wireguard-go/wireguard-tools missing (.ci/install)")]
PORT = 51820


@pytest.fixture
def wan():
    w = wgnet.Wan().create()
    yield w
    w.delete()


@pytest.fixture
def controller(wan, tmp_path):
    private, public = wgnet.genkey()
    iface = wan.interface(wan.ctl, wgnet.unique("wgc"), str(tmp_path), "10.66.0.1/24",
                          private, listen_port=PORT)
    return iface, public


@pytest.fixture
def tunnel_conf(conf, controller):
    conf.set_override("subnet", "10.66.0.0/24", group="tunnel")
    conf.set_override("interface", controller[0].name, group="tunnel")
    conf.set_override("listen_port", PORT, group="tunnel")
    conf.set_override("private_key_file", controller[0].key_file, group="tunnel")
    return conf


@pytest.fixture
def tapi(tunnel_conf, api):
    return api


def add(api, name, mac, key):
    return api.post_json("/v1/ihosts", edgeworker(name, mac, mgmt_attach="tunnel",
                                                  wg_public_key=key)).json


def test_peer_set_follows_the_database_and_sessions_survive(tapi, tunnel_conf, wan, controller,
                                                             tmp_path):
    ctl, ctl_public = controller
    _, peers = wgnet.dump(ctl.name)
    assert peers == {}  # converged at conductor start: nothing in the database
    edge_private, edge_public = wgnet.genkey()
    host = add(tapi, "edge-01", "52:54:00:66:00:01", edge_public)
    assert host["mgmt_ip"] == "10.66.0.2"
    iface, peers = wgnet.dump(ctl.name)
    assert iface == {"public_key": ctl_public, "listen_port": PORT}  # key and port kept
    with open(tunnel_conf.tunnel.config_path) as f:
        assert "PrivateKey" not in f.read()
    assert {k: p["allowed_ips"] for k, p in peers.items()} == {edge_public: "10.66.0.2/32"}

    # The edge node: its own wireguard-go, the controller as its peer over the WAN link.
    edge = wan.interface(wan.edge, wgnet.unique("wge"), str(tmp_path), "10.66.0.2/24",
                         edge_private)
    netns.run([wgnet.WG, "set", edge.name, "peer", ctl_public, "endpoint",
               "%s:%d" % (wan.CONTROLLER_WAN, PORT), "allowed-ips", "10.66.0.1/32",
               "persistent-keepalive", "25"])
    assert wan.ping(wan.edge, "10.66.0.1")
    _, peers = wgnet.dump(ctl.name)
    session = peers[edge_public]
    assert session["endpoint"].startswith(wan.EDGE_WAN + ":")
    assert session["latest_handshake"] > 0

    # Another peer added and removed: the first one's session is untouched.
    _, other = wgnet.genkey()
    add(tapi, "edge-02", "52:54:00:66:00:02", other)
    _, peers = wgnet.dump(ctl.name)
    assert {k: p["allowed_ips"] for k, p in peers.items()} == {
        edge_public: "10.66.0.2/32", other: "10.66.0.3/32"}
    assert peers[edge_public]["endpoint"] == session["endpoint"]
    assert peers[edge_public]["latest_handshake"] == session["latest_handshake"]
    assert peers[edge_public]["rx"] >= session["rx"]  # counters kept: not re-created
    tapi.delete("/v1/ihosts/edge-02", status=204)
    _, peers = wgnet.dump(ctl.name)
    assert set(peers) == {edge_public}
    assert peers[edge_public]["endpoint"] == session["endpoint"]
    assert peers[edge_public]["latest_handshake"] == session["latest_handshake"]
    assert peers[edge_public]["rx"] >= session["rx"]
    assert wan.ping(wan.edge, "10.66.0.1")  # still through the same session

    # The conductor's health reading: the handshake recorded on the host.
    got = tapi.post_json("/v1/ihosts/tunnel_refresh", {}).json
    assert got["present"] is True and got["peers"] == 1
    shown = tapi.get("/v1/ihosts/edge-01").json
    assert shown["tunnel_last_handshake"] is not None
    assert isinstance(shown["tunnel_handshake_age"], int)

    # Rotation: the old key is no peer any more, the new one is, with the same address.
    new_private, new_public = wgnet.genkey()
    tapi.patch_json("/v1/ihosts/edge-01", [{"op": "replace", "path": "/wg_public_key",
                                            "value": new_public}])
    _, peers = wgnet.dump(ctl.name)
    assert {k: p["allowed_ips"] for k, p in peers.items()} == {new_public: "10.66.0.2/32"}

    # Revocation: no peer; the edge can no longer reach the controller through the tunnel.
    tapi.patch_json("/v1/ihosts/edge-01", [{"op": "remove", "path": "/wg_public_key"}])
    assert wgnet.dump(ctl.name)[1] == {}
    assert not wan.ping(wan.edge, "10.66.0.1")


def test_conductor_start_converges_and_deleted_host_loses_the_tunnel(tapi, wan, controller,
                                                                      tmp_path, manager):
    ctl, ctl_public = controller
    keys = [wgnet.genkey() for _ in range(3)]
    for n, (_, public) in enumerate(keys):
        add(tapi, "edge-%02d" % n, "52:54:00:66:01:%02x" % n, public)
    # Someone changes the interface behind the conductor's back: a stray peer, one removed.
    _, stray = wgnet.genkey()
    netns.run([wgnet.WG, "set", ctl.name, "peer", stray, "allowed-ips", "10.66.0.200/32"])
    netns.run([wgnet.WG, "set", ctl.name, "peer", keys[0][1], "remove"])
    assert manager.hosts.resync_tunnel() is True  # what conductor start does
    _, peers = wgnet.dump(ctl.name)
    assert {k: p["allowed_ips"] for k, p in peers.items()} == {
        pub: "10.66.0.%d/32" % (n + 2) for n, (_, pub) in enumerate(keys)}
    tapi.delete("/v1/ihosts/edge-01", status=204)
    assert set(wgnet.dump(ctl.name)[1]) == {keys[0][1], keys[2][1]}


@pytest.fixture
def missing_conf(conf):
    conf.set_override("subnet", "10.66.0.0/24", group="tunnel")
    conf.set_override("interface", wgnet.unique("wgx"), group="tunnel")
    return conf


def test_missing_interface_renders_and_skips(missing_conf, api, caplog):
    conf, name = missing_conf, missing_conf.tunnel.interface
    _, public = wgnet.genkey()
    add(api, "edge-01", "52:54:00:66:02:01", public)
    with open(conf.tunnel.config_path) as f:
        assert "PublicKey = %s\n" % public in f.read()
    skipped = [r.getMessage() for r in caplog.records if "apply skipped" in r.getMessage()]
    assert skipped[-1] == ("WireGuard interface %s does not exist: rendered 1 peer(s) into %s, "
                           "apply skipped." % (name, conf.tunnel.config_path))
    got = api.post_json("/v1/ihosts/tunnel_refresh", {}).json
    assert got == {"interface": name, "present": False, "peers": 0, "changed": 0}
