"""Messages as data: an English text (the Babel msgid) and its parameters, said in the reader's language when shown.

A problem found while reading a sheet, checking a class label or a date is kept as a
:class:`Message`, not as finished Chinese text, so the page, the report and the export
say it in the language of whoever reads it, and a stored message (JSON) can be said again
in another language later.  ``msg("…", name=value)`` marks the text for extraction
(``scripts/i18n.sh`` reads the ``msg`` keyword).  Parameters may be messages themselves
(a column's name, a class's name); they are said in the same language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations
from flask import has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _gettext
from flask_babel import pgettext as _pgettext

__all__ = ["Message", "msg", "pmsg", "render"]


@dataclass(frozen=True)
class Message:
    """``text`` is the English msgid with ``%(name)s`` placeholders; ``params`` fill them."""

    text: str
    params: Mapping[str, Any] = field(default_factory=dict)
    context: str | None = None  # a msgctxt, where one English word has two Chinese ones

    def __str__(self) -> str:
        return render(self)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "params": {k: (v.as_json() if isinstance(v, Message) else v)
                                                             for k, v in self.params.items()}}
        if self.context:
            out["context"] = self.context
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Message:
        params = {k: (cls.from_json(v) if isinstance(v, Mapping) and "text" in v else v)
                  for k, v in dict(data.get("params") or {}).items()}
        return cls(str(data.get("text", "")), params, data.get("context"))


def msg(text: str, **params: Any) -> Message:
    """A message to be said later; ``text`` is extracted for translation."""
    return Message(text, params)


def pmsg(context: str, text: str, **params: Any) -> Message:
    """A message with a context (``pgettext``): the same English word said differently in another place."""
    return Message(text, params, context)


def render(message: Message | str, locale: str | None = None) -> str:
    """The message in the reader's language.

    In a request, the reader's locale; outside one (a command, a job, a unit test), the product's
    default language, Simplified Chinese, from the same catalogue.
    """
    if isinstance(message, str):
        return message
    if locale is not None:
        with force_locale(locale):
            return render(message)
    params = {k: (render(v) if isinstance(v, Message) else str(v)) for k, v in message.params.items()}
    try:
        if has_request_context():
            if message.context:
                return str(_pgettext(message.context, message.text, **params))
            return str(_gettext(message.text, **params))
        catalogue = _default_translations()
        text = str(catalogue.pgettext(message.context, message.text) if message.context
                   else catalogue.gettext(message.text))
        return text % params if params else text
    except (KeyError, ValueError, TypeError):  # a translation whose placeholders do not match: never crash
        return message.text % params if params else message.text


@cache
def _default_translations() -> NullTranslations:
    return Translations.load(str(Path(__file__).parent / "translations"), ["zh_Hans_CN"])
