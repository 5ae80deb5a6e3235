"""Candidates of a branch, the one transaction that signs a candidate up, and their life-cycle steps.

A signup writes, all or nothing: the candidate, their registration in the session's partition,
the seat (``seats_taken + 1`` only while seats are left and the session is scheduled and to come),
the guard that keeps one candidate per email and role, the request's idempotency record, the
person's search terms and a "candidate.signed_up" event.

Every later step (``CandidateRepository.step``) is ONE TransactWrite: the candidate's update on
condition of the version the caller read and the status the step leaves, with its event item (and,
for attendance, the registration's status). A cancelled transaction is read back to answer the
precise 409: ``changed_meanwhile`` for a stale version, ``wrong_step`` when the status moved on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.candidates import Candidate, CandidateRole, CandidateStatus, SpokenLanguage
from chalicelib.domain.duos import OPEN_PHASES
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.events import CANDIDATE_ACTOR, Event
from chalicelib.domain.intake import query_words, search_terms
from chalicelib.domain.privacy_requests import CONTACT_FIELDS
from chalicelib.store import keys
from chalicelib.store.events import event_item
from chalicelib.store.models import (
    CandidateItem,
    DuoItem,
    GuardItem,
    IdempotencyItem,
    RegistrationItem,
    SessionItem,
    TermItem,
)
from chalicelib.store.scopes import Scopes
from chalicelib.store.sessions import iso, to_session

IDEMPOTENCY_FOR = timedelta(hours=24)
MAX_LINKS = 5
HANDOVER_BATCH = 40  # records per hand-over transaction (each: the record and its event; at most 100 items)


@dataclass(frozen=True)
class Outcome:
    """What the signup transaction did: ``created``, or why not (``seat``, ``duplicate``, ``replay``)."""

    kind: str
    owner: str = ""  # the existing candidate (duplicate) or the first request's (replay)


def candidate_item(c: Candidate, link_hashes: list[str]) -> CandidateItem:
    pk, sk = keys.candidate_key(c.branch, c.id)
    return CandidateItem(
        pk,
        sk,
        gsi1pk=keys.candidate_list_key(c.branch),
        gsi1sk=f"{c.created_at}#{c.id}",
        gsi2pk=keys.candidate_status_key(c.branch, c.status.value),
        gsi2sk=f"{c.status_since or c.created_at}#{c.id}",
        gsi3pk=keys.owner_key(c.branch, c.coordinator_id) if c.coordinator_id else None,
        gsi3sk=f"CAND#{c.id}" if c.coordinator_id else None,
        candidate_id=c.id,
        role=c.role.value,
        status=c.status.value,
        name=c.name,
        email=c.email,
        phone=c.phone,
        birth_date=c.birth_date,
        postcode=c.postcode,
        city=c.city,
        languages=[{"code": lang.code, "level": lang.level} for lang in c.languages],
        heard_from=c.heard_from,
        language=c.language,
        consent={"version": c.consent_version, "language": c.consent_language, "at": c.consent_at},
        session_id=c.session_id,
        looking_for=list(c.looking_for),
        sectors=list(c.sectors),
        education_level=c.education_level,
        work_permit=c.work_permit,
        profession=c.profession,
        available_six_months=c.available_six_months,
        link_hashes=link_hashes,
        created_at=c.created_at,
        updated_at=c.updated_at or c.created_at,
        version=c.version,
        status_since=c.status_since or c.created_at,
        coordinator_id=c.coordinator_id,
        intake=c.intake,
        training=dict(c.training),
        help_needs=list(c.help_needs),
        availability=list(c.availability),
        duo_id=c.duo_id,
        duo_ids=list(c.duo_ids),
        declined_with=list(c.declined_with),
        restricted=dict(c.restricted) if c.restricted else None,
    )


def to_candidate(item: CandidateItem) -> Candidate:
    consent = dict(item.consent or {})
    return Candidate(
        id=item.candidate_id,
        branch=keys.branch_of(item.pk) or "",
        role=CandidateRole(item.role),
        status=CandidateStatus(item.status),
        name=item.name,
        email=item.email,
        phone=item.phone,
        birth_date=item.birth_date,
        postcode=item.postcode,
        city=item.city,
        languages=[SpokenLanguage(x["code"], x["level"]) for x in item.languages or []],
        heard_from=item.heard_from,
        language=item.language,
        consent_version=consent.get("version", ""),
        consent_language=consent.get("language", ""),
        consent_at=consent.get("at", ""),
        session_id=item.session_id,
        created_at=item.created_at,
        updated_at=item.updated_at,
        looking_for=list(item.looking_for or []),
        sectors=list(item.sectors or []),
        education_level=item.education_level or "",
        work_permit=item.work_permit,
        profession=item.profession or "",
        available_six_months=item.available_six_months,
        version=int(item.version or 0),
        status_since=item.status_since or item.created_at,
        coordinator_id=item.coordinator_id or "",
        intake=dict(item.intake) if item.intake else None,
        training=dict(item.training or {}),
        help_needs=list(item.help_needs or []),
        availability=list(item.availability or []),
        duo_id=item.duo_id or "",
        duo_ids=list(item.duo_ids or []),
        declined_with=list(item.declined_with or []),
        restricted=dict(item.restricted) if item.restricted else None,
    )


def status_actions(branch: str, candidate_id: str, status: str, at: str) -> list:
    """The update actions that move a candidate to ``status`` (its lists follow), as one version step.

    Every life-cycle change of a candidate, whichever repository writes it (pairing a duo moves both
    people), goes through this, with a condition on the status it leaves.
    """
    return [
        CandidateItem.status.set(status),
        CandidateItem.status_since.set(at),
        CandidateItem.gsi2pk.set(keys.candidate_status_key(branch, status)),
        CandidateItem.gsi2sk.set(f"{at}#{candidate_id}"),
        CandidateItem.updated_at.set(at),
        CandidateItem.version.add(1),
    ]


def term_items(c: Candidate) -> list[TermItem]:
    """The person's search terms (see ``domain.intake.search_terms``): add them to the transaction that
    writes the candidate (signup, import)."""
    pk = keys.candidate_key(c.branch, c.id)[0]
    return [
        TermItem(pk, keys.term_key(c.branch, c.id, term)[1], gsi1pk=keys.search_list_key(c.branch),
                 gsi1sk=f"{term}#{c.id}", candidate_id=c.id)
        for term in sorted(search_terms(c.name, c.email, c.phone))
    ]


# Candidate fields a step may change, written as they are (the status goes through ``status_actions``).
_PLAIN_FIELDS = ("intake", "training", "help_needs", "availability", "sectors")


def change_actions(before: Candidate, after: Candidate, at: str) -> list:
    """The update actions that turn ``before`` into ``after`` (fields of this part), as one version step."""
    actions: list = []
    for name in _PLAIN_FIELDS:
        if getattr(before, name) != getattr(after, name):
            actions.append(getattr(CandidateItem, name).set(getattr(after, name)))
    if before.languages != after.languages:
        actions.append(CandidateItem.languages.set([{"code": x.code, "level": x.level} for x in after.languages]))
    if before.restricted != after.restricted:
        restricted = CandidateItem.restricted
        actions.append(restricted.set(dict(after.restricted)) if after.restricted else restricted.remove())
    if before.coordinator_id != after.coordinator_id:
        actions += owner_actions(CandidateItem, after.branch, after.coordinator_id, f"CAND#{after.id}")
    if before.status != after.status:
        return actions + status_actions(after.branch, after.id, after.status.value, at)
    return [*actions, CandidateItem.updated_at.set(at), CandidateItem.version.add(1)]


def owner_actions(model: type[CandidateItem] | type[DuoItem], branch: str, staff_id: str, sort_key: str) -> list:
    """Set the responsible coordinator and the caseload index (GSI3) that follows them."""
    if not staff_id:
        return [model.coordinator_id.set(""), model.gsi3pk.remove(), model.gsi3sk.remove()]
    return [model.coordinator_id.set(staff_id), model.gsi3pk.set(keys.owner_key(branch, staff_id)),
            model.gsi3sk.set(sort_key)]


def registration_item(c: Candidate, session_id: str, at: str) -> RegistrationItem:
    pk, sk = keys.registration_key(c.branch, session_id, c.id)
    return RegistrationItem(
        pk, sk, candidate_id=c.id, session_id=session_id, name=c.name, email=c.email, role=c.role.value,
        language=c.language, status="registered", registered_at=at,
    )


def _seat_condition(now: datetime):  # type: ignore[no-untyped-def]
    return (
        SessionItem.pk.exists()
        & (SessionItem.status == "scheduled")
        & (SessionItem.starts_at > iso(now))
        & (SessionItem.seats_taken < SessionItem.capacity)
    )


class CandidateRepository:
    """A branch's candidates. Every method takes the branch first and runs in its scope."""

    def __init__(self, scopes: Scopes) -> None:
        self._scopes = scopes

    def sign_up(self, candidate: Candidate, link_hash: str, idempotency: str | None, now: datetime) -> Outcome:
        branch, at = candidate.branch, candidate.created_at
        session_pk, session_sk = keys.session_key(branch, candidate.session_id)
        guard_pk, guard_sk = keys.candidate_email_key(branch, candidate.role.value, candidate.email)
        with self._scopes.tenant(branch) as conn:
            try:
                with TransactWrite(connection=conn.connection) as tx:
                    tx.update(
                        SessionItem(session_pk, session_sk),
                        actions=[SessionItem.seats_taken.add(1)],
                        condition=_seat_condition(now),
                    )
                    tx.save(candidate_item(candidate, [link_hash]), condition=CandidateItem.pk.does_not_exist())
                    tx.save(registration_item(candidate, candidate.session_id, at))
                    tx.save(GuardItem(guard_pk, guard_sk, owner=candidate.id), condition=GuardItem.pk.does_not_exist())
                    for term in term_items(candidate):
                        tx.save(term)
                    signed_up = Event("candidate.signed_up", "candidate", candidate.id, CANDIDATE_ACTOR, at,
                                      data={"to": candidate.status.value, "role": candidate.role.value,
                                            "heard_from": candidate.heard_from or None})
                    tx.save(event_item(branch, signed_up))
                    if idempotency:
                        idem_pk, idem_sk = keys.idempotency_key(branch, idempotency)
                        record = IdempotencyItem(
                            idem_pk, idem_sk, owner=candidate.id, session_id=candidate.session_id,
                            expires_at=now + IDEMPOTENCY_FOR,
                        )
                        tx.save(record, condition=IdempotencyItem.pk.does_not_exist())
            except TransactWriteError as error:
                if error.cause_response_code != "TransactionCanceledException":
                    raise
                return self._why_not(candidate, idempotency, now, guard_pk, guard_sk)
        return Outcome("created", candidate.id)

    def _why_not(
        self, candidate: Candidate, idempotency: str | None, now: datetime, guard_pk: str, guard_sk: str
    ) -> Outcome:
        """Which condition cancelled the signup, read back in order of precedence (inside the scope)."""
        branch = candidate.branch
        if idempotency:
            first = self._owner(IdempotencyItem, *keys.idempotency_key(branch, idempotency))
            if first:
                return Outcome("replay", first)
        try:
            session = to_session(SessionItem.get(*keys.session_key(branch, candidate.session_id), consistent_read=True))
        except DoesNotExist:
            return Outcome("seat")
        if not session.is_open(now):
            return Outcome("seat")
        owner = self._owner(GuardItem, guard_pk, guard_sk)
        if owner:
            return Outcome("duplicate", owner)
        raise ConflictError("Your signup met another change at the same moment; send it again.", code="retry")

    @staticmethod
    def _owner(model: type[GuardItem] | type[IdempotencyItem], pk: str, sk: str) -> str:
        try:
            return model.get(pk, sk, consistent_read=True).owner
        except DoesNotExist:
            return ""

    @staticmethod
    def _open(branch: str, session_id: str, now: datetime) -> bool:
        try:
            return to_session(SessionItem.get(*keys.session_key(branch, session_id), consistent_read=True)).is_open(now)
        except DoesNotExist:
            return False

    def get(self, branch: str, candidate_id: str) -> Candidate:
        pk, sk = keys.candidate_key(branch, candidate_id)
        with self._scopes.tenant(branch):
            try:
                return to_candidate(CandidateItem.get(pk, sk, consistent_read=True))
            except DoesNotExist:
                raise NotFoundError("There is no such candidate.", code="candidate_not_found") from None

    def link_hashes(self, branch: str, candidate_id: str) -> list[str]:
        pk, sk = keys.candidate_key(branch, candidate_id)
        with self._scopes.tenant(branch):
            try:
                item = CandidateItem.get(pk, sk, consistent_read=True, attributes_to_get=["link_hashes"])
            except DoesNotExist:
                return []
            return list(item.link_hashes or [])

    def add_link(self, branch: str, candidate_id: str, link_hash: str) -> None:
        """Give a candidate one more valid personal link (the newest few stay valid)."""
        hashes = [*self.link_hashes(branch, candidate_id), link_hash][-MAX_LINKS:]
        pk, sk = keys.candidate_key(branch, candidate_id)
        with self._scopes.tenant(branch):
            CandidateItem(pk, sk).update(
                actions=[CandidateItem.link_hashes.set(hashes)], condition=CandidateItem.pk.exists()
            )

    def list(
        self, branch: str, *, role: str | None, status: str | None, limit: int, cursor: str | None
    ) -> tuple[list[Candidate], str | None]:
        """Newest first; by status through GSI2, by role as a filter (two roles: pages stay full enough)."""
        start = keys.decode_cursor(cursor, keys.tenant_prefix(branch), index=2 if status else 1)
        condition = CandidateItem.role == role if role else None
        with self._scopes.tenant(branch):
            if status:
                index, pk = CandidateItem.timeline, keys.candidate_status_key(branch, status)
            else:
                index, pk = CandidateItem.lists, keys.candidate_list_key(branch)
            result = index.query(
                pk, filter_condition=condition, scan_index_forward=False, limit=limit, last_evaluated_key=start
            )
            rows = [to_candidate(item) for item in result]
            return rows, keys.encode_cursor(result.last_evaluated_key)

    def move(self, candidate: Candidate, to_session: str | None, now: datetime) -> None:
        """Withdraw (``to_session`` None) or move a registered candidate to another session, atomically."""
        branch, old = candidate.branch, candidate.session_id
        at = iso(now)
        cand_pk, cand_sk = keys.candidate_key(branch, candidate.id)
        old_pk, old_sk = keys.session_key(branch, old)
        with self._scopes.tenant(branch) as conn:
            try:
                with TransactWrite(connection=conn.connection) as tx:
                    tx.update(
                        SessionItem(old_pk, old_sk), actions=[SessionItem.seats_taken.add(-1)],
                        condition=SessionItem.seats_taken > 0,
                    )
                    registered = (CandidateItem.status == CandidateStatus.REGISTERED.value) & (
                        CandidateItem.session_id == old
                    )
                    if to_session is None:
                        status = CandidateStatus.WITHDRAWN.value
                        tx.update(
                            CandidateItem(cand_pk, cand_sk),
                            actions=status_actions(branch, candidate.id, status, at),
                            condition=registered,
                        )
                        withdrawn = Event("candidate.withdrawn", "candidate", candidate.id, CANDIDATE_ACTOR, at,
                                          fields=("status",), data={"from": CandidateStatus.REGISTERED.value,
                                                                    "to": status, "reason": "cancelled_registration",
                                                                    "role": candidate.role.value})
                        tx.save(event_item(branch, withdrawn))
                        reg_pk, reg_sk = keys.registration_key(branch, old, candidate.id)
                        tx.update(RegistrationItem(reg_pk, reg_sk), actions=[RegistrationItem.status.set("cancelled")])
                    else:
                        new_pk, new_sk = keys.session_key(branch, to_session)
                        tx.update(
                            SessionItem(new_pk, new_sk), actions=[SessionItem.seats_taken.add(1)],
                            condition=_seat_condition(now),
                        )
                        tx.update(
                            CandidateItem(cand_pk, cand_sk),
                            actions=[CandidateItem.session_id.set(to_session), CandidateItem.updated_at.set(at)],
                            condition=registered,
                        )
                        tx.delete(RegistrationItem(*keys.registration_key(branch, old, candidate.id)))
                        tx.save(registration_item(candidate, to_session, at))
            except TransactWriteError as error:
                if error.cause_response_code != "TransactionCanceledException":
                    raise
                if to_session is not None and not self._open(branch, to_session, now):
                    raise ConflictError("That session has no free seat any more.", code="session_full") from None
                message = "Your registration changed meanwhile; reload the page."
                raise ConflictError(message, code="registration_changed") from None

    # --- The life cycle (issue 5) ---

    def step(
        self,
        before: Candidate,
        after: Candidate,
        event: Event,
        *,
        leaves: Iterable[str] | None = None,
        registration_status: str | None = None,
    ) -> Candidate:
        """Write ``after`` over ``before`` in ONE transaction with ``event``: on condition that the stored
        version is still ``before.version`` (else 409 ``changed_meanwhile``) and, when ``leaves`` is given,
        that the status is one of them. ``registration_status``: the info-session registration follows
        (attendance). Returns ``after`` with its new version."""
        branch, at = before.branch, event.at
        pk, sk = keys.candidate_key(branch, before.id)
        condition = CandidateItem.pk.exists() & (CandidateItem.version == before.version)
        statuses = list(leaves or [])
        if statuses:
            condition &= CandidateItem.status.is_in(*statuses)
        with self._scopes.tenant(branch) as conn:
            try:
                with TransactWrite(connection=conn.connection) as tx:
                    tx.update(CandidateItem(pk, sk), actions=change_actions(before, after, at), condition=condition)
                    tx.save(event_item(branch, event))
                    if registration_status and before.session_id:
                        reg_pk, reg_sk = keys.registration_key(branch, before.session_id, before.id)
                        tx.update(RegistrationItem(reg_pk, reg_sk), actions=[RegistrationItem.status.set(
                            registration_status)], condition=RegistrationItem.pk.exists())
            except TransactWriteError as error:
                if error.cause_response_code != "TransactionCanceledException":
                    raise
                raise self._why_step_failed(before, statuses) from None
        after.version = before.version + 1
        after.updated_at = at
        if after.status != before.status:
            after.status_since = at
        return after

    def _why_step_failed(self, before: Candidate, statuses: list[str]) -> Exception:
        """Read the candidate back (inside the scope) and say precisely why the step was refused."""
        now = self.get(before.branch, before.id)  # NotFoundError when gone
        if now.version != before.version:
            return ConflictError("This person's record changed meanwhile; reload it and try again.",
                                 code="changed_meanwhile")
        if statuses and now.status.value not in statuses:
            return ConflictError(f"Not possible: this candidate is {now.status.value.replace('_', ' ')} now.",
                                 code="wrong_step")
        return ConflictError("This person's registration for the info session is missing.",
                             code="registration_missing")

    # --- Privacy (issue 8) ---

    def correct(self, before: Candidate, after: Candidate, event: Event) -> Candidate:
        """Write a correction of ``CONTACT_FIELDS`` in ONE transaction, on condition of ``before.version``:
        the candidate, their search terms (old ones deleted, new ones added), the email guard (moved to the
        new address, refused when another person of the branch and role holds it: 409 ``email_taken``),
        their current registration's copy, their duos' copy of the name, and the event."""
        branch, at = before.branch, event.at
        pk, sk = keys.candidate_key(branch, before.id)
        actions = [getattr(CandidateItem, f).set(getattr(after, f)) for f in CONTACT_FIELDS
                   if getattr(before, f) != getattr(after, f)]
        actions += [CandidateItem.updated_at.set(at), CandidateItem.version.add(1)]
        old_terms = search_terms(before.name, before.email, before.phone)
        new_terms = search_terms(after.name, after.email, after.phone)
        old_guard = keys.candidate_email_key(branch, before.role.value, before.email)
        new_guard = keys.candidate_email_key(branch, after.role.value, after.email)
        with self._scopes.tenant(branch) as conn:
            registration = self._registration(branch, before) if before.session_id else None
            duo_ids = self._existing_duos(branch, before.duo_ids) if before.name != after.name else []
            try:
                with TransactWrite(connection=conn.connection) as tx:
                    tx.update(CandidateItem(pk, sk), actions=actions,
                              condition=CandidateItem.pk.exists() & (CandidateItem.version == before.version))
                    tx.save(event_item(branch, event))
                    if old_guard != new_guard:
                        tx.delete(GuardItem(*old_guard),
                                  condition=(GuardItem.owner == before.id) | GuardItem.pk.does_not_exist())
                        tx.save(GuardItem(*new_guard, owner=before.id), condition=GuardItem.pk.does_not_exist())
                    for term in sorted(old_terms - new_terms):
                        tx.delete(TermItem(*keys.term_key(branch, before.id, term)))
                    for item in term_items(after):
                        if item.sk.removeprefix(keys.TERM_PREFIX) in new_terms - old_terms:
                            tx.save(item)
                    if registration is not None:
                        copied = [getattr(RegistrationItem, f).set(getattr(after, f)) for f in ("name", "email",
                                  "language") if getattr(before, f) != getattr(after, f)]
                        if copied:
                            tx.update(registration, actions=copied, condition=RegistrationItem.pk.exists())
                    side = DuoItem.mentee_name if before.role is CandidateRole.MENTEE else DuoItem.mentor_name
                    for duo_id in duo_ids:
                        tx.update(DuoItem(*keys.duo_key(branch, duo_id)), actions=[side.set(after.name)],
                                  condition=DuoItem.pk.exists())
            except TransactWriteError as error:
                if error.cause_response_code != "TransactionCanceledException":
                    raise
                now = self.get(branch, before.id)
                if now.version != before.version:
                    raise ConflictError("This person's record changed meanwhile; reload it and try again.",
                                        code="changed_meanwhile") from None
                if old_guard != new_guard and self._owner(GuardItem, *new_guard) not in ("", before.id):
                    message = "Another person of this branch has signed up with this email address."
                    raise ConflictError(message, {"email": message}, code="email_taken") from None
                raise ConflictError("This correction met another change; send it again.", code="retry") from None
        after.version = before.version + 1
        after.updated_at = at
        return after

    @staticmethod
    def _registration(branch: str, c: Candidate) -> RegistrationItem | None:
        try:
            return RegistrationItem.get(*keys.registration_key(branch, c.session_id, c.id), consistent_read=True,
                                        attributes_to_get=["pk", "sk"])
        except DoesNotExist:
            return None

    @staticmethod
    def _existing_duos(branch: str, duo_ids: list[str]) -> list[str]:
        wanted = [keys.duo_key(branch, d) for d in dict.fromkeys(duo_ids)][:90]
        if not wanted:
            return []
        found = DuoItem.batch_get(wanted, consistent_read=True, attributes_to_get=["pk", "sk", "duo_id"])
        return sorted(item.duo_id for item in found)

    def by_status(
        self, branch: str, status: str, *, limit: int = 50, cursor: str | None = None, since: str | None = None
    ) -> tuple[list[Candidate], str | None]:
        """Candidates in ``status``, longest in it first (GSI2); ``since``: only those in it from then on."""
        start = keys.decode_cursor(cursor, keys.tenant_prefix(branch), index=2)
        condition = CandidateItem.gsi2sk >= since if since else None
        with self._scopes.tenant(branch):
            result = CandidateItem.timeline.query(
                keys.candidate_status_key(branch, status), condition, scan_index_forward=True, limit=limit,
                last_evaluated_key=start,
            )
            rows = [to_candidate(item) for item in result]
            return rows, keys.encode_cursor(result.last_evaluated_key)

    def count_by_status(self, branch: str, status: str, since: str | None = None) -> int:
        """How many candidates are in ``status`` (since ``since``): a COUNT query on GSI2, no items read."""
        condition = CandidateItem.gsi2sk >= since if since else None
        with self._scopes.tenant(branch):
            return CandidateItem.timeline.count(keys.candidate_status_key(branch, status), condition)

    def search(self, branch: str, q: str, limit: int = 20) -> list[Candidate]:
        """Candidates with a term starting with each word of ``q``: one query on the branch's search terms
        (by the longest word) and one BatchGet of the people found, filtered on the other words."""
        words = query_words(q)
        if not words:
            return []
        ids: list[str] = []
        with self._scopes.tenant(branch):
            for item in TermItem.lists.query(
                keys.search_list_key(branch), TermItem.gsi1sk.startswith(words[0]), limit=max(limit * 4, 40)
            ):
                if item.candidate_id not in ids:
                    ids.append(item.candidate_id)
            found = {
                item.candidate_id: to_candidate(item)
                for item in CandidateItem.batch_get([keys.candidate_key(branch, cid) for cid in ids[: limit * 4]])
            } if ids else {}
        rows = [found[cid] for cid in ids if cid in found]
        rows = [c for c in rows if all(any(t.startswith(w) for t in search_terms(c.name, c.email, c.phone))
                                       for w in words)]
        return rows[:limit]

    def caseload(self, branch: str, staff_id: str, *, limit: int = 50, cursor: str | None = None
                 ) -> tuple[list[Candidate], str | None]:
        """The candidates a coordinator is responsible for (GSI3)."""
        start = keys.decode_cursor(cursor, keys.tenant_prefix(branch), index=3)
        with self._scopes.tenant(branch):
            result = CandidateItem.owners.query(
                keys.owner_key(branch, staff_id), CandidateItem.gsi3sk.startswith("CAND#"), limit=limit,
                last_evaluated_key=start,
            )
            rows = [to_candidate(item) for item in result]
            return rows, keys.encode_cursor(result.last_evaluated_key)

    def hand_over(self, branch: str, from_id: str, to_id: str, actor: str, at: str) -> dict[str, int]:
        """Give every candidate and every open duo of ``from_id``'s caseload to ``to_id``: each record
        with its event, in transactions of ``HANDOVER_BATCH`` records, on condition the record is still
        ``from_id``'s (a record changed meanwhile is left as it is). Returns the counts moved."""
        moved = {"candidates": 0, "duos": 0}
        records: list[tuple[str, str, str, int]] = []  # (kind, id, sk of the index, version)
        with self._scopes.tenant(branch) as conn:
            for item in DuoItem.owners.query(keys.owner_key(branch, from_id)):
                sort_key = item.gsi3sk or ""
                if sort_key.startswith("CAND#"):
                    records.append(("candidate", sort_key[5:], sort_key, 0))
                elif sort_key.startswith("DUO#") and getattr(item, "phase", None) in {p.value for p in OPEN_PHASES}:
                    records.append(("duo", sort_key[4:], sort_key, 0))
            for i in range(0, len(records), HANDOVER_BATCH):
                batch = records[i:i + HANDOVER_BATCH]
                try:
                    self._hand_over_batch(conn, branch, batch, from_id, to_id, actor, at)
                    done = batch
                except TransactWriteError as error:
                    if error.cause_response_code != "TransactionCanceledException":
                        raise
                    done = []
                    for record in batch:  # one by one: skip the few that changed meanwhile
                        try:
                            self._hand_over_batch(conn, branch, [record], from_id, to_id, actor, at)
                            done.append(record)
                        except TransactWriteError as single:
                            if single.cause_response_code != "TransactionCanceledException":
                                raise
                for kind, *_ in done:
                    moved["candidates" if kind == "candidate" else "duos"] += 1
        return moved

    @staticmethod
    def _hand_over_batch(conn, branch: str, batch: list, from_id: str, to_id: str, actor: str, at: str) -> None:  # type: ignore[no-untyped-def]
        with TransactWrite(connection=conn.connection) as tx:
            for kind, record_id, sort_key, _ in batch:
                model = CandidateItem if kind == "candidate" else DuoItem
                pk, sk = (keys.candidate_key if kind == "candidate" else keys.duo_key)(branch, record_id)
                tx.update(
                    model(pk, sk),
                    actions=[*owner_actions(model, branch, to_id, sort_key), model.updated_at.set(at),
                             model.version.add(1)],
                    condition=model.pk.exists() & (model.coordinator_id == from_id),
                )
                event = Event("caseload.handed_over", kind, record_id, actor, at, fields=("coordinator_id",),
                              data={"from": from_id, "to": to_id})
                tx.save(event_item(branch, event))
