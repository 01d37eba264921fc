import os
import shutil
import signal
import socket
import subprocess
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("%s exited with %s before listening" % (what, proc.returncode))
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("%s did not listen on 127.0.0.1:%d within %ss" % (what, port, timeout))


def keep_test_dirs():
    """KEEP_TEST_DIRS=1: the test fixtures keep their temporary directories (for diagnosis)."""
    return os.environ.get("KEEP_TEST_DIRS") == "1"


def remove_tree(path):
    """Remove a directory a test fixture made, unless KEEP_TEST_DIRS=1."""
    if path and not keep_test_dirs():
        shutil.rmtree(path, ignore_errors=True)


def run_temp_env(workdir):
    """TMPDIR (and Ansible's local temp) inside workdir for a process a test runs, so what it
    leaves in its temp dir (e.g. kubernetes.core's k8srcp-*.json cache) goes with workdir."""
    temp = os.path.join(str(workdir), "tmp")
    os.makedirs(temp, exist_ok=True)
    return {"TMPDIR": temp, "ANSIBLE_LOCAL_TEMP": os.path.join(temp, "ansible-local")}


def chown_tree(path, user):
    shutil.chown(path, user, user)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            shutil.chown(os.path.join(root, name), user, user)


def run_as(user, argv, **kwargs):
    return subprocess.run(["runuser", "-u", user, "--"] + argv, **kwargs)


def kill_tree(proc, timeout=20):
    """SIGTERM the process group, then SIGKILL what is left."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)
