"""Matching: the JSON API (staff of the branch; previewing new weights: its admins).

Ranked partners for one ready person, a proposal for the whole ready pool, accepting its pairs, and the
preview of new weights. The reasons come as codes with their parameters and in words, in the language of
the request's Accept-Language (English by default).
"""

from __future__ import annotations

from typing import Any

from chalicelib.api import matching_schemas as s
from chalicelib.api.routing import Call, route
from chalicelib.api.schemas import MatchingSettings
from chalicelib.domain.candidates import Candidate
from chalicelib.domain.matching import Assessment, Reason, Settings
from chalicelib.domain.roles import STAFF_ROLES, Role
from chalicelib.services import matching as service
from chalicelib.services import repos

STAFF = set(STAFF_ROLES)
ADMINS = {Role.BRANCH_ADMIN}
TAGS = ("matching",)
BASE = "/branches/{branch}/matching"
API_LANGUAGES = ["en", "nl", "fr"]


def language(call: Call) -> str:
    from chalicelib.web import i18n

    return i18n.negotiate(API_LANGUAGES, None, (call.headers or {}).get("accept-language"))


def _actor(call: Call) -> str:
    return call.principal.staff_id or call.principal.subject


def person_ref(c: Candidate) -> s.PersonRef:
    return s.PersonRef(id=c.id, role=c.role.value, name=c.name, status=c.status.value, ready_since=c.status_since)


def reason_out(reason: Reason, lang: str) -> s.ReasonOut:
    from chalicelib.web.matching_words import reason_text

    return s.ReasonOut(code=reason.code, params=dict(reason.params), text=reason_text(reason.code, reason.params, lang))


def criteria_out(assessment: Assessment, lang: str) -> list[s.CriterionOut]:
    from chalicelib.web.matching_words import criterion_name

    return [s.CriterionOut(criterion=c.criterion, name=criterion_name(c.criterion, lang), score=round(c.score, 4),
                           weight=c.weight, pros=[reason_out(r, lang) for r in c.pros],
                           cons=[reason_out(r, lang) for r in c.cons]) for c in assessment.criteria]


def settings_out(settings: Settings) -> s.SettingsOut:
    return s.SettingsOut(weights=dict(settings.weights), hard=sorted(settings.hard))


@route(BASE + "/candidates/{candidate_id}", "GET", summary="A ready person's possible partners, best first, "
       "each with its score and reasons", roles=STAFF, query=s.RankQuery, response=s.RankingOut, tags=TAGS)
def ranked_partners(call: Call) -> s.RankingOut:
    lang = language(call)
    result = service.ranking(repos.get(), call.params["branch"], call.params["candidate_id"],
                             include_blocked=call.query.include_blocked, limit=call.query.limit)
    return s.RankingOut(
        person=person_ref(result.person), settings=settings_out(result.settings), allowed=result.allowed,
        blocked=result.blocked,
        ranked=[s.RankedOut(candidate=person_ref(c), score=a.percent, allowed=a.allowed,
                            blocks=[reason_out(r, lang) for r in a.blocks], criteria=criteria_out(a, lang),
                            suggested_first_meeting=result.suggested.get(c.id)) for c, a in result.rows],
    )


def proposal_out(view: service.ProposalView, lang: str) -> s.ProposalOut:
    return s.ProposalOut(
        id=view.id, mode=view.mode, created_at=view.created_at, total_score=round(view.total, 4),
        pairs=[s.PairOut(mentee=person_ref(p.mentee), mentor=person_ref(p.mentor), score=p.score, pinned=p.pinned,
                         state=p.state, duo_id=p.duo_id or None, suggested_first_meeting=p.suggested_at,
                         blocks=[reason_out(r, lang) for r in p.assessment.blocks],
                         criteria=criteria_out(p.assessment, lang)) for p in view.pairs],
        unpaired=[s.UnpairedOut(candidate=person_ref(u.candidate) if u.candidate else None, role=u.role,
                                reason=reason_out(u.reason, lang)) for u in view.unpaired],
        pins=view.pins, excluded=view.excluded, accepted=view.accepted, overridden=view.overridden,
    )


@route(BASE + "/proposals", "POST", summary="Propose pairs for the whole ready pool (optimal, not greedy), "
       "with who is left unpaired and why", roles=STAFF, body=s.ProposalIn, response=s.ProposalOut, status=201,
       tags=TAGS)
def create_proposal(call: Call) -> s.ProposalOut:
    b = call.body
    view = service.propose(repos.get(), _actor(call), call.params["branch"], mode=b.mode,
                           pins=[(p.mentee_id, p.mentor_id) for p in b.pins], excluded=list(b.exclude))
    return proposal_out(view, language(call))


@route(BASE + "/proposals/{proposal_id}", "GET", summary="A proposal, each pair with its state now",
       roles=STAFF, response=s.ProposalOut, tags=TAGS)
def read_proposal(call: Call) -> s.ProposalOut:
    view = service.proposal(repos.get(), call.params["branch"], call.params["proposal_id"])
    return proposal_out(view, language(call))


@route(BASE + "/proposals/{proposal_id}/accept", "POST", summary="Accept pairs of a proposal (each becomes a "
       "pairing: both get their answer link by mail)", roles=STAFF, body=s.AcceptIn, response=s.AcceptOut,
       tags=TAGS)
def accept_pairs(call: Call) -> s.AcceptOut:
    pairs = call.body.pairs
    items = None if pairs is None else [(p.mentee_id, p.first_meeting_at) for p in pairs]
    outcomes = service.accept(repos.get(), _actor(call), call.params["branch"], call.params["proposal_id"], items)
    return s.AcceptOut(
        paired=sum(1 for o in outcomes if o.paired),
        results=[s.AcceptResult(mentee_id=o.mentee_id, mentor_id=o.mentor_id, status=o.code, message=o.message,
                                duo_id=o.duo_id or None) for o in outcomes],
    )


def _totals(total: float, pairs: int) -> dict[str, float]:
    return {"total_score": round(total, 4), "pairs": pairs}


@route(BASE + "/preview", "POST", summary="How new weights would change the pool's proposal (nothing saved)",
       roles=ADMINS, body=MatchingSettings, response=s.PreviewOut, tags=TAGS)
def preview_weights(call: Call) -> s.PreviewOut:
    patch: dict[str, Any] = call.body.model_dump(exclude_none=True)
    result = service.preview(repos.get(), call.params["branch"], patch)
    return s.PreviewOut(
        current=settings_out(result.current), preview=settings_out(result.candidate),
        pool={"mentees": result.pool_mentees, "mentors": result.pool_mentors},
        before=_totals(result.before_total, result.before_pairs), after=_totals(result.after_total, result.after_pairs),
        changes=[s.ChangeOut(mentee=person_ref(c.mentee), before=person_ref(c.before) if c.before else None,
                             after=person_ref(c.after) if c.after else None) for c in result.changes],
    )
