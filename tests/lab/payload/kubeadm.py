#!/usr/bin/python3
"""kubeadm (edgeworker lab test double, v@VERSION@).

Validates the join contract the way kubeadm does it: token format, token-based discovery against the
lab API server (cluster-info signed with the bootstrap token, so an unknown or expired token fails),
the CA public-key pin, preflight checks; then registers the Node with the bootstrap token and writes
kubelet.conf with a client certificate from a lab TLS bootstrap (a CSR the lab API server signs at
once). It runs no control-plane component. `kubeadm upgrade node` reads kubeadm-config with the
node's own credentials, checks the version skew and records the upgrade in
/var/lib/fake-kubeadm/upgrades.json.
"""

import argparse
import base64
import datetime
import hashlib
import hmac
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
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


def cmd_version(args):
    info = version_info()
    if args.output == "short":
        print(info["gitVersion"])
    elif args.output == "json":
        print(json.dumps({"clientVersion": info}, indent=2))
    elif args.output == "yaml":
        print(yaml.safe_dump({"clientVersion": info}, sort_keys=False), end="")
    else:
        fields = ", ".join(f'{k[0].upper() + k[1:]}:"{v}"' for k, v in info.items())
        print(f"kubeadm version: &version.Info{{{fields}}}")


# ---- join configuration -------------------------------------------------------------------------
def _extra_args(value):
    if isinstance(value, list):  # v1beta4: [{name, value}]
        return {item["name"]: str(item["value"]) for item in value}
    return {k: str(v) for k, v in (value or {}).items()}  # v1beta3: map


def load_config(path):
    with open(path) as handle:
        docs = [d for d in yaml.safe_load_all(handle) if d]
    joins = [d for d in docs if d.get("kind") == "JoinConfiguration"]
    if not joins:
        raise Fail(f'no JoinConfiguration found in "{path}"')
    cfg = joins[0]
    if cfg.get("apiVersion") not in ("kubeadm.k8s.io/v1beta3", "kubeadm.k8s.io/v1beta4"):
        raise Fail(f'unsupported JoinConfiguration apiVersion "{cfg.get("apiVersion")}"')
    bt = (cfg.get("discovery") or {}).get("bootstrapToken") or {}
    reg = cfg.get("nodeRegistration") or {}
    return {
        "endpoint": bt.get("apiServerEndpoint", ""),
        "token": bt.get("token", ""),
        "hashes": list(bt.get("caCertHashes") or []),
        "unsafe": bool(bt.get("unsafeSkipCAVerification", False)),
        "tls_token": (cfg.get("discovery") or {}).get("tlsBootstrapToken") or bt.get("token", ""),
        "name": reg.get("name"),
        "cri": reg.get("criSocket") or DEFAULT_CRI,
        "extra": _extra_args(reg.get("kubeletExtraArgs")),
        "taints": reg.get("taints"),
        "ignore": [i.lower() for i in reg.get("ignorePreflightErrors") or []],
        "config": path,
    }


def settings_from_flags(args):
    given = [
        f
        for f in (
            "token",
            "discovery_token",
            "discovery_token_ca_cert_hash",
            "node_name",
            "cri_socket",
            "endpoint",
        )
        if getattr(args, f)
    ]
    if args.config:
        if given:
            raise Fail(f"can not mix '--config' with arguments {sorted(given)}")
        s = load_config(args.config)
    else:
        token = args.discovery_token or args.token or ""
        s = {
            "endpoint": args.endpoint or "",
            "token": token,
            "hashes": args.discovery_token_ca_cert_hash,
            "unsafe": args.discovery_token_unsafe_skip_ca_verification,
            "tls_token": args.tls_bootstrap_token or args.token or token,
            "name": args.node_name,
            "cri": args.cri_socket or DEFAULT_CRI,
            "extra": {},
            "taints": None,
            "ignore": [],
            "config": None,
        }
    for item in args.ignore_preflight_errors:
        s["ignore"] += [i.strip().lower() for i in item.split(",") if i.strip()]
    s["name"] = s["name"] or socket.gethostname()
    return s


