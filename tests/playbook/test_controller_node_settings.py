"""What a node must match, read from the cluster by the controller role (03-node-settings.yml):
the kubelet-config ConfigMap's cgroupDriver and cgroupRoot, and the CNI plugin directory from the
kube-system DaemonSets' ``cni-bin-dir`` hostPath volumes.

Against the Kubernetes API double of tests/kubeapi.py (a test double for kube-apiserver: real
HTTPS API, stored ConfigMaps and DaemonSets; docs/lab.md). The real v1.20.2 cluster's own
ConfigMap (cgroupfs, /k8sinfra) is exercised end to end by tests/lab/test_real_join.py.
"""

import json

import pytest
import yaml

from tests.kubeapi import start_control_plane
from tests.playbook import controller_run as cr

pytestmark = pytest.mark.functional


def _kubelet_config(cp, minor, **settings):
    body = {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration",
            **settings}
    cp.request("POST", "/api/v1/namespaces/kube-system/configmaps", {
        "metadata": {"name": f"kubelet-config-{minor}" if minor < "1.24" else "kubelet-config",
                     "namespace": "kube-system"},
        "data": {"kubelet": yaml.safe_dump(body)}})


def _cni_daemonset(cp, name, path):
    cp.request("POST", "/apis/apps/v1/namespaces/kube-system/daemonsets", {
        "metadata": {"name": name, "namespace": "kube-system"},
        "spec": {"template": {"spec": {"volumes": [
            {"name": "cni-bin-dir", "hostPath": {"path": path}},
            {"name": "other", "hostPath": {"path": "/etc/cni/net.d"}}]}}}})


def _run(cp, tmp_path, **extra):
    facts_file = tmp_path / "facts.json"
    variables = {"edgeworker_kubeconfig": str(cp.kubeconfig),
                 "edgeworker_lock_path": str(tmp_path / "run" / "provision.lock"), **extra}
    result = cr.run(tmp_path, [cr.controller_play([cr.dump_facts_task(facts_file)]),
                               cr.cleanup_play()], cr.write_inventory(tmp_path), variables)
    facts = json.loads(facts_file.read_text()) if facts_file.exists() else None
    return result, facts


def test_starlingx_settings_are_followed(tmp_path):
    cp = start_control_plane(tmp_path / "cp", version="v1.29.2")
    try:
        _kubelet_config(cp, "1.29", cgroupDriver="cgroupfs", cgroupRoot="/k8sinfra")
        _cni_daemonset(cp, "calico-node", "/var/opt/cni/bin")
        _cni_daemonset(cp, "kube-multus-ds-amd64", "/var/opt/cni/bin")
        result, facts = _run(cp, tmp_path)
        assert result.returncode == 0, result.stdout[-6000:]
        assert (facts["edgeworker_cgroup_driver"], facts["edgeworker_cgroup_root"],
                facts["edgeworker_cni_bin_dir"]) == ("cgroupfs", "/k8sinfra", "/var/opt/cni/bin")
        assert "kubelet cgroup driver cgroupfs, cgroupRoot /k8sinfra, CNI plugins in " \
            "/var/opt/cni/bin" in result.stdout
    finally:
        cp.stop()


def test_defaults_when_the_cluster_says_nothing(tmp_path):
    cp = start_control_plane(tmp_path / "cp", version="v1.29.2")
    try:
        _cni_daemonset(cp, "kube-flannel-ds", "/opt/cni/bin")
        result, facts = _run(cp, tmp_path)
        assert result.returncode == 0, result.stdout[-6000:]
        assert (facts["edgeworker_cgroup_driver"], facts["edgeworker_cgroup_root"],
                facts["edgeworker_cni_bin_dir"]) == ("systemd", "", "/opt/cni/bin")
    finally:
        cp.stop()


@pytest.mark.parametrize("case, expected", [
    ("driver", 'names cgroupDriver "cgroupv3"; only cgroupfs and systemd exist'),
    ("root", 'names cgroupRoot "k8s infra", not an absolute cgroup path'),
    ("systemd-root", "sets cgroupRoot /k8sinfra with the systemd cgroup driver"),
    ("two-dirs", "mount CNI plugin directories /var/opt/cni/bin, /opt/cni/bin; set "
                 "edgeworker_cni_bin_dir_override"),
])
def test_settings_a_node_cannot_follow_are_refused(tmp_path, case, expected):
    cp = start_control_plane(tmp_path / "cp", version="v1.29.2")
    try:
        settings = {"driver": {"cgroupDriver": "cgroupv3"},
                    "root": {"cgroupDriver": "cgroupfs", "cgroupRoot": "k8s infra"},
                    "systemd-root": {"cgroupDriver": "systemd", "cgroupRoot": "/k8sinfra"},
                    "two-dirs": {}}[case]
        _kubelet_config(cp, "1.29", **settings)
        if case == "two-dirs":
            _cni_daemonset(cp, "calico-node", "/var/opt/cni/bin")
            _cni_daemonset(cp, "kube-flannel-ds", "/opt/cni/bin")
        result, facts = _run(cp, tmp_path)
        assert result.returncode != 0 and facts is None
        assert expected in " ".join(result.stdout.split()), result.stdout[-4000:]
        # the cleanup ran: no token left, lock released
        assert not (tmp_path / "run" / "provision.lock").exists()
    finally:
        cp.stop()


def test_an_override_settles_disagreeing_daemonsets(tmp_path):
    cp = start_control_plane(tmp_path / "cp", version="v1.29.2")
    try:
        _cni_daemonset(cp, "calico-node", "/var/opt/cni/bin")
        _cni_daemonset(cp, "kube-flannel-ds", "/opt/cni/bin")
        result, facts = _run(cp, tmp_path, edgeworker_cni_bin_dir_override="/opt/cni/bin")
        assert result.returncode == 0, result.stdout[-6000:]
        assert facts["edgeworker_cni_bin_dir"] == "/opt/cni/bin"
    finally:
        cp.stop()
