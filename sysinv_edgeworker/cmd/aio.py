"""sysinv-edgeworker: API and conductor in one process on SQLite (the embedded default)."""

import sys

from sysinv_edgeworker.cmd import service
from sysinv_edgeworker.common import exception

DESCRIPTION = ("All-in-one sysinv-edgeworker: REST API and conductor in one process, "
               "in-process RPC, SQLite under state_path. Binds 127.0.0.1:6385 by default.")


def main(argv=None):
    argv = argv or sys.argv
    service.prepare(argv, DESCRIPTION)
    from sysinv_edgeworker.conf import CONF
    service.log_start("all-in-one")
    try:
        if CONF.rpc_transport != "none":
            raise exception.ConfigurationError(
                reason="the all-in-one mode uses rpc_transport = none; run "
                       "sysinv-edgeworker-api and sysinv-edgeworker-conductor for '%s'."
                       % CONF.rpc_transport)
        service.check_api_auth()
        service.ensure_state_path()
        from sysinv_edgeworker.api import app
        from sysinv_edgeworker.conductor import local, manager
        from sysinv_edgeworker.db import migration
        migration.upgrade("head")
        mgr = manager.ConductorManager(CONF)
        mgr.start()
        local.set_manager(mgr)
        service.serve_api(app.setup_app())
    except exception.EdgeworkerException as err:
        return service.fail(err)
    return 0


if __name__ == "__main__":
    sys.exit(main())
