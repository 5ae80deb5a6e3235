"""Marking the English texts of refusals for the translators (standard library only).

``N_("This duo changed meanwhile.")`` returns its text unchanged: it only tells ``make catalogs``
(pybabel extracts ``N_`` from the domain and the services) that a page may show this text, which the
web layer then looks up in the page's language. The JSON API keeps the English text.

A text with a variable part names it: ``N_("Use at most %(count)s characters.", count=500)`` is the
``str`` ``"Use at most 500 characters."`` that remembers its msgid and values (``Text``), so a page
translates the msgid and fills the values in afterwards.
"""

from __future__ import annotations

from typing import Any


class Text(str):
    """An English text built from a msgid and named values; as a ``str`` it is the English text."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, params: dict[str, Any]) -> Text:
        text = super().__new__(cls, msgid % params if params else msgid)
        text.msgid = msgid
        text.params = dict(params)
        return text

    def __reduce__(self) -> tuple[Any, ...]:  # copies and pickles (dataclasses.asdict) keep the msgid
        return (Text, (self.msgid, self.params))

    def replace(self, old: str, new: str, count: int = -1) -> str:  # type: ignore[override]
        """A name put in place of an id in a value (``"<id> is named twice"``) keeps the msgid, if the text agrees."""
        plain = str.replace(self, old, new, count)
        params = {k: v.replace(old, new, count) if isinstance(v, str) else v for k, v in self.params.items()}
        text = Text(self.msgid, params)
        return text if str(text) == plain else plain


def word(message: str) -> Text:
    """A part of a sentence (a step, a status) that fills a ``Text``'s value: the page translates it too."""
    return Text(message, {})


def N_(message: str, **params: Any) -> str:
    """``message`` as it is (or as a ``Text`` filled with ``params``): marked for the catalogues."""
    return Text(message, params) if params else message
