"""The edge side of the WireGuard management tunnel (role edgeworker_tunnel, docs/tunnel.md)
on a real systemd lab host against a real controller interface and the real API service.

Real: the lab host's systemd and apt (wireguard-tools and wireguard-go from the lab's Debian
mirror stand-in: the kernel here has no wireguard module), wg-quick@ under its systemd, the
controller's wireguard-go interface in a namespace of this test on the lab bridge, the
all-in-one service whose conductor renders and applies the peer set. The controller's
"mgmt network" (192.168.204.0/24) exists only in that namespace, behind the tunnel. Not
covered here: the NAT namespace and the join to the real control plane (docs/tunnel.md).
"""

import stat
import time

import pytest

from tests.functional import wgnet
from tests.lab import tunnelnet
from tests.lab.ansible_run import recap
from tests.lab.provision_run import failure_text, provision

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(bool(wgnet.missing_tools()), reason="wireguard-go/-tools missing"),
]



@pytest.fixture(scope="module")
def tunnel_lab(lab, tmp_path_factory):
    work = tmp_path_factory.mktemp("tunnel-edge")
    host = lab.add_host("tn1", "debian12", "systemd")
    try:
        with tunnelnet.controller(lab, work) as (ns, iface, _, public, private, api):
            tunnelnet.register(api, host, "52:54:00:66:00:01")
            play = work / "tunnel.yml"
            play.write_text(tunnelnet.PLAY)
            yield {
                "lab": lab,
                "host": host,
                "api": api,
                "iface": iface,
                "ns": ns,
                "work": work,
                "play": play,
                "ctl_public": public,
                "ctl_private": private,
                "state": work / "aio",
                "vars": api.report_vars(),
            }
    finally:
        lab.remove_host(host.name)


def _run(t, name, extra=None, args=()):
    result = provision(
        t["lab"],
        [t["host"]],
        t["work"] / name,
        {**t["vars"], **(extra or {})},
        args=args,
        playbook=t["play"],
        timeout=900,
    )
    assert result.returncode == 0, failure_text(result)
    return result


def _node_key(t):
    return t["host"].file("/etc/wireguard/wg-edge.key")


def _handshake(t, key, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        peers = wgnet.dump(t["iface"].name)[1]
        if key in peers and peers[key]["latest_handshake"] > 0:
            return peers[key]
        if time.monotonic() > deadline:
            raise AssertionError(f"no handshake from {key}: {peers}")
        time.sleep(1)


def test_first_run_brings_the_tunnel_up(tunnel_lab):
    t = tunnel_lab
    first = _run(t, "run1")
    t["first"] = first
    record = t["api"].host(t["host"].name)
    assert record["mgmt_ip"] == "10.66.0.2"
    assert f"node-ip={record['mgmt_ip']}" in first.stdout
    key = _node_key(t)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    conf = t["host"].file("/etc/wireguard/wg-edge.conf")
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600
    text = conf.read_text()
    assert "PrivateKey" not in text and key.read_text().strip() not in text
    assert f"PublicKey = {t['ctl_public']}" in text
    assert "AllowedIPs = 10.66.0.0/24, 192.168.204.0/24" in text
    assert "PersistentKeepalive = 5" in text
    node_public = t["host"].ssh("wg pubkey < /etc/wireguard/wg-edge.key").stdout.strip()
    assert record["wg_public_key"] == node_public
    peer = _handshake(t, node_public)
    assert peer["allowed_ips"] == "10.66.0.2/32"
    assert peer["endpoint"].startswith(t["host"].ip + ":")
    assert t["host"].ssh("systemctl is-enabled wg-quick@wg-edge").stdout.strip() == "enabled"
    # the controller reaches the node's sshd through the tunnel, at its tunnel address
    assert tunnelnet.ns_connect(t["ns"], "10.66.0.2")
    # the node routes the controller's mgmt network into the tunnel
    route = t["host"].ssh("ip route get 192.168.204.2").stdout
    assert "dev wg-edge" in route, route


def test_second_run_changes_nothing(tunnel_lab):
    t = tunnel_lab
    before = _node_key(t).read_text()
    again = _run(t, "run2", args=("-vvv",))
    assert {n: s["changed"] for n, s in recap(again.stdout).items() if n != "localhost"} == {
        t["host"].name: 0
    }
    assert _node_key(t).read_text() == before
    t["vvv"] = again.stdout + again.stderr


def test_rotation_is_picked_up(tunnel_lab):
    t = tunnel_lab
    old = t["api"].host(t["host"].name)["wg_public_key"]
    old_private = _node_key(t).read_text().strip()
    rotated = _run(t, "run3", {"edgeworker_tunnel_rotate_key": True}, args=("-vvv",))
    new = t["api"].host(t["host"].name)["wg_public_key"]
    assert new != old
    assert list(wgnet.dump(t["iface"].name)[1]) == [new]
    _handshake(t, new)
    assert tunnelnet.ns_connect(t["ns"], "10.66.0.2")
    t["vvv_rotate"] = rotated.stdout + rotated.stderr
    t["old_private"] = old_private


def test_no_node_private_key_outside_the_node(tunnel_lab):
    t = tunnel_lab
    keys = [_node_key(t).read_text().strip(), t.get("old_private")]
    keys = [k for k in keys if k]
    assert keys
    places = {
        "database": b"".join(p.read_bytes() for p in t["state"].rglob("*.sqlite*")),
        "service log": t["api"].log.read_bytes(),
        "rendered peer set": b"".join(p.read_bytes() for p in t["state"].rglob("*.conf")),
    }
    for run_dir in t["work"].glob("run*"):
        for f in run_dir.iterdir():
            if f.is_file():
                places[str(f.relative_to(t["work"]))] = f.read_bytes()
    places["-vvv (re-run)"] = t.get("vvv", "").encode()
    places["-vvv (rotation)"] = t.get("vvv_rotate", "").encode()
    assert places["-vvv (rotation)"] and places["database"]
    for key in keys:
        for where, data in places.items():
            assert key.encode() not in data, f"the node's private key is in {where}"


def test_host_delete_removes_the_peer_and_cuts_the_node_off(tunnel_lab):
    t = tunnel_lab
    status, _ = t["api"].call("DELETE", f"/v1/ihosts/{t['host'].name}")
    assert status == 204
    assert wgnet.dump(t["iface"].name)[1] == {}
    assert not tunnelnet.ns_connect(t["ns"], "10.66.0.2")
    out = t["host"].ssh(
        "python3 -c \"import socket;socket.create_connection(('192.168.204.2',22),timeout=3)\"",
        check=False,
    )
    assert out.returncode != 0
