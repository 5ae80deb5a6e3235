"""The records of processing cannot drift from the code: every attribute of every item class and every key of
the intake record is classified once in chalicelib/domain/privacy.py, docs/privacy.md is what that module
renders, and the classification keeps its promises (personal values have a legal basis, erasure removes a
candidate's identity, contact and special-category values, the head office sees no person, the periods the
document states are the store's own)."""

from __future__ import annotations

import inspect
from collections import Counter
from dataclasses import fields
from pathlib import Path

from chalicelib.domain import privacy
from chalicelib.domain.branches import COUNTRIES, default_config
from chalicelib.domain.intake import Intake

ROOT = Path(__file__).resolve().parents[2]


def _item_classes() -> dict[str, type]:
    from chalicelib.store import models

    return {name: cls for name, cls in vars(models).items()
            if inspect.isclass(cls) and issubclass(cls, models.TableItem) and cls is not models.TableItem}


def _attributes() -> set[tuple[str, str]]:
    found = {(name, attribute) for name, cls in _item_classes().items() for attribute in cls.get_attributes()}
    return found | {("Intake", f.name) for f in fields(Intake)}


def test_every_attribute_of_every_item_class_and_of_the_intake_has_exactly_one_record():
    recorded = Counter((r.model, r.attribute) for r in privacy.RECORDS)
    missing = sorted(_attributes() - set(recorded))
    assert not missing, (
        "new fields without a record of processing: " + ", ".join(f"{m}.{a}" for m, a in missing)
        + ". Classify each in chalicelib/domain/privacy.py (RECORDS: category, personal, purpose, legal basis, "
          "retention, who sees it, what erasure does), then run make privacy-doc.")
    twice = sorted(key for key, n in recorded.items() if n > 1)
    assert not twice, f"fields recorded more than once in chalicelib/domain/privacy.py: {twice}"


def test_no_record_names_a_field_that_does_not_exist():
    stale = sorted({(r.model, r.attribute) for r in privacy.RECORDS} - _attributes())
    assert not stale, (
        "records of processing for fields the code no longer has: " + ", ".join(f"{m}.{a}" for m, a in stale)
        + ". Remove them from chalicelib/domain/privacy.py, then run make privacy-doc.")


def test_docs_privacy_md_is_the_rendered_registry():
    doc = ROOT / "docs" / "privacy.md"
    assert doc.exists() and doc.read_text(encoding="utf-8") == privacy.render_markdown(), (
        "docs/privacy.md differs from chalicelib/domain/privacy.py: run make privacy-doc")


def test_every_record_uses_the_registrys_own_words():
    for r in privacy.RECORDS:
        where = f"{r.model}.{r.attribute}"
        assert r.category in privacy.CATEGORIES, where
        assert r.erased in privacy.ERASURE, where
        assert r.retention in privacy.RETENTION, where
        assert set(r.seen_by) <= set(privacy.ROLES), where
        assert r.purpose.strip(), where
        if r.personal:
            assert r.basis in privacy.BASES, f"{where}: a personal value needs a legal basis"
        else:
            assert r.basis == "", f"{where}: not personal, no legal basis to state"


def test_erasure_deletes_a_candidates_identity_contact_and_special_category_values():
    for r in privacy.RECORDS:
        if r.model in ("CandidateItem", "Intake") and r.category in ("identity", "contact", "special", "free_text"):
            assert r.erased == "deleted", f"{r.model}.{r.attribute} must be deleted by erasure"
        if r.personal and r.category in ("identity", "contact", "special"):
            assert r.erased in ("deleted", "blanked"), f"{r.model}.{r.attribute} would survive erasure"


def test_a_personal_value_kept_after_erasure_says_why():
    for r in privacy.RECORDS:
        if r.personal and r.erased == "kept":
            assert r.note, f"{r.model}.{r.attribute} is kept after erasure: say why in its note"


def test_the_head_office_never_sees_a_person():
    seen = [f"{r.model}.{r.attribute}" for r in privacy.RECORDS if r.personal and "head_office" in r.seen_by]
    assert not seen


def test_what_is_never_stored_is_no_attribute():
    names = {attribute for _, attribute in _attributes()}
    assert not set(privacy.NEVER_STORED) & names


def test_the_retention_periods_stated_are_the_codes_own():
    from chalicelib.services.duos import LINK_VALIDITY
    from chalicelib.store.aggregates import MARKERS_KEPT
    from chalicelib.store.candidates import IDEMPOTENCY_FOR
    from chalicelib.store.links import KEEP_AFTER_EXPIRY
    from chalicelib.store.matching import KEEP_PROPOSALS

    assert privacy.LINK_KEPT_AFTER_EXPIRY == KEEP_AFTER_EXPIRY
    assert privacy.PROPOSALS_KEPT == KEEP_PROPOSALS
    assert privacy.MARKERS_KEPT == MARKERS_KEPT
    assert privacy.IDEMPOTENCY_KEPT == IDEMPOTENCY_FOR
    for purpose, valid_for in LINK_VALIDITY.items():
        assert privacy.LINK_VALIDITY[purpose] == f"{valid_for.days} days", purpose
    for country in COUNTRIES:
        retention = default_config(country)["retention"]
        assert (retention["candidate_months"], retention["after_outcome_months"]) == (
            privacy.CANDIDATE_MONTHS, privacy.AFTER_OUTCOME_MONTHS)


