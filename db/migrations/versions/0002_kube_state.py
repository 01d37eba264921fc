"""Kubernetes state of edgeworker hosts: Node Ready condition and when the cluster last saw it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("hosts") as batch:
        batch.add_column(sa.Column("kube_node_ready", sa.Boolean()))
        batch.add_column(sa.Column("kube_last_seen", sa.DateTime()))
