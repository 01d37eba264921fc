"""Filters of the edgeworker_os_prep role: the node's NO_PROXY list and proxy URL checks.

{{ edgeworker_no_proxy | edgeworker_no_proxy_list(edgeworker_cluster_no_proxy,
                                                  edgeworker_node_ip, edgeworker_node_name,
                                                  ansible_facts) }}
{{ edgeworker_http_proxy | edgeworker_proxy_has_credentials }}
"""

import ipaddress
import re
from urllib.parse import urlsplit

LOCAL = ["localhost", "127.0.0.1", "::1"]
# apt's per-host setting (Acquire::http::Proxy::<host> "DIRECT") takes a plain host name or
# IPv4 address: '::' is apt's key separator and CIDRs or .domains are no hosts.
APT_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")


def _entries(value):
    if isinstance(value, str):
        value = value.split(",")
    return [str(item).strip() for item in (value or []) if str(item).strip()]


def _subnet(facts, node_ip):
    """The network (CIDR) of the interface that carries node_ip, from gathered facts."""
    try:
        wanted = ipaddress.ip_address(node_ip)
    except ValueError:
        return None
    for name in facts.get("interfaces", []):
        iface = facts.get(name.replace("-", "_").replace(".", "_"), {})
        v4 = [iface.get("ipv4")] if isinstance(iface.get("ipv4"), dict) else []
        for addr in v4 + list(iface.get("ipv4_secondaries", [])):
            if addr.get("address") == node_ip and addr.get("netmask"):
                return str(ipaddress.ip_interface(f"{node_ip}/{addr['netmask']}").network)
        for addr in iface.get("ipv6", []):
            try:
                if ipaddress.ip_address(addr.get("address", "")) == wanted:
                    return str(
                        ipaddress.ip_interface(f"{wanted}/{addr.get('prefix', 128)}").network
                    )
            except ValueError:
                continue
    return None


def no_proxy_list(operator, cluster, node_ip, node_name, facts):
    """The operator's entries first, then localhost, the node itself, its management subnet
    and what the controller play found (service and pod CIDRs, the cluster's service domain,
    API endpoint, controller and registry addresses); each once, in that order."""
    merged = _entries(operator) + LOCAL + _entries([node_name, node_ip])
    subnet = _subnet(facts or {}, node_ip)
    merged += [subnet] if subnet else []
    merged += _entries(cluster)
    seen, out = set(), []
    for entry in merged:
        if entry.lower() not in seen:
            seen.add(entry.lower())
            out.append(entry)
    return out


def apt_direct_hosts(entries):
    return [e for e in _entries(entries) if APT_HOST.match(e)]


def proxy_has_credentials(url):
    """True when the URL carries a user (and password) before the host."""
    try:
        parts = urlsplit(str(url or ""))
    except ValueError:
        return True  # unparsable: treat as secret
    return parts.username is not None or parts.password is not None


class FilterModule:
    def filters(self):
        return {
            "edgeworker_no_proxy_list": no_proxy_list,
            "edgeworker_apt_direct_hosts": apt_direct_hosts,
            "edgeworker_proxy_has_credentials": proxy_has_credentials,
        }