def test_the_personal_fields_masked_in_logs_cover_every_personal_value():
    for r in privacy.RECORDS:
        if r.personal and r.category in ("identity", "contact", "special", "free_text"):
            assert r.attribute in privacy.PERSONAL_FIELDS or r.attribute in privacy.KEY_ATTRIBUTES, r
    assert {"name", "email", "phone", "notes", "q"} <= privacy.PERSONAL_FIELDS


def test_each_right_is_served_by_routes_the_app_has():
    import app  # noqa: F401  (registers every route)
    from chalicelib.api.route_table import load_all

    declared = {(s.method, s.path) for s in load_all()}
    for right in privacy.RIGHTS:
        assert right.routes, right.name
        missing = [f"{m} {p}" for m, p in right.routes if (m, p) not in declared]
        assert not missing, f"{right.name}: no such route {missing} (fix RIGHTS in chalicelib/domain/privacy.py)"


def test_masked_erases_personal_values_at_any_depth_and_keeps_the_rest():
    from chalicelib.observability import masked

    context = {"params": {"branch": "ghent", "candidate_id": "c-1"},
               "query": {"q": "Amal Benali", "limit": "20"},
               "body": {"name": "Amal", "email": "amal@example.org", "version": 3,
                        "intake": {"notes": "shy"}, "goals": [{"title": "CV", "status": "open"}],
                        "rows": [{"phone": "+32 470 12 34 56", "role": "mentee"}]}}
    out = masked(context)
    text = repr(out)
    for value in ("Amal", "amal@example.org", "shy", "CV", "470"):
        assert value not in text, value
    assert out["params"] == {"branch": "ghent", "candidate_id": "c-1"}
    assert out["query"]["limit"] == "20" and out["body"]["version"] == 3 and out["body"]["rows"][0]["role"] == "mentee"
    assert context["body"]["name"] == "Amal"  # the caller's object is left as it was
    assert masked({"kind": "people"}) == {"kind": "people"} and masked(None) is None


def test_importing_the_app_loads_neither_the_masking_utility_nor_its_parser():
    import json
    import os
    import subprocess
    import sys

    lazy = ("aws_lambda_powertools.utilities.data_masking", "jsonpath_ng")
    code = f"import json, sys, app; print(json.dumps([m for m in {lazy!r} if m in sys.modules]))"
    env = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "true"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def _seen_by_person(model: str) -> set[str]:
    return {r.attribute for r in privacy.RECORDS if r.model == model and "person" in r.seen_by}


def test_what_the_person_sees_is_what_their_copy_gives_them():
    from chalicelib.domain.candidates import Candidate, CandidateRole, CandidateStatus, SpokenLanguage
    from chalicelib.domain.duos import Duo
    from chalicelib.domain.events import Event
    from chalicelib.services import personal_data

    person = Candidate("c-1", "ghent", CandidateRole.MENTEE, CandidateStatus.READY, "A", "a@example.org", "1",
                       "2000-01-01", "9000", "Gent", [SpokenLanguage("nl", "native")], "website", "nl", "1", "nl",
                       "2026-01-01T00:00:00Z", "s-1", "2026-01-01T00:00:00Z", intake=Intake().to_dict())
    copy = personal_data._person(person)
    assert {"candidate_id" if k == "id" else k for k in copy} == _seen_by_person("CandidateItem")
    assert set(copy["intake"]) == _seen_by_person("Intake")
    duo = Duo("d-1", "ghent", "c-1", "c-2", "A", "B", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z",
              outcome={"situation": "job"})
    renamed = {"id": "duo_id", "answer": "answers", "meetings": "meeting_count", "evaluation": "evaluations"}
    duo_copy = personal_data._export_duo(duo, "c-1")
    assert {renamed.get(k, k) for k in duo_copy} - {"as"} == _seen_by_person("DuoItem")
    event = Event("candidate.attended", "candidate", "c-1", "candidate", "2026-01-01T00:00:00Z")
    assert {"actor" if k == "by" else k for k in personal_data._export_event(event)} == _seen_by_person("EventItem")


def test_what_erasure_blanks_in_a_duo_is_what_the_registry_says():
    from chalicelib.services.personal_data import DUO_PERSONAL_FIELDS

    blanked = {r.attribute for r in privacy.RECORDS if r.model == "DuoItem" and r.erased == "blanked"}
    assert blanked == set(DUO_PERSONAL_FIELDS)
