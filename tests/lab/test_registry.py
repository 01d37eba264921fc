"""The controller registry (Debian's docker-registry as registry.local:9001, TLS + htpasswd) and
the lab-built images it serves (tests/lab/registry.py, tests/lab/images.py; docs/lab.md, "The
registry and images").  Everything runs for real: the registry process in its own lab netns,
the v2 API over TLS verified against the registry CA, the pause and busybox binaries from the
pulled layers."""

import base64
import gzip
import hashlib
import io
import json
import os
import shutil
import signal
import ssl
import struct
import subprocess
import tarfile

import pytest

from tests.lab import config, images, network, pki
from tests.lab.proc import alive, read_pid
from tests.lab.registry import Client, RealRegistry, stop

pytestmark = pytest.mark.lab

NETNS_HOST = "reg"
#: Below FIRST_HOST_OCTET (lab hosts start at .10), beside the bridge (.1) and the real control
#: plane (.2): the lab never hands it out.
IP = f"{config.SUBNET_PREFIX}.3"
OTHER_HOST, OTHER_IP = "reg2", f"{config.SUBNET_PREFIX}.4"
assert int(OTHER_IP.rsplit(".", 1)[1]) < config.FIRST_HOST_OCTET


@pytest.fixture(scope="module")
def built():
    return images.ensure()


@pytest.fixture(scope="module")
def registry(lab, built):
    network.delete_host_netns(NETNS_HOST)
    network.create_host_netns(NETNS_HOST, IP)
    reg = RealRegistry(lab.run_dir, network.netns_name(NETNS_HOST), IP)
    try:
        reg.up()
        reg.push(built)
        yield reg
    finally:
        reg.down()
        network.delete_host_netns(NETNS_HOST)


def _manifest(api, image):
    return api.request(
        "GET",
        f"/v2/{image.repository}/manifests/{image.tag}",
        headers={"Accept": images.MEDIA_MANIFEST},
    )


def _layer_files(api, image, tmp_path):
    """Pull the image's one layer from the registry and unpack it (no ownership changes)."""
    ((digest, _size),) = image.layers
    status, _, blob = api.request("GET", f"/v2/{image.repository}/blobs/{digest}")
    assert status == 200
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as layer:
        layer.extractall(tmp_path, filter="tar")
    return tmp_path


def test_catalog_and_manifests_with_credentials(registry, built):
    api = registry.client()
    assert registry.host == "registry.local:9001"
    assert registry.images == {
        "pause": "registry.local:9001/k8s.gcr.io/pause:3.2",
        "busybox": "registry.local:9001/edgelab/busybox:1.35",
        "cni": "registry.local:9001/edgelab/cni-installer:1.1.1",
    }
    assert api.get_json("/v2/_catalog") == {
        "repositories": ["edgelab/busybox", "edgelab/cni-installer", "k8s.gcr.io/pause"]
    }
    for image in built.values():
        status, headers, body = _manifest(api, image)
        assert status == 200
        assert headers["Content-Type"] == images.MEDIA_MANIFEST
        assert headers["Docker-Content-Digest"] == image.manifest_digest
        assert "sha256:" + hashlib.sha256(body).hexdigest() == image.manifest_digest
        assert api.get_json(f"/v2/{image.repository}/tags/list")["tags"] == [image.tag]


def test_without_credentials_401(registry, built):
    anonymous = registry.client(anonymous=True)
    for path in ("/v2/", "/v2/_catalog"):
        status, headers, _ = anonymous.request("GET", path)
        assert status == 401
        assert headers["WWW-Authenticate"] == 'Basic realm="registry.local"'
    assert _manifest(anonymous, built["pause"])[0] == 401


def test_wrong_credentials_401(registry, built):
    assert registry.client(password=registry.password + "x").request("GET", "/v2/")[0] == 401
    assert registry.client(username="root").request("GET", "/v2/")[0] == 401
    assert _manifest(registry.client(password="wrong"), built["busybox"])[0] == 401
    assert registry.client().request("GET", "/v2/")[0] == 200


