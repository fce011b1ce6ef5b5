"""typed flag links (a foreign key per target kind, ON DELETE CASCADE); flag messages stored as facts

Part 1, typed links:

Replaces ``analysis_flag_link.target_type``/``target_id`` (no foreign key: a link survived its agenda item and
then showed up under whatever item reused the id). Existing agenda-item links move to ``agenda_item_id``;
links whose agenda item no longer exists, and links of kinds that were never targets, are dropped (their
history events keep their note, the link reference is cleared).

Part 2, facts stored, words rendered: ``analysis_flag_occurrence.message`` (a Czech sentence) becomes
``message_id`` + ``params`` (JSON), which the portal renders in the reader's language. The facts are
re-derived by running the analysis module (plain Python) on each stored year's school and class rows with
the default rules, as the import did, and matched by flag identity; an occurrence that cannot be matched
keeps its old sentence as ``params = {"text": ...}`` (message id ""), which is shown as it is.

Revision ID: 0012_flag_links
Revises: 0011_indexes
Create Date: 2026-12-02 17:50:00

"""
import dataclasses
import math

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

    with op.batch_alter_table('analysis_flag_occurrence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.String(length=60), server_default='', nullable=False))
        batch_op.add_column(sa.Column('params', sa.JSON(), server_default='{}', nullable=False))
    _messages_as_facts()
    with op.batch_alter_table('analysis_flag_occurrence', schema=None) as batch_op:
        batch_op.alter_column('params', server_default=None)
        batch_op.drop_column('message')


SCHOOL_COLUMNS = ("school_year", "territory", "school_id", "school_name", "school_type", "pupils",
                  "disadvantaged", "sen", "mild_id", "dropouts", "leavers", "leavers_matura",
                  "disadvantaged_leavers", "disadvantaged_leavers_matura", "competence_score",
                  "funding_per_pupil", "grade5_pupils", "gym_outflow")
CLASS_COLUMNS = ("school_year", "school_id", "grade", "class_name", "pupils", "disadvantaged", "stream")


def _facts_as_messages():
    from flask_babel import force_locale

    from portal.analysis_portal.messages import render

    conn = op.get_bind()
    occurrence = sa.table('analysis_flag_occurrence', sa.column('id', sa.Integer()),
                          sa.column('message_id', sa.String()), sa.column('params', sa.JSON()),
                          sa.column('message', sa.Text()))
    with force_locale("cs"):
        for occ_id, message_id, params in conn.execute(
                sa.select(occurrence.c.id, occurrence.c.message_id, occurrence.c.params)).all():
            conn.execute(occurrence.update().where(occurrence.c.id == occ_id)
                         .values(message=render(message_id, params or {})))


def _finite(params):
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in params.items()}


def _messages_as_facts():
    from portal.analysis import Dataset, School, SchoolClass, analyse, default_rules

    conn = op.get_bind()
    occurrence = sa.table('analysis_flag_occurrence', sa.column('id', sa.Integer()),
                          sa.column('message_id', sa.String()), sa.column('params', sa.JSON()))
    school_fields = {f.name for f in dataclasses.fields(School)}
    class_fields = {f.name for f in dataclasses.fields(SchoolClass)}
    datasets = conn.execute(sa.text("SELECT id, has_classes FROM analysis_dataset")).all()
    for dataset_id, has_classes in datasets:
        schools = [School(**{k: v for k, v in row._mapping.items() if k in school_fields})
                   for row in conn.execute(sa.text(
                       f"SELECT {', '.join(SCHOOL_COLUMNS)} FROM analysis_school WHERE dataset_id = :d"),
                       {"d": dataset_id})]
        classes = [SchoolClass(**{k: v for k, v in row._mapping.items() if k in class_fields})
                   for row in conn.execute(sa.text(
                       f"SELECT {', '.join(CLASS_COLUMNS)} FROM analysis_class WHERE dataset_id = :d"),
                       {"d": dataset_id})]
        found = {}
        if schools:
            result = analyse(Dataset(schools=schools, classes=classes, has_classes=bool(has_classes)),
                             default_rules())
            for flag in result.flags:
                found.setdefault(flag.identity, flag)
        rows = conn.execute(sa.text(
            "SELECT o.id, f.identity, o.message FROM analysis_flag_occurrence o "
            "JOIN analysis_flag f ON f.id = o.flag_id WHERE o.dataset_id = :d"), {"d": dataset_id}).all()
        for occ_id, identity, message in rows:
            flag = found.get(identity)
            if flag is not None and flag.message == message:
                values = {"message_id": flag.message_id, "params": _finite(flag.params)}
            else:
                values = {"message_id": "", "params": {"text": message}}
            conn.execute(occurrence.update().where(occurrence.c.id == occ_id).values(**values))


def downgrade():
    # The sentences come back in Czech, rendered from the facts as the analysis module words them.
    with op.batch_alter_table('analysis_flag_occurrence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message', sa.Text(), server_default='', nullable=False))
    _facts_as_messages()
    with op.batch_alter_table('analysis_flag_occurrence', schema=None) as batch_op:
        batch_op.alter_column('message', server_default=None)
        batch_op.drop_column('params')
        batch_op.drop_column('message_id')

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
