"""The lab control plane: lab CA, certificates, the lab API server process and client helpers."""

import base64
import datetime
import json
import secrets
import ssl
import string
import sys
import urllib.error
import urllib.request
from pathlib import Path

from tests.lab import config, pki
from tests.lab.proc import spawn, stop_pidfile, wait_port

DEFAULT_VERSION = "v1.29.2"
_TOKEN_ALPHABET = string.ascii_lowercase + string.digits
_REPO_ROOT = Path(__file__).resolve().parents[2]


def new_token():
    """A bootstrap token in kubeadm's format <6>.<16> over [a-z0-9]."""
    pick = lambda n: "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(n))  # noqa: E731
    return f"{pick(6)}.{pick(16)}"


def token_secret(token, ttl_seconds=3600, description="edgeworker lab token", expiration=None):
    """The kube-system Secret that `kubeadm token create` writes for token."""
    token_id, secret = token.split(".")
    expires = expiration or (
        datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=ttl_seconds)
    )
    string_data = {
        "token-id": token_id,
        "token-secret": secret,
        "description": description,
        "expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "usage-bootstrap-authentication": "true",
        "usage-bootstrap-signing": "true",
        "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token",
    }
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "bootstrap.kubernetes.io/token",
        "metadata": {"name": f"bootstrap-token-{token_id}", "namespace": "kube-system"},
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in string_data.items()},
    }


class ControlPlane:
    """Files under <run_dir>/control-plane; the API server listens on the bridge address
    (or on `bind`, e.g. 127.0.0.1, for tests that need only the API and no root)."""

    def __init__(
        self,
        run_dir,
        version=DEFAULT_VERSION,
        ca_kind="rsa",
        port=config.API_PORT,
        name="control-plane",
        bind=config.BRIDGE_IP,
    ):
        self.dir = Path(run_dir) / name
        self.version, self.ca_kind, self.port, self.bind = version, ca_kind, port, bind
        self.endpoint = f"{bind}:{port}"
        self.ca_cert, self.ca_key = self.dir / "pki/ca.crt", self.dir / "pki/ca.key"
        self.kubeconfig = self.dir / "admin.conf"

    @property
    def server_url(self):
        return f"https://{self.endpoint}"

    @property
    def ca_hash(self):
        return pki.ca_cert_hash(self.ca_cert.read_bytes())

    def create(self, auto_ready=True):
        """Create CA, server and admin certificates, the admin kubeconfig and server config."""
        (self.dir / "pki").mkdir(parents=True, exist_ok=True)
        self.dir.chmod(0o700)
        pki.create_ca(self.dir / "pki", kind=self.ca_kind)
        pki.issue(
            self.ca_cert,
            self.ca_key,
            self.dir / "pki/apiserver",
            "kube-apiserver",
            server=True,
            ips=[config.BRIDGE_IP, "127.0.0.1"],
            dns=["kubernetes", "kubernetes.default", "localhost"],
        )
        pki.issue(
            self.ca_cert,
            self.ca_key,
            self.dir / "pki/admin",
            "kubernetes-admin",
            org="system:masters",
        )
        (self.dir / "config.json").write_text(
            json.dumps(
                {
                    "bind": self.bind,
                    "port": self.port,
                    "endpoint": self.endpoint,
                    "version": self.version,
                    "ca_cert": str(self.ca_cert),
                    "auto_ready": auto_ready,
                    "server_cert": str(self.dir / "pki/apiserver.crt"),
                    "server_key": str(self.dir / "pki/apiserver.key"),
                },
                indent=2,
            )
        )
        self._write_kubeconfig()

    def kubeconfig_without_secrets(self):
        """A kubeconfig whose user may do everything an admin may except with Secrets
        (apiserver.NO_SECRETS_GROUP): listing bootstrap tokens is 403. 0600, in the run dir."""
        from tests.lab.apiserver import NO_SECRETS_GROUP
        pki.issue(self.ca_cert, self.ca_key, self.dir / "pki/no-secrets", "edgelab-no-secrets",
                  org=NO_SECRETS_GROUP)
        path = self.dir / "no-secrets.conf"
        self._write_kubeconfig(path, "pki/no-secrets")
        return path

    def _write_kubeconfig(self, path=None, cert="pki/admin"):
        b64 = lambda p: base64.b64encode(Path(p).read_bytes()).decode()  # noqa: E731
        kubeconfig = {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "kubernetes-admin@edgelab",
            "clusters": [
                {
                    "name": "edgelab",
                    "cluster": {
                        "server": self.server_url,
                        "certificate-authority-data": b64(self.ca_cert),
                    },
                }
            ],
            "contexts": [
                {
                    "name": "kubernetes-admin@edgelab",
                    "context": {"cluster": "edgelab", "user": "kubernetes-admin"},
                }
            ],
            "users": [
                {
                    "name": "kubernetes-admin",
                    "user": {
                        "client-certificate-data": b64(self.dir / (cert + ".crt")),
                        "client-key-data": b64(self.dir / (cert + ".key")),
                    },
                }
            ],
        }
        pki.write_secret(path or self.kubeconfig, json.dumps(kubeconfig, indent=2).encode())

    def start(self):
        log, pidfile = self.dir / "apiserver.log", self.dir / "apiserver.pid"
        proc = spawn(
            [sys.executable, "-m", "tests.lab.apiserver", self.dir],
            log,
            pidfile=pidfile,
            env={"PYTHONPATH": str(_REPO_ROOT)},
        )
        wait_port(self.bind, self.port, pid=proc.pid, log_path=log)
        return proc.pid

    def stop(self):
        return stop_pidfile(self.dir / "apiserver.pid")

    # ---- admin client (stdlib; tests may equally use the kubernetes package with self.kubeconfig)
    def _context(self):
        ctx = ssl.create_default_context(cafile=str(self.ca_cert))
        ctx.load_cert_chain(self.dir / "pki/admin.crt", self.dir / "pki/admin.key")
        return ctx

    def request(self, method, path, body=None, content_type="application/json"):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.server_url + path, data=data, method=method)
        req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, context=self._context(), timeout=10) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"{method} {path}: HTTP {exc.code}: {exc.read().decode()}") from None

    def create_token(self, ttl_seconds=3600, description="edgeworker lab token", expiration=None):
        token = new_token()
        self.request(
            "POST",
            "/api/v1/namespaces/kube-system/secrets",
            token_secret(token, ttl_seconds, description, expiration),
        )
        return token

    def delete_token(self, token):
        self.request(
            "DELETE",
            f"/api/v1/namespaces/kube-system/secrets/bootstrap-token-{token.split('.')[0]}",
        )

    def nodes(self):
        return {n["metadata"]["name"]: n for n in self.request("GET", "/api/v1/nodes")["items"]}

    def delete_node(self, name):
        self.request("DELETE", f"/api/v1/nodes/{name}")

    def joins(self):
        """Joins recorded by the API server (node, bootstrap user, client IP, annotations)."""
        return json.loads((self.dir / "state.json").read_text())["joins"]
