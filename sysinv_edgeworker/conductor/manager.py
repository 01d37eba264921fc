"""Conductor RPC endpoints: thin; the work is in HostOperations."""

import oslo_messaging as messaging

from sysinv_edgeworker.common import constants as k
from sysinv_edgeworker.common import exception
from sysinv_edgeworker.conductor import (allocator, bootstrap, dhcp, hosts, kube_ops, labels,
                                         wireguard)
from sysinv_edgeworker.conductor.rpcapi import RPC_API_VERSION
from sysinv_edgeworker.db import api as db_api

_EXPECTED = messaging.expected_exceptions(exception.EdgeworkerException)


class ConductorManager:
    target = messaging.Target(version=RPC_API_VERSION)

    def __init__(self, conf):
        self.conf = conf
        self.dbapi = db_api.get_instance()
        files = dhcp.from_conf(conf)
        self.hosts = hosts.HostOperations(
            self.dbapi, allocator.Allocator(self.dbapi, conf.conductor.allocation_retries),
            files, db_retries=conf.conductor.db_retries,
            tunnel=wireguard.from_conf(conf) if conf.tunnel.subnet else None)
        self.kube = kube_ops.KubeOperations(self.dbapi, conf)
        self.labels = labels.LabelOperations(self.dbapi, self.kube)

    def start(self):
        """Bootstrap from configuration and converge the DHCP directories and the
        controller's WireGuard peer set to the database."""
        bootstrap.bootstrap(self.dbapi, self.conf)
        self.hosts.resync_dhcp()
        self.hosts.resync_tunnel()

    @_EXPECTED
    def create_host(self, context, values):
        return self.hosts.create(values)

    @_EXPECTED
    def update_host(self, context, host_uuid, changes):
        return self.hosts.update(host_uuid, changes)

    @_EXPECTED
    def delete_host(self, context, host_uuid):
        host = self.dbapi.host_get(host_uuid)
        self.hosts.delete(host_uuid)
        # After the commit, never inside it: the cluster cannot block or undo the delete.
        if host.personality == k.EDGEWORKER and host.hostname:
            return self.kube.remove_host(host.hostname)
        return None

    @_EXPECTED
    def report_provision(self, context, host_uuid, values):
        return self.hosts.report_provision(host_uuid, values)

    @_EXPECTED
    def kube_refresh(self, context):
        return self.kube.refresh()

    @_EXPECTED
    def kube_cluster_versions(self, context, operation):
        return self.kube.cluster_versions(operation)

    @_EXPECTED
    def assign_labels(self, context, host_uuid, labels, overwrite):
        return self.labels.assign(host_uuid, labels, overwrite)

    @_EXPECTED
    def remove_label(self, context, label_uuid):
        return self.labels.remove(label_uuid)

    @_EXPECTED
    def tunnel_refresh(self, context):
        return self.hosts.tunnel_refresh()
