"""The head office onboards and configures branches; branch staff read and adjust their own."""

from __future__ import annotations

import json

from tests.conftest import bearer

AALST = {"id": "aalst", "name": "Aalst", "country": "BE", "time_zone": "Europe/Brussels", "languages": ["nl"]}
HO = bearer("head_office")


def post(client, path, body, headers=HO):
    return client.http.post(path, headers=headers, body=json.dumps(body))


def test_head_office_onboards_a_branch_with_country_defaults(client):
    response = post(client, "/branches", AALST)
    assert response.status_code == 201, response.body
    branch = response.json_body
    assert branch["id"] == "aalst" and branch["status"] == "active"
    assert branch["config"]["eligibility"]["mentee"] == {
        "min_age": 18, "max_age": 33, "requires_work_permit": True,
        "requires_migration_background": True, "languages_any": [],
    }
    assert branch["config"]["eligibility"]["mentor"]["min_age"] == 50
    # It is readable and listed afterwards.
    assert client.http.get("/branches/aalst", headers=HO).json_body["name"] == "Aalst"
    ids = [b["id"] for b in client.http.get("/branches", headers=HO).json_body["items"]]
    assert "aalst" in ids and len(ids) == 7


def test_dutch_branches_require_dutch_or_english_by_default(client):
    marseille_like = {**AALST, "id": "utrecht", "name": "Utrecht", "country": "NL", "time_zone": "Europe/Amsterdam"}
    config = post(client, "/branches", marseille_like).json_body["config"]
    assert config["eligibility"]["mentee"]["languages_any"] == ["nl", "en"]


def test_onboarding_takes_configuration_over_defaults(client):
    body = {**AALST, "config": {"eligibility": {"mentee": {"max_age": 30}}, "services": ["speech_therapy"],
                                "targets": {"2027": {"duos": 40, "mentors": 30}},
                                "allowed_origins": ["https://www.duoforajob.be"]}}
    config = post(client, "/branches", body).json_body["config"]
    assert config["eligibility"]["mentee"]["max_age"] == 30
    assert config["eligibility"]["mentee"]["min_age"] == 18
    assert config["services"] == ["speech_therapy"]
    assert config["targets"]["2027"] == {"duos": 40, "mentees": None, "mentors": 30}


def test_second_onboarding_of_the_same_id_is_a_conflict_and_changes_nothing(client):
    assert post(client, "/branches", AALST).status_code == 201
    again = post(client, "/branches", {**AALST, "name": "Other"})
    assert again.status_code == 409
    assert again.json_body["fields"] == {"id": "This id is taken."}
    assert client.http.get("/branches/aalst", headers=HO).json_body["name"] == "Aalst"
    assert post(client, "/branches", {**AALST, "id": "antwerp"}).status_code == 409


def test_invalid_configuration_names_each_bad_field(client):
    body = {"id": "Bad Id", "name": "", "country": "DE", "time_zone": "Mars/Olympus", "languages": ["nl", "nl"],
            "config": {"eligibility": {"mentee": {"min_age": "old"}}, "allowed_origins": ["ftp://x"],
                       "colour": "red"}}
    response = post(client, "/branches", body)
    assert response.status_code == 400
    error = response.json_body
    assert error["code"] == "invalid_input"
    assert set(error["fields"]) == {
        "id", "name", "country", "time_zone", "languages",
        "config.eligibility.mentee.min_age", "config.allowed_origins", "config.colour",
    }
    assert "Europe/Brussels" in error["fields"]["time_zone"]
    assert client.http.get("/branches/bad-id", headers=HO).status_code == 404


def test_age_range_must_be_consistent_after_merging(client):
    body = {**AALST, "config": {"eligibility": {"mentee": {"min_age": 40}}}}
    response = post(client, "/branches", body)
    assert response.status_code == 400
    assert list(response.json_body["fields"]) == ["config.eligibility.mentee.max_age"]
    assert client.http.get("/branches/aalst", headers=HO).status_code == 404


def test_required_fields_are_only_five(client):
    response = post(client, "/branches", {})
    assert set(response.json_body["fields"]) == {"id", "name", "country", "time_zone", "languages"}


