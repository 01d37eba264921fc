"""Every semantic rule for hosts, in one place: a table keyed by personality plus pure
functions that take plain values and raise domain exceptions. No HTTP, no database.
"""

import dataclasses
import json
import re

import netaddr

from sysinv_edgeworker.api import tunnel_rules
from sysinv_edgeworker.common import constants as k
from sysinv_edgeworker.common import exception, validators

RESERVED_HOSTNAMES = ("controller-0", "controller-1")
_STORAGE_NAME = re.compile(r"^storage-\d+$")

# Fields a client may never set through PATCH (state, identity, derived values).
RESTRICTED_FIELDS = frozenset({
    "id", "uuid", "created_at", "updated_at", "subfunctions", "administrative",
    "operational", "availability", "invprovision", "provision_state", "provision_step",
    "provision_error", "kubelet_version", "provision_updated_at", "kube_node_ready",
    "kube_last_seen", "tunnel_last_handshake", "links",
})
BMC_FIELDS = ("bm_ip", "bm_type", "bm_username", "bm_password")
PATCHABLE_FIELDS = frozenset({"hostname", "personality", "mgmt_mac", "mgmt_ip", "location",
                              "capabilities", "action"} | set(BMC_FIELDS)
                             | set(tunnel_rules.FIELDS))
HOST_ACTIONS = ("lock", "unlock", "force-lock", "force-unlock", "reboot", "reset", "reinstall",
                "power-on", "power-off", "swact", "force-swact")


def _plain_hostname(name):
    if name in RESERVED_HOSTNAMES:
        raise exception.InvalidParameterValue(
            err="hostname '%s' is reserved for the controllers." % name)
    if _STORAGE_NAME.match(name):
        raise exception.InvalidParameterValue(
            err="hostname '%s' is reserved for storage hosts (storage-N)." % name)


def _storage_hostname(name):
    if not _STORAGE_NAME.match(name):
        raise exception.InvalidParameterValue(
            err="hostname '%s' is invalid for a storage host: use storage-N." % name)


@dataclasses.dataclass(frozen=True)
class PersonalityRule:
    check_hostname: object
    system_modes: tuple
    actions: frozenset = frozenset()
    addable: bool = True
    upgrade_hint: str = ""


PERSONALITY_RULES = {
    k.EDGEWORKER: PersonalityRule(
        check_hostname=_plain_hostname, system_modes=k.SYSTEM_MODES,
        upgrade_hint="; edgeworkers are upgraded by the provision_edgeworker upgrade play"),
    k.WORKER: PersonalityRule(check_hostname=_plain_hostname,
                              system_modes=(k.DUPLEX, k.STANDARD),
                              actions=frozenset({"lock", "unlock"})),
    k.STORAGE: PersonalityRule(check_hostname=_storage_hostname, system_modes=(k.STANDARD,),
                               actions=frozenset({"lock", "unlock"})),
    k.CONTROLLER: PersonalityRule(check_hostname=None, system_modes=k.SYSTEM_MODES,
                                  addable=False),
}


@dataclasses.dataclass(frozen=True)
class MgmtNetwork:
    """What the rules need to know about the mgmt network, as plain values."""
    dynamic: bool
    subnet: str
    reserved: dict  # address -> what it is ("gateway", "controller-0", ...)
    tunnel: bool = False  # an edge-tunnel network is configured


def personality(value):
    if not isinstance(value, str) or value not in PERSONALITY_RULES:
        raise exception.InvalidParameterValue(
            err="personality '%s' is invalid; expected one of: %s."
                % (validators.shown(value), ", ".join(k.PERSONALITIES)))
    return value


def _check_personality_allowed(pers, system_mode):
    rule = PERSONALITY_RULES[pers]
    if not rule.addable:
        raise exception.InvalidParameterValue(
            err="personality '%s' cannot be added: controller hosts are created by the "
                "platform bootstrap." % pers)
    if system_mode not in rule.system_modes:
        raise exception.InvalidParameterValue(
            err="personality '%s' is not allowed in a %s system (allowed in: %s)."
                % (pers, system_mode, ", ".join(rule.system_modes)))


