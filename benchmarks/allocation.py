#!/usr/bin/env python3
"""Time per mgmt-IP allocation in a /16 pool at 100 and at 10,000 used addresses.

Each measured allocation is what host-add does in the conductor: one transaction creating
a host row and claiming its address (SQLite file database, as in the all-in-one mode).
Baseline: the naive method, "pool minus used addresses" recomputed for every allocation,
at the same fill. Prints JSON. Usage: python benchmarks/allocation.py [--repeats N]
"""

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time

import netaddr
import sqlalchemy as sa

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sysinv_edgeworker.conductor import allocator, bootstrap  # noqa: E402
from sysinv_edgeworker.conf import CONF  # noqa: E402
from sysinv_edgeworker.db import api as db_api  # noqa: E402
from sysinv_edgeworker.db import migration  # noqa: E402
from sysinv_edgeworker.db.sqlalchemy import engine, models  # noqa: E402

HOST = {"administrative": "locked", "operational": "disabled", "availability": "offline",
        "invprovision": "unprovisioned", "provision_state": "unprovisioned"}


def _mac(n):
    return "52:54:%02x:%02x:%02x:%02x" % ((n >> 24) & 255, (n >> 16) & 255, (n >> 8) & 255,
                                          n & 255)


class Bench:
    def __init__(self, workdir):
        CONF([], project="sysinv-edgeworker")
        CONF.set_override("state_path", workdir)
        CONF.set_override("subnet", "10.64.0.0/16", group="mgmt_network")
        engine.dispose()
        migration.upgrade("head")
        self.db = db_api.get_instance()
        bootstrap.bootstrap(self.db, CONF)
        self.alloc = allocator.Allocator(self.db)
        self.n = 0

    def pool(self):
        return self.db.pool_get(self.db.network_get_by_type("mgmt").pool_id)

    def allocate_one(self):
        self.n += 1
        with self.db.transaction():
            host_id = self.db.host_create(dict(HOST, mgmt_mac=_mac(self.n)))["id"]
            return self.alloc.allocate(self.db.mgmt_settings()["pool_id"], host_id,
                                       "h%d" % self.n).address

    def fill_to(self, used):
        """Bulk-insert hosts + addresses until `used` addresses are taken (not timed)."""
        pool = self.pool()
        have = len(self.db.address_list(pool.id))
        if have >= used:
            return
        rows = []
        with self.db.transaction() as s:
            start = netaddr.IPAddress("10.64.0.5") + self.n
            for i in range(used - have):
                self.n += 1
                host = models.Host(uuid="b-%d" % self.n, mgmt_mac=_mac(self.n), **HOST)
                s.add(host)
                rows.append((host, str(start + i)))
            s.flush()
            s.execute(sa.insert(models.Address), [
                {"uuid": "a-%s" % h.uuid, "pool_id": pool.id, "address": ip,
                 "address_key": allocator.key_of(ip), "host_id": h.id} for h, ip in rows])
            last = allocator.key_of(str(start + len(rows)))
            s.execute(sa.update(models.AddressPool).values(next_key=last))

    def naive_one(self):
        """Baseline: the same transaction, but the free address is found by rebuilding
        "range minus used" from every used address (what a rescan-per-allocation does)."""
        self.n += 1
        with self.db.transaction():
            host_id = self.db.host_create(dict(HOST, mgmt_mac=_mac(self.n)))["id"]
            pool = self.pool()
            used = {a.address_key for a in self.db.address_list(pool.id)}
            rng = pool.ranges[0]
            value = next(v for v in range(int(rng.start_key, 16), int(rng.end_key, 16) + 1)
                         if "%032x" % v not in used)
            ip = str(netaddr.IPAddress(value))
            return self.alloc.claim(pool.id, ip, host_id, "h%d" % self.n).address


def _time(fn, count):
    samples = []
    for _ in range(count):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50,
                        help="allocations timed at each fill (median reported)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        bench = Bench(workdir)
        result = {"benchmark": "mgmt_ip_allocation", "pool": "10.64.0.0/16",
                  "database": "sqlite (file, WAL)", "repeats": args.repeats,
                  "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                              "platform": platform.platform()}}
        for fill in (100, 10000):
            bench.fill_to(fill)
            alloc = _time(bench.allocate_one, args.repeats)
            naive = _time(bench.naive_one, max(5, args.repeats // 5))
            bench.fill_to(fill)  # keep the next fill level exact
            result["at_%d_used" % fill] = {"allocation_s": alloc, "naive_s": naive,
                                            "naive_over_allocation": naive / alloc}
        result["ratio_10000_over_100"] = (result["at_10000_used"]["allocation_s"]
                                          / result["at_100_used"]["allocation_s"])
        result["targets"] = {"ratio_10000_over_100_max": 1.5,
                             "naive_over_allocation_at_10000_min": 20}
        engine.dispose()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
