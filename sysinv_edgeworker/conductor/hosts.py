"""Host operations of the conductor. Each runs in one transaction: the host row, its
address and its dnsmasq reservation files change together or not at all.
"""

import contextlib

from oslo_db import api as oslo_db_api
from oslo_log import log
from oslo_utils import timeutils

from sysinv_edgeworker.common import constants as k
from sysinv_edgeworker.common import exception
from sysinv_edgeworker.db import serialize

LOG = log.getLogger(__name__)

_NEW_HOST = {
    "administrative": k.ADMIN_LOCKED,
    "operational": k.OPERATIONAL_DISABLED,
    "availability": k.AVAILABILITY_OFFLINE,
    "invprovision": k.INVPROVISION_UNPROVISIONED,
    "provision_state": "unprovisioned",
}
_ACTION_STATE = {"lock": k.ADMIN_LOCKED, "unlock": k.ADMIN_UNLOCKED}


class _Touched(list):
    """The uuids of the hosts a unit of work changes; ``tunnel``: the peer set may change;
    ``applied``: it was rendered (to be rendered again if the unit of work fails)."""
    tunnel = False
    applied = False


def _retry(retries):
    return oslo_db_api.wrap_db_retry(max_retries=retries, retry_on_deadlock=True,
                                     retry_interval=0.1, inc_retry_interval=True)


