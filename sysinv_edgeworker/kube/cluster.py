"""Cluster queries through the ``kubernetes`` Python client (admin kubeconfig).

The client does the kubeconfig, TLS and authentication work; answers are read as JSON
(``_preload_content=False``) rather than as the client's generated models, which are slow
for thousands of Nodes and reject the partial objects some servers return.

Every failure to talk to the cluster (kubeconfig missing or invalid, connection refused,
TLS or timeout errors, 401/403, a 5xx) raises ``ClusterUnreachable`` with a one-line message
naming the kubeconfig or the server. The ``kubernetes`` package is imported lazily so the
service and the CLI start without it.
"""

import dataclasses
import json
import re

from sysinv_edgeworker.kube import node_labels
from sysinv_edgeworker.kube import version as kv

DEFAULT_KUBECONFIG = "/etc/kubernetes/admin.conf"
DEFAULT_TIMEOUT = 10.0
APISERVER_SELECTOR = "component=kube-apiserver"
CONTROL_PLANE_LABELS = ("node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master")
TOKEN_TYPE = "bootstrap.kubernetes.io/token"
# A token may name its host with this label instead of (or as well as) its description.
TOKEN_HOST_LABEL = "edgeworker.starlingx.io/hostname"
_PAGE = 500


class ClusterUnreachable(Exception):
    """The cluster could not be queried; str() is one line for the operator. ``status`` is
    the HTTP status when the API answered with an error, else None."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status

    @property
    def denied(self):
        """The API refused our credentials (401) or their permission (403): waiting for the
        cluster to come back will not help."""
        return self.status in (401, 403)


@dataclasses.dataclass(frozen=True)
class Node:
    name: str
    kubelet_version: str | None   # status.nodeInfo.kubeletVersion as reported, or None
    # Ready condition: True; False when its status is False or Unknown (the node controller
    # lost contact with the kubelet: a dead node); None when the Node reports none.
    ready: bool | None
    control_plane: bool
    unschedulable: bool
    # metadata.labels and the keys the inventory applied (kube/node_labels.py)
    labels: dict = dataclasses.field(default=None, compare=False, repr=False)
    managed_labels: list = dataclasses.field(default=None, compare=False, repr=False)
    # The Ready condition's status as reported ("True", "False", "Unknown"), None if none
    ready_condition: str | None = dataclasses.field(default=None, compare=False)

    def to_dict(self):
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class ApiServers:
    versions: tuple        # KubeVersion, sorted, at least one
    source: str            # "pods" (kube-apiserver pods' images + /version) or "version"

    @property
    def oldest(self):
        return self.versions[0]

    @property
    def newest(self):
        return self.versions[-1]


def node_from_json(obj):
    meta, status = obj.get("metadata") or {}, obj.get("status") or {}
    labels = meta.get("labels") or {}
    condition = None
    for cond in status.get("conditions") or ():
        if cond.get("type") == "Ready":
            condition = str(cond.get("status") or "Unknown")
    return Node(name=meta.get("name", ""),
                kubelet_version=(status.get("nodeInfo") or {}).get("kubeletVersion") or None,
                ready=None if condition is None else condition == "True",
                ready_condition=condition,
                control_plane=any(label in labels for label in CONTROL_PLANE_LABELS),
                unschedulable=bool((obj.get("spec") or {}).get("unschedulable")),
                labels=dict(labels),
                managed_labels=node_labels.managed_keys(meta.get("annotations")))


def pod_apiserver_version(pod):
    """The kube-apiserver version of a static pod, from its container image tag
    (``registry.k8s.io/kube-apiserver:v1.29.2``), or None."""
    containers = ((pod.get("spec") or {}).get("containers") or [])
    for container in containers:
        image = container.get("image") or ""
        if container.get("name") == "kube-apiserver" or "kube-apiserver" in image:
            tag = image.rsplit("/", 1)[-1].partition(":")[2].split("@", 1)[0]
            try:
                return kv.parse(tag)
            except kv.InvalidVersion:
                return None
    return None


def token_names_host(secret, hostname):
    """True when a bootstrap-token Secret was issued for ``hostname``: its
    ``edgeworker.starlingx.io/hostname`` label is the hostname, or its description contains
    the hostname as a whole word (``edge-1`` does not match a description naming ``edge-10``)."""
    import base64
    if secret.get("type") != TOKEN_TYPE:
        return False
    labels = (secret.get("metadata") or {}).get("labels") or {}
    if labels.get(TOKEN_HOST_LABEL) == hostname:
        return True
    raw = (secret.get("data") or {}).get("description")
    if not raw:
        return False
    try:
        description = base64.b64decode(raw).decode("utf-8", "replace")
    except ValueError:
        return False
    word = r"(?<![A-Za-z0-9.-])%s(?![A-Za-z0-9-]|\.[A-Za-z0-9])" % re.escape(hostname)
    return re.search(word, description) is not None


class KubeCluster:
    """One cluster, reached through an admin kubeconfig."""

    def __init__(self, kubeconfig=DEFAULT_KUBECONFIG, timeout=DEFAULT_TIMEOUT, context=None):
        self.kubeconfig = str(kubeconfig)
        self.timeout = float(timeout)
        self.context = context
        self._api = None
        self.server = None
        self.insecure = False

    # -- plumbing -------------------------------------------------------------------------
    def _client(self):
        if self._api is not None:
            return self._api
        import os

        from kubernetes import client, config
        if not os.path.exists(self.kubeconfig):
            raise ClusterUnreachable("kubeconfig %s does not exist" % self.kubeconfig)
        conf = client.Configuration()
        try:
            config.load_kube_config(config_file=self.kubeconfig, context=self.context,
                                    client_configuration=conf, persist_config=False)
        except FileNotFoundError:
            raise ClusterUnreachable("kubeconfig %s does not exist" % self.kubeconfig)
        except PermissionError:
            raise ClusterUnreachable("kubeconfig %s cannot be read (permission denied)"
                                     % self.kubeconfig)
        except Exception as err:  # ConfigException, YAML errors, bad certificate data
            raise ClusterUnreachable("kubeconfig %s is not usable: %s"
                                     % (self.kubeconfig, _one_line(err)))
        conf.retries = 0  # one attempt per request: request_timeout bounds each call
        self.server = conf.host
        if not conf.verify_ssl:  # insecure-skip-tls-verify: said once, by insecure_notice()
            self.insecure = True
            _quiet_urllib3_insecure_warning(conf.host)
        self._api = client.ApiClient(conf)
        return self._api

    def _call(self, what, fn, *args, missing_ok=False, **kwargs):
        """Run one client call; returns the decoded JSON body (None for 404 if missing_ok)."""
        from kubernetes.client.exceptions import ApiException
        api = self._client()
        try:
            resp = fn(api)(*args, _preload_content=False, _request_timeout=self.timeout,
                           **kwargs)
            data = resp.data
        except ApiException as err:
            if err.status == 404 and missing_ok:
                return None
            raise ClusterUnreachable("Kubernetes API at %s: %s failed: HTTP %s %s"
                                     % (self.server, what, err.status, _status_message(err)),
                                     status=err.status)
        except Exception as err:  # urllib3 connection/TLS/timeout errors, OSError
            raise ClusterUnreachable("cannot reach the Kubernetes API at %s (%s): %s"
                                     % (self.server, what, _one_line(err)))
        try:
            return json.loads(data) if data else {}
        except ValueError:
            raise ClusterUnreachable("Kubernetes API at %s: %s answered something that is "
                                     "not JSON" % (self.server, what))

    def _list(self, what, fn, *args, **kwargs):
        items, token = [], None
        while True:
            extra = {"_continue": token} if token else {}
            body = self._call(what, fn, *args, limit=_PAGE, **kwargs, **extra)
            items.extend(body.get("items") or [])
            token = (body.get("metadata") or {}).get("continue")
            if not token:
                return items

    @staticmethod
    def _core(api):
        from kubernetes import client
        return client.CoreV1Api(api)

    def insecure_notice(self):
        """One sentence when the kubeconfig skips TLS verification (after the first call),
        else None. urllib3's per-request InsecureRequestWarning is silenced for that server."""
        if not self.insecure:
            return None
        return ("kubeconfig %s skips TLS verification (insecure-skip-tls-verify): the "
                "certificate of the Kubernetes API at %s is not checked"
                % (self.kubeconfig, self.server))

    # -- queries ----------------------------------------------------------------------------
    def server_version(self):
        """The version ``/version`` reports (the apiserver that answered)."""
        from kubernetes import client
        body = self._call("GET /version", lambda api: client.VersionApi(api).get_code)
        try:
            return kv.parse(body.get("gitVersion"))
        except kv.InvalidVersion as err:
            raise ClusterUnreachable("Kubernetes API at %s: /version gitVersion: %s"
                                     % (self.server, err))

    def apiserver_versions(self):
        """Every kube-apiserver version: the images of the kube-apiserver pods in
        kube-system (label component=kube-apiserver; static pods in kubeadm clusters) plus
        /version. Without such pods (managed control planes), /version alone."""
        answered = self.server_version()
        pods = self._list("list kube-apiserver pods",
                          lambda api: self._core(api).list_namespaced_pod, "kube-system",
                          label_selector=APISERVER_SELECTOR)
        found = [v for v in map(pod_apiserver_version, pods) if v is not None]
        if not found:
            return ApiServers((answered,), "version")
        return ApiServers(tuple(sorted(set(found) | {answered})), "pods")

    def nodes(self):
        """Every Node with its kubelet version and Ready condition, by name."""
        items = self._list("list nodes", lambda api: self._core(api).list_node)
        return [node_from_json(o) for o in items]

    # -- changes ----------------------------------------------------------------------------
    def cordon(self, name):
        """Mark the Node unschedulable; False when it does not exist."""
        body = {"spec": {"unschedulable": True}}
        return self._call("cordon node %s" % name,
                          lambda api: self._core(api).patch_node, name, body,
                          missing_ok=True) is not None

    def delete_node(self, name):
        """Delete the Node object; False when it did not exist."""
        return self._call("delete node %s" % name,
                          lambda api: self._core(api).delete_node, name,
                          missing_ok=True) is not None

    def remove_node(self, name):
        """Cordon then delete a Node (works for a dead node: nothing waits for the kubelet).
        Returns True when a Node was deleted, False when there was none."""
        if not self.cordon(name):
            return False
        return self.delete_node(name)

    def sync_node_labels(self, name, desired, node=None):
        """Give the Node ``name`` exactly the inventory's labels ``desired`` (see
        kube/node_labels.py), reading it first unless ``node`` is given. Returns None when
        there is no such Node, else whether it was patched."""
        if node is None:
            obj = self._call("get node %s" % name,
                             lambda api: self._core(api).read_node, name, missing_ok=True)
            if obj is None:
                return None
            node = node_from_json(obj)
        patch = node_labels.label_patch(node.labels, node.managed_labels, desired)
        if patch is None:
            return False
        patched = self._call("label node %s" % name,
                             lambda api: self._core(api).patch_node, name, patch,
                             missing_ok=True)
        return None if patched is None else True  # None: the Node went away meanwhile

    def delete_bootstrap_tokens(self, hostname):
        """Delete the bootstrap-token Secrets issued for ``hostname`` (see
        ``token_names_host``); returns the deleted Secret names."""
        secrets = self._list("list bootstrap tokens",
                             lambda api: self._core(api).list_namespaced_secret, "kube-system",
                             field_selector="type=%s" % TOKEN_TYPE)
        deleted = []
        for secret in secrets:
            name = (secret.get("metadata") or {}).get("name", "")
            if name.startswith("bootstrap-token-") and token_names_host(secret, hostname):
                if self._call("delete secret %s" % name,
                              lambda api: self._core(api).delete_namespaced_secret, name,
                              "kube-system", missing_ok=True) is not None:
                    deleted.append(name)
        return deleted


def _quiet_urllib3_insecure_warning(server):
    """Ignore urllib3's InsecureRequestWarning for this server's host only (it is printed
    once per request otherwise); the caller reports the insecure kubeconfig once."""
    import urllib.parse
    import warnings

    import urllib3
    host = urllib.parse.urlsplit(server).hostname or ""
    warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning,
                            message="Unverified HTTPS request is being made to host '%s'"
                            % re.escape(host))


def _one_line(err):
    text = " ".join(str(err).split()) or type(err).__name__
    # urllib3's MaxRetryError repeats the URL and wraps the cause; keep the cause.
    match = re.search(r"\(Caused by \w+\((.*)\)\)$", text)
    if match:
        text = match.group(1).strip("'\"")
        text = re.sub(r"^<[^>]+>: ", "", text)
    return text[:300]


def _status_message(err):
    try:
        return json.loads(err.body).get("message") or err.reason
    except (TypeError, ValueError, AttributeError):
        return err.reason or ""
