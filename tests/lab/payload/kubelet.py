#!/usr/bin/python3
"""kubelet (edgeworker lab test double, v@VERSION@): prints its version; as a service it fails like
real kubelet until kubeadm has written its configuration, then stays up until stopped.

Like a real kubelet it keeps its Node's status.nodeInfo.kubeletVersion current: on start it reads
its Node with the credentials of --kubeconfig (kubelet.conf, the client certificate of the TLS
bootstrap) and patches nodes/<name>/status when the version differs (so after a package upgrade
and a restart the cluster sees the new version). It sends no heartbeats and changes no conditions.
"""

import json
import signal
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request

VERSION = "@VERSION@"


def _arg(argv, name, default=None):
    for i, arg in enumerate(argv):
        if arg.startswith(f"--{name}="):
            return arg.split("=", 1)[1]
        if arg == f"--{name}" and i + 1 < len(argv):
            return argv[i + 1]
    return default


def report_version(kubeconfig, attempts=30, delay=2.0):
    """Patch this node's status.nodeInfo.kubeletVersion (only when it differs)."""
    try:
        import yaml

        with open(kubeconfig) as handle:
            conf = yaml.safe_load(handle)
        cluster, user = conf["clusters"][0]["cluster"], conf["users"][0]
        node = user["name"].removeprefix("system:node:")
        ctx = ssl.create_default_context(cafile=cluster["certificate-authority"])
        ctx.load_cert_chain(user["user"]["client-certificate"], user["user"].get("client-key"))
    except (OSError, KeyError, IndexError, TypeError, ValueError, ssl.SSLError) as exc:
        print(f"W0101 kubelet.go] not reporting the node status: {exc!r}", file=sys.stderr)
        return
    url = f"{cluster['server']}/api/v1/nodes/{node}"
    wanted = "v" + VERSION
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url, context=ctx, timeout=10) as resp:
                current = json.loads(resp.read())
            if (current.get("status") or {}).get("nodeInfo", {}).get("kubeletVersion") == wanted:
                return
            body = json.dumps({"status": {"nodeInfo": {"kubeletVersion": wanted}}}).encode()
            req = urllib.request.Request(url + "/status", data=body, method="PATCH")
            req.add_header("Content-Type", "application/merge-patch+json")
            with urllib.request.urlopen(req, context=ctx, timeout=10):
                print(f'I0101 kubelet_node_status.go] "Updated node status" {wanted}', flush=True)
            return
        except (urllib.error.URLError, OSError, ValueError) as exc:
            print(f"E0101 kubelet_node_status.go] updating the node status: {exc!r}", flush=True)
            time.sleep(delay)


def main(argv):
    if "--version" in argv or "--version=true" in argv:
        print(f"Kubernetes v{VERSION}")
        return 0
    config = _arg(argv, "config", "/var/lib/kubelet/config.yaml")
    try:
        open(config).close()
    except OSError as exc:
        print(
            f'E0101 00:00:00.000000 run.go:74] "command failed" err="failed to load kubelet config '
            f"file, path: {config}, error: failed to read kubelet config file "
            f'\\"{config}\\", error: '
            f'{exc.strerror}"',
            file=sys.stderr,
            flush=True,
        )
        return 1
    print(
        f'I0101 00:00:00.000000 server.go:487] "Kubelet version" kubeletVersion="v{VERSION}" '
        "(edgeworker lab test double: runs no pods)",
        flush=True,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    kubeconfig = _arg(argv, "kubeconfig")
    if kubeconfig:
        threading.Thread(target=report_version, args=(kubeconfig,), daemon=True).start()
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
