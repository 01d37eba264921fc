"""The edgeworker_network role's files (issue 17 item 9): each tool's configuration of the mgmt
interface, static and dynamic, rendered by the real ansible-playbook from the role's templates
and read back with the parsers of their formats; and its input checks, which fail naming the
variable before anything on the host is read or changed. Applying the files on a host (real
systemd-networkd and dnsmasq) is tests/lab/test_mgmt_network.py."""

import configparser
import json
import subprocess
import sys

import pytest
import yaml

from tests.playbook import controller_run as cr

pytestmark = pytest.mark.functional

ROLE = cr.PLAYBOOK_DIR / "roles" / "edgeworker_network"
MAC = "52:54:00:ab:cd:ef"
TOOLS = {
    "netplan": "netplan.yaml.j2",
    "networkmanager": "networkmanager.nmconnection.j2",
    "networkd": "networkd.network.j2",
    "ifupdown": "ifupdown.j2",
}
CASES = {
    "static": {"dynamic": False, "ip": "192.168.204.7", "prefix": 24, "gateway": "192.168.204.1"},
    "static-nogw": {"dynamic": False, "ip": "192.168.204.8", "prefix": 24, "gateway": ""},
    "dynamic": {"dynamic": True, "ip": "192.168.204.9", "prefix": 24, "gateway": ""},
    "static6": {"dynamic": False, "ip": "fd00:204::7", "prefix": 64, "gateway": "fd00:204::1"},
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """{(tool, case): text} rendered in one ansible-playbook run."""
    tmp = tmp_path_factory.mktemp("mgmtnet")
    tasks = []
    for tool, template in TOOLS.items():
        for case, c in CASES.items():
            tasks.append(
                {
                    "name": f"{tool} {case}",
                    "ansible.builtin.template": {
                        "src": str(ROLE / "templates" / template),
                        "dest": str(tmp / f"{tool}-{case}"),
                        "mode": "0600",
                    },
                    "vars": {
                        "edgeworker_network_iface": "enp1s0",
                        "edgeworker_network_mac": MAC,
                        "edgeworker_network_dynamic": c["dynamic"],
                        "edgeworker_network_ip": c["ip"],
                        "edgeworker_network_prefix": c["prefix"],
                        "edgeworker_network_gateway": c["gateway"],
                        "edgeworker_network_family": "6" if ":" in c["ip"] else "4",
                    },
                }
            )
    play = {"hosts": "localhost", "gather_facts": False, "tasks": tasks}
    result = cr.run(tmp, [play], cr.write_inventory(tmp))
    assert result.returncode == 0, result.stdout[-4000:]
    return {(t, c): (tmp / f"{t}-{c}").read_text() for t in TOOLS for c in CASES}


def _ini(text):
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str
    parser.read_string(text)
    return {s: dict(parser[s]) for s in parser.sections()}


def test_netplan(rendered):
    eth = yaml.safe_load(rendered["netplan", "static"])["network"]["ethernets"]["enp1s0"]
    assert eth == {
        "match": {"name": "enp1s0", "macaddress": MAC},
        "dhcp4": False, "dhcp6": False,
        "addresses": ["192.168.204.7/24"],
        "routes": [{"to": "default", "via": "192.168.204.1"}],
    }  # fmt: skip
    eth = yaml.safe_load(rendered["netplan", "static-nogw"])["network"]["ethernets"]["enp1s0"]
    assert "routes" not in eth and eth["addresses"] == ["192.168.204.8/24"]
    eth = yaml.safe_load(rendered["netplan", "dynamic"])["network"]["ethernets"]["enp1s0"]
    assert eth == {"match": {"name": "enp1s0", "macaddress": MAC}, "dhcp4": True,
                   "dhcp-identifier": "mac"}  # fmt: skip
    eth = yaml.safe_load(rendered["netplan", "static6"])["network"]["ethernets"]["enp1s0"]
    assert eth["addresses"] == ["fd00:204::7/64"] and eth["routes"][0]["via"] == "fd00:204::1"


def test_networkmanager_keyfile(rendered):
    conf = _ini(rendered["networkmanager", "static"])
    assert conf["connection"]["id"] == "edgeworker-mgmt"
    assert conf["connection"]["interface-name"] == "enp1s0"
    assert conf["connection"]["autoconnect"] == "true"
    assert conf["ethernet"] == {"mac-address": MAC.upper()}
    assert conf["ipv4"] == {"method": "manual", "address1": "192.168.204.7/24,192.168.204.1"}
    assert conf["ipv6"] == {"method": "ignore"}
    assert _ini(rendered["networkmanager", "static-nogw"])["ipv4"]["address1"] == "192.168.204.8/24"
    assert _ini(rendered["networkmanager", "dynamic"])["ipv4"] == {
        "method": "auto", "dhcp-client-id": "mac"}  # fmt: skip
    six = _ini(rendered["networkmanager", "static6"])
    assert six["ipv6"] == {"method": "manual", "address1": "fd00:204::7/64,fd00:204::1"}
    assert six["ipv4"] == {"method": "disabled"}
    # one profile per MAC, the same on every run (idempotent)
    assert conf["connection"]["uuid"] == _ini(rendered["networkmanager", "dynamic"])[
        "connection"]["uuid"]  # fmt: skip


def test_networkd(rendered):
    conf = _ini(rendered["networkd", "static"])
    assert conf["Match"] == {"Name": "enp1s0", "MACAddress": MAC}
    assert conf["Network"] == {"Address": "192.168.204.7/24", "Gateway": "192.168.204.1"}
    assert "DHCPv4" not in conf
    assert _ini(rendered["networkd", "static-nogw"])["Network"] == {"Address": "192.168.204.8/24"}
    dyn = _ini(rendered["networkd", "dynamic"])
    assert dyn["Network"] == {"DHCP": "ipv4"} and dyn["DHCPv4"] == {"ClientIdentifier": "mac"}


def test_ifupdown(rendered):
    lines = [ln for ln in rendered["ifupdown", "static"].splitlines() if not ln.startswith("#")]
    assert lines == ["auto enp1s0", "iface enp1s0 inet static", "    address 192.168.204.7/24",
                     "    gateway 192.168.204.1"]  # fmt: skip
    lines = [ln for ln in rendered["ifupdown", "dynamic"].splitlines() if not ln.startswith("#")]
    assert lines == ["auto enp1s0", "iface enp1s0 inet dhcp"]
    assert "iface enp1s0 inet6 static" in rendered["ifupdown", "static6"]


def test_bad_inputs_fail_naming_the_variable(tmp_path):
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
             "edgeworker_report_enabled": False}  # fmt: skip
    hosts = {
        "nomac": dict(local, edgeworker_mgmt_dynamic=True),
        "baddyn": dict(local, mgmt_mac=MAC, edgeworker_mgmt_dynamic="sometimes"),
        "noprefix": dict(local, mgmt_mac=MAC, mgmt_ip="192.168.204.7",
                         edgeworker_mgmt_dynamic=False),
        "nomatch": dict(local, mgmt_mac=MAC, edgeworker_mgmt_dynamic=True,
                        ansible_interfaces=["lo", "eth9"],
                        ansible_eth9={"macaddress": "52:54:00:00:00:01", "type": "ether"}),
        "optout": dict(local, edgeworker_manage_mgmt_interface=False),
        # its mgmt address is on the tunnel (edgeworker_tunnel): nothing asked, nothing done
        "tunnel": dict(local, edgeworker_sysinv_host={"mgmt_attach": "tunnel", "mgmt_mac": MAC}),
    }  # fmt: skip
    play = {"hosts": "all:!localhost", "gather_facts": False,
            "roles": [{"role": "edgeworker_network"}]}  # fmt: skip
    argv = cr.command(tmp_path, [play], cr.write_inventory(tmp_path, hosts))
    result = subprocess.run(argv, env=cr.env(tmp_path), cwd=str(tmp_path), capture_output=True,
                            text=True, timeout=300, check=False)  # fmt: skip
    out = " ".join(result.stdout.split())
    assert result.returncode == 2, result.stdout[-4000:]
    assert "no mgmt MAC is known for nomac (edgeworker_mgmt_mac is '')" in out
    assert "edgeworker_mgmt_dynamic must be true or false (got 'sometimes')" in out
    assert "a static mgmt network needs its prefix length (edgeworker_mgmt_prefix is '')" in out
    assert (f"No Ethernet interface of nomatch has the registered mgmt MAC {MAC} (found: "
            "eth9=52:54:00:00:00:01, lo=?)") in out  # fmt: skip
    for host in ("nomac", "baddyn", "noprefix", "nomatch"):
        assert f"fatal: [{host}]" in result.stdout
    for host in ("optout", "tunnel"):
        assert f"fatal: [{host}]" not in result.stdout
    recap = {
        line.split(":")[0].strip(): dict(p.split("=") for p in line.split(":")[1].split())
        for line in result.stdout.split("PLAY RECAP")[1].splitlines()
        if " : ok=" in line
    }
    assert {h: (r["failed"], r["changed"]) for h, r in recap.items()} == {
        "nomac": ("1", "0"), "baddyn": ("1", "0"), "noprefix": ("1", "0"), "nomatch": ("1", "0"),
        "optout": ("0", "0"), "tunnel": ("0", "0"),
    }  # fmt: skip
    # the failed ones stopped before the host was read
    tools_task = out.split("Look for the distro's network tools")[1].split("TASK [")[0]
    assert "ok: [" not in tools_task and "changed: [" not in tools_task, tools_task


