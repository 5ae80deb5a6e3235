"""The demo data of `make run`: every stage of the life cycle in each branch, through the services."""

from __future__ import annotations

from collections import Counter

from chalicelib.domain import matching
from chalicelib.domain.candidates import DIGITAL_LEVELS, INTERESTS, CandidateStatus
from chalicelib.domain.duos import Phase
from chalicelib.domain.intake import Intake
from local.demo import seed_demo


def test_demo_data_fills_every_stage_with_real_events(seeded):
    counts = seed_demo(seeded, ["antwerp", "lille"])
    for branch in ("antwerp", "lille"):
        statuses = Counter()
        for status in CandidateStatus:
            statuses[status] = len(seeded.candidates.list(branch, role=None, status=status.value, limit=100,
                                                          cursor=None)[0])
        assert all(statuses[s] for s in CandidateStatus), statuses
        assert sum(statuses.values()) == counts[branch] >= 30
        phases = {p: len(seeded.duos.by_phase(branch, p, limit=50)[0]) for p in Phase if p != Phase.DECLINED}
        assert all(phases.values()), phases
        # The ready pool has mentees and mentors whose intakes say what matching compares, and pairs to propose.
        ready, _ = seeded.candidates.list(branch, role=None, status="ready", limit=100, cursor=None)
        mentees = [c for c in ready if c.role.value == "mentee"]
        mentors = [c for c in ready if c.role.value == "mentor"]
        assert len(mentees) >= 3 and len(mentors) >= 3, (len(mentees), len(mentors))
        offered = seeded.branches.get(branch).effective_config()["intake"]["help_needs"]
        for c in ready:
            intake = Intake.from_dict(c.intake)
            assert intake.interests and set(intake.interests) <= set(INTERESTS)
            assert intake.digital_skills in DIGITAL_LEVELS
            assert (intake.help_offers and set(intake.help_offers) <= set(offered)) if c in mentors else not \
                intake.help_offers
        assert len({tuple(Intake.from_dict(c.intake).interests) for c in ready}) > 1  # varied
        settings = matching.Settings.from_config(seeded.branches.get(branch).effective_config())
        profile = matching.profile
        assessed = [matching.assess(profile(a), profile(m), settings) for a in mentees for m in mentors]
        allowed = [a for a in assessed if a.allowed]
        assert len(allowed) >= len(mentees) and len({a.percent for a in allowed}) > 3  # pairs, ranked apart
        assert {a.mentee_id for a in allowed} == {c.id for c in mentees}  # everyone has someone to meet
