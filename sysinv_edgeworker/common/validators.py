"""Pure format validators: plain values in, normalised values out, ``Invalid`` raised."""

import re

import netaddr

from sysinv_edgeworker.common import exception

ECHO_MAX = 64


def shown(value, limit=ECHO_MAX):
    """A client's value as an error message quotes it: at most ``limit`` characters, so a
    60 kB string is named, not echoed back."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


# RFC 1123 DNS label, as Kubernetes requires for node names.
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
HOSTNAME_MAX = 63


def hostname(value, field="hostname"):
    if not isinstance(value, str) or not value:
        raise exception.InvalidParameterValue(err=f"{field} must be a non-empty string.")
    if len(value) > HOSTNAME_MAX:
        raise exception.InvalidParameterValue(
            err=f"{field} '{value[:HOSTNAME_MAX]}…' is {len(value)} characters long; "
                f"the maximum is {HOSTNAME_MAX}.")
    if not _LABEL.match(value):
        raise exception.InvalidParameterValue(
            err=f"{field} '{shown(value)}' is not a valid Kubernetes node name: use lower-case "
                "letters, digits and '-', starting and ending with a letter or digit "
                "(RFC 1123 label).")
    return value


def mac(value, field="mgmt_mac"):
    if not isinstance(value, str) or not value.strip():
        raise exception.InvalidParameterValue(err=f"{field} must be a MAC address.")
    try:
        eui = netaddr.EUI(value.strip(), version=48)
    except (netaddr.AddrFormatError, TypeError, ValueError):
        raise exception.InvalidParameterValue(
            err=f"{field} '{shown(value)}' is not a valid MAC address "
                "(expected e.g. 52:54:00:aa:bb:01).")
    # The dnsmasq hostsfile needs a unicast MAC that is not all zeros.
    if int(eui) == 0 or (int(eui) >> 40) & 1:
        raise exception.InvalidParameterValue(
            err=f"{field} '{shown(value)}' is not a unicast MAC address.")
    eui.dialect = netaddr.mac_unix_expanded
    return str(eui).lower()


def ip_address(value, field="mgmt_ip"):
    if not isinstance(value, str) or not value.strip():
        raise exception.InvalidParameterValue(err=f"{field} must be an IP address.")
    try:
        return netaddr.IPAddress(value.strip(), flags=netaddr.INET_PTON)
    except (netaddr.AddrFormatError, TypeError, ValueError):
        raise exception.InvalidParameterValue(
            err=f"{field} '{shown(value)}' is not a valid IP address.")


def uuid_like(value):
    try:
        import uuid
        return str(uuid.UUID(str(value))) == str(value).lower()
    except (TypeError, ValueError):
        return False


def page_limit(limit, max_limit):
    """A listing's page size: ``limit`` (None: not given) capped at ``max_limit``."""
    if limit is not None and limit < 1:
        raise exception.InvalidParameterValue(err="limit must be a positive integer.")
    return min(limit or max_limit, max_limit)


def sort(sort_key, sort_dir, keys):
    """A listing's ``sort_key`` (one of ``keys``) and ``sort_dir`` (asc|desc)."""
    if sort_key not in keys:
        raise exception.InvalidParameterValue(
            err="sort_key '%s' is invalid; expected one of: %s."
                % (shown(sort_key), ", ".join(keys)))
    if sort_dir not in ("asc", "desc"):
        raise exception.InvalidParameterValue(
            err="sort_dir '%s' is invalid; expected asc or desc." % shown(sort_dir))
    return sort_key, sort_dir
