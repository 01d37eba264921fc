#!/usr/bin/python
"""Ansible module: the provision_edgeworker run lock on the controller (atomic, stale-aware)."""

import datetime
import fcntl
import json
import os
import socket
import time

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: edgeworker_lock
short_description: Take or release the provision_edgeworker run lock
description:
  - The lock is a JSON file (run id, pid and start time of the ansible-playbook process, host
    name, boot id, creation time) created atomically with link(2), so a half-written lock is
    never visible and two runs can never both create it.
  - Every check-then-write is serialised with flock(2) on C(<path>.guard), so taking over a
    stale lock is atomic too.
  - A lock is stale only when its owner is gone - never because of its age alone: on the same
    host, when the host rebooted since (boot id) or the owner process no longer exists (pid and
    start time, against pid reuse). A stale lock is taken over with a warning naming its previous
    owner. A lock recorded by another host (a lock path on shared storage) cannot be checked
    and is refused, saying so; so is a lock file with no owner in it.
  - C(state=absent) removes the lock only when I(run_id) owns it.
  - The lock's record is returned as C(holder) (not C(owner): with a C(path) in the result,
    Ansible adds the file's C(owner) user name over it).
options:
  path: {description: Lock file path (absolute)., type: path, required: true}
  run_id: {description: This run's identifier., type: str, required: true}
  state: {description: present takes the lock, absent releases it., type: str,
          choices: [present, absent], default: present}
"""

GUARD_WAIT = 30


def _stat(pid):
    """(ppid, starttime) of pid from /proc, or None when it does not exist."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return int(fields[1]), fields[19]
    except (OSError, IndexError, ValueError):
        return None


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def run_owner():
    """The ansible-playbook process running this module (the topmost ancestor naming ansible),
    else the module's parent: its pid and start time identify the run while it lives."""
    owner, pid = os.getppid(), os.getpid()
    for _ in range(64):
        info = _stat(pid)
        if info is None or info[0] <= 1:
            break
        pid = info[0]
        if "ansible" in _cmdline(pid):
            owner = pid
    info = _stat(owner)
    return owner, info[1] if info else ""


def boot_id():
    try:
        with open("/proc/sys/kernel/random/boot_id") as handle:
            return handle.read().strip()
    except OSError:
        return ""


def _read(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}


def _describe(lock):
    return "pid %s on %s, run %s" % (
        lock.get("pid", "?"),
        lock.get("host", "?"),
        lock.get("run_id", "?"),
    )


def _staleness(lock, path):
    """(why the lock is stale or None when its owner may be running, why it is not stale)."""
    if not lock.get("host") or not isinstance(lock.get("pid"), int):
        return None, (
            "the lock file names no owner (host and pid); if no provision_edgeworker "
            "run is going, remove %s" % path
        )
    if lock["host"] != socket.gethostname():
        return None, (
            "it was taken on another host, %s, where this run cannot check whether "
            "pid %s still runs; if that run is gone, remove %s" % (lock["host"], lock["pid"], path)
        )
    if lock.get("boot_id") and lock["boot_id"] != boot_id():
        return "this host rebooted since it was taken (boot id %s)" % lock["boot_id"], None
    info = _stat(lock["pid"])
    if info is None or (lock.get("pid_start") and info[1] != lock["pid_start"]):
        return "its owner process %s is gone" % lock["pid"], None
    return None, (
        "its owner process %s is still running; wait for it to finish (a lock whose "
        "owner is gone is taken over automatically)" % lock["pid"]
    )


def _write(path, record, replace):
    tmp = "%s.%s.tmp" % (path, record["run_id"])
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(record, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # EEXIST if another run created it meanwhile
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _guard(module, path):
    fd = os.open(path + ".guard", os.O_WRONLY | os.O_CREAT, 0o600)
    deadline = time.monotonic() + GUARD_WAIT
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)
                module.fail_json(msg="could not get %s.guard within %d s" % (path, GUARD_WAIT))
            time.sleep(0.1)


def take(module, path, run_id):
    current = _read(path)
    if current is not None and current.get("run_id") == run_id:
        return dict(changed=False, holder=current, msg="this run already holds the lock")
    pid, start = run_owner()
    now = time.time()
    record = {
        "run_id": run_id,
        "pid": pid,
        "pid_start": start,
        "host": socket.gethostname(),
        "boot_id": boot_id(),
        "created_epoch": now,
        "created": datetime.datetime.fromtimestamp(now, datetime.UTC).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        ),
    }
    result = dict(changed=True, holder=record, taken_over=None)
    if current is not None:
        reason, live = _staleness(current, path)
        since = current.get("created") or "an unknown time (unreadable lock file)"
        if reason is None:
            module.fail_json(
                msg="another provision_edgeworker run holds the lock since %s (%s): %s: %s."
                % (since, _describe(current), path, live),
                holder=current,
            )
        result["taken_over"] = current
        result["msg"] = "took over a stale provision_edgeworker lock held since %s (%s): %s" % (
            since,
            _describe(current),
            reason,
        )
        module.warn(result["msg"])
    if not module.check_mode:
        try:
            _write(path, record, replace=current is not None)
        except FileExistsError:
            module.fail_json(
                msg="another provision_edgeworker run created the lock %s at the "
                "same moment; try again" % path
            )
    return result


def release(module, path, run_id):
    current = _read(path)
    if current is None:
        return dict(changed=False, msg="no lock at %s" % path)
    if current.get("run_id") != run_id:
        return dict(
            changed=False,
            holder=current,
            msg="the lock belongs to another run (%s); left in place" % _describe(current),
        )
    if not module.check_mode:
        os.unlink(path)
    return dict(changed=True, msg="lock released")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            run_id=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        supports_check_mode=True,
    )
    path, run_id = module.params["path"], module.params["run_id"]
    if not os.path.isabs(path):
        module.fail_json(msg="path must be absolute: %s" % path)
    parent = os.path.dirname(path)
    if module.params["state"] == "absent" and not os.path.isdir(parent):
        module.exit_json(changed=False, msg="no lock at %s" % path)
    os.makedirs(parent, mode=0o755, exist_ok=True)
    guard = _guard(module, path)
    try:
        if module.params["state"] == "present":
            result = take(module, path, run_id)
        else:
            result = release(module, path, run_id)
    finally:
        os.close(guard)
    module.exit_json(path=path, **result)


if __name__ == "__main__":
    main()
