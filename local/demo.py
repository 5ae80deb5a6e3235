"""Demo data for `make run`: per branch a believable programme, written through the services.

Every person signs up for an info session and goes as far as their story says: attended or not,
intake, training, pairing, the two 24-hour answers, the agreement, meetings, goals, check-ins,
intervisions, workshops and services, closing with evaluations, and the outcome at twelve months.
The clock is set back to when each step happened (``clock.set_now``), so every record carries its
real history of events, and the task list and pipeline have something to show. Names are invented
(common first names and surnames of each city, combined at random with a fixed seed); every address
is on the demo mail domain, and no mail is sent while seeding.
"""

from __future__ import annotations

import contextlib
import dataclasses
import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.api.signup_schemas import InfoSessionIn, SignupIn
from chalicelib.domain.candidates import DIGITAL_LEVELS, INTERESTS
from chalicelib.domain.duos import MENTEE_EVALUATION, MENTOR_EVALUATION
from chalicelib.domain.roles import Principal, Role
from chalicelib.services import clock, people, sessions, signup
from chalicelib.services import duos as duo_service
from chalicelib.services.people import IntakeData
from chalicelib.services.repos import Repos

# Who the branches' mentees and mentors are, roughly: first names and surnames to combine.
_MENTEE_FIRST = ["Amina", "Youssef", "Aya", "Mohamed", "Samira", "Bilal", "Yonas", "Hiba", "Omar", "Fatoumata",
                 "Karim", "Meryem", "Tesfay", "Nour", "Ali", "Sara", "Ibrahim", "Zainab", "Ahmad", "Leyla",
                 "Mamadou", "Rania", "Hamza", "Esra", "Dawit", "Ilham"]
_MENTEE_LAST = ["El Amrani", "Bakkali", "Haddad", "Tesfaye", "Yilmaz", "Diallo", "Nazari", "Popescu", "Benali",
                "Kaya", "Mansour", "Haile", "Rahimi", "Ouedraogo", "El Idrissi", "Demir", "Sow", "Karimi",
                "Aziz", "Bouzid"]
_MENTORS = {
    "nl": (["Jan", "Marleen", "Luc", "Greet", "Dirk", "Annemie", "Koen", "Hilde", "Paul", "Rita", "Marc", "Els"],
           ["Peeters", "Janssens", "Maes", "Claes", "Wouters", "De Smet", "Willems", "Goossens", "Vermeulen",
            "Mertens", "Jacobs", "Van Damme"]),
    "nl-NL": (["Henk", "Ineke", "Wim", "Marja", "Kees", "Anneke", "Gerard", "Joke", "Peter", "Ria", "Hans", "Truus"],
              ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos",
               "Vos", "Dekker"]),
    "fr": (["Michel", "Françoise", "Alain", "Martine", "Philippe", "Christine", "Bernard", "Nicole", "Daniel",
            "Sylvie", "Jean-Luc", "Monique"],
           ["Dubois", "Lambert", "Martin", "Dupont", "Leroy", "Renard", "Lefèvre", "Moreau", "Simon", "Laurent",
            "Mercier", "Fontaine"]),
}
_PLACES = {  # postcode, city as people write it, phone prefix
    "brussels": ("1000", "Bruxelles", "+32 47"), "liege": ("4000", "Liège", "+32 49"),
    "antwerp": ("2000", "Antwerpen", "+32 47"), "ghent": ("9000", "Gent", "+32 48"),
    "lille": ("59000", "Lille", "+33 6"), "rotterdam": ("3011", "Rotterdam", "+31 6"),
}
# Where else around the city people live (matching compares the postcode's first two characters).
_AROUND = {
    "brussels": [("1030", "Schaerbeek"), ("1080", "Molenbeek-Saint-Jean"), ("1180", "Uccle"), ("1200", "Woluwe")],
    "liege": [("4020", "Liège"), ("4100", "Seraing"), ("4430", "Ans")],
    "antwerp": [("2060", "Antwerpen"), ("2100", "Deurne"), ("2600", "Berchem")],
    "ghent": [("9040", "Sint-Amandsberg"), ("9820", "Merelbeke"), ("9100", "Sint-Niklaas")],
    "lille": [("59100", "Roubaix"), ("59200", "Tourcoing"), ("62300", "Lens")],
    "rotterdam": [("3071", "Rotterdam"), ("2900", "Capelle aan den IJssel"), ("3192", "Hoogvliet")],
}
# Weekly slots the demo people are free (several shared ones, so that pools have pairs to propose).
_SLOTS = ["mon_evening", "tue_afternoon", "tue_evening", "wed_morning", "thu_evening", "fri_afternoon",
          "sat_morning"]
