"""The ``dangan`` command line: users, demo."""

from __future__ import annotations

from sqlalchemy import select

from archive.accounts.models import User
from archive.extensions import db


def test_users_create_list_disable(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "clerk1", "--role", "archivist", "--street", "月坛",
                                 "--password", "Clerk#2020pw"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "create", "clerk1", "--role", "archivist", "--password", "Clerk#2020pw"])
    assert result.exit_code != 0 and "username_taken" in result.output
    result = runner.invoke(args=["users", "create", "weak", "--role", "approver", "--password", "123"])
    assert result.exit_code != 0 and "too weak" in result.output
    result = runner.invoke(args=["users", "create", "sec1", "--role", "auditor", "--street", "月坛",
                                 "--password", "Audit#2020pw"])
    assert result.exit_code != 0 and "district_only" in result.output
    assert "clerk1" in runner.invoke(args=["users", "list"]).output
    assert runner.invoke(args=["users", "disable", "clerk1"]).exit_code == 0
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "clerk1"))
        assert user.street == "月坛" and not user.active
