"""Small helpers for the WebTest API tests."""

import json

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


def hostsfile(conf):
    with open(conf.dhcp.hostsfile) as f:
        return f.read().splitlines()


def addn_hosts(conf):
    with open(conf.dhcp.addn_hosts) as f:
        return f.read().splitlines()
