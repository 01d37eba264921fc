"""provision_edgeworker on hosts that are not bare: an older (1.28.7, held) and a newer
(1.30.2) Kubernetes already installed, and a host whose OS is not supported - all in one
parallel run, after a preflight-only run and a --check run. systemd-mode lab hosts; see
test_provision_play.py for what is real and what is a test double.
"""

import hashlib
import os
from types import SimpleNamespace

import pytest

from tests.lab.ansible_run import recap
from tests.lab.provision_run import PREFLIGHT, provision

pytestmark = pytest.mark.lab

VERSION = "1.29.2"
FEDORA = (
    'NAME="Fedora Linux"\nVERSION="39 (Server Edition)"\nID=fedora\nVERSION_ID=39\n'
    'PRETTY_NAME="Fedora Linux 39 (Server Edition)"\n'
)
# Paths a booted host writes by itself (journal, logins, timers) or Ansible's own temp dirs.
VOLATILE = ("var/log/", "var/lib/systemd/", "root/.ansible/", "tmp/", "var/tmp/", "run/")


def snapshot(host):
    """{path: digest} of everything the host changed in its overlay upper directory."""
    found = {}
    for top, dirs, files in os.walk(host.upper):
        for name in dirs + files:
            full = os.path.join(top, name)
            rel = os.path.relpath(full, host.upper)
            if rel.startswith(VOLATILE) or rel + "/" in VOLATILE:
                continue
            if os.path.islink(full):
                found[rel] = "-> " + os.readlink(full)
            elif os.path.isfile(full):
                with open(full, "rb") as handle:
                    found[rel] = hashlib.sha256(handle.read()).hexdigest()
            else:
                found[rel] = "dir %o" % (os.stat(full).st_mode & 0o7777)
    return found


def _versions(host):
    query = ("rpm -q --qf '%{VERSION}\\n' kubelet kubeadm kubectl" if host.flavour.is_rpm
             else "dpkg-query -W -f '${Version}\\n' kubelet kubeadm kubectl")
    return [v.split("-")[0] for v in host.ssh(query).stdout.split()]


@pytest.fixture(scope="module")
def mixed(lab, lab_cluster, tmp_path_factory):
    work = tmp_path_factory.mktemp("provision-versions")
    hosts = []
    try:
        old = lab.add_host("pvold", "ubuntu2404", "systemd")
        hosts.append(old)
        new = lab.add_host("pvnew", "centos9", "systemd")
        hosts.append(new)
        bad = lab.add_host("pvbad", "ubuntu2204", "systemd")
        hosts.append(bad)
        old.ssh(lab.repos.apt_source_script("1.28") + "; apt-get update -q; apt-get install -y -q "
                "kubelet=1.28.7-1.1 kubeadm=1.28.7-1.1 kubectl=1.28.7-1.1; "
                "apt-mark hold kubelet kubeadm kubectl")
        base = lab.repos.k8s_url("1.30", "rpm")
        new.file("/etc/yum.repos.d/kubernetes.repo").write_text(
            f"[kubernetes]\nname=Kubernetes\nbaseurl={base}\nenabled=1\ngpgcheck=1\n"
            f"repo_gpgcheck=1\ngpgkey={lab.repos.key_url('1.30', 'rpm')}\n")
        new.ssh("dnf -y -q install kubelet-1.30.2 kubeadm-1.30.2 kubectl-1.30.2")
        for path in ("/etc/os-release", "/usr/lib/os-release"):
            target = bad.file(path)
            if target.is_symlink() or target.exists():
                target.unlink()
            target.write_text(FEDORA)
        for path in ("/etc/lsb-release",):
            if bad.file(path).exists():
                bad.file(path).unlink()
        assert _versions(old) == ["1.28.7"] * 3 and _versions(new) == ["1.30.2"] * 3
        yield SimpleNamespace(lab=lab, old=old, new=new, bad=bad, hosts=hosts, work=work,
                              before=snapshot(bad))
    finally:
        nodes = lab_cluster.nodes()
        for host in hosts:
            lab.remove_host(host.name)
            if host.name in nodes:
                lab_cluster.delete_node(host.name)


