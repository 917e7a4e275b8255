"""Languages and time zones: Simplified Chinese first, English per user.

The locale is the logged-in user's choice, else the session's (for the log-in
page), else zh_CN.  Times are stored in UTC and shown in Asia/Shanghai.
"""

from __future__ import annotations

from flask import Flask, session
from flask_babel import format_datetime
from flask_login import current_user

from archive.extensions import babel

__all__ = ["LOCALES", "init_app"]

LOCALES = {"zh_CN": "简体中文", "en": "English"}


def select_locale() -> str:
    """Flask-Babel's locale selector."""
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    chosen = session.get("locale")
    return chosen if chosen in LOCALES else "zh_CN"


def init_app(app: Flask) -> None:
    """Bind Flask-Babel and the template helpers."""
    babel.init_app(app, locale_selector=select_locale)

    @app.template_filter("datetime")
    def _datetime(value, fmt: str = "yyyy-MM-dd HH:mm"):  # type: ignore[no-untyped-def]
        return format_datetime(value, fmt) if value else ""

    @app.context_processor
    def _locales() -> dict[str, object]:
        return {"LOCALES": LOCALES, "current_locale": select_locale()}
