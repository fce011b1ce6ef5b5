"""The migrations build the schema from empty (the session fixture does it) and match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import Migrate
from sqlalchemy import text


def test_models_match_the_migrated_schema(app, db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_database_is_at_the_single_head(app, db):
    config = app.extensions["migrate"].migrate.get_config()
    script = ScriptDirectory.from_config(config)
    heads = script.get_heads()
    assert len(heads) == 1, f"several heads: {heads}"
    current = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert current == heads[0]
    assert isinstance(app.extensions["migrate"].migrate, Migrate)
