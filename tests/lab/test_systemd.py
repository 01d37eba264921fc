"""Hosts booted with real systemd under systemd-nspawn: real containerd, kubelet unit, real join."""

import pytest

from tests.lab.fixtures import machine_sysctls

pytestmark = pytest.mark.lab


def _k8s_repo(host, lab):
    host.ssh(lab.repos.apt_source_script("1.29") + "; apt-get update -q")


def _booted(host):
    state = host.ssh("systemctl is-system-running --wait", check=False).stdout.strip()
    return state in ("running", "degraded")


def test_systemd_host_runs_containerd_and_joins(lab, lab_hosts, lab_cluster, lab_baseline):
    host = lab_hosts("ubuntu2204", mode="systemd")
    state = host.ssh("systemctl is-system-running --wait", check=False).stdout.strip()
    assert state in ("running", "degraded"), host.ssh("systemctl --failed", check=False).stdout
    assert host.ssh("ps -o comm= -p 1").stdout.strip() == "systemd"

    _k8s_repo(host, lab)
    host.ssh(
        "apt-get install -y -q containerd kubelet=1.29.2-1.1 kubeadm=1.29.2-1.1 kubectl=1.29.2-1.1"
    )
    host.ssh("systemctl enable --now containerd && systemctl is-active containerd")
    version = host.ssh("ctr version").stdout
    assert "Server:" in version and "Revision" in version.split("Server:")[1]
    # the kubelet unit is installed and enabled by the package; it crash-loops until joined
    assert host.ssh("systemctl is-enabled kubelet").stdout.strip() == "enabled"

    host.ssh("sysctl -w net.ipv4.ip_forward=1")
    assert host.sysctl("net.ipv4.ip_forward") == "1"
    token = lab_cluster.create_token(ttl_seconds=600)
    try:
        result = host.ssh(
            f"kubeadm join {lab_cluster.endpoint} --token {token} "
            f"--discovery-token-ca-cert-hash {lab_cluster.ca_hash}",
            check=False,
        )
        assert result.returncode == 0, result.stderr  # all preflight checks pass, none ignored
        assert host.ssh("systemctl is-active kubelet").stdout.strip() == "active"
        assert host.name in lab_cluster.nodes()
    finally:
        lab_cluster.delete_token(token)
        if host.name in lab_cluster.nodes():
            lab_cluster.delete_node(host.name)
    assert machine_sysctls() == lab_baseline


def test_rpm_family_host_boots_systemd_and_runs_kubelet_unit(lab, lab_hosts):
    host = lab_hosts("rocky9", mode="systemd")
    assert host.ssh("systemctl is-system-running --wait", check=False).stdout.strip() in (
        "running",
        "degraded",
    )
    base = lab.repos.k8s_url("1.29", "rpm")
    host.file("/etc/yum.repos.d/kubernetes.repo").write_text(
        f"[kubernetes]\nname=Kubernetes\nbaseurl={base}\nenabled=1\ngpgcheck=1\nrepo_gpgcheck=1\n"
        f"gpgkey={lab.repos.key_url('1.29', 'rpm')}\n"
    )
    host.ssh("dnf -y -q install kubelet-1.29.3 kubeadm-1.29.3 kubectl-1.29.3")
    host.ssh(
        "mkdir -p /var/lib/kubelet && touch /var/lib/kubelet/config.yaml && "
        "systemctl daemon-reload && systemctl enable --now kubelet"
    )
    assert host.ssh("systemctl is-active kubelet").stdout.strip() == "active"
    assert host.ssh("rpm -q kubelet").stdout.strip() == "kubelet-1.29.3-150500.1.1.x86_64"


def test_rpm_family_host_runs_containerd_from_the_docker_style_repo(lab, lab_hosts):
    host = lab_hosts("centos9", mode="systemd")
    assert host.ssh("systemctl is-system-running --wait", check=False).stdout.strip() in (
        "running",
        "degraded",
    )
    base = f"{lab.repos.base_url}/docker-ce/linux/centos"
    host.file("/etc/yum.repos.d/docker-ce.repo").write_text(
        f"[docker-ce-stable]\nname=Docker CE Stable\nbaseurl={base}/9/x86_64/stable\nenabled=1\n"
        f"gpgcheck=1\nrepo_gpgcheck=1\ngpgkey={base}/gpg\n"
    )
    host.ssh("dnf -y -q install containerd.io && systemctl enable --now containerd")
    assert host.ssh("rpm -q containerd.io").stdout.startswith("containerd.io-1.6.")
    version = host.ssh("ctr version").stdout
    assert "Server:" in version and "Revision" in version.split("Server:")[1]
