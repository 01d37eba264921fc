"""Ansible's own facts on every lab flavour report the intended distribution and package manager."""

import fnmatch

import pytest

from tests.lab import flavours
from tests.lab.ansible_run import facts

pytestmark = pytest.mark.lab


def test_every_flavour_reports_intended_distribution(lab, lab_hosts, tmp_path):
    hosts = [lab_hosts(name) for name in sorted(flavours.FLAVOURS)]
    gathered = facts(lab, hosts, tmp_path)
    for host in hosts:
        f, want = gathered[host.name], host.flavour
        got = {
            k: f[f"ansible_{k}"]
            for k in ("distribution", "distribution_major_version", "os_family", "pkg_mgr")
        }
        assert got == {
            "distribution": want.distribution,
            "distribution_major_version": want.major,
            "os_family": want.os_family,
            "pkg_mgr": want.pkg_mgr,
        }, host.name
        assert fnmatch.fnmatchcase(f["ansible_distribution_version"], want.version), host.name
        assert f["ansible_hostname"] == host.name
        assert f["ansible_default_ipv4"] == {}  # no default route: nothing leaves the lab


def test_flavours_report_their_release_names(lab, lab_hosts, tmp_path):
    named = sorted(name for name, f in flavours.FLAVOURS.items() if f.release)
    hosts = [lab_hosts(name) for name in named]
    gathered = facts(lab, hosts, tmp_path)
    got = {h.flavour.name: gathered[h.name]["ansible_distribution_release"] for h in hosts}
    assert got == {name: flavours.FLAVOURS[name].release for name in named}


def test_ubuntu2004_has_no_apt_keyrings_dir(lab_hosts):
    # apt < 2.4 does not ship /etc/apt/keyrings; the base root (Debian 12) has it
    focal, jammy = lab_hosts("ubuntu2004"), lab_hosts("ubuntu2204")
    assert focal.ssh("test -d /etc/apt/keyrings", check=False).returncode == 1
    assert jammy.ssh("test -d /etc/apt/keyrings", check=False).returncode == 0


def test_flavour_changes_stay_in_the_host_overlay(lab, lab_hosts):
    rocky = lab_hosts("rocky9")
    assert "Rocky" in rocky.file("/etc/os-release").read_text()
    assert (lab.base_root / "etc/os-release").is_symlink()
    assert "Debian" in (lab.base_root / "usr/lib/os-release").read_text()
    assert not rocky.file("/etc/debian_version").exists()
    assert (lab.base_root / "etc/debian_version").exists()
