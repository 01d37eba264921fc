"""Real DHCP end to end: the all-in-one service writes one reservation file per host into the
directories a real dnsmasq in a network namespace watches (--dhcp-hostsdir, --hostsdir); a
host added while dnsmasq runs is served without any signal (inotify), a deleted one is not
served any more after the service's SIGHUP; a busybox udhcpc in another namespace with the
host's MAC gets exactly the allocated mgmt_ip and hostname.

Test-only addresses (198.18.42.0/24, RFC 2544 benchmarking range) live only inside the
namespaces this test creates; nothing touches the machine's interfaces or routes.
"""

import contextlib
import itertools
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from tests.functional import netns
from tests.servers import aio
from tests.servers._proc import free_port

pytestmark = pytest.mark.functional

SUBNET = "198.18.42.0/24"
SERVER_CIDR = "198.18.42.2/24"  # the controller's address (network + 2, reserved)
FIRST_IP, SECOND_IP = "198.18.42.5", "198.18.42.6"  # +2..+4 are the controllers'
MAC_A, MAC_B, MAC_C = "52:54:00:42:00:0a", "52:54:00:42:00:0b", "52:54:00:42:00:0c"
PREFIX = "ewdhcp-%d-" % os.getpid()
_serial = itertools.count()


def _http(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


class DhcpLab:
    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.dhcp_dir = tmp_path / "dhcp"
        self.hostsdir = self.dhcp_dir / "dhcp-hosts.d"
        self.addn_hostsdir = self.dhcp_dir / "addn-hosts.d"
        self.pid_file = self.dhcp_dir / "dnsmasq.pid"
        self.pair = netns.VethPair(PREFIX + str(next(_serial)), SERVER_CIDR)
        self.service = self.dnsmasq = None
        self.url = None

    def start_service(self):
        self.dhcp_dir.mkdir()
        port = free_port()
        cfg = self.tmp / "aio.conf"
        cfg.write_text(
            "[DEFAULT]\nstate_path = %s\n[api]\nport = %d\n"
            "[mgmt_network]\nsubnet = %s\ndynamic = true\n"
            "[dhcp]\nhostsdir = %s\naddn_hostsdir = %s\npid_file = %s\n"
            # dnsmasq runs in the controller netns and the service in the host's, so the
            # lease release (dhcp_release) must be sent from that netns; on a controller
            # both share one and release_command stays the plain default.
            "release_interface = %s\nrelease_command = ip netns exec %s dhcp_release\n"
            % (self.tmp / "state", port, SUBNET, self.hostsdir, self.addn_hostsdir,
               self.pid_file, self.pair.ctl_if, self.pair.ctl))
        self._service_log = open(self.tmp / "aio.log", "w")
        self.service = subprocess.Popen(aio.server_command() + ["--config-file", str(cfg)],
                                        stdout=self._service_log, stderr=subprocess.STDOUT)
        self.url = "http://127.0.0.1:%d" % port
        aio.wait_ready(self.url, self.service, self.tmp / "aio.log")
        # start-up created the (empty) directories dnsmasq will watch
        assert self.reservations() == {} and list(self.addn_hostsdir.iterdir()) == []

    def start_dnsmasq(self):
        # assigned before start() so that teardown stops it even if it never becomes ready
        self.dnsmasq = netns.Dnsmasq(self.pair.ctl, self.pair.ctl_if, self.tmp, self.hostsdir,
                                     self.addn_hostsdir, self.pid_file, "198.18.42.0")
        self.dnsmasq.start()

    def reservations(self):
        """{file name: content} of the dhcp-hostsdir."""
        return {p.name: p.read_text() for p in self.hostsdir.iterdir()}

    def api(self, method, path, body=None):
        return _http(method, self.url + path, body)

    def change(self, method, path, body=None, expect=200, reloads=True):
        """An API change, then wait until dnsmasq has reloaded (SIGHUP); with
        ``reloads=False``, check that it was not signalled."""
        before = self.dnsmasq.reloads()
        status, result = self.api(method, path, body)
        assert status == expect, (status, result)
        if reloads:
            self.dnsmasq.wait_reloads(before + 1)
        else:
            time.sleep(0.5)  # a SIGHUP sent by the service is handled well within this
            assert self.dnsmasq.reloads() == before
        return result

    def add(self, body):
        """POST a host while dnsmasq runs: its files appear, dnsmasq reads them by itself
        (inotify) and gets no signal."""
        host = self.change("POST", "/v1/ihosts", body, reloads=False)
        if host["mgmt_ip"]:
            self.dnsmasq.wait_read(host["uuid"])
        return host

    def client(self, mac, tries=5):
        return netns.dhcp_client(self.pair, mac, self.tmp / "clients", tries=tries)

    def assert_served(self, mac, ip, hostname, tries=5):
        rc, lease, output = self.client(mac, tries=tries)
        assert rc == 0 and lease is not None, output + "\n[dnsmasq]\n" + self.dnsmasq.log()
        assert lease["ip"] == ip and lease["hostname"] == hostname, lease
        assert lease["serverid"] == SERVER_CIDR.split("/")[0] and lease["mask"] == "24", lease

    def assert_not_served(self, mac, tries=3):
        rc, lease, output = self.client(mac, tries=tries)
        assert rc != 0 and lease is None, "%s got %s:\n%s" % (mac, lease, output)
        assert "no lease, failing" in output, output
        assert "DHCPDISCOVER(%s) %s no address available" % (self.pair.ctl_if, mac) \
            in self.dnsmasq.log()

    def dnsmasq_alive_same_pid(self):
        assert self.dnsmasq.proc.poll() is None, self.dnsmasq.log()
        assert int(self.pid_file.read_text()) == self.dnsmasq.proc.pid

    def stop(self):
        errors = []
        if self.dnsmasq is not None:
            with _collect(errors):
                self.dnsmasq.stop()
        if self.service is not None:
            with _collect(errors):
                if self.service.poll() is None:
                    self.service.terminate()
                    try:
                        self.service.wait(15)
                    except subprocess.TimeoutExpired:
                        self.service.kill()
                        self.service.wait(5)
                self._service_log.close()
                log = (self.tmp / "aio.log").read_text()
                assert self.service.returncode == 0 and "Traceback" not in log, log[-2000:]
        with _collect(errors):
            self.pair.delete()
        left = [ns for ns in self.pair.names() if ns in netns.netns_list()]
        assert not left, "namespaces left behind: %s" % left
        for proc in (self.dnsmasq and self.dnsmasq.proc, self.service):
            assert proc is None or proc.poll() is not None, "process %s still running" % proc.pid
        assert not errors, errors


@contextlib.contextmanager
def _collect(errors):
    try:
        yield
    except Exception as err:  # teardown keeps going; reported at the end
        errors.append(repr(err))


@pytest.fixture(scope="module", autouse=True)
def _preconditions_and_final_check():
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    missing = netns.missing_tools()
    assert not missing, "missing tools %s: install iproute2, dnsmasq-base, busybox" % missing
    yield
    left = [ns for ns in netns.netns_list() if ns.startswith(PREFIX)]
    assert not left, "namespaces of this run left behind: %s" % left


@pytest.fixture
def lab(tmp_path):
    """Service + namespaces + dnsmasq, torn down by PID and `ip netns del` even on failure."""
    lab = DhcpLab(tmp_path)
    try:
        lab.pair.create()
        lab.start_service()
        lab.start_dnsmasq()
        yield lab
    finally:
        lab.stop()


def test_namespaces_are_isolated(lab):
    routes = lab.pair.routes()
    assert all(" default " not in " " + r for r in routes.values()), routes
    assert "198.18.42.0/24 dev ctl0" in routes[lab.pair.ctl]
    assert "198.18.42." not in routes[lab.pair.cli]  # the client has no address at all
    host_addrs = netns.run([netns.IP, "-4", "-o", "addr", "show"]).stdout
    assert "198.18.42." not in host_addrs


def test_hosts_added_while_dnsmasq_runs_are_served_without_a_signal(lab):
    host = lab.add({"hostname": "edge-a", "personality": "edgeworker", "mgmt_mac": MAC_A})
    assert host["mgmt_ip"] == FIRST_IP
    assert lab.reservations() == {host["uuid"]: "%s,%s,edge-a\n" % (MAC_A, FIRST_IP)}
    assert (lab.addn_hostsdir / host["uuid"]).read_text() == "%s edge-a\n" % FIRST_IP
    lab.assert_served(MAC_A, FIRST_IP, "edge-a")

    pid = lab.dnsmasq.proc.pid
    host_b = lab.add({"hostname": "edge-b", "personality": "edgeworker", "mgmt_mac": MAC_B})
    assert host_b["mgmt_ip"] == SECOND_IP
    lab.assert_served(MAC_B, SECOND_IP, "edge-b")
    lab.assert_served(MAC_A, FIRST_IP, "edge-a")
    assert lab.dnsmasq.reloads() == 1  # read at start, never signalled since
    lab.dnsmasq_alive_same_pid()
    assert lab.dnsmasq.proc.pid == pid


def test_deleted_host_is_no_longer_served(lab):
    lab.add({"hostname": "edge-a", "personality": "edgeworker", "mgmt_mac": MAC_A})
    lab.assert_served(MAC_A, FIRST_IP, "edge-a")
    lab.change("DELETE", "/v1/ihosts/edge-a", expect=204)  # waits for the SIGHUP
    assert lab.reservations() == {} and list(lab.addn_hostsdir.iterdir()) == []
    # a fresh client with the same MAC: dnsmasq (static range only) offers nothing
    lab.assert_not_served(MAC_A)
    lab.dnsmasq_alive_same_pid()


def test_dnsmasq_keeps_a_removed_files_reservation_until_sighup(lab):
    """Why the service signals dnsmasq on delete (``man dnsmasq``, --dhcp-hostsdir: host
    records are only added dynamically): a file removed behind dnsmasq's back is still
    served until SIGHUP."""
    host = lab.add({"hostname": "edge-a", "personality": "edgeworker", "mgmt_mac": MAC_A})
    (lab.hostsdir / host["uuid"]).unlink()  # not through the service: no signal
    lab.dnsmasq.wait_removed(host["uuid"])
    lab.assert_served(MAC_A, FIRST_IP, "edge-a")
    # drop the lease so that only the reservation could serve the address
    netns.run(netns.in_ns(lab.pair.ctl, ["dhcp_release", lab.pair.ctl_if, FIRST_IP, MAC_A]))
    before = lab.dnsmasq.reloads()
    os.kill(lab.dnsmasq.proc.pid, signal.SIGHUP)
    lab.dnsmasq.wait_reloads(before + 1)
    lab.assert_not_served(MAC_A)


def test_bare_mac_gets_its_reservation_when_patched_to_edgeworker(lab):
    # no reservation yet: no files, and dnsmasq is not signalled
    host = lab.add({"mgmt_mac": MAC_C})
    assert host["mgmt_ip"] is None and host["personality"] is None
    assert lab.reservations() == {}
    lab.assert_not_served(MAC_C)

    # the host's first files: dnsmasq reads them by itself, no signal
    patched = lab.change("PATCH", "/v1/ihosts/%s" % host["uuid"], [
        {"op": "replace", "path": "/hostname", "value": "edge-c"},
        {"op": "replace", "path": "/personality", "value": "edgeworker"}], reloads=False)
    assert patched["mgmt_ip"] == FIRST_IP and patched["hostname"] == "edge-c"
    assert lab.reservations() == {host["uuid"]: "%s,%s,edge-c\n" % (MAC_C, FIRST_IP)}
    lab.dnsmasq.wait_read(host["uuid"])
    lab.assert_served(MAC_C, FIRST_IP, "edge-c")
    lab.dnsmasq_alive_same_pid()


def test_changed_mac_is_served_and_the_old_one_not(lab):
    host = lab.add({"hostname": "edge-a", "personality": "edgeworker", "mgmt_mac": MAC_A})
    lab.assert_served(MAC_A, FIRST_IP, "edge-a")
    lab.change("PATCH", "/v1/ihosts/edge-a", [
        {"op": "replace", "path": "/mgmt_mac", "value": MAC_B}])  # replaced file: SIGHUP
    assert lab.reservations() == {host["uuid"]: "%s,%s,edge-a\n" % (MAC_B, FIRST_IP)}
    lab.assert_served(MAC_B, FIRST_IP, "edge-a", tries=3)
    lab.assert_not_served(MAC_A)


def test_address_reused_after_delete_is_served_to_the_new_host(lab):
    """DELETE frees the address for the next host; the service releases dnsmasq's lease of
    the deleted MAC (dhcp_release), else dnsmasq would refuse the address to the new MAC
    ('... because it is leased to <old MAC>') until the old lease expired."""
    lab.add({"hostname": "edge-a", "personality": "edgeworker", "mgmt_mac": MAC_A})
    lab.assert_served(MAC_A, FIRST_IP, "edge-a")  # dnsmasq now holds a lease for MAC_A
    lab.change("DELETE", "/v1/ihosts/edge-a", expect=204)
    host = lab.add({"hostname": "edge-c", "personality": "edgeworker", "mgmt_mac": MAC_C})
    assert lab.reservations() == {host["uuid"]: "%s,%s,edge-c\n" % (MAC_C, host["mgmt_ip"])}
    lab.assert_served(MAC_C, host["mgmt_ip"], "edge-c", tries=3)
