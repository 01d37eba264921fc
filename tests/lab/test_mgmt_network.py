"""The node's management interface, configured by the edgeworker_network role (issue 17 item 9),
on a lab host booted with real systemd: its mgmt interface (a second link, ``mgmt0``, with the
registered MAC) starts with no address; the all-in-one service allocates the host's mgmt_ip on
its dynamic mgmt network and publishes the reservation to the directory a real dnsmasq watches;
the role finds the interface by that MAC, writes a systemd-networkd file for DHCP (the Debian
host has no ifupdown or netplan) and applies it; the interface gets the reservation from dnsmasq
and keeps it after the host restarts (networkd enabled, the file persistent). A re-run changes
nothing; the same address made static (edgeworker_mgmt_dynamic=false) is applied the same way.
SSH stays on the lab link (eth0) throughout.

dnsmasq runs in a namespace of its own (``edgelab-mgmt-<pid>``, swept with the lab's) joined to
the host's namespace by one veth pair; addresses 198.18.44.0/24 (RFC 2544) live only there.
"""

import contextlib
import json
import os
import time
import urllib.error
import urllib.request

import pytest
import yaml

from tests.functional import netns as fnetns
from tests.lab import config
from tests.lab.ansible_run import recap
from tests.lab.proc import run
from tests.lab.provision_run import provision
from tests.servers import aio
from tests.servers._proc import free_port

pytestmark = pytest.mark.lab

SUBNET = "198.18.44.0/24"
CONTROLLER_CIDR = "198.18.44.2/24"  # the controller's address: network + 2 (the pool's default)
MAC = "52:54:00:44:00:0a"
NETWORKD_FILE = "/etc/systemd/network/10-edgeworker-mgmt.network"


class MgmtLink:
    """A namespace with dnsmasq's side (``ctl0``) joined to ``mgmt0`` in the host's namespace."""

    def __init__(self, host):
        self.ns = f"{config.NETNS_PREFIX}mgmt-{os.getpid()}"
        self.host_ns = host.netns

    def create(self):
        run(["ip", "netns", "add", self.ns])
        run(["ip", "-n", self.ns, "link", "add", "ctl0", "type", "veth", "peer", "name", "mgmt0",
             "netns", self.host_ns, "address", MAC])  # fmt: skip
        run(["ip", "-n", self.ns, "addr", "add", CONTROLLER_CIDR, "dev", "ctl0"])
        run(["ip", "-n", self.ns, "link", "set", "ctl0", "up"])
        run(["ip", "-n", self.ns, "link", "set", "lo", "up"])

    def host_addresses(self):
        """The IPv4 addresses on mgmt0 inside the host's namespace, read from outside."""
        out = run(["ip", "-n", self.host_ns, "-4", "-o", "addr", "show", "dev", "mgmt0"]).stdout
        return [line.split()[3] for line in out.splitlines()]

    def flush_host(self):
        run(["ip", "-n", self.host_ns, "-4", "addr", "flush", "dev", "mgmt0"])

    def delete(self):
        if os.path.exists(f"/run/netns/{self.ns}"):
            run(["ip", "netns", "del", self.ns], check=False)  # the veth pair goes with it


