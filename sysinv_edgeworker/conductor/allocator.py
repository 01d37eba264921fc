"""Management IP allocation from an address pool.

Cost does not grow with the number of used addresses:
- sequential: the pool keeps ``next_key``, a hint below which no address in the ranges is
  free. The hint itself is claimed first: it is usually free, which makes the allocation one
  INSERT and no read. If it is taken, a search starts there and reads used keys in index
  order, a window at a time, until the first gap; usually the first window holds the answer.
- random: a few random probes (one indexed lookup each), then the sequential search.
Concurrency: the pool row is locked (SELECT ... FOR UPDATE) for the rest of the transaction,
so conductors allocating from one pool queue instead of all racing for the same lowest
address. The guarantee itself is the claim: an INSERT under ``UNIQUE(pool_id, address)``
that does nothing on conflict (no savepoint); if another writer (e.g. a static claim) won the
address, the next one is tried. The hint only moves with a compare-and-set, and a release
lowers it, so it stays a safe lower bound.
"""

import random

import netaddr

from sysinv_edgeworker.common import constants, exception

WINDOW = 64
RANDOM_PROBES = 8


def key_of(address):
    return "%032x" % int(netaddr.IPAddress(address))


class Allocator:
    def __init__(self, dbapi, retries=20):
        self.dbapi = dbapi
        self.retries = retries

    def _search(self, pool, start):
        for rng in pool.ranges:  # a range wholly below start gives None without a read
            found = self._first_free_in(pool, rng, max(int(rng.start_key, 16), start))
            if found is not None:
                return found
        return None

    @staticmethod
    def _lowest_in_ranges(pool, start):
        """The lowest value inside the pool's ranges at or above ``start``, not checked
        against used addresses (the claim checks it); None past the last range."""
        for rng in pool.ranges:
            if int(rng.end_key, 16) >= start:
                return max(int(rng.start_key, 16), start)
        return None

    def _first_free_in(self, pool, rng, low):
        high = int(rng.end_key, 16)
        while low <= high:
            used = self.dbapi.address_keys(pool.id, "%032x" % low, rng.end_key, WINDOW)
            expected = low
            for k in used:
                value = int(k, 16)
                if value > expected:
                    return expected
                expected = value + 1
            if len(used) < WINDOW:
                return expected if expected <= high else None
            low = expected
        return None

    def _random_candidate(self, pool):
        sizes = [(r, int(r.end_key, 16) - int(r.start_key, 16) + 1) for r in pool.ranges]
        total = sum(size for _, size in sizes)
        for _ in range(RANDOM_PROBES):
            n = random.randrange(total)
            for rng, size in sizes:
                if n < size:
                    value = int(rng.start_key, 16) + n
                    break
                n -= size
            if not self.dbapi.address_key_used(pool.id, "%032x" % value):
                return value
        return None

    def allocate(self, pool_id, host_id, name):
        """Claim a free address of pool ``pool_id`` for ``host_id`` in the current
        transaction."""
        pool = self.dbapi.pool_get_for_update(pool_id)
        hint = pool.next_key
        start = int(hint, 16)
        use_random = pool.allocation_order == constants.ALLOCATION_RANDOM
        probe = True  # first claim the hint itself: in sequential order it is usually free
        for _ in range(self.retries):
            candidate = self._random_candidate(pool) if use_random else None
            from_search = candidate is None
            if from_search:
                candidate = (self._lowest_in_ranges(pool, start) if probe
                             else self._search(pool, start))
                probe = False
            if candidate is None:
                raise exception.PoolExhausted(pool=pool.name)
            address = str(netaddr.IPAddress(candidate, version=pool.family))
            try:
                obj = self.dbapi.address_claim({
                    "pool_id": pool.id, "address": address, "address_key": "%032x" % candidate,
                    "name": name, "host_id": host_id})
            except exception.AddressInUse:
                if from_search:
                    start = candidate + 1  # still nothing free below: the hint stays valid
                continue
            if from_search:
                self.dbapi.pool_advance_next_key(pool.id, hint, "%032x" % (candidate + 1))
            return obj
        raise exception.ServiceUnavailable(
            reason="Could not claim a free mgmt_ip after %d attempts; too many concurrent "
                   "allocations, retry." % self.retries)

    def claim(self, pool_id, address, host_id, name):
        """Claim a specific (validated) address; AddressInUse if it is taken."""
        return self.dbapi.address_claim({
            "pool_id": pool_id, "address": str(netaddr.IPAddress(address)),
            "address_key": key_of(address), "name": name, "host_id": host_id})

    def release(self, address):
        self.dbapi.address_release(address.id)
        self.dbapi.pool_lower_next_key(address.pool_id, address.address_key)
