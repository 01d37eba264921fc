"""The RPM family's distribution repo stand-in: the node tools under their Rocky/RHEL 9 names.

A Rocky 9 host installs conntrack, socat, ebtables, ethtool and iptables from BaseOS; the lab's RPM
hosts have no EL base at all (docs/lab.md).  This builds, from Debian's real binaries (the .debs of
the lab's Debian mirror stand-in, glibc of the Debian root), RPMs with the names, Provides and file
paths (usr-merged) of Rocky 9's packages, the way repos.py repackages containerd as containerd.io:

  conntrack-tools   /usr/sbin/conntrack                     Provides: conntrack
  socat             /usr/bin/socat, filan, procan
  ethtool           /usr/sbin/ethtool
  iptables-nft      /usr/sbin/xtables-nft-multi + the iptables/ip6tables(-nft) links
                                                            Provides: iptables
  iptables-ebtables /usr/sbin/ebtables(-save|-restore) -> xtables-nft-multi (nft backend, as EL9)
                                                            Provides: ebtables
  iproute, util-linux  no files: the Debian root already has ip, mount, nsenter (dpkg-owned);
                    these record them in the rpmdb as an EL install would (kubelet requires them)

Served at rocky/9/BaseOS/x86_64/os/ with the mirror key; repo_file() is the .repo a host uses.
"""

import subprocess
import tempfile
from pathlib import Path

from tests.lab import pkgbuild
from tests.lab.proc import run

EL_PATH = "rocky/9/BaseOS/x86_64/os"
RELEASE = "1.el9"
#: Rocky name -> (Debian package, files kept (paths after the usr merge), Provides, summary)
TOOLS = {
    "conntrack-tools": (
        "conntrack",
        ("usr/sbin/conntrack",),
        ("conntrack",),
        "Manipulate netfilter connection tracking table",
    ),
    "socat": (
        "socat",
        ("usr/bin/socat", "usr/bin/filan", "usr/bin/procan"),
        (),
        "Bidirectional data relay between two data channels",
    ),
    "ethtool": ("ethtool", ("usr/sbin/ethtool",), (), "Settings tool for Ethernet NICs"),
}
IPTABLES_LINKS = (
    "iptables",
    "iptables-save",
    "iptables-restore",
    "ip6tables",
    "ip6tables-save",
    "ip6tables-restore",
    "iptables-nft",
    "iptables-nft-save",
    "iptables-nft-restore",
    "ip6tables-nft",
    "ip6tables-nft-save",
    "ip6tables-nft-restore",
)
EBTABLES_LINKS = ("ebtables", "ebtables-save", "ebtables-restore")
#: Already in every lab root (dpkg-owned): recorded in the rpmdb by file-less packages.
BASE_PRESENT = {"iproute": "iproute2", "util-linux": "util-linux"}
#: Debian packages these are made from (the mirror stand-in serves them too).
DEBIAN_SOURCES = ("conntrack", "socat", "ethtool", "iptables")


def _upstream(deb):
    """Upstream version of a .deb (no epoch, no Debian revision): 1:1.4.7-1+b2 -> 1.4.7."""
    version = run(["dpkg-deb", "-f", deb, "Version"]).stdout.strip()
    return version.split(":")[-1].rsplit("-", 1)[0].replace("~", ".")


def _extract_merged(deb, dest):
    """dpkg-deb -x, with /bin, /sbin, /lib moved under /usr as on EL9."""
    run(["dpkg-deb", "-x", deb, dest])
    for top in ("bin", "sbin", "lib"):
        old = Path(dest) / top
        if old.is_dir() and not old.is_symlink():
            new = Path(dest) / "usr" / top
            new.mkdir(parents=True, exist_ok=True)
            for item in old.iterdir():
                item.rename(new / item.name)
            old.rmdir()


def _deb(debs, package):
    return next(Path(debs).glob(f"{package}_*.deb"))


def _keep_only(stage, keep):
    for path in sorted(Path(stage).rglob("*"), reverse=True):
        rel = path.relative_to(stage).as_posix()
        if path.is_dir() and not path.is_symlink():
            if not any(path.iterdir()):
                path.rmdir()
        elif rel not in keep:
            path.unlink()


def _build(name, version, summary, stage, repo, provides=(), requires=()):
    pkgbuild.build_rpm_tree(
        name,
        version,
        RELEASE,
        summary,
        stage,
        repo,
        requires=requires,
        provides=provides,
        payload="w1.gzdio",
        description=f"{summary}: Debian's binaries under the Rocky 9 name",
    )


def build(debs, repo):
    """Build the tool RPMs into repo (unsigned, unindexed) from the .debs in debs."""
    repo = Path(repo)
    repo.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, (package, keep, provides, summary) in TOOLS.items():
            stage = tmp / name
            _extract_merged(_deb(debs, package), stage)
            _keep_only(stage, keep)
            _build(name, _upstream(_deb(debs, package)), summary, stage, repo, provides)
        iptables = _deb(debs, "iptables")
        version = _upstream(iptables)
        stage = tmp / "iptables-nft"
        _extract_merged(iptables, stage)
        _keep_only(stage, ("usr/sbin/xtables-nft-multi",))
        for link in IPTABLES_LINKS:
            (stage / "usr/sbin" / link).symlink_to("xtables-nft-multi")
        _build(
            "iptables-nft",
            version,
            "nftables-compatible iptables",
            stage,
            repo,
            provides=(f"iptables = {version}",),
        )
        stage = tmp / "iptables-ebtables"
        (stage / "usr/sbin").mkdir(parents=True)
        for link in EBTABLES_LINKS:
            (stage / "usr/sbin" / link).symlink_to("xtables-nft-multi")
        _build(
            "iptables-ebtables",
            version,
            "ebtables on the nft backend",
            stage,
            repo,
            provides=(f"ebtables = {version}",),
            requires=(f"iptables-nft = {version}",),
        )
        for name, debian in BASE_PRESENT.items():
            stage = tmp / name
            stage.mkdir()
            _build(
                name,
                _installed_version(debian),
                f"{debian} as the lab's Debian root already has it (no files)",
                stage,
                repo,
            )


def _installed_version(package):
    """The machine's (Debian 12, the roots' suite) version of package, upstream part."""
    out = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Version}", package], capture_output=True, text=True
    )
    version = out.stdout.strip() or "0"
    return version.split(":")[-1].rsplit("-", 1)[0]


def repo_file(base_url, key_url):
    """/etc/yum.repos.d/ content for a lab RPM host: the BaseOS stand-in, signed with the
    mirror key."""
    return (
        "[edgelab-baseos]\n"
        "name=edgelab Rocky 9 BaseOS stand-in (Debian's binaries)\n"
        f"baseurl={base_url}/{EL_PATH}/\n"
        "enabled=1\ngpgcheck=1\nrepo_gpgcheck=1\n"
        f"gpgkey={key_url}\n"
    )
