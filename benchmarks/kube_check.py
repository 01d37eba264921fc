#!/usr/bin/env python3
"""The edgeworker upgrade check (sysinv-edgeworker-kube-check) over N simulated nodes.

Two measurements, both printed as JSON:

* ``verdicts``: the pure check (kube/check.build_report: pairing + skew verdicts) on N
  inventory records and N Node records in memory, vs the same on 1 record (ratio per node).
* ``end_to_end``: N edgeworkers registered in a real all-in-one service (SQLite) and N Nodes
  created in the loopback Kubernetes API server double (tests/kubeapi.py; real HTTPS, client
  certificates, the real ``kubernetes`` client), then the check in-process (``collect``:
  inventory list + /version + apiserver pods + node list + verdicts) and as the console
  script (wall time incl. Python start-up), vs the raw calls it is made of (``GET
  /v1/ihosts`` pages + one ``list nodes``). Medians of --repeat runs.

Usage: python benchmarks/kube_check.py [--nodes 1000] [--repeat 5] [--skip-end-to-end]
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sysinv_edgeworker.kube import check  # noqa: E402
from sysinv_edgeworker.kube import version as kv  # noqa: E402
from sysinv_edgeworker.kube.cluster import ApiServers, KubeCluster, Node  # noqa: E402

KUBELETS = ("v1.29.2", "v1.28.7", "v1.27.3")  # all within the skew of v1.29.2 and v1.30.2


def _median(fn, repeat):
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def _records(n):
    hosts = [{"hostname": "edge-%05d" % i, "personality": "edgeworker"} for i in range(n)]
    nodes = [Node("edge-%05d" % i, KUBELETS[i % len(KUBELETS)], True, False, False)
             for i in range(n)]
    return hosts, nodes


def verdicts(n, repeat):
    cp = ApiServers((kv.parse("v1.29.2"),), "version")
    target = kv.parse("v1.30.2")
    big, one = _records(n), _records(1)
    t_big = _median(lambda: check.build_report(*big, cp, target), repeat)
    t_one = _median(lambda: check.build_report(*one, cp, target), repeat * 20)
    return {"nodes": n, "build_report_s": t_big, "baseline_one_node_s": t_one,
            "per_node_us": t_big / n * 1e6, "ratio_vs_one_node": t_big / t_one}


def _start_aio(base):
    from tests.servers._proc import free_port, wait_port
    port = free_port()
    cfg = os.path.join(base, "aio.conf")
    with open(cfg, "w") as f:
        f.write("[DEFAULT]\nstate_path = %s/state\n[api]\nport = %d\n[mgmt_network]\n"
                "subnet = 198.19.0.0/16\n[kubernetes]\nenabled = false\n" % (base, port))
    exe = os.path.join(os.path.dirname(sys.executable), "sysinv-edgeworker")
    log = open(os.path.join(base, "aio.log"), "w")
    proc = subprocess.Popen([exe, "--config-file", cfg], stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    wait_port(port, proc, 60, "sysinv-edgeworker")
    return proc, "http://127.0.0.1:%d" % port


def end_to_end(n, repeat):
    from cgtsclient_ext.client import get_client
    from sysinv_edgeworker.cmd import kube_check
    from tests.functional.deployment import http
    from tests.kubeapi import start_control_plane
    from tests.servers._proc import kill_tree

    base = tempfile.mkdtemp(prefix="sysinv-ew-kube-bench-")
    api = start_control_plane(base)
    proc = None
    try:
        proc, url = _start_aio(base)
        t0 = time.perf_counter()
        for i in range(n):
            status, body = http("POST", url + "/v1/ihosts", {
                "hostname": "edge-%05d" % i, "personality": "edgeworker",
                "mgmt_mac": "52:54:03:%02x:%02x:%02x" % ((i >> 16) & 255, (i >> 8) & 255, i & 255)})
            assert status == 200, body
            api.request("POST", "/api/v1/nodes", {
                "metadata": {"name": "edge-%05d" % i},
                "status": {"nodeInfo": {"kubeletVersion": KUBELETS[i % len(KUBELETS)]},
                           "conditions": [{"type": "Ready", "status": "True"}]}})
        setup_s = time.perf_counter() - t0
        client = get_client(system_url=url)
        kube = KubeCluster(api.kubeconfig)
        target = kv.parse("v1.30.2")
        report = kube_check.collect(client, str(api.kubeconfig), target)
        assert len(report["edgeworkers"]) == n and report["exit_code"] == 0, report["error"]
        t_check = _median(lambda: kube_check.collect(client, str(api.kubeconfig), target),
                          repeat)
        t_nodes = _median(kube.nodes, repeat)
        t_hosts = _median(client.ihost.list, repeat)
        cmd = [os.path.join(os.path.dirname(sys.executable), "sysinv-edgeworker-kube-check"),
               "--system-url", url, "--kubeconfig", str(api.kubeconfig),
               "--target-version", "v1.30.2", "--format", "json"]

        def script():
            res = subprocess.run(cmd, capture_output=True, check=False)
            assert res.returncode == 0, res.stderr

        t_script = _median(script, repeat)
        return {"nodes": n, "setup_s": setup_s, "check_in_process_s": t_check,
                "check_console_script_s": t_script, "raw_list_nodes_s": t_nodes,
                "raw_list_ihosts_s": t_hosts,
                "ratio_check_vs_raw_lists": t_check / (t_nodes + t_hosts)}
    finally:
        if proc is not None:
            kill_tree(proc)
        api.stop()
        shutil.rmtree(base, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-end-to-end", action="store_true",
                        help="only the in-memory verdicts (no service, no API server)")
    args = parser.parse_args()
    result = {"benchmark": "kube_check",
              "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                          "platform": platform.platform()},
              "verdicts": verdicts(args.nodes, args.repeat)}
    if not args.skip_end_to_end:
        result["end_to_end"] = end_to_end(args.nodes, args.repeat)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
