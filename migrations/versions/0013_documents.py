"""documents: plan documents, their versions (with the uploaded original), sections and paragraphs with
stable anchors, quoted passages and where they were re-found in later versions

Revision ID: 0013_documents
Revises: 0011_indexes
Create Date: 2026-12-02 17:36:54.651922

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_documents'
down_revision = '0015_exports'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_document_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['working_group.id'], name=op.f('fk_document_group_id_working_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['territory_id'], ['territory.id'], name=op.f('fk_document_territory_id_territory'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document'))
    )
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_group_id'), ['group_id'], unique=False)
        batch_op.create_index('ix_document_territory_kind', ['territory_id', 'kind'], unique=False)

    op.create_table('document_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('change_note', sa.Text(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('source_format', sa.String(length=20), nullable=False),
    sa.Column('markdown', sa.Text(), nullable=True),
    sa.Column('based_on_id', sa.Integer(), nullable=True),
    sa.Column('import_state', sa.String(length=20), nullable=False),
    sa.Column('import_error', sa.Text(), nullable=True),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('paragraph_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['based_on_id'], ['document_version.id'], name=op.f('fk_document_version_based_on_id_document_version'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_document_version_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_document_version_document_id_document'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_document_version_job_id_job'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_version')),
    sa.UniqueConstraint('document_id', 'number', name=op.f('uq_document_version_document_id'))
    )
    with op.batch_alter_table('document_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_version_document_id'), ['document_id'], unique=False)

    op.create_table('document_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['document_version.id'], name=op.f('fk_document_file_version_id_document_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_file')),
    sa.UniqueConstraint('version_id', name=op.f('uq_document_file_version_id'))
    )
    op.create_table('document_section',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('anchor', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['document_version.id'], name=op.f('fk_document_section_version_id_document_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_section')),
    sa.UniqueConstraint('version_id', 'anchor', name=op.f('uq_document_section_version_id'))
    )
    with op.batch_alter_table('document_section', schema=None) as batch_op:
        batch_op.create_index('ix_document_section_version_position', ['version_id', 'position'], unique=False)

    op.create_table('document_paragraph',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('html', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('anchor', sa.String(length=40), nullable=False),
    sa.Column('change', sa.String(length=20), nullable=False),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['previous_id'], ['document_paragraph.id'], name=op.f('fk_document_paragraph_previous_id_document_paragraph'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['section_id'], ['document_section.id'], name=op.f('fk_document_paragraph_section_id_document_section'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['document_version.id'], name=op.f('fk_document_paragraph_version_id_document_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_paragraph')),
    sa.UniqueConstraint('version_id', 'anchor', name=op.f('uq_document_paragraph_version_id'))
    )
    with op.batch_alter_table('document_paragraph', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_paragraph_previous_id'), ['previous_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_paragraph_section_id'), ['section_id'], unique=False)
        batch_op.create_index('ix_document_paragraph_version_position', ['version_id', 'position'], unique=False)

    op.create_table('quoted_passage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('paragraph_id', sa.Integer(), nullable=False),
    sa.Column('quote', sa.Text(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['paragraph_id'], ['document_paragraph.id'], name=op.f('fk_quoted_passage_paragraph_id_document_paragraph'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quoted_passage'))
    )
    with op.batch_alter_table('quoted_passage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quoted_passage_paragraph_id'), ['paragraph_id'], unique=False)

    op.create_table('passage_location',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('passage_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('paragraph_id', sa.Integer(), nullable=True),
    sa.Column('found', sa.Boolean(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=True),
    sa.Column('end', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['paragraph_id'], ['document_paragraph.id'], name=op.f('fk_passage_location_paragraph_id_document_paragraph'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['passage_id'], ['quoted_passage.id'], name=op.f('fk_passage_location_passage_id_quoted_passage'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['document_version.id'], name=op.f('fk_passage_location_version_id_document_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_passage_location')),
    sa.UniqueConstraint('passage_id', 'version_id', name=op.f('uq_passage_location_passage_id'))
    )
    with op.batch_alter_table('passage_location', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_passage_location_paragraph_id'), ['paragraph_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_passage_location_version_id'), ['version_id'], unique=False)



def downgrade():
    with op.batch_alter_table('passage_location', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_passage_location_version_id'))
        batch_op.drop_index(batch_op.f('ix_passage_location_paragraph_id'))

    op.drop_table('passage_location')
    with op.batch_alter_table('quoted_passage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quoted_passage_paragraph_id'))

    op.drop_table('quoted_passage')
    with op.batch_alter_table('document_paragraph', schema=None) as batch_op:
        batch_op.drop_index('ix_document_paragraph_version_position')
        batch_op.drop_index(batch_op.f('ix_document_paragraph_section_id'))
        batch_op.drop_index(batch_op.f('ix_document_paragraph_previous_id'))

    op.drop_table('document_paragraph')
    with op.batch_alter_table('document_section', schema=None) as batch_op:
        batch_op.drop_index('ix_document_section_version_position')

    op.drop_table('document_section')
    op.drop_table('document_file')
    with op.batch_alter_table('document_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_version_document_id'))

    op.drop_table('document_version')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index('ix_document_territory_kind')
        batch_op.drop_index(batch_op.f('ix_document_group_id'))

    op.drop_table('document')
