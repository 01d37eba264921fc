"""Kubernetes version parsing and ordering (sysinv_edgeworker/kube/version.py), table-driven."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sysinv_edgeworker.kube import version as kv

V = kv.KubeVersion

PARSE = [
    ("v1.29.2", V(1, 29, 2)),
    ("1.29.2", V(1, 29, 2)),
    ("v0.0.0", V(0, 0, 0)),
    ("v1.30.0-rc.1", V(1, 30, 0, ("rc", 1))),
    ("v1.30.0-alpha.2", V(1, 30, 0, ("alpha", 2))),
    ("1.30.0-beta.0", V(1, 30, 0, ("beta", 0))),
    ("v1.29.2+k3s1", V(1, 29, 2, build="k3s1")),
    ("v1.30.0-rc.1+abc.def", V(1, 30, 0, ("rc", 1), "abc.def")),
    (" v1.29.2\n", V(1, 29, 2)),
    ("v1.100.10", V(1, 100, 10)),
]


@pytest.mark.parametrize("text, expected", PARSE)
def test_parse(text, expected):
    got = kv.parse(text)
    assert got == expected
    assert (got.major, got.minor, got.patch, got.pre, got.build) == (
        expected.major, expected.minor, expected.patch, expected.pre, expected.build)


@pytest.mark.parametrize("text, shown", [
    ("v1.29.2", "v1.29.2"), ("1.29.2", "v1.29.2"), ("v1.30.0-rc.1", "v1.30.0-rc.1"),
    ("v1.29.2+k3s1", "v1.29.2+k3s1"),
])
def test_str_round_trip(text, shown):
    assert str(kv.parse(text)) == shown
    assert kv.parse(str(kv.parse(text))) == kv.parse(text)


PACKAGES = [
    ("1.29.2-1.1", V(1, 29, 2)),                  # deb, pkgs.k8s.io
    ("1.29.2-150500.1.1", V(1, 29, 2)),           # rpm, pkgs.k8s.io
    ("1.28.7-1.1", V(1, 28, 7)),
    ("1.29.2", V(1, 29, 2)),                      # no revision
    ("1.31.0~rc.1-1.1", V(1, 31, 0, ("rc", 1))),  # deb pre-release
    ("1.31.0~alpha.3-150500.1.1", V(1, 31, 0, ("alpha", 3))),
    ("1:1.29.2-1.1", V(1, 29, 2)),                # epoch
    ("1.18.1-00", V(1, 18, 1)),                   # the retired apt.kubernetes.io revision
]


@pytest.mark.parametrize("text, expected", PACKAGES)
def test_parse_package(text, expected):
    assert kv.parse_package(text) == expected
    assert kv.parse_any(text) == expected


MALFORMED = [
    "", " ", "v", "1", "1.29", "v1.29", "1.29.2.4", "v1.29.x", "v1.29.-2", "V1.29.2",
    "vv1.29.2", "v01.29.2", "v1.029.2", "v1.29.02", "v1.30.0-rc", "v1.30.0-rc.",
    "v1.30.0-gamma.1", "v1.30.0-RC.1", "v1.30.0-rc.01", "v1.30.0.rc1", "v1.30.0rc1",
    "1.29.2-1.1", "1.29.2-150500.1.1", "v1.29.2+", "v1.29.2 extra", "Kubernetes v1.29.2",
    "v1.29.2\x00", "v1.29.2;rm -rf /", "v1.2.3.4.5", "v1.29.2-", "v-1.29.2",
    "v1.9999999.0", "v" + "1" * 100 + ".0.0", "１.29.2",
]


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_versions_are_refused_with_the_input_named(text):
    with pytest.raises(kv.InvalidVersion) as err:
        kv.parse(text)
    msg = str(err.value)
    assert "is not a Kubernetes version" in msg
    assert "expected v<major>.<minor>.<patch>" in msg
    assert len(msg) < 200  # long inputs are shortened, not echoed whole


@pytest.mark.parametrize("value", [None, 1.29, 129, b"v1.29.2", ["v1.29.2"], {}])
def test_non_strings_are_refused(value):
    with pytest.raises(kv.InvalidVersion, match="is not a Kubernetes version"):
        kv.parse(value)
    with pytest.raises(kv.InvalidVersion, match="package version"):
        kv.parse_package(value)


MALFORMED_PACKAGES = ["", "1.29", "1.29.2-", "1.29.2--1", "v1.29.2-1.1", "1.29.2-rc.1",
                      "1.29.2~rc1-1.1", "abc", "1.29.2-1.1 extra", "x:1.29.2-1.1",
                      "1.29.2-" + "1" * 70]


@pytest.mark.parametrize("text", MALFORMED_PACKAGES)
def test_malformed_package_versions(text):
    with pytest.raises(kv.InvalidVersion, match="package version such as 1.29.2-1.1"):
        kv.parse_package(text)


@pytest.mark.parametrize("text", ["", "1.29", "v1.29.2-1.1", "banana"])
def test_parse_any_names_both_forms(text):
    with pytest.raises(kv.InvalidVersion) as err:
        kv.parse_any(text)
    assert "v1.29.2" in str(err.value) and "1.29.2-1.1" in str(err.value)


# Each list is in strictly ascending order.
ORDERED = [
    "v1.28.7", "v1.29.0-alpha.0", "v1.29.0-alpha.1", "v1.29.0-alpha.10", "v1.29.0-beta.0",
    "v1.29.0-beta.2", "v1.29.0-rc.0", "v1.29.0-rc.1", "v1.29.0", "v1.29.1", "v1.29.2",
    "v1.29.10", "v1.30.0-rc.1", "v1.30.0", "v1.100.0", "v2.0.0-alpha.1", "v2.0.0",
]


@pytest.mark.parametrize("i", range(len(ORDERED) - 1))
def test_order(i):
    lower, higher = kv.parse(ORDERED[i]), kv.parse(ORDERED[i + 1])
    assert lower < higher and higher > lower and lower != higher
    assert lower <= higher and not higher <= lower


def test_sorting_and_equality_ignore_build_metadata_and_the_v():
    assert sorted(kv.parse(v) for v in reversed(ORDERED)) == [kv.parse(v) for v in ORDERED]
    assert kv.parse("v1.29.2+k3s1") == kv.parse("1.29.2")
    assert len({kv.parse("v1.29.2"), kv.parse("1.29.2"), kv.parse("v1.29.2+x")}) == 1
    assert kv.parse("v1.29.2") != "v1.29.2"
    with pytest.raises(TypeError):
        kv.parse("v1.29.2") < "v1.29.3"  # noqa: B015


def test_package_and_kube_versions_compare():
    assert kv.parse_package("1.29.2-150500.1.1") == kv.parse("v1.29.2")
    assert kv.parse_package("1.29.2-1.1") < kv.parse("v1.29.3")
    assert kv.parse_package("1.31.0~rc.1-1.1") < kv.parse("v1.31.0")


def test_immutable_and_minor_version():
    v = kv.parse("v1.30.0-rc.1")
    assert v.minor_version == (1, 30) and v.is_prerelease
    assert not kv.parse("v1.30.0").is_prerelease
    with pytest.raises(AttributeError):
        v.minor = 31
    assert kv.parse(v) is v
    assert repr(v) == "KubeVersion('v1.30.0-rc.1')"


@pytest.mark.parametrize("older, newer, expected", [
    ("v1.29.2", "v1.29.9", 0), ("v1.26.0", "v1.29.2", 3), ("v1.30.0", "v1.29.2", -1),
    ("v1.29.2", "v2.0.0", None), ("1.28.7-1.1".split("-")[0], "v1.29.0-rc.1", 1),
])
def test_minors_between(older, newer, expected):
    assert kv.minors_between(older, newer) == expected


@given(st.integers(0, 999999), st.integers(0, 999999), st.integers(0, 999999),
       st.one_of(st.none(), st.tuples(st.sampled_from(["alpha", "beta", "rc"]),
                                      st.integers(0, 999999))))
def test_str_parse_round_trip_property(major, minor, patch, pre):
    v = kv.KubeVersion(major, minor, patch, pre)
    assert kv.parse(str(v)) == v
    assert kv.parse_package(str(v).lstrip("v").replace("-", "~") + "-1.1") == v


@given(st.text(max_size=30))
def test_parse_never_raises_anything_but_invalid_version(text):
    try:
        kv.parse(text)
    except kv.InvalidVersion:
        pass
    try:
        kv.parse_any(text)
    except kv.InvalidVersion:
        pass


# Exact messages, hashing and strict order (mutation testing: benchmarks/mutation.py).

def _error(func, value):
    with pytest.raises(kv.InvalidVersion) as err:
        func(value)
    assert err.value.value == value
    return str(err.value)


def test_messages_are_exact():
    assert _error(kv.parse, "1.29") == "'1.29' is not a Kubernetes version: " + kv.EXPECTED
    assert _error(kv.parse, 5) == "5 (int) is not a Kubernetes version: " + kv.EXPECTED
    assert _error(kv.parse, "x" * 40) == "'%s' is not a Kubernetes version: %s" % (
        "x" * 40, kv.EXPECTED)
    assert _error(kv.parse, "x" * 41) == "'%s...' is not a Kubernetes version: %s" % (
        "x" * 40, kv.EXPECTED)
    assert _error(kv.parse_package, "1.29.2-rc.1") == (
        "'1.29.2-rc.1' is not a Kubernetes version: " + kv.EXPECTED_PACKAGE)
    assert _error(kv.parse_package, 1.5) == (
        "1.5 (float) is not a Kubernetes version: " + kv.EXPECTED_PACKAGE)
    assert _error(kv.parse_any, "banana") == (
        "'banana' is not a Kubernetes version: expected v<major>.<minor>.<patch>, e.g. v1.29.2 "
        "or v1.30.0-rc.1, or a package version such as 1.29.2-1.1 (deb) or 1.29.2-150500.1.1 "
        "(rpm)")


def test_parse_any_reads_both_forms():
    assert kv.parse_any("v1.29.2") == kv.parse("1.29.2")
    assert kv.parse_any("1.29.2-150500.1.1") == kv.parse("v1.29.2")


def test_hash_follows_equality():
    assert hash(kv.parse("v1.29.2+k3s1")) == hash(kv.parse("1.29.2"))
    assert hash(kv.parse("v1.29.2")) != hash(kv.parse("v1.29.3"))
    assert len({kv.parse("v1.29.2"), kv.parse("1.29.2"), kv.parse("v1.30.0-rc.1")}) == 2


def test_order_is_strict():
    same, build = kv.parse("v1.29.2"), kv.parse("1.29.2+k3s1")
    assert not same < build and not build < same and same <= build and same >= build
    assert not same > build
