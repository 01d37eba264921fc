"""Lab networking for the WireGuard tunnel tests (docs/tunnel.md): the controller's
wireguard-go interface in a namespace of the test on the lab bridge, the all-in-one service
configured for it, and NAT "sites": a router namespace whose WAN leg is on the lab bridge
(the site's Internet) and whose LAN leg is a lab host's eth0, masquerading (random ports) and
forwarding only LAN→WAN and replies, with a TCP/22 port forward as the site's own access for
Ansible. iptables in the router namespace (the nf_tables kernel backend; the nft command is
not installed on this machine). Everything is the test's: removed by name/PID afterwards.
"""

import contextlib
import os
import random
import subprocess

from tests.functional import netns, wgnet
from tests.lab import config, network
from tests.lab.provision_api import Service, write_config
from tests.servers import aio
from tests.servers._proc import free_port

# Only the tunnel (the lookup the role needs first, then the role), with the node-ip it sets.
PLAY = """\
- name: Tunnel only (test)
  hosts: edgeworker
  gather_facts: true
  tasks:
    - name: Look the host up
      ansible.builtin.include_role:
        name: edgeworker_report
        tasks_from: lookup
    - name: Tunnel
      ansible.builtin.include_role:
        name: edgeworker_tunnel
    - name: Show the node ip
      ansible.builtin.debug:
        msg: "node-ip={{ edgeworker_node_ip }}"
"""

MGMT = "192.168.204.0/24"  # the controller's mgmt subnet: only behind the tunnel
MGMT_ADDRESS = "192.168.204.2"
LAN_ROUTER, LAN_HOST, LAN_PREFIX = "10.10.0.1", "10.10.0.2", 24  # every site the same
# Bridge addresses of the test's namespaces (controller, routers): from the top of the lab
# subnet down, apart from the hosts' (lab.py gives those from the bottom up).
_TOP_OCTET = 249
_TAKEN = set()


def _bridge_ip(lab):
    used = {h.ip for h in lab.hosts()} | _TAKEN
    for octet in range(_TOP_OCTET, config.FIRST_HOST_OCTET, -1):
        ip = f"{config.SUBNET_PREFIX}.{octet}"
        if ip not in used:
            _TAKEN.add(ip)
            return ip
    raise RuntimeError("lab subnet exhausted")


def _ns(ns, *argv, check=True):
    return netns.run(netns.in_ns(ns, list(argv)), check=check, timeout=30)


