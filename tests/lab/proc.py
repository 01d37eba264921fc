"""Running commands and managing the lab's background processes strictly by PID."""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path


class CommandError(RuntimeError):
    def __init__(self, argv, returncode, stdout, stderr):
        self.argv, self.returncode, self.stdout, self.stderr = argv, returncode, stdout, stderr
        tail = (stderr or stdout or "").strip()[-2000:]
        super().__init__(f"command failed (rc={returncode}): {' '.join(map(str, argv))}\n{tail}")


def run(argv, check=True, env=None, input=None, timeout=600, cwd=None):
    """Run argv (no shell) and return the CompletedProcess with text output."""
    argv = [str(a) for a in argv]
    full_env = None if env is None else {**os.environ, **env}
    proc = subprocess.run(
        argv, capture_output=True, text=True, env=full_env, input=input, timeout=timeout, cwd=cwd
    )
    if check and proc.returncode != 0:
        raise CommandError(argv, proc.returncode, proc.stdout, proc.stderr)
    return proc


def spawn(argv, log_path, env=None, pidfile=None):
    """Start argv detached in its own session, output to log_path; record its PID in pidfile."""
    log = open(log_path, "ab")
    full_env = None if env is None else {**os.environ, **env}
    proc = subprocess.Popen(
        [str(a) for a in argv],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=full_env,
        start_new_session=True,
    )
    log.close()
    if pidfile:
        Path(pidfile).write_text(f"{proc.pid}\n")
    return proc


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie child counts as dead; reap it if it is ours.
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def stop_pid(pid, timeout=10.0, sig=signal.SIGTERM):
    """Send sig to pid, wait up to timeout for it to exit, then SIGKILL. True if it was running."""
    if not pid or not alive(pid):
        return False
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return True


def read_pid(pidfile):
    try:
        return int(Path(pidfile).read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None


def stop_pidfile(pidfile, timeout=10.0):
    """Stop the process recorded in pidfile (if any) and remove the file."""
    pid = read_pid(pidfile)
    stopped = stop_pid(pid, timeout) if pid else False
    Path(pidfile).unlink(missing_ok=True)
    return stopped


def wait_port(host, port, timeout=20.0, pid=None, log_path=None):
    """Wait until a TCP connect to host:port succeeds; fail early if pid dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            pass
        if pid is not None and not alive(pid):
            break
        time.sleep(0.05)
    log = Path(log_path).read_text()[-2000:] if log_path and Path(log_path).exists() else ""
    raise TimeoutError(f"{host}:{port} not reachable after {timeout}s (pid {pid}); log:\n{log}")


def pids_matching(predicate):
    """PIDs of all processes (except ourselves) for which predicate(pid) is true."""
    result = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if predicate(int(entry.name)):
                    result.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
    return result
