#!/usr/bin/env python3
"""host-add end to end over HTTP vs a bare `GET /` on the same server, for the all-in-one
service (SQLite, in-process RPC) and the production shape (sysinv-edgeworker-api + two
conductors, PostgreSQL, RabbitMQ). Sequential requests, each host-add next to a GET /;
medians. The all-in-one mode is measured again with 10,000 hosts present. Prints JSON.

Usage: python benchmarks/host_add.py [--hosts N] [--fleet N] [--skip-production]
"""

import argparse
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


def measure(url, hosts, offset):
    """``hosts`` host-adds, each next to a bare GET / (alternating, so drift in the
    machine's speed during the run affects both sides alike); medians of each."""
    def add(i):
        status, body = http("POST", url + "/v1/ihosts", {
            "hostname": "bench-%05d" % (offset + i), "personality": "edgeworker",
            "mgmt_mac": "52:54:02:%02x:%02x:%02x" % (((offset + i) >> 16) & 255,
                                                      ((offset + i) >> 8) & 255,
                                                      (offset + i) & 255)})
        assert status == 200, body

    def get():
        assert http("GET", url + "/")[0] == 200

    for _ in range(20):  # warm-up: connections, caches, first compilations
        get()
    gets, adds = [], []
    for i in range(hosts):
        gets.append(_timed(get))
        adds.append(_timed(add, i))
    add_s, ping = statistics.median(adds), statistics.median(gets)
    return {"host_add_s": add_s, "get_root_s": ping, "ratio": add_s / ping, "requests": hosts}


def all_in_one(hosts, fleet):
    """The measurement on an empty inventory, then again once ``fleet`` more hosts exist
    (inserted straight into the database, as benchmarks/host_list.py does): every add
    re-renders the complete dnsmasq files, so that part grows with the fleet."""
    with _aio.all_in_one(host_list.SUBNET) as (url, _proc, db_path):
        result = measure(url, hosts, 0)
        if fleet:
            host_list._insert_hosts(db_path, 0, fleet)
            at_fleet = measure(url, min(hosts, 100), 20000)
            result["at_fleet"] = dict(at_fleet, fleet_hosts=fleet, vs_empty_inventory=(
                at_fleet["host_add_s"] / result["host_add_s"]))
        return result


def production(hosts):
    dep = Deployment(conductors=2).start()
    try:
        return measure(dep.url, hosts, 50000)
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
              "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
              "all_in_one_sqlite": all_in_one(args.hosts, args.fleet)}
    if not args.skip_production:
        result["production_postgresql_rabbitmq"] = production(args.hosts)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