@contextlib.contextmanager
def controller(lab, work, routes=(), kubeconfig=None):
    """(namespace, Interface, its bridge IP, controller public and private key, Service).
    ``routes``: [tunnel] routes (the edges send them into the tunnel; this namespace forwards
    them onto the lab bridge)."""
    name = "wgc%06x" % random.randrange(16**6)
    ip = _bridge_ip(lab)
    ns = network.create_host_netns(name, ip)
    existed = os.path.isdir(wgnet.SOCKET_DIR)
    private, public = wgnet.genkey()
    iface = wgnet.Interface(ns, wgnet.unique("wgc"), str(work), "10.66.0.1/24", private, 51820)
    try:
        iface.start()
        netns.run([netns.IP, "-n", ns, "addr", "add", MGMT_ADDRESS + "/32", "dev", "lo"])
        state = work / "aio"
        state.mkdir()
        port = free_port()
        password = "api-pw-" + "".join(random.choices("abcdefghjkmnpqrstuvwxyz", k=20))
        conf = write_config(state, port, "admin", password, kubeconfig)
        text = conf.read_text().replace(f"subnet = {config.SUBNET_PREFIX}.0/24", f"subnet = {MGMT}")
        conf.write_text(
            text + "[tunnel]\nsubnet = 10.66.0.0/24\n"
            f"interface = {iface.name}\nprivate_key_file = {iface.key_file}\n"
            f"endpoints = {ip}:51820\npersistent_keepalive = 5\n"
            + (f"routes = {','.join(routes)}\n" if routes else "")
        )
        if routes:
            _ns(ns, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        log = state / "aio.log"
        with aio.running(conf, log, port) as (url, proc):
            yield ns, iface, ip, public, private, Service(url, "admin", password, proc, log)
    finally:
        iface.stop()
        network.delete_host_netns(name)
        _TAKEN.discard(ip)
        if not existed:
            with contextlib.suppress(OSError):
                os.rmdir(wgnet.SOCKET_DIR)


def register(api, host, mac):
    status, body = api.call(
        "POST",
        "/v1/ihosts",
        {
            "hostname": host.name,
            "personality": "edgeworker",
            "mgmt_mac": mac,
            "mgmt_attach": "tunnel",
        },
    )
    assert status in (200, 201), body
    return body


def behind_nat(lab, host, blocked=()):
    """Move ``host`` behind a new NAT router namespace; returns (router netns name, its WAN
    IP). The host keeps only its LAN address and a default route via the router."""
    router = "nat%06x" % random.randrange(16**6)
    wan = _bridge_ip(lab)
    rns = network.create_host_netns(router, wan)
    try:
        _wire(host, rns, blocked)
    except BaseException:
        remove_router(router, wan)
        raise
    return router, wan


def _wire(host, rns, blocked):
    veth = network.veth_name(host.name)  # the host's bridge leg becomes the router's LAN leg
    netns.run([netns.IP, "link", "set", veth, "nomaster"])
    netns.run([netns.IP, "link", "set", veth, "netns", rns])
    _ns(rns, netns.IP, "link", "set", veth, "name", "lan")
    _ns(rns, netns.IP, "addr", "add", f"{LAN_ROUTER}/{LAN_PREFIX}", "dev", "lan")
    _ns(rns, netns.IP, "link", "set", "lan", "up")
    _ns(rns, "sysctl", "-qw", "net.ipv4.ip_forward=1")
    for rule in (
        ["-t", "nat", "-A", "POSTROUTING", "-o", "eth0", "-j", "MASQUERADE", "--random"],
        [
            "-t",
            "nat",
            "-A",
            "PREROUTING",
            "-i",
            "eth0",
            "-p",
            "tcp",
            "--dport",
            "22",
            "-j",
            "DNAT",
            "--to-destination",
            LAN_HOST,
        ],
        ["-P", "FORWARD", "DROP"],
        *(["-A", "FORWARD", "-d", address, "-j", "DROP"] for address in blocked),
        ["-A", "FORWARD", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"],
        ["-A", "FORWARD", "-i", "lan", "-o", "eth0", "-j", "ACCEPT"],
        [
            "-A",
            "FORWARD",
            "-i",
            "eth0",
            "-o",
            "lan",
            "-p",
            "tcp",
            "--dport",
            "22",
            "-m",
            "conntrack",
            "--ctstate",
            "DNAT",
            "-j",
            "ACCEPT",
        ],
    ):
        _ns(rns, "iptables", *rule)
    hns = host.netns
    netns.run([netns.IP, "-n", hns, "addr", "flush", "dev", "eth0"])
    netns.run([netns.IP, "-n", hns, "addr", "add", f"{LAN_HOST}/{LAN_PREFIX}", "dev", "eth0"])
    netns.run([netns.IP, "-n", hns, "route", "add", "default", "via", LAN_ROUTER])


def remove_router(router, wan):
    network.delete_host_netns(router)
    _TAKEN.discard(wan)


def ssh_via(host, wan, command, check=True):
    """SSH to ``host`` through its router's port forward (host key checked as the host's)."""
    argv = host.ssh_argv(command)
    at = argv.index(f"root@{host.ip}")
    argv[at : at + 1] = ["-o", f"HostKeyAlias={host.ip}", f"root@{wan}"]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=check)


def ansible_vars(host, wan, mgmt_ip=None):
    """Ansible reaches the host through its site's port forward; ``mgmt_ip`` as the inventory
    script sets it (the tunnel address)."""
    out = {"ansible_host": wan, "ansible_ssh_extra_args": f"-o HostKeyAlias={host.ip}"}
    if mgmt_ip:
        out["mgmt_ip"] = mgmt_ip
    return out


def ns_connect(ns, address, port=22, timeout=3):
    """TCP connect from ``ns``; True when an SSH banner came back."""
    code = (
        "import socket\n"
        f"s=socket.create_connection(({address!r},{port}),timeout={timeout})\n"
        "print(s.recv(64).decode(errors='replace'))"
    )
    out = subprocess.run(
        netns.in_ns(ns, ["python3", "-c", code]), capture_output=True, text=True, timeout=30
    )
    return out.returncode == 0 and out.stdout.startswith("SSH-")
