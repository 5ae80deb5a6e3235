"""What the pages show for the vocabulary codes of ``domain/candidates.py`` and for eligibility refusals.

The English texts here are msgids: ``_`` only marks them for extraction; they are translated when a
page or a mail is rendered. Language names come from CLDR (Babel) in the page's language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.web import i18n

if TYPE_CHECKING:
    from chalicelib.domain.branches import Branch
    from chalicelib.domain.eligibility import Refusal


def _(message: str) -> str:
    return message


ROLE_LABELS = {
    "mentee": _("I am looking for a job, a training or an internship (mentee)"),
    "mentor": _("I am 50 or older and want to coach a young person (mentor)"),
}
LEVEL_LABELS = {
    "basic": _("Basic"),
    "conversational": _("Conversational"),
    "fluent": _("Fluent"),
    "native": _("Native language"),
}
LOOKING_FOR_LABELS = {
    "job": _("A job"),
    "training": _("A training or a study"),
    "internship": _("An internship"),
}
SECTOR_LABELS = {
    "administration": _("Administration and office work"),
    "construction": _("Construction"),
    "care": _("Care and social work"),
    "cleaning": _("Cleaning"),
    "culture": _("Culture, media and arts"),
    "education": _("Education"),
    "engineering": _("Engineering and technology"),
    "finance": _("Finance and accounting"),
    "hospitality": _("Hotels, restaurants and catering"),
    "healthcare": _("Healthcare"),
    "industry": _("Industry and production"),
    "it": _("IT and digital"),
    "logistics": _("Logistics"),
    "retail": _("Shops and retail"),
    "sales": _("Sales and marketing"),
    "transport": _("Transport"),
    "other": _("Another sector"),
}
EDUCATION_LABELS = {
    "primary": _("Primary school or less"),
    "secondary": _("Secondary school"),
    "vocational": _("Vocational training"),
    "bachelor": _("Bachelor's degree"),
    "master_or_higher": _("Master's degree or higher"),
}
HEARD_FROM_LABELS = {
    "website": _("Our website"),
    "social_media": _("Social media"),
    "friend_or_family": _("A friend or a family member"),
    "job_centre": _("A public employment service"),
    "organisation": _("Another organisation"),
    "mentor": _("Through a mentor"),
    "event": _("An event"),
    "other": _("Another way"),
}
FORMAT_LABELS = {"in_person": _("In person"), "online": _("Online")}
AUDIENCE_LABELS = {
    "mentees": _("For mentees"),
    "mentors": _("For mentors"),
    "both": _("For mentees and mentors"),
}
# Spoken languages that CLDR does not name, or that are not a language.
EXTRA_LANGUAGE_LABELS = {"ber": _("Berber (Tamazight)"), "other": _("Another language")}


def label(labels: dict[str, str], code: str, lang: str) -> str:
    """The translated label of ``code`` (the code itself if it has none: never an error on a page)."""
    return i18n.gettext(lang, labels[code]) if code in labels else code


def spoken_language(code: str, lang: str, *, capital: bool = False) -> str:
    """``Arabisch`` / ``arabe``: CLDR's name in ``lang`` (as in a sentence; ``capital`` for a list)."""
    if code in EXTRA_LANGUAGE_LABELS:
        return i18n.gettext(lang, EXTRA_LANGUAGE_LABELS[code])
    name = i18n.language_name(code, lang) or code
    return name[:1].upper() + name[1:] if capital else name


def refusal_message(refusal: Refusal, role: str, branch: Branch, lang: str) -> str:
    """A kind sentence that says which rule of the branch the candidate does not meet."""
    p = refusal.params
    if refusal.rule == "age":
        low, high = p.get("min"), p.get("max")
        if low is not None and high is not None:
            msgid = (_("This programme is for young people aged %(min)s to %(max)s.") if role == "mentee"
                     else _("Our mentors are between %(min)s and %(max)s years old."))
        elif low is not None:
            msgid = (_("Our mentors are %(min)s years old or older.") if role == "mentor"
                     else _("This programme is for people aged %(min)s or older."))
        else:
            msgid = _("This programme is for people up to %(max)s years old.")
        return i18n.gettext(lang, msgid, min=low, max=high)
    if refusal.rule == "work_permit":
        country = i18n.country_name(branch.country, lang)
        return i18n.gettext(lang, _("To take part, you need to be allowed to work in %(country)s."), country=country)
    if refusal.rule == "migration_background":
        return i18n.gettext(lang, _("This programme is for young people with a migration background from "
                                    "outside the European Union."))
    if refusal.rule == "languages":
        names = i18n.join_or([spoken_language(code, lang) for code in p.get("any", [])], lang)
        return i18n.gettext(lang, _("To take part here, you need to speak %(languages)s at least at a "
                                    "conversational level."), languages=names)
    if refusal.rule == "six_months":
        return i18n.gettext(lang, _("Mentors commit to a duo for six months. You are welcome to sign up "
                                    "when you have that time."))
    return i18n.gettext(lang, _("You do not meet one of the conditions of this programme."))


def elsewhere(branch: Branch, lang: str) -> str:
    """Where else to turn, as the branch configured it in this language ("" when it did not)."""
    texts = branch.effective_config().get("signup", {}).get("elsewhere") or {}
    return (texts.get(lang) or "").strip()
