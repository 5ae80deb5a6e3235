"""The pool's proposal (issue 6): time to propose for 200 x 200 (a large branch) and 1,000 x 1,000 (stress),
beside the bare solver on the same cost matrix, and the proposal's total against a greedy baseline.

Synthetic pools from a seeded RNG, with realistic profiles: one to three languages among a few common codes
(the branch's language mostly, at random levels), one to three sectors, two to eight weekly slots, help needs
and offers from the default HELP_NEEDS, interests, a digital level, areas from ten postcode prefixes, and a few
declined pairs. Settings are the defaults. ``propose`` is timed end to end as the service calls it (scoring,
assignment, explanations of the chosen pairs, unpaired reasons), the median of ``--runs``; ``lap.lapjv`` and
SciPy's ``linear_sum_assignment`` (if installed; a development dependency only) on the SCORE cost matrix.
The machine may be shared: the fastest of the runs is printed beside the median for propose and lapjv.

Prints ``matching.<n>x<m>.<figure> <value>`` lines; judges nothing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

from chalicelib.domain import assignment
from chalicelib.domain.branches import HELP_NEEDS
from chalicelib.domain.candidates import AVAILABILITY, SECTORS
from chalicelib.domain.matching import DIGITAL_RANK, Profile, Settings

SEED = 20261124
SIZES = (200, 1000)
LANGUAGES = ("nl", "fr", "en", "ar", "tr", "ber", "es", "ro")
LEVELS = ("conversational", "fluent", "native")
INTERESTS = ("sport", "music", "cooking", "reading", "travel", "technology", "art", "nature", "games",
             "volunteering", "film", "fashion")
AREAS = ("90", "91", "92", "93", "98", "10", "11", "20", "21", "26")


def _person(rng: random.Random, pid: str, role: str, others: list[str]) -> Profile:
    if rng.random() < 0.85:  # the branch's language, and maybe one or two more
        codes = ["nl", *rng.sample(LANGUAGES[1:], rng.randint(0, 2))]
    else:
        codes = rng.sample(LANGUAGES, rng.randint(1, 3))
    needs = frozenset(rng.sample(HELP_NEEDS, rng.randint(1, 4))) if role == "mentee" else frozenset()
    offers = frozenset(rng.sample(HELP_NEEDS, rng.randint(2, 5))) if role == "mentor" else frozenset()
    return Profile(
        id=pid, role=role, ready=True, ready_since=f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}",
        languages={c: rng.choice(LEVELS) for c in codes},
        sectors=frozenset(rng.sample(SECTORS, rng.randint(1, 3))),
        availability=frozenset(rng.sample(AVAILABILITY, rng.randint(2, 8))),
        needs=needs, offers=offers,
        interests=frozenset(rng.sample(INTERESTS, rng.randint(0, 4))),
        digital=rng.choice(("", *DIGITAL_RANK)),
        area=rng.choice(AREAS),
        declined=frozenset(rng.sample(others, 1)) if rng.random() < 0.03 else frozenset(),
    )


def pool(n: int, m: int, seed: int = SEED) -> tuple[list[Profile], list[Profile]]:
    rng = random.Random(seed + n * 7919 + m)
    mentee_ids, mentor_ids = [f"m{i:05d}" for i in range(n)], [f"t{j:05d}" for j in range(m)]
    mentees = [_person(rng, pid, "mentee", mentor_ids) for pid in mentee_ids]
    mentors = [_person(rng, pid, "mentor", mentee_ids) for pid in mentor_ids]
    return mentees, mentors


def _times(fn: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return times


def _median(fn: Callable[[], object], runs: int) -> float:
    return statistics.median(_times(fn, runs))


def measure(n: int, m: int, runs: int) -> list[tuple[str, str]]:
    import lap

    mentees, mentors = pool(n, m)
    settings = Settings.default()
    assignment.propose(mentees, mentors, settings)  # warm: lap's import, NumPy's first calls
    proposals = _times(lambda: assignment.propose(mentees, mentors, settings), runs)
    proposed = statistics.median(proposals)
    score_matrix = _median(lambda: assignment.matrix(mentees, mentors, settings), runs)
    scores, allowed = assignment.matrix(mentees, mentors, settings)
    cost = np.where(allowed, -scores, 0.0)
    solves = _times(lambda: lap.lapjv(cost, extend_cost=True), runs)
    bare = statistics.median(solves)
    try:
        from scipy.optimize import linear_sum_assignment
    except ImportError:
        scipy = "n/a"
    else:
        scipy = f"{_median(lambda: linear_sum_assignment(cost), runs) * 1000:.1f}"
    best = assignment.propose(mentees, mentors, settings, assignment.Mode.SCORE)
    most = assignment.propose(mentees, mentors, settings, assignment.Mode.COUNT)
    base = assignment.greedy(scores, allowed)
    base_count = assignment.greedy(scores, allowed, assignment.Mode.COUNT)
    name = f"matching.{n}x{m}"
    return [
        (f"{name}.allowed_pairs_pct", f"{allowed.mean() * 100:.1f}"),
        (f"{name}.propose_ms", f"{proposed * 1000:.1f}"),
        (f"{name}.propose_min_ms", f"{min(proposals) * 1000:.1f}"),
        (f"{name}.matrix_ms", f"{score_matrix * 1000:.1f}"),
        (f"{name}.lapjv_ms", f"{bare * 1000:.1f}"),
        (f"{name}.lapjv_min_ms", f"{min(solves) * 1000:.1f}"),
        (f"{name}.scipy_lsa_ms", scipy),
        (f"{name}.propose_over_lapjv", f"{proposed / bare:.1f}"),
        (f"{name}.score_mode.total", f"{best.total:.3f}"),
        (f"{name}.score_mode.pairs", str(len(best.pairs))),
        (f"{name}.greedy.total", f"{sum(float(scores[i, j]) for i, j in base):.3f}"),
        (f"{name}.greedy.pairs", str(len(base))),
        (f"{name}.count_mode.total", f"{most.total:.3f}"),
        (f"{name}.count_mode.pairs", str(len(most.pairs))),
        (f"{name}.greedy_count.pairs", str(len(base_count))),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the matching proposal against the bare solver and greedy.")
    parser.add_argument("--runs", type=int, default=9,
                        help="timed runs of each figure: the median is printed, and the fastest for propose and lapjv "
                             "(default 9)")
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES),
                        help="pool sizes n (n mentees x n mentors; default 200 1000)")
    args = parser.parse_args(argv)
    for n in args.sizes:
        for name, value in measure(n, n, args.runs):
            print(f"{name} {value}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
