"""Shared start-up for the console scripts: configuration, logging, the WSGI server."""

import os
import signal
import sys

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
    log.setup(CONF, "sysinv-edgeworker")


def ensure_state_path():
    try:
        os.makedirs(CONF.state_path, mode=0o700, exist_ok=True)
    except OSError as err:
        raise exception.ConfigurationError(
            reason="cannot create state_path %s: %s" % (CONF.state_path, err.strerror))


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
