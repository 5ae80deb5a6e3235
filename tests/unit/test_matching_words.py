"""Every reason matching can give has words, in each console language, with its codes named."""

from __future__ import annotations

import pytest

from chalicelib.domain.candidates import AVAILABILITY
from chalicelib.web import i18n
from chalicelib.web.matching_words import REASONS, SLOTS, criterion_name, reason_text

# Every code domain/matching.py and domain/assignment.py give (pros, cons, blocks, unpaired).
CODES = (
    "same_sector", "shared_languages", "shared_times", "can_help_with", "shared_interests", "digital_support",
    "digital_match", "same_area", "not_recorded", "different_sector", "conversational_only", "few_shared_times",
    "cannot_help_with", "no_shared_interests", "mentor_less_digital", "different_area", "no_shared_language",
    "no_shared_time", "not_ready", "declined_before", "required", "excluded", "partners_taken", "no_possible_partner",
)


def test_every_reason_code_has_its_words_and_every_weekly_time_a_name():
    assert set(CODES) <= set(REASONS)
    assert set(SLOTS) == set(AVAILABILITY)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_reasons_name_their_codes_in_the_reader_s_language(lang):
    text = reason_text("shared_times", {"slots": ["tue_evening", "sat_morning"]}, lang)
    assert i18n.gettext(lang, SLOTS["tue_evening"]) in text and "tue_evening" not in text
    languages = reason_text("shared_languages", {"languages": ["ar", "nl"]}, lang)
    assert i18n.language_name("ar", lang) in languages
    blocked = reason_text("no_possible_partner", {"blocks": ["no_shared_time"], "criteria": []}, lang)
    assert i18n.gettext(lang, REASONS["no_shared_time"]) in blocked
    assert reason_text("required", {"criterion": "sector"}, lang).endswith(criterion_name("sector", lang))


def test_an_unknown_code_or_missing_parameter_never_breaks_a_page():
    assert reason_text("brand_new", {}, "en") == "Another reason (brand_new)"
    assert reason_text("same_sector", {}, "en") == "Same sector"
