"""Allocator on a real (SQLite) database: order, gaps, exhaustion, hint safety."""

import random
import threading

import netaddr
import pytest

from sysinv_edgeworker.common import exception
from sysinv_edgeworker.conductor import allocator as alloc_mod
from sysinv_edgeworker.conductor import bootstrap


def _pool(db, conf, subnet="10.10.0.0/28", order="sequential", **extra):
    conf.set_override("subnet", subnet, group="mgmt_network")
    conf.set_override("allocation_order", order, group="mgmt_network")
    # start at network + 1 so the reserved controller addresses sit inside the range
    extra.setdefault("range_start", str(netaddr.IPNetwork(subnet).network + 1))
    for k, v in extra.items():
        conf.set_override(k, v, group="mgmt_network")
    bootstrap.bootstrap(db, conf)
    net = db.network_get_by_type("mgmt")
    return db.pool_get(net.pool_id)


def _host(db, n):
    return db.host_create({"mgmt_mac": "52:54:00:00:00:%02x" % n, "administrative": "locked",
                           "operational": "disabled", "availability": "offline",
                           "invprovision": "unprovisioned", "provision_state": "unprovisioned"})


def _allocate(db, n):
    a = alloc_mod.Allocator(db)
    with db.transaction():
        return a.allocate(db.mgmt_settings()["pool_id"], _host(db, n)["id"], "h%d" % n).address


def test_sequential_skips_reserved_and_fills_lowest_gap(db, conf):
    _pool(db, conf)  # /28: .1-.14 usable; .2 .3 .4 reserved for controllers
    got = [_allocate(db, n) for n in range(1, 6)]
    assert got == ["10.10.0.1", "10.10.0.5", "10.10.0.6", "10.10.0.7", "10.10.0.8"]
    # release .5 → the next allocation takes it again (lowest free), then continues at .9
    a = alloc_mod.Allocator(db)
    with db.transaction():
        pool = db.pool_get(db.network_get_by_type("mgmt").pool_id)
        addr = [x for x in db.address_list(pool.id) if x.address == "10.10.0.5"][0]
        a.release(addr)
    assert _allocate(db, 6) == "10.10.0.5"
    assert _allocate(db, 7) == "10.10.0.9"


def test_exhaustion_is_409_and_recovers(db, conf):
    _pool(db, conf, subnet="10.10.0.0/29")  # .1-.6 usable, .2-.4 reserved → .1 .5 .6
    assert [_allocate(db, n) for n in range(1, 4)] == ["10.10.0.1", "10.10.0.5", "10.10.0.6"]
    with pytest.raises(exception.PoolExhausted) as err:
        _allocate(db, 4)
    assert err.value.code == 409
    assert err.value.message == "No free address left in address pool management for mgmt_ip."


def test_window_boundary_and_range_options(db, conf):
    # A range larger than the search window, starting after explicit bounds.
    _pool(db, conf, subnet="10.20.0.0/16", range_start="10.20.1.0", range_end="10.20.1.200")
    got = [_allocate(db, n) for n in range(1, alloc_mod.WINDOW + 5)]
    assert got[0] == "10.20.1.0"
    assert len(set(got)) == len(got)
    assert got[-1] == str(netaddr.IPAddress("10.20.1.0") + alloc_mod.WINDOW + 3)


def test_hint_not_trusted_blindly(db, conf):
    """A stale (too low) hint only costs a search; it never yields a used address."""
    pool = _pool(db, conf)
    for n in range(1, 5):
        _allocate(db, n)
    db.pool_update(pool.id, {"next_key": alloc_mod.key_of("10.10.0.1")})
    assert _allocate(db, 9) == "10.10.0.8"


def test_random_order_gives_unique_addresses_in_range(db, conf):
    _pool(db, conf, subnet="10.30.0.0/26", order="random")
    got = {_allocate(db, n) for n in range(1, 30)}
    assert len(got) == 29
    net = netaddr.IPNetwork("10.30.0.0/26")
    assert all(netaddr.IPAddress(a) in net for a in got)
    assert not got & {"10.30.0.2", "10.30.0.3", "10.30.0.4", "10.30.0.0", "10.30.0.63"}


def test_ipv6_pool(db, conf):
    _pool(db, conf, subnet="fd00:204::/64")
    assert _allocate(db, 1) == "fd00:204::1"
    assert _allocate(db, 2) == "fd00:204::5"


def test_claim_conflict_then_next_candidate(db, conf, monkeypatch):
    """Another conductor takes the candidate between the search and the insert: the
    unique constraint refuses the duplicate and the next address is used."""
    _pool(db, conf)
    real_claim = db.address_claim
    stolen = []

    def racing_claim(values):
        if not stolen:
            stolen.append(values["address"])
            real_claim(dict(values, host_id=None, name="other-conductor"))
        return real_claim(values)

    monkeypatch.setattr(db, "address_claim", racing_claim)
    assert _allocate(db, 1) == "10.10.0.5"
    assert stolen == ["10.10.0.1"]


