"""The lab's container images, built here because none can be downloaded: pause and busybox.

  pause 3.2    the real pause from the Kubernetes v1.20.2 tree (build/pause/linux/pause.c, read
               from the source package kubebuild downloads), compiled as upstream's Makefile does
               (gcc -Os -Wall -Werror -static, then strip); one layer holding /pause, entrypoint
               /pause, like k8s.gcr.io/pause (FROM scratch).  kubeadm v1.20 and containerd's
               sandbox_image ask for pause:3.2.
  busybox 1.35 Debian bookworm's busybox-static (apt-get download; the machine's apt state is not
               changed): /bin/busybox, a /bin symlink per applet, a minimal /etc; cmd ["sh"].
  cni-installer 1.1.1
               busybox plus Debian's containernetworking-plugins (bridge, host-local, loopback,
               portmap from /usr/lib/cni) in /opt/cni/bin: the lab cluster's CNI DaemonSet copies
               them onto each node (tests/lab/realstack.py), as Calico's install-cni does.

Each is a Docker v2 schema 2 image (gzip layers, an image config with architecture amd64, os
linux and rootfs diff_ids, a manifest of type application/vnd.docker.distribution.manifest.v2+json,
which containerd 1.6 pulls).  Layers are written deterministically (fixed mtimes, owners, order;
gzip without name or time), so equal inputs give equal digests.  The blobs are cached in
$LAB_CACHE/images/<recipe-hash>/blobs/sha256/ (built in a temp dir, renamed into place when
complete); images.json there names each image's repository, tag and digests.  Builds of other
recipes are left alone (about 1.3 MB each): checkouts of different versions share the cache, and
one must not delete what another is pushing.
"""

import gzip
import hashlib
import io
import json
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from tests.lab import config, kubebuild
from tests.lab.base import build_lock
from tests.lab.proc import run

#: Bump when the way the images are made changes in a way the recipe fields do not capture.
REVISION = 1
IMAGES_DIR = config.CACHE_DIR / "images"
DOWNLOADS = IMAGES_DIR / "downloads"
MEDIA_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MEDIA_CONFIG = "application/vnd.docker.container.image.v1+json"
MEDIA_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
CREATED = "1970-01-01T00:00:00Z"  # fixed, like reproducible builds (SOURCE_DATE_EPOCH=0)

PAUSE_SOURCE = "build/pause/linux/pause.c"
PAUSE_TAG = "3.2"  # kubeadm v1.20's constants.PauseVersion
PAUSE_CFLAGS = (
    "-Os",
    "-Wall",
    "-Werror",
    "-static",
    f"-DVERSION=v{PAUSE_TAG}-{kubebuild.GIT_VERSION}",
)
BUSYBOX_PACKAGE, BUSYBOX_VERSION = "busybox-static", "1:1.35.0-4+deb12u1+b1"
BUSYBOX_TAG = "1.35"
#: The lab cluster's CNI installer (tests/lab/realstack.py): busybox + Debian's
#: containernetworking-plugins, as the machine has them (.ci/install installs the package).
CNI_PACKAGE, CNI_TAG = "containernetworking-plugins", "1.1.1"
CNI_PLUGINS = ("bridge", "host-local", "loopback", "portmap")
CNI_SOURCE = Path("/usr/lib/cni")
#: Applets a pod spec may rely on; the build fails if the package lacks one.
REQUIRED_APPLETS = ("sh", "echo", "sleep", "cat", "hostname", "ls")

#: name -> (repository, tag), as pushed to the controller registry (registry.py prefixes the host).
#: pause goes where kubeadm looks for it (imageRepository registry.local:9001/k8s.gcr.io);
#: busybox is the lab's own build, so it is not named as Docker Hub's.
REFERENCES = {
    "pause": ("k8s.gcr.io/pause", PAUSE_TAG),
    "busybox": ("edgelab/busybox", BUSYBOX_TAG),
    "cni": ("edgelab/cni-installer", CNI_TAG),
}


@dataclass(frozen=True)
class Image:
    name: str
    repository: str
    tag: str
    manifest_digest: str
    config_digest: str
    layers: tuple  # ((digest, size), ...)
    store: Path  # the cache directory holding blobs/sha256/

    def blob_path(self, digest):
        algo, hexdigest = digest.split(":", 1)
        return self.store / "blobs" / algo / hexdigest

    def blob(self, digest):
        return self.blob_path(digest).read_bytes()

    @property
    def manifest(self):
        return self.blob(self.manifest_digest)

    @property
    def config(self):
        return json.loads(self.blob(self.config_digest))

    def digests(self):
        """Every blob the image needs, config first, then layers (the manifest is not a blob)."""
        return [self.config_digest] + [digest for digest, _ in self.layers]


