"""The RPM family's firewalld, for real: a Rocky 9 stand-in (systemd mode) running Debian's
firewalld 1.3 (nftables backend, in the host's own network namespace) is reported by preflight
with the worker ports it keeps closed; with edgeworker_firewalld_manage=false the run refuses
and opens nothing; with the default (true) provision.yml opens every port at runtime and
permanently, and the host joins. Test doubles: the lab API server and kubeadm (docs/lab.md).
"""

from types import SimpleNamespace

import pytest

from tests.lab.ansible_run import recap
from tests.lab.provision_run import PREFLIGHT, failure_text, provision

pytestmark = pytest.mark.lab

PORTS = ["10250/tcp", "30000-32767/tcp", "30000-32767/udp", "179/tcp", "4789/udp", "5473/tcp"]


def open_ports(host, permanent=False):
    """The ports firewalld reports open in the default zone (runtime or permanent)."""
    flag = " --permanent" if permanent else ""
    return sorted(host.ssh(f"firewall-cmd{flag} --list-ports").stdout.split())


@pytest.fixture(scope="module")
def fw(lab, lab_cluster, tmp_path_factory):
    work = tmp_path_factory.mktemp("rpm-firewalld")
    host = None
    try:
        host = lab.add_host("pfw1", "rocky9", "systemd", layer="rpm-firewalld")
        state = host.ssh(
            "systemctl enable --now firewalld >/dev/null 2>&1; firewall-cmd --state", check=False
        )
        assert state.stdout.strip() == "running", state.stdout + state.stderr
        # A real EL host's rpm database is never empty (the stand-in's is: its OS came from
        # .debs), and package_facts refuses an empty one: one package from the BaseOS stand-in.
        host.ssh("dnf -y -q install socat")
        assert open_ports(host) == [] and open_ports(host, permanent=True) == []
        yield SimpleNamespace(lab=lab, host=host, work=work)
    finally:
        if host is not None:
            lab.remove_host(host.name)
            if host.name in lab_cluster.nodes():
                lab_cluster.delete_node(host.name)


def test_preflight_reports_the_closed_ports_before_any_change(fw):
    result = provision(fw.lab, [fw.host], fw.work / "preflight", playbook=PREFLIGHT)
    assert result.returncode == 0, failure_text(result)
    text = " ".join(result.stdout.split())
    assert (
        f"pfw1 (RPM family, before any change): SELinux disabled; firewalld active "
        f"(closed: {', '.join(PORTS)}, will be opened); NetworkManager"
    ) in text
    assert recap(result.stdout)["pfw1"]["changed"] == 0
    assert open_ports(fw.host) == []


def test_unmanaged_firewalld_with_closed_ports_is_refused_and_nothing_opened(fw):
    result = provision(
        fw.lab, [fw.host], fw.work / "refused", {"edgeworker_firewalld_manage": False}
    )
    assert result.returncode != 0
    text = " ".join(result.stdout.split())
    assert (
        f"firewalld is active and edgeworker_firewalld_manage is false, but the worker ports "
        f"{', '.join(PORTS)} are closed: open them (firewall-cmd --permanent "
        "--add-port=<port>; firewall-cmd --reload) or set edgeworker_firewalld_manage to "
        "true"
    ) in text, failure_text(result)
    assert open_ports(fw.host) == [] and open_ports(fw.host, permanent=True) == []
    assert not fw.host.file("/etc/kubernetes/kubelet.conf").exists()


def test_managed_firewalld_gets_every_worker_port_open_and_the_host_joins(fw, lab_cluster):
    result = provision(fw.lab, [fw.host], fw.work / "run")
    assert result.returncode == 0, failure_text(result)
    assert open_ports(fw.host) == sorted(PORTS)
    assert open_ports(fw.host, permanent=True) == sorted(PORTS)
    # still open after firewalld reloads its permanent configuration
    fw.host.ssh("firewall-cmd --reload")
    assert open_ports(fw.host) == sorted(PORTS)
    assert "pfw1" in lab_cluster.nodes()
    again = provision(fw.lab, [fw.host], fw.work / "again")
    assert again.returncode == 0, failure_text(again)
    assert recap(again.stdout)["pfw1"]["changed"] == 0
