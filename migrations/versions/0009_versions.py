"""versions: optimistic locking (a version column) of meetings, agenda items, minutes, memberships, working
groups and analysis flags; the approved minutes' text version; one-time tokens of creation forms

Revision ID: 0009_versions
Revises: 0006_analysis
Create Date: 2026-12-02 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_versions'
down_revision = "0008_sessions"
branch_labels = None
depends_on = None

VERSIONED = ('meeting', 'agenda_item', 'minutes', 'membership', 'working_group', 'analysis_flag')


def upgrade():
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('minutes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_version', sa.Integer(), nullable=True))
    # Minutes approved before this revision approved their latest text version.
    op.execute(
        "UPDATE minutes SET approved_version = (SELECT max(minutes_version.version) FROM minutes_version "
        "WHERE minutes_version.minutes_id = minutes.id) WHERE status = 'approved'"
    )

    op.create_table('form_token',
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_form_token_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_form_token'))
    )
    with op.batch_alter_table('form_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_token_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('form_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_token_created_at'))
    op.drop_table('form_token')
    with op.batch_alter_table('minutes', schema=None) as batch_op:
        batch_op.drop_column('approved_version')
    for table in reversed(VERSIONED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
