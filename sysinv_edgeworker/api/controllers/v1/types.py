"""WSME types of the v1 API. No business logic here: rules live in api/host_rules.py."""

from wsme import types as wtypes

from sysinv_edgeworker.api import host_rules

_text = wtypes.text


class JsonValue(wtypes.UserType):
    """Any JSON value (patch values, capabilities): strings, numbers, booleans, objects."""
    basetype = wtypes.text
    name = "json"

    @staticmethod
    def validate(value):
        if not isinstance(value, (str, int, float, bool, dict, list, type(None))):
            raise ValueError("expected a JSON value")
        return value

    frombasetype = validate


_value = JsonValue()


class Base(wtypes.Base):
    @classmethod
    def from_dict(cls, data):
        obj = cls()
        for attr in cls._wsme_attributes:
            if attr.name in data:
                setattr(obj, attr.name, data[attr.name])
        return obj

    def supplied(self):
        """The attributes the client actually sent."""
        out = {}
        for attr in self._wsme_attributes:
            value = getattr(self, attr.name)
            if value is not wtypes.Unset:
                out[attr.name] = value
        return out


class Host(Base):
    # Any JSON at the type level: wsme's int conversion crashes (TypeError → 500) on a list
    # or object; the rules then refuse 'id' by name like every restricted field.
    id = _value
    uuid = _text
    hostname = _text
    personality = _text
    subfunctions = _text
    mgmt_mac = _text
    mgmt_ip = _text
    administrative = _text
    operational = _text
    availability = _text
    invprovision = _text
    # Free-form JSON at the type level; api/host_rules.py checks the shape and names the field.
    location = _value
    capabilities = _value
    provision_state = _text
    provision_step = _text
    provision_error = _text
    kubelet_version = _text
    provision_updated_at = _text
    kube_node_ready = _value  # read-only; any JSON so that setting it is refused by name
    kube_last_seen = _text
    mgmt_attach = _value  # any JSON: api/tunnel_rules.py names the field in its refusal
    wg_public_key = _value
    tunnel_last_handshake = _text  # read-only
    created_at = _text
    updated_at = _text
    links = _value  # read-only, as above
    # Accepted so that they are refused with a clear message, never stored or returned.
    bm_ip = _text
    bm_type = _text
    bm_username = _text
    bm_password = _text
    # Accepted so that they are refused by name (a private key never leaves its node); other
    # names are refused by wsme as unknown attributes. Never stored, logged or returned.
    wg_private_key = _value
    private_key = _value
    privatekey = _value


class ProvisionReport(Base):
    """Body of PUT /v1/ihosts/<host>/provision (the playbook's per-host result)."""
    provision_state = _text
    provision_step = _text
    provision_error = _text
    kubelet_version = _text


class HostCollection(Base):
    ihosts = [Host]
    next = _text


class JsonPatch(Base):
    op = wtypes.wsattr(wtypes.Enum(_text, "replace", "add", "remove"), mandatory=True)
    path = wtypes.wsattr(_text, mandatory=True)
    value = _value


# Every answer of the v1 API is a document rendered by api/representation.py (sysinv's keys
# and defaults, ours on top) and passed through as JSON: wsme's per-attribute typing of ~80
# host keys would cost a host-add more than its database work.
Document = _value


assert not set(host_rules.BMC_FIELDS) - {a.name for a in Host._wsme_attributes}