def test_tls_is_verified_for_registry_local(registry, tmp_path):
    # The certificate names registry.local and the address, issued by the registry CA.
    assert Client(IP, registry.port, IP, registry.ca_cert_file).request("GET", "/v2/")[0] == 401
    with pytest.raises(ssl.SSLCertVerificationError, match="Hostname mismatch"):
        Client(IP, registry.port, "registry.example", registry.ca_cert_file).request("GET", "/v2/")
    other_ca, _ = pki.create_ca(tmp_path / "other", common_name="not-the-registry-ca")
    with pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer"):
        Client(IP, registry.port, "registry.local", other_ca).request("GET", "/v2/")
    assert registry.ca_cert_pem.startswith("-----BEGIN CERTIFICATE-----")


def test_blobs_match_their_digests(registry, built):
    api = registry.client()
    for image in built.values():
        manifest = json.loads(_manifest(api, image)[2])
        assert manifest["mediaType"] == images.MEDIA_MANIFEST
        assert manifest["config"]["mediaType"] == images.MEDIA_CONFIG
        blobs = {}
        for ref in [manifest["config"], *manifest["layers"]]:
            status, _, blob = api.request("GET", f"/v2/{image.repository}/blobs/{ref['digest']}")
            assert status == 200
            assert "sha256:" + hashlib.sha256(blob).hexdigest() == ref["digest"]
            assert len(blob) == ref["size"]
            blobs[ref["digest"]] = blob
        image_config = json.loads(blobs[manifest["config"]["digest"]])
        assert (image_config["architecture"], image_config["os"]) == ("amd64", "linux")
        layer = gzip.decompress(blobs[manifest["layers"][0]["digest"]])
        assert image_config["rootfs"] == {
            "type": "layers",
            "diff_ids": ["sha256:" + hashlib.sha256(layer).hexdigest()],
        }


def _skopeo_inspect(registry, image, cert_dir, authfile=None):
    argv = ["skopeo", "inspect", "--cert-dir", cert_dir]
    argv += ["--authfile", authfile] if authfile else []
    ref = f"docker://{registry.address}:{registry.port}/{image.repository}:{image.tag}"
    return subprocess.run([*argv, ref], capture_output=True, text=True, timeout=60)


def test_skopeo_reads_the_images(registry, built, tmp_path):
    """A registry client that is not ours (skopeo, containers/image) reads manifest and config,
    with the credentials from an auth file (0600, not the command line) and the registry CA."""
    certs = tmp_path / "certs"
    certs.mkdir()
    (certs / "ca.crt").write_text(registry.ca_cert_pem)
    token = base64.b64encode(f"{registry.username}:{registry.password}".encode()).decode()
    auth = {"auths": {f"{registry.address}:{registry.port}": {"auth": token}}}
    pki.write_secret(tmp_path / "auth.json", json.dumps(auth).encode())
    for image in built.values():
        out = _skopeo_inspect(registry, image, certs, tmp_path / "auth.json")
        assert out.returncode == 0, out.stderr
        info = json.loads(out.stdout)
        assert info["Digest"] == image.manifest_digest
        assert (info["Architecture"], info["Os"]) == ("amd64", "linux")
        assert info["Layers"] == [digest for digest, _ in image.layers]
    refused = _skopeo_inspect(registry, built["pause"], certs)
    assert refused.returncode != 0
    assert "unauthorized: authentication required" in refused.stderr
    other_ca, _ = pki.create_ca(tmp_path / "other", common_name="not-the-registry-ca")
    (certs / "ca.crt").write_bytes(other_ca.read_bytes())
    untrusted = _skopeo_inspect(registry, built["pause"], certs, tmp_path / "auth.json")
    assert untrusted.returncode != 0
    assert "certificate signed by unknown authority" in untrusted.stderr


def _elf_program_header_types(path):
    data = path.read_bytes()
    assert data[:4] == b"\x7fELF" and data[4] == 2  # ELF64
    phoff = struct.unpack_from("<Q", data, 0x20)[0]
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    return {struct.unpack_from("<I", data, phoff + i * phentsize)[0] for i in range(phnum)}


