"""The lab's package repositories: pkgs.k8s.io-style apt/dnf repos per minor, and distro stand-ins.

Layout under the served directory (the same paths pkgs.k8s.io uses):
  core:/stable:/v1.29/deb/    flat apt repo: *.deb, Packages(.gz), Release, InRelease, Release.gpg,
                              Release.key
  core:/stable:/v1.29/rpm/    *.rpm (signed), repodata/repomd.xml(.asc|.key)
  core:/stable:/v1.20/...     the same for 1.20.2, whose kubelet/kubeadm/kubectl carry the REAL
                              binaries from kubebuild, plus cri-tools 1.20.0 (the crictl stand-in)
  debian/                     flat apt repo: Debian's real containerd, runc and the node tools
                              conntrack, socat, ebtables, ethtool, iptables (mirror key)
  rocky/9/BaseOS/x86_64/os/   dnf repo: the node tools under Rocky 9's names (elrepo.py, mirror key)
  docker-ce/linux/centos/9/x86_64/stable/
                              dnf repo: containerd.io = Debian's real containerd + runc binaries
                              repackaged as an RPM, as Docker's repo ships it (docker key)
  keys/                       armored public keys: k8s, mirror, docker, rogue (signs nothing)
Built once per recipe into the cache (temp dir + rename), served by http.server on the bridge.
The recipe includes the kube build's key, so rebuilt binaries rebuild the repos.
"""

import hashlib
import json
import shutil
import tempfile
import time
from pathlib import Path

from tests.lab import config, elrepo, kubebuild, pkgbuild
from tests.lab.base import build_lock, roots_dir
from tests.lab.proc import run, spawn, stop_pidfile, wait_port

#: Versions whose packages carry the Python doubles (tests/lab/payload).
K8S_VERSIONS = ("1.28.7", "1.29.2", "1.29.3", "1.30.2")
#: Versions whose packages carry the real binaries (kubebuild).
REAL_K8S_VERSIONS = pkgbuild.REAL_VERSIONS
#: The Debian mirror stand-in: the container runtime and the node tools kubelet/kubeadm need
#: (their library dependencies are all in the base root already).
MIRROR_PACKAGES = ("containerd", "runc", "conntrack", "socat", "ebtables", "ethtool", "iptables",
                   # the WireGuard tunnel's edge side (role edgeworker_tunnel; no kernel module)
                   "wireguard-tools", "wireguard-go")
KEYS = {
    "k8s": "edgelab pkgs.k8s.io signing key <k8s@edgelab.invalid>",
    "mirror": "edgelab Debian mirror signing key <mirror@edgelab.invalid>",
    "docker": "edgelab Docker CE stand-in signing key <docker@edgelab.invalid>",
    "rogue": "edgelab rogue key <rogue@edgelab.invalid>",
}
DOCKER_RPM_PATH = "docker-ce/linux/centos/9/x86_64/stable"


def recipe():
    payload = sorted(p for p in pkgbuild.PAYLOAD.rglob("*") if p.is_file())
    sources = [Path(pkgbuild.__file__), Path(elrepo.__file__), Path(__file__), *payload]
    digest = hashlib.sha256()
    for path in sources:
        digest.update(path.name.encode() + path.read_bytes())
    return {
        "versions": list(K8S_VERSIONS),
        "real_versions": list(REAL_K8S_VERSIONS),
        "kube_build": kubebuild.cache_key(),
        "mirror": list(MIRROR_PACKAGES),
        "sources": digest.hexdigest(),
    }


def _key(data):
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def minor_path(minor):
    return f"core:/stable:/v{minor}"


