"""``system host-*`` against a real all-in-one service (add, update, list,
show, delete), in the three output formats."""

import ipaddress
import json

import pytest
import yaml

pytestmark = pytest.mark.functional

MGMT = ipaddress.ip_network("192.168.204.0/24")
LIST_HEADER = ("| id | hostname | personality | administrative | operational "
               "| availability |")


def parse_show(text):
    """Property/Value table -> dict (continuation rows of wrapped values joined)."""
    data, last = {}, None
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        key, value = [c.strip() for c in line.strip("|").split("|", 1)]
        if key == "Property" and value == "Value":
            continue
        if key:
            data[key], last = value, key
        else:
            data[last] += " " + value
    return data


def value_of(system, host, column):
    res = system("host-show", host, "--column", column, "--format", "value")
    assert res.returncode == 0, res.stderr
    return res.stdout.strip()


def add_edgeworker(system, name, mac, *extra):
    """An edgeworker of the test's own: no test relies on hosts another test added."""
    res = system("host-add", "-n", name, "-p", "edgeworker", "-m", mac, *extra)
    assert res.returncode == 0, res.stderr


def test_host_add_edgeworker_prints_host_show(system, service):
    res = system("host-add", "-n", "edge-01", "-p", "edgeworker",
                 "-m", "52:54:00:AA:BB:01", "-l", "lab rack 3")
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    shown = parse_show(res.stdout)
    assert shown["hostname"] == "edge-01"
    assert shown["personality"] == "edgeworker"
    assert shown["mgmt_mac"] == "52:54:00:aa:bb:01"
    assert ipaddress.ip_address(shown["mgmt_ip"]) in MGMT
    assert shown["location"] == "{'locn': 'lab rack 3'}"
    assert "links" not in shown
    # The same host as host-show prints it.
    again = system("host-show", "edge-01")
    assert again.returncode == 0
    assert parse_show(again.stdout) == shown


def test_bare_mac_then_update_to_edgeworker(system, service):
    res = system("host-add", "-m", "52:54:00:aa:bb:02", "--column", "id", "--format", "value")
    assert res.returncode == 0, res.stderr
    host_id = res.stdout.strip()
    assert host_id.isdigit()

    res = system("host-update", host_id, "hostname=edge-02", "personality=edgeworker")
    assert res.returncode == 0, res.stderr
    shown = parse_show(res.stdout)
    assert (shown["id"], shown["hostname"], shown["personality"]) == \
        (host_id, "edge-02", "edgeworker")
    assert shown["mgmt_mac"] == "52:54:00:aa:bb:02"

    doc = yaml.safe_load(system("host-show", "edge-02", "--format", "yaml").stdout)
    assert doc["id"] == int(host_id) and doc["personality"] == "edgeworker"
    assert ipaddress.ip_address(doc["mgmt_ip"]) in MGMT
    status, raw = service.raw("GET", "/v1/ihosts/edge-02")
    assert status == 200 and raw["mgmt_ip"] == doc["mgmt_ip"]


def test_host_list_three_formats(system, service):
    for n in (3, 4):
        assert system("host-add", "-n", f"edge-0{n}", "-p", "edgeworker",
                      "-m", f"52:54:00:aa:bb:0{n}", "-l", "bench 1").returncode == 0
    status, raw = service.raw("GET", "/v1/ihosts")
    assert status == 200
    expected = sorted(raw["ihosts"], key=lambda h: h["id"])

    table = system("host-list")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[1] == LIST_HEADER
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in lines[3:-1]]
    assert rows == [[str(h["id"]), h["hostname"] or "None", h["personality"] or "None",
                     h["administrative"], h["operational"], h["availability"]]
                    for h in expected]

    doc = yaml.safe_load(system("host-list", "--format", "yaml").stdout)
    assert doc == [{k: h[k] for k in ("id", "hostname", "personality",
                                            "administrative", "operational",
                                            "availability")} for h in expected]

    value = system("host-list", "--format", "value", "-c", "hostname", "-c", "mgmt_ip")
    assert value.returncode == 0
    by_name = sorted(expected, key=lambda h: str(h["hostname"]))
    assert value.stdout.splitlines() == [f"{h['hostname']} {h['mgmt_ip']}"
                                         for h in by_name]


def test_host_show_column_and_formats(system):
    add_edgeworker(system, "edge-21", "52:54:00:aa:bb:21", "-l", "lab rack 3")
    table = system("host-show", "edge-21", "--column", "hostname", "--column", "personality")
    assert table.returncode == 0
    assert parse_show(table.stdout) == {"hostname": "edge-21", "personality": "edgeworker"}
    value = system("host-show", "edge-21", "-c", "personality", "-c", "hostname",
                   "--format", "value")
    assert value.stdout == "edgeworker edge-21\n"
    full = yaml.safe_load(system("host-show", "edge-21", "--format", "yaml").stdout)
    for key in ("uuid", "mgmt_mac", "mgmt_ip", "provision_state", "created_at"):
        assert key in full
    assert full["location"] == {"locn": "lab rack 3"}


