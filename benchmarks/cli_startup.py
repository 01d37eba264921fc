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
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import _aio  # noqa: E402  (benchmarks/ is on sys.path as the script's directory)

BIN = Path(sys.executable).parent


def _which(name):
    exe = BIN / name
    return str(exe) if exe.exists() else shutil.which(name)


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
    with _aio.all_in_one("192.168.204.0/24") as (url, _proc, _db):
        _add_hosts(url, args.hosts)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "SYSTEM"))}
        env["SYSTEM_URL"] = url
        cli = _time(system_cmd + ["host-list"], env, args.repeats)
        base = _time([sys.executable, "-c", "import json, urllib.request"], env, args.repeats)
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
