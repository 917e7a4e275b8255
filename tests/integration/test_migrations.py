"""The migrations build the same schema as the models, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from archive.extensions import db


def test_no_pending_autogenerate_difference(app):
    with app.app_context():
        # the test's own connection: on SQLite a second one would wait for this test's write lock
        conn = db.session.connection()
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_downgrade_and_upgrade_again(tmp_path):
    """Every revision downgrades cleanly (checked on a throwaway SQLite database)."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    from tests.conftest import make_app

    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'mig.sqlite3'}")
    with app.app_context():
        upgrade()
        assert "materials" in inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert "materials" not in inspect(db.engine).get_table_names()
        upgrade()
        db.engine.dispose()
