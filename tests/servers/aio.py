"""The real all-in-one service (``sysinv-edgeworker``) as a child process, for the functional
tests, the lab's provisioning tests and the benchmarks: started with a configuration file the
caller writes (its [api] section binds 127.0.0.1 and the port given here), ready once ``GET /``
answers 200, stopped by its process group (SIGTERM, then SIGKILL)."""

import contextlib
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.servers._proc import kill_tree

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60


def server_command():
    """The installed console script; ``python -m`` only when the package is not installed."""
    exe = Path(sys.executable).parent / "sysinv-edgeworker"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "sysinv_edgeworker.cmd.aio"]


def wait_ready(url, proc, log, timeout=START_TIMEOUT):
    """Wait until ``GET <url>/`` answers 200. RuntimeError with the tail of ``log`` if the
    process exits first or does not answer within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError("sysinv-edgeworker exited with %s before answering:\n%s"
                               % (proc.returncode, Path(log).read_text()[-4000:]))
        try:
            with urllib.request.urlopen(url + "/", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("sysinv-edgeworker did not answer GET / within %ss:\n%s"
                               % (timeout, Path(log).read_text()[-4000:]))
        time.sleep(0.2)


@contextlib.contextmanager
def running(conf, log, port, timeout=START_TIMEOUT):
    """``sysinv-edgeworker --config-file conf`` with its output in ``log``; yields (url,
    process) once it answers, and stops it on exit."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(server_command() + ["--config-file", str(conf)], stdout=out,
                                stderr=subprocess.STDOUT, cwd=str(REPO), start_new_session=True)
    url = "http://127.0.0.1:%d" % port
    try:
        wait_ready(url, proc, log, timeout)
        yield url, proc
    finally:
        kill_tree(proc)