# Languages a mentor may speak beyond the branch's own (some share a mentee's first language).
_MENTOR_EXTRA = [("ar", "conversational"), ("tr", "fluent"), ("es", "fluent"), ("fr", "fluent"),
                 ("de", "conversational"), ("ro", "conversational")]
_PROFESSIONS = ["Retired HR manager", "Accountant", "Former teacher", "Logistics manager", "Engineer",
                "Nurse", "Shop owner", "Civil servant", "Sales director", "IT consultant"]
_SECTORS = ["logistics", "retail", "care", "hospitality", "it", "construction", "administration", "industry"]
_GOALS = ["Update the CV", "Practise a job interview", "Apply to five vacancies", "Visit a job fair",
          "Open a LinkedIn profile", "Find a Dutch or French course", "Contact a temp agency"]

# The stories, oldest first: (days ago they signed up, how far they got). Duos pair a mentee and a mentor
# of the same story. "closed+" has its evaluations and outcome; "closed" is waiting for the outcome.
STORIES: list[tuple[int, str, int]] = [  # days ago, story, how many
    (470, "closed+", 2), (300, "closed", 1), (170, "active", 3), (60, "agreed", 1), (30, "first_meeting", 2),
    (45, "ready", 4), (40, "training", 1), (28, "ready", 4), (25, "not_suitable", 1), (21, "withdrawn", 1),
    (16, "intake_scheduled", 2), (12, "attended", 2), (12, "no_show", 1), (-8, "registered", 3),
]
DUO_STORIES = {"closed+", "closed", "active", "agreed", "first_meeting"}
# The ready pool waits for a matching session: two mentees for each mentor (the mentors whose duo closed
# are back in it too), with varied sectors, languages, slots, help, interests and digital skills.
ALTERNATE_STORIES = {"ready"}


class _NoMail:
    """Seeding sends nothing: the outbox stays for what the demo itself does."""

    def send(self, to: str, subject: str, text: str) -> str:
        return "demo-not-sent"


@dataclass
class _Person:
    id: str
    role: str
    version: int = 0


@dataclass
class _Branch:
    id: str
    country: str
    languages: list[str]
    coordinator: Principal
    admin: Principal
    rng: random.Random
    counter: int = 0
    turn: int = 0  # whose turn it is in an alternating story
    sessions: dict[int, str] = field(default_factory=dict)
    help_needs: list[str] = field(default_factory=list)  # the branch's intake list (what mentors may offer)


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum() or c in ".-")


def _at(now: datetime, days_ago: float, hour: int = 10) -> datetime:
    moment = (now - timedelta(days=days_ago)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return moment


def _set(moment: datetime) -> None:
    clock.set_now(moment)


@contextlib.contextmanager
def _moto_without_backups() -> Iterator[None]:
    """Local moto only: skip the copy of the whole table that moto makes before every transaction item
    (so that it can roll back): seeding costs a few seconds instead of minutes. The seed's transactions
    are the services' own and none is expected to fail; one that did would raise and stop the seed."""
    try:
        from moto.dynamodb import models
    except ImportError:  # pragma: no cover - moto is a dev dependency
        yield
        return
    real = models.copy

    class _Copy:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, models.Table) else real.deepcopy(value, memo)

    models.copy = _Copy()  # type: ignore[assignment]
    try:
        yield
    finally:
        models.copy = real


