"""Accounts: users, roles, street scopes, log-in and administration."""

from __future__ import annotations

from flask import Flask, Request, g, request

from archive.access import is_api_request
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
        if is_api_request():
            # The session cookie never authenticates an API call (so the API needs no CSRF token):
            # whatever the cookie says, the user is the bearer token's, or nobody.
            return _api_user()
        try:
            user_id, version = (int(part) for part in user_key.split(":", 1))
        except ValueError:
            return None
        user = db.session.get(User, user_id)
        if user is None or user.session_version != version or not user.active:
            return None
        return user

    @login_manager.request_loader
    def _load_from_request(_request: Request) -> User | None:
        return _api_user() if is_api_request() else None

    @app.context_processor
    def _role_label() -> dict[str, object]:
        from archive.accounts.forms import ROLE_LABELS

        return {"role_label": lambda role: ROLE_LABELS[Role(role)]}

    app.register_blueprint(bp)
    app.cli.add_command(users_cli)


def _api_user() -> User | None:
    """The user of this API request's bearer token, looked up once per request (None when refused)."""
    if "api_user" not in g:
        from archive.accounts.tokens import authenticate_bearer

        user, token, outcome = authenticate_bearer(request.headers.get("Authorization"))
        g.api_user = user
        if token is not None and user is not None:
            g.api_token_id = token.id
        if outcome != "ok":
            g.auth_refusal = f"token {outcome}" + (f" (token {token.id})" if token is not None else "")
    return g.api_user  # type: ignore[no-any-return]
