"""Build the lab's kubelet/kubeadm/kubectl (+ cri-tools) as real .deb and .rpm packages.

Versions in REAL_VERSIONS carry the real binaries built by tests/lab/kubebuild.py (kube_bin) and
declare the dependencies pkgs.k8s.io's packages declare; the other versions carry the Python test
doubles of tests/lab/payload and declare only kubeadm -> kubelet, kubectl.
"""

import shutil
import tempfile
from pathlib import Path

from tests.lab.proc import run

PAYLOAD = Path(__file__).parent / "payload"
K8S_PACKAGES = ("kubelet", "kubeadm", "kubectl")
#: Versions whose packages carry the real binaries from kubebuild (the one buildable version).
REAL_VERSIONS = ("1.20.2",)
#: cri-tools version published beside each real minor (its crictl is the lab's stand-in).
CRI_TOOLS_VERSIONS = {"1.20": "1.20.0"}
#: What pkgs.k8s.io's kubelet and kubeadm declare (deb Depends / rpm Requires), without
#: kubernetes-cni (docs/lab.md, "kubernetes-cni": StarlingX's CNI plugins come from the cluster).
REAL_DEPENDS = {
    "deb": {
        "kubelet": [
            "iptables (>= 1.4.21)",
            "iproute2",
            "socat",
            "util-linux",
            "mount",
            "ebtables",
            "ethtool",
            "conntrack",
        ],
        "kubeadm": ["kubelet (>= 1.19.0)", "kubectl (>= 1.13.0)", "cri-tools (>= 1.13.0)"],
    },
    "rpm": {
        "kubelet": [
            "iptables >= 1.4.21",
            "iproute",
            "socat",
            "util-linux",
            "ethtool",
            "ebtables",
            "conntrack",
        ],
        "kubeadm": ["kubelet >= 1.19.0", "kubectl >= 1.13.0", "cri-tools >= 1.13.0"],
    },
}
KUBEADM_MODULES = ("kubeadm_common", "kubeadm_tls", "kubeadm_join")
DEB_REVISION = "1.1"  # pkgs.k8s.io: 1.29.2-1.1
RPM_RELEASE = "150500.1.1"  # pkgs.k8s.io: 1.29.2-150500.1.1
MAINTAINER = "edgeworker provisioning lab <lab@edgelab.invalid>"
DESCRIPTIONS = {
    "kubelet": "Node agent for Kubernetes clusters",
    "kubeadm": "Command-line utility for administering a Kubernetes cluster",
    "kubectl": "Command-line utility for interacting with a Kubernetes cluster",
    "cri-tools": "Command-line utility for interacting with a container runtime",
}


def is_real(version):
    return version in REAL_VERSIONS


def _binary(kube_bin, command):
    if kube_bin is None:
        raise ValueError(f"{command} {REAL_VERSIONS} needs the real binaries (kubebuild.ensure())")
    return Path(kube_bin) / command


def _script(name, version):
    return (PAYLOAD / f"{name}.py").read_text().replace("@VERSION@", version)


def package_files(name, version, family, kube_bin=None):
    """path -> (content, mode) for one package; family is 'deb' or 'rpm' (unit paths differ).

    content is text, or a Path whose bytes are copied (the real binaries)."""
    if name == "cri-tools":
        return {"usr/bin/crictl": (_binary(kube_bin, "crictl"), 0o755)}
    unit_dir = "lib/systemd/system" if family == "deb" else "usr/lib/systemd/system"
    env_file = "/etc/default/kubelet" if family == "deb" else "/etc/sysconfig/kubelet"
    real = is_real(version)
    program = _binary(kube_bin, name) if real else _script(name, version)
    files = {f"usr/bin/{name}": (program, 0o755)}
    if name == "kubelet":
        files[f"{unit_dir}/kubelet.service"] = ((PAYLOAD / "kubelet.service").read_text(), 0o644)
        if family == "rpm":
            files["etc/sysconfig/kubelet"] = ("KUBELET_EXTRA_ARGS=\n", 0o644)
    if name == "kubeadm":
        dropin = (PAYLOAD / "10-kubeadm.conf").read_text().replace("@ENVFILE@", env_file)
        files["usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"] = (dropin, 0o644)
        for module in KUBEADM_MODULES if not real else ():  # the rest of the double
            files[f"usr/lib/fake-kubeadm/{module}.py"] = (_script(module, version), 0o644)
    return files


def depends(name, version, family):
    """Declared dependencies: pkgs.k8s.io's for the real packages, kubeadm's two for doubles."""
    if is_real(version) or name == "cri-tools":
        return list(REAL_DEPENDS[family].get(name, []))
    if name != "kubeadm":
        return []
    deps = ["kubelet (>= 1.19.0)", "kubectl (>= 1.13.0)"]
    return deps if family == "deb" else [d.replace("(", "").replace(")", "") for d in deps]


