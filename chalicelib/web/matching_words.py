"""Matching's reasons in plain words, in the reader's language: "Same sector: logistics", "Both speak Arabic",
"Both free Tuesday evening", "The mentor can help with interview practice".

The domain gives each reason as a code with codes for parameters (``domain.matching.Reason``); this module
puts both into words with the console's catalogues (sector, language, slot, help-need and interest names),
for the console's pages and the JSON API alike.
"""

from __future__ import annotations

from typing import Any

from chalicelib.web import console_labels, console_labels_matching, console_labels_people, i18n, labels


def _(message: str) -> str:
    return message


# Why a pair scores (pros and cons) and why a pair is not possible (blocks); why a person is left unpaired.
REASONS = {
    "same_sector": _("Same sector: %(sectors)s"),
    "different_sector": _("No sector in common (mentee: %(mentee)s; mentor: %(mentor)s)"),
    "shared_languages": _("Both speak %(languages)s"),
    "conversational_only": _("Only a conversational level in common: %(languages)s"),
    "shared_times": _("Both free %(slots)s"),
    "few_shared_times": _("Few weekly times in common"),
    "can_help_with": _("The mentor can help with %(needs)s"),
    "cannot_help_with": _("The mentee needs help with %(needs)s, which the mentor did not offer"),
    "shared_interests": _("Both like %(interests)s"),
    "no_shared_interests": _("No interests in common"),
    "digital_support": _("The mentor's digital skills (%(mentor)s) can help the mentee's (%(mentee)s)"),
    "digital_match": _("Same digital skills: %(level)s"),
    "mentor_less_digital": _("The mentor's digital skills (%(mentor)s) are below the mentee's (%(mentee)s)"),
    "same_area": _("Live near each other (postcode %(area)s…)"),
    "different_area": _("Live in different areas (postcodes %(mentee)s… and %(mentor)s…)"),
    "not_recorded": _("Not recorded for one of them"),
    "not_ready": _("Not ready to be paired (%(role)s)"),
    "declined_before": _("They said no to each other before"),
    "no_shared_language": _("No language in common at a working level"),
    "no_shared_time": _("No weekly time in common"),
    "required": _("The branch requires: %(criterion)s"),
    "excluded": _("Left out of this proposal"),
    "no_possible_partner": _("No possible partner: %(blocks)s"),
    "partners_taken": _("Every possible partner is paired with someone else in this proposal"),
}
_UNKNOWN = _("Another reason (%(code)s)")


# A weekly time as one phrase (Dutch writes "dinsdagavond", French "mardi soir").
SLOTS = {
    "mon_morning": _("Monday morning"), "mon_afternoon": _("Monday afternoon"), "mon_evening": _("Monday evening"),
    "tue_morning": _("Tuesday morning"), "tue_afternoon": _("Tuesday afternoon"), "tue_evening": _("Tuesday evening"),
    "wed_morning": _("Wednesday morning"), "wed_afternoon": _("Wednesday afternoon"),
    "wed_evening": _("Wednesday evening"), "thu_morning": _("Thursday morning"),
    "thu_afternoon": _("Thursday afternoon"), "thu_evening": _("Thursday evening"),
    "fri_morning": _("Friday morning"), "fri_afternoon": _("Friday afternoon"), "fri_evening": _("Friday evening"),
    "sat_morning": _("Saturday morning"), "sat_afternoon": _("Saturday afternoon"),
    "sat_evening": _("Saturday evening"), "sun_morning": _("Sunday morning"),
    "sun_afternoon": _("Sunday afternoon"), "sun_evening": _("Sunday evening"),
}


def _language(code: str, lang: str) -> str:
    return i18n.language_name(code, lang) or code


def _label(table: dict[str, str]):  # type: ignore[no-untyped-def]
    return lambda code, lang: i18n.gettext(lang, table[code]) if code in table else code.replace("_", " ")


# How each parameter's codes are named; a parameter not listed is shown as it is.
_NAMERS = {
    "sectors": _label(labels.SECTOR_LABELS),
    "languages": _language,
    "slots": _label(SLOTS),
    "needs": _label(console_labels.HELP_NEED_LABELS),
    "interests": _label(console_labels_people.INTERESTS),
    "level": _label(console_labels_people.DIGITAL_LEVELS),
    "role": _label(console_labels_people.ROLE),
    "criterion": _label(console_labels_matching.CRITERIA),
    "blocks": lambda code, lang: reason_text(code, {}, lang),
}


def _join(items: list[str], lang: str) -> str:
    from babel.lists import format_list

    return format_list(items, locale=lang) if items else ""


def _words(name: str, value: Any, lang: str, reason_code: str) -> str:
    if name in ("mentee", "mentor"):
        name = "sectors" if reason_code == "different_sector" else "level" if "digital" in reason_code else "raw"
    namer = _NAMERS.get(name)
    values = value if isinstance(value, list | tuple) else [value]
    words = [namer(str(v), lang) if namer else str(v) for v in values]
    return _join(words, lang) if isinstance(value, list | tuple) else (words[0] if words else "")


def reason_text(code: str, params: dict[str, Any], lang: str) -> str:
    """A reason in ``lang``; parameters missing from the message's needs are left out safely."""
    message = REASONS.get(code)
    if message is None:
        return i18n.gettext(lang, _UNKNOWN, code=code)
    values = {name: _words(name, value, lang, code) for name, value in params.items()}
    template = i18n.gettext(lang, message)
    try:
        return template % values
    except (KeyError, TypeError, ValueError):
        return template.split("%(")[0].rstrip(" :(")


def criterion_name(code: str, lang: str) -> str:
    return _NAMERS["criterion"](code, lang)
