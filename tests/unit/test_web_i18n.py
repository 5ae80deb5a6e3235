"""The web layer's languages: negotiation, complete and current catalogues, templates in every language,
dates in the branch's time zone, and the form's field mapping. No AWS, no Chalice."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from chalicelib.domain import candidates as vocabulary
from chalicelib.domain.branches import Branch
from chalicelib.domain.eligibility import Refusal
from chalicelib.domain.sessions import InfoSession
from chalicelib.web import forms, i18n, labels, pages
from chalicelib.web.mail import MAILS, render_mail

WEB = Path(i18n.__file__).parent
PLACEHOLDER = re.compile(r"%\(\w+\)s")
LIEGE = Branch(id="liege", name="Liège", country="BE", time_zone="Europe/Brussels", languages=["fr"])
ROTTERDAM = Branch(id="rotterdam", name="Rotterdam", country="NL", time_zone="Europe/Amsterdam", languages=["nl", "en"])
SESSION = InfoSession(
    id="s1", branch="liege", starts_at=datetime(2026, 12, 1, 17, 30, tzinfo=UTC), duration_minutes=90,
    format="in_person", language="fr", audience="both", capacity=10, address="Rue Léopold 1", seats_taken=9,
)


def _catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _ids(catalog) -> set:
    return {m.id for m in catalog if m.id}


# --- Negotiation -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("offered", "requested", "accept", "expected"), [
    (["nl", "en"], None, None, "nl"),
    (["nl", "en"], "en", "nl", "en"),  # the page's link wins
    (["nl", "en"], "fr", None, "nl"),  # not offered: ignored
    (["nl", "en"], "EN ", None, "en"),
    (["nl", "en"], None, "en-GB,en;q=0.9,nl;q=0.8", "en"),
    (["nl", "en"], None, "fr-BE,fr;q=0.9,nl;q=0.5,en;q=0.4", "nl"),  # the best offered one
    (["nl", "en"], None, "nl;q=0.2,en;q=0.8", "en"),  # quality, not order
    (["nl", "en"], None, "en;q=0,nl", "nl"),  # q=0 means "not this"
    (["fr"], None, "nl-BE", "fr"),
    (["fr", "nl"], None, "*", "fr"),
    (["fr", "nl"], None, "garbage;;q=x,,,", "fr"),
    (["fr", "nl"], None, "x" * 5000, "fr"),
])
def test_negotiate(offered, requested, accept, expected):
    assert i18n.negotiate(offered, requested, accept) == expected


# --- Catalogues ------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_every_message_is_translated_with_its_placeholders_and_nothing_fuzzy(lang):
    template = _catalog(WEB / "messages.pot")
    catalog = _catalog(WEB / "locale" / lang / "LC_MESSAGES" / "messages.po")
    assert _ids(template) <= _ids(catalog), "run `make catalogs` and translate the new texts"
    for message in template:
        if not message.id:
            continue
        entry = catalog[message.id]
        assert "fuzzy" not in entry.flags, entry.id
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [entry.string] if isinstance(entry.string, str) else list(entry.string)
        assert all(strings), f"{lang}: not translated: {message.id!r}"
        wanted = sorted(set(PLACEHOLDER.findall(" ".join(ids))))
        for string in strings:
            assert sorted(set(PLACEHOLDER.findall(string))) == wanted, f"{lang}: placeholders of {message.id!r}"


def test_the_template_catalogue_is_up_to_date_with_the_sources():
    with (WEB / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = set()
    # as `make catalogs`: the web layer, and the refusals (N_) of the domain, the services and the API layer
    sources = [extract_from_dir(str(WEB), method_map, options_map)]
    sources += [extract_from_dir(str(WEB.parent / name), method_map, options_map)
                for name in ("domain", "services", "api")]
    for source in sources:
        for _file, _line, message, _comments, _context in source:
            found.add(message if isinstance(message, str) else tuple(message))
    assert found == _ids(_catalog(WEB / "messages.pot")), "run `make catalogs`"


def test_compiled_catalogues_are_present():
    for lang in i18n.LANGUAGES:
        assert i18n.translations(lang) is not None
    assert i18n.gettext("fr", "Yes") == "Oui" and i18n.gettext("nl", "Yes") == "Ja"


def test_every_code_of_the_vocabulary_has_a_label():
    assert set(labels.LEVEL_LABELS) == set(vocabulary.LANGUAGE_LEVELS)
    assert set(labels.LOOKING_FOR_LABELS) == set(vocabulary.LOOKING_FOR)
    assert set(labels.SECTOR_LABELS) == set(vocabulary.SECTORS)
    assert set(labels.EDUCATION_LABELS) == set(vocabulary.EDUCATION_LEVELS)
    assert set(labels.HEARD_FROM_LABELS) == set(vocabulary.HEARD_FROM)
    for lang in i18n.LANGUAGES:
        for code in vocabulary.SPOKEN_LANGUAGES:
            assert labels.spoken_language(code, lang) != code, (lang, code)


# --- Dates, refusals -------------------------------------------------------------------------------
def test_dates_show_in_the_branch_time_zone_and_the_page_locale():
    moment = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)
    assert i18n.format_when(moment, "Europe/Brussels", "fr", "BE") == "mardi 1 décembre 2026, 18:30"
    assert i18n.format_when(moment, "Europe/Brussels", "nl", "BE") == "dinsdag 1 december 2026, 18:30"
    assert i18n.format_when(moment, "Europe/Amsterdam", "en", "NL") == "Tuesday, 1 December 2026, 18:30"
    summer = datetime(2027, 7, 1, 16, 0, tzinfo=UTC)
    assert i18n.format_when(summer, "Europe/Paris", "fr", "FR").endswith("18:00")  # summer time


def test_refusals_say_the_rule_in_the_candidates_language():
    age = Refusal("age", {"min": 18, "max": 33})
    assert labels.refusal_message(age, "mentee", LIEGE, "fr") == "Ce programme s'adresse aux jeunes de 18 à 33 ans."
    assert labels.refusal_message(age, "mentee", ROTTERDAM, "en") == "This programme is for young people aged 18 to 33."
    mentor = Refusal("age", {"min": 50, "max": None})
    assert labels.refusal_message(mentor, "mentor", ROTTERDAM, "nl") == "Onze mentoren zijn 50 jaar of ouder."
    languages = Refusal("languages", {"any": ["nl", "en"]})
    assert "Nederlands of Engels" in labels.refusal_message(languages, "mentee", ROTTERDAM, "nl")
    assert "néerlandais ou anglais" in labels.refusal_message(languages, "mentee", LIEGE, "fr")
    permit = labels.refusal_message(Refusal("work_permit"), "mentee", ROTTERDAM, "nl")
    assert permit == "Om deel te nemen, moet je in Nederland mogen werken."


# --- Templates -------------------------------------------------------------------------------------
def _signup_context(**overrides):
    context = dict(
        role=None, role_fixed=False, switch_query="?", sessions=[SESSION], values={}, errors={},
        form_token="t" * 32, spoken_languages=vocabulary.SPOKEN_LANGUAGES, levels=vocabulary.LANGUAGE_LEVELS,
        looking_for=vocabulary.LOOKING_FOR, sectors=vocabulary.SECTORS, max_sectors=3,
        education_levels=vocabulary.EDUCATION_LEVELS, heard_from=vocabulary.HEARD_FROM, privacy_url="",
        retention_months=24, country="Belgique",
    )
    return {**context, **overrides}


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_page_renders_in_every_language(lang):
    branch = ROTTERDAM
    html = pages.render("signup.html", lang, branch=branch, **_signup_context())
    assert f'<html lang="{lang}">' in html and 'name="form_token"' in html
    view = type("View", (), {"candidate_name": "Amal", "status": "registered", "session": SESSION})
    others = dict(other_sessions=[SESSION], token="t", notice="", errors={}, values={}, signup_url="../signup")
    outputs = [
        pages.render("confirmation.html", lang, branch=branch, switch_query="?", name="Amal", session=SESSION),
        pages.render("not_eligible.html", lang, branch=branch, switch_query="?", reasons=["r"], elsewhere="",
                     back_url="?"),
        pages.render("closed.html", lang, branch=branch, switch_query="?"),
        pages.render("manage.html", lang, branch=branch, switch_query="?", registration=view, **others),
        *[pages.render("message.html", lang, branch=None, switch_query="?", kind=kind)
          for kind in ("not_found", "bad_link", "cancelled", "error")],
    ]
    for page in outputs:
        assert page.startswith("<!doctype html>") and f'lang="{lang}"' in page and "<script" not in page


def test_pages_in_dutch_and_french_hold_no_english_sentences():
    for lang, branch in (("nl", ROTTERDAM), ("fr", LIEGE)):
        html = pages.render("signup.html", lang, branch=branch, **_signup_context())
        for english in ("Sign up", "Date of birth", "Please", "seats left", "Choose", "Who are you"):
            assert english not in html, (lang, english)


def test_html_in_a_name_is_escaped_on_pages_and_kept_as_text_in_mails():
    name = '<script>alert("x")</script>'
    html = pages.render("confirmation.html", "fr", branch=LIEGE, switch_query="?", name=name, session=SESSION)
    assert "<script>" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    form = pages.render("signup.html", "fr", branch=LIEGE, **_signup_context(values={"city": '"><img src=x>'}))
    assert 'value="&#34;&gt;&lt;img src=x&gt;"' in form
    _, text = render_mail("confirmation", "fr", branch=LIEGE, name=name, session=SESSION, manage_url="u")
    assert f"Bonjour {name}," in text  # plain text: shown as typed, nothing interpreted


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_mail_renders_in_every_language(lang):
    context = dict(branch=LIEGE, name="Amal", session=SESSION, manage_url="https://x/manage?token=t",
                   next_sessions=[SESSION], signup_url="https://x/signup")
    duo = dict(other_name="Noor", when="mardi 1 décembre 2026, 18:30", link_url="https://x/links/t", days=14,
               duo_url="https://x/duo")  # the duo mails' own ("when" is a text there, not the session helper)
    for mail in MAILS:
        linked = mail.startswith(("duo_", "privacy_"))
        subject, text = render_mail(mail, lang, **({**context, **duo} if linked else context))
        assert subject and "\n" not in subject and len(subject) < 120
        assert "Liège" in text, mail
        if linked:  # a duo or privacy mail carries a personal link (or the duo's page), not a session
            assert duo["link_url"] in text or duo["duo_url"] in text, mail
            continue
        assert "Amal" in text, mail
        assert "Rue Léopold 1" in text and ("18:30" in text or "6:30" in text), mail
    assert "mardi 1 décembre 2026" in render_mail("reminder", "fr", **context)[1]
    nothing = render_mail("already_registered", lang, **{**context, "session": None})[1]
    assert "https://x/manage?token=t" in nothing


def test_a_subject_stays_one_line_whatever_the_branch_name():
    branch = Branch(id="x", name="Evil\r\nBcc: all@example.org", country="BE", time_zone="Europe/Brussels",
                    languages=["fr"])
    subject, _ = render_mail("confirmation", "fr", branch=branch, name="A", session=SESSION, manage_url="u")
    assert "\n" not in subject and "\r" not in subject


# --- The form's fields -----------------------------------------------------------------------------
def test_error_locations_map_to_form_fields():
    assert forms.field_of(("mentee", "birth_date"), [1]) == "birth_date"
    assert forms.field_of(("mentor", "languages", 1, "level"), [1, 3]) == "level_3"
    assert forms.field_of(("mentee", "languages", 0, "code"), [2]) == "language_2"
    assert forms.field_of(("mentee", "languages"), []) == "language_1"
    assert forms.field_of((), []) == "role"
    assert forms.field_of(("mentee", "colour"), []) == "form"
    assert forms.field_of(("languages.1.level",), [1, 2]) == "level_2"


def test_the_form_becomes_the_contracts_body():
    values = {"role": "mentor", "name": "Jan", "language_1": "nl", "level_1": "native", "language_2": "nl",
              "level_2": "basic", "language_3": "en", "level_3": "", "available_six_months": "yes",
              "sectors": ["it"], "consent": "yes", "work_permit": "yes", "migration_background": "no"}
    body, slots = forms.to_body(values, "mentor", "nl")
    assert body["languages"] == [{"code": "nl", "level": "native"}, {"code": "en", "level": ""}]
    assert slots == [1, 3]
    assert body["available_six_months"] is True and body["consent"] is True and body["sectors"] == ["it"]
    assert "work_permit" not in body and "migration_background" not in body  # not the mentor's fields
    assert forms.precheck(values, 200, "en") == {"language_2": "You chose this language already."}


@pytest.mark.parametrize("raw", [b"name=%FF", b"a=" + b"&a=" * 300, b"\xff\xfe"])
def test_unreadable_forms_are_refused(raw):
    with pytest.raises(forms.FormError):
        forms.parse(raw, 65536)


def test_oversized_forms_are_refused():
    with pytest.raises(forms.FormError) as error:
        forms.parse(b"x" * 11, 10)
    assert error.value.message == forms.TOO_LARGE
