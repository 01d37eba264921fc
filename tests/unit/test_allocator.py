"""Allocator on a real (SQLite) database: order, gaps, exhaustion, hint safety."""

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
