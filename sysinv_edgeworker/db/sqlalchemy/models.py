"""SQLAlchemy models. Every constraint is named, so Alembic batch mode works on SQLite and
oslo.db can map a duplicate to the columns it names (``uniq_<table>0<col>0<col>``).

Personality and the other enumerations are strings with named CHECK constraints, never native
PostgreSQL enums.
"""

import json

import sqlalchemy as sa
from oslo_db.sqlalchemy import models
from sqlalchemy import orm

from sysinv_edgeworker.common import constants


def _in(column, values):
    return "%s IN (%s)" % (column, ", ".join("'%s'" % v for v in values))


class JSONText(sa.types.TypeDecorator):
    """A dict stored as JSON text (portable across SQLite and PostgreSQL)."""
    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else json.dumps(value, sort_keys=True)

    def process_result_value(self, value, dialect):
        return {} if not value else json.loads(value)


class Base(models.TimestampMixin, models.ModelBase, orm.DeclarativeBase):
    metadata = sa.MetaData()

    def as_dict(self):
        return {c.name: getattr(self, c.key) for c in self.__table__.columns}


class System(Base):
    __tablename__ = "systems"
    __table_args__ = (
        sa.UniqueConstraint("uuid", name="uniq_systems0uuid"),
        sa.CheckConstraint(_in("system_mode", constants.SYSTEM_MODES),
                           name="ck_systems0system_mode"),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False)
    name = sa.Column(sa.String(255), nullable=False)
    system_mode = sa.Column(sa.String(16), nullable=False)
    system_type = sa.Column(sa.String(32), nullable=False)
    description = sa.Column(sa.String(255))


class AddressPool(Base):
    __tablename__ = "address_pools"
    __table_args__ = (
        sa.UniqueConstraint("uuid", name="uniq_address_pools0uuid"),
        sa.UniqueConstraint("name", name="uniq_address_pools0name"),
        sa.CheckConstraint(_in("allocation_order", constants.ALLOCATION_ORDERS),
                           name="ck_address_pools0allocation_order"),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False)
    name = sa.Column(sa.String(128), nullable=False)
    family = sa.Column(sa.Integer, nullable=False)
    network = sa.Column(sa.String(64), nullable=False)
    prefix = sa.Column(sa.Integer, nullable=False)
    allocation_order = sa.Column(sa.String(16), nullable=False)
    gateway_address = sa.Column(sa.String(64))
    controller_address = sa.Column(sa.String(64))
    controller0_address = sa.Column(sa.String(64))
    controller1_address = sa.Column(sa.String(64))
    # Lowest address key that may be free: nothing below it inside the ranges is free.
    # Lets sequential allocation start where the last one ended instead of rescanning.
    next_key = sa.Column(sa.String(32), nullable=False)
    ranges = orm.relationship("AddressPoolRange", lazy="selectin",
                              order_by="AddressPoolRange.start_key",
                              cascade="all, delete-orphan")


class AddressPoolRange(Base):
    __tablename__ = "address_pool_ranges"
    __table_args__ = (
        sa.UniqueConstraint("uuid", name="uniq_address_pool_ranges0uuid"),
        sa.UniqueConstraint("pool_id", "start_key",
                            name="uniq_address_pool_ranges0pool_id0start_key"),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False)
    pool_id = sa.Column(sa.Integer, sa.ForeignKey(
        "address_pools.id", name="fk_address_pool_ranges0pool_id", ondelete="CASCADE"),
        nullable=False)
    start = sa.Column(sa.String(64), nullable=False)
    end = sa.Column(sa.String(64), nullable=False)
    # Fixed-width hex of the integer value: orders correctly as text for IPv4 and IPv6.
    start_key = sa.Column(sa.String(32), nullable=False)
    end_key = sa.Column(sa.String(32), nullable=False)


class Network(Base):
    __tablename__ = "networks"
    __table_args__ = (
        sa.UniqueConstraint("uuid", name="uniq_networks0uuid"),
        sa.UniqueConstraint("type", name="uniq_networks0type"),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False)
    name = sa.Column(sa.String(255), nullable=False)
    type = sa.Column(sa.String(32), nullable=False)
    dynamic = sa.Column(sa.Boolean, nullable=False)
    pool_id = sa.Column(sa.Integer, sa.ForeignKey(
        "address_pools.id", name="fk_networks0pool_id"), nullable=False)
    pool = orm.relationship(AddressPool, lazy="joined")
    # edge-tunnel only: what the edge side needs (bootstrap.tunnel_settings), else null
    tunnel_settings = sa.Column(JSONText)


