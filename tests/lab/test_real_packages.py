"""The lab's v1.20 packages carry the REAL Kubernetes v1.20.2 binaries (tests/lab/kubebuild.py),
declare pkgs.k8s.io's dependencies, install with apt and dnf on the Ubuntu/Rocky stand-ins with the
node tools from the lab's distribution repos, and the crictl stand-in talks to a real containerd."""

import hashlib
import io
import json
import subprocess
import tarfile

import pytest

from tests.lab import config, pkgbuild, repos
from tests.lab.ansible_run import playbook, recap
from tests.lab.fixtures import _unavailable
from tests.lab.proc import run

pytestmark = [pytest.mark.lab, pytest.mark.real_k8s]

V = "1.20.2"
TOOLS = ("conntrack", "socat", "ebtables", "ethtool", "iptables")
DEB_DEPENDS = {
    "kubelet": "iptables (>= 1.4.21), iproute2, socat, util-linux, mount, ebtables, ethtool, "
    "conntrack",
    "kubeadm": "kubelet (>= 1.19.0), kubectl (>= 1.13.0), cri-tools (>= 1.13.0)",
    "kubectl": "",
    "cri-tools": "",
}
RPM_REQUIRES = {
    "kubelet": {
        "conntrack",
        "ebtables",
        "ethtool",
        "iproute",
        "iptables >= 1.4.21",
        "socat",
        "util-linux",
    },
    "kubeadm": {"kubelet >= 1.19.0", "kubectl >= 1.13.0", "cri-tools >= 1.13.0"},
    "kubectl": set(),
    "cri-tools": set(),
}


@pytest.fixture(scope="module")
def repo_tree(kube_bin):
    """The built repos (cached by recipe); no lab, no lab lock: only files are inspected."""
    try:
        config.check_requirements()
    except config.LabUnavailable as exc:
        _unavailable(str(exc))
    return repos.ensure_repos()


def _repo_dir(built, family):
    return built.www / "core:/stable:/v1.20" / family


def _versions(bin_dir):
    return {
        "kubelet": run([bin_dir / "kubelet", "--version"]).stdout.strip(),
        "kubeadm": run([bin_dir / "kubeadm", "version", "-o", "short"]).stdout.strip(),
        "kubectl": run([bin_dir / "kubectl", "version", "--client", "--short"]).stdout.strip(),
        "crictl": run([bin_dir / "crictl", "--version"]).stdout.strip(),
    }


REAL = {
    "kubelet": "Kubernetes v1.20.2",
    "kubeadm": "v1.20.2",
    "kubectl": "Client Version: v1.20.2",
    "crictl": "crictl version v1.20.0-edgelab",
}


def test_v1_20_debs_carry_the_real_binaries_and_upstream_depends(repo_tree, kube_bin, tmp_path):
    deb_dir = _repo_dir(repo_tree, "deb")
    for name in pkgbuild.K8S_PACKAGES:
        deb = deb_dir / f"{name}_{V}-1.1_amd64.deb"
        run(["dpkg-deb", "-x", deb, tmp_path])
        depends = run(["dpkg-deb", "-f", deb, "Depends"]).stdout.strip()
        assert depends == DEB_DEPENDS[name], name
    tools = deb_dir / "cri-tools_1.20.0-1.1_amd64.deb"
    run(["dpkg-deb", "-x", tools, tmp_path])
    assert run(["dpkg-deb", "-f", tools, "Depends"]).stdout.strip() == ""
    assert _versions(tmp_path / "usr/bin") == REAL
    # the same bytes as the build (not a double that prints the same line)
    for name in pkgbuild.K8S_PACKAGES:
        assert _sha(tmp_path / "usr/bin" / name) == _sha(kube_bin / name), name
    unit = (tmp_path / "lib/systemd/system/kubelet.service").read_text()
    assert "ExecStart=/usr/bin/kubelet\n" in unit
    dropin = (tmp_path / "usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf").read_text()
    assert "EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env" in dropin
    assert "EnvironmentFile=-/etc/default/kubelet" in dropin
    assert not (tmp_path / "usr/lib/fake-kubeadm").exists()
    # the doubles stay doubles, with their old dependencies
    double = deb_dir.parent.parent / "v1.29/deb/kubeadm_1.29.2-1.1_amd64.deb"
    assert run(["dpkg-deb", "-f", double, "Depends"]).stdout.strip() == (
        "kubelet (>= 1.19.0), kubectl (>= 1.13.0)"
    )


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_v1_20_rpms_carry_the_real_binaries_and_upstream_requires(repo_tree, tmp_path):
    rpm_dir = _repo_dir(repo_tree, "rpm")
    names = {**{n: V for n in pkgbuild.K8S_PACKAGES}, "cri-tools": "1.20.0"}
    for name, version in names.items():
        rpm = rpm_dir / f"{name}-{version}-150500.1.1.x86_64.rpm"
        requires = run(["rpm", "-qp", "--requires", rpm]).stdout.splitlines()
        assert {r for r in requires if not r.startswith("rpmlib(")} == RPM_REQUIRES[name], name
        with open(rpm, "rb") as package:
            payload = subprocess.run(
                ["rpm2archive", "-"], stdin=package, capture_output=True, check=True
            ).stdout
        with tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as archive:
            archive.extractall(tmp_path, filter="tar")
    assert _versions(tmp_path / "usr/bin") == REAL
    dropin = (tmp_path / "usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf").read_text()
    assert "EnvironmentFile=-/etc/sysconfig/kubelet" in dropin
    assert (tmp_path / "etc/sysconfig/kubelet").read_text() == "KUBELET_EXTRA_ARGS=\n"


