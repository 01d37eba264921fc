"""A small lab API server speaking enough of the real Kubernetes HTTP API (stdlib only).

Pods are stored objects only (nothing schedules or runs them); tests use them to describe
kube-apiserver static pods. Run as ``python -m tests.lab.apiserver STATE_DIR``;
STATE_DIR/config.json says where to listen, which certificates to use, what version to report.
State (nodes, secrets, config maps) is in memory and written atomically to
STATE_DIR/state.json after every change.

Authentication like kube-apiserver: client certificates signed by the lab CA (O=system:masters is
admin), bootstrap tokens (``Authorization: Bearer <id>.<secret>`` checked against unexpired
``bootstrap-token-<id>`` secrets in kube-system), and anonymous access to /version, /healthz and the
kube-public/cluster-info ConfigMap. cluster-info carries ``jws-kubeconfig-<id>`` signatures for each
valid signing token, as the bootstrap signer controller maintains them.

Nodes: a bootstrap token may POST a kubelet client CSR to
``/apis/certificates.k8s.io/v1/certificatesigningrequests``; it is approved and signed at once
(the kubelet TLS bootstrap). With that certificate (O=system:nodes, CN=system:node:<name>) a node
may get/update/patch its own Node (and its status) and get kube-system/kubeadm-config, as the
Node authorizer and kubeadm's RBAC allow. For drains: pods can be listed with field selectors
(``spec.nodeName=<node>``) and evicted (``pods/<name>/eviction``, see Cluster.evict).
"""

import json
import re
import ssl
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.lab.apiobjects import PatchError, json_patch, merge_patch, node_table
from tests.lab.apistate import GROUP_VERSIONS, RESOURCES, SHORT_NAMES, ApiError, Cluster, now

_PATH_RE = re.compile(
    r"^/(?P<gv>api/v1|apis/apps/v1)(?:/namespaces/(?P<ns>[^/]+))?"
    r"/(?P<res>nodes|secrets|configmaps|namespaces|pods|daemonsets)"
    r"(?:/(?P<name>[^/]+))?(?:/(?P<sub>status|eviction))?$"
)
_CSR_PATH = "/apis/certificates.k8s.io/v1/certificatesigningrequests"


def field_matches(obj, selector):
    """Field selectors (``a.b=v``, ``a.b==v``, ``a.b!=v``, comma-separated) over dotted paths."""
    for term in filter(None, (selector or "").split(",")):
        negate = "!=" in term
        key, value = term.replace("!=", "=").replace("==", "=").split("=", 1)
        found = obj
        for part in key.split("."):
            found = found.get(part) if isinstance(found, dict) else None
        text = "" if found is None else str(found)
        text = text.lower() if isinstance(found, bool) else text
        if (text == value) == negate:
            return False
    return True