def _first_line(argv):
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.splitlines()[0]


def recipe():
    """Everything that decides the images; its hash is the cache key."""
    return {
        "revision": REVISION,
        "pause": {
            "source": f"{kubebuild.SOURCE_PACKAGE}={kubebuild.SOURCE_VERSION}:{PAUSE_SOURCE}",
            "cflags": list(PAUSE_CFLAGS),
            "gcc": _first_line(["gcc", "--version"]),
            "libc6-dev": _first_line(["dpkg-query", "-W", "-f=${Version}\n", "libc6-dev"]),
        },
        "busybox": f"{BUSYBOX_PACKAGE}={BUSYBOX_VERSION}",
        "cni": {
            "package": CNI_PACKAGE,
            "version": _first_line(["dpkg-query", "-W", "-f=${Version}\n", CNI_PACKAGE]),
            "plugins": list(CNI_PLUGINS),
        },
        "references": {name: f"{repo}:{tag}" for name, (repo, tag) in REFERENCES.items()},
    }


def cache_key():
    return hashlib.sha256(json.dumps(recipe(), sort_keys=True).encode()).hexdigest()[:16]


def ensure():
    """{name: Image} for pause and busybox, building them first on a cold cache."""
    key = cache_key()
    final = IMAGES_DIR / key
    if not (final / "images.json").exists():
        IMAGES_DIR.mkdir(parents=True, exist_ok=True)
        with build_lock("images"):
            if not (final / "images.json").exists():
                _build(key, final)
    return load(final)


def load(store):
    store = Path(store)
    return {
        name: Image(**{**fields, "layers": tuple(map(tuple, fields["layers"])), "store": store})
        for name, fields in json.loads((store / "images.json").read_text()).items()
    }


