#!/usr/bin/env python3
"""host-add end to end over HTTP vs a bare `GET /` on the same server, for the all-in-one
service (SQLite, in-process RPC) and the production shape (sysinv-edgeworker-api + two
conductors, PostgreSQL, RabbitMQ). Sequential requests, each host-add next to a GET /;
medians. The all-in-one mode runs two services side by side, one empty and one started on
10,000 hosts (their reservation files converged at its start), and alternates host-adds
between them, so that the fleet's cost is measured under the same machine conditions.
Prints JSON.

Usage: python benchmarks/host_add.py [--hosts N] [--fleet N] [--skip-production]
"""

import argparse
import contextlib
import json
import os
import platform
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import _aio  # noqa: E402  (benchmarks/ is on sys.path as the script's directory)
import host_list  # noqa: E402
from tests.functional.deployment import Deployment, http  # noqa: E402


def _timed(fn, *args):
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def _add(url, n):
    status, body = http("POST", url + "/v1/ihosts", {
        "hostname": "bench-%05d" % n, "personality": "edgeworker",
        "mgmt_mac": "52:54:02:%02x:%02x:%02x" % ((n >> 16) & 255, (n >> 8) & 255, n & 255)})
    assert status == 200, body


def _get(url):
    assert http("GET", url + "/")[0] == 200


def _summary(adds, gets):
    add_s, ping = statistics.median(adds), statistics.median(gets)
    return {"host_add_s": add_s, "get_root_s": ping, "ratio": add_s / ping,
            "requests": len(adds)}


def measure(urls, hosts, offset):
    """``hosts`` host-adds on each server of ``urls``, each next to a bare GET / on the same
    server, the servers taking turns (the order swapped every round), so that drift in the
    machine's speed during the run affects every side alike; medians per server."""
    for url in urls:
        for _ in range(20):  # warm-up: connections, caches, first compilations
            _get(url)
    gets, adds = [[] for _ in urls], [[] for _ in urls]
    for i in range(hosts):
        order = range(len(urls)) if i % 2 == 0 else reversed(range(len(urls)))
        for k in order:
            gets[k].append(_timed(_get, urls[k]))
            adds[k].append(_timed(_add, urls[k], offset + i))
    return [_summary(a, g) for a, g in zip(adds, gets, strict=True)]


def all_in_one(hosts, fleet):
    """An empty inventory and, side by side, one that started with ``fleet`` hosts
    (inserted straight into the database as benchmarks/host_list.py does, then the service
    restarted so that its conductor writes their reservation files). A host-add writes only
    its own files, so the two should cost the same."""
    with contextlib.ExitStack() as stack:
        url, _proc, _db = stack.enter_context(_aio.all_in_one(host_list.SUBNET))
        urls = [url]
        if fleet:
            fleet_url, _p, _d = stack.enter_context(_aio.all_in_one(
                host_list.SUBNET, prepare=lambda db: host_list._insert_hosts(db, 0, fleet)))
            urls.append(fleet_url)
        results = measure(urls, hosts, 20000)
    result = results[0]
    if fleet:
        at_fleet = results[1]
        result["at_fleet"] = dict(at_fleet, fleet_hosts=fleet, vs_empty_inventory=(
            at_fleet["host_add_s"] / result["host_add_s"]), measured="alternating with the "
            "empty inventory in one run")
    return result


def production(hosts):
    dep = Deployment(conductors=2).start()
    try:
        return measure([dep.url], hosts, 50000)[0]
    finally:
        dep.stop()  # also removes its directory


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=200, help="host-adds per mode")
    parser.add_argument("--fleet", type=int, default=10000,
                        help="hosts already present for the second all-in-one measurement "
                             "(0: skip it)")
    parser.add_argument("--skip-production", action="store_true",
                        help="only the all-in-one mode (no PostgreSQL/RabbitMQ needed)")
    args = parser.parse_args()
    result = {"benchmark": "host_add_end_to_end", "target_ratio_max": 5,
              "target_fleet_vs_empty_max": 1.2,
              "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
              "all_in_one_sqlite": all_in_one(args.hosts, args.fleet)}
    if not args.skip_production:
        result["production_postgresql_rabbitmq"] = production(args.hosts)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
