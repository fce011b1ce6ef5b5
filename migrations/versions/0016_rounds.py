"""rounds: comment rounds on document versions, their groups, comments (with replies), settlements and
the territories' own settlement outcomes

Revision ID: 0016_rounds
Revises: 0013_documents
Create Date: 2026-12-02 17:38:03.051736

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_rounds'
down_revision = '0013_documents'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('settlement_outcome',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=True),
    sa.Column('accepted', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['territory_id'], ['territory.id'], name=op.f('fk_settlement_outcome_territory_id_territory'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement_outcome')),
    sa.UniqueConstraint('territory_id', 'code', name=op.f('uq_settlement_outcome_territory_id'))
    )
    op.create_table('comment_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=True),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('public', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('comments_visible', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opening_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closing_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcomes_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('closes_at > opens_at', name=op.f('ck_comment_round_closes_after_opens')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_comment_round_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['document_version.id'], name=op.f('fk_comment_round_version_id_document_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_round'))
    )
    with op.batch_alter_table('comment_round', schema=None) as batch_op:
        batch_op.create_index('ix_comment_round_times', ['opens_at', 'closes_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_comment_round_version_id'), ['version_id'], unique=False)

    op.create_table('comment_round_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['working_group.id'], name=op.f('fk_comment_round_group_group_id_working_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['comment_round.id'], name=op.f('fk_comment_round_group_round_id_comment_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_round_group')),
    sa.UniqueConstraint('round_id', 'group_id', name=op.f('uq_comment_round_group_round_id'))
    )
    with op.batch_alter_table('comment_round_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_round_group_group_id'), ['group_id'], unique=False)

    op.create_table('round_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('paragraph_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('passage_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('proposed_wording', sa.Text(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('organisation', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('parent_id IS NOT NULL OR kind IS NOT NULL', name=op.f('ck_round_comment_top_level_has_kind')),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_round_comment_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['paragraph_id'], ['document_paragraph.id'], name=op.f('fk_round_comment_paragraph_id_document_paragraph'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['round_comment.id'], name=op.f('fk_round_comment_parent_id_round_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['passage_id'], ['quoted_passage.id'], name=op.f('fk_round_comment_passage_id_quoted_passage'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['comment_round.id'], name=op.f('fk_round_comment_round_id_comment_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_comment'))
    )
    with op.batch_alter_table('round_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_comment_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_round_comment_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index('ix_round_comment_round_paragraph', ['round_id', 'paragraph_id'], unique=False)

    op.create_table('comment_settlement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('accepted', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('settled_by_id', sa.Integer(), nullable=True),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolution', sa.String(length=30), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['round_comment.id'], name=op.f('fk_comment_settlement_comment_id_round_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user.id'], name=op.f('fk_comment_settlement_resolved_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['settled_by_id'], ['user.id'], name=op.f('fk_comment_settlement_settled_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_settlement')),
    sa.UniqueConstraint('comment_id', name=op.f('uq_comment_settlement_comment_id'))
    )
    op.create_table('round_agenda_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'], name=op.f('fk_round_agenda_link_agenda_item_id_agenda_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_round_agenda_link_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['comment_round.id'], name=op.f('fk_round_agenda_link_round_id_comment_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_agenda_link')),
    sa.UniqueConstraint('round_id', 'agenda_item_id', name=op.f('uq_round_agenda_link_round_id'))
    )
    with op.batch_alter_table('round_agenda_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_agenda_link_agenda_item_id'), ['agenda_item_id'], unique=False)


def downgrade():
    with op.batch_alter_table('round_agenda_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_agenda_link_agenda_item_id'))

    op.drop_table('round_agenda_link')
    op.drop_table('comment_settlement')
    with op.batch_alter_table('round_comment', schema=None) as batch_op:
        batch_op.drop_index('ix_round_comment_round_paragraph')
        batch_op.drop_index(batch_op.f('ix_round_comment_parent_id'))
        batch_op.drop_index(batch_op.f('ix_round_comment_author_id'))

    op.drop_table('round_comment')
    with op.batch_alter_table('comment_round_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_round_group_group_id'))

    op.drop_table('comment_round_group')
    with op.batch_alter_table('comment_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_round_version_id'))
        batch_op.drop_index('ix_comment_round_times')

    op.drop_table('comment_round')
    op.drop_table('settlement_outcome')
