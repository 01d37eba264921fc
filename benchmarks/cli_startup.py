#!/usr/bin/env python3
"""Start-up cost of the ``system`` CLI, printed as JSON.

Starts a real all-in-one service (``sysinv-edgeworker``) on a free loopback
port with a temporary state directory, registers a few edgeworker hosts, then
times, as wall clock of whole processes:

  * ``system host-list`` against it (the real console script), and
  * the baseline ``python3 -c 'import json, urllib.request'``
    (same interpreter as the console script),

and prints the medians, their ratio (target: <= 3) and the repeat count.
The service is stopped with SIGTERM by PID at the end.

    python benchmarks/cli_startup.py [--repeats 30] [--hosts 5]
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _which(name):
    exe = BIN / name
    return str(exe) if exe.exists() else shutil.which(name)


def _start(state):
    port = _free_port()
    conf = state / "aio.conf"
    conf.write_text(f"[DEFAULT]\nstate_path = {state}\n[api]\nhost_ip = 127.0.0.1\nport = {port}\n"
                    "[mgmt_network]\nsubnet = 192.168.204.0/24\ndynamic = true\n")
    server = _which("sysinv-edgeworker")
    cmd = [server] if server else [sys.executable, "-m", "sysinv_edgeworker.cmd.aio"]
    log = state / "aio.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd + ["--config-file", str(conf)], stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"all-in-one exited with {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url + "/", timeout=2) as resp:
                if resp.status == 200:
                    return proc, url
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("all-in-one did not answer within 60 s")


def _add_hosts(url, count):
    for i in range(count):
        body = json.dumps({"hostname": f"bench-{i:02d}", "personality": "edgeworker",
                           "mgmt_mac": f"52:54:00:be:00:{i:02x}"}).encode()
        req = urllib.request.Request(url + "/v1/ihosts", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=30).close()


def _time(cmd, env, repeats):
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)  # warm-up
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
        samples.append(time.perf_counter() - start)
    return samples


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--hosts", type=int, default=5)
    args = parser.parse_args()

    system = _which("system")
    system_cmd = [system] if system else [sys.executable, "-m", "cgtsclient_ext"]
    state = Path(tempfile.mkdtemp(prefix="cli-startup-"))
    proc, url = _start(state)
    try:
        _add_hosts(url, args.hosts)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "SYSTEM"))}
        env["SYSTEM_URL"] = url
        cli = _time(system_cmd + ["host-list"], env, args.repeats)
        base = _time([sys.executable, "-c", "import json, urllib.request"], env, args.repeats)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(state, ignore_errors=True)
    cli_med, base_med = statistics.median(cli), statistics.median(base)
    print(json.dumps({
        "benchmark": "cli_startup",
        "command": "system host-list",
        "hosts_listed": args.hosts,
        "repeats": args.repeats,
        "system_host_list_median_s": round(cli_med, 4),
        "baseline_import_json_urllib_median_s": round(base_med, 4),
        "ratio": round(cli_med / base_med, 2),
        "target_ratio_max": 3,
        "python": sys.version.split()[0],
        "system_command": " ".join(system_cmd),
    }, indent=2))


if __name__ == "__main__":
    main()
