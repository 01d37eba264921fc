"""Conductor RPC endpoints: thin; the work is in HostOperations."""

import oslo_messaging as messaging

from sysinv_edgeworker.common import exception
from sysinv_edgeworker.conductor import allocator, bootstrap, dhcp, hosts
from sysinv_edgeworker.conductor.rpcapi import RPC_API_VERSION
from sysinv_edgeworker.db import api as db_api

_EXPECTED = messaging.expected_exceptions(exception.EdgeworkerException)


class ConductorManager:
    target = messaging.Target(version=RPC_API_VERSION)

    def __init__(self, conf):
        self.conf = conf
        self.dbapi = db_api.get_instance()
        files = dhcp.DnsmasqFiles(conf.dhcp.hostsfile, conf.dhcp.addn_hosts, conf.dhcp.pid_file,
                                  conf.dhcp.release_interface, conf.dhcp.release_command)
        self.hosts = hosts.HostOperations(
            self.dbapi, allocator.Allocator(self.dbapi, conf.conductor.allocation_retries),
            files, db_retries=conf.conductor.db_retries)

    def start(self):
        """Bootstrap from configuration and re-render the DHCP files from the database."""
        bootstrap.bootstrap(self.dbapi, self.conf)
        self.hosts.resync_dhcp()

    @_EXPECTED
    def create_host(self, context, values):
        return self.hosts.create(values)

    @_EXPECTED
    def update_host(self, context, host_uuid, changes):
        return self.hosts.update(host_uuid, changes)

    @_EXPECTED
    def delete_host(self, context, host_uuid):
        self.hosts.delete(host_uuid)

    @_EXPECTED
    def report_provision(self, context, host_uuid, values):
        return self.hosts.report_provision(host_uuid, values)