def test_head_office_updates_configuration_as_a_deep_patch(client):
    response = client.http.patch(
        "/branches/rotterdam", headers=HO,
        body=json.dumps({"config": {"eligibility": {"mentee": {"max_age": 30}},
                                    "retention": {"candidate_months": 12}}}),
    )
    assert response.status_code == 200, response.body
    config = response.json_body["config"]
    assert config["eligibility"]["mentee"]["max_age"] == 30
    assert config["eligibility"]["mentee"]["languages_any"] == ["nl", "en"]
    assert config["retention"] == {"candidate_months": 12, "after_outcome_months": 24}
    assert config["targets"]["2022"]["duos"] == 50
    assert response.json_body["version"] == 2


def test_branch_admin_updates_own_settings_but_not_the_name(client):
    admin = bearer("branch_admin", "ghent")
    ok = client.http.patch("/branches/ghent", headers=admin, body=json.dumps({"languages": ["nl", "en"]}))
    assert ok.status_code == 200 and ok.json_body["languages"] == ["nl", "en"]
    refused = client.http.patch("/branches/ghent", headers=admin, body=json.dumps({"name": "Gent"}))
    assert refused.status_code == 400 and "name" in refused.json_body["fields"]
    coordinator = client.http.patch("/branches/ghent", headers=bearer("coordinator", "ghent"),
                                    body=json.dumps({"languages": ["nl"]}))
    assert coordinator.status_code == 403


def test_suspended_branch_closes_its_public_routes_but_staff_still_read(client):
    assert client.http.get("/branches/lille/public").status_code == 200
    assert client.http.post("/branches/lille/suspend", headers=HO).json_body["status"] == "suspended"
    public = client.http.get("/branches/lille/public")
    assert public.status_code == 404
    assert public.json_body["code"] == "branch_closed"
    assert "registrations" in public.json_body["message"]
    assert client.http.get("/branches/lille", headers=bearer("coordinator", "lille")).status_code == 200
    listed = {b["id"]: b["status"] for b in client.http.get("/branches", headers=HO).json_body["items"]}
    assert listed["lille"] == "suspended"
    assert client.http.post("/branches/lille/suspend", headers=HO).status_code == 409
    assert client.http.post("/branches/lille/resume", headers=HO).status_code == 200
    assert client.http.get("/branches/lille/public").status_code == 200


def test_public_card_shows_the_branch_catalogue(client):
    card = client.http.get("/branches/brussels/public").json_body
    assert "speech_therapy" in card["services"] and card["languages"] == ["fr", "nl"]
    assert "speech_therapy" not in client.http.get("/branches/lille/public").json_body["services"]
    assert client.http.get("/branches/nowhere/public").status_code == 404


def test_listing_pages_with_an_opaque_cursor(client):
    first = client.http.get("/branches?limit=4", headers=HO).json_body
    assert len(first["items"]) == 4 and first["next"]
    second = client.http.get(f"/branches?limit=4&cursor={first['next']}", headers=HO).json_body
    ids = [b["id"] for b in first["items"] + second["items"]]
    assert sorted(ids) == sorted(["antwerp", "brussels", "ghent", "liege", "lille", "rotterdam"])
    assert client.http.get("/branches?cursor=bm9wZQ", headers=HO).status_code == 400
    assert client.http.get("/branches?limit=0", headers=HO).json_body["fields"] == {
        "limit": "Input should be greater than or equal to 1"
    }


def test_concurrent_edits_conflict_instead_of_overwriting(client, seeded):
    from chalicelib.domain.errors import ConflictError

    stale = seeded.branches.get("ghent")
    fresh = seeded.branches.get("ghent")
    fresh.name = "Gent"
    seeded.branches.save(fresh)
    stale.name = "Ghent!"
    try:
        seeded.branches.save(stale)
        raise AssertionError("a stale save must not win")
    except ConflictError as error:
        assert error.code == "changed_meanwhile"
    assert seeded.branches.get("ghent").name == "Gent"


def _patch(client, branch, body, role="branch_admin", on=None):
    return client.http.patch(f"/branches/{branch}", headers=bearer(role, on or branch), body=json.dumps(body))


def test_a_branch_starts_with_the_default_matching_weights(client):
    from chalicelib.domain.matching import CRITERIA, DEFAULT_HARD, DEFAULT_WEIGHTS

    config = client.http.get("/branches/ghent", headers=bearer("branch_admin", "ghent")).json_body["config"]
    assert config["matching"] == {"weights": DEFAULT_WEIGHTS, "hard": list(DEFAULT_HARD)}
    assert set(config["matching"]["weights"]) == set(CRITERIA)