def test_concurrent_threads_never_share_an_address(db, conf):
    _pool(db, conf, subnet="10.40.0.0/24")
    results, errors = [], []

    def worker(n):
        try:
            results.append(_allocate(db, n))
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(1, 41)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 40 and len(set(results)) == 40


# ---- paths the tests above do not reach (found by benchmarks/mutation.py) -----------------

def _two_range_pool(db, order="sequential", ranges=(("10.0.0.10", "10.0.0.11"),
                                                    ("10.0.0.20", "10.0.0.22")), family=4):
    """A pool of two ranges with a hole between them (bootstrap makes one range)."""
    with db.transaction():
        pool = db.pool_create(
            {"name": "two-ranges", "family": family, "network": "10.0.0.0", "prefix": 24,
             "allocation_order": order, "next_key": alloc_mod.key_of(ranges[0][0])},
            [{"start": s, "end": e, "start_key": alloc_mod.key_of(s),
              "end_key": alloc_mod.key_of(e)} for s, e in ranges])
    return pool.id


def _take(db, pool_id, n, retries=20):
    with db.transaction():
        return alloc_mod.Allocator(db, retries).allocate(pool_id, _host(db, n)["id"],
                                                         "h%d" % n).address


def _claim(db, pool_id, address, n):
    with db.transaction():
        alloc_mod.Allocator(db).claim(pool_id, address, _host(db, n)["id"], "h%d" % n)


def test_two_ranges_hint_past_the_first_goes_to_the_second(db, conf):
    pool_id = _two_range_pool(db)
    assert [_take(db, pool_id, n) for n in (1, 2, 3)] == ["10.0.0.10", "10.0.0.11",
                                                          "10.0.0.20"]
    _claim(db, pool_id, "10.0.0.21", 4)  # a static claim: the hint stays at .21
    assert _take(db, pool_id, 5) == "10.0.0.22"  # the hint is taken; the last one is free
    with pytest.raises(exception.PoolExhausted):
        _take(db, pool_id, 6)


def test_two_ranges_search_skips_the_hole(db, conf):
    pool_id = _two_range_pool(db)
    assert _take(db, pool_id, 1) == "10.0.0.10"
    _claim(db, pool_id, "10.0.0.11", 2)  # the hint (.11) is taken: the search starts at .12
    assert _take(db, pool_id, 3) == "10.0.0.20"


def test_search_stops_at_the_end_of_the_range(db, conf):
    pool = _pool(db, conf, subnet="10.10.0.0/29")  # .1-.6 usable, .2-.4 reserved
    assert _allocate(db, 1) == "10.10.0.1"
    for n, address in ((2, "10.10.0.5"), (3, "10.10.0.6")):
        _claim(db, pool.id, address, n)
    with pytest.raises(exception.PoolExhausted):  # not .7, the broadcast address
        _allocate(db, 4)


def test_search_finds_the_last_address_of_the_range(db, conf):
    pool = _pool(db, conf, subnet="10.10.0.0/29")
    assert [_allocate(db, n) for n in (1, 2)] == ["10.10.0.1", "10.10.0.5"]
    db.pool_update(pool.id, {"next_key": alloc_mod.key_of("10.10.0.5")})  # stale hint
    assert _allocate(db, 3) == "10.10.0.6"


def test_stale_hint_costs_one_attempt_across_search_windows(db, conf):
    """With the hint far below the first free address (more used addresses than one search
    window reads), the claim of the hint and one search are enough: two attempts."""
    pool = _pool(db, conf, subnet="10.50.0.0/24")
    used = [_allocate(db, n) for n in range(1, alloc_mod.WINDOW + 8)]
    assert used[-1] == "10.50.0.74"  # .1, then .5-.74: 70 in a row after the reserved ones
    db.pool_update(pool.id, {"next_key": alloc_mod.key_of("10.50.0.1")})
    assert _take(db, pool.id, 100, retries=2) == "10.50.0.75"


def test_attempts_are_bounded_when_every_candidate_is_taken(db, conf, monkeypatch):
    """Another writer wins every candidate: 503 after ``retries`` (default 20) attempts."""
    _pool(db, conf, subnet="10.60.0.0/24")
    real_claim = db.address_claim
    stolen = []

    def racing_claim(values):
        stolen.append(values["address"])
        real_claim(dict(values, host_id=None, name="other-conductor"))
        return real_claim(values)

    monkeypatch.setattr(db, "address_claim", racing_claim)
    with pytest.raises(exception.ServiceUnavailable) as err:
        _allocate(db, 1)
    assert err.value.code == 503
    assert err.value.message == ("Could not claim a free mgmt_ip after 20 attempts; too many "
                                 "concurrent allocations, retry.")
    assert stolen == ["10.60.0.1"] + ["10.60.0.%d" % n for n in range(5, 24)]


