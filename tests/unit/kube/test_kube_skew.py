"""The version-skew policy and the verdicts (sysinv_edgeworker/kube/skew.py), table-driven."""

import pytest

from sysinv_edgeworker.kube import skew
from sysinv_edgeworker.kube import version as kv

# (kubelet, apiservers, allowed?) — the kubernetes.io policy, in minor versions.
POLICY = [
    ("v1.29.2", ["v1.29.2"], True),
    ("v1.29.9", ["v1.29.2"], True),            # patch levels do not matter
    ("v1.29.0", ["v1.29.9"], True),
    ("v1.28.7", ["v1.29.2"], True),
    ("v1.27.0", ["v1.29.2"], True),
    ("v1.26.0", ["v1.29.2"], True),            # three older, kubelet >= 1.25
    ("v1.25.0", ["v1.28.0"], True),
    ("v1.25.16", ["v1.28.15"], True),
    ("v1.25.0", ["v1.29.0"], False),           # four older
    ("v1.24.17", ["v1.27.0"], False),          # three older, but kubelet < 1.25: two
    ("v1.24.17", ["v1.26.0"], True),
    ("v1.23.0", ["v1.25.0"], True),
    ("v1.23.0", ["v1.26.0"], False),
    ("v1.22.0", ["v1.25.0"], False),
    ("v1.30.0", ["v1.29.2"], False),           # newer than the apiserver
    ("v1.30.0-rc.1", ["v1.29.2"], False),      # a 1.30 pre-release is a 1.30 kubelet
    ("v1.30.0-rc.1", ["v1.30.0"], True),
    ("v1.29.2", ["v2.0.0"], False),            # across majors: no answer, not allowed
    ("v2.0.0", ["v1.29.2"], False),
    # HA: the oldest apiserver bounds "not newer", the newest bounds "not too old".
    ("v1.29.2", ["v1.28.7", "v1.29.2"], False),
    ("v1.28.7", ["v1.28.7", "v1.29.2"], True),
    ("v1.26.0", ["v1.29.2", "v1.30.0"], False),
    ("v1.27.0", ["v1.29.2", "v1.30.0"], True),
    ("v1.24.0", ["v1.25.0", "v1.26.0"], True),
    ("v1.24.0", ["v1.25.0", "v1.27.0"], False),
]


@pytest.mark.parametrize("kubelet, apiservers, allowed", POLICY)
def test_policy(kubelet, apiservers, allowed):
    why = skew.check(kubelet, apiservers)
    assert (why is None) == allowed, why
    if why:
        assert kubelet.split("-")[0] in why  # the reason names the kubelet


@pytest.mark.parametrize("kubelet, apiservers, fragment", [
    ("v1.30.0", ["v1.29.2"], "newer than kube-apiserver v1.29.2"),
    ("v1.29.2", ["v1.28.7", "v1.30.1"], "newer than kube-apiserver v1.28.7"),
    ("v1.25.0", ["v1.29.0"], "4 minor versions older than kube-apiserver v1.29.0 (at most 3 "
                             "allowed for a >= 1.25 kubelet)"),
    ("v1.24.0", ["v1.27.0"], "3 minor versions older than kube-apiserver v1.27.0 (at most 2 "
                             "allowed for a < 1.25 kubelet)"),
    ("v1.29.2", ["v2.0.0"], "different major versions"),
])
def test_policy_reasons(kubelet, apiservers, fragment):
    assert fragment in skew.check(kubelet, apiservers)


def test_reasons_are_exact():
    """Every reason word for word (mutation testing: benchmarks/mutation.py)."""
    assert skew.check("v1.29.2", ["v2.0.0"]) == (
        "kubelet v1.29.2 and kube-apiserver v2.0.0 have different major versions")
    assert skew.check("v1.30.0", ["v1.29.2"]) == (
        "kubelet v1.30.0 is newer than kube-apiserver v1.29.2 (a kubelet must not be newer "
        "than the oldest kube-apiserver)")
    with pytest.raises(ValueError) as err:
        skew.check("v1.29.2", [])
    assert str(err.value) == "no kube-apiserver version to check the kubelet against"
    with pytest.raises(ValueError) as err:
        skew.control_plane([])
    assert str(err.value) == "no kube-apiserver version"
    assert skew.evaluate(None, ["v1.29.2"]).reason == "no kubelet version"
    assert skew.evaluate("v1.29", ["v1.29.2"]).reason == (
        "kubelet version: 'v1.29' is not a Kubernetes version: " + kv.EXPECTED)
    assert skew.evaluate("v1.29.2", ["v1.29.2"], "v1.29.2").reason == (
        "kubelet v1.29.2 is within the skew policy and not behind v1.29.2")
    # behind the control plane, not the (older) target's: "the control plane"
    assert skew.evaluate("v1.28.7", ["v1.29.2"], "v1.29.0").reason == (
        "kubelet v1.28.7 is behind the control plane v1.29.2; allowed by the skew policy")


