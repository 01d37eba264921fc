"""Domain exceptions. Each carries its HTTP status in ``code``.

The message is a ``%``-format string filled from JSON-safe keyword arguments, so an
exception raised in the conductor survives oslo.messaging serialization: the
client rebuilds it as ``cls(message, **kwargs)``.
"""


class EdgeworkerException(Exception):
    msg_fmt = "An unknown error occurred."
    code = 500

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if not message:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError, ValueError):
                message = self.msg_fmt
        self.message = message
        super().__init__(message)

    def __str__(self):
        return self.message


class Invalid(EdgeworkerException):
    msg_fmt = "Invalid input: %(reason)s"
    code = 400


class InvalidParameterValue(Invalid):
    msg_fmt = "%(err)s"


class NotSupported(Invalid):
    msg_fmt = "%(operation)s is not supported for %(personality)s hosts."


class NoTunnelNetwork(Invalid):
    msg_fmt = ("%(what)s needs the edge-tunnel network, and none is configured ([tunnel] "
               "subnet in the conductor's configuration; docs/tunnel.md).")


class NotFound(EdgeworkerException):
    msg_fmt = "Resource could not be found."
    code = 404


class HostNotFound(NotFound):
    msg_fmt = "Host %(host)s could not be found."


class SystemNotFound(NotFound):
    msg_fmt = "The system record has not been created yet."


class PoolNotFound(NotFound):
    msg_fmt = "Address pool %(pool)s could not be found."


class NetworkNotFound(NotFound):
    msg_fmt = "Network %(network)s could not be found."


class IsystemNotFound(NotFound):
    msg_fmt = "System %(system)s could not be found."


class KubeVersionNotFound(NotFound):
    msg_fmt = "Kubernetes version %(version)s not found."


class KubeHostUpgradeNotFound(NotFound):
    msg_fmt = "Kubernetes host upgrade %(ident)s could not be found."


class LabelNotFound(NotFound):
    msg_fmt = "Host label %(uuid)s could not be found."


class Conflict(EdgeworkerException):
    msg_fmt = "Conflict: %(reason)s"
    code = 409


class DuplicateHostname(Conflict):
    msg_fmt = "Host with hostname %(hostname)s already exists."


class DuplicateMac(Conflict):
    msg_fmt = "Host with mgmt_mac %(mac)s already exists."


class DuplicateWgKey(Conflict):
    # Names no host and no key: the caller already has the key, the other host is not theirs.
    msg_fmt = ("wg_public_key is already registered for another host; every node must have "
               "its own key pair.")


class AddressInUse(Conflict):
    msg_fmt = "mgmt_ip %(address)s is already assigned to another host."


class PoolExhausted(Conflict):
    msg_fmt = "No free address left in address pool %(pool)s for mgmt_ip."


class ConcurrentUpdate(Conflict):
    msg_fmt = "Host %(host)s was changed by another request; retry."


class LabelExists(Conflict):
    # sysinv's words (api/controllers/v1/label.py); sysinv answers 400, a conflict is a 409.
    msg_fmt = ("Label %(label)s exists for host %(host)s. Use overwrite option to assign a "
               "new value.")


class ServiceUnavailable(EdgeworkerException):
    msg_fmt = "%(reason)s"
    code = 503


class KubernetesDisabled(Invalid):
    msg_fmt = ("%(operation)s needs the Kubernetes cluster, and [kubernetes] enabled is false "
               "in the conductor's configuration.")


class KubeClusterUnavailable(ServiceUnavailable):
    msg_fmt = "The Kubernetes cluster could not be queried: %(reason)s"


class ConfigurationError(EdgeworkerException):
    """Raised at start-up; never crosses the API."""
    msg_fmt = "Configuration error: %(reason)s"


class TunnelApplyError(EdgeworkerException):
    code = 503
    msg_fmt = "Could not apply the controller's WireGuard peer set: %(reason)s"


class DhcpWriteError(EdgeworkerException):
    msg_fmt = "Cannot write the DHCP reservation files: %(reason)s"
    code = 503


# Exceptions the conductor may raise on purpose; everything else is a server error.
EXPECTED = (EdgeworkerException,)
