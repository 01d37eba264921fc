"""The database calls the service makes. Readers for the API, writers for the conductor.

Duplicate entries are mapped here to named domain errors; nothing above this module sees
SQLAlchemy exceptions for user-caused conflicts.
"""

import collections
import datetime

import sqlalchemy as sa
from oslo_db import exception as db_exc
from oslo_utils import uuidutils

from sysinv_edgeworker.common import exception, validators
from sysinv_edgeworker.db import serialize
from sysinv_edgeworker.db.sqlalchemy import models, statements
from sysinv_edgeworker.db.sqlalchemy.engine import reader, writer
from sysinv_edgeworker.db.sqlalchemy.labels import LabelQueries
from sysinv_edgeworker.db.sqlalchemy.tunnel import TunnelQueries

BOOTSTRAP_LOCK = 0x73797369  # "sysi": the advisory lock key of bootstrap
WRITERS_LOCK = 0x73797377  # "sysw": the advisory lock key of the DHCP/peer-set writers
HOST_SORT_KEYS = ("id", "hostname", "personality", "mgmt_mac", "created_at", "updated_at")
_NULLABLE_SORT_KEYS = ("hostname", "personality")


def _now():
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def _raise_duplicate(err, values):
    cols = set(err.columns or ())
    if "hostname" in cols:
        raise exception.DuplicateHostname(hostname=values.get("hostname"))
    if "mgmt_mac" in cols:
        raise exception.DuplicateMac(mac=values.get("mgmt_mac"))
    if "wg_public_key" in cols:
        raise exception.DuplicateWgKey()
    if "address" in cols or "address_key" in cols:
        raise exception.AddressInUse(address=values.get("address"))
    raise exception.Conflict(reason="duplicate value for %s" % ", ".join(sorted(cols)))


ClaimedAddress = collections.namedtuple("ClaimedAddress", "id address")
KeyRange = collections.namedtuple("KeyRange", "start_key end_key")
PoolForAllocation = collections.namedtuple(
    "PoolForAllocation", "id name family allocation_order next_key ranges")


