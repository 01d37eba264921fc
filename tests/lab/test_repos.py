"""The signed, pkgs.k8s.io-shaped lab repos really work with apt and dnf, and a wrong key fails."""

import pytest

from tests.lab.ansible_run import playbook, recap

pytestmark = pytest.mark.lab


def _apt_repo(host, lab, minor="1.29", key="k8s"):
    host.ssh(lab.repos.apt_source_script(minor, key))
    return host.ssh("apt-get update 2>&1", check=False).stdout


def _deb_version(host, package="kubeadm"):
    return host.ssh(f"dpkg-query -W -f '${{Version}}' {package}").stdout


def test_apt_pinned_install_upgrade_downgrade_hold(lab, lab_hosts):
    host = lab_hosts("ubuntu2204")
    _apt_repo(host, lab)
    assert host.ssh("apt-cache madison kubeadm | awk '{print $3}' | sort").stdout.split() == [
        "1.29.2-1.1",
        "1.29.3-1.1",
    ]
    host.ssh("apt-get install -y kubelet=1.29.2-1.1 kubeadm=1.29.2-1.1 kubectl=1.29.2-1.1")
    assert _deb_version(host) == "1.29.2-1.1"
    assert host.ssh("kubeadm version -o short").stdout.strip() == "v1.29.2"
    host.ssh("apt-get install -y kubelet=1.29.3-1.1 kubeadm=1.29.3-1.1 kubectl=1.29.3-1.1")
    assert _deb_version(host) == "1.29.3-1.1"
    refused = host.ssh("apt-get install -y kubeadm=1.29.2-1.1 2>&1", check=False)
    assert refused.returncode == 100 and "downgraded" in refused.stdout
    host.ssh("apt-get install -y --allow-downgrades kubeadm=1.29.2-1.1")
    assert _deb_version(host) == "1.29.2-1.1"
    host.ssh("apt-mark hold kubeadm")
    assert host.ssh("dpkg -l kubeadm | tail -1").stdout.startswith("hi")
    # the kubelet deb ships its unit and kubeadm the pkgs.k8s.io drop-in
    assert host.file("/lib/systemd/system/kubelet.service").exists()
    assert (
        "KUBELET_EXTRA_ARGS"
        in host.file("/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf").read_text()
    )


def test_apt_other_minor_is_a_separate_repo(lab, lab_hosts):
    host = lab_hosts("ubuntu2404")
    _apt_repo(host, lab, minor="1.30")
    assert host.ssh("apt-cache madison kubelet | awk '{print $3}'").stdout.split() == ["1.30.2-1.1"]


def test_apt_wrong_key_is_rejected(lab, lab_hosts):
    host = lab_hosts("ubuntu2204")
    output = _apt_repo(host, lab, key="rogue")
    assert "NO_PUBKEY" in output or "not signed" in output
    failed = host.ssh("apt-get install -y kubeadm=1.29.2-1.1 2>&1", check=False)
    assert failed.returncode != 0
    assert host.ssh("dpkg-query -W kubeadm 2>&1", check=False).returncode != 0


def test_apt_mirror_serves_debians_real_containerd(lab, lab_hosts):
    host = lab_hosts("debian12")
    host.ssh("apt-get update -q")
    host.ssh("apt-get install -y --no-install-recommends containerd")
    assert host.ssh("containerd --version").stdout.startswith("containerd ")
    assert host.ssh("runc --version").stdout.startswith("runc version")


DNF_PLAY = [
    {
        "hosts": "all",
        "gather_facts": False,
        "tasks": [
            {
                "name": "Lab | repo",
                "ansible.builtin.yum_repository": {
                    "name": "kubernetes",
                    "description": "Kubernetes",
                    "baseurl": "{{ base }}/rpm/",
                    "gpgcheck": True,
                    "repo_gpgcheck": True,
                    "gpgkey": "{{ key }}",
                },
            },
            {
                "name": "Lab | packages",
                "ansible.builtin.dnf": {
                    "name": ["kubelet-{{ v }}", "kubeadm-{{ v }}", "kubectl-{{ v }}"],
                    "state": "present",
                    "allow_downgrade": True,
                },
            },
        ],
    }
]


def _rpm_version(host):
    return host.ssh("rpm -q --qf '%{VERSION}-%{RELEASE}' kubeadm", check=False).stdout


def test_dnf_install_upgrade_downgrade(lab, lab_hosts, tmp_path):
    host = lab_hosts("rocky9")
    base = lab.repos.base_url + "/core:/stable:/v1.29"
    key = lab.repos.key_url("1.29", "rpm")
    # install (repo + packages changed), upgrade, downgrade, then an idempotent re-run
    for version, changed in (("1.29.2", 2), ("1.29.3", 1), ("1.29.2", 1), ("1.29.2", 0)):
        result = playbook(lab, [host], DNF_PLAY, tmp_path, {"base": base, "key": key, "v": version})
        assert recap(result.stdout)[host.name]["changed"] == changed, result.stdout[-3000:]
        assert _rpm_version(host) == f"{version}-150500.1.1"
    assert host.ssh("kubelet --version").stdout.strip() == "Kubernetes v1.29.2"
    assert (
        "edgelab pkgs.k8s.io signing key"
        in host.ssh("rpm -q gpg-pubkey --qf '%{SUMMARY}\\n'").stdout
    )


def test_dnf_wrong_key_is_rejected(lab, lab_hosts, tmp_path):
    host = lab_hosts("centos9")
    result = playbook(
        lab,
        [host],
        DNF_PLAY,
        tmp_path,
        check=False,
        extra_vars={
            "base": lab.repos.base_url + "/core:/stable:/v1.29",
            "key": lab.repos.base_url + "/keys/rogue.asc",
            "v": "1.29.2",
        },
    )
    assert result.returncode != 0
    assert recap(result.stdout)[host.name]["failed"] == 1
    assert _rpm_version(host).startswith("package kubeadm is not installed")
