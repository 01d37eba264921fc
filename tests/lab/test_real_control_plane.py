"""Against REAL Kubernetes v1.20.2: kube-apiserver, kube-controller-manager, kube-scheduler and
kubeadm built from Debian's source package (tests/lab/kubebuild.py), etcd from Debian, the control
plane made by real `kubeadm init` phases and configured like a StarlingX controller
(tests/lab/realcluster.py)."""

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path

import pytest
import yaml

from tests.lab import network, pki, realcluster
from tests.lab.mounts import mounts_under
from tests.lab.proc import alive, read_pid

pytestmark = [pytest.mark.lab, pytest.mark.real_k8s]
# kubeadm's fixed paths: the control plane writes them only in overlays under the run directory
_MACHINE_PATHS_BEFORE = {p: Path(p).exists() for p in ("/etc/kubernetes", "/var/lib/kubelet")}


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _wait(predicate, timeout=90.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _configmap(cluster, namespace, name):
    return cluster.request("GET", f"/api/v1/namespaces/{namespace}/configmaps/{name}")


def _secret_exists(cluster, token_id):
    path = f"/api/v1/namespaces/kube-system/secrets/bootstrap-token-{token_id}"
    try:
        cluster.request("GET", path)
    except RuntimeError as exc:
        assert "HTTP 404" in str(exc)
        return False
    return True


def test_version_comes_from_the_real_kube_apiserver(real_cluster, kube_bin):
    info = json.loads(real_cluster.get_text("/version"))
    assert info["gitVersion"] == "v1.20.2"
    assert (info["major"], info["minor"]) == ("1", "20")
    assert info["gitCommit"] == "faecb196815e248d3ecfb03c680a4507229c2a56"
    pid = read_pid(real_cluster.dir / "kube-apiserver.pid")
    assert Path(f"/proc/{pid}/exe").resolve() == (kube_bin / "kube-apiserver").resolve()


def test_components_run_as_kubeadm_wrote_them(real_cluster):
    for component in realcluster.COMPONENTS:
        pid = read_pid(real_cluster.dir / f"{component}.pid")
        assert alive(pid), component
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[1:-1]
        assert [a.decode() for a in argv] == real_cluster._manifest_command(component)[1:]
    cm_pid = read_pid(real_cluster.dir / "kube-controller-manager.pid")
    cmdline = Path(f"/proc/{cm_pid}/cmdline").read_bytes().decode()
    assert "--controllers=*,bootstrapsigner,tokencleaner" in cmdline
    # the controllers really run: each holds its leader lease in the real cluster
    for lease in ("kube-controller-manager", "kube-scheduler"):
        assert real_cluster._lease_holder(lease)


def test_kubelet_configmap_has_starlingx_cgroup_root(real_cluster):
    cm = _configmap(real_cluster, "kube-system", "kubelet-config-1.20")
    kubelet = yaml.safe_load(cm["data"]["kubelet"])
    assert kubelet["kind"] == "KubeletConfiguration"
    assert kubelet["cgroupRoot"] == "/k8sinfra"
    assert kubelet["clusterDNS"] == ["10.96.0.10"]  # kubeadm's defaulting from the service subnet
    # the paths a joining node gets are a controller's, not the lab's run directory
    assert kubelet["authentication"]["x509"]["clientCAFile"] == "/etc/kubernetes/pki/ca.crt"
    rbac = "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system"
    role = real_cluster.request("GET", f"{rbac}/roles/kubeadm:kubelet-config-1.20")
    assert role["rules"][0]["resourceNames"] == ["kubelet-config-1.20"]
    binding = real_cluster.request("GET", f"{rbac}/rolebindings/kubeadm:kubelet-config-1.20")
    assert {s["name"] for s in binding["subjects"]} == {
        "system:nodes",
        "system:bootstrappers:kubeadm:default-node-token",
    }


def test_kubeadm_config_configmap_names_version_and_endpoint(real_cluster):
    cm = _configmap(real_cluster, "kube-system", "kubeadm-config")
    cluster = yaml.safe_load(cm["data"]["ClusterConfiguration"])
    assert cluster["kubernetesVersion"] == "v1.20.2"
    assert cluster["controlPlaneEndpoint"] == "198.18.0.2:6443"
    assert cluster["apiVersion"] == "kubeadm.k8s.io/v1beta2"
    assert cluster["certificatesDir"] == "/etc/kubernetes/pki"
    status = yaml.safe_load(cm["data"]["ClusterStatus"])
    assert status["apiEndpoints"]["controller-0"]["advertiseAddress"] == "198.18.0.2"


def test_kubeadm_token_create_list_delete(real_cluster):
    token = real_cluster.create_token(ttl_seconds=600, description="lab token test")
    token_id = token.split(".")[0]
    assert token_id in real_cluster.tokens()
    secret = real_cluster.request(
        "GET", f"/api/v1/namespaces/kube-system/secrets/bootstrap-token-{token_id}"
    )
    assert base64.b64decode(secret["data"]["token-secret"]).decode() == token.split(".")[1]
    real_cluster.delete_token(token)
    assert token_id not in real_cluster.tokens()
    assert not _secret_exists(real_cluster, token_id)


# kubeadm 1.20 gives its self-signed CA serial number 0, which cryptography warns about
@pytest.mark.filterwarnings("ignore:Parsed a serial number")
def test_join_command_carries_the_real_ca_hash(real_cluster):
    out = real_cluster.kubeadm_admin("token", "create", "--print-join-command").stdout.split()
    assert out[:3] == ["kubeadm", "join", "198.18.0.2:6443"]
    ca_hash = out[out.index("--discovery-token-ca-cert-hash") + 1]
    assert ca_hash == real_cluster.ca_hash == pki.ca_cert_hash(real_cluster.ca_cert.read_bytes())
    real_cluster.delete_token(out[out.index("--token") + 1])


def test_cluster_info_is_signed_for_a_new_token_by_the_bootstrapsigner(real_cluster):
    token = real_cluster.create_token(ttl_seconds=600)
    token_id, secret = token.split(".")
    key = f"jws-kubeconfig-{token_id}"
    cm = _wait(
        lambda: (
            (c := _configmap(real_cluster, "kube-public", "cluster-info"))["data"].get(key) and c
        ),
        what=f"{key} in kube-public/cluster-info",
    )
    kubeconfig = yaml.safe_load(cm["data"]["kubeconfig"])
    assert kubeconfig["clusters"][0]["cluster"]["server"] == "https://198.18.0.2:6443"
    header_b64, payload_b64, signature = cm["data"][key].split(".")
    assert payload_b64 == ""  # detached JWS over the kubeconfig
    assert json.loads(base64.urlsafe_b64decode(header_b64 + "==")) == {
        "alg": "HS256",
        "kid": token_id,
    }
    signed = f"{header_b64}.{_b64url(cm['data']['kubeconfig'].encode())}".encode()
    expected = _b64url(hmac.new(secret.encode(), signed, hashlib.sha256).digest())
    assert hmac.compare_digest(signature, expected)
    real_cluster.delete_token(token)
    _wait(
        lambda: key not in _configmap(real_cluster, "kube-public", "cluster-info")["data"],
        what=f"{key} removed after the token was deleted",
    )


def test_tokencleaner_deletes_an_expired_token(real_cluster):
    token_id = real_cluster.create_token(ttl_seconds=2).split(".")[0]
    _wait(lambda: not _secret_exists(real_cluster, token_id), what="expired token deleted")
    assert token_id not in real_cluster.tokens()


def test_down_stops_everything_and_removes_its_files(real_cluster):
    # last in this module: the fixture's own teardown then finds nothing left to do
    pids = [read_pid(real_cluster.dir / f"{c}.pid") for c in realcluster.COMPONENTS]
    assert all(alive(pid) for pid in pids)
    secrets = [real_cluster.ca_key, real_cluster.dir / "pki/admin.key", real_cluster.kubeconfig]
    assert all(p.stat().st_mode & 0o077 == 0 for p in secrets)
    real_cluster.down()
    assert [pid for pid in pids if alive(pid)] == []
    assert not real_cluster.dir.exists()
    assert network.netns_name(realcluster.NETNS_HOST) not in network.lab_netns()
    assert mounts_under(real_cluster.dir) == []
    assert {p: Path(p).exists() for p in _MACHINE_PATHS_BEFORE} == _MACHINE_PATHS_BEFORE