def _stage(files, root):
    for rel, (content, mode) in files.items():
        path = Path(root) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copyfile(content, path)
        else:
            path.write_text(content)
        path.chmod(mode)


def _summary(name, version):
    if name == "cri-tools":
        return "the edgeworker lab's crictl stand-in (cri-tools is not in Debian)"
    if is_real(version):
        return f"real upstream v{version}, built by the edgeworker lab from Debian's source"
    return f"edgeworker lab test double of v{version}"


_KUBELET_POSTINST = """#!/bin/sh
set -e
if [ "$1" = configure ]; then
    deb-systemd-helper enable kubelet.service >/dev/null || true
    if [ -d /run/systemd/system ]; then
        systemctl --system daemon-reload >/dev/null || true
        deb-systemd-invoke restart kubelet.service >/dev/null || true
    fi
fi
"""


def _carries_binaries(name, version):
    return is_real(version) or name == "cri-tools"


def build_deb(name, version, outdir, kube_bin=None):
    """Build <name>_<version>-1.1_amd64.deb into outdir and return its path."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        _stage(package_files(name, version, "deb", kube_bin), root)
        (root / "DEBIAN").mkdir()
        control = [
            f"Package: {name}",
            f"Version: {version}-{DEB_REVISION}",
            "Architecture: amd64",
            f"Maintainer: {MAINTAINER}",
            "Section: admin",
            "Priority: optional",
            "Homepage: https://kubernetes.io",
        ]
        if depends(name, version, "deb"):
            control.append("Depends: " + ", ".join(depends(name, version, "deb")))
        control.append(f"Description: {DESCRIPTIONS[name]}\n {_summary(name, version)}.")
        (root / "DEBIAN/control").write_text("\n".join(control) + "\n")
        if name == "kubelet":
            (root / "DEBIAN/postinst").write_text(_KUBELET_POSTINST)
            (root / "DEBIAN/postinst").chmod(0o755)
        out = Path(outdir) / f"{name}_{version}-{DEB_REVISION}_amd64.deb"
        level = "-z1" if _carries_binaries(name, version) else "-z9"  # 100 MB binaries: fast
        run(["dpkg-deb", "--root-owner-group", "-Zgzip", level, "--build", root, out], timeout=600)
    return out


_SPEC = """\
Name: {name}
Version: {version}
Release: {release}
Summary: {summary}
License: Apache-2.0
URL: https://kubernetes.io
BuildArch: x86_64
AutoReqProv: no
{requires}
%description
{description} (built by the edgeworker provisioning lab).

%install
cp -a {stage}/. %{{buildroot}}/

%files
{files}
"""


def build_rpm(name, version, outdir, kube_bin=None):
    """Build <name>-<version>-150500.1.1.x86_64.rpm into outdir and return its path."""
    with tempfile.TemporaryDirectory() as tmp:
        files = package_files(name, version, "rpm", kube_bin)
        _stage(files, Path(tmp) / "stage")
        return build_rpm_tree(
            name,
            version,
            RPM_RELEASE,
            DESCRIPTIONS[name],
            Path(tmp) / "stage",
            outdir,
            requires=depends(name, version, "rpm"),
            payload="w1.gzdio" if _carries_binaries(name, version) else "w9.gzdio",
            description=_summary(name, version),
        )


def build_rpm_tree(
    name,
    version,
    release,
    summary,
    stage,
    outdir,
    requires=(),
    provides=(),
    payload="w9.gzdio",
    description=None,
):
    """Build an x86_64 RPM whose payload is the tree stage (files under etc/ are %config)."""
    stage = Path(stage)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        paths = sorted(
            p.relative_to(stage).as_posix()
            for p in stage.rglob("*")
            if p.is_file() or p.is_symlink()
        )
        listing = "\n".join(
            ("%config(noreplace) /" if rel.startswith("etc/") else "/") + rel for rel in paths
        )
        deps = "".join(f"Requires: {r}\n" for r in requires) + "".join(
            f"Provides: {p}\n" for p in provides
        )
        spec = tmp / f"{name}.spec"
        spec.write_text(
            _SPEC.format(
                name=name,
                version=version,
                release=release,
                summary=summary,
                description=description or summary,
                requires=deps,
                stage=stage,
                files=listing,
            )
        )
        run(
            [
                "rpmbuild",
                "-bb",
                "--quiet",
                "--target",
                "x86_64",
                "--define",
                f"_topdir {tmp / 'top'}",
                "--define",
                "_build_id_links none",
                "--define",
                "__os_install_post %{nil}",
                "--define",
                f"_binary_payload {payload}",
                spec,
            ],
            timeout=600,
        )
        built = next((tmp / "top/RPMS").rglob("*.rpm"))
        out = Path(outdir) / f"{name}-{version}-{release}.x86_64.rpm"
        shutil.copy(built, out)
    return out


def minor_of(version):
    return ".".join(version.split(".")[:2])
