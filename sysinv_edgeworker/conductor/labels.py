"""Label operations of the conductor: the label rows change in one transaction, then (after
the commit, never inside it) an edgeworker's Node is brought in line through
conductor/kube_ops.py. An unreachable cluster never undoes or blocks the change: it comes
back as ``warning`` (the API's Warning header) and kube_refresh converges it later."""

from oslo_log import log

from sysinv_edgeworker.common import constants as k
from sysinv_edgeworker.common import exception

LOG = log.getLogger(__name__)


class LabelOperations:
    def __init__(self, dbapi, kube):
        self.dbapi = dbapi
        self.kube = kube

    def _apply(self, host):
        if host["personality"] != k.EDGEWORKER or not host["hostname"]:
            return None  # stored (sysinv keeps labels of every host); not our Node to edit
        return self.kube.apply_labels(host["hostname"], self.dbapi.label_map(host["id"]))

    def _locked_host(self, ident):
        """The host row locked for this transaction, as the few fields used after it."""
        row = self.dbapi.host_get_for_update(ident)
        return {"id": row.id, "uuid": row.uuid, "hostname": row.hostname,
                "personality": row.personality, "name": row.hostname or row.uuid}

    def assign(self, host_uuid, labels, overwrite):
        """Set ``labels`` ({key: value}, validated by api/label_rules.py) on a host; an
        existing key without ``overwrite`` is LabelExists and nothing changes. Returns the
        labels written (serialize.label's shape) and the cluster warning, if any."""
        with self.dbapi.transaction():
            host = self._locked_host(host_uuid)
            current = self.dbapi.label_map(host["id"])
            if not overwrite:
                for key in labels:
                    if key in current:
                        raise exception.LabelExists(label=key, host=host["name"])
            for key, value in labels.items():
                if current.get(key) != value:
                    self.dbapi.label_set(host["id"], key, value)
        written = [lbl for lbl in self.dbapi.label_list(host_id=host["id"])
                   if lbl["label_key"] in labels]
        LOG.info("Host %s: labels assigned: %s", host["name"],
                 ", ".join("%s=%s" % kv for kv in sorted(labels.items())))
        return {"labels": written, "warning": self._apply(host)}

    def remove(self, label_uuid):
        """Delete one label; returns the cluster warning, if any."""
        label = self.dbapi.label_get(label_uuid)
        with self.dbapi.transaction():
            host = self._locked_host(label["host_id"])
            self.dbapi.label_destroy(label_uuid)
        LOG.info("Host %s: label %s removed", host["name"], label["label_key"])
        return {"warning": self._apply(host)}