def test_rocky_baseos_stand_in_names_the_tools_as_rocky_9(repo_tree, tmp_path):
    repo = repo_tree.www / "rocky/9/BaseOS/x86_64/os"
    found = {}
    for rpm in repo.glob("*.rpm"):
        query = run(["rpm", "-qp", "--qf", "%{NAME}", rpm]).stdout
        found[query] = set(run(["rpm", "-qp", "--provides", rpm]).stdout.split("\n"))
    assert set(found) == {
        "conntrack-tools",
        "socat",
        "ethtool",
        "iptables-nft",
        "iptables-ebtables",
        "iproute",
        "util-linux",
    }
    assert any(p.startswith("conntrack") and "tools" not in p for p in found["conntrack-tools"])
    assert any(p.startswith("iptables =") for p in found["iptables-nft"])
    assert any(p.startswith("ebtables =") for p in found["iptables-ebtables"])
    # Debian's real binaries inside, at the EL9 (usr-merged) paths
    rpm = next(repo.glob("conntrack-tools-*.rpm"))
    with open(rpm, "rb") as package:
        payload = subprocess.run(
            ["rpm2archive", "-"], stdin=package, capture_output=True, check=True
        ).stdout
    with tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as archive:
        archive.extractall(tmp_path, filter="tar")
    assert run([tmp_path / "usr/sbin/conntrack", "--version"]).stdout.startswith("conntrack v")


def _missing_tools(host):
    script = "; ".join(f"command -v {t} >/dev/null || echo {t}" for t in TOOLS)
    return host.ssh(f"PATH=/usr/sbin:/usr/bin:/sbin:/bin; {script}").stdout.split()


def test_apt_installs_real_kubeadm_1_20_2_with_the_node_tools(lab, lab_hosts):
    host = lab_hosts("ubuntu2204")
    assert {"conntrack", "socat", "ethtool"} <= set(_missing_tools(host))
    host.ssh(lab.repos.apt_source_script("1.20") + "; apt-get update -q")
    assert host.ssh("apt-cache madison kubeadm | awk '{print $3}'").stdout.split() == ["1.20.2-1.1"]
    host.ssh("apt-get install -y -q kubeadm=1.20.2-1.1 kubelet=1.20.2-1.1 kubectl=1.20.2-1.1")
    assert host.ssh("kubelet --version").stdout.strip() == "Kubernetes v1.20.2"
    assert host.ssh("kubeadm version -o short").stdout.strip() == "v1.20.2"
    assert host.ssh("kubectl version --client --short").stdout.strip() == "Client Version: v1.20.2"
    assert host.ssh("crictl --version").stdout.strip() == "crictl version v1.20.0-edgelab"
    # the dependencies came from the lab's Debian mirror stand-in (Debian's real packages)
    installed = host.ssh(
        "dpkg-query -W -f '${Package} ${Status}\\n' conntrack socat ebtables ethtool cri-tools"
    ).stdout.splitlines()
    assert len(installed) == 5 and all(line.endswith("install ok installed") for line in installed)
    assert _missing_tools(host) == []
    assert host.ssh("conntrack --version").stdout.startswith("conntrack v")


def test_dnf_installs_real_kubeadm_1_20_2_with_the_node_tools(lab, lab_hosts):
    host = lab_hosts("rocky9")
    assert {"conntrack", "socat", "ethtool"} <= set(_missing_tools(host))
    host.file("/etc/yum.repos.d/kubernetes.repo").write_text(
        "[kubernetes]\nname=Kubernetes\n"
        f"baseurl={lab.repos.k8s_url('1.20', 'rpm')}\n"
        "enabled=1\ngpgcheck=1\nrepo_gpgcheck=1\n"
        f"gpgkey={lab.repos.key_url('1.20', 'rpm')}\n"
    )
    host.ssh(f"dnf -y -q install kubeadm-{V} kubelet-{V} kubectl-{V}", timeout=600)
    assert host.ssh("kubelet --version").stdout.strip() == "Kubernetes v1.20.2"
    assert host.ssh("kubeadm version -o short").stdout.strip() == "v1.20.2"
    rpms = "conntrack-tools socat iptables-ebtables ethtool iptables-nft cri-tools"
    result = host.ssh(f"rpm -q --qf '%{{NAME}}\\n' {rpms}", check=False)
    assert result.returncode == 0, result.stdout
    assert _missing_tools(host) == []
    assert host.ssh("socat -V").stdout.startswith("socat by Gerhard Rieger")


