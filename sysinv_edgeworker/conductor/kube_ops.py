"""Conductor operations that talk to the Kubernetes cluster (through kube/cluster.py).

None of them runs inside a database transaction: a slow or unreachable cluster must never
hold row locks or roll back an inventory change. ``refresh`` queries the cluster once and
then writes each edgeworker's row on its own (``host_update_kube_state``);
``remove_host`` runs after host-delete has committed, ``apply_labels`` after a label change
has committed.
"""

from oslo_log import log
from oslo_utils import timeutils

from sysinv_edgeworker.common import constants as k
from sysinv_edgeworker.common import exception

LOG = log.getLogger(__name__)
_INSECURE_NOTED = set()  # kubeconfigs whose insecure-skip-tls-verify was logged


class KubeOperations:
    def __init__(self, dbapi, conf):
        self.dbapi = dbapi
        self.conf = conf.kubernetes

    @property
    def enabled(self):
        return self.conf.enabled

    def _cluster(self):
        from sysinv_edgeworker.kube import cluster
        kube = cluster.KubeCluster(self.conf.kubeconfig, timeout=self.conf.request_timeout,
                                   context=self.conf.context or None)
        try:
            kube._client()
        except cluster.ClusterUnreachable:
            return kube  # the first call raises it again, where the caller handles it
        notice = kube.insecure_notice()
        if notice and kube.kubeconfig not in _INSECURE_NOTED:
            _INSECURE_NOTED.add(kube.kubeconfig)
            LOG.warning("%s", notice)
        return kube

    def refresh(self):
        """Record every edgeworker's kubelet version, Ready condition and last-seen time
        from one list of the cluster's Nodes.

        An edgeworker with a Node gets ``kubelet_version`` (when the Node reports a valid
        one), ``kube_node_ready`` (True; False when the Ready condition is False or Unknown;
        NULL when the Node has no Ready condition) and ``kube_last_seen`` = now; the answer's
        ``ready_unknown`` names the edgeworkers whose Ready condition is Unknown (dead nodes).
        An edgeworker without a Node gets ``kube_node_ready`` NULL
        (not in the cluster) and keeps its last ``kubelet_version`` and ``kube_last_seen``.
        Returns a JSON-safe summary; raises KubernetesDisabled or KubeClusterUnavailable.
        """
        from sysinv_edgeworker.kube import cluster
        from sysinv_edgeworker.kube import version as kv
        if not self.enabled:
            raise exception.KubernetesDisabled(operation="kube_refresh")
        try:
            kube = self._cluster()
            nodes = {n.name: n for n in kube.nodes()}
        except cluster.ClusterUnreachable as err:
            raise exception.KubeClusterUnavailable(reason=str(err))
        now = timeutils.utcnow()
        updated, missing, invalid, unknown = [], [], [], []
        known = set()
        for host in self.dbapi.host_list(personality=k.EDGEWORKER):
            if not host.hostname:
                continue
            known.add(host.hostname)
            node = nodes.get(host.hostname)
            if node is None:
                values = {"kube_node_ready": None}
                missing.append(host.hostname)
            else:
                values = {"kube_node_ready": node.ready, "kube_last_seen": now}
                if node.ready_condition == "Unknown":
                    unknown.append(host.hostname)
                try:
                    values["kubelet_version"] = str(kv.parse(node.kubelet_version))
                except kv.InvalidVersion:
                    invalid.append(host.hostname)
                updated.append(host.hostname)
            try:
                self.dbapi.host_update_kube_state(host.uuid, values)
            except exception.HostNotFound:
                LOG.info("Host %s was deleted during the kube refresh", host.hostname)
        extra = sorted(n.name for n in nodes.values()
                       if not n.control_plane and n.name not in known)
        labelled = self._converge_labels(kube, nodes, known)
        if missing:
            LOG.warning("Edgeworkers without a Node in the cluster: %s", ", ".join(missing))
        if unknown:
            LOG.warning("Edgeworkers whose Node's Ready condition is Unknown (the node "
                        "controller lost contact with the kubelet): %s", ", ".join(unknown))
        LOG.info("kube refresh: %d edgeworkers seen, %d missing from the cluster",
                 len(updated), len(missing))
        return {"refreshed_at": now.isoformat(), "updated": updated,
                "missing_from_cluster": missing, "invalid_kubelet_version": invalid,
                "ready_unknown": unknown,
                "not_in_inventory": extra, "labels_applied": labelled}

    def _converge_labels(self, kube, nodes, hostnames):
        """Give every edgeworker's Node the labels assigned in the inventory (changes made
        while the cluster was unreachable, or before the join); returns the hostnames whose
        Node was patched."""
        from sysinv_edgeworker.kube import cluster
        assigned = self.dbapi.label_maps_by_hostname(k.EDGEWORKER)
        patched = []
        for name in sorted(hostnames & set(nodes)):
            try:
                if kube.sync_node_labels(name, assigned.get(name, {}), node=nodes[name]):
                    patched.append(name)
            except cluster.ClusterUnreachable as err:
                raise exception.KubeClusterUnavailable(
                    reason="the labels of %s could not be applied: %s" % (name, err))
        if patched:
            LOG.info("kube refresh: labels applied to the Nodes of %s", ", ".join(patched))
        return patched

    def apply_labels(self, hostname, labels):
        """After a label change of an edgeworker committed: give its Node exactly the
        inventory's ``labels``. Never raises: returns a warning text when the cluster could
        not be reached (the change stands; kube_refresh or the next provisioning run applies
        it), else None. A host without a Node yet gets its labels at join (the playbook)."""
        if not self.enabled:
            return None
        from sysinv_edgeworker.kube import cluster
        try:
            done = self._cluster().sync_node_labels(hostname, labels)
        except cluster.ClusterUnreachable as err:
            warning = ("the labels of host %s were changed in the inventory, but its "
                       "Kubernetes Node could not be updated: %s; POST /v1/ihosts/kube_refresh "
                       "or the next provisioning run applies them" % (hostname, err))
            LOG.warning("%s", warning)
            return warning
        LOG.info("Host %s: %s", hostname, {None: "no Node yet, labels are applied at join",
                                           False: "Node labels already current",
                                           True: "Node labels updated"}[done])
        return None

    def cluster_versions(self, operation):
        """What runs in the cluster now, read only: every kube-apiserver version (oldest
        first), where they were read from, and every Node's kubelet version. Raises
        KubernetesDisabled (naming ``operation``) or KubeClusterUnavailable."""
        from sysinv_edgeworker.kube import cluster
        if not self.enabled:
            raise exception.KubernetesDisabled(operation=operation)
        try:
            kube = self._cluster()
            apiservers = kube.apiserver_versions()
            nodes = kube.nodes()
        except cluster.ClusterUnreachable as err:
            raise exception.KubeClusterUnavailable(reason=str(err))
        return {"apiserver_versions": [str(v) for v in apiservers.versions],
                "source": apiservers.source,
                "nodes": [{"name": n.name, "kubelet_version": n.kubelet_version,
                           "control_plane": n.control_plane} for n in nodes]}

    def remove_host(self, hostname):
        """After an edgeworker's host-delete committed: cordon and delete its Node, delete
        the bootstrap tokens issued for it. Never raises: an unreachable cluster is logged
        and returned as ``warning`` (the API passes it on), the inventory delete stands.
        No drain: the Node object is deleted and Kubernetes garbage-collects its pods; this
        works whether the node is alive or dead."""
        result = {"node_removed": None, "tokens_deleted": [], "warning": None, "skipped": False}
        if not self.enabled:
            result["skipped"] = True
            LOG.info("Host %s deleted; [kubernetes] enabled is false, so its Node and bootstrap "
                     "tokens, if any, were left in the cluster", hostname)
            return result
        from sysinv_edgeworker.kube import cluster
        try:
            kube = self._cluster()
            result["node_removed"] = kube.remove_node(hostname)
            result["tokens_deleted"] = kube.delete_bootstrap_tokens(hostname)
        except cluster.ClusterUnreachable as err:
            result["warning"] = _removal_warning(hostname, result["node_removed"], err)
            LOG.warning("%s", result["warning"])
            return result
        LOG.info("Host %s: Node %s, %d bootstrap token(s) deleted", hostname,
                 "deleted" if result["node_removed"] else "was not in the cluster",
                 len(result["tokens_deleted"]))
        return result


def _removal_warning(hostname, node_removed, err):
    """What host-delete did in the cluster and what is left to do by hand, after ``err``
    (waiting for the cluster helps only when it was unreachable, not when it refused us)."""
    tokens = ("kubeadm token delete <id> for its bootstrap tokens (kubeadm token list: the "
              "description names the host)")
    if node_removed is None:
        done = ", but its Kubernetes Node and bootstrap tokens could not be removed"
        todo = "kubectl delete node %s and %s" % (hostname, tokens)
    else:
        done = ((" and its Kubernetes Node was deleted" if node_removed else
                 " and it had no Kubernetes Node")
                + ", but its bootstrap tokens could not be removed")
        todo = tokens
    when = ("with credentials that are allowed to (the kubeconfig's were refused)" if err.denied
            else "when the cluster is back")
    return ("host %s was deleted from the inventory%s: %s; remove them with %s %s"
            % (hostname, done, err, todo, when))
