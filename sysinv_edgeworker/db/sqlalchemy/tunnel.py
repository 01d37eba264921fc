"""Database calls of the WireGuard management tunnel (a mixin of db/sqlalchemy/api.Connection):
the controller's peer set and the handshakes seen. (Whether a tunnel network exists, and its
pool, come with the mgmt settings: Connection.mgmt_settings' ``tunnel_pool_id``.)"""

import collections

import sqlalchemy as sa

from sysinv_edgeworker.common import constants
from sysinv_edgeworker.db.sqlalchemy import models
from sysinv_edgeworker.db.sqlalchemy.engine import reader, writer

_H, _A = models.Host.__table__, models.Address.__table__

Peer = collections.namedtuple("Peer", "host_uuid hostname public_key address")


class TunnelQueries:
    def tunnel_peers(self):
        """Peers of the controller's interface: every tunnel host with a registered public
        key and a tunnel address, ordered by address."""
        with reader() as s:
            rows = s.execute(
                sa.select(_H.c.uuid, _H.c.hostname, _H.c.wg_public_key, _A.c.address)
                .select_from(_H.join(_A, _A.c.host_id == _H.c.id))
                .where(_H.c.mgmt_attach == constants.MGMT_ATTACH_TUNNEL,
                       _H.c.wg_public_key.is_not(None))
                .order_by(_A.c.address_key)).all()
        return [Peer(*r) for r in rows]

    def tunnel_record_handshakes(self, handshakes):
        """Record what the controller's interface says: ``handshakes`` maps a public key to
        its latest handshake (naive UTC datetime, or None: never). One UPDATE per key whose
        value changed, in its own transaction; updated_at is left alone (an observation, not
        an inventory change). Returns how many hosts changed."""
        changed = 0
        with writer() as s:
            for key, when in handshakes.items():
                res = s.execute(sa.update(_H).where(
                    _H.c.wg_public_key == key,
                    _H.c.tunnel_last_handshake.is_distinct_from(when))
                    .values(tunnel_last_handshake=when, updated_at=_H.c.updated_at))
                changed += res.rowcount
        return changed