def _build(key, final):
    for stale in IMAGES_DIR.glob(".tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = IMAGES_DIR / f".tmp-{key}"
    tmp.mkdir()
    try:
        work = tmp / "work"
        work.mkdir()
        config.progress("building the pause image: gcc -static of the Kubernetes tree's pause.c")
        pause = pause_layer(work)
        config.progress(f"building the busybox image from Debian's {BUSYBOX_PACKAGE}")
        busybox = busybox_layer(work)
        config.progress(f"building the CNI installer image from Debian's {CNI_PACKAGE}")
        cni = busybox_layer(work, extra=_cni_plugins)
        shutil.rmtree(work)
        records = {
            "pause": _write_image(tmp, "pause", pause, {"Entrypoint": ["/pause"]}),
            "busybox": _write_image(
                tmp,
                "busybox",
                busybox,
                {
                    "Cmd": ["sh"],
                    "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                },
            ),
            "cni": _write_image(
                tmp,
                "cni",
                cni,
                {
                    "Cmd": ["sh"],
                    "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                },
            ),
        }
        (tmp / "recipe.json").write_text(json.dumps(recipe(), indent=2, sort_keys=True) + "\n")
        (tmp / "images.json").write_text(json.dumps(records, indent=2, sort_keys=True) + "\n")
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    config.progress(f"images ready: {final}")


# ---- layers ---------------------------------------------------------------------------------
def _entry(name, kind=tarfile.REGTYPE, mode=0o755, size=0, linkname=""):
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.size, info.linkname = kind, mode, size, linkname
    info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
    return info


class _Layer:
    """A deterministic tar (entries in the order added, fixed metadata)."""

    def __init__(self):
        self.buffer = io.BytesIO()
        self.tar = tarfile.open(fileobj=self.buffer, mode="w", format=tarfile.USTAR_FORMAT)

    def dir(self, name, mode=0o755):
        self.tar.addfile(_entry(name, tarfile.DIRTYPE, mode))

    def file(self, name, data, mode=0o644):
        self.tar.addfile(_entry(name, mode=mode, size=len(data)), io.BytesIO(data))

    def symlink(self, name, target):
        self.tar.addfile(_entry(name, tarfile.SYMTYPE, 0o777, linkname=target))

    def close(self):
        self.tar.close()
        return self.buffer.getvalue()


def pause_layer(work):
    """The pause layer's uncompressed tar (work: a scratch directory)."""
    orig = kubebuild.ensure_source()
    prefix = f"kubernetes-{kubebuild.GIT_VERSION.lstrip('v')}/"
    with tarfile.open(orig) as tree:
        source = tree.extractfile(prefix + PAUSE_SOURCE).read()
    (work / "pause.c").write_bytes(source)
    run(["gcc", *PAUSE_CFLAGS, "-o", work / "pause", work / "pause.c"])
    run(["strip", work / "pause"])
    layer = _Layer()
    layer.file("pause", (work / "pause").read_bytes(), 0o755)
    return layer.close()


def _cni_plugins(layer):
    for name in ("opt", "opt/cni", "opt/cni/bin"):
        layer.dir(name)
    for plugin in CNI_PLUGINS:
        layer.file(f"opt/cni/bin/{plugin}", (CNI_SOURCE / plugin).read_bytes(), 0o755)


def busybox_layer(work, extra=None):
    """The busybox layer's uncompressed tar (work: a scratch directory); extra(layer) adds more."""
    downloads = DOWNLOADS
    downloads.mkdir(exist_ok=True)
    debs = list(downloads.glob(f"{BUSYBOX_PACKAGE}_*{BUSYBOX_VERSION.split(':')[-1]}_amd64.deb"))
    if not debs:
        # From the machine's own apt lists; apt-get download installs nothing, changes no state.
        run(["apt-get", "download", f"{BUSYBOX_PACKAGE}={BUSYBOX_VERSION}"], cwd=downloads)
        debs = list(downloads.glob(f"{BUSYBOX_PACKAGE}_*_amd64.deb"))
    run(["dpkg-deb", "-x", debs[0], work / "busybox"])
    binary = work / "busybox" / "bin" / "busybox"
    applets = sorted(set(run([binary, "--list"]).stdout.split()) - {"busybox"})
    missing = [a for a in REQUIRED_APPLETS if a not in applets]
    if missing:
        raise RuntimeError(f"{debs[0].name} lacks the applets {missing}")
    layer = _Layer()
    for name in ("bin", "dev", "etc", "home", "proc", "root", "sys", "usr", "var"):
        layer.dir(name, 0o700 if name == "root" else 0o755)
    layer.dir("tmp", 0o1777)
    layer.file("bin/busybox", binary.read_bytes(), 0o755)
    for applet in applets:
        layer.symlink(f"bin/{applet}", "busybox")
    layer.file(
        "etc/passwd",
        b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n",
    )
    layer.file("etc/group", b"root:x:0:\nnogroup:x:65534:\n")
    if extra is not None:
        extra(layer)
    return layer.close()


# ---- image = layer + config + manifest ------------------------------------------------------
def _put_blob(store, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    path = store / "blobs" / "sha256" / digest.split(":")[1]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return digest


def _gzip(data):
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as stream:
        stream.write(data)
    return out.getvalue()


def _write_image(store, name, tar_bytes, container_config):
    compressed = _gzip(tar_bytes)
    layer_digest = _put_blob(store, compressed)
    image_config = {
        "architecture": "amd64",
        "os": "linux",
        "created": CREATED,
        "config": container_config,
        "rootfs": {
            "type": "layers",
            "diff_ids": ["sha256:" + hashlib.sha256(tar_bytes).hexdigest()],
        },
        "history": [{"created": CREATED, "created_by": f"tests/lab/images.py ({name})"}],
    }
    config_bytes = json.dumps(image_config, sort_keys=True, separators=(",", ":")).encode()
    config_digest = _put_blob(store, config_bytes)
    manifest = {
        "schemaVersion": 2,
        "mediaType": MEDIA_MANIFEST,
        "config": {"mediaType": MEDIA_CONFIG, "size": len(config_bytes), "digest": config_digest},
        "layers": [{"mediaType": MEDIA_LAYER, "size": len(compressed), "digest": layer_digest}],
    }
    manifest_digest = _put_blob(store, json.dumps(manifest, indent=3).encode())
    repository, tag = REFERENCES[name]
    return {
        "name": name,
        "repository": repository,
        "tag": tag,
        "manifest_digest": manifest_digest,
        "config_digest": config_digest,
        "layers": [[layer_digest, len(compressed)]],
    }