def seed_demo(repos: Repos, branch_ids: list[str], *, seed: int = 2026) -> dict[str, int]:
    """Seed each branch; answers how many people and duos each got. The clock is released at the end."""
    from local.seed import DEMO_DOMAIN, demo_subject

    quiet = dataclasses.replace(repos, mailer=_NoMail())
    now = clock.now()
    counts: dict[str, int] = {}
    with _moto_without_backups():
        try:
            for branch_id in branch_ids:
                branch = quiet.branches.get(branch_id)
                coordinator = Principal(Role.COORDINATOR, demo_subject("coordinator", branch_id), branch_id,
                                        demo_subject("coordinator", branch_id))
                admin = Principal(Role.BRANCH_ADMIN, demo_subject("branch_admin", branch_id), branch_id,
                                  demo_subject("branch_admin", branch_id))
                b = _Branch(branch_id, branch.country, list(branch.languages), coordinator, admin,
                            random.Random(f"{seed}:{branch_id}"),
                            help_needs=list(branch.effective_config()["intake"]["help_needs"]))
                counts[branch_id] = _seed_branch(quiet, b, now, DEMO_DOMAIN)
        finally:
            clock.set_now(None)
    return counts


def _seed_branch(repos: Repos, b: _Branch, now: datetime, domain: str) -> int:
    made = 0
    for days_ago, story, count in STORIES:
        for _ in range(count):
            roles = ("mentee", "mentor") if story in DUO_STORIES else (b.rng.choice(("mentee", "mentee", "mentor")),)
            if story in ALTERNATE_STORIES:  # mentee, mentor, mentee, mentee, mentor, ...
                roles, b.turn = (("mentee", "mentor", "mentee")[b.turn % 3],), b.turn + 1
            if story == "training":
                roles = ("mentor",)
            persons = [_sign_up(repos, b, role, now, days_ago, domain) for role in roles]
            made += len(persons)
            if days_ago < 0:
                continue
            for person in persons:
                _to_stage(repos, b, person, story, now, days_ago)
            if story in DUO_STORIES:
                _duo(repos, b, persons[0], persons[1], story, now, days_ago)
    return made


# --- people ---------------------------------------------------------------------------------------

def _session(repos: Repos, b: _Branch, now: datetime, days_ago: int) -> str:
    if days_ago not in b.sessions:
        _set(_at(now, max(days_ago + 1, 3), 9))
        language = b.languages[0]
        data = InfoSessionIn.model_validate({
            "starts_at": _at(now, days_ago - 2, 18).isoformat(), "format": "in_person", "language": language,
            "address": f"{_PLACES[b.id][1]}, demo address", "audience": "both", "capacity": 40})
        b.sessions[days_ago] = sessions.create_session(repos, b.id, data).id
    return b.sessions[days_ago]


