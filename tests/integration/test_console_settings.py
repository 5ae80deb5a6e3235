"""A branch admin's settings in the console: same validation and service as the JSON API, CSRF, versions."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from chalicelib.api.routing import csrf_for
from local.seed import demo_subject
from tests.conftest import token

BASE = "/branches/ghent/console/settings"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Admin:
    """A signed-in browser of a staff member: their cookie, and the CSRF field their pages carry."""

    def __init__(self, client, role: str = "branch_admin", branch: str = "ghent") -> None:
        self.client, self.session = client, token(role, branch)
        self.headers = {"Cookie": f"duo_session={self.session}", "Accept-Language": "en"}

    def get(self, path: str):
        return self.client.http.get(path, headers=self.headers)

    def post(self, path: str, form: dict, csrf: str | None = None):
        body = urlencode({"csrf": csrf_for(self.session) if csrf is None else csrf, **form}, doseq=True)
        return self.client.http.post(path, headers={**self.headers, **FORM}, body=body)


def version(page) -> int:
    return int(re.search(r'name="version" value="(\d+)"', page.body.decode()).group(1))


def config(seeded, branch: str = "ghent") -> dict:
    return seeded.branches.get(branch).effective_config()


def test_settings_pages_render_for_a_branch_admin_with_csrf_on_every_form(client):
    admin = Admin(client)
    for section in ("", "/staff", "/training", "/services", "/intake", "/closing", "/eligibility", "/targets",
                    "/matching"):
        page = admin.get(BASE + section)
        assert page.status_code == 200, (section, page.body[:500])
        html = page.body.decode()
        assert html.count('method="post"') == html.count('name="csrf" value="' + csrf_for(admin.session) + '"'), section
        assert 'aria-current="page">Settings' in html


def test_coordinators_and_other_branches_get_403_pages(client):
    for role, branch in (("coordinator", "ghent"), ("coordinator", "antwerp"), ("branch_admin", "antwerp")):
        page = Admin(client, role, branch).get(BASE + "/eligibility")
        assert page.status_code == 403 and page.headers["Content-Type"].startswith("text/html")
    assert Admin(client, "head_office", None).get(BASE).status_code == 403


def test_an_eligibility_change_is_saved_and_shown(client, seeded):
    admin = Admin(client)
    v = version(admin.get(BASE + "/eligibility"))
    answer = admin.post(BASE + "/eligibility", {
        "version": v, "mentee.min_age": "17", "mentee.max_age": "30", "mentee.requires_work_permit": "1",
        "mentee.languages_any": ["nl", "en"], "mentor.min_age": "45", "mentor.max_age": "",
        "mentor.requires_six_months": "1"})
    assert answer.status_code == 303 and answer.headers["Location"] == BASE + "/eligibility?done=settings_saved"
    rules = config(seeded)["eligibility"]
    assert rules["mentee"] == {"min_age": 17, "max_age": 30, "requires_work_permit": True,
                               "requires_migration_background": False, "languages_any": ["nl", "en"]}
    assert rules["mentor"]["min_age"] == 45 and rules["mentor"]["max_age"] is None
    shown = admin.get(answer.headers["Location"]).body.decode()
    assert "The settings have been saved." in shown and 'name="mentee.min_age" value="17"' in shown


def test_invalid_settings_come_back_with_field_messages_values_kept_and_nothing_saved(client, seeded):
    admin = Admin(client)
    before = seeded.branches.get("ghent")
    answer = admin.post(BASE + "/eligibility", {
        "version": before.version, "mentee.min_age": "40", "mentee.max_age": "30", "mentor.min_age": "abc"})
    assert answer.status_code == 400
    html = answer.body.decode()
    assert 'id="eligibility-mentor-min_age-error"' in html
    assert 'name="mentor.min_age" value="abc"' in html and 'aria-invalid="true"' in html
    assert seeded.branches.get("ghent").version == before.version
    # A rule across fields (the same check the API makes) also lands at its field.
    crossed = admin.post(BASE + "/eligibility", {"version": before.version, "mentee.min_age": "40",
                                                 "mentee.max_age": "30", "mentor.min_age": "50"})
    assert crossed.status_code == 400
    assert 'id="eligibility-mentee-max_age-error"' in crossed.body.decode()
    assert config(seeded) == before.effective_config()
    bad_code = admin.post(BASE + "/intake", {"version": before.version, "code": ["cv"], "add": "Not A Code!"})
    assert bad_code.status_code == 400 and 'id="intake-help_needs-error"' in bad_code.body.decode()
    assert 'value="Not A Code!"' in bad_code.body.decode()
    assert seeded.branches.get("ghent").version == before.version


def test_a_form_read_before_someone_else_saved_answers_409_and_does_not_overwrite(client, seeded):
    admin = Admin(client)
    stale = version(admin.get(BASE + "/services"))
    assert admin.post(BASE + "/services", {"version": stale, "code": ["cv_review"]}).status_code == 303
    again = admin.post(BASE + "/services", {"version": stale, "code": ["laptop_loan"]})
    assert again.status_code == 409 and "changed by someone else" in again.body.decode()
    assert config(seeded)["services"] == ["cv_review"]


def test_a_post_without_or_with_a_wrong_csrf_is_refused_and_changes_nothing(client, seeded):
    admin = Admin(client)
    before = seeded.branches.get("ghent")
    form = {"version": before.version, "code": ["cv_review"]}
    other_session = token("branch_admin", "ghent", lifetime=1234)
    for csrf in ("", "f" * 64, csrf_for(other_session)):
        answer = admin.post(BASE + "/services", form, csrf=csrf)
        assert answer.status_code == 403, csrf
        assert "text/html" in answer.headers["Content-Type"]
    assert seeded.branches.get("ghent").version == before.version


def test_training_modules_are_added_renamed_reordered_and_removed(client, seeded):
    admin = Admin(client)
    modules = config(seeded)["training"]["modules"]
    v = version(admin.get(BASE + "/training"))
    form: dict = {"version": v, "rows": len(modules) + 1}
    for i, module in enumerate(modules):
        form |= {f"code_{i}": module["code"], f"existing_{i}": "1", f"name_{i}": "", f"position_{i}": i + 2,
                 f"required_{i}": "1"}
    form |= {"remove_7": "1", "position_1": "1", "name_1": "Mentor, what is that?"}
    new = len(modules)
    form |= {f"code_{new}": "first_aid", f"name_{new}": "First aid", f"position_{new}": "99"}  # optional
    assert admin.post(BASE + "/training", form).status_code == 303
    saved = config(seeded)["training"]["modules"]
    assert [m["code"] for m in saved] == ["role_of_mentor", "welcome", "listening", "intercultural", "job_market",
                                         "action_plan", "network", "first_aid"]
    assert saved[0]["name"] == "Mentor, what is that?" and saved[-1] == {
        "code": "first_aid", "name": "First aid", "required": False}


def test_intake_lists_closing_reasons_and_targets(client, seeded):
    admin = Admin(client)
    v = version(admin.get(BASE + "/intake"))
    assert admin.post(BASE + "/intake", {"version": v, "code": ["cv", "network"], "add": "driving_licence"}
                      ).status_code == 303
    assert config(seeded)["intake"]["help_needs"] == ["cv", "network", "driving_licence"]
    v = version(admin.get(BASE + "/closing"))
    assert admin.post(BASE + "/closing", {"version": v, "code": ["found_job", "other"]}).status_code == 303
    assert config(seeded)["closing"]["end_reasons"] == ["found_job", "other"]
    v = version(admin.get(BASE + "/targets"))
    answer = admin.post(BASE + "/targets", {"version": v, "rows": 2, "year_0": "2027", "duos_0": "40",
                                            "mentees_0": "", "mentors_0": "45", "year_1": ""})
    assert answer.status_code == 303
    assert config(seeded)["targets"] == {"2027": {"duos": 40, "mentees": None, "mentors": 45}}
    assert 'name="duos_0" value="40"' in admin.get(BASE + "/targets").body.decode()


def test_staff_are_invited_given_another_role_and_removed(client, seeded):
    admin = Admin(client)
    invalid = admin.post(BASE + "/staff", {"action": "invite", "email": "not-an-email", "role": "coordinator"})
    assert invalid.status_code == 400 and 'id="email-error"' in invalid.body.decode()
    assert admin.post(BASE + "/staff", {"action": "invite", "email": "new.colleague@example.org",
                                        "name": "Nieuwe Collega", "role": "coordinator"}).status_code == 303
    member = next(m for m in seeded.staff.list("ghent") if m.email == "new.colleague@example.org")
    assert "Nieuwe Collega" in admin.get(BASE + "/staff").body.decode()
    assert admin.post(BASE + "/staff", {"action": "role", "staff_id": member.id, "role": "branch_admin"}
                      ).status_code == 303
    assert seeded.staff.get("ghent", member.id).role.value == "branch_admin"
    assert admin.post(BASE + "/staff", {"action": "remove", "staff_id": member.id}).status_code == 303
    assert all(m.id != member.id for m in seeded.staff.list("ghent"))


@pytest.mark.parametrize("section", ["services", "eligibility"])
def test_the_json_api_and_the_console_agree_on_what_is_valid(client, seeded, section):
    """The console validates with BranchUpdate: what the API refuses, the console refuses."""
    from tests.conftest import bearer

    body = {"services": ["astrology"]} if section == "services" else {"eligibility": {"mentor": {"min_age": 5}}}
    api = client.http.patch("/branches/ghent", headers=bearer("branch_admin", "ghent"),
                            body=__import__("json").dumps({"config": body}))
    assert api.status_code == 400
    admin = Admin(client)
    form = {"version": seeded.branches.get("ghent").version}
    form |= {"code": ["astrology"]} if section == "services" else {"mentor.min_age": "5"}
    assert admin.post(BASE + f"/{section}", form).status_code == 400
    assert demo_subject("branch_admin", "ghent")  # the admin stays who they were


# --- Matching ---------------------------------------------------------------------------------------
CRITERIA = ("sector", "languages", "availability", "help", "interests", "digital", "location")


def _weights_form(v: int, **weights) -> dict:
    from chalicelib.domain.matching import DEFAULT_WEIGHTS

    typed = {f"weight_{c}": str(weights.get(c, DEFAULT_WEIGHTS[c])) for c in CRITERIA}
    return {"version": v, "action": "save", **typed}


def test_the_matching_page_names_and_explains_every_criterion_with_a_weight_and_a_hard_box(client):
    html = Admin(client).get(BASE + "/matching").body.decode()
    for c in CRITERIA:
        assert f'<input type="number" min="0" max="10" step="any" inputmode="decimal" class="short" ' \
               f'id="matching-weights-{c}" name="weight_{c}"' in html, c
        assert f'<label for="matching-weights-{c}">' in html and f'<label for="hard-{c}">' in html
        assert f'id="help-{c}"' in html
    assert "Whether the mentor knows a sector the mentee wants to work in." in html
    assert 'name="weight_sector" value="3"' in html
    assert 'name="action" value="reset"' in html and "Reset to defaults" in html
    assert 'href="' + BASE + '/matching" aria-current="page"' in html


def test_a_branch_admin_saves_weights_and_hard_constraints_in_the_console(client, seeded):
    admin = Admin(client)
    v = version(admin.get(BASE + "/matching"))
    answer = admin.post(BASE + "/matching", {**_weights_form(v, sector=6, interests="2,5", location=0),
                                             "hard": ["sector", "languages"]})
    assert answer.status_code == 303 and answer.headers["Location"] == BASE + "/matching?done=settings_saved"
    matching = config(seeded)["matching"]
    assert matching["weights"]["sector"] == 6 and matching["weights"]["interests"] == 2.5
    assert matching["weights"]["location"] == 0 and matching["hard"] == ["sector", "languages"]
    html = admin.get(answer.headers["Location"]).body.decode()
    assert 'name="weight_interests" value="2.5"' in html
    assert 'id="hard-sector" name="hard" value="sector" checked' in html
    assert 'id="hard-help" name="hard" value="help">' in html
    assert config(seeded, "antwerp")["matching"]["hard"] == []  # another branch keeps its own


@pytest.mark.parametrize(("weights", "hard", "field", "says"), [
    ({"sector": "11"}, [], "matching-weights-sector", "from 0 to 10"),
    ({"sector": "abc"}, [], "matching-weights-sector", "from 0 to 10"),
    ({"sector": ""}, [], "matching-weights-sector", "from 0 to 10"),
    ({c: "0" for c in CRITERIA}, [], "matching-weights", "at least one criterion"),
    ({}, ["religion"], "matching-hard", "sector"),
])
def test_bad_matching_settings_come_back_with_messages_values_kept_and_nothing_saved(client, seeded, weights, hard,
                                                                                       field, says):
    admin = Admin(client)
    before = seeded.branches.get("ghent")
    answer = admin.post(BASE + "/matching", {**_weights_form(before.version, **weights), "hard": hard})
    assert answer.status_code == 400
    html = answer.body.decode()
    assert f'id="{field}-error"' in html and says in html and f'href="#{field}"' in html and f'id="{field}"' in html
    for c, typed in weights.items():
        assert f'name="weight_{c}" value="{typed}"' in html
    if field.startswith("matching-weights-"):
        assert f'aria-describedby="help-sector {field}-error" aria-invalid="true"' in html
    assert seeded.branches.get("ghent").version == before.version
    assert config(seeded) == before.effective_config()


def test_reset_to_defaults_writes_the_default_weights_and_no_hard_constraint(client, seeded):
    from chalicelib.domain.matching import DEFAULT_HARD, DEFAULT_WEIGHTS

    admin = Admin(client)
    v = version(admin.get(BASE + "/matching"))
    assert admin.post(BASE + "/matching", {**_weights_form(v, sector=9, help=0), "hard": ["location"]}
                      ).status_code == 303
    assert config(seeded)["matching"]["weights"]["sector"] == 9
    v = version(admin.get(BASE + "/matching"))
    answer = admin.post(BASE + "/matching", {**_weights_form(v, sector=1), "action": "reset", "hard": ["help"]})
    assert answer.status_code == 303 and answer.headers["Location"] == BASE + "/matching?done=settings_reset"
    assert config(seeded)["matching"] == {"weights": DEFAULT_WEIGHTS, "hard": list(DEFAULT_HARD)}
    html = admin.get(answer.headers["Location"]).body.decode()
    assert "The default settings are back." in html and 'name="weight_sector" value="3"' in html


def test_coordinators_and_another_branchs_admin_cannot_change_the_matching_settings(client, seeded):
    before = seeded.branches.get("ghent")
    for role, branch in (("coordinator", "ghent"), ("branch_admin", "antwerp")):
        browser = Admin(client, role, branch)
        assert browser.get(BASE + "/matching").status_code == 403
        for action in ("save", "reset"):
            answer = browser.post(BASE + "/matching", {**_weights_form(before.version, sector=9), "action": action})
            assert answer.status_code == 403, (role, branch, action)
    assert seeded.branches.get("ghent").version == before.version
