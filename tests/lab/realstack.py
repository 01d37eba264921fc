"""The real controller side of the lab, as one piece: a Kubernetes v1.20.2 control plane configured
like a StarlingX controller (realcluster.py), its registry registry.local:9001 (registry.py) serving
the lab-built images (images.py), and the cluster's CNI installed the way Calico's install-cni does
it: a kube-system DaemonSet (hostNetwork, tolerating everything) whose pod copies the CNI plugins
into the hostPath volume ``cni-bin-dir`` = /var/opt/cni/bin (where StarlingX keeps them) and writes
the network configuration into /etc/cni/net.d of every node that joins.

The CNI is Debian's containernetworking-plugins (bridge + host-local + loopback + portmap): one
bridge per node, pod subnet 172.16.<last octet of the node IP>.0/24 (inside the cluster's
172.16.0.0/16). Pods on different nodes do not reach each other (no routes between nodes) and there
is no kube-proxy (no image): enough for a pod to run and its log to be read through the kubelet.

``RealStack(lab).up()`` starts everything (minutes on a cold cache: the Kubernetes build);
``attach(lab)`` finds a running one (for the CLI); ``down()`` stops it; the lab's sweep also removes
it (realcluster.stop, registry.stop).
"""

import json
import time
from pathlib import Path

from tests.lab import config, images, kubebuild, network, realcluster
from tests.lab.realcluster import RealControlPlane
from tests.lab.registry import RealRegistry

CNI_BIN_DIR = "/var/opt/cni/bin"
CNI_DAEMONSET = "edgelab-cni"
STATE_FILE = "real-stack.json"

_INSTALL_CNI = r"""set -e
for p in bridge host-local loopback portmap; do
    cp /opt/cni/bin/$p /host/cni-bin/.$p.tmp && mv /host/cni-bin/.$p.tmp /host/cni-bin/$p
done
subnet="172.16.${HOST_IP##*.}.0/24"
cat > /host/cni-net/.10-edgelab.conflist.tmp <<EOF
{"cniVersion": "0.4.0", "name": "edgelab", "plugins": [
  {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$subnet"}]],
            "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}
EOF
mv /host/cni-net/.10-edgelab.conflist.tmp /host/cni-net/10-edgelab.conflist
echo "CNI plugins in $CNI_BIN_DIR, pod subnet $subnet"
exec sleep 2147483647
"""


def cni_daemonset(image):
    volumes = {"cni-bin-dir": CNI_BIN_DIR, "cni-net-dir": "/etc/cni/net.d"}
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": CNI_DAEMONSET, "namespace": "kube-system"},
        "spec": {
            "selector": {"matchLabels": {"k8s-app": CNI_DAEMONSET}},
            "template": {
                "metadata": {"labels": {"k8s-app": CNI_DAEMONSET}},
                "spec": {
                    "hostNetwork": True,
                    "tolerations": [{"operator": "Exists"}],
                    "terminationGracePeriodSeconds": 1,
                    "containers": [
                        {
                            "name": "install-cni",
                            "image": image,
                            "command": ["sh", "-c", _INSTALL_CNI],
                            "env": [
                                {
                                    "name": "HOST_IP",
                                    "valueFrom": {"fieldRef": {"fieldPath": "status.hostIP"}},
                                },
                                {"name": "CNI_BIN_DIR", "value": CNI_BIN_DIR},
                            ],
                            "volumeMounts": [
                                {"name": "cni-bin-dir", "mountPath": "/host/cni-bin"},
                                {"name": "cni-net-dir", "mountPath": "/host/cni-net"},
                            ],
                        }
                    ],
                    "volumes": [
                        {"name": name, "hostPath": {"path": path, "type": "DirectoryOrCreate"}}
                        for name, path in volumes.items()
                    ],
                },
            },
        },
    }


