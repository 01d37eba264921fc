"""Two edgeworker sites behind NAT (docs/tunnel.md, "Deployment guide"): each lab host sits
on the same LAN addresses (10.10.0.2/24) behind its own NAT router namespace (masquerade with
random ports; nothing inbound but the site's SSH port forward Ansible uses); the routers have
no route to the controller's mgmt network (192.168.204.0/24, only in the controller's
namespace). The playbook's edgeworker_tunnel role, the real API service and a real
wireguard-go controller interface (tests/lab/tunnelnet.py) bring both tunnels up; the tunnel
survives a conntrack flush in a router (the NAT mapping changes); host-delete cuts one site off
and leaves the other. Not covered: the join to the real control plane through the tunnel.
"""

import time

import pytest

from tests.functional import netns, wgnet
from tests.lab import network, tunnelnet
from tests.lab.provision_run import failure_text, provision

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(bool(wgnet.missing_tools()), reason="wireguard-go/-tools missing"),
]


@pytest.fixture(scope="module")
def sites(lab, tmp_path_factory):
    work = tmp_path_factory.mktemp("tunnel-nat")
    hosts, routers = [], []
    try:
        for name in ("tna", "tnb"):
            hosts.append(lab.add_host(name, "debian12", "systemd"))
        with tunnelnet.controller(lab, work) as (ns, iface, ctl_ip, public, _, api):
            for i, host in enumerate(hosts, 1):
                routers.append(tunnelnet.behind_nat(lab, host))
                tunnelnet.register(api, host, "52:54:00:66:01:%02x" % i)
            play = work / "tunnel.yml"
            play.write_text(tunnelnet.PLAY)
            result = provision(
                lab,
                hosts,
                work / "run1",
                api.report_vars(),
                playbook=play,
                host_vars={
                    h.name: tunnelnet.ansible_vars(h, r[1])
                    for h, r in zip(hosts, routers, strict=True)
                },
                timeout=1200,
            )
            yield {
                "hosts": hosts,
                "routers": routers,
                "ns": ns,
                "iface": iface,
                "api": api,
                "result": result,
            }
    finally:
        for host in hosts:
            lab.remove_host(host.name)
        for router, wan in routers:
            tunnelnet.remove_router(router, wan)


def _peers(s):
    return wgnet.dump(s["iface"].name)[1]


def _wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(what)
        time.sleep(1)


def test_both_sites_come_up_through_their_nat(sites):
    assert sites["result"].returncode == 0, failure_text(sites["result"])
    peers = _peers(sites)
    addresses = set()
    for host, (router, wan) in zip(sites["hosts"], sites["routers"], strict=True):
        record = sites["api"].host(host.name)
        addresses.add(record["mgmt_ip"])
        peer = peers[record["wg_public_key"]]
        assert peer["allowed_ips"] == record["mgmt_ip"] + "/32"
        # the controller sees the site's NAT, not the host
        assert peer["endpoint"].split(":")[0] == wan, peer
        assert peer["latest_handshake"] > 0
        # the same LAN address at both sites; the router has no route to the controller's mgmt
        lan = tunnelnet.ssh_via(host, wan, "ip -4 -o addr show dev eth0").stdout
        assert f"{tunnelnet.LAN_HOST}/24" in lan
        no_route = netns.run(
            netns.in_ns(network.netns_name(router), ["ip", "route", "get", tunnelnet.MGMT_ADDRESS]),
            check=False,
        )
        assert no_route.returncode != 0, no_route.stdout
        route = tunnelnet.ssh_via(host, wan, f"ip route get {tunnelnet.MGMT_ADDRESS}").stdout
        assert "dev wg-edge" in route, route
        assert tunnelnet.ns_connect(sites["ns"], record["mgmt_ip"])
    assert addresses == {"10.66.0.2", "10.66.0.3"}


def test_the_tunnel_survives_a_conntrack_flush_in_the_nat(sites):
    host, (router, wan) = sites["hosts"][0], sites["routers"][0]
    record = sites["api"].host(host.name)
    before = _peers(sites)[record["wg_public_key"]]["endpoint"]
    netns.run(netns.in_ns(network.netns_name(router), ["conntrack", "-F"]))
    # the next keepalive (5 s) makes a new mapping; the controller follows it
    _wait(
        lambda: tunnelnet.ns_connect(sites["ns"], record["mgmt_ip"]),
        30,
        f"no tunnel to {host.name} after the conntrack flush",
    )
    after = _peers(sites)[record["wg_public_key"]]["endpoint"]
    assert after.split(":")[0] == wan
    print(f"endpoint before the flush {before}, after {after}")


def test_host_delete_cuts_one_site_off_and_keeps_the_other(sites):
    gone, kept = sites["hosts"][1], sites["hosts"][0]
    gone_ip = sites["api"].host(gone.name)["mgmt_ip"]
    kept_record = sites["api"].host(kept.name)
    status, _ = sites["api"].call("DELETE", f"/v1/ihosts/{gone.name}")
    assert status == 204
    assert list(_peers(sites)) == [kept_record["wg_public_key"]]
    assert not tunnelnet.ns_connect(sites["ns"], gone_ip)
    wan = sites["routers"][1][1]
    out = tunnelnet.ssh_via(
        gone,
        wan,
        "python3 -c \"import socket;socket.create_connection(('%s',22),timeout=3)\""
        % tunnelnet.MGMT_ADDRESS,
        check=False,
    )
    assert out.returncode != 0
    assert tunnelnet.ns_connect(sites["ns"], kept_record["mgmt_ip"])