def hostname(value, pers):
    value = validators.hostname(value)
    rule = PERSONALITY_RULES.get(pers)
    if rule is not None and rule.check_hostname is not None:
        rule.check_hostname(value)
    return value


def mgmt_ip(value, net):
    """A supplied mgmt_ip: refused on a dynamic network, validated on a static one."""
    if net.dynamic:
        raise exception.InvalidParameterValue(
            err="mgmt_ip cannot be specified: the mgmt network is dynamic and the address "
                "is allocated by the system.")
    ip = validators.ip_address(value)
    subnet = netaddr.IPNetwork(net.subnet)
    if ip not in subnet:
        raise exception.InvalidParameterValue(
            err="mgmt_ip %s is not in the mgmt subnet %s." % (ip, subnet))
    # netaddr gives a /31 or /32 no broadcast address (None), as RFC 3021 has it
    if ip == subnet.network or (subnet.version == 4 and ip == subnet.broadcast):
        raise exception.InvalidParameterValue(
            err="mgmt_ip %s is the %s address of the mgmt subnet %s."
                % (ip, "network" if ip == subnet.network else "broadcast", subnet))
    what = net.reserved.get(str(ip))
    if what:
        raise exception.InvalidParameterValue(
            err="mgmt_ip %s is reserved for the %s." % (ip, what))
    return str(ip)


LOCATION_TEXT_MAX = 255
LOCATION_KEYS_MAX = 16
CAPABILITIES_MAX = 4096  # bytes of JSON


def location(value):
    """sysinv's location is {"locn": text}; cgtsclient's host-update sends plain text."""
    if isinstance(value, str):
        value = {"locn": value}
    if not isinstance(value, dict) or not all(
            isinstance(k_, str) and isinstance(v, str) for k_, v in value.items()):
        raise exception.InvalidParameterValue(
            err="location must be text or an object of text values, e.g. {\"locn\": \"rack 4\"}.")
    if len(value) > LOCATION_KEYS_MAX:
        raise exception.InvalidParameterValue(
            err="location has %d keys; the maximum is %d." % (len(value), LOCATION_KEYS_MAX))
    for key, text in value.items():
        if len(key) > LOCATION_TEXT_MAX or len(text) > LOCATION_TEXT_MAX:
            raise exception.InvalidParameterValue(
                err="location '%s' is too long; keys and values are at most %d characters."
                    % (validators.shown(key, 32), LOCATION_TEXT_MAX))
    return value


def capabilities(value):
    if not isinstance(value, dict):
        raise exception.InvalidParameterValue(err="capabilities must be a JSON object.")
    size = len(json.dumps(value))
    if size > CAPABILITIES_MAX:
        raise exception.InvalidParameterValue(
            err="capabilities is %d bytes of JSON; the maximum is %d." % (size, CAPABILITIES_MAX))
    return value


_FREE_FORM = {"location": location, "capabilities": capabilities}


def _free_form(values, out):
    for field, check in _FREE_FORM.items():
        if values.get(field) is not None:
            out[field] = check(values[field])


def _refuse_bmc(values, pers):
    for field in BMC_FIELDS:
        if values.get(field) not in (None, ""):
            raise exception.NotSupported(
                operation="Board management (%s)" % field,
                personality=pers or "unprovisioned")


def _host_fields(values, pers, system_mode, net, need_ip):
    """Validate hostname/mgmt_ip for a host that has (or gets) a personality."""
    out = {}
    _check_personality_allowed(pers, system_mode)
    name = values.get("hostname")
    if name in (None, ""):
        raise exception.InvalidParameterValue(
            err="hostname is required for %s hosts." % pers)
    out["hostname"] = hostname(name, pers)
    ip = values.get("mgmt_ip")
    if ip not in (None, ""):
        out["mgmt_ip"] = mgmt_ip(ip, net)
    elif need_ip and not net.dynamic:
        raise exception.InvalidParameterValue(
            err="mgmt_ip is required for %s hosts: the mgmt network is static." % pers)
    return out