def _wait_address(link, expected, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if link.host_addresses() == [expected]:
            return
        time.sleep(0.5)
    raise AssertionError(f"mgmt0 has {link.host_addresses()} after {timeout} s, not {expected}")


PLAY = [
    {
        "name": "Management interface",
        "hosts": "edgeworker",
        "gather_facts": False,
        "tasks": [
            {"name": "Facts", "ansible.builtin.setup": {"gather_subset": ["min", "network"]}},
            {"name": "Look the host up", "ansible.builtin.include_role": {
                "name": "edgeworker_report", "tasks_from": "lookup"}},
            {"name": "Configure it", "ansible.builtin.import_role": {"name": "edgeworker_network"}},
        ],
    }
]  # fmt: skip


def test_dynamic_mgmt_interface_gets_its_reservation_and_keeps_it_after_restart(
    lab, lab_hosts, tmp_path
):
    host = lab_hosts("debian12", mode="systemd")
    link = MgmtLink(host)
    dhcp = tmp_path / "dhcp"
    hostsdir, addn, pid_file = dhcp / "dhcp-hosts.d", dhcp / "addn-hosts.d", dhcp / "dnsmasq.pid"
    port = free_port()
    conf = tmp_path / "aio.conf"
    conf.write_text(
        f"[DEFAULT]\nstate_path = {tmp_path / 'state'}\n[api]\nhost_ip = 127.0.0.1\nport = {port}\n"
        f"[mgmt_network]\nsubnet = {SUBNET}\ndynamic = true\n"
        f"[dhcp]\nhostsdir = {hostsdir}\naddn_hostsdir = {addn}\npid_file = {pid_file}\n"
        f"release_interface = ctl0\nrelease_command = ip netns exec {link.ns} dhcp_release\n"
    )
    with contextlib.ExitStack() as stack:
        stack.callback(link.delete)
        link.create()
        assert link.host_addresses() == []  # starts unaddressed
        url, _proc = stack.enter_context(aio.running(conf, tmp_path / "aio.log", port))
        status, registered = _post(url, {"hostname": host.name, "personality": "edgeworker",
                                         "mgmt_mac": MAC})  # fmt: skip
        assert status in (200, 201), registered
        mgmt_ip = registered["mgmt_ip"]
        assert mgmt_ip and mgmt_ip.startswith("198.18.44."), registered

        run_vars = {"edgeworker_report_enabled": True, "edgeworker_sysinv_url": url,
                    "edgeworker_manage_mgmt_interface": True}  # fmt: skip
        book = tmp_path / "mgmt.yml"
        book.write_text(yaml.safe_dump(PLAY, sort_keys=False))

        # No DHCP server yet: the new configuration never brings the address; the role rolls it
        # back (no file before: none after) and fails saying so.
        failed = provision(lab, [host], tmp_path / "run0",
                           {**run_vars, "edgeworker_mgmt_apply_timeout": 30}, playbook=book,
                           timeout=600)  # fmt: skip
        out = " ".join(failed.stdout.split())
        assert failed.returncode != 0, failed.stdout[-4000:]
        for said in (
            "failed at 'Network | The interface has the mgmt address'",
            f"expected {mgmt_ip} on it",
            "the previous configuration is restored",
        ):
            assert said in out, failed.stdout[-4000:]
        assert not host.file(NETWORKD_FILE).exists()
        assert host.ssh("test -e /run/edgeworker-mgmt", check=False).returncode == 1
        assert link.host_addresses() == []

        dnsmasq = fnetns.Dnsmasq(link.ns, "ctl0", tmp_path, hostsdir, addn, pid_file,
                                 SUBNET.split("/")[0])  # fmt: skip
        stack.callback(dnsmasq.stop)
        dnsmasq.start()
        dnsmasq.wait_read(registered["uuid"])
        first = provision(lab, [host], tmp_path / "run1", run_vars, playbook=book, timeout=600)
        assert first.returncode == 0, first.stdout[-6000:]
        assert recap(first.stdout)[host.name]["changed"] > 0
        assert link.host_addresses() == [f"{mgmt_ip}/24"]
        assert f"DHCPACK(ctl0) {mgmt_ip} {MAC}" in dnsmasq.log(), dnsmasq.log()[-3000:]
        written = host.file(NETWORKD_FILE).read_text()
        assert "DHCP=ipv4" in written and f"MACAddress={MAC}" in written and "Name=mgmt0" in written
        assert host.ssh("systemctl is-enabled systemd-networkd").stdout.strip() == "enabled"
        assert host.ssh("test -e /run/edgeworker-mgmt", check=False).returncode == 1  # confirmed
        assert host.ssh("systemctl is-active edgeworker-mgmt-rollback", check=False
                        ).stdout.strip() in ("inactive", "unknown")  # fmt: skip

        again = provision(lab, [host], tmp_path / "run2", run_vars, playbook=book, timeout=600)
        assert again.returncode == 0, again.stdout[-6000:]
        assert recap(again.stdout)[host.name]["changed"] == 0, again.stdout[-4000:]

        # Off with the address, then a reboot: only the persistent configuration brings it back.
        acks = dnsmasq.log().count(f"DHCPACK(ctl0) {mgmt_ip} {MAC}")
        link.flush_host()
        assert link.host_addresses() == []
        lab.restart_host(host.name)
        _wait_address(link, f"{mgmt_ip}/24")
        assert dnsmasq.log().count(f"DHCPACK(ctl0) {mgmt_ip} {MAC}") > acks
        assert host.ssh("networkctl status mgmt0 --no-pager", check=False).returncode == 0

        # The same address made static (as on a static mgmt network): the file changes, the
        # address stays, and a re-run changes nothing.
        static = {**run_vars, "edgeworker_mgmt_dynamic": False, "edgeworker_mgmt_prefix": 24}
        third = provision(lab, [host], tmp_path / "run3", static, playbook=book, timeout=600)
        assert third.returncode == 0, third.stdout[-6000:]
        assert recap(third.stdout)[host.name]["changed"] > 0
        written = host.file(NETWORKD_FILE).read_text()
        assert f"Address={mgmt_ip}/24" in written and "DHCP" not in written, written
        _wait_address(link, f"{mgmt_ip}/24")
        fourth = provision(lab, [host], tmp_path / "run4", static, playbook=book, timeout=600)
        assert recap(fourth.stdout)[host.name]["changed"] == 0, fourth.stdout[-4000:]


def _post(url, body):
    req = urllib.request.Request(url + "/v1/ihosts", data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=15) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")
