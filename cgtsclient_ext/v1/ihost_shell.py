"""``host-*`` commands: host-list, host-show, host-add, host-update, host-delete."""

import sys

from cgtsclient_ext import exc, formatting
from cgtsclient_ext.utils import (
    arg,
    attributes_to_patch,
    output_options,
    parse_attribute,
)
from cgtsclient_ext.v1.ihost import MGMT_ATTACHES, PERSONALITIES

LIST_FIELDS = ["id", "hostname", "personality", "administrative",
               "operational", "availability"]

# The fields host-show prints, in this order for --format value: cgtsclient's
# (iHost_shell.py _print_ihost_show, with its optional ones), then the edgeworker's own.
# Other keys the service returns (sysinv's sub-collection links, ids...) only with --column.
CGTS_SHOW_FIELDS = ["id", "uuid", "personality", "hostname", "invprovision",
                    "administrative", "operational", "availability", "task", "action",
                    "mgmt_mac", "serialid", "capabilities", "bm_type", "bm_username",
                    "bm_ip", "config_applied", "config_target", "config_status", "location",
                    "uptime", "reserved", "created_at", "updated_at", "boot_device",
                    "rootfs_device", "hw_settle", "install_output", "console", "tboot",
                    "vim_progress_status", "install_state", "install_state_info",
                    "inv_state", "clock_synchronization", "device_image_update",
                    "reboot_needed", "max_cpu_mhz_configured", "min_cpu_mhz_allowed",
                    "max_cpu_mhz_allowed", "cstates_available", "apparmor",
                    "iscsi_initiator_name", "nvme_host_id", "nvme_host_nqn", "sw_version"]
OWN_SHOW_FIELDS = ["mgmt_ip", "provision_state", "provision_step", "provision_error",
                   "kubelet_version", "provision_updated_at", "kube_node_ready",
                   "kube_last_seen", "mgmt_attach", "wg_public_key", "tunnel_last_handshake",
                   "tunnel_handshake_age"]
SHOW_FIELDS = CGTS_SHOW_FIELDS + ["subfunctions"] + OWN_SHOW_FIELDS

HIDDEN_FIELDS = ("links",)


def _show_fields(info):
    fields = list(CGTS_SHOW_FIELDS)
    if info.get("subfunctions") != info.get("personality"):
        fields.append("subfunctions")
        if "controller" in (info.get("subfunctions") or ""):
            fields += ["subfunction_oper", "subfunction_avail"]
    if info.get("peers"):
        fields.append("peers")
    fields += ["vsc_controllers", "ttys_dcd"] + OWN_SHOW_FIELDS
    return [f for f in fields if f in info]


def _health(info):
    """A tunnel host whose tunnel never had a handshake shows "never" (null in the API)."""
    if info.get("mgmt_attach") == "tunnel" and info.get("tunnel_handshake_age") is None:
        info = dict(info, tunnel_handshake_age="never")
    return info


def _show_data(host, columns):
    info = _health(host.to_dict())
    if columns:
        formatting.check_columns(columns, set(info) - set(HIDDEN_FIELDS))
        return {c: info[c] for c in columns}
    return {f: info[f] for f in _show_fields(info)}


def print_host(host, columns=None, output_format=None):
    """Print one host the way host-show does (also used by host-add/-update)."""
    formatting.print_dict(_show_data(host, columns), output_format=output_format, wrap=72)


@output_options()
def do_host_list(cc, args):
    """List hosts."""
    hosts = cc.ihost.list()
    fields = args.column or LIST_FIELDS
    if args.column:
        available = set(SHOW_FIELDS) | set(LIST_FIELDS)
        for h in hosts:
            available |= set(h.to_dict())
        formatting.check_columns(fields, available - set(HIDDEN_FIELDS))
    formatting.print_list([_health(h.to_dict()) for h in hosts], fields,
                          output_format=args.format, sortby=0)


