"""What matching reads and keeps: a branch's whole ready pool (both roles, a few paged queries on one
GSI2 partition, never one read per person), and its proposals (ids, scores and codes: no personal data),
which the table forgets by TTL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.domain.candidates import Candidate, CandidateStatus
from chalicelib.domain.errors import NotFoundError
from chalicelib.store import keys
from chalicelib.store.candidates import to_candidate
from chalicelib.store.models import CandidateItem, ProposalItem
from chalicelib.store.scopes import Scopes

POOL_PAGE = 500  # candidates read per query of the ready list (DynamoDB also stops a page at 1 MB)
KEEP_PROPOSALS = timedelta(days=90)


@dataclass
class ProposalRecord:
    id: str
    branch: str
    mode: str
    created_at: str  # UTC ISO
    created_by: str  # staff id
    pairs: list[dict[str, Any]]  # {"mentee_id", "mentor_id", "score", "pinned"}
    unpaired: list[dict[str, Any]]  # {"id", "role", "code", "params"}
    total: float = 0.0
    pins: list[list[str]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    accepted: int = 0
    overridden: int = 0


def _record(branch: str, item: ProposalItem) -> ProposalRecord:
    return ProposalRecord(
        id=item.proposal_id, branch=branch, mode=item.mode, created_at=item.created_at, created_by=item.created_by,
        pairs=list(item.pairs or []), unpaired=list(item.unpaired or []), total=float(item.total or 0),
        pins=[list(p) for p in item.pins or []], excluded=list(item.excluded or []),
        accepted=int(item.accepted or 0), overridden=int(item.overridden or 0),
    )


class MatchingRepository:
    def __init__(self, scopes: Scopes) -> None:
        self._scopes = scopes

    def pool(self, branch: str) -> list[Candidate]:
        """Every ready candidate of the branch (mentees and mentors), longest ready first."""
        rows: list[Candidate] = []
        with self._scopes.tenant(branch):
            for item in CandidateItem.timeline.query(
                keys.candidate_status_key(branch, CandidateStatus.READY.value), scan_index_forward=True,
                page_size=POOL_PAGE,
            ):
                rows.append(to_candidate(item))
        return rows

    def people(self, branch: str, ids: list[str]) -> dict[str, Candidate]:
        """The branch's candidates among ``ids`` (BatchGet, 100 a call); an id of nobody is left out."""
        found: dict[str, Candidate] = {}
        wanted = list(dict.fromkeys(i for i in ids if i and "#" not in i))
        with self._scopes.tenant(branch):
            for start in range(0, len(wanted), 100):
                chunk = [keys.candidate_key(branch, cid) for cid in wanted[start:start + 100]]
                for item in CandidateItem.batch_get(chunk, consistent_read=True):
                    found[item.candidate_id] = to_candidate(item)
        return found

    def save(self, record: ProposalRecord) -> None:
        pk, sk = keys.proposal_key(record.branch, record.id)
        created = datetime.fromisoformat(record.created_at.replace("Z", "+00:00"))
        item = ProposalItem(
            pk, sk, proposal_id=record.id, mode=record.mode, pins=record.pins, excluded=record.excluded,
            pairs=record.pairs, unpaired=record.unpaired, total=record.total, created_at=record.created_at,
            created_by=record.created_by, accepted=record.accepted, overridden=record.overridden,
            expires_at=created + KEEP_PROPOSALS,
        )
        with self._scopes.tenant(record.branch):
            item.save(condition=ProposalItem.pk.does_not_exist())

    def get(self, branch: str, proposal_id: str) -> ProposalRecord:
        try:
            pk, sk = keys.proposal_key(branch, proposal_id)
        except ValueError:
            raise NotFoundError("There is no such proposal.", code="proposal_not_found") from None
        with self._scopes.tenant(branch):
            try:
                return _record(branch, ProposalItem.get(pk, sk, consistent_read=True))
            except DoesNotExist:
                raise NotFoundError("There is no such proposal.", code="proposal_not_found") from None

    def latest(self, branch: str) -> ProposalRecord | None:
        """The branch's newest proposal (ids are time-ordered), if any."""
        with self._scopes.tenant(branch):
            for item in ProposalItem.query(keys.proposal_list_key(branch),
                                           ProposalItem.sk.startswith(keys.PROPOSAL_PREFIX),
                                           scan_index_forward=False, limit=1):
                return _record(branch, item)
        return None

    def count(self, branch: str, proposal_id: str, outcome: str) -> None:
        """One more of the proposal's pairs accepted, or paired otherwise (``outcome``: accepted | overridden)."""
        attribute = {"accepted": ProposalItem.accepted, "overridden": ProposalItem.overridden}[outcome]
        pk, sk = keys.proposal_key(branch, proposal_id)
        with self._scopes.tenant(branch):
            try:
                ProposalItem(pk, sk).update(actions=[attribute.add(1)], condition=ProposalItem.pk.exists())
            except UpdateError as error:
                if error.cause_response_code != "ConditionalCheckFailedException":
                    raise  # gone by TTL meanwhile: nothing to count

