"""State of the lab API server: objects, bootstrap tokens, cluster-info signatures (stdlib only)."""

import base64
import copy
import datetime
import hashlib
import hmac
import json
import os
import re
import threading
import uuid
from pathlib import Path

from tests.lab.apiobjects import matches

NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
RESOURCES = {
    "nodes": ("Node", False),
    "secrets": ("Secret", True),
    "configmaps": ("ConfigMap", True),
    "namespaces": ("Namespace", False),
    # Stored objects only (nothing runs them): tests create kube-apiserver static pods to
    # describe an HA control plane whose apiservers run different versions.
    "pods": ("Pod", True),
    # apps/v1, stored only: the playbook reads kube-system DaemonSets for the CNI's hostPaths.
    "daemonsets": ("DaemonSet", True),
}
#: The API group/version each resource is served under (the rest: the core group, v1).
GROUP_VERSIONS = {"daemonsets": "apps/v1"}
SHORT_NAMES = {
    "nodes": ["no"],
    "configmaps": ["cm"],
    "namespaces": ["ns"],
    "secrets": [],
    "pods": ["po"],
    "daemonsets": ["ds"],
}
TOKEN_RE = re.compile(r"^([a-z0-9]{6})\.([a-z0-9]{16})$")


def now():
    return datetime.datetime.now(datetime.UTC)


def rfc3339(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jws_detached(content, token_id, secret):
    """Detached HS256 JWS over content, as the bootstrap signer writes jws-kubeconfig-<id>."""
    header = b64url(json.dumps({"alg": "HS256", "kid": token_id}, separators=(",", ":")).encode())
    signing_input = f"{header}.{b64url(content.encode())}".encode()
    return f"{header}..{b64url(hmac.new(secret.encode(), signing_input, hashlib.sha256).digest())}"


class ApiError(Exception):
    REASONS = {
        400: "BadRequest",
        401: "Unauthorized",
        403: "Forbidden",
        404: "NotFound",
        405: "MethodNotAllowed",
        409: "AlreadyExists",
        415: "UnsupportedMediaType",
        429: "TooManyRequests",
    }

    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message

    def status(self):
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.REASONS.get(self.code, "InternalError"),
            "code": self.code,
        }