def test_host_update_prints_in_requested_format(system):
    add_edgeworker(system, "edge-22", "52:54:00:aa:bb:22", "-l", "bench 1")
    res = system("host-update", "edge-22", "location/locn=bench 2", "--format", "yaml")
    assert res.returncode == 0, res.stderr
    doc = yaml.safe_load(res.stdout)
    assert doc["hostname"] == "edge-22"
    assert doc["location"] == {"locn": "bench 2"}


def test_host_delete_several(system, service):
    add_edgeworker(system, "edge-23", "52:54:00:aa:bb:23")
    add_edgeworker(system, "edge-24", "52:54:00:aa:bb:24")
    res = system("host-delete", "edge-23", "edge-24")
    assert res.returncode == 0, res.stderr
    assert res.stdout == "Deleted host edge-23\nDeleted host edge-24\n"
    for name in ("edge-23", "edge-24"):
        status, _ = service.raw("GET", "/v1/ihosts/" + name)
        assert status == 404


def test_network_and_addrpool_and_system(system, service):
    nets = yaml.safe_load(system("network-list", "--format", "yaml").stdout)
    assert any(n["type"] == "mgmt" for n in nets)
    mgmt = next(n for n in nets if n["type"] == "mgmt")
    assert mgmt["dynamic"] is True

    pools = system("addrpool-list")
    assert pools.returncode == 0, pools.stderr
    assert "192.168.204." in pools.stdout
    _, raw = service.raw("GET", "/v1/addrpools")
    pool = raw["addrpools"][0]
    start, end = pool["ranges"][0]
    assert f"{start}-{end}" in pools.stdout
    value = system("addrpool-list", "-c", "name", "-c", "prefix", "--format", "value")
    assert f"{pool['name']} {pool['prefix']}" in value.stdout.splitlines()

    show = system("show")
    assert show.returncode == 0, show.stderr
    shown = parse_show(show.stdout)
    _status, raw = service.raw("GET", "/v1/isystems")
    system_doc = raw["isystems"][0]
    assert shown["uuid"] == system_doc["uuid"]
    assert shown["system_mode"] == system_doc["system_mode"]
    assert system("show", "-c", "system_mode", "--format", "value").stdout.strip() == \
        system_doc["system_mode"]
    assert json.loads(json.dumps(yaml.safe_load(
        system("show", "--format", "yaml").stdout)))["name"] == system_doc["name"]


def test_alias_and_module_entry_points_give_the_same_output(system, service):
    import subprocess
    import sys

    from cli_aio import BIN, REPO, clean_env

    expected = system("host-list")
    assert expected.returncode == 0
    commands = [[sys.executable, "-m", "cgtsclient_ext", "host-list"]]
    if (BIN / "edgeworker-system").exists():
        commands.append([str(BIN / "edgeworker-system"), "host-list"])
    for cmd in commands:
        res = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=60,
                             cwd=str(REPO), env=clean_env(SYSTEM_URL=service.url))
        assert (res.returncode, res.stdout, res.stderr) == (0, expected.stdout, "")


def test_library_follows_next_links_of_the_real_service(system, service):
    """The client library pages through /v1/ihosts with limit/marker/next."""
    from cgtsclient_ext import client

    for n in (1, 2, 3):
        assert system("host-add", "-n", f"page-{n}", "-p", "edgeworker",
                      "-m", f"52:54:00:aa:ee:0{n}").returncode == 0
    cc = client.get_client(service.url)
    everything = [h.uuid for h in cc.ihost.list()]
    assert len(everything) >= 3
    status, first_page = service.raw("GET", "/v1/ihosts?limit=1")
    assert status == 200 and len(first_page["ihosts"]) == 1 and first_page.get("next")
    paged = [h.uuid for h in cc.ihost.list(limit=1)]
    assert paged == everything
    by_name = [h.hostname for h in cc.ihost.list(limit=2, sort_key="hostname", sort_dir="desc")]
    assert by_name == sorted(by_name, key=str, reverse=True)


def test_endpoint_from_the_service_config_file(system, service):
    """``system --config-file <the service's file>`` finds the API without SYSTEM_URL;
    --system-url still wins over it."""
    expected = system("host-list")
    res = system("--config-file", service.conf, "host-list", url="")
    assert (res.returncode, res.stdout, res.stderr) == (0, expected.stdout, "")
    res = system("--config-dir", service.conf.parent, "host-list", url="")
    assert (res.returncode, res.stdout) == (0, expected.stdout)
    dead = "http://127.0.0.1:9"
    res = system("--system-url", dead, "--config-file", service.conf, "host-list", url="")
    assert res.returncode == 1 and dead in res.stderr
