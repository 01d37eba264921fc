"""``kube-version-list``, ``kube-version-show``, ``kube-host-upgrade-list``: cgtsclient's
arguments and columns (kube_version_shell.py, iHost_shell.py)."""

from cgtsclient_ext import exc, formatting
from cgtsclient_ext.utils import arg

KUBE_VERSION_FIELDS = ["version", "target", "state"]
KUBE_HOST_UPGRADE_FIELDS = ["id", "hostname", "personality", "target_version",
                            "control_plane_version", "kubelet_version", "status"]


def do_kube_version_list(cc, args):
    """List all kubernetes versions"""
    versions = [v.to_dict() for v in cc.kube_version.list()]
    # sortby=None: the API returns them in order, as cgtsclient expects
    formatting.print_list(versions, KUBE_VERSION_FIELDS, sortby=None)


@arg("version", metavar="<kubernetes version>", help="Kubernetes version")
def do_kube_version_show(cc, args):
    """Show kubernetes version details"""
    try:
        version = cc.kube_version.get(args.version).to_dict()
    except exc.HTTPNotFound:
        raise exc.CommandError("kubernetes version not found: %s" % args.version) from None
    version.pop("upgrade_from", None)  # cgtsclient hides it
    formatting.print_dict(version, wrap=72)


def do_kube_host_upgrade_list(cc, args):
    """List kubernetes upgrade info for hosts."""
    hosts = {h.id: h.to_dict() for h in cc.ihost.list()}
    rows = []
    for upgrade in cc.kube_host_upgrade.list():
        host = hosts.get(upgrade.host_id)
        if host is None:  # deleted between the two requests
            continue
        rows.append(dict(host, **{f: upgrade.get(f) for f in KUBE_HOST_UPGRADE_FIELDS[3:]}))
    formatting.print_list(rows, KUBE_HOST_UPGRADE_FIELDS, sortby=0)