@pytest.mark.parametrize("dynamic", [False, True])
def test_mgmt_network_read_from_the_inventory_api(tmp_path, dynamic):
    """edgeworker_report's mgmt_network tasks against the real all-in-one service: the mgmt
    network's dynamic flag, its pool's prefix and gateway (none configured: empty)."""
    from tests.servers import aio
    from tests.servers._proc import free_port

    port = free_port()
    conf = tmp_path / "aio.conf"
    conf.write_text(
        f"[DEFAULT]\nstate_path = {tmp_path}\n[api]\nhost_ip = 127.0.0.1\nport = {port}\n"
        f"[mgmt_network]\nsubnet = 10.9.0.0/23\ndynamic = {str(dynamic).lower()}\n"
        + ("" if dynamic else "gateway_address = 10.9.0.1\n")
    )
    play = {
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [
            {"ansible.builtin.include_role": {"name": "edgeworker_report",
                                              "tasks_from": "mgmt_network"}},
            {"ansible.builtin.debug": {
                "msg": "NET={{ edgeworker_report_mgmt_network | to_json }}"}},
        ],
    }  # fmt: skip
    with aio.running(conf, tmp_path / "aio.log", port) as (url, _proc):
        result = cr.run(tmp_path, [play], cr.write_inventory(tmp_path),
                        variables={"edgeworker_sysinv_url": url})  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:]
    line = next(ln for ln in result.stdout.splitlines() if '"NET=' in ln)
    net = json.loads(json.loads("{" + line.strip().rstrip(",") + "}")["msg"][4:])
    assert net == {"dynamic": dynamic, "prefix": 23, "gateway": "" if dynamic else "10.9.0.1"}
