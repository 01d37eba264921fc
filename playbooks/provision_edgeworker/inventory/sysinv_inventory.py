#!/usr/bin/env python3
"""Ansible inventory script: the edgeworker hosts known to sysinv-edgeworker.

    ansible-inventory -i sysinv_inventory.py --list
    ansible-playbook -i sysinv_inventory.py ../provision_edgeworker.yml

Group ``edgeworker`` holds every edgeworker host with a hostname and a mgmt IP
(``ansible_host`` = mgmt_ip); ``edgeworker_incomplete`` the ones still missing
one of them.  Host vars: sysinv_uuid, sysinv_id, personality, mgmt_mac,
mgmt_ip, provision_state, kubelet_version, sysinv_labels (the host's Kubernetes
labels, applied to the Node at join).  No password or token is ever written
into the inventory.

Environment (the ``system`` command's names):
  SYSTEM_URL      service endpoint (default http://127.0.0.1:6385)
  OS_AUTH_TOKEN   sent as X-Auth-Token, when the service has auth on
  OS_USERNAME / OS_PASSWORD   sent as HTTP Basic, when the service has auth on
  SYSTEM_TIMEOUT  seconds to wait for the service (default 30)

Exit status 1 with a one-line message on stderr when the service cannot be
asked (Ansible shows that message).
"""

import argparse
import json
import os
import sys


def _load():
    try:
        from cgtsclient_ext import client, exc, inventory
    except ImportError:
        # Run from a checkout without the package installed: use the checkout's copy.
        here = os.path.dirname(os.path.realpath(__file__))
        sys.path.insert(0, os.path.abspath(os.path.join(here, "..", "..", "..")))
        from cgtsclient_ext import client, exc, inventory
    return client, exc, inventory


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Ansible inventory of the edgeworker hosts registered in "
                    "sysinv-edgeworker (reads SYSTEM_URL, OS_AUTH_TOKEN, "
                    "OS_USERNAME/OS_PASSWORD).")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--list", action="store_true", help="Print the whole inventory as JSON")
    mode.add_argument("--host", metavar="<hostname>", help="Print one host's variables as JSON")
    args = parser.parse_args(argv)

    client, exc, inventory = _load()
    try:
        timeout = float(os.environ.get("SYSTEM_TIMEOUT") or 30)
    except ValueError:
        print("SYSTEM_TIMEOUT must be a number of seconds", file=sys.stderr)
        return 1
    cc = client.get_client(
        system_url=os.environ.get("SYSTEM_URL") or None,
        username=os.environ.get("OS_USERNAME") or None,
        password=os.environ.get("OS_PASSWORD") or None,
        token=os.environ.get("OS_AUTH_TOKEN") or None,
        timeout=timeout)
    try:
        inv = inventory.fetch(cc)
    except exc.ClientException as err:
        print(f"sysinv inventory: {err}", file=sys.stderr)
        return 1
    result = inv if args.list else inventory.host(inv, args.host)
    json.dump(result, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
