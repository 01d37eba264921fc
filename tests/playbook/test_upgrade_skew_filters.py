"""The upgrade role's skew checks use the project's rules (sysinv_edgeworker/kube/skew.py)
through roles/edgeworker_upgrade/filter_plugins/edgeworker_skew.py: a real ansible-playbook
runs the role's tasks/check.yml, and the filters are called as Ansible loads them."""

import importlib.util
import subprocess
import sys

import pytest
from ansible.errors import AnsibleFilterError

from tests.playbook import controller_run

pytestmark = pytest.mark.functional
PLUGIN = (controller_run.PLAYBOOK_DIR / "roles" / "edgeworker_upgrade" / "filter_plugins"
          / "edgeworker_skew.py")

PLAY = """
- name: Upgrade check of one host
  hosts: localhost
  gather_facts: false
  tasks:
    - name: The Node list and target that tasks/target.yml would leave
      ansible.builtin.set_fact:
        edgeworker_upgrade_nodes: {edge-01: {kubelet: "%s", ready: "True", unschedulable: false}}
        edgeworker_upgrade_version: "%s"
        edgeworker_node_name: edge-01
    - name: The role's per-host checks
      ansible.builtin.include_role:
        name: edgeworker_upgrade
        tasks_from: check
"""


def _check(tmp_path, kubelet, target):
    (tmp_path / "play.yml").write_text(PLAY % (kubelet, target))
    inventory = controller_run.write_inventory(tmp_path)
    res = subprocess.run(
        [controller_run.BIN / "ansible-playbook", "-i", str(inventory), "play.yml"],
        cwd=tmp_path, env=controller_run.env(tmp_path), capture_output=True, text=True,
        timeout=120)
    return res.returncode, " ".join(res.stdout.split())


@pytest.mark.parametrize("kubelet, target, message", [
    ("v1.29.2", "1.30.2", None),
    ("v1.30.2", "1.30.2", None),
    ("v1.28.7", "1.30.2",
     "Refusing to upgrade localhost (Node edge-01) from kubelet v1.28.7 to v1.30.2: kubeadm "
     "upgrades one minor version at a time; upgrade to the latest v1.29.x first "
     "(edgeworker_upgrade_target). No host was changed."),
    ("v1.30.2", "1.29.2",
     "Refusing to upgrade localhost (Node edge-01) from kubelet v1.30.2 to v1.29.2: that is a "
     "downgrade, which kubeadm does not do (edgeworker_upgrade_target). No host was changed."),
])
def test_role_check_uses_the_skew_module(tmp_path, kubelet, target, message):
    code, out = _check(tmp_path, kubelet, target)
    if message is None:
        assert code == 0, out
    else:
        assert code == 2, out
        assert message in out


def _load(monkeypatch, importable=True):
    if not importable:  # as under a Python without the package installed
        for name in ("sysinv_edgeworker", "sysinv_edgeworker.kube",
                     "sysinv_edgeworker.kube.skew", "sysinv_edgeworker.kube.version"):
            monkeypatch.setitem(sys.modules, name, None)
    spec = importlib.util.spec_from_file_location("edgeworker_skew_under_test", PLUGIN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FilterModule().filters()


def test_filters_answer_with_the_modules_sentences(monkeypatch):
    f = _load(monkeypatch)
    assert f["edgeworker_control_plane_problem"](["1.29.2", "1.30.1"]) == ""
    assert f["edgeworker_control_plane_problem"](["1.28.7", "1.30.1", "1.29.2"]) == (
        "kube-apiservers v1.28.7 and v1.30.1 are more than 1 minor version apart (the "
        "kube-apiservers of a control plane must be within 1 minor version of each other)")
    # A mixed control plane: the oldest kube-apiserver bounds the kubelet (the target).
    assert f["edgeworker_skew_problem"]("1.30.1", ["1.30.1", "1.29.2"]) == (
        "kubelet v1.30.1 is newer than kube-apiserver v1.29.2 (a kubelet must not be newer "
        "than the oldest kube-apiserver)")
    assert f["edgeworker_skew_problem"]("1.29.2", ["1.30.1", "1.29.2"]) == ""
    assert f["edgeworker_upgrade_step_problem"]("1.29.2", "1.30.0") == ""
    with pytest.raises(AnsibleFilterError, match="edgeworker_upgrade_step_problem: 'latest' "
                       "is not a Kubernetes version"):
        f["edgeworker_upgrade_step_problem"]("1.29.2", "latest")
    with pytest.raises(AnsibleFilterError, match="no kube-apiserver version"):
        f["edgeworker_control_plane_problem"]([])


def test_without_the_package_the_filters_fail_saying_so(monkeypatch):
    f = _load(monkeypatch, importable=False)
    with pytest.raises(AnsibleFilterError) as err:
        f["edgeworker_upgrade_step_problem"]("1.29.2", "1.30.0")
    assert str(err.value).startswith(
        "edgeworker_upgrade_step_problem: the Kubernetes skew rules come from the "
        "sysinv_edgeworker package, which this Python (the one running ansible-playbook) cannot "
        "import (")
    assert "run the playbook with the project's virtualenv (.venv/bin/ansible-playbook)" in str(
        err.value)


TARGET_PLAY = [{"name": "Upgrade target", "hosts": "localhost", "gather_facts": False,
                "tasks": [{"name": "The role's target tasks", "ansible.builtin.include_role": {
                    "name": "edgeworker_upgrade", "tasks_from": "target"}}]}]


def _target(kube_api, tmp_path, **variables):
    res = controller_run.run(tmp_path, TARGET_PLAY, controller_run.write_inventory(tmp_path),
                             {"edgeworker_kubeconfig": str(kube_api.kubeconfig), **variables})
    return res.returncode, " ".join(res.stdout.split())


def test_role_target_refusals_against_the_api_double(kube_api, tmp_path):
    code, out = _target(kube_api, tmp_path)
    assert code == 0, out
    assert "Target Kubernetes v1.29.2 (control plane v1.29.2)" in out
    code, out = _target(kube_api, tmp_path, edgeworker_upgrade_target="v1.30.2")
    assert code == 2, out
    assert ("Refusing to upgrade edgeworkers to v1.30.2: the control plane's oldest "
            "kube-apiserver is v1.29.2 (oldest of v1.29.2): kubelet v1.30.2 is newer than "
            "kube-apiserver v1.29.2 (a kubelet must not be newer than the oldest "
            "kube-apiserver). Upgrade the control plane first, or choose "
            "edgeworker_upgrade_target <= v1.29.2. No host was changed.") in out
    # An HA control plane caught with kube-apiservers two minors apart.
    kube_api.request("POST", "/api/v1/namespaces/kube-system/pods", {
        "metadata": {"name": "kube-apiserver-cp-old", "namespace": "kube-system",
                     "labels": {"component": "kube-apiserver"}},
        "spec": {"containers": [{"name": "kube-apiserver",
                                 "image": "registry.k8s.io/kube-apiserver:v1.27.3"}]}})
    code, out = _target(kube_api, tmp_path)
    assert code == 2, out
    assert ("Refusing to upgrade edgeworkers: kube-apiservers v1.27.3 and v1.29.2 are more than "
            "1 minor version apart (the kube-apiservers of a control plane must be within 1 "
            "minor version of each other). Finish the control plane's upgrade first. No host "
            "was changed.") in out
