"""sysinv-edgeworker-conductor: the only writer, serving RPC on the conductor topic."""

import sys
import threading

import oslo_messaging as messaging
from oslo_log import log

from sysinv_edgeworker.cmd import service
from sysinv_edgeworker.common import exception

LOG = log.getLogger(__name__)
DESCRIPTION = ("sysinv-edgeworker conductor for production: rpc_transport = oslo over "
               "transport_url. Several conductors may share the topic.")


def main(argv=None):
    argv = argv or sys.argv
    service.prepare(argv, DESCRIPTION)
    from sysinv_edgeworker.conf import CONF
    service.log_start("conductor")
    try:
        if CONF.rpc_transport != "oslo":
            raise exception.ConfigurationError(
                reason="sysinv-edgeworker-conductor needs rpc_transport = oslo.")
        from sysinv_edgeworker.cmd.api import check_production_config
        check_production_config(CONF)
        from sysinv_edgeworker.common import rpc
        from sysinv_edgeworker.conductor import manager
        from sysinv_edgeworker.conductor.rpcapi import RPC_API_VERSION
        from sysinv_edgeworker.db import migration
        if not migration.is_current():
            raise exception.ConfigurationError(
                reason="the database schema is not current; run sysinv-edgeworker-dbsync "
                       "upgrade.")
        mgr = manager.ConductorManager(CONF)
        mgr.start()
        target = messaging.Target(topic=CONF.conductor.topic, server=CONF.host,
                                  version=RPC_API_VERSION)
        server = rpc.get_server(target, [mgr])
        server.start()
        LOG.info("Conductor %s serving topic %s", CONF.host, CONF.conductor.topic)
        stopped = threading.Event()
        service.stop_on_sigterm()
        try:
            stopped.wait()
        except (KeyboardInterrupt, SystemExit):
            pass
        server.stop()
        server.wait()
        rpc.cleanup()
    except exception.EdgeworkerException as err:
        return service.fail(err)
    return 0


if __name__ == "__main__":
    sys.exit(main())
