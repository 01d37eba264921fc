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


def _retry(retries):
    return oslo_db_api.wrap_db_retry(max_retries=retries, retry_on_deadlock=True,
                                     retry_interval=0.1, inc_retry_interval=True)


class HostOperations:
    def __init__(self, dbapi, allocator, dhcp, db_retries=5):
        self.dbapi = dbapi
        self.allocator = allocator
        self.dhcp = dhcp
        retry = _retry(db_retries)
        self.create = retry(self._create)
        self.update = retry(self._update)
        self.delete = retry(self._delete)
        self.report_provision = retry(self._report_provision)

    @contextlib.contextmanager
    def _unit_of_work(self):
        """Transaction + the DHCP files of the hosts it changes. The operation appends the
        uuid of each host it changes to the yielded list; just before the commit, each of
        those hosts' files is rewritten from what the transaction sees (only theirs: the
        cost does not depend on the number of hosts). A write failure rolls everything back;
        dnsmasq is signalled after the commit, and only if a file it had read was replaced
        or removed (it picks up new files by itself).

        Every render holds the writers lock of its transaction (a PostgreSQL advisory lock;
        SQLite runs one write transaction at a time anyway) until it ends, so renders happen
        in commit order and the files a unit of work writes are final, with one conductor or
        several; converge (start-up) takes the same lock. The lock is taken after the
        changes: a transaction holding it only writes the files and commits, so it never
        waits for a row lock that a transaction waiting for it holds (no deadlock).

        A unit of work that fails after writing files puts its hosts' files back: rendered
        again from committed state under the writers lock, or, if the database cannot be
        read, restored to what they held before."""
        touched, written = [], []
        try:
            with self.dbapi.transaction():
                yield touched
                self.dbapi.lock_writers()
                for host_uuid in touched:
                    self.dhcp.put(host_uuid, self.dbapi.dhcp_reservation(host_uuid), written)
        except BaseException:
            self._take_back(touched, written)
            raise
        if self.dhcp.needs_reload(written):
            self.dhcp.reload()

    def _take_back(self, touched, written):
        if not written:
            return
        try:
            with self.dbapi.transaction():
                self.dbapi.lock_writers()
                for host_uuid in touched:
                    self.dhcp.put(host_uuid, self.dbapi.dhcp_reservation(host_uuid), [])
        except Exception:
            LOG.exception("Could not render the DHCP files of %s from committed state; "
                          "restoring what they held before", ", ".join(touched))
            try:
                self.dhcp.undo(written)
            except OSError:
                LOG.exception("Could not restore the DHCP files; the next conductor start "
                              "converges them")
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

    def _assign_address(self, host_id, hostname, personality, mgmt_ip):
        """Claim ``mgmt_ip``, or allocate one if the mgmt network is dynamic; returns it."""
        mgmt = self.dbapi.mgmt_settings()
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
        with self._unit_of_work() as touched:
            created = self.dbapi.host_create(row)
            touched.append(created["uuid"])
            if row.get("personality"):
                mgmt_ip = self._assign_address(created["id"], row["hostname"],
                                               row["personality"], mgmt_ip)
            created["mgmt_ip"] = mgmt_ip
        LOG.info("Created host %s (%s%s)", values.get("hostname") or values["mgmt_mac"],
                 values.get("personality") or "no personality",
                 ", mgmt_ip %s" % mgmt_ip if mgmt_ip else "")
        return created

    def _update(self, host_uuid, changes):
        changes = dict(changes)
        action = changes.pop("action", None)
        mgmt_ip = changes.pop("mgmt_ip", None)
        lease = None
        with self._unit_of_work() as touched:
            host = self.dbapi.host_get_for_update(host_uuid)
            touched.append(host.uuid)
            if "mgmt_mac" in changes and host.mgmt_address is not None:
                lease = (host.mgmt_address.address, host.mgmt_mac)  # the old MAC's lease
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
            if personality and host.mgmt_address is None:
                assigned = self._assign_address(host.id, changes.get("hostname", host.hostname),
                                                personality, mgmt_ip)
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
            if host.mgmt_address is not None:
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
