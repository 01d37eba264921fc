"""The lab bridge and per-host network namespaces (veth pairs, addresses, no default route)."""

from pathlib import Path

from tests.lab import config
from tests.lab.proc import run


def _exists(link):
    return run(["ip", "link", "show", "dev", link], check=False).returncode == 0


def ensure_bridge():
    """Create the lab bridge with the lab gateway address; returns True if it was created now."""
    if _exists(config.BRIDGE):
        return False
    run(["ip", "link", "add", config.BRIDGE, "type", "bridge"])
    run(["ip", "addr", "add", f"{config.BRIDGE_IP}/{config.PREFIX_LEN}", "dev", config.BRIDGE])
    run(["ip", "link", "set", config.BRIDGE, "up"])
    return True


def delete_bridge():
    if _exists(config.BRIDGE):
        run(["ip", "link", "del", config.BRIDGE])


def netns_name(host):
    return config.NETNS_PREFIX + host


def veth_name(host):
    name = config.VETH_PREFIX + host
    if len(name) > 15:
        raise ValueError(f"host name {host!r} too long for an interface name (max 11 characters)")
    return name


def create_host_netns(host, ip):
    """A netns with eth0 (ip/24) on the lab bridge, loopback up, deliberately no default route."""
    ns, veth = netns_name(host), veth_name(host)
    run(["ip", "netns", "add", ns])
    run(["ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns])
    run(["ip", "link", "set", veth, "master", config.BRIDGE, "up"])
    run(["ip", "-n", ns, "addr", "add", f"{ip}/{config.PREFIX_LEN}", "dev", "eth0"])
    run(["ip", "-n", ns, "link", "set", "eth0", "up"])
    run(["ip", "-n", ns, "link", "set", "lo", "up"])
    return ns


def delete_host_netns(host):
    ns, veth = netns_name(host), veth_name(host)
    if Path(f"/run/netns/{ns}").exists():
        run(["ip", "netns", "del", ns], check=False)
    if _exists(veth):
        run(["ip", "link", "del", veth], check=False)


def lab_netns():
    """Names of all lab network namespaces currently present."""
    out = run(["ip", "netns", "list"], check=False).stdout
    return [
        line.split()[0]
        for line in out.splitlines()
        if line.split() and line.split()[0].startswith(config.NETNS_PREFIX)
    ]


def lab_links():
    """Lab interfaces (bridge and host-side veths) currently present in the machine's netns."""
    out = run(["ip", "-o", "link", "show"], check=False).stdout
    names = [line.split(":")[1].strip().split("@")[0] for line in out.splitlines() if ":" in line]
    return [n for n in names if n == config.BRIDGE or n.startswith(config.VETH_PREFIX)]


def netns_sysctl(host, key):
    """Read a sysctl as seen inside the host's network namespace (from outside the host)."""
    path = "/proc/sys/" + key.replace(".", "/")
    return run(["ip", "netns", "exec", netns_name(host), "cat", path]).stdout.strip()


def machine_sysctl(key):
    """Read a sysctl of the machine running the lab."""
    return Path("/proc/sys/" + key.replace(".", "/")).read_text().strip()
