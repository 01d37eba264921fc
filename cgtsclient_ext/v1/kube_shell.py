"""``kube-skew-check``: the upgrade check of sysinv-edgeworker-kube-check as a subcommand.

The options are defined here (both commands use CHECK_ARGUMENTS); the check itself lives in
the service package (sysinv_edgeworker.cmd.kube_check) and is imported only when the
subcommand runs, so ``system`` starts as fast as before.
"""

import argparse
import os

from cgtsclient_ext.utils import arg

DEFAULT_KUBECONFIG = "/etc/kubernetes/admin.conf"


def target_version(text):
    """argparse type for --target-version: a Kubernetes or package version."""
    from sysinv_edgeworker.kube import version as kv
    try:
        return kv.parse_any(text)
    except kv.InvalidVersion as err:
        raise argparse.ArgumentTypeError(str(err))


def seconds(text):
    """argparse type for a timeout: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("%r is not a positive number of seconds" % text)
    return value


CHECK_ARGUMENTS = [
    (("--kubeconfig",), dict(
        metavar="<file>", default=os.environ.get("KUBECONFIG") or DEFAULT_KUBECONFIG,
        help="Admin kubeconfig of the cluster. Defaults to env[KUBECONFIG], else "
             + DEFAULT_KUBECONFIG)),
    (("--context",), dict(metavar="<name>", default=None,
                          help="kubeconfig context (default: its current-context)")),
    (("--target-version",), dict(
        metavar="<version>", type=target_version, default=None,
        help="Proposed control-plane version, e.g. v1.30.2 (also 1.30.2 or a package "
             "version 1.30.2-1.1). Without it, the current control plane is checked")),
    (("--format",), dict(choices=("table", "json"), default="table",
                         help="Output format (default table)")),
    (("--strict",), dict(action="store_true", default=False,
                         help="Count unknown edgeworkers as unsafe (exit 3)")),
    (("--request-timeout",), dict(metavar="<seconds>", type=seconds, default=10.0,
                                  help="Seconds per Kubernetes API request (default 10)")),
]


def _check_arguments(func):
    for args, kwargs in reversed(CHECK_ARGUMENTS):
        func = arg(*args, **kwargs)(func)
    return func


@_check_arguments
def do_kube_skew_check(cc, args):
    """Check every edgeworker's kubelet against the Kubernetes version-skew policy.

    Lists each edgeworker with its Node's kubelet version and a verdict (ok, needs-upgrade,
    blocks-upgrade, unknown) for the current control plane and an optional
    --target-version; also hosts missing from the cluster and Nodes missing from the
    inventory. Exit codes: 0 safe; 2 usage error; 3 unsafe (an edgeworker would be
    stranded, an unknown one with --strict, or the control plane refused: apiservers more
    than one minor apart, a target more than one minor ahead); 4 the cluster or the API
    cannot be queried.
    """
    from sysinv_edgeworker.cmd import kube_check
    return kube_check.run(cc, args, prog="system kube-skew-check")
