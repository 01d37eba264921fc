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
