"""Forms of the accounts module; every form carries a CSRF token (Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from archive.accounts.passwords import password_problems
from archive.formutil import choices
from archive.geo import STREETS
from archive.i18n import LOCALES
from archive.idnumbers import InvalidIdNumber, parse_id_number
from archive.roles import Role

ROLE_LABELS = {
    Role.ARCHIVIST: _l("Archivist"),
    Role.APPROVER: _l("Approver"),
    Role.AUDITOR: _l("Security auditor"),
    Role.ADMIN: _l("System administrator"),
    Role.RETIREE: _l("Retiree"),
}

REQUEST_LABELS = {
    "activate": _l("Activate account"),
    "disable": _l("Disable auditor account"),
    "enable": _l("Enable auditor account"),
    "reset_password": _l("Reset auditor password"),
    "update": _l("Change auditor account"),
}

PASSWORD_MESSAGES = {
    "too_short": _l("At least 10 characters."),
    "too_simple": _l("Mix at least two of: digits, lower case, upper case, symbols."),
    "contains_username": _l("Must not contain the user name."),
}


class StrongPassword:
    """Validator applying :func:`password_problems`."""

    def __init__(self, username_field: str | None = None) -> None:
        self.username_field = username_field

    def __call__(self, form: FlaskForm, field: PasswordField) -> None:
        username = form[self.username_field].data if self.username_field else getattr(form, "_username", "")
        problems = password_problems(field.data or "", username or "")
        if problems:
            raise ValidationError(" ".join(str(PASSWORD_MESSAGES[p]) for p in problems))


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256), StrongPassword()])
    confirm = PasswordField(
        _l("Repeat new password"), validators=[DataRequired(), EqualTo("new", message=_l("Passwords differ."))]
    )


def _street_choices() -> list[tuple[str, str]]:
    return [("", str(_l("Whole district")))] + [(s, s) for s in STREETS]


class UserForm(FlaskForm):
    username = StringField(
        _l("User name"),
        validators=[
            DataRequired(),
            Length(max=64),
            Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Letters, digits, '.', '_' and '-' only.")),
        ],
    )
    display_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=100)])
    role = SelectField(_l("Role"), choices=choices([(r.value, ROLE_LABELS[r]) for r in Role]))
    street = SelectField(_l("Scope"), choices=[], validate_choice=True)
    person_archive_no = StringField(
        _l("Retiree's file number (档号)"), validators=[Optional(), Length(max=64)]
    )
    locale = SelectField(_l("Language"), choices=choices(LOCALES.items()))
    id_number = StringField(_l("Own ID number (staff)"), validators=[Optional(), Length(max=18)])
    relatives = TextAreaField(
        _l("Relatives' ID numbers, one per line with the relation (e.g. 110102… 配偶)"),
        validators=[Optional(), Length(max=4000)],
    )
    password = PasswordField(_l("Initial password"), validators=[Optional(), StrongPassword("username")])

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.street.choices = choices(_street_choices())

    def validate_id_number(self, field: StringField) -> None:

        if field.data:
            try:
                field.data = parse_id_number(field.data).number
            except InvalidIdNumber as exc:
                raise ValidationError(_l("Invalid ID number.")) from exc

    def validate_relatives(self, field: TextAreaField) -> None:
        self.relatives_parsed = parse_relatives(field.data or "")


def parse_relatives(text: str) -> list[tuple[str, str]]:
    """``"110102… 配偶"`` lines → ``[(number, relation)]``; raises ValidationError naming the bad line."""
    result = []
    for n, line in enumerate(text.splitlines(), start=1):
        parts = line.split(maxsplit=1)
        if not parts:
            continue
        try:
            number = parse_id_number(parts[0]).number
        except InvalidIdNumber as exc:
            raise ValidationError(_l("Line %(n)d: invalid ID number.", n=n)) from exc
        result.append((number, (parts[1] if len(parts) > 1 else "").strip()[:32]))
    return result



class ResetPasswordForm(FlaskForm):
    """An administrator's reset: the user must always replace the password the administrator knows."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), StrongPassword()])


