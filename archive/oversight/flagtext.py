"""An anomaly flag's "what happened", said in the reader's language from the rule's code and parameters.

Flags store the rule (``BULK_VIEWING``) and its figures (``{"count": 130, "minutes": 10, …}``);
the sentence is made here when the page is drawn, so switching the language changes it.
A flag raised before parameters were stored shows its plain summary as stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from archive.audit.models import AuditFlag
from archive.idnumbers import mask_id_numbers_in_text
from archive.oversight.labels import action_label, ngettext
from archive.oversight.labels import gettext as _

__all__ = ["flag_summary"]


def _who(p: Mapping[str, Any]) -> str:
    return _("IP %(ip)s", ip=p.get("who", "")) if p.get("kind") == "ip" else str(p.get("who", ""))


def _off_hours(p: Mapping[str, Any]) -> str:
    return _("%(action)s at %(time)s", action=action_label(p.get("action", "")), time=p.get("time", ""))


def _bulk(p: Mapping[str, Any]) -> str:
    return ngettext("%(who)s: %(num)d views within %(minutes)s minutes",
                    "%(who)s: %(num)d views within %(minutes)s minutes", int(p.get("count", 0)),
                    who=_who(p), minutes=p.get("minutes", ""))


def _failed_logins(p: Mapping[str, Any]) -> str:
    if p.get("kind") == "ip":
        return ngettext("%(num)d failed log-ins from %(who)s within %(minutes)s minutes",
                        "%(num)d failed log-ins from %(who)s within %(minutes)s minutes", int(p.get("count", 0)),
                        who=_who(p), minutes=p.get("minutes", ""))
    return ngettext("%(num)d failed log-ins to account %(who)s within %(minutes)s minutes",
                    "%(num)d failed log-ins to account %(who)s within %(minutes)s minutes", int(p.get("count", 0)),
                    who=_who(p), minutes=p.get("minutes", ""))


def _denied(p: Mapping[str, Any]) -> str:
    return ngettext("%(who)s: %(num)d refused accesses within %(minutes)s minutes",
                    "%(who)s: %(num)d refused accesses within %(minutes)s minutes", int(p.get("count", 0)),
                    who=_who(p), minutes=p.get("minutes", ""))


def _outside_window(p: Mapping[str, Any]) -> str:
    return _("%(action)s (file %(no)s) outside the approved period (basis: %(basis)s)",
             action=action_label(p.get("action", "")), no=p.get("archive_no", ""), basis=p.get("reason", ""))


def _own_or_relative(p: Mapping[str, Any]) -> str:
    action, no = action_label(p.get("action", "")), p.get("archive_no", "")
    if p.get("relation"):
        return _("%(action)s (file %(no)s): a relative's file (%(relation)s)", action=action, no=no,
                 relation=p["relation"])
    return _("%(action)s (file %(no)s): the user's own file", action=action, no=no)


def _admin_set(p: Mapping[str, Any]) -> str:
    return _("%(action)s (file %(no)s): the first read after %(setter)s: %(setter_action)s (event %(seq)s)",
             action=action_label(p.get("action", "")), no=p.get("archive_no", ""), setter=p.get("setter", ""),
             setter_action=action_label(p.get("setter_action", "")), seq=p.get("setter_seq", ""))


SENTENCES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "OFF_HOURS": _off_hours,
    "BULK_VIEWING": _bulk,
    "FAILED_LOGIN_BURST": _failed_logins,
    "REPEATED_DENIED": _denied,
    "OUTSIDE_LENDING_WINDOW": _outside_window,
    "OWN_OR_RELATIVE_FILE": _own_or_relative,
    "ADMIN_SET_ACCOUNT_READ": _admin_set,
}


def flag_summary(flag: AuditFlag) -> str:
    """The flag's sentence in the reader's language (ID numbers masked); the stored summary if it has no parameters."""
    sentence = SENTENCES.get(flag.rule)
    if flag.params and sentence is not None:
        try:
            return mask_id_numbers_in_text(sentence(flag.params))
        except (KeyError, TypeError, ValueError):  # parameters of an older shape: fall back to what was stored
            pass
    return mask_id_numbers_in_text(flag.summary)
