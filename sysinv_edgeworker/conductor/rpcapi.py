"""Client side of the conductor RPC API.

Version history:
    1.0 - create_host, update_host, delete_host
    1.1 - report_provision
    1.2 - kube_refresh; delete_host returns the Kubernetes clean-up result (a dict with
          node_removed, tokens_deleted, warning, skipped; None for non-edgeworkers)
    1.3 - kube_cluster_versions (read only: kube-apiserver and kubelet versions)
    1.4 - assign_labels, remove_label (each returns the cluster warning, if any);
          kube_refresh also applies the inventory's labels to the Nodes (labels_applied)
    1.5 - hosts carry mgmt_attach (direct|tunnel), wg_public_key and tunnel_last_handshake;
          create_host/update_host accept mgmt_attach and wg_public_key (None revokes);
          tunnel_refresh (records each tunnel peer's latest handshake)
"""

import oslo_messaging as messaging

from sysinv_edgeworker.common import constants, exception
from sysinv_edgeworker.conf import CONF

RPC_API_VERSION = "1.5"
_TUNNEL_FIELDS = frozenset(("mgmt_attach", "wg_public_key"))


def _clean(err):
    """oslo.messaging rebuilds remote exceptions as ``<Name>_Remote`` subclasses whose str()
    carries the remote traceback; hand the API the original class and message instead."""
    cls = type(err)
    if cls.__name__.endswith("_Remote"):
        cls = cls.__bases__[0]
    return cls(err.message, **err.kwargs)


class ConductorAPI:
    def __init__(self):
        self._ready = lambda timeout: True
        if CONF.rpc_transport == constants.RPC_TRANSPORT_NONE:
            from sysinv_edgeworker.conductor import local
            self.client = local.LocalClient()
        else:
            from sysinv_edgeworker.common import rpc
            self._ready = rpc.ensure_reply_queue
            target = messaging.Target(topic=CONF.conductor.topic, version=RPC_API_VERSION)
            self.client = messaging.get_rpc_client(rpc.get_transport(), target)

    def _call(self, context, method, version="1.0", **kwargs):
        if not self._ready(CONF.conductor.rpc_timeout):
            raise exception.ServiceUnavailable(
                reason="Cannot reach the message bus to call the conductor; retry when it "
                       "is back.")
        # retry bounds the reconnect attempts when the broker is down (None = forever).
        cctxt = self.client.prepare(timeout=CONF.conductor.rpc_timeout,
                                    retry=CONF.conductor.rpc_retries, version=version)
        try:
            return cctxt.call(context.to_dict(), method, **kwargs)
        except exception.EdgeworkerException as err:
            raise _clean(err) from None
        except messaging.MessagingTimeout:
            raise exception.ServiceUnavailable(
                reason="The conductor did not answer within %d seconds; is "
                       "sysinv-edgeworker-conductor running?" % CONF.conductor.rpc_timeout)
        except messaging.MessagingException as err:
            raise exception.ServiceUnavailable(
                reason="Cannot reach the conductor over the message bus: %s"
                       % type(err).__name__)

    @staticmethod
    def _host_version(values):
        """1.5 when the values carry a tunnel field (an older conductor would not know
        them), else 1.0, so an API of this release still works with an older conductor."""
        return "1.5" if _TUNNEL_FIELDS & set(values) else "1.0"

    def create_host(self, context, values):
        return self._call(context, "create_host", version=self._host_version(values),
                          values=values)

    def update_host(self, context, host_uuid, changes):
        return self._call(context, "update_host", version=self._host_version(changes),
                          host_uuid=host_uuid, changes=changes)

    def delete_host(self, context, host_uuid):
        return self._call(context, "delete_host", host_uuid=host_uuid)

    def report_provision(self, context, host_uuid, values):
        return self._call(context, "report_provision", version="1.1", host_uuid=host_uuid,
                          values=values)

    def kube_refresh(self, context):
        return self._call(context, "kube_refresh", version="1.2")

    def kube_cluster_versions(self, context, operation):
        """{apiserver_versions, source, nodes: [{name, kubelet_version, control_plane}]};
        ``operation`` names the caller in the error when [kubernetes] enabled is false."""
        return self._call(context, "kube_cluster_versions", version="1.3",
                          operation=operation)

    def assign_labels(self, context, host_uuid, labels, overwrite):
        return self._call(context, "assign_labels", version="1.4", host_uuid=host_uuid,
                          labels=labels, overwrite=overwrite)

    def remove_label(self, context, label_uuid):
        return self._call(context, "remove_label", version="1.4", label_uuid=label_uuid)

    def tunnel_refresh(self, context):
        return self._call(context, "tunnel_refresh", version="1.5")
