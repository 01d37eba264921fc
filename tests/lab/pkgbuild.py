"""Build the lab's kubelet/kubeadm/kubectl as real .deb (dpkg-deb) and .rpm (rpmbuild) packages."""

import shutil
import tempfile
from pathlib import Path

from tests.lab.proc import run

PAYLOAD = Path(__file__).parent / "payload"
K8S_PACKAGES = ("kubelet", "kubeadm", "kubectl")
KUBEADM_MODULES = ("kubeadm_common", "kubeadm_tls", "kubeadm_join")
DEB_REVISION = "1.1"  # pkgs.k8s.io: 1.29.2-1.1
RPM_RELEASE = "150500.1.1"  # pkgs.k8s.io: 1.29.2-150500.1.1
MAINTAINER = "edgeworker provisioning lab <lab@edgelab.invalid>"
DESCRIPTIONS = {
    "kubelet": "Node agent for Kubernetes clusters",
    "kubeadm": "Command-line utility for administering a Kubernetes cluster",
    "kubectl": "Command-line utility for interacting with a Kubernetes cluster",
}


def _script(name, version):
    return (PAYLOAD / f"{name}.py").read_text().replace("@VERSION@", version)


def package_files(name, version, family):
    """path -> (content, mode) for one package; family is 'deb' or 'rpm' (unit paths differ)."""
    unit_dir = "lib/systemd/system" if family == "deb" else "usr/lib/systemd/system"
    env_file = "/etc/default/kubelet" if family == "deb" else "/etc/sysconfig/kubelet"
    files = {f"usr/bin/{name}": (_script(name, version), 0o755)}
    if name == "kubelet":
        files[f"{unit_dir}/kubelet.service"] = ((PAYLOAD / "kubelet.service").read_text(), 0o644)
        if family == "rpm":
            files["etc/sysconfig/kubelet"] = ("KUBELET_EXTRA_ARGS=\n", 0o644)
    if name == "kubeadm":
        dropin = (PAYLOAD / "10-kubeadm.conf").read_text().replace("@ENVFILE@", env_file)
        files["usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"] = (dropin, 0o644)
        for module in KUBEADM_MODULES:  # the rest of the double, imported by usr/bin/kubeadm
            files[f"usr/lib/fake-kubeadm/{module}.py"] = (_script(module, version), 0o644)
    return files


def _requires(name):
    return ["kubelet (>= 1.19.0)", "kubectl (>= 1.13.0)"] if name == "kubeadm" else []


def _stage(files, root):
    for rel, (content, mode) in files.items():
        path = Path(root) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        path.chmod(mode)


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


def build_deb(name, version, outdir):
    """Build <name>_<version>-1.1_amd64.deb into outdir and return its path."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        _stage(package_files(name, version, "deb"), root)
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
        if _requires(name):
            control.append("Depends: " + ", ".join(_requires(name)))
        control.append(
            f"Description: {DESCRIPTIONS[name]}\n edgeworker lab test double of v{version}."
        )
        (root / "DEBIAN/control").write_text("\n".join(control) + "\n")
        if name == "kubelet":
            (root / "DEBIAN/postinst").write_text(_KUBELET_POSTINST)
            (root / "DEBIAN/postinst").chmod(0o755)
        out = Path(outdir) / f"{name}_{version}-{DEB_REVISION}_amd64.deb"
        run(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", root, out])
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
{summary} (built by the edgeworker provisioning lab).

%install
cp -a {stage}/. %{{buildroot}}/

%files
{files}
"""


def build_rpm(name, version, outdir):
    """Build <name>-<version>-150500.1.1.x86_64.rpm into outdir and return its path."""
    with tempfile.TemporaryDirectory() as tmp:
        files = package_files(name, version, "rpm")
        _stage(files, Path(tmp) / "stage")
        requires = [r.replace("(", "").replace(")", "") for r in _requires(name)]
        return build_rpm_tree(
            name,
            version,
            RPM_RELEASE,
            DESCRIPTIONS[name],
            Path(tmp) / "stage",
            outdir,
            requires=requires,
        )


def build_rpm_tree(
    name, version, release, summary, stage, outdir, requires=(), provides=(), payload="w9.gzdio"
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
