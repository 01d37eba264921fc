"""Rules of host labels (``system host-label-assign``): pure functions, plain values in,
``Invalid`` raised with a message naming the label. One copy of each rule.

Syntax is Kubernetes' own (k8s.io/apimachinery validation.IsQualifiedName and
IsValidLabelValue): a key is ``[prefix/]name`` with an optional DNS-subdomain prefix
(at most 253 characters) and a name of at most 63 characters
``[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?``; a value is empty or at most 63 characters
of the same form.

Reserved prefixes: ``kubernetes.io/`` and ``k8s.io/`` and their subdomains belong to
Kubernetes. Only ``node-role.kubernetes.io/<role>`` may be assigned (an administrator's
label, never set by the kubelet), and not the control-plane roles
(``control-plane``, ``master``): they would make a node look like a control-plane node to
the cluster and to the upgrade checks. ``node.kubernetes.io/``, ``kubernetes.io/hostname``,
``topology.kubernetes.io/`` … are refused: the kubelet or the cloud provider owns them and
would overwrite the value.
"""

import re

from sysinv_edgeworker.common import exception
from sysinv_edgeworker.common.validators import shown

NAME_MAX = 63
PREFIX_MAX = 253
VALUE_MAX = 63
_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_PREFIX = re.compile(r"^%s(\.%s)*$" % (_DNS_LABEL, _DNS_LABEL))
RESERVED_DOMAINS = ("kubernetes.io", "k8s.io")
ALLOWED_RESERVED_PREFIXES = ("node-role.kubernetes.io",)
CONTROL_PLANE_ROLES = ("node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master")
OVERWRITE_VALUES = {"true": True, "1": True, "yes": True, "on": True, "t": True, "y": True,
                    "false": False, "0": False, "no": False, "off": False, "f": False,
                    "n": False}


def _bad_key(key, why):
    raise exception.InvalidParameterValue(
        err="Label key '%s' is invalid: %s" % (shown(key), why))


def key(value):
    """A label key as Kubernetes accepts it on a Node, outside its reserved prefixes."""
    if not isinstance(value, str) or not value:
        _bad_key(value if isinstance(value, str) else repr(value), "it must be a non-empty string.")
    prefix, sep, name = value.rpartition("/")
    if sep and not prefix:
        _bad_key(value, "the prefix before '/' must not be empty.")
    if len(name) > NAME_MAX:
        _bad_key(value, "the name part is %d characters long; the maximum is %d."
                 % (len(name), NAME_MAX))
    if not _NAME.match(name):
        _bad_key(value, "the name part must begin and end with a letter or digit and contain "
                        "only letters, digits, '-', '_' and '.'.")
    if prefix:
        if len(prefix) > PREFIX_MAX:
            _bad_key(value, "the prefix is %d characters long; the maximum is %d."
                     % (len(prefix), PREFIX_MAX))
        if not _PREFIX.match(prefix):
            _bad_key(value, "the prefix must be a DNS subdomain: lower-case letters, digits, "
                            "'-' and '.', each part beginning and ending with a letter or "
                            "digit.")
        _check_reserved(value, prefix)
    return value


def _check_reserved(label_key, prefix):
    for domain in RESERVED_DOMAINS:
        if prefix == domain or prefix.endswith("." + domain):
            if prefix not in ALLOWED_RESERVED_PREFIXES:
                raise exception.InvalidParameterValue(
                    err="Label key '%s' is invalid: the prefix %s/ is reserved for Kubernetes; "
                        "of its prefixes only node-role.kubernetes.io/ may be assigned."
                        % (shown(label_key), shown(prefix)))
    if label_key in CONTROL_PLANE_ROLES:
        raise exception.InvalidParameterValue(
            err="Label key '%s' is invalid: it marks control-plane nodes and cannot be "
                "assigned to a host." % label_key)


def value(label_key, val):
    if val is None:
        raise exception.InvalidParameterValue(
            err="Label '%s' has no value (null); use \"\" for an empty value." % shown(label_key))
    if not isinstance(val, str):
        raise exception.InvalidParameterValue(
            err="Value of label '%s' must be a string." % shown(label_key))
    if val == "":
        return val
    if len(val) > VALUE_MAX:
        raise exception.InvalidParameterValue(
            err="Value of label '%s' is %d characters long; the maximum is %d."
                % (shown(label_key), len(val), VALUE_MAX))
    if not _NAME.match(val):
        raise exception.InvalidParameterValue(
            err="Value '%s' of label '%s' is invalid: it must be empty or begin and end with a "
                "letter or digit and contain only letters, digits, '-', '_' and '.'."
                % (shown(val), shown(label_key)))
    return val


def validate_assign(body):
    """The labels of one host-label-assign request: a non-empty JSON object of key: value."""
    if not isinstance(body, dict) or not body:
        raise exception.InvalidParameterValue(
            err="Labels must be given as a non-empty JSON object of key: value pairs.")
    return {key(k): value(k, v) for k, v in body.items()}


def overwrite(text):
    """The ``overwrite`` query parameter (cgtsclient sends ``overwrite=True|False``)."""
    if text is None:
        return False
    if isinstance(text, bool):
        return text
    flag = OVERWRITE_VALUES.get(str(text).strip().lower())
    if flag is None:
        raise exception.InvalidParameterValue(
            err="overwrite '%s' is invalid; expected True or False." % shown(str(text)))
    return flag
