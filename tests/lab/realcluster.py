"""A real Kubernetes v1.20.2 control plane configured like a StarlingX controller, on the lab
bridge.

Made the way `kubeadm init` makes one, phase by phase, by the real kubeadm that
tests/lab/kubebuild.py builds: ``certs all``, ``kubeconfig all``, ``control-plane all`` and
``etcd local`` write certificates, kubeconfigs and static-pod manifests; etcd (Debian's
etcd-server), kube-apiserver, kube-controller-manager and kube-scheduler then run as plain
processes with exactly the commands in those manifests, inside the network namespace
``edgelab-kcp`` at 198.18.0.2 on the lab bridge (the controller's address for lab hosts; the API
double keeps 198.18.0.1).  Then ``upload-config kubeadm``, the ``kubelet-config-1.20`` ConfigMap
with StarlingX's ``cgroupRoot: /k8sinfra``, and ``bootstrap-token`` (RBAC and cluster-info).

Host hygiene: kubeadm's fixed paths (/etc/kubernetes, /var/lib/kubelet) are overlays, in a
private mount namespace, whose upper layers live under the run directory; every process is
stopped by PID; nothing outside <run_dir>/real-control-plane and the namespace is written.  No
sysctl, iptables rule, cgroup or hostname of the machine is touched.
"""

import base64
import json
import shutil
import subprocess
import time
from pathlib import Path

import yaml

from tests.lab import config, network, pki
from tests.lab.cluster import ControlPlane
from tests.lab.proc import alive, read_pid, run, spawn, stop_pidfile, wait_port

NAME = "real-control-plane"
NETNS_HOST = "kcp"  # netns edgelab-kcp, bridge port vel-kcp
IP = f"{config.SUBNET_PREFIX}.2"
PORT = 6443
VERSION = "v1.20.2"
NODE_NAME = "controller-0"
CGROUP_ROOT = "/k8sinfra"  # StarlingX's cluster-wide kubelet setting
POD_SUBNET, SERVICE_SUBNET = "172.16.0.0/16", "10.96.0.0/12"  # StarlingX's defaults
IMAGE_REPOSITORY = "registry.local:9001/k8s.gcr.io"
#: Order of start; stopped in reverse.
COMPONENTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")
#: Paths kubeadm writes to regardless of flags; each becomes an overlay while kubeadm runs.
OVERLAID = ("/etc", "/var/lib")
KUBELET_CONFIGMAP = "kubelet-config-1.20"


def kubeadm_config():
    """kubeadm v1beta2 Init/ClusterConfiguration plus the cluster's KubeletConfiguration.
    Paths stay kubeadm's defaults, as on a real controller (the ConfigMaps show them); they exist
    only in the overlays (see RealControlPlane.kubeadm)."""
    docs = [
        {
            "apiVersion": "kubeadm.k8s.io/v1beta2",
            "kind": "InitConfiguration",
            "localAPIEndpoint": {"advertiseAddress": IP, "bindPort": PORT},
            "nodeRegistration": {
                "name": NODE_NAME,
                "criSocket": "/run/containerd/containerd.sock",
                "taints": [],
            },
        },
        {
            "apiVersion": "kubeadm.k8s.io/v1beta2",
            "kind": "ClusterConfiguration",
            "kubernetesVersion": VERSION,
            "clusterName": "kubernetes",
            "controlPlaneEndpoint": f"{IP}:{PORT}",
            "certificatesDir": "/etc/kubernetes/pki",
            "imageRepository": IMAGE_REPOSITORY,
            "networking": {
                "dnsDomain": "cluster.local",
                "podSubnet": POD_SUBNET,
                "serviceSubnet": SERVICE_SUBNET,
            },
            "etcd": {"local": {"dataDir": "/var/lib/etcd"}},
            "apiServer": {"certSANs": [IP, "127.0.0.1"]},
            "controllerManager": {"extraArgs": {"controllers": "*,bootstrapsigner,tokencleaner"}},
        },
        {
            "apiVersion": "kubelet.config.k8s.io/v1beta1",
            "kind": "KubeletConfiguration",
            "cgroupRoot": CGROUP_ROOT,
            "cgroupDriver": "cgroupfs",
            "failSwapOn": False,
        },
    ]
    return yaml.safe_dump_all(docs, sort_keys=False)