def validate_create(values, system_mode, net):
    """Normalised values for a new host. A bare MAC (no personality) is allowed."""
    tunnel_rules.refuse_private(values)
    _refuse_bmc(values, values.get("personality"))
    out = {"mgmt_mac": validators.mac(values.get("mgmt_mac"))}
    pers = values.get("personality")
    attach, attach_fields = tunnel_rules.check(None, values, net.tunnel, pers)
    if pers in (None, ""):
        for field in ("hostname", "mgmt_ip"):
            if values.get(field) not in (None, ""):
                raise exception.InvalidParameterValue(
                    err="%s requires a personality; register a bare MAC with mgmt_mac only, "
                        "or give hostname and personality." % field)
    else:
        out["personality"] = personality(pers)
        out.update(_host_fields(values, out["personality"], system_mode, net,
                                need_ip=attach == k.MGMT_ATTACH_DIRECT))
    out.update(attach_fields)
    _free_form(values, out)
    return out


def validate_update(current, changes, system_mode, net):
    """Normalised changes for an existing host (``current`` is its dict)."""
    tunnel_rules.refuse_private(changes)
    for field in changes:
        if field in RESTRICTED_FIELDS:
            raise exception.InvalidParameterValue(err="'%s' cannot be modified." % field)
        if field not in PATCHABLE_FIELDS:
            raise exception.InvalidParameterValue(
                err="'%s' is not a host attribute." % validators.shown(field))
    pers = current.get("personality")
    _refuse_bmc(changes, pers)
    if "action" in changes:
        if len(changes) > 1:
            raise exception.InvalidParameterValue(
                err="action cannot be combined with other changes.")
        check_action(pers, changes["action"])
        return {"action": changes["action"]}

    out = {}
    new_pers = pers
    if "personality" in changes and changes["personality"] != pers:
        if pers is not None:
            raise exception.InvalidParameterValue(
                err="personality cannot be changed once set (%s); delete the host and add "
                    "it again." % pers)
        new_pers = out["personality"] = personality(changes["personality"])
    attach, attach_fields = tunnel_rules.check(current, changes, net.tunnel, new_pers)
    moved = "mgmt_attach" in attach_fields  # the host moves to the other network's address
    direct = attach == k.MGMT_ATTACH_DIRECT
    if "hostname" in changes and changes["hostname"] != current.get("hostname"):
        if current.get("hostname") is not None:
            raise exception.InvalidParameterValue(
                err="hostname cannot be changed once set (%s)%s."
                    % (current["hostname"], " for edgeworker hosts"
                       if pers == k.EDGEWORKER else ""))
    if "mgmt_ip" in changes and changes["mgmt_ip"] != current.get("mgmt_ip") and not moved:
        if current.get("mgmt_ip") is not None:
            raise exception.InvalidParameterValue(
                err="mgmt_ip cannot be changed once assigned (%s)." % current["mgmt_ip"])
    if "mgmt_mac" in changes:
        mac = validators.mac(changes["mgmt_mac"])
        if mac != current.get("mgmt_mac"):
            out["mgmt_mac"] = mac
    if new_pers is not None and (current.get("hostname") is None or pers is None):
        merged = {"hostname": changes.get("hostname", current.get("hostname")),
                  "mgmt_ip": changes.get("mgmt_ip")}
        fields = _host_fields(merged, new_pers, system_mode, net,
                              need_ip=direct and (current.get("mgmt_ip") is None or moved))
        if current.get("hostname") is None:
            out["hostname"] = fields["hostname"]
        if "mgmt_ip" in fields:
            out["mgmt_ip"] = fields["mgmt_ip"]
    elif new_pers is None and ("hostname" in changes or "mgmt_ip" in changes):
        raise exception.InvalidParameterValue(
            err="hostname and mgmt_ip require a personality; set personality too.")
    elif moved and direct:  # back to the flat network: a new mgmt address, as at host-add
        ip = changes.get("mgmt_ip")
        if ip not in (None, ""):
            out["mgmt_ip"] = mgmt_ip(ip, net)
        elif not net.dynamic:
            raise exception.InvalidParameterValue(
                err="mgmt_ip is required for %s hosts: the mgmt network is static." % new_pers)
    out.update(attach_fields)
    _free_form(changes, out)
    return out


