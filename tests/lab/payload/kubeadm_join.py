"""kubeadm lab double (v@VERSION@): `kubeadm join` - the JoinConfiguration or flags, the
preflight checks, Node registration and the kubelet configuration; token discovery and the TLS
bootstrap are in kubeadm_tls.py. Installed in /usr/lib/fake-kubeadm (see tests/lab/pkgbuild.py)."""

import datetime
import json
import os
import re
import socket
import ssl
import subprocess
import sys

import yaml

from kubeadm_common import (
    VERSION, TOKEN_RE, HASH_RE, KUBELET_CONF, PKI_CA, KUBELET_CONFIG, FLAGS_ENV, RECORD,
    KUBELET_CLIENT, DEFAULT_CRI, Fail, _read, kubelet_version, _get, _write,
)
from kubeadm_tls import discover, tls_bootstrap


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
