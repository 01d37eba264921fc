"""Who may do what: decided by the HTTP method and the caller's roles, nothing else.

Reads (GET, HEAD, OPTIONS) need a read role or a write role; every other method needs a
write role. The roles come from the authentication middleware in front of this one
(keystonemiddleware's or ours for HTTP Basic), as ``X-Roles`` with
``X-Identity-Status: Confirmed``; a client cannot supply those headers itself because the
authentication middleware strips them first.
"""

from oslo_log import log

from sysinv_edgeworker.api import middleware

LOG = log.getLogger(__name__)

READ_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))

# WSGI environ keys that carry an identity; only authentication middleware may set them.
_IDENTITY_PREFIXES = ("HTTP_X_IDENTITY_STATUS", "HTTP_X_SERVICE_", "HTTP_X_ROLE",
                      "HTTP_X_USER", "HTTP_X_PROJECT", "HTTP_X_TENANT", "HTTP_X_DOMAIN",
                      "HTTP_X_SYSTEM_SCOPE", "HTTP_X_IS_ADMIN_PROJECT", "HTTP_X_AUTHORIZATION")

UNAUTHENTICATED = "Authentication required."


def strip_identity(environ):
    """Remove identity headers a client may have sent."""
    for key in [k for k in environ if k.startswith(_IDENTITY_PREFIXES)]:
        del environ[key]


refuse = middleware.refuse


def _roles(environ):
    value = environ.get("HTTP_X_ROLES", "")
    return {r.strip().lower() for r in value.split(",") if r.strip()}


class PolicyMiddleware:
    """403 for a write without a write role, or any request without a known role."""

    def __init__(self, app, write_roles, read_roles, unauthenticated=UNAUTHENTICATED):
        self.app = app
        self.unauthenticated = unauthenticated
        self.write_roles = frozenset(r.lower() for r in write_roles)
        self.read_roles = frozenset(r.lower() for r in read_roles)

    def __call__(self, environ, start_response):
        if environ.get("HTTP_X_IDENTITY_STATUS") != "Confirmed":
            return refuse(start_response, 401, self.unauthenticated)
        roles = _roles(environ)
        method = environ["REQUEST_METHOD"].upper()
        user = environ.get("HTTP_X_USER_NAME") or environ.get("HTTP_X_USER_ID") or "?"
        if roles & self.write_roles:
            return self.app(environ, start_response)
        if not roles & self.read_roles:
            return self._forbid(environ, start_response, user, roles,
                                "User '%s' has none of the roles that may use this API (%s)."
                                % (user, ", ".join(sorted(self.write_roles | self.read_roles))))
        if method in READ_METHODS:
            return self.app(environ, start_response)
        return self._forbid(environ, start_response, user, roles,
                            "User '%s' has read-only access: %s needs one of the roles %s."
                            % (user, method, ", ".join(sorted(self.write_roles))))

    @staticmethod
    def _forbid(environ, start_response, user, roles, message):
        LOG.info("Policy refused %s %s to user %r (roles: %s)", environ["REQUEST_METHOD"],
                 environ.get("PATH_INFO", ""), user, ", ".join(sorted(roles)) or "none")
        return refuse(start_response, 403, message)
