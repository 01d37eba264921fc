"""The build of REAL Kubernetes v1.20.2 (tests/lab/kubebuild.py): binaries that run, cached."""

import shutil
import subprocess

import pytest

from tests.lab import kubebuild, realcluster

pytestmark = [pytest.mark.lab, pytest.mark.real_k8s]


def test_built_binaries_run_and_report_v1_20_2(kube_bin):
    versions = realcluster.tool_versions(kube_bin)
    for name in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet"):
        assert versions[name] == "Kubernetes v1.20.2", name
    # kubeadm segfaults at once with the vendored reflect2 1.0.1 under Go >= 1.18
    assert versions["kubeadm"] == "v1.20.2"
    assert versions["etcd"].startswith("etcd Version: 3.4.")


def test_warm_build_is_served_from_the_cache(kube_bin, monkeypatch):
    before = {c: (kube_bin / c).stat().st_mtime_ns for c in kubebuild.COMMANDS}

    def no_build(self):
        raise AssertionError("a warm ensure() must not build")

    monkeypatch.setattr(kubebuild._Build, "run", no_build)
    assert kubebuild.ensure() == kube_bin
    assert {c: (kube_bin / c).stat().st_mtime_ns for c in kubebuild.COMMANDS} == before
    record = kubebuild.build_record()
    assert record["key"] == kubebuild.cache_key() == kube_bin.parent.name
    assert record["recipe"]["source"] == "kubernetes=1.20.5+really1.20.2-1.1+deb12u1"


def test_cache_key_follows_the_recipe_inputs(kube_bin, monkeypatch):
    key = kubebuild.cache_key()
    monkeypatch.setattr(kubebuild, "REFLECT2_VERSION", "1.0.1-1")
    changed = kubebuild.cache_key()
    assert changed != key and kubebuild.cached(changed) is None
    monkeypatch.undo()
    monkeypatch.setattr(kubebuild, "SOURCE_VERSION", "1.20.5+really1.20.2-1.1")
    assert kubebuild.cache_key() not in (key, changed)


def test_kubectl_and_the_crictl_stand_in_are_built(kube_bin):
    out = subprocess.run(
        [kube_bin / "kubectl", "version", "--client", "--short"], capture_output=True, text=True
    )
    assert out.stdout.strip() == "Client Version: v1.20.2"
    crictl = subprocess.run([kube_bin / "crictl", "--version"], capture_output=True, text=True)
    assert crictl.stdout.strip() == "crictl version v1.20.0-edgelab"
    # no endpoint answers: exit 1 with the reason, as crictl does
    down = subprocess.run(
        [kube_bin / "crictl", "-r", "unix:///nonexistent/edgelab.sock", "-t", "1s", "version"],
        capture_output=True,
        text=True,
    )
    assert down.returncode == 1 and "nonexistent/edgelab.sock" in down.stderr


def test_cache_key_follows_the_crictl_source(tmp_path, monkeypatch):
    key = kubebuild.cache_key()
    source = tmp_path / "crictl"
    shutil.copytree(kubebuild.CRICTL_SOURCE, source)
    monkeypatch.setattr(kubebuild, "CRICTL_SOURCE", source)
    assert kubebuild.cache_key() == key
    main = source / "main.go"
    main.write_text(main.read_text().replace("v1.20.0-edgelab", "v1.20.0-changed"))
    assert kubebuild.cache_key() != key