class HostOperations:
    def __init__(self, dbapi, allocator, dhcp, db_retries=5, tunnel=None):
        self.dbapi = dbapi
        self.allocator = allocator
        self.dhcp = dhcp
        self.tunnel = tunnel  # wireguard.ControllerInterface, None without [tunnel] subnet
        retry = _retry(db_retries)
        self.create = retry(self._create)
        self.update = retry(self._update)
        self.delete = retry(self._delete)
        self.report_provision = retry(self._report_provision)

    @contextlib.contextmanager
    def _unit_of_work(self):
        """Transaction + the DHCP files of the hosts it changes + the controller's WireGuard
        peer set. The operation appends the uuid of each host it changes to the yielded
        list, and sets its ``tunnel`` flag when one of them is (or was) a tunnel host; just
        before the commit, each of those hosts' files is rewritten from what the transaction
        sees (only theirs: the cost does not depend on the number of hosts) and, if flagged,
        the peer set is rendered from the transaction's view and applied (wg syncconf). A
        write or apply failure rolls everything back; dnsmasq is signalled after the commit,
        and only if a file it had read was replaced or removed (it picks up new files by
        itself).

        Every render holds the writers lock of its transaction (a PostgreSQL advisory lock;
        SQLite runs one write transaction at a time anyway) until it ends, so renders happen
        in commit order and the files (and peer sets) a unit of work writes are final, with
        one conductor or several; converge (start-up) takes the same lock. The lock is taken
        after the changes: a transaction holding it only writes the files and commits, so it
        never waits for a row lock that a transaction waiting for it holds (no deadlock).

        A unit of work that fails after writing files puts its hosts' files back: rendered
        again from committed state under the writers lock, or, if the database cannot be
        read, restored to what they held before."""
        touched, written = _Touched(), []
        try:
            with self.dbapi.transaction():
                yield touched
                self.dbapi.lock_writers()
                for host_uuid in touched:
                    self.dhcp.put(host_uuid, self.dbapi.dhcp_reservation(host_uuid), written)
                if touched.tunnel and self.tunnel is not None:
                    touched.applied = True
                    self.tunnel.converge(self.dbapi.tunnel_peers())
        except BaseException:
            self._take_back(touched, written)
            raise
        if self.dhcp.needs_reload(written):
            self.dhcp.reload()

    def _take_back(self, touched, written):
        if not written and not touched.applied:
            return
        try:
            with self.dbapi.transaction():
                self.dbapi.lock_writers()
                for host_uuid in touched:
                    self.dhcp.put(host_uuid, self.dbapi.dhcp_reservation(host_uuid), [])
                if touched.applied:
                    self.tunnel.converge(self.dbapi.tunnel_peers())
        except Exception:
            LOG.exception("Could not render the DHCP files or peer set of %s from committed "
                          "state; restoring the files to what they held before",
                          ", ".join(touched))
            try:
                self.dhcp.undo(written)
            except OSError:
                LOG.exception("Could not restore the DHCP files; the next conductor start "
                              "converges them")
        if written:
            self.dhcp.reload()  # dnsmasq may have read a file of the failed unit of work

    def resync_dhcp(self):
        """Converge both DHCP directories to committed state, holding the writers lock (see
        _unit_of_work), then SIGHUP dnsmasq. The only pass over every host (start-up).
        Returns whether a file changed."""
        with self.dbapi.transaction():
            self.dbapi.lock_writers()
            changed = self.dhcp.converge(self.dbapi.dhcp_reservations())
        self.dhcp.reload()
        return changed

    def resync_tunnel(self):
        """Render and apply the controller's peer set from committed state under the writers
        lock (start-up). Returns whether it was applied (False: no tunnel configured, or
        the interface does not exist)."""
        if self.tunnel is None:
            return False
        with self.dbapi.transaction():
            self.dbapi.lock_writers()
            return self.tunnel.converge(self.dbapi.tunnel_peers())

    def tunnel_refresh(self):
        """Record each tunnel peer's latest handshake, as the controller's interface reports
        it, in its host (tunnel_last_handshake). Returns {"interface", "applied": whether
        the interface exists, "peers", "changed"}."""
        if self.tunnel is None:
            raise exception.NoTunnelNetwork(what="tunnel_refresh")
        seen = self.tunnel.handshakes()
        changed = 0 if seen is None else self.dbapi.tunnel_record_handshakes(seen)
        return {"interface": self.tunnel.interface, "present": seen is not None,
                "peers": len(seen or ()), "changed": changed}

    def _assign_address(self, host_id, hostname, personality, mgmt_ip, attach):
        """Claim ``mgmt_ip``, or allocate one if the mgmt network is dynamic, or the tunnel
        address of a tunnel host; returns it."""
        mgmt = self.dbapi.mgmt_settings()
        if attach == k.MGMT_ATTACH_TUNNEL:
            if mgmt["tunnel_pool_id"] is None:
                raise exception.NoTunnelNetwork(what="mgmt_attach 'tunnel'")
            return self.allocator.allocate(mgmt["tunnel_pool_id"], host_id,
                                           "%s-tunnel" % hostname).address
        name = "%s-mgmt" % hostname
        if mgmt_ip:
            return self.allocator.claim(mgmt["pool_id"], mgmt_ip, host_id, name).address
        if mgmt["dynamic"]:
            return self.allocator.allocate(mgmt["pool_id"], host_id, name).address
        raise exception.InvalidParameterValue(
            err="mgmt_ip is required for %s hosts: the mgmt network is static." % personality)

    def _create(self, values):
        values = dict(values)
        mgmt_ip = values.pop("mgmt_ip", None)
        row = dict(_NEW_HOST, **values)
        if row.get("personality"):
            row["subfunctions"] = row["personality"]
        attach = row.get("mgmt_attach", k.MGMT_ATTACH_DIRECT)
        with self._unit_of_work() as touched:
            created = self.dbapi.host_create(row)
            touched.append(created["uuid"])
            touched.tunnel = attach == k.MGMT_ATTACH_TUNNEL
            if row.get("personality"):
                mgmt_ip = self._assign_address(created["id"], row["hostname"],
                                               row["personality"], mgmt_ip, attach)
            created["mgmt_ip"] = mgmt_ip
        LOG.info("Created host %s (%s%s%s)", values.get("hostname") or values["mgmt_mac"],
                 values.get("personality") or "no personality",
                 ", mgmt_ip %s" % mgmt_ip if mgmt_ip else "",
                 ", tunnel" if attach == k.MGMT_ATTACH_TUNNEL else "")
        return created

    def _update(self, host_uuid, changes):
        changes = dict(changes)
        action = changes.pop("action", None)
        mgmt_ip = changes.pop("mgmt_ip", None)
        lease = None
        with self._unit_of_work() as touched:
            host = self.dbapi.host_get_for_update(host_uuid)
            touched.append(host.uuid)
            attach = changes.get("mgmt_attach", host.mgmt_attach)
            touched.tunnel = k.MGMT_ATTACH_TUNNEL in (attach, host.mgmt_attach)
            if attach == k.MGMT_ATTACH_DIRECT:
                changes.pop("wg_public_key", None)
                if host.wg_public_key is not None:
                    changes["wg_public_key"] = None  # a direct host is no peer
            address = host.mgmt_address
            direct = host.mgmt_attach == k.MGMT_ATTACH_DIRECT
            if address is not None and attach != host.mgmt_attach:
                # Moving to the other network: its address goes with it, in this unit of work.
                if direct:
                    lease = (address.address, host.mgmt_mac)
                self.allocator.release(address)
                address = None
            elif "mgmt_mac" in changes and address is not None and direct:
                lease = (address.address, host.mgmt_mac)  # the old MAC's lease
            expect = {}
            if "personality" in changes:
                expect["personality"] = None  # set once: refuse a concurrent second setter
                changes["subfunctions"] = changes["personality"]
            if "hostname" in changes:
                expect["hostname"] = None
            if action in _ACTION_STATE:
                changes["administrative"] = _ACTION_STATE[action]
            elif action is not None:
                raise exception.InvalidParameterValue(err="action '%s' is invalid." % action)
            if changes:
                self.dbapi.host_update(host.id, changes, expect=expect)
            personality = changes.get("personality", host.personality)
            assigned = None
            if personality and address is None:
                assigned = self._assign_address(host.id, changes.get("hostname", host.hostname),
                                                personality, mgmt_ip, attach)
            host_id = host.id
        if lease:
            self.dhcp.release(*lease)
        LOG.info("Updated host %s: %s%s", host_uuid, ", ".join(sorted(changes)) or action,
                 "; mgmt_ip %s" % assigned if assigned else "")
        return serialize.host(self.dbapi.host_get(host_id))

    def _delete(self, host_uuid):
        lease = None
        with self._unit_of_work() as touched:
            host = self.dbapi.host_get_for_update(host_uuid)
            touched.append(host.uuid)
            touched.tunnel = host.mgmt_attach == k.MGMT_ATTACH_TUNNEL
            if host.mgmt_address is not None:
                if not touched.tunnel:
                    lease = (host.mgmt_address.address, host.mgmt_mac)
                self.allocator.release(host.mgmt_address)
            self.dbapi.host_destroy(host.id)
        if lease:
            self.dhcp.release(*lease)
        LOG.info("Deleted host %s", host_uuid)

    def _report_provision(self, host_uuid, values):
        """Record the playbook's result for a host (validated by api/host_rules.py)."""
        values = dict(values, provision_updated_at=timeutils.utcnow())
        if values["provision_state"] == "provisioned":
            values["invprovision"] = k.INVPROVISION_PROVISIONED
        with self.dbapi.transaction():
            host = self.dbapi.host_get_for_update(host_uuid)
            # Only edgeworkers are provisioned; the personality cannot change once set.
            self.dbapi.host_update(host.id, values, expect={"personality": k.EDGEWORKER})
            reported = serialize.host(self.dbapi.host_get(host.id))  # as committed
        LOG.info("Host %s reported %s%s", host_uuid, values["provision_state"],
                 " at step %s" % values["provision_step"] if values.get("provision_step") else "")
        return reported
