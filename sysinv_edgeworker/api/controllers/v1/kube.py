"""WSME types and helpers of the Kubernetes-facing host endpoints (the routes are on
HostController: POST /v1/ihosts/kube_refresh, and the Warning header of DELETE)."""

import pecan
from wsme import types as wtypes


class KubeRefresh(wtypes.Base):
    """What POST /v1/ihosts/kube_refresh recorded (conductor/kube_ops.py)."""

    refreshed_at = wtypes.text
    updated = [wtypes.text]
    missing_from_cluster = [wtypes.text]
    invalid_kubelet_version = [wtypes.text]
    ready_unknown = [wtypes.text]  # Ready condition Unknown (dead node): kube_node_ready false
    not_in_inventory = [wtypes.text]
    labels_applied = [wtypes.text]


def warn(result):
    """Pass a conductor result's cluster warning (the change stands, the cluster could not
    follow) to the caller as a ``Warning`` header."""
    if isinstance(result, dict) and result.get("warning"):
        pecan.response.headers["Warning"] = warning_header(result["warning"])


def warning_header(text):
    """An RFC 7234 ``Warning`` value (``299 - "text"``, as kube-apiserver sends them):
    one line, printable ASCII, quotes and backslashes escaped."""
    text = " ".join(str(text).split())
    text = text.encode("ascii", "replace").decode("ascii")
    return '299 - "%s"' % text.replace("\\", "\\\\").replace('"', '\\"')[:1000]
