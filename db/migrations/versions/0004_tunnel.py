"""Management attachment of hosts (direct | tunnel), the node's WireGuard public key (unique)
and the tunnel's latest handshake as seen by the controller.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("hosts") as batch:
        batch.add_column(sa.Column("mgmt_attach", sa.String(16), nullable=False,
                                   server_default="direct"))
        batch.add_column(sa.Column("wg_public_key", sa.String(44)))
        batch.add_column(sa.Column("tunnel_last_handshake", sa.DateTime()))
        batch.create_unique_constraint("uniq_hosts0wg_public_key", ["wg_public_key"])
        batch.create_check_constraint("ck_hosts0mgmt_attach",
                                      "mgmt_attach IN ('direct', 'tunnel')")
