"""one time links: password reset tokens become one_time_link (purpose, e-mail, territory, next path)

The password reset table is renamed by copying it into the new table (the ids are kept, the rows get the
purpose "password_reset") and dropping it: a plain rename would keep the old constraint, index and
sequence names, which differ from the models' on PostgreSQL and cannot be renamed in place on SQLite.
Outstanding reset links keep working. The downgrade copies the password reset links back (the sign-in and
consultation links, which the old table cannot hold, are dropped).

Revision ID: 0020_one_time_links
Revises: 0019_consultations
Create Date: 2026-12-03 07:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_one_time_links'
down_revision = '0019_consultations'
branch_labels = None
depends_on = None


def _reset_sequence(table):
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        ))


def upgrade():
    op.create_table('one_time_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=30), server_default='password_reset', nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('territory_id', sa.Integer(), nullable=True),
    sa.Column('next_path', sa.String(length=500), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['territory_id'], ['territory.id'], name=op.f('fk_one_time_link_territory_id_territory'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_one_time_link_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_one_time_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_one_time_link_token_hash'))
    )
    with op.batch_alter_table('one_time_link', schema=None) as batch_op:
        batch_op.create_index('ix_one_time_link_email', ['email'], unique=False)
        batch_op.create_index('ix_one_time_link_expires_at', ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_one_time_link_user_id'), ['user_id'], unique=False)

    op.execute(sa.text(
        "INSERT INTO one_time_link (id, purpose, user_id, email, token_hash, created_at, expires_at, used_at) "
        "SELECT r.id, 'password_reset', r.user_id, u.email, r.token_hash, r.created_at, r.expires_at, r.used_at "
        "FROM password_reset_token r JOIN \"user\" u ON u.id = r.user_id"
    ))
    _reset_sequence('one_time_link')

    with op.batch_alter_table('password_reset_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_reset_token_user_id'))
    op.drop_table('password_reset_token')


def downgrade():
    op.create_table('password_reset_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_password_reset_token_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_reset_token_token_hash'))
    )
    with op.batch_alter_table('password_reset_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_reset_token_user_id'), ['user_id'], unique=False)

    op.execute(sa.text(
        "INSERT INTO password_reset_token (id, user_id, token_hash, created_at, expires_at, used_at) "
        "SELECT id, user_id, token_hash, created_at, expires_at, used_at FROM one_time_link "
        "WHERE purpose = 'password_reset' AND user_id IS NOT NULL"
    ))
    _reset_sequence('password_reset_token')

    with op.batch_alter_table('one_time_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_one_time_link_user_id'))
        batch_op.drop_index('ix_one_time_link_expires_at')
        batch_op.drop_index('ix_one_time_link_email')
    op.drop_table('one_time_link')
