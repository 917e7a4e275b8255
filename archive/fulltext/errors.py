"""The search engine's query errors in the user's language.

``search`` is a library without Flask: its :class:`~search.QueryError` messages are
Chinese sentences.  The app recognises each of them here and shows the gettext
message instead, so an English user reads English and a Chinese user reads the
same sentence as before (the zh_CN catalogue translates back to it).  A message
this table does not know is shown as the engine wrote it.
"""

from __future__ import annotations

import logging
import re

from flask_babel import lazy_gettext as _l

__all__ = ["translate_query_error"]

log = logging.getLogger(__name__)

# (pattern of the engine's message, gettext message); named groups become the message's parameters.
_MESSAGES = [
    (r"检索式太长（最多 (?P<max>\d+) 个字）", _l("The query is too long: at most %(max)s characters.")),
    (r"不支持通配符（\* 或 \?），请输入完整的词", _l("Wildcards (* or ?) are not supported: type whole words.")),
    (r"括号不配对：多了一个“\)”", _l("Unbalanced brackets: one “)” too many.")),
    (r"括号不配对：缺少“\)”", _l("Unbalanced brackets: a “)” is missing.")),
    (r"括号嵌套太深", _l("Brackets are nested too deeply.")),
    (r"括号里没有检索词", _l("There is nothing to search for inside the brackets.")),
    (r"请输入检索词", _l("Type something to search for.")),
    (r"(?P<op>AND|OR) 前面缺少检索词", _l("A search word is missing before %(op)s.")),
    (r"(?P<op>AND|OR) 后面缺少检索词", _l("A search word is missing after %(op)s.")),
    (r"(?P<op>\S+) 后面缺少要排除的词", _l("%(op)s must be followed by the word to exclude.")),
    (r"检索词太多（最多 (?P<max>\d+) 个）", _l("Too many search words (at most %(max)s).")),
    (r"(?P<field>\S+): 后面要写检索内容", _l("Write what to search for after %(field)s:")),
    (r"类别请写成 9 或 9-2 这样的类号", _l("Write the class as a class number such as 9 or 9-2.")),
    (r"形成时间请写成 .*", _l("Write the date formed as 1985, 1985-03, 1985-03-12 or 1980..1990.")),
    (r"形成时间“(?P<value>.*)”不是有效日期", _l("The date formed “%(value)s” is not a valid date.")),
    (r"形成时间的起始晚于结束", _l("The date formed range starts after it ends.")),
    (r"NOT 只能排除：.*", _l("NOT only excludes: also write the words to find, e.g. “退休 NOT 病退”.")),
    (r"OR 的每一边都要有要查找的词.*", _l("Each side of OR needs words to find (NOT only excludes, with AND).")),
    (r"检索式里没有可检索的文字", _l("The query has no words that can be searched for.")),
    (r"检索式必须是文字", _l("The query must be text.")),
    (r"只能查看前 (?P<max>\d+) 条结果，请缩小检索范围",
     _l("Only the first %(max)s results can be shown: narrow the search.")),
    (r"分页参数不能为负数", _l("The page number cannot be negative.")),
]
_COMPILED = [(re.compile(pattern), message) for pattern, message in _MESSAGES]


def translate_query_error(message: str) -> str:
    """The engine's message for a query it refused, in the user's language."""
    for pattern, translated in _COMPILED:
        match = pattern.fullmatch(message)
        if match:
            return str(translated) % match.groupdict()
    log.warning("query error without a translation: %s", message)
    return message
