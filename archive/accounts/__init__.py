"""Accounts: users, roles, street scopes, log-in and administration."""

from __future__ import annotations

from flask import Flask

from archive.accounts.models import User
from archive.extensions import db, login_manager
from archive.roles import Role

__all__ = ["Role", "User", "init_app"]


def init_app(app: Flask) -> None:
    """Register the login manager, the blueprint and the ``dangan users`` commands."""
    from archive.accounts.cli import users_cli
    from archive.accounts.views import bp

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def _load(user_key: str) -> User | None:
        try:
            user_id, version = (int(part) for part in user_key.split(":", 1))
        except ValueError:
            return None
        user = db.session.get(User, user_id)
        if user is None or user.session_version != version or not user.active:
            return None
        return user

    @app.context_processor
    def _role_label() -> dict[str, object]:
        from archive.accounts.forms import ROLE_LABELS

        return {"role_label": lambda role: ROLE_LABELS[Role(role)]}

    app.register_blueprint(bp)
    app.cli.add_command(users_cli)