class Host(Base):
    __tablename__ = "hosts"
    __table_args__ = (
        sa.UniqueConstraint("uuid", name="uniq_hosts0uuid"),
        sa.UniqueConstraint("hostname", name="uniq_hosts0hostname"),
        sa.UniqueConstraint("mgmt_mac", name="uniq_hosts0mgmt_mac"),
        sa.UniqueConstraint("wg_public_key", name="uniq_hosts0wg_public_key"),
        sa.CheckConstraint(_in("mgmt_attach", constants.MGMT_ATTACHES),
                           name="ck_hosts0mgmt_attach"),
        sa.CheckConstraint("personality IS NULL OR " + _in("personality", constants.PERSONALITIES),
                           name="ck_hosts0personality"),
        sa.CheckConstraint(_in("provision_state", constants.PROVISION_STATES),
                           name="ck_hosts0provision_state"),
        sa.Index("ix_hosts0personality", "personality"),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False)
    hostname = sa.Column(sa.String(63))
    personality = sa.Column(sa.String(16))
    subfunctions = sa.Column(sa.String(255))
    mgmt_mac = sa.Column(sa.String(17), nullable=False)
    administrative = sa.Column(sa.String(16), nullable=False)
    operational = sa.Column(sa.String(16), nullable=False)
    availability = sa.Column(sa.String(16), nullable=False)
    invprovision = sa.Column(sa.String(16), nullable=False)
    location = sa.Column(JSONText)
    capabilities = sa.Column(JSONText)
    provision_state = sa.Column(sa.String(16), nullable=False)
    provision_step = sa.Column(sa.String(255))
    provision_error = sa.Column(sa.Text)
    kubelet_version = sa.Column(sa.String(64))
    provision_updated_at = sa.Column(sa.DateTime)
    # From the cluster (conductor refresh): the Node's Ready condition and when it was seen.
    kube_node_ready = sa.Column(sa.Boolean)
    kube_last_seen = sa.Column(sa.DateTime)
    # The management attachment (docs/tunnel.md): direct (flat mgmt network, DHCP reservation)
    # or tunnel (mgmt address from the edge-tunnel pool, a peer of the controller's interface).
    mgmt_attach = sa.Column(sa.String(16), nullable=False,
                            default=constants.MGMT_ATTACH_DIRECT,
                            server_default=constants.MGMT_ATTACH_DIRECT)
    # The node's WireGuard public key (base64 of 32 bytes). Never a private key.
    wg_public_key = sa.Column(sa.String(44))
    # From the controller interface (conductor): the peer's latest handshake, when seen.
    tunnel_last_handshake = sa.Column(sa.DateTime)
    mgmt_address = orm.relationship("Address", lazy="joined", uselist=False,
                                    back_populates="host")


class Address(Base):
    __tablename__ = "addresses"
    __table_args__ = (
        sa.UniqueConstraint("uuid", name="uniq_addresses0uuid"),
        sa.UniqueConstraint("pool_id", "address", name="uniq_addresses0pool_id0address"),
        sa.UniqueConstraint("host_id", name="uniq_addresses0host_id"),
        sa.Index("ix_addresses0pool_id0address_key", "pool_id", "address_key"),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False)
    pool_id = sa.Column(sa.Integer, sa.ForeignKey(
        "address_pools.id", name="fk_addresses0pool_id"), nullable=False)
    address = sa.Column(sa.String(64), nullable=False)
    address_key = sa.Column(sa.String(32), nullable=False)
    name = sa.Column(sa.String(255))
    host_id = sa.Column(sa.Integer, sa.ForeignKey(
        "hosts.id", name="fk_addresses0host_id", ondelete="CASCADE"))
    host = orm.relationship(Host, back_populates="mgmt_address")


class Label(Base):
    """A Kubernetes label assigned to a host (sysinv's ``label`` table): stored here, applied
    to the host's Node by the playbook at join and by the conductor afterwards."""
    __tablename__ = "labels"
    __table_args__ = (
        sa.UniqueConstraint("uuid", name="uniq_labels0uuid"),
        sa.UniqueConstraint("host_id", "label_key", name="uniq_labels0host_id0label_key"),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False)
    host_id = sa.Column(sa.Integer, sa.ForeignKey(
        "hosts.id", name="fk_labels0host_id", ondelete="CASCADE"), nullable=False)
    label_key = sa.Column(sa.String(384), nullable=False)
    label_value = sa.Column(sa.String(128), nullable=False)
