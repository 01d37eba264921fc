"""sysinv-edgeworker-kube-check: may the control plane be (or stay) at a version, given
every edgeworker's kubelet? For upgrade scripts: a table or JSON, and an exit code.

Also ``system kube-skew-check`` (cgtsclient_ext/v1/kube_shell.py), which calls ``run``.
"""

import argparse
import json
import os
import sys

from sysinv_edgeworker.kube import check, skew

PROG = "sysinv-edgeworker-kube-check"

DESCRIPTION = """\
List every edgeworker in the inventory with the kubelet version its Node reports and a
verdict against the Kubernetes version-skew policy (a kubelet is never newer than the oldest
kube-apiserver and at most three minor versions older; two when the kubelet is < 1.25):

  ok              within the policy and not behind the control plane (or the target)
  needs-upgrade   within the policy, but behind the control plane or the target
  blocks-upgrade  outside the policy now, or the target version would strand it
  unknown         no Node in the cluster, or the Node reports no valid kubelet version

Edgeworkers in the inventory but missing from the cluster, and worker Nodes in the cluster
that the inventory does not know, are reported too."""

EPILOG = """\
exit codes:
  0  safe: no edgeworker is blocks-upgrade (with --strict: none is unknown either) and the
     control plane is not refused
  2  usage error (unknown option, malformed --target-version)
  3  unsafe, and the Result line says why: an edgeworker would be stranded
     (blocks-upgrade), with --strict an edgeworker is unknown, or the control plane is
     refused (kube-apiservers more than one minor version apart; --target-version more than
     one minor ahead of, or older than, the oldest kube-apiserver: kubeadm upgrades one
     minor at a time)
  4  the cluster (--kubeconfig) or the inventory API (--system-url) cannot be queried

Nodes not in the inventory are reported with a verdict but do not change the exit code."""


def build_parser():
    from cgtsclient_ext.utils import env
    from cgtsclient_ext.v1.kube_shell import CHECK_ARGUMENTS, seconds
    parser = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add = parser.add_argument
    add("--system-url", default=env("SYSTEM_URL"),
        help="Inventory API endpoint. Defaults to env[SYSTEM_URL], else "
             "http://127.0.0.1:6385")
    add("--os-username", default=env("OS_USERNAME"), help="Defaults to env[OS_USERNAME]")
    add("--os-password", default=env("OS_PASSWORD"), help="Defaults to env[OS_PASSWORD]")
    add("--os-auth-token", default=env("OS_AUTH_TOKEN"), help="Defaults to env[OS_AUTH_TOKEN]")
    add("--ca-file", default=env("OS_CACERT"), help="CA for an https inventory API")
    add("-k", "--insecure", action="store_true", help="Do not verify the API's certificate")
    add("--timeout", type=seconds, default=60.0,
        help="Seconds to wait for the inventory API (default 60)")
    for args, kwargs in CHECK_ARGUMENTS:
        add(*args, **kwargs)
    return parser


def collect(client, kubeconfig, target=None, strict=False, context=None, timeout=10.0):
    """The check's report: inventory through ``client`` (cgtsclient_ext), cluster through
    ``kubeconfig``. Never raises for an unreachable API or cluster (exit_code 4)."""
    from cgtsclient_ext import exc
    from sysinv_edgeworker.kube import cluster
    try:
        hosts = [h.to_dict() for h in client.ihost.list()]
    except exc.ClientException as err:
        return check.unreachable_report("inventory API: %s" % err, target=target)
    kube = cluster.KubeCluster(kubeconfig, timeout=timeout, context=context)
    try:
        apiservers = kube.apiserver_versions()
        nodes = kube.nodes()
    except cluster.ClusterUnreachable as err:
        report = check.unreachable_report(err, hosts, target)
    else:
        report = check.build_report(hosts, nodes, apiservers, target, strict)
    report["warnings"] = [w for w in (kube.insecure_notice(),) if w]
    return report


def _yes_no(value):
    return {True: "yes", False: "no", None: "-"}[value]


def _ready(row):
    """yes / no / unknown (Ready condition Unknown: a dead node) / - (no condition, no Node)."""
    if row.get("node_ready_condition") == "Unknown":
        return "unknown"
    return _yes_no(row["node_ready"])


def format_table(report):
    import prettytable
    lines = []
    cp = report["control_plane"]
    if cp:
        source = ("kube-apiserver pods" if cp["source"] == "pods" else "/version")
        lines.append("Control plane: %s (from %s)" % (", ".join(cp["apiserver_versions"]),
                                                       source))
    lines.append("Target version: %s" % (report["target_version"] or "-"))
    if cp:
        lines.extend("Control plane refused: %s" % p for p in cp["problems"])
    table = prettytable.PrettyTable(["hostname", "in inventory", "in cluster", "kubelet",
                                     "ready", "verdict", "reason"])
    table.align = "l"
    table.max_width["reason"] = 72
    for row in report["edgeworkers"]:
        table.add_row([row["hostname"], "yes", _yes_no(row["in_cluster"]),
                       row["kubelet_version"] or "-", _ready(row),
                       row["verdict"], row["reason"]])
    for row in report["not_in_inventory"]:
        table.add_row([row["name"], "no", "yes", row["kubelet_version"] or "-",
                       _ready(row), row["verdict"], row["reason"]])
    lines.append(table.get_string())
    if report["missing_from_cluster"]:
        lines.append("In the inventory, not in the cluster: "
                     + ", ".join(report["missing_from_cluster"]))
    if report["not_in_inventory"]:
        lines.append("In the cluster, not in the inventory: "
                     + ", ".join(r["name"] for r in report["not_in_inventory"]))
    counts = ", ".join("%d %s" % (report["summary"][v], v) for v in skew.VERDICTS)
    lines.append("Edgeworkers: %s" % counts)
    lines.append("Result: %s (exit %d)" % (_result(report), report["exit_code"]))
    return "\n".join(lines)


def _result(report):
    code = report["exit_code"]
    if code == check.EXIT_UNREACHABLE:
        return "cannot check: " + report["error"]
    if code == check.EXIT_STRANDED:
        return "UNSAFE: " + "; ".join(report["unsafe_because"])
    return "safe for every edgeworker"


def run(client, args, out=None, err=None, prog=PROG):
    """Run the check for parsed ``args`` (kube_shell.CHECK_ARGUMENTS); print; return the
    exit code."""
    out, err = out or sys.stdout, err or sys.stderr
    report = collect(client, args.kubeconfig, args.target_version, args.strict,
                     args.context, args.request_timeout)
    if args.format == "json":
        out.write(json.dumps(report, indent=2, sort_keys=True) + "\n")
    else:
        out.write(format_table(report) + "\n")
    for warning in report.get("warnings", ()):
        err.write("%s: warning: %s\n" % (prog, warning))
    if report["error"]:
        err.write("%s: error: %s\n" % (prog, report["error"]))
    return report["exit_code"]


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    from cgtsclient_ext import exc
    from cgtsclient_ext.client import get_client
    try:
        client = get_client(system_url=args.system_url, username=args.os_username,
                            password=args.os_password, token=args.os_auth_token,
                            timeout=args.timeout, insecure=args.insecure,
                            ca_file=args.ca_file or None)
    except exc.CommandError as error:
        parser.error(str(error))  # a malformed --system-url: usage error, exit 2
    try:
        return run(client, args)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
