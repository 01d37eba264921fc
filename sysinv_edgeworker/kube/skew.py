"""The Kubernetes version-skew policy for kubelets, and the verdict for one edgeworker.

The policy (https://kubernetes.io/releases/version-skew-policy/#kubelet), in minor versions:

* a kubelet must never be newer than kube-apiserver; in an HA control plane whose
  apiservers run different versions, the **oldest** apiserver bounds it;
* a kubelet may be up to **three** minor versions older than kube-apiserver (every apiserver,
  so the **newest** one bounds it), and only **two** when the kubelet is older than 1.25;
* across major versions nothing is allowed (the policy has no answer there).

And for the control plane (``check_control_plane``, ``check_step``):

* the kube-apiservers of an HA control plane must be within **one** minor version of each
  other (https://kubernetes.io/releases/version-skew-policy/#kube-apiserver);
* kubeadm upgrades **one** minor version at a time and never downgrades: a target more than
  one minor ahead of the oldest kube-apiserver (or of a kubelet, for ``kubeadm upgrade
  node``), or older than it, is refused.

Patch levels do not matter to the policy: kubelet v1.29.3 with kube-apiserver v1.29.2 is
within the policy. Pre-releases count as their minor (v1.30.0-rc.1 is a 1.30 kubelet).

Verdicts (``evaluate``), for a kubelet K, the current apiserver versions C (oldest..newest)
and an optional target control-plane version T:

``unknown``
    K is not known: no kubelet version (the Node is missing from the cluster, has no
    ``status.nodeInfo.kubeletVersion``, or the cluster could not be asked) or it is not a
    Kubernetes version. Nothing is said about safety; the reason says why.
``blocks-upgrade``
    K is outside the policy for C already (a kubelet newer than the oldest apiserver, or too
    old for the newest), or, with T, would be outside it at some point of the upgrade to T:
    checked against C ∪ {T}, the apiservers that exist while the control plane moves from C
    to T. The control plane must not move to T (or stay at C) before this kubelet changes.
``needs-upgrade``
    K is within the policy for C (and for C ∪ {T} with a target) but older than the
    reference version, which is the newest of C and T: the kubelet lags behind the control
    plane (or behind the target) and should be upgraded, but nothing breaks yet.
``ok``
    K is within the policy and at (or, within the same minor, above) the reference version.
"""

import dataclasses

from sysinv_edgeworker.kube import version as kv

OK = "ok"
NEEDS_UPGRADE = "needs-upgrade"
BLOCKS_UPGRADE = "blocks-upgrade"
UNKNOWN = "unknown"
VERDICTS = (OK, NEEDS_UPGRADE, BLOCKS_UPGRADE, UNKNOWN)

SKEW_MINORS = 3            # kubelet at most this many minors older than kube-apiserver
SKEW_MINORS_BEFORE_1_25 = 2  # ... when the kubelet is older than 1.25
APISERVER_SKEW_MINORS = 1  # kube-apiservers at most this many minors apart
UPGRADE_STEP_MINORS = 1    # kubeadm moves at most this many minors per upgrade
_THREE_MINOR_SINCE = (1, 25)


def max_skew(kubelet):
    """How many minor versions a kubelet of this version may lag behind kube-apiserver."""
    kubelet = kv.parse(kubelet)
    return SKEW_MINORS if kubelet.minor_version >= _THREE_MINOR_SINCE else SKEW_MINORS_BEFORE_1_25


def check(kubelet, apiservers):
    """None when ``kubelet`` is within the policy for every version in ``apiservers``,
    else the reason it is not (a sentence naming both versions)."""
    kubelet = kv.parse(kubelet)
    versions = sorted(kv.parse(v) for v in apiservers)
    if not versions:
        raise ValueError("no kube-apiserver version to check the kubelet against")
    oldest, newest = versions[0], versions[-1]
    for api in (oldest, newest):
        if api.major != kubelet.major:
            return ("kubelet %s and kube-apiserver %s have different major versions"
                    % (kubelet, api))
    if kubelet.minor > oldest.minor:
        return ("kubelet %s is newer than kube-apiserver %s (a kubelet must not be newer "
                "than the oldest kube-apiserver)" % (kubelet, oldest))
    lag, allowed = newest.minor - kubelet.minor, max_skew(kubelet)
    if lag > allowed:
        return ("kubelet %s is %d minor versions older than kube-apiserver %s (at most %d "
                "allowed for a %s kubelet)"
                % (kubelet, lag, newest, allowed,
                   ">= 1.25" if allowed == SKEW_MINORS else "< 1.25"))
    return None