@arg("hostnameorid", metavar="<hostname or id>", help="Name, ID or UUID of host")
@output_options()
def do_host_show(cc, args):
    """Show host attributes."""
    print_host(cc.ihost.get(args.hostnameorid), args.column, args.format)


@arg("-n", "--hostname", metavar="<hostname>",
     help="Hostname of the host (required for an edgeworker; a Kubernetes "
          "node name: lower-case letters, digits and '-', at most 63)")
@arg("-p", "--personality", metavar="<personality>", choices=PERSONALITIES,
     help=f"Personality or type of host: {', '.join(PERSONALITIES)}. May be set later "
          "with host-update when only a MAC is registered now")
@arg("-m", "--mgmt_mac", metavar="<mgmt_mac>",
     help="MAC Address of the host mgmt interface [REQUIRED]")
@arg("-i", "--mgmt_ip", metavar="<mgmt_ip>",
     help="IP Address of the host mgmt interface (when using static address "
          "allocation; refused when the mgmt network is dynamic)")
@arg("-l", "--location", metavar="<location>",
     help="Physical location of the host")
@arg("--mgmt_attach", metavar="<mgmt_attach>", choices=MGMT_ATTACHES,
     help="Management attachment of an edgeworker: direct (the flat mgmt network, a DHCP "
          "reservation; the default) or tunnel (an L3/NAT site, through the controller's "
          "WireGuard tunnel; mgmt_ip is then the tunnel address)")
@arg("--wg_public_key", metavar="<public key>",
     help="The node's WireGuard public key (what 'wg pubkey' prints) for a tunnel host; "
          "never its private key")
@output_options(short_column=False)
def do_host_add(cc, args):
    """Add a new host.

    Prints the new host as host-show does.  -c is not a short form of --column
    here: cgtsclient uses it for --console, which edgeworkers do not have.
    """
    fields = {k: getattr(args, k) for k in ("hostname", "personality", "mgmt_mac",
                                                   "mgmt_ip", "location", "mgmt_attach",
                                                   "wg_public_key")
                  if getattr(args, k) is not None}
    if "location" in fields:
        # The service (like sysinv) stores location as {"locn": "<text>"}.
        fields["location"] = {"locn": fields["location"]}
    print_host(cc.ihost.create(**fields), args.column, args.format)


@arg("hostnameorid", metavar="<hostname or id>", help="Name, ID or UUID of host")
@arg("attributes", metavar="<attribute=value>", nargs="+", type=parse_attribute,
     help="Attributes to update, e.g. hostname=edge-01 personality=edgeworker. "
          "Each becomes a JSON-patch replace operation; a pair without '=' is a "
          "usage error (exit 2) and nothing is sent")
@output_options()
def do_host_update(cc, args):
    """Update host attributes.

    Prints the updated host as host-show does.
    """
    patch = attributes_to_patch(args.attributes)
    print_host(cc.ihost.update(args.hostnameorid, patch), args.column, args.format)


@arg("hostnameorid", metavar="<hostname or id>", help="Name, ID or UUID of host")
@output_options()
def do_host_wg_key_revoke(cc, args):
    """Revoke a tunnel host's WireGuard public key.

    The controller drops the node's peer at once (its sessions end); the host keeps its
    tunnel address. Register a new key with host-update <host> wg_public_key=<key>.
    """
    patch = [{"op": "remove", "path": "/wg_public_key"}]
    print_host(cc.ihost.update(args.hostnameorid, patch), args.column, args.format)


@arg("hostnameorid", metavar="<hostname or id>", nargs="+",
     help="Name, ID or UUID of host; several may be given")
def do_host_delete(cc, args):
    """Delete one or more hosts.

    Prints "Deleted host <x>" for each host deleted.  A host that cannot be
    deleted is reported on stderr, the others are still deleted, and the exit
    status is then 1.
    """
    failed = False
    for ident in args.hostnameorid:
        try:
            cc.ihost.delete(ident)
        except exc.HTTPError as err:
            print(str(err), file=sys.stderr)
            failed = True
            continue
        print(f"Deleted host {ident}")
    return 1 if failed else 0