def test_pause_is_static_and_runs(registry, built, tmp_path):
    image = built["pause"]
    assert image.config["config"]["Entrypoint"] == ["/pause"]
    root = _layer_files(registry.client(), image, tmp_path)
    assert sorted(p.name for p in root.iterdir()) == ["pause"]
    pause = root / "pause"
    assert not {2, 3} & _elf_program_header_types(pause)  # no PT_DYNAMIC, no PT_INTERP
    assert (
        "statically linked"
        in subprocess.run(["file", pause], capture_output=True, text=True).stdout
    )
    version = subprocess.run([pause, "-v"], capture_output=True, text=True, timeout=10)
    assert version.stdout == "pause.c v3.2-v1.20.2\n"
    proc = subprocess.Popen([pause], stderr=subprocess.PIPE, text=True)
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=0.5)  # pause waits for a signal
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 0
    assert "Shutting down, got signal: Terminated" in err


def test_busybox_image_has_the_applets(registry, built, tmp_path):
    image = built["busybox"]
    assert image.config["config"]["Cmd"] == ["sh"]
    root = _layer_files(registry.client(), image, tmp_path)
    for applet in ("sh", "echo", "sleep", "cat", "hostname", "ls"):
        assert os.readlink(root / "bin" / applet) == "busybox"
    out = subprocess.run(
        [root / "bin/sh", "-c", "echo hello from busybox; cat /proc/self/comm"],
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert out.returncode == 0 and out.stdout == "hello from busybox\ncat\n"
    assert (
        "BusyBox v1.35.0"
        in subprocess.run([root / "bin/busybox"], capture_output=True, text=True).stdout
    )


def test_layers_are_reproducible(built, tmp_path):
    """A second build of each layer gives byte-identical content, so the cache key stays valid
    and the digests in images.json are the digests of what the recipe builds."""
    for name, build in (("pause", images.pause_layer), ("busybox", images.busybox_layer)):
        work = tmp_path / name
        work.mkdir()
        ((digest, _),) = built[name].layers
        assert "sha256:" + hashlib.sha256(images._gzip(build(work))).hexdigest() == digest


def test_secrets_stay_in_0600_files(registry):
    for name in ("password", "htpasswd", "config.yml", "server.key"):
        assert (registry.dir / name).stat().st_mode & 0o777 == 0o600, name
    assert (registry.ca_dir / "ca.key").stat().st_mode & 0o777 == 0o600
    assert (registry.dir / "password").read_text().strip() == registry.password
    assert (registry.dir / "htpasswd").read_text().startswith(f"{registry.username}:$2b$")
    pid = read_pid(registry.pidfile)
    cmdline = open(f"/proc/{pid}/cmdline", "rb").read().decode()
    assert cmdline.split("\0")[:2] == ["/usr/bin/docker-registry", "serve"]
    assert registry.password not in cmdline
    assert registry.password not in registry.log.read_text()


def test_down_and_sweep_stop_it_by_pid(lab):
    """down() (and stop(run_dir), which the lab sweep calls) stop the process and remove the
    registry's directory; second registries in a netns of their own."""
    network.delete_host_netns(OTHER_HOST)
    network.create_host_netns(OTHER_HOST, OTHER_IP)
    run_dirs = {how: lab.run_dir / f"registry-{how}-test" for how in ("down", "stop")}
    try:
        for how, run_dir in run_dirs.items():
            reg = RealRegistry(run_dir, network.netns_name(OTHER_HOST), OTHER_IP).up()
            pid = read_pid(reg.pidfile)
            assert alive(pid)
            if how == "down":
                reg.down()
            else:
                stop(run_dir)
            assert not alive(pid)
            assert not reg.dir.exists()
    finally:
        for run_dir in run_dirs.values():
            stop(run_dir)
            shutil.rmtree(run_dir, ignore_errors=True)
        network.delete_host_netns(OTHER_HOST)
