"""People through the first steps: attendance, intake, training, withdrawal; and finding them.

Pure: the rules a candidate's steps follow (``next_status``), the intake record (``Intake``), training
readiness from the branch's ``config.training.modules`` (``readiness``), and the search terms of a
person (``search_terms`` / ``query_words``). No I/O: the services read and write, this decides.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from chalicelib.domain.candidates import CandidateRole, CandidateStatus
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.texts import N_, word

S = CandidateStatus


class Step(StrEnum):
    """What a coordinator (or the candidate) does to a candidate in this part of the life cycle."""

    ATTENDED = "attended"
    NO_SHOW = "no_show"
    SCHEDULE_INTAKE = "schedule_intake"
    RECORD_INTAKE = "record_intake"
    TRAINING = "training"
    WITHDRAW = "withdraw"


class Decision(StrEnum):
    READY = "ready"
    NOT_SUITABLE = "not_suitable"
    WITHDRAWN = "withdrawn"


# Why a candidate is not suitable now (the console translates each code).
NOT_SUITABLE_REASONS = (
    "expectations", "availability", "language", "not_eligible", "motivation", "timing", "other",
)

_ATTENDANCE_FROM = frozenset({S.REGISTERED, S.ATTENDED, S.NO_SHOW})
_SCHEDULE_FROM = frozenset({S.REGISTERED, S.ATTENDED, S.NO_SHOW, S.NOT_SUITABLE, S.INTAKE_SCHEDULED})
_TRAINING_FROM = frozenset({S.TRAINING, S.READY})
_BUSY = frozenset({S.PAIRED, S.IN_DUO})

_STEP_TEXT = {
    Step.ATTENDED: N_("mark as attended"),
    Step.NO_SHOW: N_("mark as not attended"),
    Step.SCHEDULE_INTAKE: N_("schedule an intake"),
    Step.RECORD_INTAKE: N_("record an intake"),
    Step.TRAINING: N_("record training"),
    Step.WITHDRAW: N_("withdraw"),
}
# A status as the refusals word it (``in_duo`` -> "in duo"): marked, so a page words it in its language.
_STATUS_TEXT = {
    S.REGISTERED: N_("registered"), S.ATTENDED: N_("attended"), S.NO_SHOW: N_("no show"),
    S.INTAKE_SCHEDULED: N_("intake scheduled"), S.TRAINING: N_("training"), S.READY: N_("ready"),
    S.NOT_SUITABLE: N_("not suitable"), S.PAIRED: N_("paired"), S.IN_DUO: N_("in duo"),
    S.FINISHED: N_("finished"), S.WITHDRAWN: N_("withdrawn"),
}


def _refuse(status: CandidateStatus, step: Step, code: str = "wrong_step", why: str = "") -> ConflictError:
    if why:
        return ConflictError(N_("Not possible: %(reason)s.", reason=word(why)), code=code)
    status_text = _STATUS_TEXT.get(status) or status.value.replace("_", " ")
    return ConflictError(N_("Not possible: a candidate who is %(status)s cannot %(step)s now.",
                            status=word(status_text), step=word(_STEP_TEXT[step])), code=code)


def next_status(
    status: CandidateStatus,
    step: Step,
    *,
    role: CandidateRole,
    decision: Decision | None = None,
    training_complete: bool = False,
) -> CandidateStatus:
    """The status ``step`` leads a candidate in ``status`` to, or ConflictError(code=...) saying why not.

    registered/attended/no_show -> attended | no_show (attendance may be corrected);
    registered/attended/no_show/not_suitable -> intake_scheduled (and rescheduled while scheduled);
    intake_scheduled -> ready (mentee, or a mentor with every required module) | training (mentor) |
    not_suitable | withdrawn; training <-> ready as required modules are recorded or undone;
    any status but paired/in_duo (and withdrawn) -> withdrawn.
    """
    if step in (Step.ATTENDED, Step.NO_SHOW):
        if status not in _ATTENDANCE_FROM:
            raise _refuse(status, step)
        return S.ATTENDED if step is Step.ATTENDED else S.NO_SHOW
    if step is Step.SCHEDULE_INTAKE:
        if status not in _SCHEDULE_FROM:
            raise _refuse(status, step)
        return S.INTAKE_SCHEDULED
    if step is Step.RECORD_INTAKE:
        if status is not S.INTAKE_SCHEDULED:
            raise _refuse(status, step, "intake_not_scheduled", N_("schedule the intake first") if status in
                          _SCHEDULE_FROM else "")
        if decision is None:
            raise ConflictError(N_("Not possible: an intake needs a decision."), code="decision_missing")
        if decision is Decision.READY:
            if role is CandidateRole.MENTOR and not training_complete:
                return S.TRAINING
            return S.READY
        return S.NOT_SUITABLE if decision is Decision.NOT_SUITABLE else S.WITHDRAWN
    if step is Step.TRAINING:
        if role is not CandidateRole.MENTOR:
            raise _refuse(status, step, "not_a_mentor", N_("only mentors follow the training"))
        if status not in _TRAINING_FROM:
            raise _refuse(status, step, "not_in_training")
        return S.READY if training_complete else S.TRAINING
    if step is Step.WITHDRAW:
        if status in _BUSY:
            raise _refuse(status, step, "in_a_duo", N_("this candidate is in a pairing or a duo: close it first"))
        if status is S.WITHDRAWN:
            raise _refuse(status, step, "already_withdrawn", N_("this candidate has withdrawn already"))
        return S.WITHDRAWN
    raise ValueError(f"unknown step {step!r}")


# --- The intake record ---


@dataclass
class Intake:
    """What the intake interview recorded (personal data: the candidate's record only, never events)."""

    scheduled_at: str = ""  # UTC ISO: when the interview is planned
    scheduled_by: str = ""
    experience: str = ""
    expectations: str = ""
    help_needs: list[str] = field(default_factory=list)
    availability: list[str] = field(default_factory=list)
    languages: list[dict[str, str]] = field(default_factory=list)  # [{"code", "level"}]
    sectors: list[str] = field(default_factory=list)
    help_offers: list[str] = field(default_factory=list)  # mentors: codes of the branch's help needs
    interests: list[str] = field(default_factory=list)  # candidates.INTERESTS
    digital_skills: str = ""  # "" not recorded, or one of candidates.DIGITAL_LEVELS
    notes: str = ""  # personality notes
    decision: str = ""  # ready | not_suitable | withdrawn ("" not recorded yet)
    reason: str = ""  # NOT_SUITABLE_REASONS
    recorded_at: str = ""
    recorded_by: str = ""

    @property
    def recorded(self) -> bool:
        return bool(self.recorded_at)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Intake:
        data = data or {}
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        intake = cls(**known)
        intake.help_needs = list(intake.help_needs or [])
        intake.availability = list(intake.availability or [])
        intake.sectors = list(intake.sectors or [])
        intake.help_offers = list(intake.help_offers or [])
        intake.interests = list(intake.interests or [])
        intake.digital_skills = str(intake.digital_skills or "")
        intake.languages = [{"code": str(x.get("code", "")), "level": str(x.get("level", ""))}
                            for x in intake.languages or [] if isinstance(x, dict)]
        return intake


# --- Training ---


@dataclass(frozen=True)
class Readiness:
    """A mentor's training against the branch's modules: what is done, what is still required."""

    modules: tuple[str, ...]  # every module code, in the branch's order
    required: tuple[str, ...]
    done: tuple[str, ...]  # modules with a completion date, in order
    missing: tuple[str, ...]  # required modules without one

    @property
    def complete(self) -> bool:
        return not self.missing


def readiness(modules: Iterable[dict[str, Any]], training: dict[str, str]) -> Readiness:
    """``modules``: the branch's ``config.training.modules``; ``training``: {code: "YYYY-MM-DD"}."""
    codes = [m["code"] for m in modules]
    required = [m["code"] for m in modules if m.get("required", True)]
    done = [c for c in codes if training.get(c)]
    return Readiness(tuple(codes), tuple(required), tuple(done), tuple(c for c in required if not training.get(c)))


# --- Search terms ---

_WORD = re.compile(r"[a-z0-9]+")
_PHONE_QUERY = re.compile(r"^[+0-9 ()./-]+$")
MAX_TERM = 80
MIN_PHONE_DIGITS = 3
# Country calling codes of the branches' countries and of their neighbours: the national number is
# what remains after them. A number in another format is still found by its full digits.
_COUNTRY_CODES = ("352", "32", "33", "31", "49", "44", "34", "39", "41", "43", "212", "213", "216", "90")


def normalise(text: str) -> str:
    """Lowercase, without accents (NFKD, combining marks dropped): "Çelik Élodie" -> "celik elodie"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def phone_forms(phone: str) -> set[str]:
    """The digits of a phone number as stored, and its national forms: "+32 470 12 34 56" gives
    "32470123456", "470123456" and "0470123456"; "0470 12 34 56" gives "0470123456" and "470123456"."""
    raw = (phone or "").strip()
    digits = re.sub(r"\D", "", raw)
    if len(digits) < MIN_PHONE_DIGITS:
        return set()
    forms = {digits}
    international = raw.startswith("+") or digits.startswith("00")
    if digits.startswith("00"):
        digits = digits[2:]
        forms.add(digits)
    if international:
        code = next((c for c in _COUNTRY_CODES if digits.startswith(c)), "")
        if code:
            national = digits[len(code):].lstrip("0")
            forms |= {national, "0" + national}
    elif digits.startswith("0"):
        forms.add(digits.lstrip("0"))
    return {f[:MAX_TERM] for f in forms if len(f) >= MIN_PHONE_DIGITS}


def search_terms(name: str, email: str, phone: str) -> set[str]:
    """What a person is found by: each word of their name, their email and its local part, their phone."""
    terms = {w for w in _WORD.findall(normalise(name))}
    address = normalise(email).strip().replace("#", "")
    if address:
        terms.add(address)
        local = address.split("@", 1)[0]
        if local:
            terms.add(local)
    terms |= phone_forms(phone)
    return {t[:MAX_TERM] for t in terms if t}


def _phone_query(q: str) -> str:
    """An international query looks for the national number (every stored form has it: "+32470" and
    "0032 470" look for "470"); a national one for its digits as typed ("0470", "470")."""
    digits = re.sub(r"\D", "", q)
    if not (q.startswith("+") or digits.startswith("00")):
        return digits
    digits = digits[2:] if digits.startswith("00") else digits
    code = next((c for c in _COUNTRY_CODES if digits.startswith(c)), "")
    national = digits[len(code):].lstrip("0") if code else digits
    return national if len(national) >= MIN_PHONE_DIGITS - 1 and national else digits


def query_words(q: str) -> list[str]:
    """The prefixes a search looks for, longest first: digits for a phone-like query, else words."""
    q = (q or "").strip()
    if not q:
        return []
    if _PHONE_QUERY.match(q) and len(re.sub(r"\D", "", q)) >= MIN_PHONE_DIGITS:
        return [_phone_query(q)]
    text = normalise(q)
    if ("@" in text or "." in text) and " " not in text:  # an email address or its local part
        return [text.replace("#", "")[:MAX_TERM]]
    words = list(dict.fromkeys(w[:MAX_TERM] for w in _WORD.findall(text)))
    return sorted(words, key=len, reverse=True)


def matches(words: list[str], terms: set[str]) -> bool:
    """Every query word starts some term of the person."""
    return all(any(t.startswith(w) for t in terms) for w in words)
