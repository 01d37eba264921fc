"""The controller's WireGuard peer set with two conductors on PostgreSQL (+ RabbitMQ and the
API, all real): concurrent host-adds, key rotations, revocations and host-deletes through
the API end with the real interface (wireguard-go in a namespace of this test) holding
exactly the database's peer set, and the rendered file saying the same."""

import base64
import concurrent.futures
import os
import secrets

import pytest

from tests.functional import wgnet
from tests.functional.deployment import Deployment, http
from tests.functional.netns import IP, run

pytestmark = [pytest.mark.functional, pytest.mark.postgresql,
              pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)"),
              pytest.mark.skipif(bool(wgnet.missing_tools()),
                                 reason="wireguard-go/wireguard-tools missing (.ci/install)")]
HOSTS = 40
CLIENTS = 12


def _key():
    return base64.b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture
def controller(tmp_path):
    ns = wgnet.unique("ewwgp")
    run([IP, "netns", "add", ns])
    socket_dir_existed = os.path.isdir(wgnet.SOCKET_DIR)
    private, _public = wgnet.genkey()
    iface = wgnet.Interface(ns, wgnet.unique("wgp"), str(tmp_path), "10.67.0.1/24", private,
                            listen_port=51821)
    try:
        yield iface.start()
    finally:
        iface.stop()
        run([IP, "netns", "del", ns], check=False)
        if not socket_dir_existed:
            try:
                os.rmdir(wgnet.SOCKET_DIR)
            except OSError:
                pass


@pytest.fixture
def deployment(controller):
    extra = ("[tunnel]\nsubnet = 10.67.0.0/24\ninterface = %s\nlisten_port = 51821\n"
             "private_key_file = %s\n" % (controller.name, controller.key_file))
    dep = Deployment(conductors=2, rpc_timeout=30, extra_conf=extra).start()
    yield dep
    dep.stop()


def _db_peers(dep):
    rows = dep.sql("SELECT h.wg_public_key || ' ' || a.address FROM hosts h JOIN addresses a "
                   "ON a.host_id = h.id WHERE h.mgmt_attach = 'tunnel' "
                   "AND h.wg_public_key IS NOT NULL").split("\n")
    return dict(r.split(" ", 1) for r in rows if r.strip())


def test_two_conductors_keep_the_peer_set_exact(deployment, controller):
    dep = deployment
    keys = [_key() for _ in range(HOSTS)]

    def add(n):
        return http("POST", dep.url + "/v1/ihosts", {
            "hostname": "edge-%03d" % n, "personality": "edgeworker",
            "mgmt_mac": "52:54:02:00:00:%02x" % n, "mgmt_attach": "tunnel",
            "wg_public_key": keys[n]})

    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        added = list(pool.map(add, range(HOSTS)))
    assert {status for status, _ in added} == {200}, [b for s, b in added if s != 200][:2]
    assert {k: p["allowed_ips"] for k, p in wgnet.dump(controller.name)[1].items()} == {
        body["wg_public_key"]: body["mgmt_ip"] + "/32" for _, body in added}

    def change(n):
        url = dep.url + "/v1/ihosts/edge-%03d" % n
        if n % 3 == 0:
            return http("DELETE", url)[0]
        if n % 3 == 1:  # rotation
            return http("PATCH", url, [{"op": "replace", "path": "/wg_public_key",
                                        "value": _key()}])[0]
        return http("PATCH", url, [{"op": "remove", "path": "/wg_public_key"}])[0]

    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        statuses = list(pool.map(change, range(HOSTS)))
    assert set(statuses) <= {200, 204}, statuses
    assert all("Created host" in dep.log("conductor-%d" % n) for n in range(2))
    expected = _db_peers(dep)
    assert len(expected) == len(range(1, HOSTS, 3))  # the rotated ones
    assert not set(expected) & set(keys)  # no old key left anywhere
    peers = wgnet.dump(controller.name)[1]
    assert {k: p["allowed_ips"] for k, p in peers.items()} == {
        k: ip + "/32" for k, ip in expected.items()}
    with open(os.path.join(dep.state, "wg-edge.conf")) as f:
        rendered = f.read()
    assert sorted(line.split(" = ")[1] for line in rendered.splitlines()
                  if line.startswith("PublicKey")) == sorted(expected)
    assert "PrivateKey" not in rendered
    # a delete that is the last change still removes its peer (no later render to hide it)
    assert http("DELETE", dep.url + "/v1/ihosts/edge-001")[0] == 204
    assert set(wgnet.dump(controller.name)[1]) == set(_db_peers(dep))
    assert len(_db_peers(dep)) == len(expected) - 1
