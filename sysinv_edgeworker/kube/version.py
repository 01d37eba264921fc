"""Kubernetes version strings: parse, compare, and map package versions to upstream ones.

Accepted (``parse``)::

    v1.29.2   1.29.2                 a release
    v1.30.0-rc.1  -alpha.2  -beta.0  a pre-release (alpha < beta < rc < the release)
    v1.29.2+k3s1                     build metadata: kept for display, ignored when comparing

Package versions (``parse_package``) as pkgs.k8s.io publishes them::

    1.29.2-1.1              deb (upstream version, '-', Debian revision)
    1.29.2-150500.1.1       rpm (upstream version, '-', release)
    1.31.0~rc.1-1.1         a pre-release package ('~' sorts before the release in dpkg/rpm)
    1:1.29.2-1.1            an optional epoch (the revision must start with a digit:
                            1.29.2-rc.1 is refused, not read as 1.29.2)

``packaging.version`` does not fit: it accepts forms Kubernetes never uses (``1.29``,
``1.29.2.4``, ``1.29.2.dev0``, epochs), normalises ``-rc.1`` to ``rc1`` and reads the deb
revision ``-1`` as a PEP 440 post-release, so ``1.29.2-1.1`` is invalid and ``1.29.2-1`` sorts
after ``1.29.2``. Kubernetes' grammar is small; it is spelled out below.

Errors are ``InvalidVersion`` (a ``ValueError``) whose message names the input and the
expected form; callers prefix the field (``--target-version``, a node's kubeletVersion...).
"""

import functools
import re

_NUM = r"(?:0|[1-9][0-9]{0,5})"
_PRE = r"(?P<kind>alpha|beta|rc)\.(?P<n>" + _NUM + r")"
_CORE = r"(?P<major>" + _NUM + r")\.(?P<minor>" + _NUM + r")\.(?P<patch>" + _NUM + r")"
_VERSION_RE = re.compile(
    r"^v?" + _CORE + r"(?:-" + _PRE + r")?(?:\+(?P<build>[0-9A-Za-z.-]{1,64}))?$")
_PACKAGE_RE = re.compile(
    r"^(?:[0-9]{1,4}:)?" + _CORE + r"(?:~" + _PRE + r")?"
    r"(?:-(?P<revision>[0-9][0-9A-Za-z.+~_]{0,63}))?$")
_PRE_ORDER = {"alpha": 0, "beta": 1, "rc": 2}
_MAX_SHOWN = 40

EXPECTED = "expected v<major>.<minor>.<patch>, e.g. v1.29.2 or v1.30.0-rc.1"
EXPECTED_PACKAGE = "expected a package version such as 1.29.2-1.1 (deb) or 1.29.2-150500.1.1 (rpm)"


class InvalidVersion(ValueError):
    def __init__(self, value, expected=EXPECTED):
        self.value = value
        super().__init__("%s is not a Kubernetes version: %s" % (_shown(value), expected))


def _shown(value):
    if not isinstance(value, str):
        return "%r (%s)" % (value, type(value).__name__)
    if len(value) > _MAX_SHOWN:
        value = value[:_MAX_SHOWN] + "..."
    return repr(value)


@functools.total_ordering
class KubeVersion:
    """An upstream Kubernetes version. Immutable, hashable, ordered like Kubernetes orders
    releases; equality and order ignore build metadata."""

    __slots__ = ("major", "minor", "patch", "pre", "build")

    def __init__(self, major, minor, patch, pre=None, build=None):
        object.__setattr__(self, "major", int(major))
        object.__setattr__(self, "minor", int(minor))
        object.__setattr__(self, "patch", int(patch))
        object.__setattr__(self, "pre", pre)  # None or ("rc", 1)
        object.__setattr__(self, "build", build)

    def __setattr__(self, name, value):
        raise AttributeError("KubeVersion is immutable")

    @property
    def minor_version(self):
        """(major, minor): the unit of the skew policy."""
        return (self.major, self.minor)

    @property
    def is_prerelease(self):
        return self.pre is not None

    def _key(self):
        pre = (0, _PRE_ORDER[self.pre[0]], self.pre[1]) if self.pre else (1, 0, 0)
        return (self.major, self.minor, self.patch, pre)

    def __eq__(self, other):
        if not isinstance(other, KubeVersion):
            return NotImplemented
        return self._key() == other._key()

    def __lt__(self, other):
        if not isinstance(other, KubeVersion):
            return NotImplemented
        return self._key() < other._key()

    def __hash__(self):
        return hash(self._key())

    def __str__(self):
        text = "v%d.%d.%d" % (self.major, self.minor, self.patch)
        if self.pre:
            text += "-%s.%d" % self.pre
        if self.build:
            text += "+" + self.build
        return text

    def __repr__(self):
        return "KubeVersion(%r)" % str(self)


def _pre(match):
    return (match.group("kind"), int(match.group("n"))) if match.group("kind") else None


def parse(value):
    """A Kubernetes version string (``v1.29.2``, ``1.29.2``, ``v1.30.0-rc.1``) or a
    KubeVersion (returned as is)."""
    if isinstance(value, KubeVersion):
        return value
    if not isinstance(value, str):
        raise InvalidVersion(value)
    match = _VERSION_RE.match(value.strip())
    if not match:
        raise InvalidVersion(value)
    return KubeVersion(match.group("major"), match.group("minor"), match.group("patch"),
                       _pre(match), match.group("build"))


def parse_package(value):
    """The upstream version of a kubelet/kubeadm/kubectl package version
    (``1.29.2-1.1`` → v1.29.2, ``1.29.2-150500.1.1`` → v1.29.2, ``1.31.0~rc.1-1.1`` →
    v1.31.0-rc.1). A bare upstream version (``1.29.2``) is accepted too."""
    if not isinstance(value, str):
        raise InvalidVersion(value, EXPECTED_PACKAGE)
    match = _PACKAGE_RE.match(value.strip())
    if not match:
        raise InvalidVersion(value, EXPECTED_PACKAGE)
    return KubeVersion(match.group("major"), match.group("minor"), match.group("patch"),
                       _pre(match))


def parse_any(value):
    """A Kubernetes version or a package version, whichever ``value`` is."""
    try:
        return parse(value)
    except InvalidVersion:
        pass
    try:
        return parse_package(value)
    except InvalidVersion:
        raise InvalidVersion(value, EXPECTED + ", or " + EXPECTED_PACKAGE.split(" ", 1)[1]) \
            from None


def minors_between(older, newer):
    """How many minor versions ``newer`` is ahead of ``older`` (negative when behind);
    None when the major versions differ (the skew policy has no answer across majors)."""
    older, newer = parse(older), parse(newer)
    if older.major != newer.major:
        return None
    return newer.minor - older.minor