class RealStack:
    def __init__(self, lab):
        self.lab = lab
        self.run_dir = Path(lab.run_dir)
        self.cluster = None
        self.registry = None

    def up(self):
        t0 = time.monotonic()
        bins = kubebuild.ensure()
        built = images.ensure()
        config.progress("starting the real Kubernetes v1.20.2 control plane (198.18.0.2:6443)")
        self.cluster = RealControlPlane(self.run_dir, bins)
        try:
            self.cluster.up()
            config.progress("starting the controller registry registry.local:9001")
            self.registry = RealRegistry(
                self.run_dir, network.netns_name(realcluster.NETNS_HOST), realcluster.IP
            ).up()
            self.registry.push(built)
            self.cluster.request(
                "POST",
                "/apis/apps/v1/namespaces/kube-system/daemonsets",
                cni_daemonset(self.registry.images["cni"]),
            )
        except BaseException:
            self.down()
            raise
        (self.run_dir / STATE_FILE).write_text(
            json.dumps({"bin": str(bins), "images": self.registry.images}, indent=2)
        )
        self.cluster.timings["stack_up_s"] = round(time.monotonic() - t0, 2)
        return self

    @classmethod
    def attach(cls, lab):
        stack = cls(lab)
        state = json.loads((stack.run_dir / STATE_FILE).read_text())
        stack.cluster = RealControlPlane(stack.run_dir, state["bin"])
        stack.registry = RealRegistry(
            stack.run_dir, network.netns_name(realcluster.NETNS_HOST), realcluster.IP
        )
        stack.registry.images = state["images"]
        return stack

    def down(self):
        if self.registry is not None:
            self.registry.down()
        if self.cluster is not None:
            self.cluster.down()
        (self.run_dir / STATE_FILE).unlink(missing_ok=True)

    # ---- what the playbook is given ------------------------------------------------------------
    def playbook_vars(self):
        """Playbook variables for the real cluster (the rest: provision_run.lab_vars). The
        registry password goes into the 0600 vars file, never onto a command line."""
        return {
            "edgeworker_kubeconfig": str(self.cluster.kubeconfig),
            "edgeworker_registry_host": self.registry.host,
            "edgeworker_registry_address": self.registry.address,
            "edgeworker_registry_ca_cert_file": str(self.registry.ca_cert_file),
            "edgeworker_registry_username": self.registry.username,
            "edgeworker_registry_password": self.registry.secret(),
            "edgeworker_prepull_enabled": True,
            # A real Node is Ready once the CNI DaemonSet's pod ran on it (pulled, started):
            # the role's default wait (60 x 5 s), not the lab doubles' 60 x 1 s.
            "edgeworker_node_ready_delay": 5,
            # Lab hosts lack CAP_SYS_RESOURCE (this machine's sandbox has none to give), so runc
            # cannot set the sandbox's oom_score_adj -998 (docs/lab.md).
            "edgeworker_containerd_restrict_oom_score_adj": True,
            "edgeworker_prepull_images": [self.registry.images["pause"]],
        }

    # ---- pods ------------------------------------------------------------------------------------
    def run_pod(self, node, name=None, timeout=180.0, tolerations=None):
        """Run a busybox pod that the real scheduler places on node (nodeSelector), wait until it
        succeeded and return its log (read through the node's kubelet); the pod is deleted."""
        name = name or f"hello-{node}"
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {
                "restartPolicy": "Never",
                "nodeSelector": {"kubernetes.io/hostname": node},
                "tolerations": tolerations or [{"operator": "Exists"}],
                "containers": [
                    {
                        "name": "hello",
                        "image": self.registry.images["busybox"],
                        "command": [
                            "sh",
                            "-c",
                            'echo "hello from pod $(hostname) on node $NODE_NAME"',
                        ],
                        "env": [
                            {
                                "name": "NODE_NAME",
                                "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}},
                            }
                        ],
                    }
                ],
            },
        }
        base = "/api/v1/namespaces/default/pods"
        self.cluster.request("POST", base, pod)
        try:
            deadline = time.monotonic() + timeout
            while True:
                current = self.cluster.request("GET", f"{base}/{name}")
                phase = current.get("status", {}).get("phase")
                if phase == "Succeeded":
                    break
                if phase == "Failed" or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"pod {name} on {node}: phase {phase}: {json.dumps(current['status'])}"
                    )
                time.sleep(1)
            return {
                "node": current["spec"]["nodeName"],
                "log": self.cluster.get_text(f"{base}/{name}/log"),
            }
        finally:
            self.cluster.request("DELETE", f"{base}/{name}")
