"""Small helpers for the WebTest API tests."""

import ipaddress
import json
import os

MAC1 = "52:54:00:aa:bb:01"
MAC2 = "52:54:00:aa:bb:02"


def edgeworker(hostname="edge-01", mac=MAC1, **extra):
    return dict({"hostname": hostname, "personality": "edgeworker", "mgmt_mac": mac}, **extra)


def post(api, body, status=200):
    return api.post_json("/v1/ihosts", body, status=status)


def patch(api, ident, status=200, **changes):
    ops = [{"op": "replace", "path": "/%s" % k, "value": v} for k, v in changes.items()]
    return api.patch_json("/v1/ihosts/%s" % ident, ops, status=status)


def fault(resp):
    """The faultstring, checking both the top level and sysinv's error_message."""
    body = resp.json
    assert json.loads(body["error_message"])["faultstring"] == body["faultstring"]
    return body["faultstring"]


def _reservation_lines(directory, ip_field):
    """Every line of the per-host files in ``directory`` (dot-files are temporary), ordered
    by address."""
    lines = []
    for name in os.listdir(directory):
        if not name.startswith("."):
            with open(os.path.join(directory, name)) as f:
                lines.extend(f.read().splitlines())
    return sorted(lines, key=lambda line: ipaddress.ip_address(ip_field(line)))


def dhcp_host_lines(directory):
    """The dhcp-hostsdir reservations in ``directory``: '<mac>,<ip>,<hostname>' lines."""
    return _reservation_lines(directory, lambda line: line.split(",")[1])


def hostsfile(conf):
    return dhcp_host_lines(conf.dhcp.hostsdir)


def addn_hosts(conf):
    """The hostsdir names: '<ip> <hostname>' lines."""
    return _reservation_lines(conf.dhcp.addn_hostsdir, lambda line: line.split()[0])
