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


def test_ubuntu_flavours_have_their_codenames(lab, lab_hosts, tmp_path):
    hosts = [lab_hosts("ubuntu2204"), lab_hosts("ubuntu2404")]
    gathered = facts(lab, hosts, tmp_path)
    assert [gathered[h.name]["ansible_distribution_release"] for h in hosts] == ["jammy", "noble"]


def test_flavour_changes_stay_in_the_host_overlay(lab, lab_hosts):
    rocky = lab_hosts("rocky9")
    assert "Rocky" in rocky.file("/etc/os-release").read_text()
    assert (lab.base_root / "etc/os-release").is_symlink()
    assert "Debian" in (lab.base_root / "usr/lib/os-release").read_text()
    assert not rocky.file("/etc/debian_version").exists()
    assert (lab.base_root / "etc/debian_version").exists()
