"""``edgeworker-inventory``: write the edgeworker hosts as an Ansible inventory."""

import json
import os
import sys

from cgtsclient_ext import exc, formatting, inventory
from cgtsclient_ext.utils import arg


@arg("--format", choices=("json", "yaml"), default="json",
     help="json: what an inventory script prints for --list; yaml: an Ansible "
          "YAML inventory file. Defaults to json")
@arg("--output", metavar="<file>",
     help="Write to this file (mode 0644, replaced atomically) instead of stdout")
def do_edgeworker_inventory(cc, args):
    """Write the edgeworker hosts as an Ansible inventory.

    Group "edgeworker" holds every edgeworker with a hostname and a mgmt IP
    (ansible_host = mgmt_ip); "edgeworker_incomplete" the others.  Host vars:
    sysinv_uuid, sysinv_id, personality, mgmt_mac, mgmt_ip, provision_state,
    kubelet_version, sysinv_labels (the host's Kubernetes labels).  No credentials
    are written.
    """
    inv = inventory.fetch(cc)
    if args.format == "yaml":
        text = formatting.yaml_dump(inventory.to_yaml_inventory(inv))
    else:
        text = json.dumps(inv, indent=2, sort_keys=True) + "\n"
    if not args.output:
        sys.stdout.write(text)
        return 0
    tmp = f"{args.output}.tmp{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, args.output)
    except OSError as err:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise exc.CommandError(f"Cannot write {args.output}: {err.strerror or err}") from None
    return 0
