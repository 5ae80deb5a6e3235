"""Marked refusal texts: English as they are (JSON), in the page's language through ``i18n.refusal``."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from chalicelib.api.routing import _validation_error
from chalicelib.api.schemas import MatchingSettings
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.texts import N_, Text, word
from chalicelib.web import i18n


def test_a_marked_text_is_its_english_text():
    assert N_("This duo is closed.") == "This duo is closed." and type(N_("This duo is closed.")) is str
    text = N_("Use at most %(count)s characters.", count=200)
    assert isinstance(text, Text) and text == "Use at most 200 characters."
    assert json.dumps({"note": text}) == '{"note": "Use at most 200 characters."}'
    assert ConflictError(text).message == "Use at most 200 characters."


def test_a_refusal_is_looked_up_in_the_page_language():
    assert i18n.refusal("nl", "This duo is closed.") == "Dit duo is afgesloten."
    assert i18n.refusal("fr", "This duo is closed.") == "Ce duo est clôturé."
    assert i18n.refusal("en", "This duo is closed.") == "This duo is closed."


def test_the_values_are_filled_in_after_translating_and_marked_words_translated_too():
    assert i18n.refusal("fr", N_("Use at most %(count)s characters.", count=200)) == "Utilisez au plus 200 caractères."
    side = N_("The %(side)s has answered already.", side=word("mentee"))
    assert side == "The mentee has answered already."
    assert i18n.refusal("fr", side) == "Le mentoré a déjà répondu."


def test_an_unknown_text_is_shown_as_it_is():
    assert i18n.refusal("nl", "Something nobody marked.") == "Something nobody marked."
    assert i18n.refusal("nl", "") == ""
    assert i18n.refusal("nl", N_("No msgid like this %(x)s.", x=1)) == "No msgid like this 1."


def test_a_name_put_in_place_of_an_id_keeps_the_text_translatable():
    text = N_("%(person)s is named twice", person="c-123").replace("c-123", "Amal")
    assert text == "Amal is named twice" and i18n.refusal("nl", text) == "Amal staat er twee keer in"
    assert N_("Use at most %(count)s characters.", count=5).replace("Use", "Write") == "Write at most 5 characters."


def test_a_validator_s_message_with_a_value_keeps_its_msgid_through_pydantic():
    with pytest.raises(ValidationError) as raised:
        MatchingSettings.model_validate({"weights": {"languages": 99}})
    fields = _validation_error(raised.value).fields
    message = next(iter(fields.values()))
    assert message == "Give a number from 0 to 10."  # the JSON API's English, as before
    assert i18n.refusal("nl", message) == "Geef een getal van 0 tot 10."
    assert i18n.refusal("fr", message) == "Indiquez un nombre de 0 à 10."
