"""Initial schema: systems, address pools and ranges, networks, hosts, addresses.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

PERSONALITIES = "'controller', 'worker', 'storage', 'edgeworker'"
PROVISION_STATES = "'unprovisioned', 'provisioning', 'provisioned', 'failed'"


def _timestamps():
    return [sa.Column("created_at", sa.DateTime()), sa.Column("updated_at", sa.DateTime())]


def upgrade():
    op.create_table(
        "systems",
        *_timestamps(),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("system_mode", sa.String(16), nullable=False),
        sa.Column("system_type", sa.String(32), nullable=False),
        sa.Column("description", sa.String(255)),
        sa.UniqueConstraint("uuid", name="uniq_systems0uuid"),
        sa.CheckConstraint("system_mode IN ('simplex', 'duplex', 'standard')",
                           name="ck_systems0system_mode"),
    )
    op.create_table(
        "address_pools",
        *_timestamps(),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("family", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(64), nullable=False),
        sa.Column("prefix", sa.Integer(), nullable=False),
        sa.Column("allocation_order", sa.String(16), nullable=False),
        sa.Column("gateway_address", sa.String(64)),
        sa.Column("controller_address", sa.String(64)),
        sa.Column("controller0_address", sa.String(64)),
        sa.Column("controller1_address", sa.String(64)),
        sa.Column("next_key", sa.String(32), nullable=False),
        sa.UniqueConstraint("uuid", name="uniq_address_pools0uuid"),
        sa.UniqueConstraint("name", name="uniq_address_pools0name"),
        sa.CheckConstraint("allocation_order IN ('sequential', 'random')",
                           name="ck_address_pools0allocation_order"),
    )
    op.create_table(
        "address_pool_ranges",
        *_timestamps(),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.String(64), nullable=False),
        sa.Column("end", sa.String(64), nullable=False),
        sa.Column("start_key", sa.String(32), nullable=False),
        sa.Column("end_key", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(["pool_id"], ["address_pools.id"],
                                name="fk_address_pool_ranges0pool_id", ondelete="CASCADE"),
        sa.UniqueConstraint("uuid", name="uniq_address_pool_ranges0uuid"),
        sa.UniqueConstraint("pool_id", "start_key",
                            name="uniq_address_pool_ranges0pool_id0start_key"),
    )
    op.create_table(
        "networks",
        *_timestamps(),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("dynamic", sa.Boolean(), nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["pool_id"], ["address_pools.id"], name="fk_networks0pool_id"),
        sa.UniqueConstraint("uuid", name="uniq_networks0uuid"),
        sa.UniqueConstraint("type", name="uniq_networks0type"),
    )
    op.create_table(
        "hosts",
        *_timestamps(),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("hostname", sa.String(63)),
        sa.Column("personality", sa.String(16)),
        sa.Column("subfunctions", sa.String(255)),
        sa.Column("mgmt_mac", sa.String(17), nullable=False),
        sa.Column("administrative", sa.String(16), nullable=False),
        sa.Column("operational", sa.String(16), nullable=False),
        sa.Column("availability", sa.String(16), nullable=False),
        sa.Column("invprovision", sa.String(16), nullable=False),
        sa.Column("location", sa.Text()),
        sa.Column("capabilities", sa.Text()),
        sa.Column("provision_state", sa.String(16), nullable=False),
        sa.Column("provision_step", sa.String(255)),
        sa.Column("provision_error", sa.Text()),
        sa.Column("kubelet_version", sa.String(64)),
        sa.Column("provision_updated_at", sa.DateTime()),
        sa.UniqueConstraint("uuid", name="uniq_hosts0uuid"),
        sa.UniqueConstraint("hostname", name="uniq_hosts0hostname"),
        sa.UniqueConstraint("mgmt_mac", name="uniq_hosts0mgmt_mac"),
        sa.CheckConstraint("personality IS NULL OR personality IN (%s)" % PERSONALITIES,
                           name="ck_hosts0personality"),
        sa.CheckConstraint("provision_state IN (%s)" % PROVISION_STATES,
                           name="ck_hosts0provision_state"),
    )
    op.create_index("ix_hosts0personality", "hosts", ["personality"])
    op.create_table(
        "addresses",
        *_timestamps(),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("address_key", sa.String(32), nullable=False),
        sa.Column("name", sa.String(255)),
        sa.Column("host_id", sa.Integer()),
        sa.ForeignKeyConstraint(["pool_id"], ["address_pools.id"], name="fk_addresses0pool_id"),
        sa.ForeignKeyConstraint(["host_id"], ["hosts.id"], name="fk_addresses0host_id",
                                ondelete="CASCADE"),
        sa.UniqueConstraint("uuid", name="uniq_addresses0uuid"),
        sa.UniqueConstraint("pool_id", "address", name="uniq_addresses0pool_id0address"),
        sa.UniqueConstraint("host_id", name="uniq_addresses0host_id"),
    )
    op.create_index("ix_addresses0pool_id0address_key", "addresses", ["pool_id", "address_key"])