class RealControlPlane(ControlPlane):
    """The client surface of the API double's ControlPlane (request, nodes, tokens, ca_hash)."""

    def __init__(self, run_dir, bin_dir):
        super().__init__(run_dir, version=VERSION, port=PORT, name=NAME, bind=IP)
        self.bin = Path(bin_dir)
        self.root = self.dir / "root"  # overlay upper layers: root/etc, root/var/lib
        self.ca_cert = self.root / "etc/kubernetes/pki/ca.crt"
        self.ca_key = self.root / "etc/kubernetes/pki/ca.key"
        self.kubeadm_yaml = self.dir / "kubeadm.yaml"
        self.timings = {}

    # ---- kubeadm --------------------------------------------------------------------------------
    def kubeadm(self, *args, timeout=300):
        """Run the real kubeadm with /etc and /var/lib overlaid by layers under the run dir.
        Its PATH is empty: kubeadm finds no `systemctl`, so it never stops or starts a kubelet
        service of the machine (kubelet-start would try)."""
        mounts = []
        for lower in OVERLAID:
            upper = self.root / lower.strip("/")
            work = self.dir / "overlay-work" / lower.strip("/")
            upper.mkdir(parents=True, exist_ok=True)
            work.mkdir(parents=True, exist_ok=True)
            options = f"lowerdir={lower},upperdir={upper},workdir={work}"
            mounts.append(f"mount -t overlay overlay -o {options} {lower}")
        script = "set -e; " + "; ".join(mounts) + '; exec env PATH=/nonexistent "$@"'
        argv = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"]
        return run([*argv, self.bin / "kubeadm", *args], timeout=timeout).stdout

    def kubeadm_admin(self, *args, timeout=120):
        """kubeadm against this cluster as its admin (no files written on the machine)."""
        return run([self.bin / "kubeadm", *args, "--kubeconfig", self.kubeconfig], timeout=timeout)

    def _phase(self, *phase):
        t0 = time.monotonic()
        self.kubeadm("init", "phase", *phase, "--config", self.kubeadm_yaml)
        self.timings[f"phase {' '.join(phase)}_s"] = round(time.monotonic() - t0, 2)

    # ---- lifecycle -------------------------------------------------------------------------------
    def up(self):
        """Create everything and start the components; returns self once the cluster serves."""
        started = time.monotonic()
        self.dir.mkdir(parents=True)
        self.dir.chmod(0o700)
        (self.dir / "pki").mkdir()  # the admin client pair for request()
        self.kubeadm_yaml.write_text(kubeadm_config())
        network.create_host_netns(NETNS_HOST, IP)
        for phase in (("certs", "all"), ("kubeconfig", "all"), ("control-plane", "all")):
            self._phase(*phase)
        self._phase("etcd", "local")
        self._install_admin_kubeconfig()
        for component in COMPONENTS:
            self._start(component)
        self._wait_ready()
        self.timings["components_ready_s"] = round(time.monotonic() - started, 2)
        self._phase("upload-config", "kubeadm")
        self._upload_kubelet_config()
        self._phase("bootstrap-token")
        self.timings["up_s"] = round(time.monotonic() - started, 2)
        return self

    def down(self):
        stop(self.dir.parent)

    def _manifest_command(self, component):
        path = self.root / "etc/kubernetes/manifests" / f"{component}.yaml"
        pod = yaml.safe_load(path.read_text())
        command = pod["spec"]["containers"][0]["command"]
        for path in ("/etc/kubernetes", "/var/lib/etcd"):  # to where the overlays put them
            command = [arg.replace(path, f"{self.root}{path}") for arg in command]
        binary = "/usr/bin/etcd" if component == "etcd" else str(self.bin / component)
        return [binary, *command[1:]]

    def _start(self, component):
        argv = [
            "ip",
            "netns",
            "exec",
            network.netns_name(NETNS_HOST),
            *self._manifest_command(component),
        ]
        log, pidfile = self.dir / f"{component}.log", self.dir / f"{component}.pid"
        proc = spawn(argv, log, pidfile=pidfile)
        if component == "etcd":
            wait_port(IP, 2379, timeout=30, pid=proc.pid, log_path=log)
        elif component == "kube-apiserver":
            wait_port(IP, PORT, timeout=60, pid=proc.pid, log_path=log)

    def _wait_ready(self, timeout=180.0):
        """The API server ready and both controllers holding their leader leases."""
        deadline = time.monotonic() + timeout
        pending = {"readyz", "kube-controller-manager", "kube-scheduler"}
        while pending and time.monotonic() < deadline:
            for component in COMPONENTS:
                if not alive(int((self.dir / f"{component}.pid").read_text())):
                    tail = (self.dir / f"{component}.log").read_text()[-3000:]
                    raise RuntimeError(f"real control plane: {component} exited:\n{tail}")
            if "readyz" in pending and self.get_text("/readyz") == "ok":
                pending.discard("readyz")
            for lease in sorted(pending - {"readyz"}):
                if "readyz" not in pending and self._lease_holder(lease):
                    pending.discard(lease)
            time.sleep(0.5)
        if pending:
            raise TimeoutError(f"real control plane not ready after {timeout}s: {sorted(pending)}")

    def _lease_holder(self, name):
        try:
            lease = self.request(
                "GET", f"/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/{name}"
            )
        except RuntimeError:
            return None
        return lease.get("spec", {}).get("holderIdentity")

    def get_text(self, path):
        """GET path as the admin; the body as text, or None while the server is not answering."""
        import urllib.request

        try:
            with urllib.request.urlopen(
                self.server_url + path, context=self._context(), timeout=5
            ) as resp:
                return resp.read().decode()
        except OSError:
            return None

    def _install_admin_kubeconfig(self):
        """admin.conf to <dir>/admin.conf and its client pair to pki/admin.{crt,key} (all 0600)."""
        text = (self.root / "etc/kubernetes/admin.conf").read_text()
        pki.write_secret(self.kubeconfig, text.encode())
        user = yaml.safe_load(text)["users"][0]["user"]
        pki.write_secret(
            self.dir / "pki/admin.crt", base64.b64decode(user["client-certificate-data"])
        )
        pki.write_secret(self.dir / "pki/admin.key", base64.b64decode(user["client-key-data"]))

    def _upload_kubelet_config(self):
        """What `kubeadm init phase upload-config kubelet` does, minus its patch of the
        control-plane Node (there is no kubelet here; that patch would wait ~2 min and fail):
        kubeadm writes the cluster's kubelet config (kubelet-start phase, into the overlay), and
        it is uploaded with the Role and RoleBinding kubeadm creates for it."""
        t0 = time.monotonic()
        self.kubeadm("init", "phase", "kubelet-start", "--config", self.kubeadm_yaml)
        kubelet_yaml = (self.root / "var/lib/kubelet/config.yaml").read_text()
        ns = "/api/v1/namespaces/kube-system"
        rbac = "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system"
        role = f"kubeadm:{KUBELET_CONFIGMAP}"
        self.request(
            "POST",
            f"{ns}/configmaps",
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": KUBELET_CONFIGMAP, "namespace": "kube-system"},
                "data": {"kubelet": kubelet_yaml},
            },
        )
        self.request(
            "POST",
            f"{rbac}/roles",
            {
                "metadata": {"name": role, "namespace": "kube-system"},
                "rules": [
                    {
                        "verbs": ["get"],
                        "apiGroups": [""],
                        "resources": ["configmaps"],
                        "resourceNames": [KUBELET_CONFIGMAP],
                    }
                ],
            },
        )
        self.request(
            "POST",
            f"{rbac}/rolebindings",
            {
                "metadata": {"name": role, "namespace": "kube-system"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role},
                "subjects": [
                    {"kind": "Group", "name": "system:nodes"},
                    {"kind": "Group", "name": "system:bootstrappers:kubeadm:default-node-token"},
                ],
            },
        )
        self.timings["upload kubelet config_s"] = round(time.monotonic() - t0, 2)

    # ---- tokens through the real kubeadm ---------------------------------------------------------
    def create_token(self, ttl_seconds=3600, description="edgeworker lab token", expiration=None):
        if expiration is not None:
            raise ValueError("kubeadm token create takes a TTL, not an expiration time")
        return self.kubeadm_admin(
            "token", "create", "--ttl", f"{ttl_seconds}s", "--description", description
        ).stdout.strip()

    def delete_token(self, token):
        self.kubeadm_admin("token", "delete", token.split(".")[0])

    def tokens(self):
        """Token ids `kubeadm token list` shows."""
        out = self.kubeadm_admin("token", "list", "-o", "json").stdout
        decoder, pos, ids = json.JSONDecoder(), 0, []
        while pos < len(out.strip()):  # one JSON object per token, concatenated
            obj, end = decoder.raw_decode(out, pos)
            ids.append(obj["token"].split(".")[0])
            pos = end
            while pos < len(out) and out[pos].isspace():
                pos += 1
        return ids


def stop(run_dir):
    """Stop every component by PID, remove the namespace and all files (certs, keys, etcd data)."""
    directory = Path(run_dir) / NAME
    for component in reversed(COMPONENTS):
        pidfile = directory / f"{component}.pid"
        pid = read_pid(pidfile)
        if pid and not _names(pid, directory):  # the PID was reused by something else
            pidfile.unlink()
        stop_pidfile(pidfile, timeout=15)
    network.delete_host_netns(NETNS_HOST)
    if directory.exists():
        shutil.rmtree(directory)


def _names(pid, directory):
    try:
        return str(directory).encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def tool_versions(bin_dir):
    """`--version` of each built binary and of Debian's etcd (for reports and the build test)."""
    versions = {}
    for name in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet"):
        versions[name] = run([Path(bin_dir) / name, "--version"]).stdout.strip()
    versions["kubeadm"] = run([Path(bin_dir) / "kubeadm", "version", "-o", "short"]).stdout.strip()
    etcd = subprocess.run(["/usr/bin/etcd", "--version"], capture_output=True, text=True)
    versions["etcd"] = etcd.stdout.splitlines()[0] if etcd.stdout else None
    return versions
