"""Every user-facing string is translated into Simplified Chinese, and the compiled catalogue is current."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "archive" / "translations" / "zh_Hans_CN" / "LC_MESSAGES"
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "msg": None,
            "pgettext": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2), "pmsg": ((1, "c"), 2)}


def _source_ids() -> set[str]:
    """Every msgid of the source; a message with a context is ``context|msgid`` (it is translated apart)."""
    ids = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(
        ROOT / "archive", METHODS, keywords=KEYWORDS, options_map={"templates/**.html": {}}
    ):
        text = message if isinstance(message, str) else message[0]
        ids.add(f"{context}|{text}" if context else text)
    return ids


def _key(message_id: object) -> str:
    """The singular msgid of a message (ngettext messages have a (singular, plural) id)."""
    return message_id if isinstance(message_id, str) else str(list(message_id)[0])


def _value(string: object) -> tuple[str, ...]:
    return (string,) if isinstance(string, str) else tuple(string)


def test_every_source_string_has_a_chinese_translation():
    with (CATALOGUE / "messages.po").open("rb") as fh:
        catalogue = read_po(fh)
    translated = {(f"{m.context}|{_key(m.id)}" if m.context else _key(m.id))
                  for m in catalogue if m.id and all(_value(m.string)) and not m.fuzzy}
    missing = sorted(_source_ids() - translated)
    assert missing == [], f"run scripts/i18n.sh and translate: {missing}"


def test_compiled_catalogue_matches_po():
    with (CATALOGUE / "messages.po").open("rb") as fh:
        po = {_key(m.id): _value(m.string) for m in read_po(fh) if m.id}
    with (CATALOGUE / "messages.mo").open("rb") as fh:
        mo = {_key(m.id): _value(m.string) for m in read_mo(fh) if m.id}
    assert po == mo, "run scripts/i18n.sh to recompile messages.mo"
