"""Languages of the pages and mails: negotiation, gettext catalogues, dates in the branch's time zone.

The catalogues are compiled from ``locale/*/LC_MESSAGES/messages.po`` by ``make`` (``.mo`` files are
not committed). A missing ``.mo`` is an error, not a silent fallback to English. Babel is imported on
first use: a cold start that serves no page does not pay for it.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from babel import Locale
    from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
LANGUAGES = ("nl", "fr", "en")
_RANGE = re.compile(r"^\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]{1,5}))?\s*$")


class CatalogMissingError(RuntimeError):
    """A language's compiled catalogue is absent: run ``make`` (it compiles the .po files)."""


def negotiate(offered: list[str], requested: str | None, accept_language: str | None) -> str:
    """The page's language: ``?lang=`` if offered, else the best Accept-Language match, else the first offered."""
    if not offered:
        return LANGUAGES[0]
    if requested and requested.strip().lower() in offered:
        return requested.strip().lower()
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept_language or "")[:512].split(",")[:20]):
        match = _RANGE.match(item)
        if not match:
            continue
        try:
            quality = float(match.group(2)) if match.group(2) is not None else 1.0
        except ValueError:
            continue
        if quality > 0:
            ranked.append((-quality, position, match.group(1).lower()))
    for _, _, primary in sorted(ranked):
        if primary in offered:
            return primary
        if primary == "*":
            return offered[0]
    return offered[0]


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> Translations:
    """The compiled gettext catalogue of ``lang`` (cached for the life of the process)."""
    if lang not in LANGUAGES:
        raise ValueError(f"no catalogue for {lang!r}")
    if not (LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file():
        raise CatalogMissingError(f"{LOCALE_DIR}/{lang}/LC_MESSAGES/{DOMAIN}.mo is missing: run `make`")
    from babel.support import Translations

    return Translations.load(str(LOCALE_DIR), [lang], DOMAIN)


def gettext(lang: str, message: str, **params: object) -> str:
    text = translations(lang).gettext(message)
    return text % params if params else text


def refusal(lang: str, text: str) -> str:
    """A refusal's English text (a service's ``message`` or field message) in ``lang``; English if untranslated.

    Texts marked ``N_`` in the domain and services are msgids; a ``Text`` is translated by its msgid and
    filled with its values afterwards. Any other text (already translated, a branch's own words) is kept.
    """
    if not text or lang not in LANGUAGES:
        return text
    catalogue = translations(lang)
    msgid = getattr(text, "msgid", None)
    if msgid is not None:
        try:
            params = {k: refusal(lang, v) if hasattr(v, "msgid") else v
                      for k, v in text.params.items()}  # type: ignore[attr-defined]
            return catalogue.gettext(msgid) % params if params else catalogue.gettext(msgid)
        except (KeyError, TypeError, ValueError):  # a translation that names other values: the English text
            return str(text)
    return catalogue.gettext(str(text))


@lru_cache(maxsize=32)
def locale_for(lang: str, country: str | None = None) -> Locale:
    """``fr_BE`` for a French page of a Belgian branch when CLDR knows it, else ``fr``."""
    from babel import Locale, UnknownLocaleError

    if country:
        try:
            return Locale.parse(f"{lang}_{country}")
        except (UnknownLocaleError, ValueError):
            pass
    return Locale.parse(lang)


def _full_pattern(locale: Locale) -> str:
    glue = locale.datetime_formats["long"]
    return glue.replace("{1}", locale.date_formats["full"].pattern).replace("{0}", locale.time_formats["short"].pattern)


def format_when(moment: datetime, tz: str, lang: str, country: str | None = None) -> str:
    """``mardi 1 décembre 2026, 18:30``: an aware instant, in the branch's time zone and the page's locale."""
    from babel.dates import format_datetime

    locale = locale_for(lang, country)
    return format_datetime(moment, _full_pattern(locale), tzinfo=ZoneInfo(tz), locale=locale)


def format_clock(moment: datetime, tz: str, lang: str, country: str | None = None) -> str:
    """``20:00``: the time of day only, e.g. when a session ends."""
    from babel.dates import format_time

    return format_time(moment, "short", tzinfo=ZoneInfo(tz), locale=locale_for(lang, country))


def language_name(code: str, lang: str) -> str | None:
    """A language's name in ``lang`` from CLDR (``ar`` -> ``Arabisch``, ``arabe``); None if unknown."""
    return locale_for(lang).languages.get(code)


def autonym(lang: str) -> str:
    """A language's name in itself, for the language switch: ``Nederlands``, ``Français``, ``English``."""
    name = locale_for(lang).get_language_name(lang) or lang
    return name[:1].upper() + name[1:]


def country_name(country: str, lang: str) -> str:
    return locale_for(lang).territories.get(country, country)


def join_or(items: list[str], lang: str) -> str:
    """``Nederlands of Engels``: a list joined the way ``lang`` says "or"."""
    from babel.lists import format_list

    return format_list(items, style="or", locale=lang)
