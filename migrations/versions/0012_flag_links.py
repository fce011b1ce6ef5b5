"""typed flag links: one foreign key per target kind (agenda item first), exactly one set, ON DELETE CASCADE

Replaces ``analysis_flag_link.target_type``/``target_id`` (no foreign key: a link survived its agenda item and
then showed up under whatever item reused the id). Existing agenda-item links move to ``agenda_item_id``;
links whose agenda item no longer exists, and links of kinds that were never targets, are dropped (their
history events keep their note, the link reference is cleared).

Revision ID: 0012_flag_links
Revises: 0011_indexes
Create Date: 2026-12-02 17:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_flag_links'
down_revision = '0011_indexes'
branch_labels = None
depends_on = None

EXACTLY_ONE = "(CASE WHEN agenda_item_id IS NULL THEN 0 ELSE 1 END) = 1"
ORPHANS = (
    "SELECT id FROM analysis_flag_link WHERE target_type <> 'agenda_item' "
    "OR target_id NOT IN (SELECT id FROM agenda_item)"
)


def upgrade():
    with op.batch_alter_table('analysis_flag_link', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agenda_item_id', sa.Integer(), nullable=True))

    op.execute(f"UPDATE analysis_flag_event SET link_id = NULL WHERE link_id IN ({ORPHANS})")
    op.execute(f"DELETE FROM analysis_flag_link WHERE id IN ({ORPHANS})")
    op.execute("UPDATE analysis_flag_link SET agenda_item_id = target_id")

    with op.batch_alter_table('analysis_flag_link', schema=None) as batch_op:
        batch_op.drop_index('ix_analysis_flag_link_target')
        batch_op.drop_constraint('uq_analysis_flag_link_flag_id', type_='unique')
        batch_op.drop_column('target_type')
        batch_op.drop_column('target_id')
        batch_op.create_foreign_key(batch_op.f('fk_analysis_flag_link_agenda_item_id_agenda_item'),
                                    'agenda_item', ['agenda_item_id'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint('uq_analysis_flag_link_flag_agenda_item',
                                          ['flag_id', 'agenda_item_id'])
        batch_op.create_check_constraint(op.f('ck_analysis_flag_link_exactly_one_target'), sa.text(EXACTLY_ONE))
        batch_op.create_index(batch_op.f('ix_analysis_flag_link_agenda_item_id'), ['agenda_item_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('analysis_flag_link', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target_type', sa.String(length=30), nullable=False,
                                      server_default='agenda_item'))
        batch_op.add_column(sa.Column('target_id', sa.Integer(), nullable=False, server_default='0'))
    op.execute("UPDATE analysis_flag_link SET target_id = agenda_item_id")
    with op.batch_alter_table('analysis_flag_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analysis_flag_link_agenda_item_id'))
        batch_op.drop_constraint(op.f('ck_analysis_flag_link_exactly_one_target'), type_='check')
        batch_op.drop_constraint('uq_analysis_flag_link_flag_agenda_item', type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_analysis_flag_link_agenda_item_id_agenda_item'),
                                 type_='foreignkey')
        batch_op.drop_column('agenda_item_id')
        batch_op.alter_column('target_type', server_default=None)
        batch_op.alter_column('target_id', server_default=None)
        batch_op.create_unique_constraint('uq_analysis_flag_link_flag_id',
                                          ['flag_id', 'target_type', 'target_id'])
        batch_op.create_index('ix_analysis_flag_link_target', ['target_type', 'target_id'], unique=False)