def test_a_branch_admin_changes_one_weight_and_the_others_stay(client, seeded):
    from chalicelib.domain.matching import DEFAULT_WEIGHTS

    answer = _patch(client, "ghent", {"config": {"matching": {"weights": {"sector": 5, "interests": 0.5},
                                                             "hard": ["sector"]}}})
    assert answer.status_code == 200, answer.body
    matching = seeded.branches.get("ghent").effective_config()["matching"]
    assert matching["weights"] == {**DEFAULT_WEIGHTS, "sector": 5, "interests": 0.5}
    assert matching["hard"] == ["sector"]
    again = _patch(client, "ghent", {"config": {"matching": {"weights": {"sector": 10.0}}}})
    assert again.status_code == 200 and again.json_body["config"]["matching"]["weights"]["sector"] == 10
    assert again.json_body["config"]["matching"]["hard"] == ["sector"]  # left out: kept
    assert seeded.branches.get("antwerp").effective_config()["matching"]["weights"] == DEFAULT_WEIGHTS


def test_bad_matching_settings_answer_400_with_messages_and_change_nothing(client, seeded):
    before = seeded.branches.get("ghent")
    cases = [
        ({"weights": {"sector": 11}}, "config.matching.weights.sector", "from 0 to 10"),
        ({"weights": {"sector": -1}}, "config.matching.weights.sector", "from 0 to 10"),
        ({"weights": {"sector": "high"}}, "config.matching.weights.sector", "from 0 to 10"),
        ({"weights": {"sector": True}}, "config.matching.weights.sector", "from 0 to 10"),
        ({"weights": {"age": 3}}, "config.matching.weights", "Unknown criterion 'age'"),
        ({"hard": ["sector", "sector"]}, "config.matching.hard", "once"),
        ({"hard": ["religion"]}, "config.matching.hard.0", "sector"),
        ({"weights": {c: 0 for c in ("sector", "languages", "availability", "help", "interests", "digital",
                                      "location")}}, "config.matching.weights", "at least one criterion"),
    ]
    for matching, field, says in cases:
        answer = _patch(client, "ghent", {"config": {"matching": matching}})
        assert answer.status_code == 400, (matching, answer.body)
        fields = answer.json_body["fields"]
        assert field in fields and says in fields[field], (matching, fields)
    unknown = _patch(client, "ghent", {"config": {"matching": {"weights": {"age": 3}}}}).json_body["fields"]
    assert "sector, languages, availability" in unknown["config.matching.weights"]
    after = seeded.branches.get("ghent")
    assert after.version == before.version and after.effective_config() == before.effective_config()


def test_all_but_one_weight_at_zero_is_fine_as_a_patch_over_the_others(client, seeded):
    zero = {c: 0 for c in ("sector", "languages", "availability", "help", "interests", "digital")}
    assert _patch(client, "ghent", {"config": {"matching": {"weights": zero}}}).status_code == 200
    refused = _patch(client, "ghent", {"config": {"matching": {"weights": {"location": 0}}}})  # the last one
    assert refused.status_code == 400 and "config.matching.weights" in refused.json_body["fields"]
    assert seeded.branches.get("ghent").effective_config()["matching"]["weights"]["location"] == 1


def test_only_the_branchs_own_admin_and_the_head_office_change_its_weights(client, seeded):
    body = {"config": {"matching": {"weights": {"sector": 7}}}}
    assert _patch(client, "ghent", body, role="coordinator").status_code == 403
    assert _patch(client, "ghent", body, role="branch_admin", on="antwerp").status_code == 403
    assert seeded.branches.get("ghent").effective_config()["matching"]["weights"]["sector"] == 3
    assert client.http.patch("/branches/ghent", headers=HO, body=json.dumps(body)).status_code == 200


def test_the_openapi_document_describes_the_matching_settings(client):
    doc = json.loads(client.http.get("/openapi.json").body)
    matching = doc["components"]["schemas"]["MatchingSettings"]["properties"]
    assert matching["weights"]["additionalProperties"]["maximum"] == 10
    assert "sector" in matching["weights"]["propertyNames"]["enum"] and "hard constraints" in matching["hard"][
        "description"]