def validate(s):
    for key in ("token", "tls_token"):
        if not TOKEN_RE.match(s[key] or ""):
            raise Fail(
                f'[discovery.bootstrapToken.token: Invalid value: "{s[key]}": the bootstrap token '
                f'"{s[key]}" was not of the form "^([a-z0-9]{{6}})\\.([a-z0-9]{{16}})$"]'
            )
    if not s["hashes"] and not s["unsafe"]:
        raise Fail(
            'discovery.bootstrapToken: Invalid value: "": using token-based discovery without '
            "caCertHashes can be unsafe. Set unsafeSkipCAVerification as true in your kubeadm "
            "config file or pass --discovery-token-unsafe-skip-ca-verification flag to continue"
        )
    for h in s["hashes"]:
        if not HASH_RE.match(h):
            raise Fail(
                f'invalid discovery-token-ca-cert-hash "{h}": expected "sha256:<64 hex digits>"'
            )
    if not re.match(r"^[A-Za-z0-9.\-]+:[0-9]{1,5}$", s["endpoint"]):
        raise Fail(f'invalid API server endpoint "{s["endpoint"]}": expected host:port')


# ---- preflight ----------------------------------------------------------------------------------
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


def preflight(s):
    errors = []
    for path in (KUBELET_CONF, PKI_CA):
        if os.path.exists(path):
            errors.append((f"FileAvailable-{path.replace('/', '-')}", f"{path} already exists"))
    swaps = (_read("/proc/swaps") or "").splitlines()[1:]
    if swaps:
        errors.append(("Swap", "running with swap on is not supported. Please disable swap"))
    for path in ("/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/bridge/bridge-nf-call-iptables"):
        value = _read(path)
        name = "FileContent-" + path.replace("/", "-")
        if value is None:
            errors.append((name, f"{path} does not exist"))
        elif value != "1":
            errors.append((name, f"{path} contents are not set to 1"))
    if kubelet_version() is None:
        errors.append(("KubeletVersion", 'exec: "kubelet": executable file not found in $PATH'))
    sock = s["cri"].replace("unix://", "")
    try:
        with socket.socket(socket.AF_UNIX) as conn:
            conn.connect(sock)
    except OSError as exc:
        errors.append(("CRI", f"container runtime is not running: {sock}: {exc.strerror}"))
    fatal = [(n, m) for n, m in errors if n.lower() not in s["ignore"] and "all" not in s["ignore"]]
    for n, m in errors:
        if (n, m) not in fatal:
            print(f"\t[WARNING {n}]: {m}", file=sys.stderr)
    if fatal:
        lines = "\n".join(f"\t[ERROR {n}]: {m}" for n, m in fatal)
        raise Fail(
            "[preflight] Some fatal errors occurred:\n" + lines + "\n[preflight] If you know what "
            "you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`"
        )


# ---- discovery ----------------------------------------------------------------------------------
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


def discover(s):
    """Token-based discovery; returns the trusted CA PEM."""
    token_id, secret = TOKEN_RE.match(s["token"]).groups()
    insecure = ssl.create_default_context()
    insecure.check_hostname, insecure.verify_mode = False, ssl.CERT_NONE
    url = f"https://{s['endpoint']}/api/v1/namespaces/kube-public/configmaps/cluster-info"
    status, cm = _get(url, insecure)
    if status != 200:
        raise Fail(
            f"failed to request the cluster-info ConfigMap: HTTP {status} {cm.get('message', '')}"
        )
    data = cm.get("data") or {}
    signature = data.get(f"jws-kubeconfig-{token_id}")
    if not signature:
        raise Fail(
            "couldn't validate the identity of the API Server: there is no JWS signed token in "
            f'the cluster-info ConfigMap. This token id "{token_id}" is invalid for this cluster '
            'or it has expired. Use "kubeadm token create" on the control-plane node to create '
            "a new valid token"
        )
    header, _, sig = signature.partition("..")
    signing_input = f"{header}.{_b64url(data['kubeconfig'].encode())}".encode()
    expected = _b64url(hmac.new(secret.encode(), signing_input, hashlib.sha256).digest())
    if not hmac.compare_digest(expected, sig):
        raise Fail(
            "couldn't validate the identity of the API Server: failed to verify JWS signature of "
            "received cluster info object, can't trust this API Server"
        )
    kubeconfig = yaml.safe_load(data["kubeconfig"])
    ca_pem = base64.b64decode(kubeconfig["clusters"][0]["cluster"]["certificate-authority-data"])
    der = ssl.PEM_cert_to_DER_cert(ca_pem.decode())
    actual = "sha256:" + hashlib.sha256(spki_der(der)).hexdigest()
    if not s["unsafe"] and actual not in s["hashes"]:
        raise Fail(
            "couldn't validate the identity of the API Server: cluster CA found in cluster-info "
            f'ConfigMap is invalid: none of the public keys "{actual}" are pinned'
        )
    server = kubeconfig["clusters"][0]["cluster"]["server"]
    return ca_pem.decode(), actual, server


