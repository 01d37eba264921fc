#!/usr/bin/python3
"""kubeadm (edgeworker lab test double, v@VERSION@).

Validates the join contract the way kubeadm does it: token format, token-based discovery against the
lab API server (cluster-info signed with the bootstrap token, so an unknown or expired token fails),
the CA public-key pin, preflight checks; then registers the Node with the bootstrap token and writes
kubelet.conf with a client certificate from a lab TLS bootstrap (a CSR the lab API server signs at
once). It runs no control-plane component. `kubeadm upgrade node` reads kubeadm-config with the
node's own credentials, checks the version skew and records the upgrade in
/var/lib/fake-kubeadm/upgrades.json.
"""

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys

import yaml

sys.path.insert(0, "/usr/lib/fake-kubeadm")  # the rest of this double (tests/lab/pkgbuild.py)
# No __pycache__ there: packages keep their build mtimes, so after an upgrade to a source of the
# same size a cached .pyc of the old version would still look current.
sys.dont_write_bytecode = True

from kubeadm_common import (  # noqa: E402
    VERSION, KUBELET_CONF, KUBELET_CONFIG, FLAGS_ENV, RECORD, UPGRADES, KUBELET_PKI, Fail,
    version_info, kubelet_version, _get, _write, _parse, _load_json, node_client,
)
from kubeadm_join import cmd_join  # noqa: E402


def cmd_version(args):
    info = version_info()
    if args.output == "short":
        print(info["gitVersion"])
    elif args.output == "json":
        print(json.dumps({"clientVersion": info}, indent=2))
    elif args.output == "yaml":
        print(yaml.safe_dump({"clientVersion": info}, sort_keys=False), end="")
    else:
        fields = ", ".join(f'{k[0].upper() + k[1:]}:"{v}"' for k, v in info.items())
        print(f"kubeadm version: &version.Info{{{fields}}}")


# ---- upgrade node -------------------------------------------------------------------------------
def cmd_upgrade_node(args):
    print("[upgrade] Reading configuration from the cluster...")
    server, ctx = node_client()
    status, cm = _get(f"{server}/api/v1/namespaces/kube-system/configmaps/kubeadm-config", ctx)
    if status != 200:
        raise Fail(
            f"unable to fetch the kubeadm-config ConfigMap: HTTP {status} {cm.get('message', '')}"
        )
    cluster_ver = yaml.safe_load(cm["data"]["ClusterConfiguration"]).get("kubernetesVersion", "")
    upgrades = _load_json(UPGRADES, [])
    recorded = (
        upgrades[-1]["kubelet_config_version"]
        if upgrades
        else _load_json(RECORD, {}).get("cluster_version")
    )
    mine, cluster = _parse(VERSION), _parse(cluster_ver)
    if recorded and mine < _parse(recorded):
        raise Fail(
            f"the kubelet configuration on this node is for {recorded}; kubeadm v{VERSION} "
            "is older: downgrades are not supported"
        )
    if mine[0] != cluster[0] or mine[1] > cluster[1] + 1:
        raise Fail(
            f"kubeadm v{VERSION} is more than one minor version newer than the cluster's "
            f"{cluster_ver}; upgrade the control plane first"
        )
    print(
        "[preflight] Running pre-flight checks\n[preflight] Skipping prepull. Not a control "
        "plane node.\n[upgrade] Skipping phase. Not a control plane node."
    )
    if args.dry_run:
        print("[dry-run] Would write the kubelet configuration; nothing changed")
        return
    print(f'[kubelet-start] Writing kubelet configuration to file "{KUBELET_CONFIG}"')
    upgrades.append(
        {
            "kubeadm_version": "v" + VERSION,
            "from_kubelet_config_version": recorded,
            "kubelet_config_version": cluster_ver,
            "cluster_version": cluster_ver,
            "kubelet_version": "v" + (kubelet_version() or "unknown"),
            "upgraded_at": datetime.datetime.now(datetime.UTC).isoformat(),
        }
    )
    _write(UPGRADES, json.dumps(upgrades, indent=2) + "\n")
    print(
        "[upgrade] The configuration for this node was successfully updated!\n[upgrade] Now you "
        "should go ahead and upgrade the kubelet package using your package manager."
    )


def cmd_reset(args):
    if not args.force:
        answer = input("[reset] Are you sure you want to proceed? [y/N]: ")
        if answer.strip().lower() != "y":
            raise Fail("aborted reset operation")
    if os.path.isdir("/run/systemd/system"):
        subprocess.run(["systemctl", "stop", "kubelet"], check=False)
    for path in (
        KUBELET_CONF,
        KUBELET_CONFIG,
        FLAGS_ENV,
        RECORD,
        UPGRADES,
        "/etc/kubernetes/bootstrap-kubelet.conf",
    ):
        if os.path.exists(path):
            os.remove(path)
    shutil.rmtree("/etc/kubernetes/pki", ignore_errors=True)
    shutil.rmtree(KUBELET_PKI, ignore_errors=True)
    print(
        "[reset] Deleted contents of the etc directories: [/etc/kubernetes]\n"
        "The reset process does not clean CNI configuration, iptables rules or your "
        "kubeconfig files."
    )


def main(argv=None):
    parser = argparse.ArgumentParser(prog="kubeadm", allow_abbrev=False)
    parser.add_argument("-v", "--v", dest="verbosity", default="0")
    sub = parser.add_subparsers(dest="command", required=True)
    ver = sub.add_parser("version", allow_abbrev=False)
    ver.add_argument("-o", "--output", default="", choices=["", "short", "json", "yaml"])
    join = sub.add_parser("join", allow_abbrev=False)
    join.add_argument("endpoint", nargs="?")
    for flag in (
        "--token",
        "--discovery-token",
        "--tls-bootstrap-token",
        "--node-name",
        "--cri-socket",
        "--config",
    ):
        join.add_argument(flag)
    join.add_argument("--discovery-token-ca-cert-hash", action="append", default=[])
    join.add_argument("--discovery-token-unsafe-skip-ca-verification", action="store_true")
    join.add_argument("--ignore-preflight-errors", action="append", default=[])
    reset = sub.add_parser("reset", allow_abbrev=False)
    reset.add_argument("-f", "--force", action="store_true")
    reset.add_argument("--cri-socket")
    upgrade = sub.add_parser("upgrade", allow_abbrev=False).add_subparsers(
        dest="phase", required=True
    )
    node = upgrade.add_parser("node", allow_abbrev=False)
    node.add_argument("--dry-run", action="store_true")
    node.add_argument("--ignore-preflight-errors", action="append", default=[])
    node.add_argument("--certificate-renewal", default="true")
    args = parser.parse_args(argv)
    commands = {
        "version": cmd_version,
        "join": cmd_join,
        "reset": cmd_reset,
        "upgrade": cmd_upgrade_node,
    }
    try:
        commands[args.command](args)
    except Fail as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
