"""The demo data of `make run`: every stage of the life cycle in each branch, through the services."""

from __future__ import annotations

from collections import Counter

from chalicelib.domain.candidates import CandidateStatus
from chalicelib.domain.duos import Phase
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
