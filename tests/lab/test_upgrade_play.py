"""upgrade.yml end to end on lab hosts booted with real systemd (an Ubuntu 22.04 stand-in and a
Rocky 9 stand-in) provisioned at v1.29.2, after the lab control plane was "upgraded" to v1.30.2
(its API server restarted reporting v1.30.2 in /version and kubeadm-config).

Real: SSH, apt/dpkg and dnf/rpm (signed repos, upgrade, holds), the kubelet unit restarted by
systemd, the kubernetes.core drain against the lab API server, the all-in-one inventory API.
Test doubles (docs/lab.md): the API server, `kubeadm upgrade node` (checks the skew with the
node's own credentials, records /var/lib/fake-kubeadm/upgrades.json) and the kubelet, which
reports its version in its Node status when it starts.
"""

import contextlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml

from tests.lab.ansible_run import ansible_bin, recap
from tests.lab.proc import run
from tests.lab.provision_api import running_service
from tests.lab.provision_run import PLAYBOOK_DIR, close_masters, failure_text, lab_vars, provision
from tests.servers._proc import run_temp_env

pytestmark = pytest.mark.lab

OLD, NEW = "1.29.2", "1.30.2"
UPGRADE = PLAYBOOK_DIR / "upgrade.yml"


@contextlib.contextmanager
def control_plane_at(cp, version):
    """Restart the lab API server reporting `version` (/version, kubeadm-config); restore after."""
    cfg_path = cp.dir / "config.json"
    original = cfg_path.read_text()

    def restart(text):
        cp.stop()
        cfg_path.write_text(text)
        cp.start()

    restart(json.dumps({**json.loads(original), "version": version}, indent=2))
    try:
        yield
    finally:
        restart(original)


def upgrade(lab, inventory, workdir, extra_vars=None, timeout=600):
    """Run upgrade.yml (extra vars through a 0600 file: they hold the API password)."""
    os.makedirs(workdir, exist_ok=True)
    inv = workdir / "inventory.yml"
    inv.write_text(yaml.safe_dump(inventory, sort_keys=False))
    vars_file = workdir / "vars.json"
    fd = os.open(vars_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(lab_vars(lab, workdir, **(extra_vars or {})), handle)
    # SSH control sockets need a short path (108 bytes for a Unix socket name).
    control_dir = Path(tempfile.mkdtemp(prefix="ugcp", dir="/tmp"))
    env = {
        **lab.ansible_env(),
        "ANSIBLE_CONFIG": str(PLAYBOOK_DIR / "ansible.cfg"),
        "ANSIBLE_SSH_ARGS": "-o ControlMaster=auto -o ControlPersist=120s",
        "ANSIBLE_SSH_CONTROL_PATH_DIR": str(control_dir),
        "ANSIBLE_SSH_CONTROL_PATH": "%(directory)s/%%C",
        "TMPDIR": run_temp_env(workdir)["TMPDIR"],  # e.g. kubernetes.core's k8srcp-*.json
    }
    argv = [ansible_bin("ansible-playbook"), "-i", inv, UPGRADE, "-e", f"@{vars_file}"]
    try:
        result = run(argv, env=env, check=False, timeout=timeout, cwd=PLAYBOOK_DIR)
    finally:
        close_masters(control_dir)
        shutil.rmtree(control_dir, ignore_errors=True)
    (workdir / "last-run.log").write_text(result.stdout + "\n--- stderr ---\n" + result.stderr)
    return result


def packages(host):
    query = (
        "rpm -q --qf '%{VERSION}-%{RELEASE}\\n' kubelet kubeadm kubectl"
        if host.flavour.is_rpm
        else "dpkg-query -W -f '${Version}\\n' kubelet kubeadm kubectl"
    )
    return host.ssh(query).stdout.split()


def assert_at(host, version):
    rpm = host.flavour.is_rpm
    assert packages(host) == [f"{version}-150500.1.1" if rpm else f"{version}-1.1"] * 3
    assert host.ssh("kubelet --version").stdout.strip() == f"Kubernetes v{version}"
    if rpm:  # held = excluded from ordinary updates, in the repo file of the version's minor
        repo = host.file("/etc/yum.repos.d/kubernetes.repo").read_text()
        assert re.search(r"^exclude = kubelet kubeadm kubectl", repo, re.M), repo
        assert f"v{version.rsplit('.', 1)[0]}/rpm/" in repo
    else:
        held = host.ssh("apt-mark showhold").stdout.split()
        assert {"kubelet", "kubeadm", "kubectl"} <= set(held), held


def kubelet_started(host):
    """When systemd last started the kubelet unit (monotonic µs): changes on every restart."""
    return host.ssh("systemctl show kubelet -p ActiveEnterTimestampMonotonic").stdout.strip()


def pod(name, node, owner_kind, annotations=None):
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": "default",
            "annotations": annotations or {},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": owner_kind,
                    "name": f"{name}-owner",
                    "uid": f"uid-{name}",
                    "controller": True,
                }
            ],
        },
        "spec": {
            "nodeName": node,
            "containers": [{"name": "c", "image": "registry.k8s.io/pause:3.9"}],
        },
        "status": {"phase": "Running"},
    }