def check_action(pers, action):
    if action not in HOST_ACTIONS:
        raise exception.InvalidParameterValue(
            err="action '%s' is invalid; expected one of: %s."
                % (validators.shown(action), ", ".join(HOST_ACTIONS)))
    rule = PERSONALITY_RULES.get(pers)
    if rule is None or action not in rule.actions:
        raise exception.NotSupported(operation="Host action '%s'" % action,
                                     personality=pers or "unprovisioned")


def check_upgrade(pers, operation):
    rule = PERSONALITY_RULES.get(pers)
    hint = rule.upgrade_hint if rule else ""
    raise exception.NotSupported(
        message="%s is not supported for %s hosts%s." % (operation, pers or "unprovisioned", hint))


# ---- Provisioning reports (PUT /v1/ihosts/<host>/provision, sent by the playbook) ----------

REPORT_STATES = ("provisioning", "provisioned", "failed")
PROVISION_STEP_MAX = 255
PROVISION_ERROR_MAX = 4096
_KUBE_VERSION = re.compile(r"^v\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$")


def _optional_text(values, field, limit=None):
    value = values.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise exception.InvalidParameterValue(err="%s must be a string." % field)
    if limit is not None and len(value) > limit:
        raise exception.InvalidParameterValue(
            err="%s is %d characters long; the maximum is %d." % (field, len(value), limit))
    return value or None


def validate_provision_report(current, values):
    """Normalised columns for a provisioning report on the host ``current`` (its dict).

    Only edgeworkers are provisioned by the playbook (409 otherwise). ``failed`` needs the
    error, ``provisioned`` the kubelet version; an error longer than PROVISION_ERROR_MAX is
    cut (the playbook's message must not be lost because it is long).
    """
    if current.get("personality") != k.EDGEWORKER:
        raise exception.Conflict(
            message="Provisioning reports are accepted only for edgeworker hosts; %s is %s."
                    % (current.get("hostname") or current.get("mgmt_mac"),
                       "a %s host" % current["personality"] if current.get("personality")
                       else "not provisioned (no personality)"))
    state = values.get("provision_state")
    if state in (None, ""):
        raise exception.InvalidParameterValue(
            err="provision_state is required; expected one of: %s." % ", ".join(REPORT_STATES))
    if state not in REPORT_STATES:
        raise exception.InvalidParameterValue(
            err="provision_state '%s' is invalid; expected one of: %s."
                % (validators.shown(state), ", ".join(REPORT_STATES)))
    step = _optional_text(values, "provision_step", PROVISION_STEP_MAX)
    error = _optional_text(values, "provision_error")
    if error and len(error) > PROVISION_ERROR_MAX:
        error = error[:PROVISION_ERROR_MAX - 15] + " … (truncated)"
    version = _optional_text(values, "kubelet_version", 64)
    if version is not None and not _KUBE_VERSION.match(version):
        raise exception.InvalidParameterValue(
            err="kubelet_version '%s' is invalid; expected a Kubernetes version like v1.29.2."
                % version)
    if state == "failed" and not error:
        raise exception.InvalidParameterValue(
            err="provision_error is required when provision_state is failed.")
    if state == "provisioned" and not version:
        raise exception.InvalidParameterValue(
            err="kubelet_version is required when provision_state is provisioned.")
    out = {"provision_state": state, "provision_step": step,
           "provision_error": error if state == "failed" else None}
    if version:
        out["kubelet_version"] = version
    return out