# ---- registration -------------------------------------------------------------------------------
def node_object(s, kubelet_ver, ca_hash):
    extra = dict(s["extra"])
    env_args = ""
    for path in ("/etc/default/kubelet", "/etc/sysconfig/kubelet"):
        for line in (_read(path) or "").splitlines():
            if line.startswith("KUBELET_EXTRA_ARGS="):
                env_args += " " + line.split("=", 1)[1].strip().strip("\"'")
    for m in re.finditer(r"--([a-z-]+)=(\S+)", env_args):
        extra.setdefault(m.group(1), m.group(2))
    labels = {
        "kubernetes.io/hostname": s["name"],
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
    }
    for pair in filter(None, extra.get("node-labels", "").split(",")):
        key, _, value = pair.partition("=")
        labels[key] = value
    os_release = dict(
        line.split("=", 1) for line in (_read("/etc/os-release") or "").splitlines() if "=" in line
    )
    addresses = [{"type": "Hostname", "address": s["name"]}]
    if extra.get("node-ip"):
        addresses.insert(0, {"type": "InternalIP", "address": extra["node-ip"]})
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": s["name"],
            "labels": labels,
            "annotations": {
                "kubeadm.alpha.kubernetes.io/cri-socket": s["cri"],
                "edgelab.io/ca-cert-hash": ca_hash,
                "edgelab.io/kubeadm-version": "v" + VERSION,
            },
        },
        "spec": {"taints": s["taints"]} if s["taints"] else {},
        "status": {
            "addresses": addresses,
            "nodeInfo": {
                "kubeletVersion": "v" + kubelet_ver,
                "kubeProxyVersion": "",
                "osImage": os_release.get("PRETTY_NAME", "").strip('"'),
                "kernelVersion": os.uname().release,
                "operatingSystem": "linux",
                "architecture": "amd64",
                "machineID": _read("/etc/machine-id") or "",
                "containerRuntimeVersion": "containerd://unknown",
            },
        },
    }


def _write(path, content, mode=0o600):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as handle:
        handle.write(content)