@pytest.fixture(scope="module")
def fleet(lab, lab_cluster, tmp_path_factory):
    work = tmp_path_factory.mktemp("upgrade-play")
    hosts = []
    try:
        hosts = [
            lab.add_host("upu1", "ubuntu2204", "systemd"),
            lab.add_host("upr1", "rocky9", "systemd"),
        ]
        with running_service(work / "aio") as api:
            for host in hosts:
                api.add_edgeworker(host)
            first = provision(lab, hosts, work / "provision")
            assert first.returncode == 0, failure_text(first)
            yield hosts, api, work
    finally:
        nodes = lab_cluster.nodes()
        for host in hosts:
            lab.remove_host(host.name)
            if host.name in nodes:
                lab_cluster.delete_node(host.name)


def test_upgrade_refusals_then_batches_with_a_drain_failure_then_idempotent(
    fleet, lab, lab_cluster
):
    hosts, api, work = fleet
    u1, r1 = hosts
    cp = lab_cluster
    inventory = lab.inventory(hosts, group="edgeworker")
    report = api.report_vars()
    for host in hosts:
        assert_at(host, OLD)

    # 1. A target newer than the control plane is refused before any host is touched.
    refused = upgrade(
        lab, inventory, work / "too-new", {**report, "edgeworker_upgrade_target": "v1.30.2"}
    )
    assert refused.returncode != 0
    text = " ".join(refused.stdout.split())
    assert (
        "Refusing to upgrade edgeworkers to v1.30.2: the control plane's oldest "
        "kube-apiserver is v1.29.2" in text
    )
    assert set(recap(refused.stdout)) == {"localhost"}  # no edgeworker play ran

    pods = "/api/v1/namespaces/default/pods"
    with control_plane_at(cp, "v" + NEW):
        # 2. A two-minor jump (a Node whose kubelet is v1.28.7) is refused naming the host.
        cp.request(
            "POST",
            "/api/v1/nodes",
            {
                "metadata": {"name": "upold"},
                "status": {
                    "nodeInfo": {"kubeletVersion": "v1.28.7"},
                    "conditions": [{"type": "Ready", "status": "True"}],
                },
            },
        )
        with_old = yaml.safe_load(yaml.safe_dump(inventory))
        with_old["all"]["children"]["edgeworker"]["hosts"]["upold"] = {
            "ansible_host": "198.18.0.250"
        }
        try:
            skip = upgrade(lab, with_old, work / "skip-minor", report)
        finally:
            cp.delete_node("upold")
        assert skip.returncode != 0
        text = " ".join(skip.stdout.split())
        assert (
            "Refusing to upgrade upold (Node upold) from kubelet v1.28.7 to v1.30.2: kubeadm "
            "upgrades one minor version at a time"
        ) in text, failure_text(skip)
        assert "UNREACHABLE" not in skip.stdout  # no connection was even tried
        for host in hosts:
            assert_at(host, OLD)
            assert not cp.nodes()[host.name]["spec"].get("unschedulable")

        # 2b. provision.yml on the joined hosts now that the controller is at v1.30.2: refused
        #     in preflight, naming upgrade.yml; no package swapped under the running kubelet.
        started = {h.name: kubelet_started(h) for h in hosts}
        swap = provision(lab, hosts, work / "provision-at-new", report)
        assert swap.returncode != 0
        text = " ".join(swap.stdout.split())
        for host in hosts:
            assert (
                f"Preflight failed on {host.name}: the host is joined to this cluster at "
                f"v{OLD} (running kubelet; installed kubelet v{OLD}, kubeadm v{OLD}), not the "
                f"controller's v{NEW}: provision.yml does not replace Kubernetes under a joined "
                "node. Upgrade it with upgrade.yml (drain, kubeadm upgrade node, kubelet restart, "
                "uncordon): ansible-playbook -i inventory/sysinv_inventory.py upgrade.yml "
                f"--limit localhost,{host.name}"
            ) in text, failure_text(swap)
            assert recap(swap.stdout)[host.name]["changed"] == 0
            assert_at(host, OLD)
            assert kubelet_started(host) == started[host.name]  # never restarted
            assert cp.nodes()[host.name]["status"]["nodeInfo"]["kubeletVersion"] == "v" + OLD

        # 3. Serial batches: u1 upgrades; r1 has a pod that never terminates, so its drain
        #    times out: r1 fails, is uncordoned, reported failed, and keeps v1.29.2.
        cp.request("POST", pods, pod("web-u1", u1.name, "ReplicaSet"))
        cp.request("POST", pods, pod("ds-u1", u1.name, "DaemonSet"))
        cp.request(
            "POST", pods, pod("stuck-r1", r1.name, "ReplicaSet", {"edgelab.io/eviction": "stuck"})
        )
        try:
            batch = upgrade(
                lab, inventory, work / "run1", {**report, "edgeworker_upgrade_drain_timeout": 4}
            )
        finally:
            cp.request("DELETE", f"{pods}/stuck-r1")
        assert batch.returncode != 0
        stats = recap(batch.stdout)
        assert stats[u1.name]["failed"] == 0 and stats[r1.name]["failed"] == 1, failure_text(batch)
        text = " ".join(batch.stdout.split())
        assert (
            f"Could not drain Node {r1.name} within 4 s: pods still on the Node: "
            "default/stuck-r1." in text
        )
        assert f"Node {r1.name}: uncordoned by the play" in text
        assert_at(r1, OLD)
        nodes = cp.nodes()
        assert not nodes[r1.name]["spec"].get("unschedulable")
        assert nodes[r1.name]["status"]["nodeInfo"]["kubeletVersion"] == "v" + OLD
        got = api.host(r1.name)
        assert got["provision_state"] == "failed" and "drain" in got["provision_step"].lower(), got
        assert "uncordoned" in got["provision_error"]

        # u1 was upgraded in its own batch.
        assert_at(u1, NEW)
        node = nodes[u1.name]
        assert node["status"]["nodeInfo"]["kubeletVersion"] == "v" + NEW
        assert not node["spec"].get("unschedulable")
        assert [c["status"] for c in node["status"]["conditions"] if c["type"] == "Ready"] == [
            "True"
        ]
        left = {p["metadata"]["name"] for p in cp.request("GET", pods)["items"]}
        assert "web-u1" not in left and "ds-u1" in left  # evicted; DaemonSet pod kept
        record = json.loads(u1.file("/var/lib/fake-kubeadm/upgrades.json").read_text())
        assert [
            (r["kubeadm_version"], r["from_kubelet_config_version"], r["cluster_version"])
            for r in record
        ] == [("v" + NEW, "v" + OLD, "v" + NEW)]
        got = api.host(u1.name)
        assert (got["provision_state"], got["kubelet_version"]) == ("provisioned", "v" + NEW), got
        assert api.password not in batch.stdout + batch.stderr

        # 4. Rerun: u1 is skipped (already at the target), r1 is upgraded.
        second = upgrade(lab, inventory, work / "run2", report)
        assert second.returncode == 0, failure_text(second)
        assert recap(second.stdout)[u1.name]["changed"] == 0
        assert_at(r1, NEW)
        node = cp.nodes()[r1.name]
        assert node["status"]["nodeInfo"]["kubeletVersion"] == "v" + NEW
        assert not node["spec"].get("unschedulable")
        got = api.host(r1.name)
        assert (got["provision_state"], got["kubelet_version"]) == ("provisioned", "v" + NEW), got

        # 5. Idempotent: nothing left to do.
        third = upgrade(lab, inventory, work / "run3", report)
        assert third.returncode == 0, failure_text(third)
        stats = recap(third.stdout)
        assert all(stats[h.name]["changed"] == 0 for h in hosts), stats
        cp.request("DELETE", f"{pods}/ds-u1")

    # 6. Back at v1.29.2 (a controller restored from backup), provision.yml on a host that runs
    #    v1.30.2 is refused: Kubernetes has no downgrade.
    down = provision(lab, [u1], work / "provision-downgrade", report)
    assert down.returncode != 0
    text = " ".join(down.stdout.split())
    assert (
        f"the host is joined to this cluster at v{NEW} (running kubelet; installed kubelet "
        f"v{NEW}, kubeadm v{NEW}), newer than the controller's v{OLD}: Kubernetes has no "
        "downgrade." in text
    ), failure_text(down)
    assert_at(u1, NEW)