def check_control_plane(apiservers):
    """None when the kube-apiservers are within one minor version of each other, else why
    not (a sentence naming the oldest and the newest)."""
    versions = control_plane(apiservers)
    oldest, newest = versions[0], versions[-1]
    if oldest.major != newest.major or newest.minor - oldest.minor > APISERVER_SKEW_MINORS:
        return ("kube-apiservers %s and %s are more than %d minor version apart (the "
                "kube-apiservers of a control plane must be within %d minor version of each "
                "other)" % (oldest, newest, APISERVER_SKEW_MINORS, APISERVER_SKEW_MINORS))
    return None


def check_step(current, target):
    """None when kubeadm can move a node (or the control plane) from ``current`` to
    ``target`` in one upgrade (same major, not older, at most one minor ahead), else why not
    (a clause without a subject: callers name what moves)."""
    current, target = kv.parse(current), kv.parse(target)
    if target < current:
        return "that is a downgrade, which kubeadm does not do"
    if target.major != current.major:
        return "kubeadm does not upgrade across major versions"
    if target.minor - current.minor > UPGRADE_STEP_MINORS:
        return ("kubeadm upgrades one minor version at a time; upgrade to the latest v%d.%d.x "
                "first" % (current.major, current.minor + UPGRADE_STEP_MINORS))
    return None


def check_plan(apiservers, target=None):
    """The control-plane problems (a list of sentences, empty when none): the current
    kube-apiservers' mutual skew and, with a target, the step from the oldest of them."""
    current = control_plane(apiservers)
    problems = [check_control_plane(current)]
    if target is not None:
        why = check_step(current[0], target)
        if why:
            problems.append("the control plane cannot go from %s (its oldest kube-apiserver) "
                            "to %s: %s" % (current[0], target, why))
    return [p for p in problems if p]


@dataclasses.dataclass(frozen=True)
class Verdict:
    status: str
    reason: str

    def to_dict(self):
        return {"verdict": self.status, "reason": self.reason}


def control_plane(versions):
    """The apiserver versions as a sorted tuple of KubeVersion (at least one)."""
    parsed = tuple(sorted({kv.parse(v) for v in versions}))
    if not parsed:
        raise ValueError("no kube-apiserver version")
    return parsed


def evaluate(kubelet, apiservers, target=None, unknown_reason="no kubelet version"):
    """The verdict for one kubelet (see the module docstring for the exact semantics).

    ``kubelet``: version string, KubeVersion or None. A malformed kubelet version gives
    ``unknown``. ``apiservers``: the current kube-apiserver versions (one or more).
    ``target``: the proposed control-plane version or None. Malformed apiserver or target
    versions raise ``InvalidVersion``: they are the caller's input, not the node's state.
    """
    current = control_plane(apiservers)
    target = kv.parse(target) if target is not None else None
    if kubelet is None or kubelet == "":
        return Verdict(UNKNOWN, unknown_reason)
    try:
        kubelet = kv.parse(kubelet)
    except kv.InvalidVersion as err:
        return Verdict(UNKNOWN, "kubelet version: %s" % err)
    why = check(kubelet, current)
    if why:
        return Verdict(BLOCKS_UPGRADE, "outside the skew policy of the current control plane: "
                       + why)
    if target is not None:
        why = check(kubelet, current + (target,))
        if why:
            return Verdict(BLOCKS_UPGRADE, "the target %s would strand it: %s" % (target, why))
    reference = max(current[-1], target) if target is not None else current[-1]
    if kubelet < reference:
        where = "the target" if target is not None and reference == target else \
            "the control plane"
        return Verdict(NEEDS_UPGRADE, "kubelet %s is behind %s %s; allowed by the skew policy"
                       % (kubelet, where, reference))
    return Verdict(OK, "kubelet %s is within the skew policy and not behind %s"
                   % (kubelet, reference))
