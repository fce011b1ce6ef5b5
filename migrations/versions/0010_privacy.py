"""privacy: the person's choice to share their contact details with fellow members

Revision ID: 0010_privacy
Revises: 0006_analysis
Create Date: 2026-12-02 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_privacy'
down_revision = "0009_versions"
branch_labels = None
depends_on = None


def upgrade():
    # Off for everyone: until a person says otherwise, only the group's coordinators see their e-mail.
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('share_contact', sa.Boolean(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('share_contact')
