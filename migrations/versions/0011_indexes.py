"""indexes for the pages under load: a person's open tasks (the dashboard, on every visit)

Revision ID: 0011_indexes
Revises: 0006_analysis
Create Date: 2026-12-02 17:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011_indexes'
down_revision = '0010_privacy'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_owner_id'), ['owner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_owner_id'))
