"""Tests leave nothing behind in the temp dir: a pytest plugin (tests/conftest.py imports it).

At configure time the session gets a private temp dir, /tmp/sysinv-ew-tests-XXXXXXXX (mode 1777:
the servers run as their own users below it), exported as TMPDIR so that the tests, the processes
they start and pytest's own tmp_path dirs all land in it. At the end of the session, after every
fixture's teardown, anything in it except pytest's basetemp (`pytest-of-<user>`, pytest's own
business) was left behind by a fixture: the run fails and lists it. Then the whole private dir is
removed, or kept with its path printed when KEEP_TEST_DIRS=1 (to look at a failed test's files).

A private dir rather than a diff of /tmp: on a shared machine /tmp changes under other users, and
a diff cannot tell whose an entry is; entries that still appear in the system temp dir during the
session (a hard-coded /tmp) are listed too, as a note, not a failure.
"""

import os
import shutil
import sys
import tempfile

import pytest

_state = {}


def _entries(path):
    try:
        return set(os.listdir(path))
    except FileNotFoundError:
        return set()


def pytest_configure(config):
    if "private" in _state or hasattr(config, "workerinput"):
        return
    system = tempfile.gettempdir()
    private = tempfile.mkdtemp(prefix="sysinv-ew-tests-", dir=system)
    os.chmod(private, 0o1777)
    _state.update(private=private, system=system, before=_entries(system),
                  saved=(os.environ.get("TMPDIR"), tempfile.tempdir))
    os.environ["TMPDIR"] = private
    tempfile.tempdir = private


def leftovers(private):
    """Entries of the private temp dir that are not pytest's basetemp root."""
    return sorted(name for name in _entries(private) if not name.startswith("pytest-of-"))


def _describe(path):
    if os.path.isdir(path) and not os.path.islink(path):
        files = sum(len(f) for _, _, f in os.walk(path))
        return "%s/ (%d files)" % (path, files)
    return path


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    private = _state.pop("private", None)
    if private is None:
        return
    # The kubernetes client writes kubeconfig certificate/key data to temp files and removes them
    # in an atexit handler, which runs after this hook: run it now, as the interpreter would.
    kube_config = sys.modules.get("kubernetes.config.kube_config")
    if kube_config is not None:
        kube_config._cleanup_temp_files()
    saved_tmpdir, saved_tempdir = _state.pop("saved")
    if saved_tmpdir is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = saved_tmpdir
    tempfile.tempdir = saved_tempdir
    left = leftovers(private)
    system = _state.pop("system")
    elsewhere = sorted(_entries(system) - _state.pop("before") - {os.path.basename(private)})
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")

    def say(line):
        if reporter is not None:
            reporter.write_line(line)
        else:
            print(line, file=sys.stderr)

    if left:
        say("")
        say("FAILED hygiene: the tests left %d entries in the temp dir (%s):"
            % (len(left), private))
        for name in left:
            say("  " + _describe(os.path.join(private, name)))
        if session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if elsewhere:
        more = " and %d more" % (len(elsewhere) - 10) if len(elsewhere) > 10 else ""
        say("note: %d new in %s during the session (a hard-coded path, or another process): %s%s"
            % (len(elsewhere), system, ", ".join(elsewhere[:10]), more))
    if os.environ.get("KEEP_TEST_DIRS") == "1":
        say("KEEP_TEST_DIRS=1: the session's temp dir is kept: %s" % private)
    else:
        shutil.rmtree(private, ignore_errors=True)
