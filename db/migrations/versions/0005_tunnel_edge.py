"""What the edge side of the WireGuard tunnel needs, on the edge-tunnel network: the
controller interface's public key, endpoints, port, MTU, keepalive and the routes through
the tunnel (written by the conductor from [tunnel] at start; docs/tunnel.md).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("networks") as batch:
        batch.add_column(sa.Column("tunnel_settings", sa.Text()))