class Connection(LabelQueries, TunnelQueries):
    """Thin data access object; every method is one query or one statement."""

    transaction = staticmethod(writer)

    # -- system, networks, pools -------------------------------------------------------
    @staticmethod
    def _advisory_lock(key):
        """A transaction-scoped PostgreSQL advisory lock, joining the caller's transaction.
        SQLite needs none: its write transactions begin IMMEDIATE, one at a time."""
        with writer() as s:
            if s.bind.dialect.name == "postgresql":
                s.execute(statements.advisory_xact_lock(), {"key": key})

    def lock_bootstrap(self):
        """Serialize bootstrap between conductors starting together."""
        self._advisory_lock(BOOTSTRAP_LOCK)

    def lock_writers(self):
        """Serialize the units of work that render the DHCP files and the WireGuard peer set,
        until the transaction ends: each renders after every earlier one has committed, so
        what it writes is final (under READ COMMITTED, later statements see those commits)."""
        self._advisory_lock(WRITERS_LOCK)

    def system_get(self):
        with reader() as s:
            system = s.scalars(sa.select(models.System).limit(1)).first()
            if system is None:
                raise exception.SystemNotFound()
            return system

    def system_ident(self):
        """{"id", "uuid"} of the system record (one cheap query), None before bootstrap."""
        with reader() as s:
            row = s.connection().execute(
                sa.select(models.System.id, models.System.uuid)
                .order_by(models.System.id).limit(1)).first()
        return {"id": row.id, "uuid": row.uuid} if row is not None else None

    def system_list(self):
        with reader() as s:
            return list(s.scalars(sa.select(models.System).order_by(models.System.id)))

    @staticmethod
    def _get_by_uuid(model, ident, not_found):
        with reader() as s:
            row = s.scalars(sa.select(model).where(model.uuid == str(ident))).first()
            if row is None:
                raise not_found
            return row

    def system_get_by_uuid(self, system_uuid):
        return self._get_by_uuid(models.System, system_uuid,
                                 exception.IsystemNotFound(system=system_uuid))

    def system_create(self, values):
        with writer() as s:
            obj = models.System(uuid=uuidutils.generate_uuid(), **values)
            s.add(obj)
            s.flush()
            return obj

    def network_get_by_type(self, net_type):
        with reader() as s:
            q = sa.select(models.Network).where(models.Network.type == net_type)
            net = s.scalars(q).first()
            if net is None:
                raise exception.NotFound("Network %s has not been created yet." % net_type)
            return net

    def mgmt_settings(self):
        """What host rules and address assignment need, in one query: the system mode (and
        its ``system_id``/``system_uuid``, which hosts name), the mgmt network's ``dynamic``,
        ``pool_id``, subnet and reserved addresses, and ``tunnel_pool_id`` (None: no tunnel).
        NotFound before bootstrap."""
        with reader() as s:
            row = s.connection().execute(statements.mgmt_settings()).mappings().first()
        if row is None:
            raise exception.NotFound("The system and its mgmt network have not been created yet.")
        return dict(row)

    def network_list(self):
        with reader() as s:
            return list(s.scalars(sa.select(models.Network).order_by(models.Network.id)))

    def network_get(self, network_uuid):
        return self._get_by_uuid(models.Network, network_uuid,
                                 exception.NetworkNotFound(network=network_uuid))

    def network_create(self, values):
        with writer() as s:
            obj = models.Network(uuid=uuidutils.generate_uuid(), **values)
            s.add(obj)
            s.flush()
            return obj

    def network_update(self, net_id, values):
        with writer() as s:
            s.execute(sa.update(models.Network).where(models.Network.id == net_id).values(**values))

    def pool_get(self, pool_id):
        with reader() as s:
            pool = s.get(models.AddressPool, pool_id)
            if pool is None:
                raise exception.PoolNotFound(pool=pool_id)
            return pool

    def pool_get_for_update(self, pool_id):
        """What allocation reads of a pool (id, name, family, allocation_order, next_key and
        its ranges' start_key/end_key), with the pool row locked until commit (PostgreSQL):
        concurrent allocators queue here instead of all racing for the same lowest
        address. SQLite writers are already serialized by BEGIN IMMEDIATE."""
        with writer() as s:
            rows = s.connection().execute(statements.pool_for_update(),
                                          {"pool_id": pool_id}).all()
        if not rows:
            raise exception.PoolNotFound(pool=pool_id)
        first = rows[0]
        return PoolForAllocation(first.id, first.name, first.family, first.allocation_order,
                                 first.next_key,
                                 [KeyRange(r.start_key, r.end_key) for r in rows])

    def pool_list(self):
        with reader() as s:
            return list(s.scalars(sa.select(models.AddressPool).order_by(models.AddressPool.id)))

    def pool_get_by_uuid(self, pool_uuid):
        return self._get_by_uuid(models.AddressPool, pool_uuid,
                                 exception.PoolNotFound(pool=pool_uuid))

    def address_ids_by_name(self, pool_id, names):
        """{name: id} of the pool's reserved addresses (no host) with these names."""
        with reader() as s:
            rows = s.execute(sa.select(models.Address.name, models.Address.id)
                             .where(models.Address.pool_id == pool_id,
                                    models.Address.host_id.is_(None),
                                    models.Address.name.in_(list(names))))
            return {name: ident for name, ident in rows}

    def pool_create(self, values, ranges):
        with writer() as s:
            obj = models.AddressPool(uuid=uuidutils.generate_uuid(), **values)
            obj.ranges = [models.AddressPoolRange(uuid=uuidutils.generate_uuid(), **r)
                          for r in ranges]
            s.add(obj)
            s.flush()
            return obj

    def pool_update(self, pool_id, values):
        with writer() as s:
            s.execute(sa.update(models.AddressPool)
                      .where(models.AddressPool.id == pool_id).values(**values))

    def pool_advance_next_key(self, pool_id, old_key, new_key):
        """Compare-and-set: only moves the hint if nobody else changed it meanwhile."""
        with writer() as s:
            s.connection().execute(statements.pool_advance_next_key(),
                                   {"pool_id": pool_id, "old_key": old_key, "new_key": new_key})

    def pool_lower_next_key(self, pool_id, key):
        with writer() as s:
            s.execute(sa.update(models.AddressPool)
                      .where(models.AddressPool.id == pool_id,
                             models.AddressPool.next_key > key)
                      .values(next_key=key))

    # -- addresses ---------------------------------------------------------------------
    def address_keys(self, pool_id, low_key, high_key, limit):
        """Used address keys in [low, high], ascending: one index range scan."""
        with reader() as s:
            params = {"pool_id": pool_id, "low": low_key, "high": high_key, "limit": limit}
            return s.connection().execute(statements.address_keys(), params).scalars().all()

    def address_key_used(self, pool_id, key):
        with reader() as s:
            q = sa.select(models.Address.id).where(models.Address.pool_id == pool_id,
                                                   models.Address.address_key == key)
            return s.scalars(q).first() is not None

    def address_claim(self, values):
        """Insert an address: AddressInUse, with the transaction still usable, when the pool
        already has it. Returns (id, address)."""
        values = dict(values, uuid=uuidutils.generate_uuid())
        with writer() as s:
            conn = s.connection()
            try:
                new_id = conn.execute(statements.address_claim(conn.dialect.name),
                                      values).scalar()
            except db_exc.DBDuplicateEntry as err:  # the host has an address already
                _raise_duplicate(err, values)
            if new_id is None:
                raise exception.AddressInUse(address=values["address"])
            return ClaimedAddress(new_id, values["address"])

    def address_release(self, address_id):
        with writer() as s:
            s.execute(sa.delete(models.Address).where(models.Address.id == address_id))

    def address_list(self, pool_id):
        with reader() as s:
            return list(s.scalars(sa.select(models.Address)
                                  .where(models.Address.pool_id == pool_id)
                                  .order_by(models.Address.address_key)))

    # -- hosts -------------------------------------------------------------------------
    def _host_query(self, ident):
        q = sa.select(models.Host)
        if isinstance(ident, int) or (isinstance(ident, str) and ident.isascii()
                                      and ident.isdigit()):
            ident = int(ident)
            # ids are 32-bit integers: a larger number names no host (and must not reach
            # the database, where it overflows the column type).
            return q.where(models.Host.id == ident if ident < 2**31 else sa.false())
        if validators.uuid_like(ident):
            return q.where(models.Host.uuid == str(ident).lower())
        return q.where(models.Host.hostname == ident)

    def host_get(self, ident):
        with reader() as s:
            host = s.scalars(self._host_query(ident)).unique().first()
            if host is None:
                raise exception.HostNotFound(host=ident)
            return host

    def host_get_for_update(self, ident):
        with writer() as s:
            q = self._host_query(ident).with_for_update(of=models.Host)
            host = s.scalars(q).unique().first()
            if host is None:
                raise exception.HostNotFound(host=ident)
            return host

    def _host_list_clauses(self, s, personality, marker, sort_key, sort_dir):
        """WHERE and ORDER BY of a host listing (keyset pagination after ``marker``)."""
        where = []
        if personality is not None:
            where.append(models.Host.personality == personality)
        asc = sort_dir == "asc"
        col = getattr(models.Host, sort_key)
        if sort_key in _NULLABLE_SORT_KEYS:
            # NULL sorts first on SQLite and last on PostgreSQL, and compares as unknown:
            # order and page on '' instead so both databases page through every host.
            col = sa.func.coalesce(col, "")
        order = [col.asc() if asc else col.desc(),
                 models.Host.id.asc() if asc else models.Host.id.desc()]
        if marker is not None:
            m = s.execute(sa.select(models.Host.id, getattr(models.Host, sort_key))
                          .where(models.Host.uuid == marker)).first()
            if m is None:
                raise exception.InvalidParameterValue(
                    err="marker %s does not name an existing host." % validators.shown(marker))
            mid, mval = m
            tie = (models.Host.id > mid) if asc else (models.Host.id < mid)
            if sort_key == "id":
                where.append(tie)  # a plain range on the primary key
            else:
                if sort_key in _NULLABLE_SORT_KEYS:
                    mval = mval or ""
                after = (col > mval) if asc else (col < mval)
                where.append(sa.or_(after, sa.and_(col == mval, tie)))
        return where, order

    def host_list(self, personality=None, limit=None, marker=None,
                  sort_key="id", sort_dir="asc"):
        """ORM hosts (with their mgmt address)."""
        with reader() as s:
            where, order = self._host_list_clauses(s, personality, marker, sort_key, sort_dir)
            q = sa.select(models.Host).where(*where).order_by(*order)
            if limit:
                q = q.limit(limit)
            return list(s.scalars(q).unique())

    def host_list_serialized(self, personality=None, limit=None, marker=None,
                             sort_key="id", sort_dir="asc"):
        """The same listing as plain dicts (serialize.host's shape) straight from one Core
        query: no ORM objects, for the API at fleet size (benchmarks/host_list.py)."""
        with reader() as s:
            where, order = self._host_list_clauses(s, personality, marker, sort_key, sort_dir)
            q = statements.serialized_hosts().where(*where).order_by(*order)
            if limit:
                q = q.limit(limit)
            return [serialize.host_mapping(r) for r in s.execute(q).mappings()]

    def host_create(self, values):
        """Insert a host; returns the row as inserted (with its id and the defaults the
        insert filled in) in serialize.host's shape, without mgmt_ip. A duplicate hostname
        or MAC raises its named error; the caller's transaction then rolls back whole."""
        values = dict(values, uuid=values.get("uuid") or uuidutils.generate_uuid())
        with writer() as s:
            try:
                res = s.connection().execute(statements.host_insert(), values)
            except db_exc.DBDuplicateEntry as err:
                _raise_duplicate(err, values)
            inserted = dict(res.last_inserted_params(), id=res.inserted_primary_key[0])
        return serialize.host_mapping(collections.defaultdict(lambda: None, inserted,
                                                              mgmt_ip=None))

    def host_update(self, host_id, values, expect=None):
        """Update a host; ``expect`` maps columns to the values they must still have."""
        with writer() as s:
            q = sa.update(models.Host).where(models.Host.id == host_id)
            for col, val in (expect or {}).items():
                column = getattr(models.Host, col)
                q = q.where(column.is_(None) if val is None else column == val)
            try:
                with s.begin_nested():
                    res = s.execute(q.values(updated_at=_now(), **values))
            except db_exc.DBDuplicateEntry as err:
                _raise_duplicate(err, values)
            if res.rowcount != 1:
                raise exception.ConcurrentUpdate(host=host_id)
            s.expire_all()

    KUBE_STATE_COLUMNS = frozenset(("kubelet_version", "kube_node_ready", "kube_last_seen"))

    def host_update_kube_state(self, host_uuid, values):
        """Record what the cluster says about an edgeworker (kubelet_version, kube_node_ready,
        kube_last_seen): one UPDATE in its own transaction. It is an observation, not an
        inventory change, so updated_at is left alone. HostNotFound when no edgeworker has
        this uuid (deleted meanwhile)."""
        unknown = set(values) - self.KUBE_STATE_COLUMNS
        if unknown:
            raise ValueError("not Kubernetes state columns: %s" % ", ".join(sorted(unknown)))
        with writer() as s:
            res = s.execute(sa.update(models.Host)
                            .where(models.Host.uuid == host_uuid,
                                   models.Host.personality == "edgeworker")
                            .values(**values))
            if res.rowcount != 1:
                raise exception.HostNotFound(host=host_uuid)

    def host_destroy(self, host_id):
        with writer() as s:
            s.execute(sa.delete(models.Address).where(models.Address.host_id == host_id))
            s.execute(sa.delete(models.Label).where(models.Label.host_id == host_id))
            res = s.execute(sa.delete(models.Host).where(models.Host.id == host_id))
            if res.rowcount != 1:
                raise exception.HostNotFound(host=host_id)

    def dhcp_reservations(self):
        """(host uuid, mac, ip, hostname) rows of every host that has all three, ordered by
        address."""
        with reader() as s:
            return s.connection().execute(statements.dhcp_reservations()).all()

    def dhcp_reservation(self, host_uuid):
        """(mac, ip, hostname) of one host, or None if it lacks one of them or is gone."""
        with reader() as s:
            row = s.connection().execute(statements.dhcp_reservation(),
                                         {"uuid": host_uuid}).first()
        return tuple(row) if row is not None else None