def test_random_full_pool_is_exhausted_not_retried(db, conf):
    _pool(db, conf, subnet="10.30.0.0/29", order="random")  # free: .1 .5 .6
    assert sorted(_allocate(db, n) for n in (1, 2, 3)) == ["10.30.0.1", "10.30.0.5",
                                                           "10.30.0.6"]
    with pytest.raises(exception.PoolExhausted):
        _allocate(db, 4)


def test_random_single_address_range(db, conf):
    pool_id = _two_range_pool(db, order="random", ranges=(("10.0.0.7", "10.0.0.7"),))
    assert _take(db, pool_id, 1) == "10.0.0.7"
    with pytest.raises(exception.PoolExhausted):
        _take(db, pool_id, 2)


@pytest.fixture
def seeded():
    state = random.getstate()
    random.seed(20261129)
    yield
    random.setstate(state)


def test_random_two_ranges_picks_every_address_and_none_outside(db, conf, seeded):
    """Random order over two ranges: each address is a first pick in some round (the
    picks are spread, not sequential), and no pick falls outside the ranges."""
    pool_id = _two_range_pool(db, order="random", ranges=(("10.0.0.10", "10.0.0.11"),
                                                          ("10.0.0.20", "10.0.0.21")))
    everything = ["10.0.0.10", "10.0.0.11", "10.0.0.20", "10.0.0.21"]
    first_picks, n = set(), 0
    a = alloc_mod.Allocator(db)
    for _ in range(12):
        got = []
        for _ in everything:
            n += 1
            got.append(_take(db, pool_id, n))
        assert sorted(got) == everything
        first_picks.add(got[0])
        with db.transaction():
            for address in db.address_list(pool_id):
                a.release(address)
    assert first_picks == set(everything)


def test_claimed_rows_name_the_host(db, conf):
    pool_id = _two_range_pool(db)
    host, other = _host(db, 1), _host(db, 2)
    a = alloc_mod.Allocator(db)
    with db.transaction():
        a.allocate(pool_id, host["id"], "edge-01")
        a.claim(pool_id, "10.0.0.21", other["id"], "static-one")
    rows = [(x.address, x.address_key, x.name, x.host_id) for x in db.address_list(pool_id)]
    assert rows == [("10.0.0.10", alloc_mod.key_of("10.0.0.10"), "edge-01", host["id"]),
                    ("10.0.0.21", "%032x" % int(netaddr.IPAddress("10.0.0.21")), "static-one",
                     other["id"])]
    with pytest.raises(exception.AddressInUse) as err, db.transaction():
        a.claim(pool_id, "10.0.0.21", None, "again")
    assert err.value.message == "mgmt_ip 10.0.0.21 is already assigned to another host."


def test_ipv6_pool_with_small_addresses(db, conf):
    """The pool's family, not the value's size, decides how an address is written."""
    pool_id = _two_range_pool(db, ranges=(("::a", "::b"),), family=6)
    assert [_take(db, pool_id, n) for n in (1, 2)] == ["::a", "::b"]
    with pytest.raises(exception.AddressInUse) as err, db.transaction():
        alloc_mod.Allocator(db).claim(pool_id, "0::B", None, "static")
    assert err.value.message == "mgmt_ip ::b is already assigned to another host."


def test_conflict_on_the_hint_then_the_next_address(db, conf, monkeypatch):
    pool_id = _two_range_pool(db)
    real_claim = db.address_claim
    stolen = []

    def racing_claim(values):
        if not stolen:
            stolen.append(values["address"])
            real_claim(dict(values, host_id=None, name="other-conductor"))
        return real_claim(values)

    monkeypatch.setattr(db, "address_claim", racing_claim)
    assert _take(db, pool_id, 1) == "10.0.0.11"
    assert stolen == ["10.0.0.10"]


def test_cost_with_a_valid_hint_is_one_claim_and_no_search(db, conf, monkeypatch):
    """The module's cost promise: sequential allocation claims the hint, which the
    previous allocation (or a stale-hint search) moved past itself; no used-address read."""
    pool = _pool(db, conf, subnet="10.70.0.0/24")
    for n in range(1, 10):
        _allocate(db, n)
    db.pool_update(pool.id, {"next_key": alloc_mod.key_of("10.70.0.1")})
    reads = []
    real_keys = db.address_keys

    def counted(*args):
        reads.append(args[1])
        return real_keys(*args)

    monkeypatch.setattr(db, "address_keys", counted)
    assert _allocate(db, 10) == "10.70.0.13"  # stale hint: one search
    assert reads == [alloc_mod.key_of("10.70.0.2")]
    assert [_allocate(db, n) for n in (11, 12)] == ["10.70.0.14", "10.70.0.15"]
    assert len(reads) == 1  # the hint was right: no more reads
