"""Matching, as a branch's team uses it: ranked partners for one person, a proposal for the whole ready
pool, accepting its pairs (which creates the life cycle's pairings), and previewing new weights.

One shared function for every branch: it receives one branch's ready pool (``store/matching.py``: a few
queries on the branch's ready list, never a query across branches) and the branch's own weights. The
pool's optimisation (NumPy and LAPJV) is imported on the first proposal, so routes that do not match do
not load it at cold start. Proposals are kept (ids, scores and codes) so that every pairing records
whether it followed the branch's latest proposal.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from chalicelib.domain import matching
from chalicelib.domain.branches import Branch, merge
from chalicelib.domain.candidates import Candidate, CandidateRole, CandidateStatus
from chalicelib.domain.config_rules import config_problems
from chalicelib.domain.errors import ConflictError, InvalidInputError
from chalicelib.domain.events import new_event_id
from chalicelib.domain.matching import Assessment, Reason, Settings
from chalicelib.domain.texts import N_
from chalicelib.observability import logger, metrics
from chalicelib.services import clock
from chalicelib.services.people import ensure_not_restricted
from chalicelib.services.repos import Repos
from chalicelib.store.matching import ProposalRecord

if TYPE_CHECKING:
    from chalicelib.domain.assignment import Proposal, Unpaired

# A manual pairing is compared with the branch's latest proposal while that proposal is this recent.
PROPOSAL_CURRENT_FOR = timedelta(days=30)
BUSY = (CandidateStatus.PAIRED, CandidateStatus.IN_DUO)


def settings_of(branch: Branch) -> Settings:
    return Settings.from_config(branch.effective_config())


def _local_now(branch: Branch) -> datetime:
    return clock.now().astimezone(ZoneInfo(branch.time_zone)).replace(tzinfo=None)


def _suggested(branch: Branch, a: Candidate, b: Candidate) -> datetime:
    """The first shared weekly time at least two days ahead (branch-local, naive): the first meeting's default."""
    slots = matching.shared_slots(matching.profile(a), matching.profile(b))
    return matching.suggest_first_meeting(slots, _local_now(branch))


def _pool(repos: Repos, branch_id: str) -> list[Candidate]:
    """The branch's ready people, without those whose processing is restricted (GDPR art. 18)."""
    return [c for c in repos.matching.pool(branch_id) if not c.restricted]


def _split(pool: list[Candidate]) -> tuple[list[Candidate], list[Candidate]]:
    return ([c for c in pool if c.role is CandidateRole.MENTEE], [c for c in pool if c.role is CandidateRole.MENTOR])


# --- One person's ranked partners ----------------------------------------------------------------------------
@dataclass
class Ranking:
    person: Candidate
    settings: Settings
    rows: list[tuple[Candidate, Assessment]]  # allowed first, best first; blocked ones only when asked
    suggested: dict[str, datetime]  # the other's id -> a first-meeting time (branch-local)
    allowed: int  # how many of the other side's ready people pass the hard constraints
    blocked: int


def _ready_person(repos: Repos, branch_id: str, candidate_id: str) -> Candidate:
    person = repos.candidates.get(branch_id, candidate_id)
    ensure_not_restricted(person)
    if person.status is not CandidateStatus.READY:
        raise ConflictError(N_("This person is not ready to be paired (status: %(status)s).",
                                status=person.status.value),
                            code="not_ready")
    return person


def ranking(repos: Repos, branch_id: str, candidate_id: str, *, include_blocked: bool = False, limit: int = 50,
            settings: Settings | None = None) -> Ranking:
    """The other side's ready people for ``candidate_id``, best first, each with its score and reasons."""
    branch = repos.branches.get(branch_id)
    person = _ready_person(repos, branch_id, candidate_id)
    settings = settings or settings_of(branch)
    others = [c for c in _pool(repos, branch_id) if c.role is not person.role and c.id != person.id]
    by_id = {c.id: c for c in others}
    ranked = matching.rank(matching.profile(person), [matching.profile(c) for c in others], settings)
    other_of = (lambda a: a.mentor_id) if person.role is CandidateRole.MENTEE else (lambda a: a.mentee_id)
    allowed = sum(1 for a in ranked if a.allowed)
    shown = [a for a in ranked if include_blocked or a.allowed][:limit]
    rows = [(by_id[other_of(a)], a) for a in shown]
    suggested = {c.id: _suggested(branch, person, c) for c, a in rows if a.allowed}
    return Ranking(person, settings, rows, suggested, allowed, len(ranked) - allowed)


