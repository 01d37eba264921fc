"""Ansible callback: one progress line per host per phase, and never a long silence.

Enabled by this directory's ansible.cfg (callbacks_enabled). It prints, to stderr or to
the file named by EDGEWORKER_PROGRESS_FILE, next to (not instead of) the normal output:

  [play] 12:01:02 Edgeworker | Provision edgeworker nodes
  [play] 12:01:09 edge-01     preflight            ok=9 changed=0 skipped=2  6.8 s
  [play] 12:01:24 still running 'Containerd | Install' on edge-01, edge-02 (this task: 15 s)
  [play] 12:01:40 edge-02     containerd           FAILED at 'Containerd | Install': <msg>
  [play] 12:02:30 recap: edge-01 ok=52 changed=20 failed=0 unreachable=0 | ...

A phase is the role a task comes from (its `edgeworker_` prefix dropped), or "play" for
tasks of the play itself. Failure messages are cut to one line of 200 characters; tasks
with no_log reach callbacks already censored by Ansible.
"""

import sys
import threading
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: edgeworker_progress
type: aggregate
short_description: one progress line per host per phase, heartbeat while a task runs long
description:
  - Prints a line when a host finishes a phase (a role), with its ok/changed/skipped counts and
    duration, a line at once when a task fails or a host is unreachable, a line naming the running
    task when nothing was printed for C(heartbeat) seconds, and a one-line recap per host.
requirements:
  - enabled in callbacks_enabled (this playbook directory's ansible.cfg does it)
options:
  progress_file:
    description: file the lines are appended to (e.g. /dev/fd/3); stderr when unset
    env:
      - name: EDGEWORKER_PROGRESS_FILE
    ini:
      - section: callback_edgeworker_progress
        key: file
    type: path
  heartbeat:
    description: seconds of silence after which the running task is named again
    default: 15
    env:
      - name: EDGEWORKER_PROGRESS_HEARTBEAT
    ini:
      - section: callback_edgeworker_progress
        key: heartbeat
    type: float
"""

PREFIX = "edgeworker_"


def _phase(task):
    role = getattr(task, "_role", None)
    name = role.get_name() if role is not None else "play"
    return name[len(PREFIX):] if name.startswith(PREFIX) else name


def _task_name(task):
    return (task.name or task.action or "").strip()


def _one_line(text, limit=200):
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "edgeworker_progress"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()
        self._out = None
        self._every = 15.0
        self._last = time.monotonic()
        self._phases = {}  # host -> [phase, started, {ok, changed, skipped}]
        self._running = {}  # host -> (task name, started)
        self._stop = threading.Event()
        self._thread = None

    # -- plumbing ------------------------------------------------------------------------
    def set_options(self, task_keys=None, var_options=None, direct=None):
        super().set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        path = self.get_option("progress_file")
        self._out = open(path, "a", buffering=1, encoding="utf-8") if path else sys.stderr
        self._every = float(self.get_option("heartbeat"))

    def _emit(self, text):
        with self._lock:
            out = self._out or sys.stderr
            out.write("[play] %s %s\n" % (time.strftime("%H:%M:%S"), text))
            out.flush()
            self._last = time.monotonic()

    def _beat(self):
        while not self._stop.wait(min(1.0, self._every / 3)):
            now = time.monotonic()
            with self._lock:
                quiet = now - self._last >= self._every
                running = dict(self._running)
            if quiet and running:
                for task in sorted({task for task, _ in running.values()}):
                    hosts = sorted(h for h, (t, _) in running.items() if t == task)
                    since = min(started for t, started in running.values() if t == task)
                    self._emit("still running %r on %s (this task: %.0f s)"
                               % (task, ", ".join(hosts), now - since))

    def _close_phase(self, host):
        state = self._phases.pop(host, None)
        if state is None:
            return
        phase, started, counts = state
        if not any(counts.values()):
            return
        self._emit("%-11s %-20s ok=%d changed=%d skipped=%d  %.1f s"
                   % (host, phase, counts["ok"], counts["changed"], counts["skipped"],
                      time.monotonic() - started))

    def _close_all(self):
        for host in sorted(self._phases):
            self._close_phase(host)

    def _count(self, result, key):
        host = result._host.get_name()
        self._running.pop(host, None)
        state = self._phases.get(host)
        if state is not None:
            state[2][key] += 1
            if key == "ok" and result._result.get("changed", False):
                state[2]["changed"] += 1

    # -- events --------------------------------------------------------------------------
    def v2_playbook_on_start(self, playbook):
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, name="edgeworker-progress",
                                        daemon=True)
        self._thread.start()

    def v2_playbook_on_play_start(self, play):
        self._close_all()
        self._emit(play.get_name().strip() or "play")

    def v2_runner_on_start(self, host, task):
        name, phase = host.get_name(), _phase(task)
        state = self._phases.get(name)
        if state is None or state[0] != phase:
            self._close_phase(name)
            self._phases[name] = [phase, time.monotonic(),
                                  {"ok": 0, "changed": 0, "skipped": 0}]
        self._running[name] = (_task_name(task), time.monotonic())

    def v2_runner_on_ok(self, result):
        self._count(result, "ok")

    def v2_runner_on_skipped(self, result):
        self._count(result, "skipped")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if ignore_errors:
            self._count(result, "ok")
            return
        self._report(result, "FAILED")

    def v2_runner_on_unreachable(self, result):
        self._report(result, "UNREACHABLE")

    def _report(self, result, what):
        host = result._host.get_name()
        self._running.pop(host, None)
        state = self._phases.pop(host, None)
        phase = state[0] if state else _phase(result._task)
        msg = result._result.get("msg") or result._result.get("stderr") or ""
        self._emit("%-11s %-20s %s at %r%s" % (host, phase, what, _task_name(result._task),
                                              ": " + _one_line(msg) if msg else ""))

    def v2_playbook_on_stats(self, stats):
        self._close_all()
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        parts = []
        for host in sorted(stats.processed):
            s = stats.summarize(host)
            parts.append("%s ok=%d changed=%d failed=%d unreachable=%d"
                         % (host, s["ok"], s["changed"], s["failures"], s["unreachable"]))
        self._emit("recap: " + (" | ".join(parts) or "no hosts"))
        if self._out not in (None, sys.stderr):
            self._out.close()
            self._out = None
