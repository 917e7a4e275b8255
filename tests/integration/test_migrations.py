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


def test_statuses_are_checked_and_json_columns_hold_values(app):
    """A status outside its enum is refused by the database itself; JSON columns give back lists and dicts."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError, StatementError

    from archive.scanning.models import IngestJob, JobStatus

    with app.app_context():
        job = IngestJob(created_by="t", source="t", paths=["store:uploads/x/000/a.zip"], failure_params={"n": 1})
        db.session.add(job)
        db.session.commit()
        db.session.expire_all()
        job = db.session.get(IngestJob, job.id)
        assert job.status is JobStatus.QUEUED and job.paths == ["store:uploads/x/000/a.zip"]
        assert job.failure_params == {"n": 1} and job.summary == []
        with pytest.raises(StatementError):  # the ORM refuses an unknown value before the database sees it
            job.status = "lost"
            db.session.flush()
        db.session.rollback()
        with pytest.raises(IntegrityError):  # and the CHECK constraint refuses it from plain SQL
            db.session.execute(text("UPDATE ingest_jobs SET status = 'lost' WHERE id = :id"), {"id": job.id})
            db.session.flush()
        db.session.rollback()
