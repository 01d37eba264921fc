"""The cached Debian base root (debootstrap) and cached layers over it (e.g. rpm + dnf).

Both are keyed by a hash of their recipe, built in a temporary directory and renamed into place
only when complete, so an interrupted build is never reused.  A file lock serialises builders.
"""

import fcntl
import hashlib
import json
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

from tests.lab import config
from tests.lab.mounts import mount_overlay, umount_under
from tests.lab.proc import run

#: Bump when the way the base is built changes in a way the recipe fields do not capture.
BASE_RECIPE_REVISION = 1
BASE_PACKAGES = (
    "python3",
    "python3-apt",
    "python3-yaml",
    "openssh-server",
    "systemd",
    "systemd-sysv",
    "dbus",
    "iproute2",
    "ca-certificates",
    "gnupg",
    "procps",
    "kmod",
    "iptables",
    "curl",
)

#: Layers over the base: name -> packages installed with apt inside the layer.
LAYERS = {
    "rpm": ("rpm", "dnf", "python3-dnf"),
    # An RPM-family host with a real firewalld (nftables backend, in the host's own netns) and
    # its Python bindings (what ansible.posix.firewalld imports on the host).
    "rpm-firewalld": ("rpm", "dnf", "python3-dnf", "firewalld", "python3-firewall"),
}


def base_recipe(mirror=None):
    return {
        "revision": BASE_RECIPE_REVISION,
        "suite": config.DEBIAN_SUITE,
        "variant": "minbase",
        "mirror": mirror or config.debian_mirror(),
        "include": sorted(BASE_PACKAGES),
    }


def recipe_key(recipe):
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:16]


def roots_dir():
    path = config.CACHE_DIR / "roots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def build_lock(name):
    """Exclusive lock so concurrent test processes build each artifact only once."""
    lock_path = roots_dir() / f".{name}.lock"
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _discard(path):
    """Remove a stale/partial build directory, unmounting anything a crashed build left inside."""
    umount_under(path)
    shutil.rmtree(path, ignore_errors=True)


def _discard_stale_temps(prefix):
    for stale in roots_dir().glob(f".tmp-{prefix}-*"):
        _discard(stale)


def ensure_base(mirror=None):
    """Return the path of the cached base root, building it with debootstrap if needed."""
    recipe = base_recipe(mirror)
    final = roots_dir() / f"base-{recipe_key(recipe)}"
    if (final / ".lab-recipe.json").exists():
        return final
    with build_lock("base"):
        if (final / ".lab-recipe.json").exists():
            return final
        _discard_stale_temps("base")
        tmp = roots_dir() / f".tmp-base-{recipe_key(recipe)}"
        started = time.monotonic()
        config.progress(f"building base root with debootstrap from {recipe['mirror']} (about 70 s)")
        try:
            with config.heartbeat("building the base root (debootstrap)"):
                run(
                    [
                        "debootstrap",
                        f"--variant={recipe['variant']}",
                        "--include=" + ",".join(recipe["include"]),
                        recipe["suite"],
                        tmp,
                        recipe["mirror"],
                    ],
                    timeout=1800,
                )
                _finish_base(tmp)
            _record_build_time(tmp, started)
            (tmp / ".lab-recipe.json").write_text(json.dumps(recipe, indent=2, sort_keys=True))
        except BaseException:
            _discard(tmp)
            raise
        tmp.rename(final)
        config.progress(f"base root ready in {time.monotonic() - started:.1f}s: {final}")
    return final


def _record_build_time(root, started):
    (root / ".lab-build.json").write_text(
        json.dumps({"build_seconds": round(time.monotonic() - started, 1), "built_at": time.time()})
    )


def recorded_build_seconds(root):
    """How long building this cached root took when it was built (None if unknown)."""
    try:
        return json.loads((Path(root) / ".lab-build.json").read_text())["build_seconds"]
    except (FileNotFoundError, KeyError, ValueError):
        return None


def _finish_base(root):
    """Trim the fresh root: no package cache, no machine identity shared by every host."""
    chroot_script(root, "apt-get clean")
    for name in ("etc/machine-id", "var/lib/dbus/machine-id"):
        path = root / name
        if path.exists() or path.is_symlink():
            path.unlink()
    (root / "etc/machine-id").write_text("")  # systemd fills an empty machine-id at boot
    for key in (root / "etc/ssh").glob("ssh_host_*"):
        key.unlink()  # every host gets its own host key


def chroot_script(root, script, timeout=900):
    """Run a shell script chrooted in root, in private mount+PID namespaces (mounts vanish with it).

    The network namespace is the machine's own so apt can reach the mirror; only /proc and /dev are
    provided, /sys is not, and nothing writes sysctls.
    """
    wrapper = (
        f'mount --rbind /dev "{root}/dev" && mount --make-rslave "{root}/dev" && '
        f'exec chroot "{root}" /bin/sh -ec "$0"'
    )
    env = {
        "DEBIAN_FRONTEND": "noninteractive",
        "LC_ALL": "C.UTF-8",
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
    }
    return run(
        [
            "unshare",
            "--mount",
            "--pid",
            "--fork",
            "--kill-child",
            f"--mount-proc={root}/proc",
            "sh",
            "-c",
            wrapper,
            script,
        ],
        env=env,
        timeout=timeout,
    )


def layer_recipe(name, base_path):
    return {"base": base_path.name, "layer": name, "packages": sorted(LAYERS[name])}


def ensure_layer(name, base_path):
    """Path of a cached overlay layer (an upper dir over base_path) with extra packages."""
    recipe = layer_recipe(name, base_path)
    final = roots_dir() / f"layer-{name}-{recipe_key(recipe)}"
    if (final / ".lab-recipe.json").exists():
        return final
    with build_lock(f"layer-{name}"):
        if (final / ".lab-recipe.json").exists():
            return final
        _discard_stale_temps(f"layer-{name}")
        tmp = roots_dir() / f".tmp-layer-{name}-{recipe_key(recipe)}"
        upper, work, merged = tmp / "upper", tmp / "work", tmp / "merged"
        started = time.monotonic()
        config.progress(f"building layer {name!r}: apt-get install {' '.join(recipe['packages'])}")
        try:
            mount_overlay([base_path], upper, work, merged)
            try:
                with config.heartbeat(f"building layer {name!r}"):
                    chroot_script(
                        merged,
                        "apt-get update -q && apt-get install -y -q "
                        "--no-install-recommends "
                        + " ".join(recipe["packages"])
                        + " && apt-get clean && rm -rf /var/lib/apt/lists/*",
                    )
            finally:
                umount_under(merged)
            _record_build_time(upper, started)
            (upper / ".lab-recipe.json").write_text(json.dumps(recipe, indent=2, sort_keys=True))
            upper.rename(final)
        except BaseException:
            _discard(tmp)
            raise
        _discard(tmp)
        config.progress(f"layer {name!r} ready in {time.monotonic() - started:.1f}s: {final}")
    return final


def prune(keep):
    """Remove cached roots/layers not in keep (paths). Returns the removed names."""
    removed = []
    for path in roots_dir().iterdir():
        if path.is_dir() and path not in keep and not path.name.startswith(".tmp-"):
            _discard(path)
            removed.append(path.name)
    return removed