class Cluster:
    """In-memory objects keyed by (resource, namespace, name), persisted to state.json."""

    def __init__(self, state_dir, cfg):
        self.state_file, self.cfg, self.lock = (
            Path(state_dir) / "state.json",
            cfg,
            threading.RLock(),
        )
        self.objects, self.revision, self.joins = {}, 1, []
        if self.state_file.exists():
            saved = json.loads(self.state_file.read_text())
            self.objects = {tuple(k.split("/", 2)): v for k, v in saved["objects"].items()}
            self.revision, self.joins = saved["revision"], saved.get("joins", [])
        for ns in NAMESPACES:
            self.objects.setdefault(
                ("namespaces", "", ns),
                self._meta(
                    {
                        "apiVersion": "v1",
                        "kind": "Namespace",
                        "metadata": {"name": ns},
                        "status": {"phase": "Active"},
                    }
                ),
            )
        self.put(
            "configmaps",
            "kube-system",
            {
                "metadata": {"name": "kubeadm-config"},
                "data": {"ClusterConfiguration": self._cluster_configuration()},
            },
            replace=True,
        )
        self.save()

    def _cluster_configuration(self):
        return (
            "apiServer: {}\napiVersion: kubeadm.k8s.io/v1beta3\n"
            "certificatesDir: /etc/kubernetes/pki\n"
            f"clusterName: kubernetes\ncontrolPlaneEndpoint: {self.cfg['endpoint']}\n"
            "imageRepository: registry.k8s.io\nkind: ClusterConfiguration\n"
            f"kubernetesVersion: {self.cfg['version']}\nnetworking:\n  dnsDomain: cluster.local\n"
            "  podSubnet: 172.16.0.0/16\n  serviceSubnet: 10.96.0.0/12\n"
        )

    def _meta(self, obj):
        self.revision += 1
        meta = obj.setdefault("metadata", {})
        meta.setdefault("uid", str(uuid.uuid4()))
        meta.setdefault("creationTimestamp", rfc3339(now()))
        meta["resourceVersion"] = str(self.revision)
        return obj

    def save(self):
        tmp = self.state_file.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(
                {
                    "revision": self.revision,
                    "joins": self.joins,
                    "objects": {"/".join(k): v for k, v in self.objects.items()},
                },
                handle,
                indent=1,
            )
        os.replace(tmp, self.state_file)

    def get(self, res, ns, name):
        obj = (
            self.cluster_info()
            if (res, ns, name) == ("configmaps", "kube-public", "cluster-info")
            else self.objects.get((res, ns, name))
        )
        if obj is None:
            raise ApiError(404, f'{res} "{name}" not found')
        return copy.deepcopy(obj)

    def list(self, res, ns, selector=None):
        items = [
            copy.deepcopy(v)
            for (r, n, _), v in sorted(self.objects.items())
            if r == res and (ns is None or n == ns)
        ]
        if res == "configmaps" and ns in (None, "kube-public"):
            items.append(self.cluster_info())
        return [o for o in items if matches(o, selector)]

    # ---- drain: eviction (policy/v1 Eviction, as `kubectl drain` and k8s_drain send it) ------
    def evict(self, ns, name):
        """Evict a pod. Nothing runs pods here, so an eviction deletes the pod at once, unless the
        pod's annotation ``edgelab.io/eviction`` describes a pod that cannot go: ``blocked`` (a
        PodDisruptionBudget refuses: 429, as kube-apiserver answers) or ``stuck`` (accepted, but
        the pod never terminates: it gets a deletionTimestamp and stays)."""
        pod = self.get("pods", ns, name)
        behaviour = (pod["metadata"].get("annotations") or {}).get("edgelab.io/eviction", "")
        if behaviour == "blocked":
            raise ApiError(429, "Cannot evict pod as it would violate the pod's disruption budget.")
        if behaviour == "stuck":
            pod["metadata"].setdefault("deletionTimestamp", rfc3339(now()))
            self.put("pods", ns, pod, replace=True)
        else:
            self.delete("pods", ns, name)
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "code": 201,
        }

    # ---- kubelet client certificates (TLS bootstrap) ---------------------------------------
    def sign_node_csr(self, csr_obj):
        """Approve and sign a kubelet client CSR at once, as kube-controller-manager's csrapprover
        and csrsigner do for `kubernetes.io/kube-apiserver-client-kubelet` requests of bootstrap
        tokens. Subject must be O=system:nodes, CN=system:node:<an existing Node>. Not stored."""
        import base64 as b64

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

        spec = (csr_obj or {}).get("spec") or {}
        if spec.get("signerName") != "kubernetes.io/kube-apiserver-client-kubelet":
            raise ApiError(400, "spec.signerName: only kubernetes.io/kube-apiserver-client-kubelet")
        try:
            csr = x509.load_pem_x509_csr(b64.b64decode(spec.get("request") or ""))
        except ValueError as exc:
            raise ApiError(400, f"spec.request: invalid certificate request: {exc}") from None
        if not csr.is_signature_valid:
            raise ApiError(400, "spec.request: the request's signature is invalid")
        cn = [a.value for a in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
        org = [a.value for a in csr.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
        node = cn[0][len("system:node:") :] if cn and cn[0].startswith("system:node:") else ""
        if org != ["system:nodes"] or not node:
            raise ApiError(403, "kubelet client CSRs must be O=system:nodes, CN=system:node:<name>")
        if ("nodes", "", node) not in self.objects:
            raise ApiError(403, f'CSR for node "{node}" refused: no such Node')
        ca_cert_path = Path(self.cfg["ca_cert"])
        ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
        key_path = Path(self.cfg.get("ca_key") or ca_cert_path.with_name("ca.key"))
        ca_key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        start = now() - datetime.timedelta(minutes=5)
        cert = (
            x509.CertificateBuilder()
            .subject_name(csr.subject)
            .issuer_name(ca_cert.subject)
            .public_key(csr.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        stamp = rfc3339(now())
        result = copy.deepcopy(csr_obj)
        result["metadata"] = {
            "name": (result.get("metadata") or {}).get("name") or f"csr-{uuid.uuid4().hex[:5]}",
            "uid": str(uuid.uuid4()),
            "creationTimestamp": stamp,
        }
        result["status"] = {
            "conditions": [
                {
                    "type": "Approved",
                    "status": "True",
                    "reason": "AutoApproved",
                    "message": "lab: auto approved kubelet client certificate",
                    "lastUpdateTime": stamp,
                }
            ],
            "certificate": b64.b64encode(cert.public_bytes(serialization.Encoding.PEM)).decode(),
        }
        return result

    def put(self, res, ns, obj, replace=False):
        kind, _ = RESOURCES[res]
        obj = copy.deepcopy(obj)
        obj.update({"apiVersion": GROUP_VERSIONS.get(res, "v1"), "kind": kind})
        name = obj.get("metadata", {}).get("name")
        if not name:
            raise ApiError(400, f"{kind}.metadata.name: Required value")
        if (res, ns, name) in self.objects and not replace:
            raise ApiError(409, f'{res} "{name}" already exists')
        if ns:
            obj["metadata"]["namespace"] = ns
        if res == "secrets":
            string_data = obj.pop("stringData", None) or {}
            obj.setdefault("data", {}).update(
                {k: base64.b64encode(v.encode()).decode() for k, v in string_data.items()}
            )
            obj.setdefault("type", "Opaque")
        old = self.objects.get((res, ns, name))
        if old:
            obj["metadata"]["uid"] = old["metadata"]["uid"]
            obj["metadata"]["creationTimestamp"] = old["metadata"]["creationTimestamp"]
        self.objects[(res, ns, name)] = self._meta(obj)
        self.save()
        return copy.deepcopy(self.objects[(res, ns, name)])

    def delete(self, res, ns, name):
        if self.objects.pop((res, ns, name), None) is None:
            raise ApiError(404, f'{res} "{name}" not found')
        self.save()
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "details": {"name": name, "kind": res},
        }

    # ---- bootstrap tokens -------------------------------------------------------------------
    def valid_token(self, token, usage):
        """The token's data if it is a known, unexpired bootstrap token allowed for usage."""
        match = TOKEN_RE.match(token or "")
        if not match:
            return None
        secret = self.objects.get(("secrets", "kube-system", f"bootstrap-token-{match.group(1)}"))
        if not secret or secret.get("type") != "bootstrap.kubernetes.io/token":
            return None
        data = {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}
        if data.get("token-id") != match.group(1) or data.get("token-secret") != match.group(2):
            return None
        if data.get(f"usage-bootstrap-{usage}") != "true":
            return None
        expiry = data.get("expiration")
        if expiry and datetime.datetime.fromisoformat(expiry.replace("Z", "+00:00")) <= now():
            return None
        return data

    def cluster_info(self):
        kubeconfig = (
            "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: "
            f"{base64.b64encode(Path(self.cfg['ca_cert']).read_bytes()).decode()}\n"
            f'    server: https://{self.cfg["endpoint"]}\n  name: ""\ncontexts: null\n'
            'current-context: ""\nkind: Config\npreferences: {}\nusers: null\n'
        )
        data = {"kubeconfig": kubeconfig}
        for (res, ns, name), secret in self.objects.items():
            if res == "secrets" and ns == "kube-system" and name.startswith("bootstrap-token-"):
                raw = {
                    k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()
                }
                token = f"{raw.get('token-id')}.{raw.get('token-secret')}"
                if self.valid_token(token, "signing"):
                    data[f"jws-kubeconfig-{raw['token-id']}"] = jws_detached(
                        kubeconfig, raw["token-id"], raw["token-secret"]
                    )
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "data": data,
            "metadata": {
                "name": "cluster-info",
                "namespace": "kube-public",
                "uid": "cluster-info",
                "resourceVersion": str(self.revision),
                "creationTimestamp": "2024-01-01T00:00:00Z",
            },
        }

    def register_node(self, node, user, client_ip):
        """A node created by a bootstrap token (kubeadm join): default status, recorded join."""
        status = node.setdefault("status", {})
        if not any(a.get("type") == "InternalIP" for a in status.get("addresses", [])):
            status.setdefault("addresses", []).insert(
                0, {"type": "InternalIP", "address": client_ip}
            )
        info = status.setdefault("nodeInfo", {})
        for key in (
            "machineID",
            "systemUUID",
            "bootID",
            "kernelVersion",
            "osImage",
            "containerRuntimeVersion",
            "kubeletVersion",
            "kubeProxyVersion",
            "operatingSystem",
            "architecture",
        ):
            info.setdefault(key, "")
        ready = "True" if self.cfg.get("auto_ready", True) else "False"
        stamp = rfc3339(now())
        status["conditions"] = [
            {
                "type": "Ready",
                "status": ready,
                "reason": "KubeletReady" if ready == "True" else "KubeletNotReady",
                "message": "lab: node registered by kubeadm join",
                "lastHeartbeatTime": stamp,
                "lastTransitionTime": stamp,
            }
        ]
        created = self.put("nodes", "", node)
        self.joins.append(
            {
                "node": created["metadata"]["name"],
                "user": user,
                "client_ip": client_ip,
                "time": stamp,
                "annotations": created["metadata"].get("annotations", {}),
            }
        )
        self.save()
        return created
