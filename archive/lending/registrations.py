"""Retiree accounts for the portal: self-registration, the counter, and binding to the person's file.

A retiree registers with 姓名, 身份证号 and a mobile number and gets an account that is linked to
nobody (it sees no file).  An archivist compares the registration with the person recorded for a file
— name and ID number must both match, and the archivist checks the identity document at the counter or
by a call to the mobile number — and binds the account.  At the counter the archivist can instead create
the account and bind it in one step.  Every step records its event; ID numbers appear masked in them.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from archive.accounts.models import User
from archive.accounts.operations import AccountError, create_user, link_person
from archive.audit import record
from archive.catalogue.models import ArchiveFile
from archive.extensions import db
from archive.idnumbers import InvalidIdNumber, mask_id_number, parse_id_number
from archive.lending.models import RegistrationStatus, RetireeRegistration
from archive.lending.rules import LendingError, conflict_of_interest
from archive.roles import Role
from archive.timeutil import utcnow

__all__ = ["bind", "counter_account", "refuse", "register"]

_MOBILE = re.compile(r"^1\d{10}$")


def _checked(name: str, id_number: str, mobile: str) -> tuple[str, str, str]:
    try:
        number = parse_id_number(id_number).number
    except InvalidIdNumber as exc:
        raise LendingError("bad_id_number", 400, "id_number") from exc
    mobile = re.sub(r"[\s-]", "", mobile)
    if not _MOBILE.match(mobile):
        raise LendingError("bad_mobile", 400, "mobile")
    return name.strip()[:50], number, mobile


def register(*, name: str, id_number: str, mobile: str, username: str, password: str,
             counter: bool = False, locale: str = "zh_CN") -> RetireeRegistration:
    """A new, unbound retiree account and its registration, waiting for an archivist."""
    name, number, mobile = _checked(name, id_number, mobile)
    waiting = db.session.scalar(select(RetireeRegistration.id).where(
        RetireeRegistration.id_number == number, RetireeRegistration.status == RegistrationStatus.PENDING))
    if waiting is not None:
        raise LendingError("registered", 409, "id_number")
    try:
        user = create_user(username, password, Role.RETIREE, display_name=name, unbound=True, locale=locale)
    except AccountError as exc:
        raise LendingError("username_taken" if exc.code == "username_taken" else "bad_username", 400,
                           "username") from exc
    reg = RetireeRegistration(user_id=user.id, name=name, id_number=number, mobile=mobile, counter=counter)
    db.session.add(reg)
    db.session.flush()
    record("lending.register", user=user if not counter else None, target_type="registration", target_id=reg.id,
           details={"username": user.username, "id_number": mask_id_number(number), "counter": counter})
    return reg


def _pending(reg: RetireeRegistration) -> None:
    if reg.status != RegistrationStatus.PENDING or reg.user.person_id is not None:
        raise LendingError("already_bound", 409)


def bind(reg: RetireeRegistration, archivist: User, file: ArchiveFile) -> None:
    """Link the account to the file's person once name and ID number match it (the archivist saw the papers)."""
    if archivist.role_enum is not Role.ARCHIVIST:
        raise LendingError("not_staff", 403)
    if not archivist.may_see_street(file.street):
        raise LendingError("out_of_scope", 403)
    if conflict_of_interest(archivist, file):
        raise LendingError("own_file", 403)
    _pending(reg)
    person = file.person
    if person is None or person.id_number != reg.id_number or person.name != reg.name:
        record("lending.bind", outcome="denied", file=file, target_type="registration", target_id=reg.id,
               details={"refused": "identity_mismatch"})
        raise LendingError("identity_mismatch", 409, "archive_no")
    link_person(reg.user, person.id)
    reg.status, reg.decided_by, reg.decided_at = RegistrationStatus.BOUND, archivist.username, utcnow()
    db.session.flush()
    record("lending.bind", file=file, target_type="registration", target_id=reg.id,
           details={"username": reg.user.username})


def refuse(reg: RetireeRegistration, archivist: User) -> None:
    """The identity could not be confirmed: the account stays unbound and is disabled."""
    if archivist.role_enum is not Role.ARCHIVIST:
        raise LendingError("not_staff", 403)
    _pending(reg)
    reg.status, reg.decided_by, reg.decided_at = RegistrationStatus.REFUSED, archivist.username, utcnow()
    reg.user.active = False
    reg.user.session_version += 1
    db.session.flush()
    record("lending.refuse_registration", target_type="registration", target_id=reg.id,
           details={"username": reg.user.username})


def counter_account(archivist: User, file: ArchiveFile, *, mobile: str, username: str,
                    password: str) -> User:
    """At the counter: the archivist creates the retiree's account from the file's person and binds it."""
    person = file.person
    if person is None or not person.id_number:
        raise LendingError("identity_mismatch", 409, "archive_no")
    reg = register(name=person.name, id_number=person.id_number, mobile=mobile, username=username,
                   password=password, counter=True)
    reg.user.must_change_password = True  # the archivist knows the first password
    bind(reg, archivist, file)
    user: User = reg.user
    return user


def find_user_registration(user: User) -> RetireeRegistration | None:
    return db.session.scalar(select(RetireeRegistration).where(RetireeRegistration.user_id == user.id))