def cmd_join(args):
    s = settings_from_flags(args)
    validate(s)
    print("[preflight] Running pre-flight checks")
    preflight(s)
    ca_pem, ca_hash, server = discover(s)
    trusted = ssl.create_default_context(cadata=ca_pem)
    base = f"https://{s['endpoint']}"
    status, cm = _get(
        f"{base}/api/v1/namespaces/kube-system/configmaps/kubeadm-config", trusted, s["tls_token"]
    )
    if status != 200:
        raise Fail(
            f"unable to fetch the kubeadm-config ConfigMap: HTTP {status} {cm.get('message', '')}"
        )
    cluster = yaml.safe_load(cm["data"]["ClusterConfiguration"])
    kubelet_ver = kubelet_version() or "unknown"
    print(
        "[kubelet-start] Starting the kubelet\n"
        "[kubelet-start] Waiting for the kubelet to perform the "
        "TLS Bootstrap..."
    )
    status, body = _get(
        f"{base}/api/v1/nodes",
        trusted,
        s["tls_token"],
        "POST",
        json.dumps(node_object(s, kubelet_ver, ca_hash)).encode(),
    )
    if status == 409:
        raise Fail(
            f'error execution phase kubelet-start: a Node with name "{s["name"]}" already exists '
            "in the cluster. You must delete the existing Node or change the name of this new "
            "joining Node"
        )
    if status not in (200, 201):
        raise Fail(f"error execution phase kubelet-start: HTTP {status}: {body.get('message', '')}")
    tls_bootstrap(base, trusted, s)
    _write(PKI_CA, ca_pem, 0o644)
    _write(
        KUBELET_CONF,
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "default",
                "clusters": [
                    {
                        "name": "default-cluster",
                        "cluster": {"certificate-authority": PKI_CA, "server": server},
                    }
                ],
                "contexts": [
                    {
                        "name": "default",
                        "context": {
                            "cluster": "default-cluster",
                            "user": f"system:node:{s['name']}",
                        },
                    }
                ],
                "users": [
                    {
                        "name": f"system:node:{s['name']}",
                        "user": {
                            "client-certificate": KUBELET_CLIENT,
                            "client-key": KUBELET_CLIENT,
                        },
                    }
                ],
            }
        ),
    )
    _write(
        KUBELET_CONFIG,
        yaml.safe_dump(
            {
                "apiVersion": "kubelet.config.k8s.io/v1beta1",
                "kind": "KubeletConfiguration",
                "cgroupDriver": "systemd",
            }
        ),
        0o644,
    )
    _write(FLAGS_ENV, f'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint={s["cri"]}"\n', 0o644)
    _write(
        RECORD,
        json.dumps(
            {
                "endpoint": s["endpoint"],
                "token_id": s["token"].split(".")[0],
                "ca_cert_hash": ca_hash,
                "ca_cert_hashes_given": s["hashes"],
                "node_name": s["name"],
                "kubeadm_version": "v" + VERSION,
                "kubelet_version": "v" + kubelet_ver,
                "cluster_version": cluster.get("kubernetesVersion"),
                "config_file": s["config"],
                "ignored_preflight_errors": s["ignore"],
                "joined_at": datetime.datetime.now(datetime.UTC).isoformat(),
            },
            indent=2,
        )
        + "\n",
    )
    if os.path.isdir("/run/systemd/system"):
        subprocess.run(["systemctl", "restart", "kubelet"], check=False)
    print(
        "\nThis node has joined the cluster:\n"
        "* Certificate signing request was sent to apiserver and "
        "a response was received.\n* The Kubelet was informed of the new secure connection details."
        "\n\nRun 'kubectl get nodes' on the control-plane to see this node join the cluster."
    )


def tls_bootstrap(base, trusted, s):
    """The kubelet's TLS bootstrap, done here: key + CSR (openssl), signed by the lab API server."""
    os.makedirs(KUBELET_PKI, mode=0o700, exist_ok=True)
    key_file = KUBELET_PKI + "/kubelet-client.key.tmp"
    old = os.umask(0o077)
    try:
        done = subprocess.run(
            [
                "openssl",
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                key_file,
                "-subj",
                f"/O=system:nodes/CN=system:node:{s['name']}",
            ],
            capture_output=True,
            text=True,
        )
    finally:
        os.umask(old)
    if done.returncode != 0:
        raise Fail(f"error execution phase kubelet-start: creating the CSR: {done.stderr.strip()}")
    csr = {
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {"name": f"node-csr-{s['name']}"},
        "spec": {
            "request": base64.b64encode(done.stdout.encode()).decode(),
            "signerName": "kubernetes.io/kube-apiserver-client-kubelet",
            "usages": ["digital signature", "client auth"],
        },
    }
    status, body = _get(
        f"{base}/apis/certificates.k8s.io/v1/certificatesigningrequests",
        trusted,
        s["tls_token"],
        "POST",
        json.dumps(csr).encode(),
    )
    cert = (body.get("status") or {}).get("certificate")
    if status not in (200, 201) or not cert:
        raise Fail(
            f"error execution phase kubelet-start: TLS bootstrap: HTTP {status}: "
            f"{body.get('message', 'no certificate issued')}"
        )
    with open(key_file) as handle:
        key = handle.read()
    os.remove(key_file)
    _write(KUBELET_CLIENT, base64.b64decode(cert).decode() + key)


# ---- upgrade node -------------------------------------------------------------------------------
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


