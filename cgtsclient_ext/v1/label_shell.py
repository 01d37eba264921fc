"""``host-label-*`` commands (cgtsclient's label_shell.py): host-label-assign,
host-label-list, host-label-remove."""

import argparse
import sys

from cgtsclient_ext import formatting
from cgtsclient_ext.utils import arg

SHOW_FIELDS = ["uuid", "host_uuid", "label_key", "label_value"]


def key_value(text):
    """argparse type of a ``key=value`` label (the value may be empty and contain '=')."""
    key, sep, value = text.strip().partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(
            f"malformed label {text!r}: expected <key>=<value>, e.g. gpu=nvidia")
    return key, value


@arg("hostnameorid", metavar="<hostname or id>", help="Name or ID of host [REQUIRED]")
@arg("--format", choices=("table", "yaml", "value"), default="table",
     help="specify the output format, defaults to table")
def do_host_label_list(cc, args):
    """List labels assigned to a host."""
    host = cc.ihost.get(args.hostnameorid)
    rows = [dict(lbl.to_dict(), hostname=host.hostname) for lbl in cc.label.list(host.uuid)]
    fields = ["hostname", "label_key", "label_value"]
    if args.format == "table":
        # cgtsclient's column titles
        rows = [{"hostname": r["hostname"], "label key": r["label_key"],
                 "label value": r["label_value"]} for r in rows]
        fields = ["hostname", "label key", "label value"]
    formatting.print_list(rows, fields, output_format=args.format, sortby=1)


@arg("hostnameorid", metavar="<hostname or id>", help="Name or ID of host [REQUIRED]")
@arg("attributes", metavar="<name=value>", nargs="+", type=key_value,
     help="List of Kubernetes labels")
@arg("--overwrite", action="store_true", help="Allow labels to be overwritten")
def do_host_label_assign(cc, args):
    """Update the Kubernetes labels on a host.

    Prints each label written as a Property/Value table (uuid, host_uuid, label_key,
    label_value). A pair without '=' is a usage error (exit 2) and nothing is sent.
    """
    host = cc.ihost.get(args.hostnameorid)
    for lbl in cc.label.assign(host.uuid, dict(args.attributes), overwrite=args.overwrite):
        formatting.print_dict({f: lbl.get(f, "") for f in SHOW_FIELDS}, ordered=True)


@arg("hostnameorid", metavar="<hostname or id>", help="Name or ID of host [REQUIRED]")
@arg("attributes", metavar="<name>", nargs="+", help="List of Kubernetes label keys")
def do_host_label_remove(cc, args):
    """Remove Kubernetes label(s) from a host.

    Prints "Deleted host label <key> for host <host>" for each label removed. A key the host
    does not have is reported on stderr, the others are still removed, and the exit status
    is then 1.
    """
    host = cc.ihost.get(args.hostnameorid)
    labels = {lbl.label_key: lbl for lbl in cc.label.list(host.uuid)}
    missing = False
    for key in args.attributes:
        lbl = labels.get(key)
        if lbl is None:
            print(f"Host label not found: host {host.hostname}, label key {key} ",
                  file=sys.stderr)
            missing = True
            continue
        cc.label.remove(lbl.uuid)
        print(f"Deleted host label {key} for host {host.hostname}")
    return 1 if missing else 0
