"""kubeadm lab double (v@VERSION@): what its commands share - paths, errors, file and HTTP
helpers, the CA public-key pin, the node's own API credentials. Installed next to
/usr/bin/kubeadm in /usr/lib/fake-kubeadm (see tests/lab/pkgbuild.py)."""

import base64
import json
import os
import re
import ssl
import subprocess
import urllib.error
import urllib.request

import yaml


VERSION = "@VERSION@"
TOKEN_RE = re.compile(r"^([a-z0-9]{6})\.([a-z0-9]{16})$")
HASH_RE = re.compile(r"^sha256:[a-f0-9]{64}$")
KUBELET_CONF, PKI_CA = "/etc/kubernetes/kubelet.conf", "/etc/kubernetes/pki/ca.crt"
KUBELET_CONFIG, FLAGS_ENV = "/var/lib/kubelet/config.yaml", "/var/lib/kubelet/kubeadm-flags.env"
RECORD = "/var/lib/fake-kubeadm/join.json"
UPGRADES = "/var/lib/fake-kubeadm/upgrades.json"
KUBELET_PKI = "/var/lib/kubelet/pki"
KUBELET_CLIENT = KUBELET_PKI + "/kubelet-client-current.pem"
DEFAULT_CRI = "unix:///var/run/containerd/containerd.sock"


class Fail(Exception):
    pass


def version_info():
    major, minor, _ = VERSION.split(".")
    return {
        "major": major,
        "minor": minor,
        "gitVersion": "v" + VERSION,
        "gitCommit": "edgelab",
        "gitTreeState": "clean",
        "buildDate": "2024-01-01T00:00:00Z",
        "goVersion": "go1.21.7",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def _read(path):
    try:
        with open(path) as handle:
            return handle.read().strip()
    except OSError:
        return None


def kubelet_version():
    try:
        out = subprocess.run(["kubelet", "--version"], capture_output=True, text=True).stdout
    except FileNotFoundError:
        return None
    m = re.search(r"v(\d+\.\d+\.\d+)", out)
    return m.group(1) if m else None


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _get(url, context, token=None, method="GET", body=None):
    req = urllib.request.Request(url, method=method, data=body)
    req.add_header("Accept", "application/json")
    if body is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, context=context, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
    except (urllib.error.URLError, OSError) as exc:
        raise Fail(f'failed to request "{url}": {getattr(exc, "reason", exc)}')


def spki_der(cert_der):
    """The DER SubjectPublicKeyInfo of an X.509 certificate (minimal DER walk, no dependencies)."""

    def tlv(data, i):
        length, i = data[i + 1], i + 2
        if length & 0x80:
            n = length & 0x7F
            length, i = int.from_bytes(data[i : i + n], "big"), i + n
        return i, i + length

    start, _ = tlv(cert_der, 0)  # Certificate ::= SEQUENCE
    pos, end = tlv(cert_der, start)  # tbsCertificate ::= SEQUENCE
    fields = []
    while pos < end:
        begin = pos
        _, pos = tlv(cert_der, pos)
        fields.append((cert_der[begin], begin, pos))
    if fields[0][0] == 0xA0:  # [0] version
        fields = fields[1:]
    _, begin, stop = fields[5]  # serial, sigalg, issuer, validity, subject, spki
    return cert_der[begin:stop]


def _write(path, content, mode=0o600):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as handle:
        handle.write(content)


def _parse(version):
    m = re.match(r"^v?(\d+)\.(\d+)\.(\d+)", str(version or ""))
    if not m:
        raise Fail(f'"{version}" is not a valid Kubernetes version')
    return tuple(int(p) for p in m.groups())


def _load_json(path, default):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return default


def node_client():
    """(server, ssl context) from /etc/kubernetes/kubelet.conf: the node's own credentials."""
    try:
        with open(KUBELET_CONF) as handle:
            conf = yaml.safe_load(handle)
    except OSError as exc:
        raise Fail(f"unable to read {KUBELET_CONF}: {exc.strerror}; is this node joined?")
    cluster = conf["clusters"][0]["cluster"]
    user = conf["users"][0]["user"]
    if not user.get("client-certificate"):
        raise Fail(f"{KUBELET_CONF} has no client credentials (no client-certificate)")
    ctx = ssl.create_default_context(cafile=cluster.get("certificate-authority") or PKI_CA)
    ctx.load_cert_chain(user["client-certificate"], user.get("client-key"))
    return cluster["server"], ctx
