"""Host labels (sysinv's label table): key/value pairs per host, unique per host and key.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "labels",
        sa.Column("created_at", sa.DateTime()),
        sa.Column("updated_at", sa.DateTime()),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("label_key", sa.String(384), nullable=False),
        sa.Column("label_value", sa.String(128), nullable=False),
        sa.ForeignKeyConstraint(["host_id"], ["hosts.id"], name="fk_labels0host_id",
                                ondelete="CASCADE"),
        sa.UniqueConstraint("uuid", name="uniq_labels0uuid"),
        sa.UniqueConstraint("host_id", "label_key", name="uniq_labels0host_id0label_key"),
    )
