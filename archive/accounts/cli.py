"""``dangan users …``: account administration from the shell (commits once per command)."""

from __future__ import annotations

import os

import click
from flask.cli import AppGroup
from sqlalchemy import select

from archive.accounts.models import User
from archive.accounts.operations import AccountError, create_user, reset_password, set_active
from archive.accounts.passwords import password_problems
from archive.audit import record
from archive.catalogue.models import ArchiveFile
from archive.extensions import db
from archive.roles import Role

users_cli = AppGroup("users", help="Manage user accounts.")


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise click.ClickException(f"no such user: {username}")
    return user


def _checked(password: str, username: str) -> str:
    problems = password_problems(password, username)
    if problems:
        raise click.ClickException("password too weak: " + ", ".join(problems))
    return password


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", "display_name", default="", help="Full name shown in the UI.")
@click.option("--street", default=None, help="Street scope; omit for the whole district.")
@click.option("--archive-no", default=None, help="For retirees: the 档号 of their file.")
@click.option("--locale", type=click.Choice(["zh_CN", "en"]), default="zh_CN")
@click.password_option(prompt="Password")
def create(username, role, display_name, street, archive_no, locale, password):  # type: ignore[no-untyped-def]
    """Create a user account."""
    person_id = None
    if archive_no:
        file = db.session.scalar(select(ArchiveFile).where(ArchiveFile.archive_no == archive_no.upper()))
        if file is None or file.person_id is None:
            raise click.ClickException(f"no file {archive_no}")
        person_id = file.person_id
    try:
        user = create_user(
            username,
            _checked(password, username),
            Role(role),
            display_name=display_name,
            street=street,
            person_id=person_id,
            locale=locale,
        )
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.code}: {exc}") from exc
    record("user.create", target_type="user", target_id=user.id,
           details={"after": {"username": user.username, "role": user.role, "street": user.street}})
    db.session.commit()
    click.echo(f"created {user.username} ({user.role}, {user.street or 'district'})")


@users_cli.command("list")
def list_users():  # type: ignore[no-untyped-def]
    """List accounts."""
    for user in db.session.scalars(select(User).order_by(User.username)):
        state = "disabled" if not user.active else ("awaiting activation" if user.activation_pending else "active")
        click.echo(f"{user.username:20} {user.role:10} {user.street or '区级':8} {state}")


@users_cli.command("reset-password")
@click.argument("username")
@click.password_option(prompt="New password")
def reset(username, password):  # type: ignore[no-untyped-def]
    """Set a new password; the user must change it at next log-in."""
    user = _user(username)
    reset_password(user, _checked(password, username), must_change=True)
    record("user.password_reset", target_type="user", target_id=user.id, details={"must_change": True})
    db.session.commit()
    click.echo(f"password of {user.username} reset")


@users_cli.command("disable")
@click.argument("username")
def disable(username):  # type: ignore[no-untyped-def]
    """Disable an account and end its sessions."""
    user = _user(username)
    set_active(user, False)
    record("user.disable", target_type="user", target_id=user.id)
    db.session.commit()
    click.echo(f"{username} disabled")


@users_cli.command("enable")
@click.argument("username")
def enable(username):  # type: ignore[no-untyped-def]
    """Enable a disabled account."""
    user = _user(username)
    set_active(user, True)
    record("user.enable", target_type="user", target_id=user.id)
    db.session.commit()
    click.echo(f"{username} enabled")


@users_cli.command("token")
@click.argument("username")
@click.option("--name", default="", help="What the token is for, e.g. 政务服务平台 (shown in the user admin page).")
def token(username, name):  # type: ignore[no-untyped-def]
    """Make a personal access token for the JSON API and print it (once: only its hash is kept)."""
    from archive.accounts.tokens import create_token

    user = _user(username)
    if not user.active:
        raise click.ClickException(f"{user.username} is disabled")
    row, secret = create_token(user, name, by=f"cli:{os.environ.get('USER', 'system')}")
    db.session.commit()
    click.echo(secret)
    click.echo(f"token {row.id} ({row.prefix}…) for {user.username} ({user.role}, {user.street or 'district'}); "
               "keep it secret: it is not shown again", err=True)


@users_cli.command("tokens")
@click.argument("username")
def tokens(username):  # type: ignore[no-untyped-def]
    """List a user's access tokens (never the tokens themselves)."""
    from archive.accounts.tokens import tokens_of

    for row in tokens_of(_user(username)):
        state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
        used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never used"
        click.echo(f"{row.id:5} {row.prefix}…  {row.name or '-':20} {state:24} {used}")


@users_cli.command("revoke-token")
@click.argument("username")
@click.argument("token_id", type=int)
def revoke_token_command(username, token_id):  # type: ignore[no-untyped-def]
    """Revoke one of a user's access tokens: calls made with it get 401 from now on."""
    from archive.accounts.models import ApiToken
    from archive.accounts.tokens import revoke_token

    user = _user(username)
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise click.ClickException(f"{user.username} has no token {token_id}")
    try:
        revoke_token(row, by=f"cli:{os.environ.get('USER', 'system')}")
    except AccountError as exc:
        raise click.ClickException("already revoked") from exc
    db.session.commit()
    click.echo(f"token {row.id} of {user.username} revoked")
