"""Proxy settings of the edgeworker_os_prep role (issue 17 item 5).

The NO_PROXY filter is tested as plain Python; the input checks run the real ansible-playbook
with the role on this machine in --check mode (no change to the machine; the checks come before
any task that would write), -vvv, and a proxy password that must not show. The end-to-end proof
(real hosts, a real proxy, file modes) is tests/lab/test_provision_play.py.
"""

import importlib.util
import subprocess
import sys

import pytest

from tests.playbook import controller_run as cr

pytestmark = pytest.mark.functional

_SPEC = importlib.util.spec_from_file_location(
    "edgeworker_proxy",
    cr.PLAYBOOK_DIR / "roles/edgeworker_os_prep/filter_plugins/edgeworker_proxy.py",
)
proxy = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(proxy)

FACTS = {
    "interfaces": ["lo", "eth0", "br-mgmt"],
    "lo": {"ipv4": {"address": "127.0.0.1", "netmask": "255.0.0.0"}},
    "eth0": {
        "ipv4": {"address": "10.0.0.5", "netmask": "255.255.0.0"},
        "ipv6": [{"address": "fd00:1::5", "prefix": "64"}],
    },
    "br_mgmt": {
        "ipv4": {"address": "172.31.0.2", "netmask": "255.255.255.0"},
        "ipv4_secondaries": [{"address": "192.168.204.50", "netmask": "255.255.255.0"}],
    },
}
CLUSTER = ["10.96.0.0/12", "172.16.0.0/16", ".svc", ".svc.cluster.local", "192.168.204.2"]


def test_no_proxy_is_the_operators_entries_then_the_node_and_the_cluster_each_once():
    got = proxy.no_proxy_list(
        " example.com ,192.168.204.2,,LOCALHOST", CLUSTER, "192.168.204.50", "edge-01", FACTS
    )
    assert got == [
        "example.com", "192.168.204.2", "LOCALHOST", "127.0.0.1", "::1", "edge-01",
        "192.168.204.50", "192.168.204.0/24", "10.96.0.0/12", "172.16.0.0/16", ".svc",
        ".svc.cluster.local",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "node_ip,subnet",
    [("10.0.0.5", "10.0.0.0/16"), ("fd00:1::5", "fd00:1::/64"), ("172.31.0.2", "172.31.0.0/24")],
)
def test_the_management_subnet_is_the_interface_that_carries_the_node_ip(node_ip, subnet):
    assert subnet in proxy.no_proxy_list("", [], node_ip, "n", FACTS)


def test_no_subnet_when_no_interface_carries_the_ip():
    got = proxy.no_proxy_list("", [], "10.9.9.9", "n", FACTS)
    assert got == ["localhost", "127.0.0.1", "::1", "n", "10.9.9.9"]


def test_apt_gets_only_plain_hosts_and_credentials_are_detected():
    entries = ["a.example", "10.96.0.0/12", ".svc", "::1", "192.168.204.2", "fd00::1"]
    assert proxy.apt_direct_hosts(entries) == ["a.example", "192.168.204.2"]
    assert proxy.proxy_has_credentials("http://u:p@proxy:3128")
    assert proxy.proxy_has_credentials("http://u@proxy:3128")
    assert not proxy.proxy_has_credentials("http://proxy:3128")
    assert not proxy.proxy_has_credentials("")


PASSWORD = "Pr0xy-s3cret-9c1e"


def test_bad_proxy_settings_fail_naming_the_variable_and_not_the_password(tmp_path):
    """Check mode on this machine: the role fails at its input checks, before any task that
    would write; the password in a malformed URL is not shown, even with -vvv."""
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    hosts = {
        "badhttp": dict(local, edgeworker_http_proxy=f"http://u:{PASSWORD} x@proxy:3128"),
        "badhttps": dict(local, edgeworker_https_proxy=f"ftp://u:{PASSWORD}@proxy:21"),
        "dollar": dict(local, edgeworker_http_proxy=f"http://u:{PASSWORD}$@proxy:3128"),
        "badnoproxy": dict(local, edgeworker_no_proxy="a.example, b example"),
    }
    play = {
        "name": "OS prep",
        "hosts": "all:!localhost",
        "gather_facts": True,
        "roles": [{"role": "edgeworker_os_prep"}],
    }
    argv = cr.command(tmp_path, [play], cr.write_inventory(tmp_path, hosts), verbose=True)
    result = subprocess.run(
        argv + ["--check"], env=cr.env(tmp_path), cwd=str(tmp_path), capture_output=True,
        text=True, timeout=300, check=False,
    )  # fmt: skip
    out = " ".join(result.stdout.split())
    assert result.returncode == 2, result.stdout[-4000:]
    assert "ESTABLISH LOCAL CONNECTION" in result.stdout  # really -vvv
    assert out.count('"msg": "edgeworker_http_proxy is not an http:// or https:// proxy URL') == 2
    assert '"msg": "edgeworker_https_proxy is not an http:// or https:// proxy URL' in out
    assert (
        "edgeworker_no_proxy must be a comma-separated list of host names, domains "
        "(.example.com), IP addresses and CIDRs (got 'a.example, b example')"
    ) in out
    assert PASSWORD not in result.stdout + result.stderr
    for host in hosts:  # each failed at a check, not later
        assert f"fatal: [{host}]" in result.stdout