ROLE = pkgbuild.PAYLOAD.parents[2] / "playbooks/provision_edgeworker/roles/edgeworker_kube_packages"
TOOLS_PLAY = [
    {
        "hosts": "all",
        "gather_facts": True,
        "tasks": [
            {
                "name": "Lab | the packages role",
                "ansible.builtin.include_role": {"name": str(ROLE)},
            }
        ],
    }
]


def test_packages_role_installs_the_node_tools_before_kubeadm(lab, lab_hosts, tmp_path):
    hosts = [lab_hosts("ubuntu2204"), lab_hosts("rocky9")]
    for host in hosts:
        assert {"conntrack", "socat", "ethtool"} <= set(_missing_tools(host))
    variables = {
        "edgeworker_kube_version": V,
        "edgeworker_kube_repo_base": f"{lab.repos.base_url}/core:/stable:/",
    }
    out = playbook(lab, hosts, TOOLS_PLAY, tmp_path, variables).stdout
    # the role's own tasks installed the tools, before the kube packages (not as their deps)
    apt_task, dnf_task = (f"Node tools | Install with {m}]" for m in ("apt", "dnf"))
    assert out.index(apt_task) < out.index(dnf_task) < out.index("Install (replacing")
    assert f"changed: [{hosts[0].name}]" in out.split(apt_task)[1].split("TASK [")[0]
    assert f"changed: [{hosts[1].name}]" in out.split(dnf_task)[1].split("TASK [")[0]
    for host in hosts:
        assert _missing_tools(host) == [], host.name
        assert host.ssh("kubeadm version -o short").stdout.strip() == "v1.20.2"
    assert hosts[1].ssh("rpm -q conntrack-tools socat ethtool", check=False).returncode == 0
    again = playbook(lab, hosts, TOOLS_PLAY, tmp_path, variables).stdout
    assert all(recap(again)[h.name]["changed"] == 0 for h in hosts), again[-3000:]


def _oci_archive(name):
    """An OCI image layout tar with one layer (one file), named by containerd's annotation."""
    blobs = {}

    def blob(data):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        blobs[digest] = data
        return {"digest": digest, "size": len(data)}

    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as tar:
        data = b"edgelab crictl test image\n"
        info = tarfile.TarInfo("hello.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    layer_desc = blob(layer.getvalue())
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": [layer_desc["digest"]]},
    }
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            **blob(json.dumps(config).encode()),
        },
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", **layer_desc}],
    }
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                **blob(json.dumps(manifest).encode()),
                "platform": {"architecture": "amd64", "os": "linux"},
                "annotations": {"io.containerd.image.name": name},
            }
        ],
    }
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        files = {"oci-layout": b'{"imageLayoutVersion": "1.0.0"}', "index.json": b""}
        files["index.json"] = json.dumps(index).encode()
        for digest, data in blobs.items():
            files[f"blobs/sha256/{digest.split(':')[1]}"] = data
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue(), manifest["config"]["digest"]


def test_crictl_stand_in_talks_to_a_real_containerd(lab, lab_hosts):
    host = lab_hosts("debian12", mode="systemd")
    host.ssh("systemctl is-system-running --wait", check=False)
    host.ssh(lab.repos.apt_source_script("1.20") + "; apt-get update -q")
    host.ssh("apt-get install -y -q containerd cri-tools")
    host.ssh("systemctl enable --now containerd && systemctl is-active containerd")
    sock = "unix:///run/containerd/containerd.sock"
    host.file("/etc/crictl.yaml").write_text(f"runtime-endpoint: {sock}\nimage-endpoint: {sock}\n")

    version = host.ssh("crictl version").stdout
    assert "RuntimeName:  containerd" in version and "RuntimeApiVersion:  v1alpha2" in version
    assert '"status"' in host.ssh(f"crictl -r {sock} info").stdout  # kubeadm's preflight call

    image = "registry.local:9001/edgelab/crictl-test:1"
    absent = host.ssh(f"crictl inspecti --quiet {image}", check=False)
    assert absent.returncode == 1 and "no such image" in absent.stderr
    archive, config_digest = _oci_archive(image)
    host.file("/root/image.tar").write_bytes(archive)
    host.ssh("ctr -n k8s.io images import /root/image.tar && rm /root/image.tar")
    present = host.ssh(f"crictl inspecti --quiet {image}")
    assert json.loads(present.stdout)["status"]["id"] == config_digest
    assert config_digest in host.ssh("crictl images -q").stdout.split()
    # an unreachable registry: the pull goes through containerd's CRI plugin and fails there
    pulled = host.ssh("crictl pull registry.invalid/edgelab/none:1", check=False)
    assert pulled.returncode == 1 and "pulling image" in pulled.stderr
    # the endpoint really comes from /etc/crictl.yaml
    host.file("/etc/crictl.yaml").write_text("runtime-endpoint: unix:///run/nothing.sock\n")
    assert host.ssh("crictl -t 2s version", check=False).returncode == 1