def test_preflight_only_reports_what_would_change(mixed):
    result = provision(mixed.lab, mixed.hosts, mixed.work / "preflight", playbook=PREFLIGHT)
    out = result.stdout
    assert result.returncode != 0  # the unsupported host does not pass
    assert f"pvold: preflight passed; would install containerd; replace kubelet/kubeadm/kubectl " \
           f"1.28.7 with {VERSION}" in out
    assert f"pvnew: preflight passed; would install containerd.io; replace " \
           f"kubelet/kubeadm/kubectl 1.30.2 with {VERSION}" in out
    assert "Fedora Linux 39 is not supported; supported distributions: Ubuntu 20.04/22.04/24.04, " \
           "Debian 12, CentOS 8/9, Rocky 8/9, AlmaLinux 8/9" in out
    stats = recap(out)
    assert stats["pvold"]["changed"] == stats["pvnew"]["changed"] == 0
    assert _versions(mixed.old) == ["1.28.7"] * 3


def test_check_mode_changes_nothing_and_has_no_task_errors(mixed):
    result = provision(mixed.lab, [mixed.old, mixed.new], mixed.work / "check", args=["--check"])
    stats = recap(result.stdout)
    assert result.returncode == 0, result.stdout[-6000:]
    assert stats["pvold"]["failed"] == stats["pvnew"]["failed"] == 0
    assert stats["pvold"]["rescued"] == stats["pvnew"]["rescued"] == 0
    assert stats["pvold"]["changed"] > 0  # it would change things...
    assert _versions(mixed.old) == ["1.28.7"] * 3  # ...but did not
    assert _versions(mixed.new) == ["1.30.2"] * 3
    assert not mixed.old.file("/etc/containerd/config.toml").exists()


def test_other_versions_are_replaced_and_the_unsupported_os_is_untouched(mixed, lab_cluster):
    result = provision(mixed.lab, mixed.hosts, mixed.work / "run")
    stats = recap(result.stdout)
    assert result.returncode != 0  # pvbad fails, after the cleanup play
    for host in (mixed.old, mixed.new):
        assert stats[host.name]["failed"] == 0 and stats[host.name]["rescued"] == 0
        assert _versions(host) == [VERSION] * 3
        assert host.name in lab_cluster.nodes()
    assert mixed.old.ssh("apt-mark showhold").stdout.split() == ["kubeadm", "kubectl", "kubelet"]
    assert "exclude = kubelet kubeadm kubectl" in \
        mixed.new.file("/etc/yum.repos.d/kubernetes.repo").read_text()
    assert mixed.new.ssh("dnf -q -y upgrade kubelet kubeadm kubectl; "
                         "rpm -q --qf '%{VERSION}' kubelet").stdout.strip() == VERSION
    # the unsupported host: failed in preflight, rescued, reported, and nothing changed on it
    assert stats["pvbad"]["rescued"] == 1 and stats["pvbad"]["failed"] == 1
    assert ("Provisioning pvbad failed at 'Preflight | Fail on any problem (nothing has been "
            "changed)': Preflight failed on pvbad: Fedora Linux 39 is not supported"
            ) in result.stdout
    assert snapshot(mixed.bad) == mixed.before
    assert "pvbad" not in lab_cluster.nodes()
    # the cleanup play ran although a host failed: no token of this run is left
    token_ids = {h.file("/var/lib/fake-kubeadm/join.json").read_text().split('"token_id": "')[1][:6]
                 for h in (mixed.old, mixed.new)}
    assert len(token_ids) == 1
    names = [s["metadata"]["name"] for s in
             lab_cluster.request("GET", "/api/v1/namespaces/kube-system/secrets")["items"]]
    assert f"bootstrap-token-{token_ids.pop()}" not in names
    assert "Controller | Cleanup | Delete the bootstrap token" in result.stdout
