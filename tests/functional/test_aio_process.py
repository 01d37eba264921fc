"""The real `sysinv-edgeworker` console script on SQLite, driven over HTTP."""

import json
import subprocess
import urllib.error
import urllib.request

import pytest

from sysinv_edgeworker.db import migration
from tests.functional.conftest import console_script
from tests.servers import aio
from tests.unit.api_helpers import dhcp_host_lines

pytestmark = pytest.mark.functional


def _request(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_post_edgeworker_allocates_and_reserves(aio_server):
    url, state = aio_server["url"], aio_server["state"]
    status, host = _request("POST", url + "/v1/ihosts", {
        "hostname": "edge-01", "personality": "edgeworker", "mgmt_mac": "52:54:00:AA:BB:01"})
    assert status == 200 and host["mgmt_ip"] == "192.168.204.5"
    assert (state / "dhcp-hosts.d" / host["uuid"]).read_text() == \
        "52:54:00:aa:bb:01,192.168.204.5,edge-01\n"
    assert (state / "addn-hosts.d" / host["uuid"]).read_text() == "192.168.204.5 edge-01\n"
    assert (state / "sysinv-edgeworker.sqlite").exists()
    status, body = _request("POST", url + "/v1/ihosts", {"mgmt_mac": "52:54:00:aa:bb:01"})
    assert status == 409 and body["faultstring"] == \
        "Host with mgmt_mac 52:54:00:aa:bb:01 already exists."
    status, _ = _request("DELETE", url + "/v1/ihosts/edge-01")
    assert status == 204
    assert dhcp_host_lines(state / "dhcp-hosts.d") == []


def test_restart_keeps_data_and_stops_on_sigterm(aio_server, tmp_path):
    url, state = aio_server["url"], aio_server["state"]
    status, host = _request("POST", url + "/v1/ihosts", {
        "hostname": "edge-01", "personality": "edgeworker", "mgmt_mac": "52:54:00:aa:bb:01"})
    assert status == 200
    proc = aio_server["proc"]
    proc.terminate()
    assert proc.wait(15) == 0
    assert "Traceback" not in aio_server["log"].read_text()
    # A new process on the same state directory serves the same host, keeps its reservation
    # and allocates the next address after it.
    log = tmp_path / "aio-restarted.log"
    with aio.running(aio_server["conf"], log, aio_server["port"]) as (url, again):
        assert again.pid != proc.pid
        status, got = _request("GET", url + "/v1/ihosts/edge-01")
        assert status == 200
        assert {k: got[k] for k in ("uuid", "mgmt_ip", "mgmt_mac")} == \
            {k: host[k] for k in ("uuid", "mgmt_ip", "mgmt_mac")}
        assert dhcp_host_lines(state / "dhcp-hosts.d") == [
            "52:54:00:aa:bb:01,192.168.204.5,edge-01"]
        status, second = _request("POST", url + "/v1/ihosts", {
            "hostname": "edge-02", "personality": "edgeworker", "mgmt_mac": "52:54:00:aa:bb:02"})
        assert status == 200 and second["mgmt_ip"] == "192.168.204.6"
        again.terminate()
        assert again.wait(15) == 0
    assert "Traceback" not in log.read_text()


@pytest.mark.parametrize("script", ["sysinv-edgeworker", "sysinv-edgeworker-api",
                                    "sysinv-edgeworker-conductor", "sysinv-edgeworker-dbsync"])
def test_help(script):
    out = subprocess.run([console_script(script), "--help"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0
    assert "--config-file" in out.stdout


def test_api_and_conductor_refuse_all_in_one_settings(tmp_path):
    cfg = tmp_path / "c.conf"
    cfg.write_text("[DEFAULT]\nstate_path = %s\n" % tmp_path)
    for script, message in (
            ("sysinv-edgeworker-api", "needs rpc_transport = oslo"),
            ("sysinv-edgeworker-conductor", "needs rpc_transport = oslo")):
        out = subprocess.run([console_script(script), "--config-file", str(cfg)],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 1 and message in out.stderr
        assert "Traceback" not in out.stderr
    cfg.write_text("[DEFAULT]\nstate_path = %s\nrpc_transport = oslo\n" % tmp_path)
    out = subprocess.run([console_script("sysinv-edgeworker-api"), "--config-file", str(cfg)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "SQLite is for the all-in-one mode" in out.stderr


def test_bad_config_is_one_clear_line(tmp_path):
    cfg = tmp_path / "c.conf"
    cfg.write_text("[DEFAULT]\nstate_path = %s\n[mgmt_network]\nsubnet = 10.0.0.0/99\n"
                   "[api]\nport = 1\n" % tmp_path)
    out = subprocess.run([console_script("sysinv-edgeworker"), "--config-file", str(cfg)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert "[mgmt_network] subnet = 10.0.0.0/99 is not a CIDR." in out.stderr
    assert "Traceback" not in out.stderr


def test_dbsync_commands(tmp_path):
    cfg = tmp_path / "c.conf"
    cfg.write_text("[DEFAULT]\nstate_path = %s/state\n" % tmp_path)
    run = [console_script("sysinv-edgeworker-dbsync"), "--config-file", str(cfg)]
    out = subprocess.run(run + ["version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "None (empty database)" in out.stdout
    out = subprocess.run(run + ["upgrade"], capture_output=True, text=True, timeout=60)
    head = migration.head()  # the newest migration in db/migrations
    assert out.returncode == 0 and f"Database at revision {head}" in out.stdout
    out = subprocess.run(run + ["version"], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == head
    out = subprocess.run(run + ["upgrade", "9999"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "9999" in out.stderr and "Traceback" not in out.stderr


def test_concurrent_clients_on_sqlite(aio_server):
    """20 clients at once against the all-in-one service (SQLite, its pooled connections
    shared by the server's threads): every host added, no 5xx, no duplicate address, the
    DHCP file complete; then concurrent deletes free every address."""
    from concurrent.futures import ThreadPoolExecutor
    url, state = aio_server["url"], aio_server["state"]

    def add(n):
        return _request("POST", url + "/v1/ihosts", {
            "hostname": "edge-%03d" % n, "personality": "edgeworker",
            "mgmt_mac": "52:54:00:ab:%02x:%02x" % (n >> 8, n & 255)})

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(add, range(120)))
    assert [s for s, _ in results if s != 200] == []
    ips = [h["mgmt_ip"] for _, h in results]
    assert len(set(ips)) == 120
    lines = dhcp_host_lines(state / "dhcp-hosts.d")
    assert sorted(line.split(",")[1] for line in lines) == sorted(ips)
    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(lambda n: _request("DELETE", url + "/v1/ihosts/edge-%03d" % n)[0],
                                 range(120)))
    assert set(statuses) == {204}
    assert dhcp_host_lines(state / "dhcp-hosts.d") == []
    assert _request("GET", url + "/v1/ihosts")[1]["ihosts"] == []
    assert "Traceback" not in aio_server["log"].read_text()