def cmd_upgrade_node(args):
    print("[upgrade] Reading configuration from the cluster...")
    server, ctx = node_client()
    status, cm = _get(f"{server}/api/v1/namespaces/kube-system/configmaps/kubeadm-config", ctx)
    if status != 200:
        raise Fail(
            f"unable to fetch the kubeadm-config ConfigMap: HTTP {status} {cm.get('message', '')}"
        )
    cluster_ver = yaml.safe_load(cm["data"]["ClusterConfiguration"]).get("kubernetesVersion", "")
    upgrades = _load_json(UPGRADES, [])
    recorded = (
        upgrades[-1]["kubelet_config_version"]
        if upgrades
        else _load_json(RECORD, {}).get("cluster_version")
    )
    mine, cluster = _parse(VERSION), _parse(cluster_ver)
    if recorded and mine < _parse(recorded):
        raise Fail(
            f"the kubelet configuration on this node is for {recorded}; kubeadm v{VERSION} "
            "is older: downgrades are not supported"
        )
    if mine[0] != cluster[0] or mine[1] > cluster[1] + 1:
        raise Fail(
            f"kubeadm v{VERSION} is more than one minor version newer than the cluster's "
            f"{cluster_ver}; upgrade the control plane first"
        )
    print(
        "[preflight] Running pre-flight checks\n[preflight] Skipping prepull. Not a control "
        "plane node.\n[upgrade] Skipping phase. Not a control plane node."
    )
    if args.dry_run:
        print("[dry-run] Would write the kubelet configuration; nothing changed")
        return
    print(f'[kubelet-start] Writing kubelet configuration to file "{KUBELET_CONFIG}"')
    upgrades.append(
        {
            "kubeadm_version": "v" + VERSION,
            "from_kubelet_config_version": recorded,
            "kubelet_config_version": cluster_ver,
            "cluster_version": cluster_ver,
            "kubelet_version": "v" + (kubelet_version() or "unknown"),
            "upgraded_at": datetime.datetime.now(datetime.UTC).isoformat(),
        }
    )
    _write(UPGRADES, json.dumps(upgrades, indent=2) + "\n")
    print(
        "[upgrade] The configuration for this node was successfully updated!\n[upgrade] Now you "
        "should go ahead and upgrade the kubelet package using your package manager."
    )


def cmd_reset(args):
    if not args.force:
        answer = input("[reset] Are you sure you want to proceed? [y/N]: ")
        if answer.strip().lower() != "y":
            raise Fail("aborted reset operation")
    if os.path.isdir("/run/systemd/system"):
        subprocess.run(["systemctl", "stop", "kubelet"], check=False)
    for path in (
        KUBELET_CONF,
        KUBELET_CONFIG,
        FLAGS_ENV,
        RECORD,
        UPGRADES,
        "/etc/kubernetes/bootstrap-kubelet.conf",
    ):
        if os.path.exists(path):
            os.remove(path)
    shutil.rmtree("/etc/kubernetes/pki", ignore_errors=True)
    shutil.rmtree(KUBELET_PKI, ignore_errors=True)
    print(
        "[reset] Deleted contents of the etc directories: [/etc/kubernetes]\n"
        "The reset process does not clean CNI configuration, iptables rules or your "
        "kubeconfig files."
    )


def main(argv=None):
    parser = argparse.ArgumentParser(prog="kubeadm", allow_abbrev=False)
    parser.add_argument("-v", "--v", dest="verbosity", default="0")
    sub = parser.add_subparsers(dest="command", required=True)
    ver = sub.add_parser("version", allow_abbrev=False)
    ver.add_argument("-o", "--output", default="", choices=["", "short", "json", "yaml"])
    join = sub.add_parser("join", allow_abbrev=False)
    join.add_argument("endpoint", nargs="?")
    for flag in (
        "--token",
        "--discovery-token",
        "--tls-bootstrap-token",
        "--node-name",
        "--cri-socket",
        "--config",
    ):
        join.add_argument(flag)
    join.add_argument("--discovery-token-ca-cert-hash", action="append", default=[])
    join.add_argument("--discovery-token-unsafe-skip-ca-verification", action="store_true")
    join.add_argument("--ignore-preflight-errors", action="append", default=[])
    reset = sub.add_parser("reset", allow_abbrev=False)
    reset.add_argument("-f", "--force", action="store_true")
    reset.add_argument("--cri-socket")
    upgrade = sub.add_parser("upgrade", allow_abbrev=False).add_subparsers(
        dest="phase", required=True
    )
    node = upgrade.add_parser("node", allow_abbrev=False)
    node.add_argument("--dry-run", action="store_true")
    node.add_argument("--ignore-preflight-errors", action="append", default=[])
    node.add_argument("--certificate-renewal", default="true")
    args = parser.parse_args(argv)
    commands = {
        "version": cmd_version,
        "join": cmd_join,
        "reset": cmd_reset,
        "upgrade": cmd_upgrade_node,
    }
    try:
        commands[args.command](args)
    except Fail as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
