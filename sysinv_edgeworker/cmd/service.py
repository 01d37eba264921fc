"""Shared start-up for the console scripts: configuration, logging, the WSGI server."""

import glob
import ipaddress
import os
import signal
import socket
import sys

from oslo_config import cfg
from oslo_log import log

from sysinv_edgeworker.common import exception
from sysinv_edgeworker.conf import CONF

LOG = log.getLogger(__name__)


def prepare(argv, description):
    log.register_options(CONF)
    levels = log.get_default_log_levels() + ["waitress=WARN", "alembic=WARN"]
    log.set_defaults(default_log_levels=levels)
    CONF(argv[1:], project="sysinv-edgeworker", prog=os.path.basename(argv[0]),
         description=description)
    try:
        check_values()
    except exception.ConfigurationError as err:
        sys.exit(fail(err))
    log.setup(CONF, "sysinv-edgeworker")


def mask_url(url):
    """``url`` with the password of every ``user:password@`` (a transport URL may list
    several hosts, comma-separated) replaced by ``***``."""
    scheme, sep, rest = (url or "").partition("://")
    if not sep:
        return url
    authority, slash, path = rest.partition("/")
    hosts = []
    for host in authority.split(","):
        userinfo, at, address = host.rpartition("@")
        if at and ":" in userinfo:
            host = "%s:***@%s" % (userinfo.split(":", 1)[0], address)
        hosts.append(host)
    return "%s://%s%s%s" % (scheme, ",".join(hosts), slash, path)


def config_sources(conf):
    """The configuration files oslo.config read (--config-file, or the default ones it
    found, then the *.conf of each --config-dir), in order."""
    files = list(conf.config_file or [])
    for directory in conf.config_dir or []:
        files.extend(sorted(glob.glob(os.path.join(directory, "*.conf"))))
    return files


def startup_line(conf, mode):
    """One line saying where the service is: configuration read, state_path, database (its
    password masked), the bind address where there is one, the mode and the RPC transport."""
    files = config_sources(conf)
    parts = ["sysinv-edgeworker %s starting" % mode,
             "configuration: %s" % (", ".join(files) if files else
                                    "no configuration file, using the built-in defaults"),
             "state_path: %s" % conf.state_path,
             "database: %s" % mask_url(conf.database.connection)]
    if mode != "conductor":
        parts.append("API: http://%s:%s/" % (conf.api.host_ip, conf.api.port))
    rpc = "rpc_transport: %s" % conf.rpc_transport
    if conf.rpc_transport == "oslo":
        from sysinv_edgeworker.conf import register_messaging_opts
        register_messaging_opts()
        rpc += " (%s, topic %s)" % (mask_url(conf.transport_url) or "no transport_url",
                                    conf.conductor.topic)
    parts.append(rpc)
    return "; ".join(parts)


def log_start(mode):
    LOG.info("%s", startup_line(CONF, mode))


def check_values():
    """Convert every registered option now: a bad value in a configuration file is one
    start-up error line, not a traceback when the option is first read."""
    for name in list(CONF):
        value = _read(CONF, "DEFAULT", name)
        if isinstance(value, cfg.ConfigOpts.GroupAttr):
            for opt in list(value):
                _read(value, name, opt)


def _read(container, group, name):
    try:
        return container[name]
    except (cfg.ConfigFileValueError, ValueError) as err:
        reason = str(err).split(" is not valid: ", 1)[-1]
        if "#" in reason:
            reason += " (inline '#' comments are not supported)"
        raise exception.ConfigurationError(
            reason="invalid value for [%s] %s: %s" % (group, name, reason)) from None


def ensure_state_path():
    try:
        os.makedirs(CONF.state_path, mode=0o700, exist_ok=True)
    except OSError as err:
        raise exception.ConfigurationError(
            reason="cannot create state_path %s: %s" % (CONF.state_path, err.strerror))


def is_loopback(host):
    """True when ``host`` (an address or a name) is, or resolves only to, loopback."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback
                               for info in infos)


def check_api_auth():
    """Refuse an unauthenticated API on a network address; check the auth configuration."""
    from sysinv_edgeworker.api import auth
    if CONF.auth_strategy == "noauth" and not is_loopback(CONF.api.host_ip):
        if not CONF.api.allow_insecure_noauth:
            raise exception.ConfigurationError(
                reason="auth_strategy = noauth refuses to listen on %s, which is not a "
                       "loopback address: set auth_strategy = http_basic or keystone, or "
                       "[api] allow_insecure_noauth = true to let anyone who reaches the "
                       "port change the inventory." % CONF.api.host_ip)
        LOG.warning("auth_strategy = noauth on %s (allow_insecure_noauth): anyone who "
                    "reaches the port can change the inventory", CONF.api.host_ip)
    auth.check_config(CONF)
    check_values()  # again: the strategy may have registered options ([keystone_authtoken])


def fail(err):
    """Start-up errors: one clear line on stderr, exit 1, no traceback."""
    print("%s: error: %s" % (os.path.basename(sys.argv[0]), err), file=sys.stderr)
    return 1


def stop_on_sigterm():
    def _handler(signum, frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, _handler)


def serve_api(app):
    import waitress.server
    try:
        server = waitress.server.create_server(
            app, host=CONF.api.host_ip, port=CONF.api.port, threads=CONF.api.threads,
            clear_untrusted_proxy_headers=True, ident="sysinv-edgeworker")
    except OSError as err:
        raise exception.ConfigurationError(
            reason="cannot listen on %s:%s: %s" % (CONF.api.host_ip, CONF.api.port,
                                                   err.strerror))
    LOG.info("API listening on http://%s:%s/", CONF.api.host_ip, CONF.api.port)
    stop_on_sigterm()
    try:
        server.run()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.close()
        LOG.info("API stopped")
