"""Branch configuration: country defaults, deep patches, consistency rules, status changes."""

from __future__ import annotations

import pytest

from chalicelib.domain.branches import Branch, BranchStatus, default_config, is_branch_id, merge
from chalicelib.domain.config_rules import config_problems
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.roles import Role
from chalicelib.domain.staff import StaffMember, ensure_admin_remains


def test_mentees_are_18_to_33_and_mentors_50_plus_everywhere():
    for country in ("BE", "FR", "NL"):
        rules = default_config(country)["eligibility"]
        assert (rules["mentee"]["min_age"], rules["mentee"]["max_age"]) == (18, 33)
        assert rules["mentor"]["min_age"] == 50 and rules["mentor"]["max_age"] is None


def test_only_the_netherlands_requires_dutch_or_english_by_default():
    assert default_config("NL")["eligibility"]["mentee"]["languages_any"] == ["nl", "en"]
    assert default_config("BE")["eligibility"]["mentee"]["languages_any"] == []


def test_merge_patches_nested_values_and_replaces_lists():
    base = default_config("BE")
    merged = merge(base, {"eligibility": {"mentee": {"max_age": 30}}, "services": ["cv_review"]})
    assert merged["eligibility"]["mentee"] == {**base["eligibility"]["mentee"], "max_age": 30}
    assert merged["services"] == ["cv_review"]
    assert base["eligibility"]["mentee"]["max_age"] == 33  # the defaults are untouched


def test_targets_are_replaced_per_year_not_merged_into_defaults():
    merged = merge({"targets": {"2022": {"duos": 50}}}, {"targets": {"2023": {"duos": 60}}})
    assert merged["targets"] == {"2023": {"duos": 60}}


def test_stored_config_is_read_over_current_defaults():
    branch = Branch(id="x", name="X", country="FR", time_zone="Europe/Paris", languages=["fr"],
                    config={"retention": {"candidate_months": 6}})
    config = branch.effective_config()
    assert config["retention"] == {"candidate_months": 6, "after_outcome_months": 24}
    assert config["info_sessions"]["capacity"] == 20


def test_inverted_age_range_is_named_by_its_field():
    config = merge(default_config("BE"), {"eligibility": {"mentor": {"min_age": 70, "max_age": 60}}})
    assert config_problems(config) == {
        "config.eligibility.mentor.max_age": "The maximum age must not be below the minimum age."
    }
    assert config_problems(default_config("BE")) == {}


@pytest.mark.parametrize(("value", "ok"), [("aalst", True), ("la-louviere", True), ("A", False),
                                            ("1abc", False), ("a", False), ("ab#c", False), ("a" * 41, False)])
def test_branch_ids_are_lowercase_slugs(value, ok):
    assert is_branch_id(value) is ok


def test_suspend_and_resume_refuse_a_no_op():
    branch = Branch(id="x", name="X", country="BE", time_zone="Europe/Brussels", languages=["nl"])
    branch.suspend()
    assert branch.status is BranchStatus.SUSPENDED and not branch.is_active
    with pytest.raises(ConflictError):
        branch.suspend()
    branch.resume()
    with pytest.raises(ConflictError):
        branch.resume()


def _member(i: int, role: Role) -> StaffMember:
    return StaffMember(id=str(i), branch="x", email=f"{i}@x.org", role=role)


def test_a_branch_keeps_at_least_one_admin():
    admin, coordinator = _member(1, Role.BRANCH_ADMIN), _member(2, Role.COORDINATOR)
    with pytest.raises(ConflictError):
        ensure_admin_remains([admin, coordinator], admin, None)
    with pytest.raises(ConflictError):
        ensure_admin_remains([admin, coordinator], admin, Role.COORDINATOR)
    ensure_admin_remains([admin, coordinator], coordinator, None)
    ensure_admin_remains([admin, _member(3, Role.BRANCH_ADMIN)], admin, None)
