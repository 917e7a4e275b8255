"""The work plan's routing (西人社发〔2020〕14号 §五) as pure functions: who takes which relation of a retiree.

* 央属: the district takes the 社保关系 and the 档案关系 when the 户籍地 **or** the 常住地 is in the district;
* 市属 and 区属: when the 户籍地 is in the district; otherwise both go to the 户籍 district;
* the 党员组织关系 of members goes by the 常住地 (the district's street 工委, or the district of residence);
* the 医疗保险关系 (区医保局) follows the 社保关系;
* the serving street is the district's street of the 户籍地, else of the 常住地.

A 常住地 left empty is taken to be the 户籍地 (the usual case, and what the sending units mean by leaving
it out); a 常住地 given without a 户籍地 is an error.  Place names are accepted with or without 北京市 and
区/街道, and by their old names (宣武 → 西城, 崇文 → 东城); an unknown name is an error that suggests the
nearest known one.  Reasons and errors are :class:`~archive.messages.Message` (code + params), said in
the reader's language when shown.  No Flask, no database: the import, the file page and ``dangan
transfers route`` all call :func:`route`.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass
from typing import Any

from archive.geo import BEIJING_DISTRICTS, HOME_DISTRICT, STREETS
from archive.messages import Message, msg, pmsg

__all__ = ["LEVELS", "Place", "Routing", "RoutingError", "parse_level", "parse_place", "route"]

#: 单位层级 as the work plan names them → the stored value (catalogue's EmployerLevel values).
LEVELS = {"央属": "central", "市属": "municipal", "区属": "district"}
_LEVEL_ALIASES = {
    **LEVELS, "中央": "central", "央企": "central", "中央企业": "central", "CENTRAL": "central",
    "市管": "municipal", "市级": "municipal", "MUNICIPAL": "municipal",
    "区管": "district", "区级": "district", "DISTRICT": "district",
}
LEVEL_NAMES = {v: k for k, v in LEVELS.items()}
_LEVEL_WORDS = {"municipal": pmsg("level", "Municipal"), "district": pmsg("level", "District")}

# Districts merged in 2010: files and forms from before still name them.
_OLD_DISTRICTS = {"宣武": "西城", "崇文": "东城"}
# Counties that became districts (密云县 → 密云区); the 县 is dropped like the 区.
_DISTRICT_SUFFIXES = ("区", "县")
_STREET_SUFFIXES = ("街道办事处", "街道办", "街道", "办事处", "地区")


class RoutingError(ValueError):
    """A value the rules cannot route.

    ``field`` is ``level`` or a place's part (``hukou_district``, ``residence_street`` …); ``message`` says why
    and, where there is one, the nearest known name (``suggestion``).
    """

    def __init__(self, field: str, code: str, message: Message, suggestion: str | None = None) -> None:
        super().__init__(message.text)
        self.field = field
        self.code = code
        self.message = message
        self.suggestion = suggestion


@dataclass(frozen=True)
class Place:
    """A normalised place.

    ``district`` is a Beijing district's short name (西城); ``street`` a street of the home district or,
    elsewhere, the text as given (other districts' streets are not ours to check).
    """

    district: str
    street: str | None = None

    @property
    def is_home(self) -> bool:
        return self.district == HOME_DISTRICT


@dataclass(frozen=True)
class Routing:
    """Who takes what; districts by short name.  ``party_to`` is None for non-members."""

    level: str
    archive_to: str
    social_insurance_to: str
    medical_insurance_to: str
    party_to: str | None
    street: str | None
    reason: Message

    @property
    def routed_elsewhere(self) -> bool:
        """The file itself goes to another district."""
        return self.archive_to != HOME_DISTRICT

    def as_json(self) -> dict[str, Any]:
        """The keys ``dangan transfers route --json`` prints (the reason said in the current language)."""
        return {"archive_to": self.archive_to, "social_insurance_to": self.social_insurance_to,
                "party_to": self.party_to, "street": self.street, "reason": str(self.reason)}


def _clean(text: str | None) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def parse_level(value: str | None) -> str:
    """``央属``/``市属``/``区属`` (or central/municipal/district) → the stored value; RoutingError otherwise."""
    text = _clean(value).upper()
    if text in _LEVEL_ALIASES:
        return _LEVEL_ALIASES[text]
    if text.lower() in LEVEL_NAMES:
        return text.lower()
    raise RoutingError("level", "bad_level", msg("Employer level “%(value)s” is invalid: write 央属, 市属 or 区属",
                                                 value=value or ""))


def normalise_district(value: str, field: str) -> str:
    """A district name in any common spelling → its short name; RoutingError with a suggestion if unknown."""
    text = _clean(value).removeprefix("北京市").removeprefix("北京")
    for suffix in _DISTRICT_SUFFIXES:
        if len(text) > 2 and text.endswith(suffix):
            text = text.removesuffix(suffix)
    text = _OLD_DISTRICTS.get(text, text)
    if text in BEIJING_DISTRICTS:
        return text
    known = [*BEIJING_DISTRICTS, *_OLD_DISTRICTS]
    near = difflib.get_close_matches(text, known, n=1, cutoff=0.4)
    suggestion = _OLD_DISTRICTS.get(near[0], near[0]) if near else None
    if suggestion:
        message = msg("Unknown district “%(value)s”: did you mean %(suggestion)s?", value=value,
                      suggestion=suggestion)
    else:
        message = msg("Unknown district “%(value)s”: write one of Beijing's 16 districts", value=value)
    raise RoutingError(f"{field}_district", "unknown_district", message, suggestion)


def normalise_street(value: str, field: str) -> str:
    """A street of the home district → its short name (展览路街道 → 展览路); RoutingError with a suggestion."""
    text = _clean(value)
    for suffix in _STREET_SUFFIXES:
        if len(text) > len(suffix) and text.endswith(suffix):
            text = text.removesuffix(suffix)
            break
    if text in STREETS:
        return text
    near = difflib.get_close_matches(text, STREETS, n=1, cutoff=0.5)
    if near:
        message = msg("Unknown street “%(value)s” in %(district)s: did you mean %(suggestion)s?", value=value,
                      district=HOME_DISTRICT, suggestion=near[0])
    else:
        message = msg("Unknown street “%(value)s” in %(district)s", value=value, district=HOME_DISTRICT)
    raise RoutingError(f"{field}_street", "unknown_street", message, near[0] if near else None)


def parse_place(district: str | None, street: str | None = None, *, field: str = "hukou") -> Place | None:
    """Normalise a district (and street); None when both are empty.

    ``district`` may carry the street after a ``/`` (``西城/展览路``, the command line's form).
    """
    district = district or ""
    if street is None and "/" in district:
        district, street = district.split("/", 1)
    if not _clean(district):
        if _clean(street):
            raise RoutingError(f"{field}_district", "street_without_district",
                               msg("A street “%(street)s” is given without its district", street=street or ""))
        return None
    name = normalise_district(district, field)
    if not _clean(street):
        return Place(name, None)
    if name == HOME_DISTRICT:
        return Place(name, normalise_street(street or "", field))
    return Place(name, _clean(street))


def route(level: str, hukou: Place | None, residence: Place | None, party_member: bool) -> Routing:
    """Route one retiree.  ``level`` is a stored value (see :func:`parse_level`)."""
    if level not in LEVEL_NAMES:
        level = parse_level(level)
    if hukou is None:
        if residence is not None:
            raise RoutingError("hukou_district", "residence_without_hukou",
                               msg("The usual residence is given without the household registration: the "
                                   "routing needs the household registration"))
        raise RoutingError("hukou_district", "missing_hukou", msg("The household registration is empty"))
    lives = residence or hukou  # left empty: lives where registered
    if level == "central":
        ours = hukou.is_home or lives.is_home
        archive_to = HOME_DISTRICT if ours else hukou.district
        if hukou.is_home:
            reason = msg("Central enterprise: household registration in %(d)s, so %(d)s takes the file and the "
                         "social insurance", d=HOME_DISTRICT)
        elif lives.is_home:
            reason = msg("Central enterprise: usual residence in %(d)s, so %(d)s takes the file and the social "
                         "insurance", d=HOME_DISTRICT)
        else:
            reason = msg("Central enterprise: neither household registration nor usual residence in %(d)s, so "
                         "the file and the social insurance go to %(to)s", d=HOME_DISTRICT, to=archive_to)
    else:
        archive_to = hukou.district
        if hukou.is_home:
            reason = msg("%(level)s enterprise: household registration in %(d)s, so %(d)s takes the file and the "
                         "social insurance", level=_LEVEL_WORDS[level], d=HOME_DISTRICT)
        else:
            reason = msg("%(level)s enterprise: household registration in %(to)s, so the file and the social "
                         "insurance are passed on to %(to)s", level=_LEVEL_WORDS[level], to=archive_to)
    party_to = lives.district if party_member else None
    if party_member:
        reason = msg("%(reason)s; the party membership goes by the usual residence to %(to)s", reason=reason,
                     to=party_to)
    if residence is None:
        reason = msg("%(reason)s (usual residence not given: taken as the household registration)", reason=reason)
    street = hukou.street if hukou.is_home else (lives.street if lives.is_home else None)
    # Only a street of ours serves; for 市属/区属 with the 户籍 elsewhere that is the party relation alone.
    if street is not None and not (archive_to == HOME_DISTRICT or party_to == HOME_DISTRICT):
        street = None
    return Routing(level=level, archive_to=archive_to, social_insurance_to=archive_to,
                   medical_insurance_to=archive_to, party_to=party_to, street=street, reason=reason)
