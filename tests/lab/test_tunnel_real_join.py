"""An edgeworker behind a NAT joins the REAL Kubernetes v1.20.2 control plane through the
WireGuard management tunnel (docs/tunnel.md), provisioned by the whole playbook.

Real: everything test_real_join.py lists (control plane, registry registry.local:9001, kubeadm
join, kubelet, containerd, CNI, scheduler, the API service), plus wireguard-go on both ends, the
role edgeworker_tunnel and a NAT router namespace (tests/lab/tunnelnet.py). The controller's
addresses (198.18.0.2: API server and registry) are routed into the tunnel ([tunnel] routes) and
dropped by the site's router: the node reaches them only through the tunnel; the control plane's
namespace routes the tunnel subnet back through the controller's WireGuard namespace (how a
controller's mgmt network routes it to its tunnel interface). The apt mirror stays on the
router's WAN side (the site's Internet).
"""

import time

import pytest

from tests.functional import netns, wgnet
from tests.lab import network, realcluster, tunnelnet
from tests.lab.ansible_run import recap
from tests.lab.provision_run import failure_text, provision

pytestmark = [pytest.mark.lab, pytest.mark.real_k8s]


@pytest.fixture(scope="module")
def joined(lab, real_stack, tmp_path_factory):
    work = tmp_path_factory.mktemp("tunnel-real-join")
    cluster = real_stack.cluster
    kcp = network.netns_name(realcluster.NETNS_HOST)
    host, router, routed = None, None, False
    try:
        host = lab.add_host("tnj", "ubuntu2204", "systemd")
        with tunnelnet.controller(
            lab, work, routes=[realcluster.IP + "/32"], kubeconfig=cluster.kubeconfig
        ) as (ns, iface, ctl_ip, _, _, api):
            netns.run([netns.IP, "-n", kcp, "route", "add", "10.66.0.0/24", "via", ctl_ip])
            routed = ctl_ip
            router = tunnelnet.behind_nat(lab, host, blocked=[realcluster.IP])
            record = tunnelnet.register(api, host, "52:54:00:66:02:01")
            extra = {**api.report_vars(), **real_stack.playbook_vars()}
            host_vars = {host.name: tunnelnet.ansible_vars(host, router[1], record["mgmt_ip"])}
            result = provision(lab, [host], work / "run1", extra, host_vars=host_vars, timeout=1800)
            yield {
                "host": host,
                "router": router,
                "api": api,
                "iface": iface,
                "ns": ns,
                "result": result,
                "stack": real_stack,
                "cluster": cluster,
                "mgmt_ip": record["mgmt_ip"],
                "lab": lab,
                "work": work,
                "extra": extra,
                "host_vars": host_vars,
            }
    finally:
        if routed:
            netns.run([netns.IP, "-n", kcp, "route", "del", "10.66.0.0/24"], check=False)
        if host is not None:
            lab.remove_host(host.name)
        if router is not None:
            tunnelnet.remove_router(*router)
        for name in {
            n["metadata"]["name"] for n in cluster.request("GET", "/api/v1/nodes")["items"]
        }:
            if name != realcluster.NODE_NAME:
                cluster.request("DELETE", f"/api/v1/nodes/{name}")


def _ready(cluster, name, timeout=180.0):
    deadline = time.monotonic() + timeout
    while True:
        node = cluster.request("GET", f"/api/v1/nodes/{name}")
        if [c["status"] for c in node["status"].get("conditions", []) if c["type"] == "Ready"] == [
            "True"
        ]:
            return node
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} not Ready after {timeout}s: {node['status']}")
        time.sleep(2)


def test_the_node_joins_through_the_tunnel_and_is_ready_at_its_tunnel_address(joined):
    assert joined["result"].returncode == 0, failure_text(joined["result"])
    node = _ready(joined["cluster"], joined["host"].name)
    addresses = {a["type"]: a["address"] for a in node["status"]["addresses"]}
    assert addresses["InternalIP"] == joined["mgmt_ip"] == "10.66.0.2"
    record = joined["api"].host(joined["host"].name)
    assert record["provision_state"] == "provisioned", record
    # the site's router dropped every direct packet to the controller: none was even tried
    rules = netns.run(
        netns.in_ns(network.netns_name(joined["router"][0]), ["iptables", "-vnxL", "FORWARD"])
    ).stdout
    drop = [line for line in rules.splitlines() if realcluster.IP in line]
    assert drop and drop[0].split()[0] == "0", rules
    # and the join, the kubelet and the image pulls went through the tunnel instead
    peer = next(iter(wgnet.dump(joined["iface"].name)[1].values()))
    print(f"tunnel after the join: {peer}")
    assert peer["rx"] > 100_000 and peer["tx"] > 100_000, peer


def test_a_pod_runs_on_the_tunnel_node(joined):
    result = joined["stack"].run_pod(joined["host"].name)
    assert result["node"] == joined["host"].name
    assert result["log"] == (
        f"hello from pod hello-{joined['host'].name} on node {joined['host'].name}\n"
    ), result


def test_a_second_full_run_changes_nothing(joined):
    """The whole playbook again, through the tunnel: same key, same file, tunnel kept."""
    before = wgnet.dump(joined["iface"].name)[1]
    again = provision(
        joined["lab"],
        [joined["host"]],
        joined["work"] / "run2",
        joined["extra"],
        host_vars=joined["host_vars"],
        timeout=1200,
    )
    assert again.returncode == 0, failure_text(again)
    assert recap(again.stdout)[joined["host"].name]["changed"] == 0, failure_text(again)
    assert list(wgnet.dump(joined["iface"].name)[1]) == list(before)


def test_host_delete_cuts_the_node_off_the_controller(joined):
    status, _ = joined["api"].call("DELETE", f"/v1/ihosts/{joined['host'].name}")
    assert status == 204
    assert wgnet.dump(joined["iface"].name)[1] == {}
    out = tunnelnet.ssh_via(
        joined["host"],
        joined["router"][1],
        "python3 -c \"import socket;socket.create_connection(('%s',%d),timeout=3)\""
        % (realcluster.IP, realcluster.PORT),
        check=False,
    )
    assert out.returncode != 0
