"""The Kubernetes version-skew rules for the edgeworker_upgrade role, from the project's one
copy (sysinv_edgeworker/kube/skew.py). Each filter returns '' when the rule holds, else the
reason (a sentence without a subject or final full stop: the task names the host).

edgeworker_skew_problem: ``target | edgeworker_skew_problem(apiserver_versions)``, a kubelet
    at ``target`` against the kube-apiservers (never newer than the oldest one, not too old
    for the newest: skew.check).
edgeworker_control_plane_problem: ``apiserver_versions | edgeworker_control_plane_problem``,
    the kube-apiservers within one minor of each other (skew.check_control_plane).
edgeworker_upgrade_step_problem: ``current | edgeworker_upgrade_step_problem(target)``, one
    kubeadm upgrade: not a downgrade, at most one minor ahead (skew.check_step).

The playbook runs from the project's virtualenv, where sysinv_edgeworker is installed; when
it is not importable the filters fail saying so (there is no second copy of the rules here).
"""

from ansible.errors import AnsibleFilterError

try:
    from sysinv_edgeworker.kube import skew
    from sysinv_edgeworker.kube import version as kv
except ImportError as exc:  # reported when a filter is used, not when Ansible loads it
    skew = kv = None
    _IMPORT_ERROR = exc
else:
    _IMPORT_ERROR = None


def _rules(name):
    if skew is None:
        raise AnsibleFilterError(
            "%s: the Kubernetes skew rules come from the sysinv_edgeworker package, which this "
            "Python (the one running ansible-playbook) cannot import (%s); run the playbook "
            "with the project's virtualenv (.venv/bin/ansible-playbook)" % (name, _IMPORT_ERROR))
    return skew


def _call(name, rule, *args):
    rules = _rules(name)
    try:
        return getattr(rules, rule)(*args) or ""
    except (kv.InvalidVersion, ValueError) as exc:
        raise AnsibleFilterError("%s: %s" % (name, exc))


def skew_problem(kubelet, apiservers):
    return _call("edgeworker_skew_problem", "check", kubelet, list(apiservers or []))


def control_plane_problem(apiservers):
    return _call("edgeworker_control_plane_problem", "check_control_plane",
                 list(apiservers or []))


def upgrade_step_problem(current, target):
    return _call("edgeworker_upgrade_step_problem", "check_step", current, target)


class FilterModule:
    def filters(self):
        return {
            "edgeworker_skew_problem": skew_problem,
            "edgeworker_control_plane_problem": control_plane_problem,
            "edgeworker_upgrade_step_problem": upgrade_step_problem,
        }
