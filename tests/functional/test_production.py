"""Production mode for real: sysinv-edgeworker-api + two conductors + PostgreSQL + RabbitMQ,
driven over HTTP by concurrent clients; then failures of each server."""

import concurrent.futures
import os
import time

import pytest

from tests.functional.deployment import Deployment, http
from tests.unit.api_helpers import dhcp_host_lines

pytestmark = [pytest.mark.functional, pytest.mark.postgresql]
CLIENTS = 20
HOSTS = 300
RESERVED = {"controller-mgmt", "controller-0-mgmt", "controller-1-mgmt"}


@pytest.fixture(scope="module")
def deployment():
    # rpc_timeout bounds the 503 when no conductor answers; generous enough that 20 clients
    # queueing on two conductors of a loaded 2-core machine never reach it.
    dep = Deployment(conductors=2, rpc_timeout=20).start()
    yield dep
    dep.stop()


def _mac(n):
    return "52:54:01:%02x:%02x:%02x" % ((n >> 16) & 255, (n >> 8) & 255, n & 255)


def _add(dep, n):
    return http("POST", dep.url + "/v1/ihosts", {
        "hostname": "edge-%04d" % n, "personality": "edgeworker", "mgmt_mac": _mac(n)})


def _orphans(dep):
    rows = dep.sql("SELECT name FROM addresses WHERE host_id IS NULL").split()
    return sorted(set(rows) - RESERVED)


def test_concurrent_adds_and_deletes(deployment):
    dep = deployment
    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(lambda n: _add(dep, n), range(HOSTS)))
    statuses = sorted({status for status, _ in results})
    assert statuses == [200], [r for r in results if r[0] != 200][:3]
    ips = [body["mgmt_ip"] for _, body in results]
    assert len(set(ips)) == HOSTS
    # the database agrees: every host has exactly one address, none shared
    assert dep.sql("SELECT count(*) FROM hosts") == "%d\n" % HOSTS
    assert dep.sql("SELECT count(DISTINCT address) FROM addresses WHERE host_id IS NOT NULL"
                   ) == "%d\n" % HOSTS
    assert dep.sql("SELECT count(*) FROM (SELECT address FROM addresses GROUP BY pool_id, "
                   "address HAVING count(*) > 1) d") == "0\n"
    # both conductors did work
    assert all("Created host" in dep.log("conductor-%d" % n) for n in range(2))
    # the reservation files equal the committed hosts, written by either conductor
    assert sorted(dhcp_host_lines(dep.state + "/dhcp-hosts.d")) == sorted(
        "%s,%s,edge-%04d" % (_mac(n), ips[n], n) for n in range(HOSTS))

    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        deletes = list(pool.map(
            lambda n: http("DELETE", dep.url + "/v1/ihosts/edge-%04d" % n)[0],
            range(0, HOSTS, 2)))
    assert set(deletes) == {204}
    assert dep.sql("SELECT count(*) FROM addresses WHERE host_id IS NOT NULL") == \
        "%d\n" % (HOSTS // 2)
    assert _orphans(dep) == []
    assert sorted(dhcp_host_lines(dep.state + "/dhcp-hosts.d")) == sorted(
        "%s,%s,edge-%04d" % (_mac(n), ips[n], n) for n in range(1, HOSTS, 2))
    assert len(os.listdir(dep.state + "/addn-hosts.d")) == HOSTS // 2
    # freed addresses are reused: the next host gets the lowest freed one
    freed = [ips[n] for n in range(0, HOSTS, 2)]
    lowest = min(freed, key=lambda ip: tuple(int(x) for x in ip.split(".")))
    status, body = _add(dep, HOSTS + 1)
    assert status == 200 and body["mgmt_ip"] == lowest


def _eventually_ok(dep, n, bound=90):
    """After an outage, requests succeed again without restarting our processes."""
    deadline = time.monotonic() + bound
    last = None
    while time.monotonic() < deadline:
        last = _add(dep, n)
        if last[0] == 200:
            return last
        assert last[0] == 503, last
        time.sleep(1)
    raise AssertionError("still failing after %ss: %s" % (bound, last))


def test_conductors_down_is_503_then_recovers(deployment):
    dep = deployment
    for n in range(2):
        dep.stop_process("conductor-%d" % n)
    status, body = _add(dep, 5000)
    assert status == 503
    assert body["faultstring"] == ("The conductor did not answer within 20 seconds; is "
                                   "sysinv-edgeworker-conductor running?")
    assert http("GET", dep.url + "/v1/ihosts?limit=1")[0] == 200  # reads still work
    for n in range(2):
        dep.start_conductor(n)
    _eventually_ok(dep, 5001)
    assert _orphans(dep) == []


def test_rabbitmq_down_is_503_then_recovers(deployment):
    dep = deployment
    dep.rabbit.stop()
    try:
        status, body = _add(dep, 6000)
        assert status == 503
        assert "conductor" in body["faultstring"]
    finally:
        dep.rabbit.start()
    _eventually_ok(dep, 6001)
    assert dep.procs["api"][0].poll() is None
    assert _orphans(dep) == []


def test_database_down_is_503_then_recovers(deployment):
    dep = deployment
    dep.pg.stop()
    try:
        status, body = http("GET", dep.url + "/v1/ihosts")
        assert status == 503
        assert body["faultstring"] == "The database is unavailable; retry when it is back."
        status, body = _add(dep, 7000)
        assert status == 503
    finally:
        dep.pg.start()
    _eventually_ok(dep, 7001)
    assert http("GET", dep.url + "/v1/ihosts")[0] == 200
    assert all(dep.procs[n][0].poll() is None for n in dep.procs)
    assert _orphans(dep) == []
