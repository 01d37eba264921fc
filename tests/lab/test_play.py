"""The issue's acceptance play: per flavour, set a sysctl and install a pinned kubelet from the
signed lab repo with Ansible over SSH; asserted from outside the host; re-run is changed=0."""

import pytest

from tests.lab.ansible_run import playbook, recap
from tests.lab.fixtures import machine_sysctls

pytestmark = pytest.mark.lab

PLAY = [
    {
        "name": "Lab acceptance play",
        "hosts": "all",
        "gather_facts": True,
        "tasks": [
            {
                "name": "Lab | Enable IPv4 forwarding",
                "ansible.posix.sysctl": {
                    "name": "net.ipv4.ip_forward",
                    "value": "1",
                    "sysctl_set": True,
                    "state": "present",
                    "sysctl_file": "/etc/sysctl.d/99-edgelab.conf",
                },
            },
            {
                "name": "Lab | apt keyring",
                "when": "ansible_pkg_mgr == 'apt'",
                "ansible.builtin.get_url": {
                    "url": "{{ repo_base }}/deb/Release.key",
                    "dest": "/etc/apt/keyrings/kubernetes-apt-keyring.asc",
                    "mode": "0644",
                },
            },
            {
                "name": "Lab | apt repo",
                "when": "ansible_pkg_mgr == 'apt'",
                "ansible.builtin.apt_repository": {
                    "repo": "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.asc] "
                    "{{ repo_base }}/deb/ /",
                    "filename": "kubernetes",
                    "state": "present",
                },
            },
            {
                "name": "Lab | apt pinned kubelet",
                "when": "ansible_pkg_mgr == 'apt'",
                "ansible.builtin.apt": {
                    "name": "kubelet={{ kube_version }}-1.1",
                    "state": "present",
                    "allow_downgrade": True,
                },
            },
            {
                "name": "Lab | dnf repo",
                "when": "ansible_pkg_mgr == 'dnf'",
                "ansible.builtin.yum_repository": {
                    "name": "kubernetes",
                    "description": "Kubernetes",
                    "baseurl": "{{ repo_base }}/rpm/",
                    "gpgcheck": True,
                    "repo_gpgcheck": True,
                    "gpgkey": "{{ repo_base }}/rpm/repodata/repomd.xml.key",
                },
            },
            {
                "name": "Lab | dnf pinned kubelet",
                "when": "ansible_pkg_mgr == 'dnf'",
                "ansible.builtin.dnf": {
                    "name": "kubelet-{{ kube_version }}",
                    "state": "present",
                    "allow_downgrade": True,
                },
            },
        ],
    }
]


def _version(host):
    query = (
        "rpm -q --qf '%{VERSION}-%{RELEASE}' kubelet"
        if host.flavour.is_rpm
        else "dpkg-query -W -f '${Version}' kubelet"
    )
    return host.ssh(query).stdout.strip()


def test_sysctl_and_pinned_install_on_each_flavour(lab, lab_hosts, lab_baseline, tmp_path):
    hosts = [lab_hosts(f) for f in ("debian12", "ubuntu2204", "ubuntu2404", "rocky9", "centos9")]
    variables = {"repo_base": lab.repos.base_url + "/core:/stable:/v1.29", "kube_version": "1.29.2"}
    first = playbook(lab, hosts, PLAY, tmp_path, variables)
    assert all(
        stats["changed"] >= 3 and stats["failed"] == 0 for stats in recap(first.stdout).values()
    )
    for host in hosts:
        assert host.sysctl("net.ipv4.ip_forward") == "1", host.name
        assert "net.ipv4.ip_forward=1" in host.file("/etc/sysctl.d/99-edgelab.conf").read_text()
        expected = "1.29.2-150500.1.1" if host.flavour.is_rpm else "1.29.2-1.1"
        assert _version(host) == expected, host.name
        assert host.ssh("kubelet --version").stdout.strip() == "Kubernetes v1.29.2"
    assert machine_sysctls() == lab_baseline, "a sysctl set inside a lab host leaked to the machine"

    again = playbook(lab, hosts, PLAY, tmp_path, variables)
    assert {name: stats["changed"] for name, stats in recap(again.stdout).items()} == {
        h.name: 0 for h in hosts
    }
