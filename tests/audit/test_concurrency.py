"""Fifty concurrent writers on PostgreSQL still produce one unbroken chain."""

from __future__ import annotations

import os
import threading
import uuid

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from archive.audit import record
from archive.audit.models import AuditEvent
from archive.audit.verify import verify_log
from archive.extensions import db
from tests.conftest import make_app, migrate_fresh

pytestmark = pytest.mark.skipif(not os.environ.get("DANGAN_TEST_DATABASE_URL"), reason="needs PostgreSQL")

WRITERS = 50
EVENTS_EACH = 10


@pytest.fixture
def pg_app(tmp_path):
    base = make_url(os.environ["DANGAN_TEST_DATABASE_URL"]).set(drivername="postgresql+psycopg")
    name = f"dangan_conc_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    app = make_app(tmp_path, base.set(database=name).render_as_string(hide_password=False),
                   SQLALCHEMY_ENGINE_OPTIONS={"pool_size": WRITERS, "max_overflow": 5})
    migrate_fresh(app)
    yield app
    with app.app_context():
        db.engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_fifty_concurrent_writers_form_one_chain(pg_app):
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            with pg_app.app_context():
                start.wait()
                for i in range(EVENTS_EACH):
                    record("test.concurrent", target_id=f"{n}-{i}", details={"writer": n, "i": i})
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    with pg_app.app_context():
        total = db.session.scalar(select(func.count()).select_from(AuditEvent))
        seqs = list(db.session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))
        report = verify_log(None)
    assert total == WRITERS * EVENTS_EACH
    assert seqs == list(range(1, total + 1))
    assert report.ok, report.as_dict()