class Repos:
    """A built repository tree plus the HTTP server that serves it on the lab bridge."""

    def __init__(self, path):
        self.path = Path(path)
        self.www = self.path / "www"
        self.base_url = f"http://{config.BRIDGE_IP}:{config.REPO_PORT}"

    def k8s_url(self, minor, family):
        return f"{self.base_url}/{minor_path(minor)}/{family}/"

    def key_url(self, minor, family):
        leaf = "Release.key" if family == "deb" else "repodata/repomd.xml.key"
        return self.k8s_url(minor, family) + leaf

    def armored_key(self, name):
        return (self.www / "keys" / f"{name}.asc").read_text()

    def mirror_keyring(self):
        return (self.path / "mirror.gpg").read_bytes()

    def el_repo_file(self):
        """/etc/yum.repos.d/ content for the Rocky 9 BaseOS stand-in (the node tools)."""
        return elrepo.repo_file(self.base_url, f"{self.base_url}/keys/mirror.asc")

    def apt_source_script(self, minor, key="k8s"):
        """Shell commands that add the k8s apt repo of minor the way the pkgs.k8s.io docs do."""
        key_url = self.key_url(minor, "deb") if key == "k8s" else f"{self.base_url}/keys/{key}.asc"
        keyring = "/etc/apt/keyrings/kubernetes-apt-keyring.gpg"
        return (
            f"set -e; mkdir -p /etc/apt/keyrings; curl -fsSL '{key_url}' "
            f"| gpg --dearmor --yes -o {keyring}; "
            f"echo 'deb [signed-by={keyring}] {self.k8s_url(minor, 'deb')} /' "
            "> /etc/apt/sources.list.d/kubernetes.list"
        )

    def start_server(self, run_dir):
        pidfile, log = Path(run_dir) / "repo-http.pid", Path(run_dir) / "repo-http.log"
        proc = spawn(
            [
                "python3",
                "-m",
                "http.server",
                str(config.REPO_PORT),
                "--bind",
                config.BRIDGE_IP,
                "--directory",
                self.www,
            ],
            log,
            pidfile=pidfile,
        )
        wait_port(config.BRIDGE_IP, config.REPO_PORT, pid=proc.pid, log_path=log)
        return proc.pid

    @staticmethod
    def stop_server(run_dir):
        return stop_pidfile(Path(run_dir) / "repo-http.pid")


def ensure_repos():
    """Return Repos for the cached repository tree, building it if its recipe changed."""
    final = roots_dir().parent / "repos" / _key(recipe())
    if (final / "recipe.json").exists():
        return Repos(final)
    kube_bin = kubebuild.ensure()  # the real 1.20.2 packages carry these binaries
    with build_lock("repos"):
        if (final / "recipe.json").exists():
            return Repos(final)
        tmp = final.with_name(f".tmp-{final.name}")
        shutil.rmtree(tmp, ignore_errors=True)
        started = time.monotonic()
        config.progress("building the signed apt/rpm package repos (about 1 min)")
        try:
            with config.heartbeat("building the package repos"):
                _build(tmp, kube_bin)
            (tmp / "recipe.json").write_text(json.dumps(recipe(), indent=2))
        finally:
            _kill_agent(tmp / "gnupg")
        tmp.rename(final)
        config.progress(f"package repos built in {time.monotonic() - started:.1f}s: {final}")
    return Repos(final)


def _gpg(home, *args, **kwargs):
    return run(
        [
            "gpg",
            "--homedir",
            home,
            "--batch",
            "--quiet",
            "--no-tty",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
            *args,
        ],
        **kwargs,
    )


def _kill_agent(home):
    if Path(home).exists():
        run(["gpgconf", "--homedir", home, "--kill", "all"], check=False)


def _build(tmp, kube_bin):
    home = tmp / "gnupg"
    home.mkdir(parents=True, mode=0o700)
    www = tmp / "www"
    (www / "keys").mkdir(parents=True)
    for name, uid in KEYS.items():
        _gpg(home, "--quick-gen-key", uid, "rsa3072", "sign", "never")
        (www / "keys" / f"{name}.asc").write_text(_gpg(home, "--armor", "--export", uid).stdout)
    (tmp / "mirror.gpg").write_bytes(_export_binary(home, KEYS["mirror"]))
    versions = K8S_VERSIONS + REAL_K8S_VERSIONS
    for minor in sorted({pkgbuild.minor_of(v) for v in versions}):
        deb_dir, rpm_dir = www / minor_path(minor) / "deb", www / minor_path(minor) / "rpm"
        deb_dir.mkdir(parents=True)
        rpm_dir.mkdir(parents=True)
        for version in (v for v in versions if pkgbuild.minor_of(v) == minor):
            for name in pkgbuild.K8S_PACKAGES:
                pkgbuild.build_deb(name, version, deb_dir, kube_bin)
                pkgbuild.build_rpm(name, version, rpm_dir, kube_bin)
        if minor in pkgbuild.CRI_TOOLS_VERSIONS:
            tools = pkgbuild.CRI_TOOLS_VERSIONS[minor]
            pkgbuild.build_deb("cri-tools", tools, deb_dir, kube_bin)
            pkgbuild.build_rpm("cri-tools", tools, rpm_dir, kube_bin)
        _index_apt(home, deb_dir, KEYS["k8s"], origin=f"edgelab pkgs.k8s.io v{minor}")
        (deb_dir / "Release.key").write_text((www / "keys/k8s.asc").read_text())
        _index_rpm(home, rpm_dir, KEYS["k8s"])
    mirror = www / "debian"
    mirror.mkdir()
    run(["apt-get", "download", *MIRROR_PACKAGES], cwd=mirror, timeout=300)
    _index_apt(home, mirror, KEYS["mirror"], origin="edgelab Debian mirror")
    _containerd_rpm_repo(home, mirror, www / DOCKER_RPM_PATH)
    elrepo.build(mirror, www / elrepo.EL_PATH)
    _index_rpm(home, www / elrepo.EL_PATH, KEYS["mirror"])


