"""Database calls of host labels (a mixin of db/sqlalchemy/api.Connection).

Readers return plain dicts in serialize.label's shape (with the host's uuid, which the API
shows as ``host_uuid``); writers join the caller's transaction.
"""

import sqlalchemy as sa
from oslo_db import exception as db_exc
from oslo_utils import timeutils, uuidutils

from sysinv_edgeworker.common import exception, validators
from sysinv_edgeworker.db import serialize
from sysinv_edgeworker.db.sqlalchemy import models
from sysinv_edgeworker.db.sqlalchemy.engine import reader, writer

_L, _H = models.Label.__table__, models.Host.__table__


def _select():
    return (sa.select(_L, _H.c.uuid.label("host_uuid"), _H.c.hostname)
            .select_from(_L.join(_H, _H.c.id == _L.c.host_id)))


class LabelQueries:
    def label_get(self, label_uuid):
        if not validators.uuid_like(label_uuid):
            raise exception.LabelNotFound(uuid=validators.shown(label_uuid))
        with reader() as s:
            row = s.execute(_select().where(_L.c.uuid == str(label_uuid).lower())
                            ).mappings().first()
        if row is None:
            raise exception.LabelNotFound(uuid=label_uuid)
        return serialize.label(row)

    def label_list(self, host_id=None, limit=None, marker=None, sort_dir="asc"):
        """Labels by id (of one host, or all), keyset-paged after the label ``marker``."""
        q = _select()
        if host_id is not None:
            q = q.where(_L.c.host_id == host_id)
        asc = sort_dir == "asc"
        with reader() as s:
            if marker is not None:
                mid = s.execute(sa.select(_L.c.id).where(_L.c.uuid == str(marker).lower())
                                ).scalar()
                if mid is None:
                    raise exception.InvalidParameterValue(
                        err="marker %s does not name an existing label."
                            % validators.shown(marker))
                q = q.where(_L.c.id > mid if asc else _L.c.id < mid)
            q = q.order_by(_L.c.id.asc() if asc else _L.c.id.desc())
            if limit:
                q = q.limit(limit)
            return [serialize.label(r) for r in s.execute(q).mappings()]

    def label_map(self, host_id):
        """{key: value} of one host's labels."""
        with reader() as s:
            rows = s.execute(sa.select(_L.c.label_key, _L.c.label_value)
                             .where(_L.c.host_id == host_id)).all()
        return dict(rows)

    def label_maps_by_hostname(self, personality):
        """{hostname: {key: value}} of every host of ``personality`` that has labels."""
        with reader() as s:
            rows = s.execute(sa.select(_H.c.hostname, _L.c.label_key, _L.c.label_value)
                             .select_from(_L.join(_H, _H.c.id == _L.c.host_id))
                             .where(_H.c.personality == personality)).all()
        out = {}
        for hostname, label_key, label_value in rows:
            out.setdefault(hostname, {})[label_key] = label_value
        return out

    def label_set(self, host_id, label_key, label_value):
        """Insert or update one label of a host (inside the caller's transaction)."""
        with writer() as s:
            res = s.execute(sa.update(_L).where(_L.c.host_id == host_id,
                                                _L.c.label_key == label_key)
                            .values(label_value=label_value, updated_at=timeutils.utcnow()))
            if res.rowcount:
                return
            try:
                with s.begin_nested():
                    s.execute(sa.insert(_L).values(
                        uuid=uuidutils.generate_uuid(), host_id=host_id, label_key=label_key,
                        label_value=label_value, created_at=timeutils.utcnow()))
            except db_exc.DBDuplicateEntry:
                raise exception.ConcurrentUpdate(host=host_id)

    def label_destroy(self, label_uuid):
        with writer() as s:
            res = s.execute(sa.delete(_L).where(_L.c.uuid == label_uuid))
            if res.rowcount != 1:
                raise exception.LabelNotFound(uuid=label_uuid)

    def label_destroy_by_host(self, host_id):
        with writer() as s:
            s.execute(sa.delete(_L).where(_L.c.host_id == host_id))
