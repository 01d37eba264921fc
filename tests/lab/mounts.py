"""Mount helpers: overlayfs copies of a root, and finding/removing mounts under a directory."""

import os
from pathlib import Path

from tests.lab.proc import run


def _unescape(field):
    # /proc/self/mountinfo escapes space, tab, newline and backslash as octal.
    return field.encode().decode("unicode_escape")


def mounts_under(path):
    """Mount points at or below path (in this mount namespace), deepest first."""
    root = os.path.realpath(path)
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = _unescape(line.split()[4])
        if point == root or point.startswith(root.rstrip("/") + "/"):
            found.append(point)
    return sorted(set(found), key=lambda p: p.count("/"), reverse=True)


def umount_under(path):
    """Unmount everything at or below path; lazily if busy. Returns the mount points removed."""
    removed = []
    for point in mounts_under(path):
        if run(["umount", point], check=False).returncode != 0:
            run(["umount", "--lazy", point], check=False)
        removed.append(point)
    return removed


def mount_overlay(lowers, upper, work, merged):
    """Mount an overlayfs at merged; lowers are listed top-most first."""
    for d in (upper, work, merged):
        Path(d).mkdir(parents=True, exist_ok=True)
    opts = f"lowerdir={':'.join(str(p) for p in lowers)},upperdir={upper},workdir={work}"
    run(["mount", "-t", "overlay", "overlay", "-o", opts, merged])