def _containerd_rpm_repo(home, debs, repo):
    """containerd.io RPM from Debian's real containerd + runc binaries (glibc as in the root)."""
    repo.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp) / "stage"
        for package in ("containerd", "runc"):
            run(["dpkg-deb", "-x", next(debs.glob(f"{package}_*.deb")), stage])
        shutil.rmtree(stage / "usr/share", ignore_errors=True)
        unit = stage / "usr/lib/systemd/system"
        unit.mkdir(parents=True)
        (stage / "lib/systemd/system/containerd.service").rename(unit / "containerd.service")
        shutil.rmtree(stage / "lib")
        version = next(debs.glob("containerd_*.deb")).name.split("_")[1].split("~")[0]
        pkgbuild.build_rpm_tree(
            "containerd.io",
            version,
            "3.1.el9",
            "An industry-standard container runtime",
            stage,
            repo,
            provides=("containerd", "runc"),
            payload="w1.gzdio",
        )
    _index_rpm(home, repo, KEYS["docker"])
    (repo.parents[2] / "gpg").write_text((repo / "repodata/repomd.xml.key").read_text())


def _export_binary(home, uid):
    out = home.parent / "export.tmp"
    run(["gpg", "--homedir", home, "--batch", "--yes", "--output", out, "--export", uid])
    data = out.read_bytes()
    out.unlink()
    return data


def _index_apt(home, repo, uid, origin):
    """Flat apt repo index + InRelease/Release.gpg signatures (as pkgs.k8s.io publishes them)."""
    packages = run(["apt-ftparchive", "packages", "."], cwd=repo).stdout
    (repo / "Packages").write_text(packages)
    run(["gzip", "-9kf", "Packages"], cwd=repo)
    release = run(
        [
            "apt-ftparchive",
            "-o",
            f"APT::FTPArchive::Release::Origin={origin}",
            "-o",
            f"APT::FTPArchive::Release::Label={origin}",
            "release",
            ".",
        ],
        cwd=repo,
    ).stdout
    (repo / "Release").write_text(release)
    _gpg(
        home,
        "--yes",
        "--local-user",
        uid,
        "--clearsign",
        "--output",
        repo / "InRelease",
        repo / "Release",
    )
    _gpg(
        home,
        "--yes",
        "--local-user",
        uid,
        "--armor",
        "--detach-sign",
        "--output",
        repo / "Release.gpg",
        repo / "Release",
    )


def _index_rpm(home, repo, uid):
    """Sign every RPM, build repodata with createrepo_c, sign repomd.xml, publish the key."""
    rpms = sorted(str(p) for p in repo.glob("*.rpm"))
    run(
        [
            "rpmsign",
            "--addsign",
            "--define",
            f"_gpg_name {uid}",
            "--define",
            f"_gpg_path {home}",
            "--define",
            f"__gpg {shutil.which('gpg')}",
            *rpms,
        ],
        env={"GNUPGHOME": str(home)},
    )
    run(["createrepo_c", "--quiet", "--no-database", repo])
    _gpg(
        home,
        "--yes",
        "--local-user",
        uid,
        "--armor",
        "--detach-sign",
        "--output",
        repo / "repodata/repomd.xml.asc",
        repo / "repodata/repomd.xml",
    )
    (repo / "repodata/repomd.xml.key").write_text(_gpg(home, "--armor", "--export", uid).stdout)


def prune(keep):
    """Remove cached repo trees other than keep. Returns the removed names."""
    removed = []
    for path in (roots_dir().parent / "repos").iterdir():
        if path.is_dir() and path != Path(keep):
            shutil.rmtree(path)
            removed.append(path.name)
    return removed