def _sign_up(repos: Repos, b: _Branch, role: str, now: datetime, days_ago: int, domain: str) -> _Person:
    session_id = _session(repos, b, now, days_ago)
    rng = b.rng
    b.counter += 1
    if role == "mentee":
        first, last = rng.choice(_MENTEE_FIRST), rng.choice(_MENTEE_LAST)
        age = rng.randint(19, 31)
        home = rng.choice(["ar", "tr", "ti", "fa", "ro", "so", "ber"])
        languages = [{"code": home, "level": "native"}, {"code": b.languages[0], "level": "conversational"}]
        if b.country == "NL":
            languages.append({"code": "en", "level": "fluent"})
    else:
        names = _MENTORS["nl-NL" if b.country == "NL" else ("nl" if b.languages[0] == "nl" else "fr")]
        first, last = rng.choice(names[0]), rng.choice(names[1])
        age = rng.randint(52, 71)
        languages = [{"code": b.languages[0], "level": "native"}, {"code": "en", "level": "fluent"}]
        code, level = rng.choice(_MENTOR_EXTRA)
        if rng.random() < 0.5 and all(x["code"] != code for x in languages):
            languages.append({"code": code, "level": level})
    postcode, city, prefix = _PLACES.get(b.id, ("1000", b.id.title(), "+32 47"))
    if rng.random() < 0.6:
        postcode, city = rng.choice(_AROUND.get(b.id) or [(postcode, city)])
    today = (now - timedelta(days=days_ago + 1)).date()
    body: dict[str, Any] = {
        "role": role, "session_id": session_id, "name": f"{first} {last}",
        "email": f"{_ascii(first)}.{_ascii(last).replace(' ', '')}.{b.counter}@{domain}",
        "phone": f"{prefix}{rng.randint(0, 9)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
        "birth_date": date(today.year - age, rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
        "postcode": postcode, "city": city, "languages": languages, "consent": True, "language": b.languages[0],
        "heard_from": rng.choice(["website", "social_media", "friend_or_family", "job_centre", "organisation"]),
        "sectors": rng.sample(_SECTORS, 2),
    }
    if role == "mentee":
        body.update(looking_for=["job"], education_level=rng.choice(["secondary", "vocational", "bachelor"]),
                    work_permit=True, migration_background=True)
    else:
        body.update(profession=rng.choice(_PROFESSIONS), available_six_months=True)
    _set(_at(now, max(days_ago + 1, 2), 11))
    signup.sign_up(repos, b.id, SignupIn.model_validate(body))
    return _Person(_signed_up(repos, b.id, role, body["email"]), role, 0)


def _signed_up(repos: Repos, branch_id: str, role: str, email: str) -> str:
    """The id of who just signed up with ``email``: read from the signup's email guard (one get by key; a
    search would be a query, which moto answers by reading the whole table: the seed's slowest part)."""
    from chalicelib.store import keys
    from chalicelib.store.models import GuardItem

    with repos.scopes.tenant(branch_id):
        return GuardItem.get(*keys.candidate_email_key(branch_id, role, email), consistent_read=True).owner


def _step(person: _Person, saved: Any) -> None:
    person.version = saved.version


def _to_stage(repos: Repos, b: _Branch, p: _Person, story: str, now: datetime, days_ago: int) -> None:
    """Take one person as far as their story goes, each step at its own moment."""
    who = b.coordinator
    _set(_at(now, days_ago - 2, 21))  # the evening of the info session
    _step(p, people.mark_attendance(repos, who, b.id, p.id, attended=story != "no_show", version=p.version))
    if story in ("no_show", "attended"):
        return
    _set(_at(now, days_ago - 3, 9))
    intake_on = _at(now, days_ago - 6, 14)
    _step(p, people.schedule_intake(repos, who, b.id, p.id, at=intake_on, version=p.version))
    if story == "intake_scheduled":
        return
    _set(intake_on + timedelta(hours=1))
    rng = b.rng
    decision = {"not_suitable": "not_suitable", "withdrawn": "withdrawn"}.get(story, "ready")
    mentee = p.role == "mentee"
    offered = b.help_needs
    data = IntakeData(
        experience="Demo: earlier work and studies.", expectations="Demo: what they hope for.",
        help_needs=rng.sample(["cv", "interview_practice", "network", "language", "job_search"], 2) if mentee else [],
        availability=rng.sample(_SLOTS, rng.randint(2, 4)),
        sectors=rng.sample(_SECTORS, 2), decision=decision,
        reason="availability" if decision == "not_suitable" else "",
        help_offers=[] if mentee else rng.sample(offered, min(len(offered), rng.randint(2, 4))),
        interests=rng.sample(INTERESTS, rng.randint(1, 4)),
        digital_skills=rng.choices(DIGITAL_LEVELS, weights=(3, 4, 1) if mentee else (1, 4, 3))[0],
    )
    _step(p, people.record_intake(repos, who, b.id, p.id, data, version=p.version))
    if p.role != "mentor" or decision != "ready":
        return
    modules = [m["code"] for m in repos.branches.get(b.id).effective_config()["training"]["modules"]]
    done = modules if story != "training" else modules[: len(modules) // 2]
    for i, module in enumerate(done):
        on = (intake_on + timedelta(days=2 + 2 * i)).date()
        _set(datetime.combine(on, datetime.min.time(), UTC) + timedelta(hours=20))
        _step(p, people.record_training(repos, who, b.id, p.id, module=module, completed_on=on, version=p.version))


# --- duos -----------------------------------------------------------------------------------------

def _duo(repos: Repos, b: _Branch, mentee: _Person, mentor: _Person, story: str, now: datetime, days_ago: int) -> None:
    who = b.coordinator.staff_id
    rng = b.rng
    paired = days_ago - 24 if story not in ("first_meeting",) else 3
    _set(_at(now, paired, 10))
    first_meeting = _at(now, paired - 2, 15) if story != "first_meeting" else _at(now, 1, 15)
    duo = duo_service.pair(repos, b.id, mentee.id, mentor.id, first_meeting, who)
    _set(first_meeting + timedelta(hours=3))
    duo = duo_service.answer(repos, b.id, duo.id, "mentor", "yes", duo.version, "candidate")
    if story == "first_meeting":
        return
    duo = duo_service.answer(repos, b.id, duo.id, "mentee", "yes", duo.version, "candidate")
    if story == "agreed":
        return
    signed = first_meeting + timedelta(days=4)
    _set(signed)
    duo = duo_service.record_agreement(repos, b.id, duo.id, signed.date(), True, True, True, duo.version, who)
    for title in rng.sample(_GOALS, 2):
        duo = duo_service.add_goal(repos, b.id, duo.id, title, (signed + timedelta(days=60)).date(), duo.version, who)
    end = min(now - timedelta(days=1), signed + timedelta(days=182))
    closing = story.startswith("closed")
    last_meeting = end - timedelta(days=rng.choice((3, 9, 20)) if not closing else 5)
    day, meetings = signed + timedelta(days=7), 0
    while day <= last_meeting and meetings < 12:
        _set(day + timedelta(hours=8))
        duo = duo_service.log_meeting(repos, b.id, duo.id, day.date(), rng.choice((60, 90, 120)),
                                      rng.choice(("in_person", "in_person", "online")), duo.version, who)
        meetings += 1
        if meetings == 2:
            goal = duo.goals[0]["id"]
            duo = duo_service.update_goal(repos, b.id, duo.id, goal, "in_progress", None, False, duo.version, who)
            duo = duo_service.add_checkin(repos, b.id, duo.id, day.date(), "call", duo.version, who)
            duo = duo_service.add_intervision(repos, b.id, duo.id, day.date(), duo.version, who)
            offered = repos.branches.get(b.id).effective_config()["services"]
            code = "laptop_loan" if "laptop_loan" in offered and rng.random() < 0.4 else "cv_review"
            if code in offered:
                due = (day + timedelta(days=90)).date() if code == "laptop_loan" else None
                duo = duo_service.add_service(repos, b.id, duo.id, code, day.date(), due, duo.version, who)
        day += timedelta(days=rng.choice((10, 14, 17)))
    if not closing:
        return
    _set(end)
    duo = duo_service.add_intervision(repos, b.id, duo.id, (end - timedelta(days=20)).date(), duo.version, who)
    kind, reason = ("completed", None) if rng.random() < 0.7 else ("stopped", "found_job")
    duo = duo_service.close(repos, b.id, duo.id, end.date(), kind, reason, duo.version, who)
    _set(end + timedelta(days=3))
    said = {k: rng.random() < 0.8 for k in MENTEE_EVALUATION}
    duo = duo_service.submit_evaluation(repos, b.id, duo.id, "mentee", said, duo.version, "candidate")
    if story != "closed+":
        return
    _set(end + timedelta(days=5))
    said = {k: rng.random() < 0.85 for k in MENTOR_EVALUATION}
    duo = duo_service.submit_evaluation(repos, b.id, duo.id, "mentor", said, duo.version, "candidate")
    outcome_day = signed + timedelta(days=366)
    if outcome_day < now:
        _set(outcome_day)
        duo_service.record_outcome(repos, b.id, duo.id, rng.choice(("job", "job", "training", "searching")),
                                   duo.version, who)
