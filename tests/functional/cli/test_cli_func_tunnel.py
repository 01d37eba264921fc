"""Tunnel hosts through the real ``system`` CLI and the real all-in-one service, whose
conductor applies the peer set to a real wireguard-go interface in a namespace of this test
(tests/functional/wgnet.py); then the security check: the private keys of the test's key
pairs (the edge's, offered in every refused field, and the controller interface's, which
the conductor hands to wg) appear nowhere in the database file, the service's debug log,
the rendered configuration or any API/CLI output."""

import json
import os

import pytest
from cli_aio import NO_CLUSTER, make_runner, run_service
from test_cli_func_hosts import parse_show

from tests.functional import netns, wgnet

pytestmark = [pytest.mark.functional,
              pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)"),
              pytest.mark.skipif(bool(wgnet.missing_tools()),
                                 reason="wireguard-go/wireguard-tools missing (.ci/install)")]


@pytest.fixture(scope="module")
def controller(tmp_path_factory):
    ns = wgnet.unique("ewwgc")
    netns.run([netns.IP, "netns", "add", ns])
    existed = os.path.isdir(wgnet.SOCKET_DIR)
    private, public = wgnet.genkey()
    iface = wgnet.Interface(ns, wgnet.unique("wgc"), str(tmp_path_factory.mktemp("wg")),
                            "10.68.0.1/24", private, listen_port=51822)
    try:
        yield iface.start(), private, public
    finally:
        iface.stop()
        netns.run([netns.IP, "netns", "del", ns], check=False)
        if not existed:
            try:
                os.rmdir(wgnet.SOCKET_DIR)
            except OSError:
                pass


@pytest.fixture(scope="module")
def service(tmp_path_factory, controller):
    iface = controller[0]
    extra = NO_CLUSTER + ("[DEFAULT]\ndebug = true\n[tunnel]\nsubnet = 10.68.0.0/24\n"
                          "interface = %s\nlisten_port = 51822\nprivate_key_file = %s\n"
                          % (iface.name, iface.key_file))
    with run_service(tmp_path_factory.mktemp("aio"), extra) as svc:
        yield svc


@pytest.fixture(scope="module")
def system(service):
    return make_runner(service)


def test_tunnel_host_lifecycle_and_no_private_key_anywhere(system, service, controller):
    iface, ctl_private, _ = controller
    edge_private, edge_public = wgnet.genkey()
    outputs = []

    def run(*args, code=0):
        res = system(*args)
        outputs.append(res.stdout + res.stderr)
        assert res.returncode == code, res.stderr
        return res

    res = run("host-add", "-n", "edge-t1", "-p", "edgeworker", "-m", "52:54:00:68:00:01",
              "--mgmt_attach", "tunnel")
    shown = parse_show(res.stdout)
    assert (shown["mgmt_attach"], shown["mgmt_ip"]) == ("tunnel", "10.68.0.2")
    assert shown["wg_public_key"] == "None" and shown["tunnel_handshake_age"] == "never"
    assert wgnet.dump(iface.name)[1] == {}

    # The private key offered in every way a client might: refused, by field name.
    for field in ("wg_private_key", "PrivateKey", "private_key"):
        res = run("host-update", "edge-t1", "%s=%s" % (field, edge_private), code=1)
        assert res.stderr.strip() == (
            "'%s' is refused: a private key never leaves its node. Register the node's "
            "public key (wg pubkey) as wg_public_key." % field)
    status, body = service.raw("POST", "/v1/ihosts", {
        "hostname": "edge-t2", "personality": "edgeworker", "mgmt_mac": "52:54:00:68:00:02",
        "mgmt_attach": "tunnel", "wg_private_key": edge_private})
    outputs.append(json.dumps(body))
    assert status == 400 and "'wg_private_key' is refused" in body["faultstring"]
    res = run("host-update", "edge-t1", "wg_public_key=%s" % edge_private[:-2], code=1)
    assert res.stderr.strip().startswith("wg_public_key must be a WireGuard public key")

    res = run("host-update", "edge-t1", "wg_public_key=%s" % edge_public)
    assert parse_show(res.stdout)["wg_public_key"] == edge_public
    assert {k: p["allowed_ips"] for k, p in wgnet.dump(iface.name)[1].items()} == {
        edge_public: "10.68.0.2/32"}
    res = run("host-list", "--column", "hostname", "--column", "mgmt_attach", "--column",
              "tunnel_handshake_age", "--column", "kube_node_ready", "--format", "value")
    assert res.stdout.split() == ["edge-t1", "tunnel", "never", "None"]
    status, body = service.raw("GET", "/v1/ihosts/edge-t1")
    outputs.append(json.dumps(body))
    assert body["tunnel_handshake_age"] is None
    status, body = service.raw("POST", "/v1/ihosts/tunnel_refresh", {})
    outputs.append(json.dumps(body))
    assert status == 200 and body["present"] is True and body["peers"] == 1

    res = run("host-wg-key-revoke", "edge-t1")
    assert parse_show(res.stdout)["wg_public_key"] == "None"
    assert wgnet.dump(iface.name)[1] == {}
    run("host-update", "edge-t1", "wg_public_key=%s" % edge_public)
    run("host-delete", "edge-t1")
    assert wgnet.dump(iface.name)[1] == {}
    assert wgnet.dump(iface.name)[0]["public_key"] == controller[2]  # interface key kept

    # Nothing of either private key anywhere the service writes or answers.
    state = service.conf.parent
    places = {"output": "\n".join(outputs)}
    for root, _dirs, files in os.walk(state):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                places[os.path.join(root, name)] = f.read().decode("latin-1")
    assert any(name.endswith(".sqlite") for name in places)
    assert any(name.endswith("aio.log") for name in places)
    assert "DEBUG" in places[str(state / "aio.log")]  # the debug log was on
    for secret in (edge_private, ctl_private):
        leaked = [name for name, text in places.items() if secret in text]
        assert leaked == []


def test_network_show_gives_the_edge_what_it_needs(system, service, controller):
    """The edge-tunnel network shows the controller interface's public key (derived by the
    conductor from its real key file: equal to `wg pubkey`), port, MTU, keepalive, subnet
    and routes; network-show prints them after sysinv's rows; never the private key."""
    _, ctl_private, ctl_public = controller
    _, nets = service.raw("GET", "/v1/networks")
    net = [n for n in nets["networks"] if n["type"] == "edge-tunnel"][0]
    assert (net["tunnel_public_key"], net["tunnel_listen_port"], net["tunnel_mtu"],
            net["tunnel_persistent_keepalive"], net["tunnel_subnet"],
            net["tunnel_controller_address"], net["tunnel_routes"], net["tunnel_endpoints"]) == (
        ctl_public, 51822, 1420, 25, "10.68.0.0/24", "10.68.0.1", ["192.168.204.0/24"], [])
    res = system("network-show", net["uuid"])
    assert res.returncode == 0, res.stderr
    rows = [line.split("|")[1:3] for line in res.stdout.splitlines() if line.startswith("| ")]
    rows = [(a.strip(), b.strip()) for a, b in rows][1:]
    assert [r[0] for r in rows] == [
        "id", "uuid", "name", "type", "dynamic", "pool_uuid", "primary_pool_family",
        "tunnel_subnet", "tunnel_controller_address", "tunnel_public_key",
        "tunnel_endpoints", "tunnel_listen_port", "tunnel_mtu", "tunnel_persistent_keepalive",
        "tunnel_routes"]
    assert dict(rows)["tunnel_public_key"] == ctl_public
    assert ctl_private not in res.stdout and ctl_private not in json.dumps(nets)
