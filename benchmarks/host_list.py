#!/usr/bin/env python3
"""GET /v1/ihosts at fleet size, against its floor, and the service's memory.

* Full list: `GET /v1/ihosts?limit=N` on the all-in-one service (SQLite) holding N hosts
  (default 10,000) vs the floor — the raw SQL query of the same rows (hosts joined with their
  mgmt address, sqlite3 module), each with the constant keys sysinv's list entries must carry
  (api/representation.py HOST_DEFAULTS: the contract's part of the body), + json.dumps, in
  this process. Target ≤ 4×.
* Pagination: one page (limit 100) when the service holds 100 hosts vs when it holds N — the
  first page and the last page (marker). Flat is the target.
* Memory: peak RSS (VmHWM) of the all-in-one process after serving all that, and its RSS
  right after start-up.
Hosts beyond the first are inserted directly into the database (rows exactly as the
conductor writes them) to keep set-up short; every measured request goes over HTTP.
Medians over --repeats (pages: 20× as many), each round timing the compared calls next to
each other. Prints JSON.

Usage: python benchmarks/host_list.py [--hosts N] [--repeats R]
"""

import argparse
import json
import os
import platform
import sqlite3
import statistics
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import _aio  # noqa: E402  (benchmarks/ is on sys.path as the script's directory)
from sysinv_edgeworker.api.representation import HOST_DEFAULTS  # noqa: E402
from sysinv_edgeworker.conductor.allocator import key_of  # noqa: E402
from tests.functional.deployment import http  # noqa: E402

SUBNET = "10.64.0.0/16"
QUERY = ("SELECT h.id, h.uuid, h.hostname, h.personality, h.subfunctions, h.mgmt_mac, "
         "a.address, h.administrative, h.operational, h.availability, h.invprovision, "
         "h.location, h.capabilities, h.provision_state, h.provision_step, h.provision_error, "
         "h.kubelet_version, h.provision_updated_at, h.kube_node_ready, h.kube_last_seen, "
         "h.created_at, h.updated_at FROM hosts h LEFT JOIN addresses a ON a.host_id = h.id "
         "ORDER BY h.id LIMIT ?")


def _medians(n, *fns):
    """Median time of each of ``fns`` over ``n`` rounds; each round runs every fn once, so
    drift in the machine's speed during the run hits all of them alike."""
    samples = [[] for _ in fns]
    for _ in range(n):
        for fn, times in zip(fns, samples, strict=True):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return [statistics.median(times) for times in samples]


def _insert_hosts(db_path, start, count):
    """Hosts and their addresses as the conductor writes them (edgeworker, 10.64.x.y)."""
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        conn.execute("BEGIN IMMEDIATE")
        pool_id = conn.execute("SELECT pool_id FROM networks WHERE type='mgmt'").fetchone()[0]
        now = "2026-11-21 00:00:00"
        for i in range(start, start + count):
            ip = "10.64.%d.%d" % (10 + i // 250, 1 + i % 250)
            cur = conn.execute(
                "INSERT INTO hosts (uuid, hostname, personality, subfunctions, mgmt_mac, "
                "administrative, operational, availability, invprovision, location, "
                "capabilities, provision_state, created_at, updated_at) VALUES "
                "(?, ?, 'edgeworker', 'edgeworker', ?, 'locked', 'disabled', 'offline', "
                "'unprovisioned', '{}', '{}', 'unprovisioned', ?, ?)",
                (str(uuid.uuid4()), "edge-%05d" % i,
                 "52:54:03:%02x:%02x:%02x" % (i >> 16 & 255, i >> 8 & 255, i & 255), now, now))
            conn.execute(
                "INSERT INTO addresses (uuid, pool_id, address, address_key, name, host_id, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (str(uuid.uuid4()), pool_id, ip, key_of(ip), "edge-%05d-mgmt" % i,
                 cur.lastrowid, now))
        conn.commit()
    finally:
        conn.close()


def _floor(db_path, limit):
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return json.dumps({"ihosts": [dict(HOST_DEFAULTS, **r)
                                      for r in conn.execute(QUERY, (limit,))]})
    finally:
        conn.close()


def _rss_kb(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def run(hosts, repeats):
    with _aio.all_in_one(SUBNET, "max_limit = %d\n" % max(hosts, 1000)) as (url, proc, db_path):
        rss_start = _rss_kb(proc.pid, "VmRSS")
        if not os.path.exists(db_path):
            raise SystemExit("expected the SQLite database at %s" % db_path)

        def get(path):
            status, body = http("GET", url + path)
            assert status == 200, body
            return body

        _insert_hosts(db_path, 0, 100)
        [page_small] = _medians(repeats * 20, lambda: get("/v1/ihosts?limit=100"))
        _insert_hosts(db_path, 100, hosts - 100)
        last_marker = get("/v1/ihosts?limit=%d" % (hosts - 100))["ihosts"][-1]["uuid"]
        page_first, page_last = _medians(
            repeats * 20, lambda: get("/v1/ihosts?limit=100"),
            lambda: get("/v1/ihosts?limit=100&marker=" + last_marker))
        assert len(get("/v1/ihosts?limit=%d" % hosts)["ihosts"]) == hosts
        full, floor = _medians(repeats, lambda: get("/v1/ihosts?limit=%d" % hosts),
                               lambda: _floor(db_path, hosts))
        return {
            "full_list": {"hosts": hosts, "get_ihosts_s": full, "floor_sql_json_s": floor,
                          "ratio": full / floor, "target_ratio_max": 4},
            "pagination_limit_100": {
                "page_with_100_hosts_s": page_small, "first_page_with_%d_hosts_s" % hosts:
                page_first, "last_page_with_%d_hosts_s" % hosts: page_last,
                "ratio_first": page_first / page_small, "ratio_last": page_last / page_small},
            "memory_all_in_one": {"rss_after_start_kb": rss_start,
                                  "peak_rss_kb": _rss_kb(proc.pid, "VmHWM"),
                                  "hosts": hosts},
        }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if not 200 <= args.hosts <= 60000:
        parser.error("--hosts must be between 200 and 60000 (the /16 mgmt subnet)")
    result = {"benchmark": "host_list_and_memory",
              "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
              **run(args.hosts, args.repeats)}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