@pytest.mark.parametrize("kubelet, allowed", [
    ("v1.20.0", 2), ("v1.24.17", 2), ("v1.25.0-alpha.0", 3), ("v1.25.0", 3), ("v1.29.2", 3),
])
def test_max_skew(kubelet, allowed):
    assert skew.max_skew(kubelet) == allowed


OK, NEEDS, BLOCKS, UNKNOWN = skew.OK, skew.NEEDS_UPGRADE, skew.BLOCKS_UPGRADE, skew.UNKNOWN

# (kubelet, current apiservers, target, verdict, a fragment of the reason)
VERDICTS = [
    # no target: the current control plane
    ("v1.29.2", ["v1.29.2"], None, OK, "not behind v1.29.2"),
    ("v1.29.3", ["v1.29.2"], None, OK, "not behind v1.29.2"),
    ("v1.29.1", ["v1.29.2"], None, NEEDS, "behind the control plane v1.29.2"),
    ("v1.28.7", ["v1.29.2"], None, NEEDS, "behind the control plane v1.29.2"),
    ("v1.26.0", ["v1.29.2"], None, NEEDS, "allowed by the skew policy"),
    ("v1.25.0", ["v1.29.2"], None, BLOCKS, "outside the skew policy of the current"),
    ("v1.30.0", ["v1.29.2"], None, BLOCKS, "newer than kube-apiserver v1.29.2"),
    # HA, mid-upgrade: behind the newest apiserver, bounded by the oldest
    ("v1.28.7", ["v1.28.7", "v1.29.2"], None, NEEDS, "behind the control plane v1.29.2"),
    ("v1.29.2", ["v1.28.7", "v1.29.2"], None, BLOCKS, "newer than kube-apiserver v1.28.7"),
    # with a target
    ("v1.29.2", ["v1.29.2"], "v1.29.2", OK, "not behind v1.29.2"),
    ("v1.29.2", ["v1.29.2"], "v1.30.2", NEEDS, "behind the target v1.30.2"),
    ("v1.29.2", ["v1.29.2"], "v1.31.0", NEEDS, "behind the target v1.31.0"),
    ("v1.29.2", ["v1.29.2"], "v1.32.0", NEEDS, "behind the target v1.32.0"),
    ("v1.29.2", ["v1.29.2"], "v1.33.0", BLOCKS, "the target v1.33.0 would strand it"),
    ("v1.29.2", ["v1.29.2"], "v1.33.0", BLOCKS, "4 minor versions older"),
    ("v1.24.0", ["v1.25.0"], "v1.26.0", NEEDS, "behind the target v1.26.0"),
    ("v1.24.0", ["v1.25.0"], "v1.27.0", BLOCKS, "at most 2 allowed for a < 1.25 kubelet"),
    ("v1.29.2", ["v1.29.2"], "v1.30.0-rc.1", NEEDS, "behind the target v1.30.0-rc.1"),
    ("v1.30.0-rc.1", ["v1.30.0-rc.1"], "v1.30.0", NEEDS, "behind the target v1.30.0"),
    ("v1.29.2", ["v1.29.2"], "v1.28.7", BLOCKS, "newer than kube-apiserver v1.28.7"),
    ("v1.29.2", ["v1.29.2"], "v1.29.1", OK, "not behind v1.29.2"),  # same minor, older patch
    ("v1.25.0", ["v1.29.2"], "v1.29.2", BLOCKS, "outside the skew policy of the current"),
    ("v1.30.2", ["v1.30.2"], "v2.0.0", BLOCKS, "different major versions"),
    # package versions are accepted for the kubelet and the target
    ("1.29.2-1.1", ["v1.29.2"], "1.30.2-150500.1.1", NEEDS, "behind the target v1.30.2"),
    # unknown
    (None, ["v1.29.2"], None, UNKNOWN, "no kubelet version"),
    ("", ["v1.29.2"], "v1.30.0", UNKNOWN, "no kubelet version"),
    ("banana", ["v1.29.2"], None, UNKNOWN, "kubelet version: 'banana' is not a Kubernetes"),
    ("v1.29", ["v1.29.2"], "v1.33.0", UNKNOWN, "is not a Kubernetes version"),
]


@pytest.mark.parametrize("kubelet, current, target, verdict, fragment", VERDICTS)
def test_verdicts(kubelet, current, target, verdict, fragment):
    if kubelet and "-1.1" in kubelet:
        kubelet = kv.parse_package(kubelet)
    if target and target.count("-") and target[0].isdigit():
        target = kv.parse_package(target)
    got = skew.evaluate(kubelet, current, target)
    assert got.status == verdict, got.reason
    assert fragment in got.reason
    assert got.to_dict() == {"verdict": verdict, "reason": got.reason}


def test_unknown_reason_is_the_callers():
    got = skew.evaluate(None, ["v1.29.2"], unknown_reason="not in the cluster")
    assert got == skew.Verdict(UNKNOWN, "not in the cluster")