# --- The pool's proposal ----------------------------------------------------------------------------------------
@dataclass
class PairView:
    mentee: Candidate
    mentor: Candidate
    assessment: Assessment
    score: int  # percent, as proposed
    pinned: bool
    state: str  # open | accepted | unavailable
    duo_id: str
    suggested_at: datetime | None  # branch-local, for an open pair


@dataclass
class UnpairedView:
    candidate: Candidate | None  # None: no longer in the branch (erased)
    role: str
    reason: Reason


@dataclass
class ProposalView:
    id: str
    mode: str
    created_at: str
    created_by: str
    total: float
    pairs: list[PairView]
    unpaired: list[UnpairedView]
    pins: list[list[str]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    accepted: int = 0
    overridden: int = 0

    @property
    def open_pairs(self) -> list[PairView]:
        return [p for p in self.pairs if p.state == "open"]


def _state(mentee: Candidate, mentor: Candidate) -> tuple[str, str]:
    if mentee.duo_id and mentee.duo_id == mentor.duo_id and mentee.status in BUSY:
        return "accepted", mentee.duo_id
    if mentee.restricted or mentor.restricted:
        return "unavailable", ""
    if mentee.status is CandidateStatus.READY and mentor.status is CandidateStatus.READY:
        return "open", ""
    return "unavailable", ""


def _view(branch: Branch, record: ProposalRecord, people: dict[str, Candidate],
          explained: dict[str, Assessment] | None = None) -> ProposalView:
    """The proposal with each pair's state now; ``explained``: the pairs' assessments when just made (by
    mentee id), else each pair is assessed again from the two people as they are now."""
    settings = settings_of(branch)
    pairs: list[PairView] = []
    for p in record.pairs:
        mentee, mentor = people.get(p["mentee_id"]), people.get(p["mentor_id"])
        if mentee is None or mentor is None:
            continue  # someone erased since: the pair is gone with them
        state, duo_id = _state(mentee, mentor)
        assessment = (explained or {}).get(mentee.id)
        if assessment is None:
            a, b = matching.profile(mentee), matching.profile(mentor)
            if state == "accepted":  # explain the pair as it was proposed, not as two busy people
                a, b = replace(a, ready=True), replace(b, ready=True)
            assessment = matching.assess(a, b, settings)
        suggested = _suggested(branch, mentee, mentor) if state == "open" else None
        pairs.append(PairView(mentee, mentor, assessment, int(p["score"]), bool(p.get("pinned")), state, duo_id,
                              suggested))
    unpaired = [UnpairedView(people.get(u["id"]), u["role"], Reason(u["code"], dict(u.get("params") or {})))
                for u in record.unpaired]
    return ProposalView(record.id, record.mode, record.created_at, record.created_by, record.total, pairs, unpaired,
                        record.pins, record.excluded, record.accepted, record.overridden)


def _check_people(pool_ids: set[str], known: dict[str, Candidate], names: dict[str, str]) -> None:
    """Every id named must be a ready person of the branch: 400 for nobody of the branch, 409 for not ready."""
    unknown = {f: N_("There is no such person in this branch.") for f, cid in names.items() if cid not in known}
    if unknown:
        raise InvalidInputError(N_("Some people are not of this branch."), unknown)
    for name, cid in names.items():
        if cid not in pool_ids:
            ensure_not_restricted(known[cid])
            status = known[cid].status.value.replace("_", " ")
            raise ConflictError(N_("The person of %(name)s is not ready to be paired (status: %(status)s).",
                                    name=name, status=status),
                                code="not_ready")


def _record(branch_id: str, actor_id: str, result: Proposal, pins: list[tuple[str, str]],
            excluded: list[str]) -> ProposalRecord:
    return ProposalRecord(
        id=new_event_id(), branch=branch_id, mode=result.mode.value, created_at=clock.now_iso(), created_by=actor_id,
        pairs=[{"mentee_id": a.mentee_id, "mentor_id": a.mentor_id, "score": a.percent,
                "pinned": a.mentee_id in result.pinned} for a in result.pairs],
        unpaired=[_unpaired(u) for u in result.unpaired], total=round(result.total, 6),
        pins=[list(p) for p in pins], excluded=list(excluded),
    )


def _unpaired(u: Unpaired) -> dict[str, Any]:
    return {"id": u.id, "role": u.role, "code": u.reason.code, "params": dict(u.reason.params)}


def propose(repos: Repos, actor_id: str, branch_id: str, *, mode: str = "score",
            pins: list[tuple[str, str]] = (), excluded: list[str] = ()) -> ProposalView:  # type: ignore[assignment]
    """An optimal set of pairs for the branch's whole ready pool (kept, so the team can accept its pairs)."""
    from chalicelib.domain import assignment  # NumPy and lap: loaded by the first proposal only

    branch = repos.branches.get(branch_id)
    pool = _pool(repos, branch_id)
    by_id = {c.id: c for c in pool}
    names = {f"pins[{i}].{side}": cid for i, (mentee_id, mentor_id) in enumerate(pins)
             for side, cid in (("mentee_id", mentee_id), ("mentor_id", mentor_id))}
    names |= {f"exclude[{i}]": cid for i, cid in enumerate(excluded)}
    outside = [cid for cid in names.values() if cid not in by_id]
    known = by_id | (repos.matching.people(branch_id, outside) if outside else {})
    _check_people(set(by_id), known, names)
    mentees, mentors = _split(pool)
    result = assignment.propose(
        [matching.profile(c) for c in mentees], [matching.profile(c) for c in mentors], settings_of(branch),
        assignment.Mode(mode), pins=[assignment.Pin(a, b) for a, b in pins], excluded=list(excluded),
    )
    record = _record(branch_id, actor_id, result, list(pins), list(excluded))
    repos.matching.save(record)
    metrics.add_metric(name="MatchingProposed", unit="Count", value=1)
    logger.info("matching proposed", extra={"proposal_id": record.id, "pairs": len(record.pairs),
                                            "unpaired": len(record.unpaired), "pool": len(pool)})
    return _view(branch, record, by_id, {a.mentee_id: a for a in result.pairs})


def _people_of(repos: Repos, branch_id: str, record: ProposalRecord) -> dict[str, Candidate]:
    ids = [i for p in record.pairs for i in (p["mentee_id"], p["mentor_id"])] + [u["id"] for u in record.unpaired]
    return repos.matching.people(branch_id, ids)


def proposal(repos: Repos, branch_id: str, proposal_id: str) -> ProposalView:
    """A kept proposal, each pair with its state now (open, accepted, or no longer possible)."""
    branch = repos.branches.get(branch_id)
    record = repos.matching.get(branch_id, proposal_id)
    return _view(branch, record, _people_of(repos, branch_id, record))


def latest(repos: Repos, branch_id: str) -> ProposalRecord | None:
    return repos.matching.latest(branch_id)


@dataclass
class Outcome:
    mentee_id: str
    mentor_id: str
    code: str  # paired | a conflict's code (mentor_busy, not_ready, ...) | invalid
    message: str = ""
    duo_id: str = ""

    @property
    def paired(self) -> bool:
        return self.code == "paired"


def accept(repos: Repos, actor_id: str, branch_id: str, proposal_id: str,
           items: list[tuple[str, datetime | None]] | None = None) -> list[Outcome]:
    """Accept some pairs of a proposal (``items``: mentee id and first meeting; None: every open pair at its
    suggested time). Each pair is its own pairing transaction: one that is no longer possible (someone was
    paired meanwhile) answers its conflict and does not stop the others."""
    from chalicelib.services import duos

    branch = repos.branches.get(branch_id)
    record = repos.matching.get(branch_id, proposal_id)
    proposed = {p["mentee_id"]: p for p in record.pairs}
    view = _view(branch, record, _people_of(repos, branch_id, record))
    by_mentee = {p.mentee.id: p for p in view.pairs}
    if items is None:
        items = [(p.mentee.id, None) for p in view.open_pairs]
    bad = {f"pairs[{i}].mentee_id": N_("This mentee is not in the proposal.") for i, (mid, _) in enumerate(items)
           if mid not in proposed}
    if bad:
        raise InvalidInputError(N_("Some pairs are not in this proposal."), bad)
    outcomes: list[Outcome] = []
    for mentee_id, at in items:
        pair = by_mentee.get(mentee_id)
        mentor_id = proposed[mentee_id]["mentor_id"]
        if pair is None:
            outcomes.append(Outcome(mentee_id, mentor_id, "not_found", "This person is no longer in the branch."))
            continue
        if pair.state == "accepted":
            outcomes.append(Outcome(mentee_id, mentor_id, "already_paired", "This pair was accepted already.",
                                    pair.duo_id))
            continue
        when = at or pair.suggested_at or _suggested(branch, pair.mentee, pair.mentor)
        try:
            duo = duos.pair(repos, branch_id, mentee_id, mentor_id, when, actor_id, via="proposal",
                            proposal_id=record.id)
        except ConflictError as error:
            outcomes.append(Outcome(mentee_id, mentor_id, error.code, error.message))
        except InvalidInputError as error:
            detail = "; ".join(error.fields.values()) or error.message
            outcomes.append(Outcome(mentee_id, mentor_id, "invalid", detail))
        else:
            outcomes.append(Outcome(mentee_id, mentor_id, "paired", "", duo.id))
    logger.info("matching accepted", extra={"proposal_id": record.id,
                                            "paired": sum(1 for o in outcomes if o.paired), "asked": len(outcomes)})
    return outcomes


def pairing_note(repos: Repos, branch: Branch, mentee: Candidate, mentor: Candidate, via: str,
                 proposal_id: str = "") -> tuple[dict[str, Any], tuple[str, str] | None]:
    """What a pairing's event records about matching (codes and numbers only): how it came about, its score,
    whether it passes the hard constraints, and whether it followed the branch's latest proposal for these
    two people. Also the proposal counter to move once the pairing is written: (proposal id, outcome)."""
    assessment = matching.assess(matching.profile(mentee), matching.profile(mentor), settings_of(branch))
    note: dict[str, Any] = {"via": via, "score": assessment.percent, "allowed": assessment.allowed,
                            "proposal": proposal_id or None, "followed": True if proposal_id else None}
    if proposal_id:
        return note, (proposal_id, "accepted")
    if via != "manual":
        return note, None
    record = repos.matching.latest(branch.id)
    if record is None or record.created_at < clock.iso(clock.now() - PROPOSAL_CURRENT_FOR):
        return note, None
    proposed = {p["mentee_id"]: p["mentor_id"] for p in record.pairs}
    proposed_mentor = {p["mentor_id"] for p in record.pairs}
    if mentee.id not in proposed and mentor.id not in proposed_mentor:
        return note, None
    followed = proposed.get(mentee.id) == mentor.id
    note.update(proposal=record.id, followed=followed)
    return note, (record.id, "accepted" if followed else "overridden")


# --- Previewing new weights -----------------------------------------------------------------------------------
@dataclass
class Change:
    mentee: Candidate
    before: Candidate | None  # the mentor proposed with the current settings
    after: Candidate | None  # ... and with the new ones


@dataclass
class Preview:
    current: Settings
    candidate: Settings
    before_total: float
    after_total: float
    before_pairs: int
    after_pairs: int
    changes: list[Change]
    pool_mentees: int
    pool_mentors: int


def candidate_settings(branch: Branch, patch: dict[str, Any]) -> Settings:
    """The branch's settings with ``patch`` (``{"weights": {...}, "hard": [...]}``) over them; 400 when
    they break a rule across fields (every weight zero)."""
    config = merge(branch.effective_config(), {"matching": patch})
    problems = config_problems(config)
    if problems:
        raise InvalidInputError(N_("Some fields are not valid."), {k.removeprefix("config.matching."): v
                                                               for k, v in problems.items()})
    return Settings.from_config(config)


def preview(repos: Repos, branch_id: str, patch: dict[str, Any]) -> Preview:
    """How new weights would change the pool's proposal (highest total score), without saving anything."""
    from chalicelib.domain import assignment

    branch = repos.branches.get(branch_id)
    current, candidate = settings_of(branch), candidate_settings(branch, patch)
    pool = _pool(repos, branch_id)
    by_id = {c.id: c for c in pool}
    mentees, mentors = _split(pool)
    a_side, b_side = [matching.profile(c) for c in mentees], [matching.profile(c) for c in mentors]
    before = assignment.propose(a_side, b_side, current, assignment.Mode.SCORE)
    after = assignment.propose(a_side, b_side, candidate, assignment.Mode.SCORE)
    was = {a.mentee_id: a.mentor_id for a in before.pairs}
    now = {a.mentee_id: a.mentor_id for a in after.pairs}
    changes = [Change(m, by_id.get(was.get(m.id, "")), by_id.get(now.get(m.id, ""))) for m in mentees
               if was.get(m.id) != now.get(m.id)]
    return Preview(current, candidate, before.total, after.total, len(before.pairs), len(after.pairs), changes,
                   len(mentees), len(mentors))
