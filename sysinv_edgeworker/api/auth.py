"""The authentication strategy of the API ([DEFAULT] auth_strategy) as WSGI middleware.

    noauth      the application as it is
    http_basic  public routes | BasicAuthMiddleware -> PolicyMiddleware -> application
    keystone    public routes | keystonemiddleware auth_token -> PolicyMiddleware -> ...

Public routes (GET/HEAD of ``/`` and ``/v1``, the version documents, as sysinv and Ironic
publish them) skip authentication. Every error leaves in the API's JSON error format.
"""

from sysinv_edgeworker.api import auth_basic, middleware, policy
from sysinv_edgeworker.common import exception
from sysinv_edgeworker.conf import auth as auth_conf

PUBLIC_PATHS = frozenset(("/", "/v1", "/v1/"))

KEYSTONE_MESSAGES = {
    401: "Authentication required: send a valid Keystone token in X-Auth-Token "
         "(system --os-auth-token); the token is missing, invalid or expired.",
    503: "The identity service (Keystone) is unavailable; try again later.",
}


class PublicRoutes:
    """Sends the version documents past authentication, everything else through it."""

    def __init__(self, public_app, protected_app):
        self.public_app = public_app
        self.protected_app = protected_app

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] in ("GET", "HEAD") \
                and (environ.get("PATH_INFO") or "/") in PUBLIC_PATHS:
            policy.strip_identity(environ)
            return self.public_app(environ, start_response)
        return self.protected_app(environ, start_response)


def _keystone_auth_token():
    try:
        from keystonemiddleware import auth_token
    except ImportError:
        raise exception.ConfigurationError(
            reason="auth_strategy = keystone needs the keystonemiddleware package "
                   "(pip install keystonemiddleware).") from None
    return auth_token


def _keystone_middleware(app, conf):
    """keystonemiddleware's auth_token around ``app``, reading [keystone_authtoken] from
    ``conf``; its configuration errors become ConfigurationError. No Keystone request is
    made here (keystonemiddleware connects at the first token)."""
    auth_token = _keystone_auth_token()
    from keystoneauth1 import exceptions as ksa_exceptions
    from keystonemiddleware import exceptions as ksm_exceptions
    from oslo_config import cfg
    try:
        return auth_token.AuthProtocol(app, {"oslo_config_config": conf})
    except (ksa_exceptions.ClientException, ksm_exceptions.ConfigurationError, cfg.Error,
            ValueError) as err:
        raise exception.ConfigurationError(
            reason="[keystone_authtoken]: %s" % err) from None


def _require_service_credentials(conf):
    _keystone_auth_token()  # registers [keystone_authtoken]
    if not conf.keystone_authtoken.auth_type:
        raise exception.ConfigurationError(
            reason="auth_strategy = keystone needs the service credentials "
                   "keystonemiddleware validates tokens with: [keystone_authtoken] "
                   "auth_type = password, auth_url, username, password, project_name, "
                   "user_domain_name, project_domain_name.")


def check_config(conf):
    """Start-up checks of the strategy's own configuration (ConfigurationError)."""
    if conf.auth_strategy == auth_conf.HTTP_BASIC:
        auth_basic.UserFile(conf.http_basic_auth_user_file)
    elif conf.auth_strategy == auth_conf.KEYSTONE:
        _require_service_credentials(conf)
        _keystone_middleware(lambda environ, start_response: [], conf)


def wrap(app, conf):
    """``app`` behind the configured authentication and policy."""
    strategy = conf.auth_strategy
    if strategy == auth_conf.NOAUTH:
        return app
    if strategy == auth_conf.HTTP_BASIC:
        protected = policy.PolicyMiddleware(app, [auth_basic.ADMIN_ROLE],
                                            [auth_basic.READER_ROLE])
        protected = auth_basic.BasicAuthMiddleware(
            protected, conf.http_basic_auth_user_file, conf.api.readonly_users)
    else:
        _require_service_credentials(conf)
        # Reached unauthenticated only with [keystone_authtoken] delay_auth_decision = true.
        protected = policy.PolicyMiddleware(app, conf.api.keystone_write_roles,
                                            conf.api.keystone_read_roles,
                                            KEYSTONE_MESSAGES[401])
        protected = _keystone_middleware(protected, conf)
        protected = middleware.ParsableErrorMiddleware(protected, KEYSTONE_MESSAGES)
    return PublicRoutes(app, protected)