@pytest.mark.parametrize("current, target", [
    (["v1.29"], None), (["banana"], None), (["v1.29.2"], "1.30"), (["v1.29.2"], "latest"),
])
def test_malformed_control_plane_or_target_raise(current, target):
    with pytest.raises(kv.InvalidVersion):
        skew.evaluate("v1.29.2", current, target)


def test_no_apiserver_version_is_an_error():
    with pytest.raises(ValueError, match="no kube-apiserver version"):
        skew.evaluate("v1.29.2", [])
    with pytest.raises(ValueError, match="no kube-apiserver version"):
        skew.check("v1.29.2", [])


def test_every_verdict_is_covered():
    assert {row[3] for row in VERDICTS} == set(skew.VERDICTS)


@pytest.mark.parametrize("minor", range(18, 40))
@pytest.mark.parametrize("lag", range(-2, 6))
def test_policy_exhaustively_against_the_rule(minor, lag):
    """Every kubelet minor 1.18..1.39 against apiservers -2..+5 minors away."""
    kubelet, api = "v1.%d.3" % minor, "v1.%d.1" % (minor + lag)
    limit = 3 if minor >= 25 else 2
    assert (skew.check(kubelet, [api]) is None) == (0 <= lag <= limit)
    verdict = skew.evaluate(kubelet, [api]).status
    expected = BLOCKS if not 0 <= lag <= limit else (NEEDS if lag > 0 else OK)
    assert verdict == expected


# --- the control plane: apiservers within one minor; kubeadm moves one minor at a time ---

@pytest.mark.parametrize("apiservers, expected", [
    (["v1.29.2"], None),
    (["v1.29.2", "v1.30.1"], None),
    (["v1.30.1", "v1.29.2", "v1.29.9"], None),
    (["v1.28.7", "v1.30.1"],
     "kube-apiservers v1.28.7 and v1.30.1 are more than 1 minor version apart (the "
     "kube-apiservers of a control plane must be within 1 minor version of each other)"),
    (["v1.30.1", "v1.29.2", "v1.28.7"],
     "kube-apiservers v1.28.7 and v1.30.1 are more than 1 minor version apart (the "
     "kube-apiservers of a control plane must be within 1 minor version of each other)"),
    (["v1.29.2", "v2.0.0"],
     "kube-apiservers v1.29.2 and v2.0.0 are more than 1 minor version apart (the "
     "kube-apiservers of a control plane must be within 1 minor version of each other)"),
])
def test_check_control_plane(apiservers, expected):
    assert skew.check_control_plane(apiservers) == expected


SKIP = "kubeadm upgrades one minor version at a time; upgrade to the latest v1.30.x first"
DOWN = "that is a downgrade, which kubeadm does not do"


@pytest.mark.parametrize("current, target, expected", [
    ("v1.29.2", "v1.29.2", None),
    ("v1.29.2", "v1.29.5", None),
    ("v1.29.2", "v1.30.0", None),
    ("v1.29.2", "v1.30.0-rc.1", None),
    ("v1.29.2+k3s1", "v1.30.0", None),
    ("v1.29.2", "v1.31.0", SKIP),
    ("v1.29.2", "v1.33.0", SKIP),
    ("v1.29.2", "v1.29.1", DOWN),
    ("v1.29.2", "v1.28.7", DOWN),
    ("v1.29.2", "v2.0.0", "kubeadm does not upgrade across major versions"),
])
def test_check_step(current, target, expected):
    assert skew.check_step(current, target) == expected


def test_check_plan_steps_from_the_oldest_apiserver():
    # v1.29 -> v1.31 is one step from the newest apiserver (v1.30), two from the oldest.
    assert skew.check_plan(["v1.29.2", "v1.30.1"], kv.parse("v1.31.0")) == [
        "the control plane cannot go from v1.29.2 (its oldest kube-apiserver) to v1.31.0: "
        "kubeadm upgrades one minor version at a time; upgrade to the latest v1.30.x first"]
    assert skew.check_plan(["v1.29.2", "v1.30.1"], kv.parse("v1.30.1")) == []
    assert skew.check_plan(["v1.29.2", "v1.30.1"]) == []
    assert len(skew.check_plan(["v1.28.2", "v1.30.1"], kv.parse("v1.31.0"))) == 2


def test_mixed_control_plane_oldest_apiserver_bounds_the_kubelet():
    # Mid-upgrade HA control plane v1.28.7 + v1.29.2: a v1.29.2 kubelet is newer than one
    # apiserver. Picking the newest apiserver as the bound would call it fine.
    assert skew.check("v1.29.2", ["v1.29.2", "v1.28.7"]) == (
        "kubelet v1.29.2 is newer than kube-apiserver v1.28.7 (a kubelet must not be newer "
        "than the oldest kube-apiserver)")
    assert skew.check("v1.28.9", ["v1.29.2", "v1.28.7"]) is None