# A client certificate of this organization may do what an admin may, except with Secrets
# (a test identity for a partial failure: the Node goes, the bootstrap tokens cannot be listed).
NO_SECRETS_GROUP = "edgelab:no-secrets"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "edgelab-apiserver"

    def setup(self):
        self.request.settimeout(30)
        self.request.do_handshake()
        super().setup()

    def log_message(self, fmt, *args):
        sys.stderr.write(f"{self.address_string()} {fmt % args}\n")

    # ---- identity ---------------------------------------------------------------------------
    def identity(self):
        cert = self.connection.getpeercert()
        if cert:
            subject = dict(item[0] for item in cert.get("subject", ()))
            user = subject.get("commonName", "")
            node = subject.get("organizationName") == "system:nodes" and user.startswith(
                "system:node:"
            )
            return {
                "user": user,
                "admin": subject.get("organizationName") == "system:masters",
                "no_secrets": subject.get("organizationName") == NO_SECRETS_GROUP,
                "bootstrap": False,
                "node": user[len("system:node:") :] if node else None,
            }
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            data = self.server.cluster.valid_token(auth[7:].strip(), "authentication")
            if data is None:
                raise ApiError(401, "Unauthorized")
            return {
                "user": f"system:bootstrap:{data['token-id']}",
                "admin": False,
                "bootstrap": True,
            }
        return {"user": "system:anonymous", "admin": False, "bootstrap": False}

    def authorize(self, who, verb, res, ns, name):
        if who["admin"] or (who.get("no_secrets") and res != "secrets"):
            return
        if verb == "get" and (res, ns, name) == ("configmaps", "kube-public", "cluster-info"):
            return
        if who["bootstrap"] and (verb, res, ns, name) in (
            ("get", "configmaps", "kube-system", "kubeadm-config"),
            ("create", "nodes", "", None),
        ):
            return
        if who.get("node") and (verb, res, ns, name) in (
            ("get", "configmaps", "kube-system", "kubeadm-config"),
            ("get", "nodes", "", who["node"]),
            ("update", "nodes", "", who["node"]),
            ("patch", "nodes", "", who["node"]),
        ):
            return
        raise ApiError(
            403,
            f'{res} is forbidden: User "{who["user"]}" cannot {verb} resource "{res}"'
            f"{f' in the namespace {ns!r}' if ns else ''}",
        )

    # ---- plumbing ---------------------------------------------------------------------------
    def send_json(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        try:
            return json.loads(self.rfile.read(length) or b"null")
        except json.JSONDecodeError as exc:
            raise ApiError(400, f"invalid JSON body: {exc}") from None

    def dispatch(self, method):
        try:
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            with self.server.cluster.lock:
                code, body = self.route(method, url.path.rstrip("/") or "/", query)
            self.send_json(code, body)
        except ApiError as exc:
            self.send_json(exc.code, exc.status())
        except Exception as exc:  # noqa: BLE001 - a server must answer, not die
            self.send_json(500, ApiError(500, f"internal error: {exc!r}").status())

    do_GET = lambda self: self.dispatch("GET")  # noqa: E731
    do_POST = lambda self: self.dispatch("POST")  # noqa: E731
    do_PUT = lambda self: self.dispatch("PUT")  # noqa: E731
    do_PATCH = lambda self: self.dispatch("PATCH")  # noqa: E731
    do_DELETE = lambda self: self.dispatch("DELETE")  # noqa: E731

    def route(self, method, path, query):
        cfg, cluster = self.server.cfg, self.server.cluster
        if path in ("/healthz", "/readyz", "/livez"):
            return 200, "ok"
        if path == "/version":
            major, minor = cfg["version"].lstrip("v").split(".")[:2]
            return 200, {
                "major": major,
                "minor": minor,
                "gitVersion": cfg["version"],
                "gitCommit": "edgelab",
                "gitTreeState": "clean",
                "buildDate": "2024-01-01T00:00:00Z",
                "goVersion": "go1.21.7",
                "compiler": "gc",
                "platform": "linux/amd64",
            }
        who = self.identity()
        if path == "/api":
            return 200, {
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [
                    {"clientCIDR": "0.0.0.0/0", "serverAddress": cfg["endpoint"]}
                ],
            }
        if path == "/apis":
            apps = {"groupVersion": "apps/v1", "version": "v1"}
            return 200, {
                "kind": "APIGroupList",
                "apiVersion": "v1",
                "groups": [{"name": "apps", "versions": [apps], "preferredVersion": apps}],
            }
        if path in ("/api/v1", "/apis/apps/v1"):
            group_version = path.split("/", 2)[2]
            return 200, {
                "kind": "APIResourceList",
                "groupVersion": group_version,
                "resources": [
                    {
                        "name": r,
                        "singularName": k.lower(),
                        "namespaced": n,
                        "kind": k,
                        "shortNames": SHORT_NAMES[r],
                        "verbs": ["create", "delete", "get", "list", "patch", "update"],
                    }
                    for r, (k, n) in RESOURCES.items()
                    if GROUP_VERSIONS.get(r, "v1") == group_version
                ],
            }
        if path == _CSR_PATH and method == "POST":
            if not (who["admin"] or who["bootstrap"]):
                raise ApiError(
                    403, f'User "{who["user"]}" cannot create certificatesigningrequests'
                )
            return 201, cluster.sign_node_csr(self.body())
        match = _PATH_RE.match(path)
        if not match:
            raise ApiError(404, f"the server could not find the requested resource ({path})")
        res, ns, name, sub = match.group("res", "ns", "name", "sub")
        if GROUP_VERSIONS.get(res, "v1") != match.group("gv").split("/", 1)[1]:
            raise ApiError(404, f"the server could not find the requested resource ({path})")
        kind, namespaced = RESOURCES[res]
        if namespaced and ns is None and not (method == "GET" and name is None):
            raise ApiError(404, f"{res} are namespaced")
        ns = ns if namespaced else ""
        if query.get("watch") in ("true", "1"):
            raise ApiError(405, "watch is not supported by the lab API server")
        verb = {
            "GET": "get" if name else "list",
            "POST": "create",
            "PUT": "update",
            "PATCH": "patch",
            "DELETE": "delete",
        }[method]
        self.authorize(who, verb, res, ns, name)
        if sub == "eviction":
            if (res, method) != ("pods", "POST"):
                raise ApiError(405, "eviction is a POST on pods/<name>/eviction")
            self.body()  # the Eviction (read so that the connection stays in sync)
            return 201, cluster.evict(ns, name)
        as_table = res == "nodes" and "as=Table" in self.headers.get("Accept", "")
        if verb == "list":
            selector = query.get("labelSelector")
            items = cluster.list(res, ns, selector)
            items = [o for o in items if field_matches(o, query.get("fieldSelector", ""))]
            if as_table:
                return 200, node_table(items, now(), str(cluster.revision))
            return 200, {
                "kind": f"{kind}List",
                "apiVersion": GROUP_VERSIONS.get(res, "v1"),
                "items": items,
                "metadata": {"resourceVersion": str(cluster.revision)},
            }
        if verb == "get":
            if as_table:
                return 200, node_table([cluster.get(res, ns, name)], now(), str(cluster.revision))
            return 200, cluster.get(res, ns, name)
        if verb == "delete":
            return 200, cluster.delete(res, ns, name)
        body = self.body()
        if verb == "create":
            if not isinstance(body, dict):
                raise ApiError(400, "request body must be an object")
            if who["bootstrap"] and res == "nodes":
                return 201, cluster.register_node(body, who["user"], self.client_address[0])
            return 201, cluster.put(res, ns, body)
        current = cluster.get(res, ns, name)
        if verb == "update":
            if body.get("metadata", {}).get("name") != name:
                raise ApiError(400, "the name of the object does not match the name on the URL")
            merged = body if not sub else {**current, "status": body.get("status", {})}
        else:
            ctype = self.headers.get("Content-Type", "").split(";")[0]
            if ctype == "application/json-patch+json":
                try:
                    merged = json_patch(current, body)
                except (PatchError, KeyError, IndexError, ValueError) as exc:
                    raise ApiError(400, f"invalid json patch: {exc}") from None
            elif ctype in (
                "application/merge-patch+json",
                "application/strategic-merge-patch+json",
            ):
                merged = merge_patch(current, body)
            else:
                raise ApiError(415, f"unsupported patch content type {ctype!r}")
        merged.setdefault("metadata", {})["name"] = name
        return 200, cluster.put(res, ns, merged, replace=True)


class LabApiServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, cfg, cluster):
        super().__init__((cfg["bind"], cfg["port"]), Handler)
        self.cfg, self.cluster = cfg, cluster
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cfg["server_cert"], cfg["server_key"])
        ctx.load_verify_locations(cfg["ca_cert"])
        ctx.verify_mode = ssl.CERT_OPTIONAL
        self.socket = ctx.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    def handle_error(self, request, client_address):
        sys.stderr.write(f"{client_address}: connection error: {sys.exc_info()[1]!r}\n")


def main(argv=None):
    state_dir = Path((argv or sys.argv[1:])[0])
    cfg = json.loads((state_dir / "config.json").read_text())
    server = LabApiServer(cfg, Cluster(state_dir, cfg))
    sys.stderr.write(
        f"lab API server {cfg['version']} listening on https://{cfg['bind']}:{cfg['port']}\n"
    )
    sys.stderr.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
