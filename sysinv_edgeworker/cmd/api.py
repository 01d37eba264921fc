"""sysinv-edgeworker-api: the REST API alone; talks to conductors over oslo.messaging."""

import sys

from sysinv_edgeworker.cmd import service
from sysinv_edgeworker.common import exception

DESCRIPTION = ("sysinv-edgeworker REST API for production: needs rpc_transport = oslo, a "
               "transport_url (RabbitMQ) and a server database (PostgreSQL).")


def check_production_config(conf):
    if conf.rpc_transport != "oslo":
        raise exception.ConfigurationError(
            reason="sysinv-edgeworker-api needs rpc_transport = oslo (use sysinv-edgeworker "
                   "for the all-in-one mode).")
    if conf.database.connection.startswith("sqlite"):
        raise exception.ConfigurationError(
            reason="sysinv-edgeworker-api needs a server database ([database] connection, "
                   "e.g. postgresql+psycopg2://...); SQLite is for the all-in-one mode.")


def main(argv=None):
    argv = argv or sys.argv
    service.prepare(argv, DESCRIPTION)
    from sysinv_edgeworker.conf import CONF
    service.log_start("api")
    try:
        check_production_config(CONF)
        service.check_api_auth()
        from sysinv_edgeworker.api import app
        from sysinv_edgeworker.db import migration
        if not migration.is_current():
            raise exception.ConfigurationError(
                reason="the database schema is not current; run sysinv-edgeworker-dbsync "
                       "upgrade.")
        service.serve_api(app.setup_app())
    except exception.EdgeworkerException as err:
        return service.fail(err)
    return 0


if __name__ == "__main__":
    sys.exit(main())
