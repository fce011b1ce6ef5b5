"""groups: working groups, memberships with history, pending memberships of invitees, sensitive traits

Revision ID: 0002_groups
Revises: 0001_foundation
Create Date: 2026-11-25 20:18:15.024568

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_groups'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('working_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('meeting_target', sa.Integer(), server_default='4', nullable=False),
    sa.Column('public', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('min_per_category', sa.Integer(), server_default='1', nullable=False),
    sa.Column('max_share_multiple', sa.Float(), server_default='2', nullable=False),
    sa.Column('required_support_parents', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['working_group.id'], name=op.f('fk_working_group_parent_id_working_group'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['territory_id'], ['territory.id'], name=op.f('fk_working_group_territory_id_territory')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_working_group')),
    sa.UniqueConstraint('territory_id', 'slug', name=op.f('uq_working_group_territory_id'))
    )
    with op.batch_alter_table('working_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_working_group_territory_id'), ['territory_id'], unique=False)

    op.create_table('membership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=True),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=False),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('left_on IS NULL OR left_on >= joined_on', name=op.f('ck_membership_left_after_joined')),
    sa.ForeignKeyConstraint(['group_id'], ['working_group.id'], name=op.f('fk_membership_group_id_working_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_membership_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_membership'))
    )
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.create_index('ix_membership_group_dates', ['group_id', 'joined_on', 'left_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_membership_user_id'), ['user_id'], unique=False)

    op.create_table('sensitive_trait',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('consent_text_version', sa.String(length=20), nullable=False),
    sa.Column('consent_text', sa.Text(), nullable=False),
    sa.Column('consented_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_sensitive_trait_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sensitive_trait')),
    sa.UniqueConstraint('user_id', 'code', name=op.f('uq_sensitive_trait_user_id'))
    )
    with op.batch_alter_table('sensitive_trait', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sensitive_trait_user_id'), ['user_id'], unique=False)

    op.create_table('pending_membership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=True),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_pending_membership_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['working_group.id'], name=op.f('fk_pending_membership_group_id_working_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'], name=op.f('fk_pending_membership_invitation_id_invitation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_membership'))
    )
    with op.batch_alter_table('pending_membership', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_membership_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_membership_invitation_id'), ['invitation_id'], unique=False)



def downgrade():
    with op.batch_alter_table('pending_membership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_membership_invitation_id'))
        batch_op.drop_index(batch_op.f('ix_pending_membership_group_id'))

    op.drop_table('pending_membership')
    with op.batch_alter_table('sensitive_trait', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sensitive_trait_user_id'))

    op.drop_table('sensitive_trait')
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_membership_user_id'))
        batch_op.drop_index('ix_membership_group_dates')

    op.drop_table('membership')
    with op.batch_alter_table('working_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_working_group_territory_id'))

    op.drop_table('working_group')
