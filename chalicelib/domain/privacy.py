"""The records of processing (GDPR article 30): every attribute the table holds, and every key of the intake
record, with what it is, whether it is personal, why it is kept, on which legal basis, for how long, who sees
it and what erasing the person does to it; the processors; the data subjects' rights and where in the product
each is exercised.

Pure data. ``docs/privacy.md`` is ``render_markdown()`` (``make privacy-doc`` writes it), and
``tests/unit/test_privacy_registry.py`` fails when a model gains an attribute that has no record here, when a
record names an attribute that does not exist, or when the document differs from what this module renders:
the document cannot drift from the code. ``PERSONAL_FIELDS`` (the names whose values are personal) is what
``chalicelib.observability.masked`` erases before an object is logged.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import timedelta

from chalicelib.domain.branches import default_config

CATEGORIES = {
    "identity": "who the person is (name, date of birth)",
    "contact": "how to reach them (email, phone, address), or a hash or search term made from it",
    "special": "may reveal ethnic origin, legal status or health (GDPR article 9, or as sensitive)",
    "programme": "their path through the programme: codes, statuses, dates, choices from lists",
    "free_text": "typed by staff or the person: may hold anything, so treated as personal",
    "technical": "keys, random ids, versions, timestamps of the record itself",
}
BASES = ("consent", "legitimate interest", "legal obligation")
ERASURE = ("deleted", "blanked", "kept")
# Who may see a value: staff roles of the person's own branch, the head office, and the person themselves
# (through their privacy page and the copy of their data).
ROLES = ("coordinator", "branch_admin", "head_office", "person")

_STAFF = ("coordinator", "branch_admin")
_STAFF_PERSON = ("coordinator", "branch_admin", "person")
_ADMIN = ("branch_admin",)
_ALL_STAFF = ("coordinator", "branch_admin", "head_office")
_NOBODY: tuple[str, ...] = ()

_DEFAULTS = default_config("BE")["retention"]
CANDIDATE_MONTHS = _DEFAULTS["candidate_months"]
AFTER_OUTCOME_MONTHS = _DEFAULTS["after_outcome_months"]
# Items the table forgets by itself (DynamoDB TTL on ``expires_at``); the store's constants must agree
# (tests/unit/test_privacy_registry.py compares them).
LINK_KEPT_AFTER_EXPIRY = timedelta(days=30)
PROPOSALS_KEPT = timedelta(days=90)
MARKERS_KEPT = timedelta(days=30)
IDEMPOTENCY_KEPT = timedelta(hours=24)
# How long each kind of personal link works (the duos' surveys: services/duos.py; the privacy links: H5a's).
LINK_VALIDITY = {"answer": "7 days", "evaluation": "30 days", "outcome": "60 days", "privacy": "12 months",
                 "export": "24 hours"}

RETENTION = {
    "person": (
        f"Until the person is erased: {CANDIDATE_MONTHS} months after their last activity when they never were in "
        f"a duo (`config.retention.candidate_months`), {AFTER_OUTCOME_MONTHS} months after the 12-month outcome "
        "once their duo closed (`config.retention.after_outcome_months`; without an outcome, from the end of the "
        "duo plus 12 months). Never while a duo of theirs is open. Earlier when they ask for erasure. The figures "
        "are each branch's own settings (the defaults shown); the scheduled retention sweep erases who expired."
    ),
    "duo": (
        "As long as the duo's record: its personal values (the names, goal titles) are blanked when that side is "
        "erased; what remains is random ids, dates and codes."
    ),
    "events": (
        "Kept: the events are the audit trail and the source the reports are rebuilt from. When the person is "
        "erased, the event data keeps only the codes the reports count; nothing leads back to the person."
    ),
    "staff": "While the staff member works for the branch: a branch admin's removal deletes the record.",
    "branch": "As long as the branch exists.",
    "links": (
        "The link's validity (" + ", ".join(f"{purpose} {how_long}" for purpose, how_long in LINK_VALIDITY.items())
        + f") plus {LINK_KEPT_AFTER_EXPIRY.days} days, then gone by TTL. Erasure deletes the links "
        "the person's record lists (their registration links); their other links hold only a hash, a purpose, random "
        "ids and dates until the TTL, and lead to nothing once the person is erased (404)."
    ),
    "proposals": f"{PROPOSALS_KEPT.days} days after the proposal, then gone by TTL.",
    "markers": f"{MARKERS_KEPT.days} days, then gone by TTL.",
    "idempotency": f"{int(IDEMPOTENCY_KEPT.total_seconds() // 3600)} hours, then gone by TTL.",
    "requests": (
        "Kept as the branch's proof that each request was answered in time (accountability): ids, codes and "
        "dates only; the person's id leads to nothing once they are erased."
    ),
    "audit": (
        "Kept as the record of who read a person's data (accountability): ids, codes and the reason given; the "
        "person's id leads to nothing once they are erased."
    ),
    "aggregates": "Kept: counts per branch and month, no person.",
}


@dataclass(frozen=True)
class Field:
    """One attribute of an item class (``model``) of ``store/models.py``, or one key of the intake record
    (``model="Intake"``), as the records of processing describe it."""

    model: str
    attribute: str
    category: str  # one of CATEGORIES
    personal: bool
    purpose: str
    basis: str  # one of BASES ("" for what is not personal)
    retention: str  # a key of RETENTION
    seen_by: tuple[str, ...]  # ROLES
    erased: str  # one of ERASURE: what erasing the person does to the value
    note: str = ""  # why a personal value is kept, or what the value holds


def _f(model: str, attribute: str, category: str, purpose: str, *, personal: bool = True, basis: str = "consent",
       retention: str = "person", seen_by: tuple[str, ...] = _STAFF_PERSON, erased: str = "deleted",
       note: str = "") -> Field:
    return Field(model, attribute, category, personal, purpose, basis if personal else "", retention, seen_by, erased,
                 note)


def _plain(model: str, attribute: str, purpose: str, retention: str, seen_by: tuple[str, ...], erased: str = "kept",
           category: str = "technical", note: str = "") -> Field:
    """Not personal data."""
    return _f(model, attribute, category, purpose, personal=False, retention=retention, seen_by=seen_by,
              erased=erased, note=note)


KEY_ATTRIBUTES = ("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk")
_KEY_PURPOSE = "Finding the item: the branch's prefix, the kind of item, random ids, codes and dates."


def _keys(model: str, retention: str, erased: str, **personal: Field) -> tuple[Field, ...]:
    """The table's and the indexes' keys of ``model``; ``personal`` replaces those that hold personal values."""
    return tuple(personal.get(name) or _plain(model, name, _KEY_PURPOSE, retention, _NOBODY, erased)
                 for name in KEY_ATTRIBUTES)


_BRANCH = tuple(
    _plain("BranchItem", name, purpose, "branch", _ALL_STAFF)
    for name, purpose in (
        ("name", "The branch's name."), ("country", "Its country (its defaults)."),
        ("time_zone", "Its local time (dates and reminders)."), ("languages", "The languages of its forms and mails."),
        ("config", "Its settings: eligibility, lists, matching, retention periods, targets, privacy notice."),
        ("status", "Active or suspended."), ("created_at", "When it was onboarded."),
        ("updated_at", "When its settings last changed."), ("version", "Optimistic locking of its settings."),
    )
)
_REGISTRY = tuple(
    _plain("RegistryItem", name, purpose, "branch", ("head_office",))
    for name, purpose in (
        ("branch", "The head office's list of branches: the branch's id."), ("name", "The branch's name."),
        ("country", "Its country."), ("status", "Active or suspended."), ("created_at", "When it was onboarded."),
        ("staff_count", "How many staff it has (a count, kept by the table's stream)."),
    )
)
_STAFF_GONE = "When a branch admin removes the staff member (they are not candidates: no erasure request)."
_STAFF_ITEM = tuple(
    _f("StaffItem", name, category, purpose, basis="legitimate interest", retention="staff", seen_by=seen_by,
       note=_STAFF_GONE)
    for name, category, purpose, seen_by in (
        ("name", "identity", "Naming a colleague in the console.", ("branch_admin", "person")),
        ("email", "contact", "Their sign-in and invitation address (also in the staff directory, Cognito).",
         ("branch_admin", "person")),
        ("staff_id", "technical", "Their random id (the directory's user name).", _STAFF),
        ("branch", "programme", "The branch they work for.", ("branch_admin", "person")),
        ("role", "programme", "What they may do: coordinator or branch admin.", ("branch_admin", "person")),
        ("status", "programme", "Invited or active.", ("branch_admin",)),
        ("created_at", "technical", "When they were invited.", ("branch_admin",)),
    )
)
_GUARD_NOTE = (
    "The sha256 of a candidate's role and email, or of a staff member's email: keeps an address unique within a "
    "branch without being readable; deleted with the person (erasure) or the staff member (removal)."
)
_GUARD = (
    _f("GuardItem", "owner", "technical", "The id of the person or staff member who holds the address.",
       retention="person", seen_by=_NOBODY),
    *_keys("GuardItem", "person", "deleted", pk=_f(
        "GuardItem", "pk", "contact", "Refusing a second signup (or staff invitation) with the same address.",
        retention="person", seen_by=_NOBODY, note=_GUARD_NOTE)),
)
_SESSION = tuple(
    _plain("SessionItem", name, purpose, "branch", _STAFF_PERSON, category=category)
    for name, purpose, category in (
        ("session_id", "The info session's random id.", "technical"),
        ("starts_at", "When it starts (UTC).", "programme"),
        ("duration_minutes", "How long it takes.", "programme"),
        ("format", "In person or online.", "programme"),
        ("address", "Where it takes place: the venue's address, not a person's.", "programme"),
        ("link", "The online meeting's link.", "programme"),
        ("language", "The language it is held in.", "programme"),
        ("audience", "Mentees, mentors or both.", "programme"),
        ("capacity", "Seats offered.", "programme"),
        ("seats_taken", "Seats taken (a count).", "programme"),
        ("status", "Planned or cancelled.", "programme"),
        ("created_at", "When it was planned.", "technical"),
        ("updated_at", "When it last changed.", "technical"),
    )
)
_REGISTRATION = (
    _f("RegistrationItem", "candidate_id", "technical", "Whose seat this is (their random id).", seen_by=_STAFF),
    _f("RegistrationItem", "session_id", "programme", "The info session they registered for."),
    _f("RegistrationItem", "name", "identity",
       "The session's list of attendees and its reminder mail, without reading every person's record (a copy: "
       "the person's own copy gives it once, from their record).", seen_by=_STAFF),
    _f("RegistrationItem", "email", "contact", "The session's reminder and cancellation mails (a copy, as the name).",
       seen_by=_STAFF),
    _f("RegistrationItem", "role", "programme", "Mentee or mentor.", seen_by=_STAFF),
    _f("RegistrationItem", "language", "programme", "The language of their mails."),
    _f("RegistrationItem", "status", "programme", "Registered, cancelled, attended or not."),
    _f("RegistrationItem", "registered_at", "technical", "When they registered."),
    _f("RegistrationItem", "reminded_at", "technical", "When the reminder mail went out.", seen_by=_STAFF),
)
_C = "CandidateItem"
_CANDIDATE = (
    _f(_C, "candidate_id", "technical", "The person's random id: every other item refers to it."),
    _f(_C, "role", "programme", "Mentee or mentor."),
    _f(_C, "status", "programme", "Where they are in the programme (registered ... in a duo, finished, withdrawn)."),
    _f(_C, "name", "identity", "Addressing them, and finding them (search)."),
    _f(_C, "email", "contact", "Mails about their sessions, intake, duo, surveys and privacy; finding them."),
    _f(_C, "phone", "contact", "Calling them (coordinators); finding them."),
    _f(_C, "birth_date", "identity", "The programme's age rules (eligibility at signup)."),
    _f(_C, "postcode", "contact", "Matching people who live near each other; the session they can reach."),
    _f(_C, "city", "contact", "The same, in words."),
    _f(_C, "languages", "special",
       "The languages they speak and how well (eligibility, matching): a first language may reveal ethnic origin."),
    _f(_C, "heard_from", "programme", "How they heard of the programme (a code: reports on outreach)."),
    _f(_C, "language", "programme", "The language they use with the branch (forms, mails)."),
    _f(_C, "consent", "programme", "Proof of consent (article 7(1)): the privacy notice's version and language, "
       "when given, and when withdrawn.", basis="legal obligation"),
    _f(_C, "session_id", "programme", "The info session they signed up for (their copy lists the registration).",
       seen_by=_STAFF),
    _f(_C, "looking_for", "programme", "Mentees: job, training or internship (matching)."),
    _f(_C, "sectors", "programme", "The sectors they look for or work in (matching)."),
    _f(_C, "education_level", "programme", "Mentees: their level of education (a code; matching)."),
    _f(_C, "work_permit", "special", "Mentees: whether they may work here (eligibility): reveals legal status. "
       "Asked only where the branch's eligibility requires it."),
    _f(_C, "profession", "free_text", "Mentors: their profession in their words (matching)."),
    _f(_C, "available_six_months", "programme", "Mentors: available for the six months of a duo (eligibility)."),
    _f(_C, "link_hashes", "technical", "The sha256 of their personal links, so erasure finds and deletes the links.",
       seen_by=_NOBODY),
    _f(_C, "created_at", "technical", "When they signed up."),
    _f(_C, "updated_at", "technical", "Their last activity (the retention period counts from it)."),
    _f(_C, "version", "technical", "Optimistic locking: two staff members never overwrite each other.",
       seen_by=_STAFF),
    _f(_C, "status_since", "technical", "When their current status began (lists, reminders)."),
    _f(_C, "coordinator_id", "programme", "The staff member responsible for them.", seen_by=_STAFF),
    _f(_C, "intake", "free_text", "The intake interview's record: see the Intake rows below."),
    _f(_C, "training", "programme", "Mentors: the training modules done and when."),
    _f(_C, "help_needs", "programme", "Mentees: what they need help with (codes of the branch's list; matching)."),
    _f(_C, "availability", "programme", "Their weekly availability (matching, the first meeting)."),
    _f(_C, "duo_id", "technical", "Their current pairing or duo.", seen_by=_STAFF),
    _f(_C, "duo_ids", "technical", "Every pairing and duo they were in (their copy lists those duos).",
       seen_by=_STAFF),
    _f(_C, "declined_with", "technical", "The people they said no to (never paired again): random ids of others.",
       seen_by=_STAFF),
    _f(_C, "restricted", "programme", "Processing restricted at their request (article 18): when and by whom.",
       basis="legal obligation"),
)
_CANDIDATE_KEYS = _keys(_C, "person", "deleted")
_I = "Intake"
_INTAKE = (
    _f(_I, "scheduled_at", "programme", "When the intake interview is planned."),
    _f(_I, "scheduled_by", "technical", "The staff member who planned it (their id).", seen_by=_STAFF),
    _f(_I, "experience", "free_text", "Their experience, in the coordinator's words."),
    _f(_I, "expectations", "free_text", "What they expect of the programme."),
    _f(_I, "help_needs", "programme", "Mentees: what they need help with (codes)."),
    _f(_I, "availability", "programme", "Their weekly availability (codes)."),
    _f(_I, "languages", "special", "The languages they speak, as the interview found (may reveal ethnic origin)."),
    _f(_I, "sectors", "programme", "Sectors (codes)."),
    _f(_I, "help_offers", "programme", "Mentors: what they can help with (codes)."),
    _f(_I, "interests", "programme", "Interests to talk about (codes; matching)."),
    _f(_I, "digital_skills", "programme", "How much at ease with computers and phones (a code; matching)."),
    _f(_I, "notes", "free_text", "Personality notes."),
    _f(_I, "decision", "programme", "Ready, not suitable or withdrawn."),
    _f(_I, "reason", "programme", "Why not suitable (a code)."),
    _f(_I, "recorded_at", "technical", "When the intake was recorded."),
    _f(_I, "recorded_by", "technical", "Who recorded it (a staff id).", seen_by=_STAFF),
)
_IDEMPOTENCY = (
    _f("IdempotencyItem", "owner", "technical", "The person a signup created, so a repeated form answers the same.",
       basis="legitimate interest", retention="idempotency", seen_by=_NOBODY, erased="kept",
       note="A random id that leads to nothing once the person is erased; gone within a day."),
    _plain("IdempotencyItem", "session_id", "The session of that signup.", "idempotency", _NOBODY),
    _plain("IdempotencyItem", "expires_at", "When the table forgets the item (TTL).", "idempotency", _NOBODY),
    *_keys("IdempotencyItem", "idempotency", "kept"),
)
_D = "DuoItem"
_DUO_KEPT = "The other side keeps their duo: ids, dates and codes, never the erased person's values."
_P_ = _STAFF_PERSON  # in the person's copy: their side of the duo
_DUO = (
    *(_f(_D, name, category, purpose, retention="duo", seen_by=seen_by, erased="kept", note=note or _DUO_KEPT)
      for name, category, purpose, seen_by, note in (
          ("duo_id", "technical", "The duo's random id.", _P_, ""),
          ("mentee_id", "technical", "The mentee's random id.", _STAFF, "Leads to nothing once the mentee is erased."),
          ("mentor_id", "technical", "The mentor's random id.", _STAFF, "Leads to nothing once the mentor is erased."),
          ("coordinator_id", "programme", "The staff member responsible for the duo.", _STAFF, ""),
          ("status", "programme", "First meeting, agreed, declined, active or closed.", _P_, ""),
          ("phase", "programme", "Where the duo's open work is (task lists).", _STAFF, ""),
          ("phase_since", "technical", "When it entered that phase.", _STAFF, ""),
          ("first_meeting_at", "programme", "When the first meeting is or was.", _P_, ""),
          ("answers", "programme", "Each side's yes or no after the first meeting (a person's copy: their own).",
           _P_, ""),
          ("agreement", "programme", "The signed agreement: date and who signed.", _STAFF, ""),
          ("started_on", "programme", "The start of the six months.", _P_, ""),
          ("planned_end", "programme", "The planned end.", _P_, ""),
          ("meeting_count", "programme", "How many meetings were logged.", _P_, ""),
          ("last_meeting_on", "programme", "The last meeting's date (reminders).", _P_, ""),
          ("checkins", "programme", "The coordinator's check-ins: date, channel, by whom.", _STAFF, ""),
          ("intervisions", "programme", "Dates the mentor attended an intervision.", _STAFF, ""),
          ("services", "programme", "Support services delivered (codes, dates, a laptop's return).", _P_, ""),
          ("ended_on", "programme", "When the duo ended.", _P_, ""),
          ("end_kind", "programme", "Completed or stopped.", _P_, ""),
          ("end_reason", "programme", "Why it stopped (a code of the branch's list; 'health' is one).", _P_,
           "A code only, counted in the reports; no details are recorded."),
          ("evaluations", "programme", "Each side's yes/no answers to the closing evaluation (a person's copy: "
           "their own).", _P_, "Codes and booleans counted in the reports; the erased side's answers lead to nobody."),
          ("outcome", "programme", "The mentee's situation 12 months after the start (a code; the mentee's copy).",
           _P_, "A code counted in the reports."),
          ("reminders_sent", "technical", "Which reminders went out (codes).", _STAFF, ""),
          ("created_at", "technical", "When the pairing was made.", _STAFF, ""),
          ("updated_at", "technical", "When it last changed.", _STAFF, ""),
          ("version", "technical", "Optimistic locking.", _STAFF, ""),
      )),
    _f(_D, "mentee_name", "identity", "The duo lists show who is in each duo without reading both people.",
       retention="duo", seen_by=_STAFF, erased="blanked"),
    _f(_D, "mentor_name", "identity", "The same, for the mentor.", retention="duo", seen_by=_STAFF, erased="blanked"),
    _f(_D, "goals", "free_text", "The action plan: each goal's title (free text), status and target date (the "
       "titles in the mentee's copy only).", retention="duo", erased="blanked",
       note="The titles are blanked; statuses and dates stay."),
)
_M = "MeetingItem"
_MEETING = tuple(
    _f(_M, name, category, purpose, retention="duo", seen_by=_STAFF, erased="kept",
       note="Belongs to the duo: dates and durations, no diary (a person's copy counts them).")
    for name, category, purpose in (
        ("meeting_id", "technical", "The meeting's random id."), ("on", "programme", "The meeting's date."),
        ("minutes", "programme", "How long it took."), ("mode", "programme", "In person or online."),
        ("logged_at", "technical", "When it was logged."), ("logged_by", "technical", "Who logged it (a staff id)."),
    )
)
_E = "EventItem"
_EVENT_KEPT = "Random ids, codes and dates: once the person is erased nothing leads back to them."
_EVENT = (
    *(_f(_E, name, category, purpose, basis="legitimate interest", retention="events", seen_by=seen_by,
         erased="kept", note=_EVENT_KEPT)
      for name, category, purpose, seen_by in (
          ("event_id", "technical", "The event's random id.", _STAFF),
          ("kind", "programme", "What happened (e.g. intake.recorded, duo.closed).", _STAFF_PERSON),
          ("subject_kind", "technical", "A person or a duo.", _STAFF),
          ("subject_id", "technical", "Whose record (a random id).", _STAFF),
          ("actor", "technical", "Who made the change: a staff id, 'candidate' or 'system' (a person's copy: "
           "you, staff or system).", _STAFF_PERSON),
          ("at", "technical", "When.", _STAFF_PERSON),
          ("fields", "technical", "The names of the fields that changed, never their values.", _STAFF_PERSON),
      )),
    _f(_E, "data", "programme", "Codes, statuses and dates of the change (never a name, address or note).",
       basis="legitimate interest", retention="events", erased="blanked",
       note="Erasure keeps only the codes the reports count and the life cycle's ids and dates."),
    *_keys(_E, "events", "kept"),
)
_L = "LinkItem"
_LINK_KEPT = ("Deleted when the person's record lists it; a duo's or privacy link holds ids and dates only and goes "
              "by TTL.")
_LINK = (
    *(_f(_L, name, "technical", purpose, basis="legitimate interest", retention="links", seen_by=_NOBODY,
         erased="kept", note=_LINK_KEPT)
      for name, purpose in (
          ("purpose", "What the personal link is for (answer, evaluation, outcome, privacy, export)."),
          ("duo_id", "The duo a survey link is about."), ("side", "Mentee or mentor."),
          ("candidate_id", "The person a privacy link is for."), ("valid_until", "Until when the link works."),
          ("used_at", "When a one-use link was used."), ("expires_at", "When the table forgets the link (TTL)."),
      )),
    *_keys(_L, "links", "kept", pk=_f(
        _L, "pk", "technical", "The sha256 of the link's token: the token itself is never stored.",
        basis="legitimate interest", retention="links", seen_by=_NOBODY, erased="kept", note=_LINK_KEPT)),
)
_P = "ProposalItem"
_PROPOSAL_KEPT = "Random ids and codes; gone by TTL."
_PROPOSAL = (
    _plain(_P, "proposal_id", "The matching proposal's random id.", "proposals", _STAFF),
    _plain(_P, "mode", "How it was asked (a code).", "proposals", _STAFF, category="programme"),
    _f(_P, "pins", "technical", "Pairs the team fixed (random ids).", basis="legitimate interest",
       retention="proposals", seen_by=_STAFF, erased="kept", note=_PROPOSAL_KEPT),
    _f(_P, "excluded", "technical", "People left out of the proposal (random ids).", basis="legitimate interest",
       retention="proposals", seen_by=_STAFF, erased="kept", note=_PROPOSAL_KEPT),
    _f(_P, "pairs", "programme", "The pairs proposed: random ids and a score.", basis="legitimate interest",
       retention="proposals", seen_by=_STAFF, erased="kept", note=_PROPOSAL_KEPT),
    _f(_P, "unpaired", "programme", "Who was left unpaired and why (random ids and codes).",
       basis="legitimate interest", retention="proposals", seen_by=_STAFF, erased="kept", note=_PROPOSAL_KEPT),
    _plain(_P, "total", "The proposal's total score.", "proposals", _STAFF, category="programme"),
    _plain(_P, "created_at", "When it was made.", "proposals", _STAFF),
    _plain(_P, "created_by", "Who asked (a staff id).", "proposals", _STAFF),
    _plain(_P, "accepted", "How many of its pairs were accepted (a count).", "proposals", _STAFF,
           category="programme"),
    _plain(_P, "overridden", "How many were paired otherwise (a count).", "proposals", _STAFF, category="programme"),
    _plain(_P, "expires_at", "When the table forgets it (TTL).", "proposals", _NOBODY),
    *_keys(_P, "proposals", "kept"),
)
_AGGREGATE = (
    _plain("AggregateItem", "month", "The month of a branch's report counters (its counters are numbers "
           "`n:<counter>`, added to by the stream handler).", "aggregates", _ALL_STAFF),
    *_keys("AggregateItem", "aggregates", "kept"),
)
_APPLIED = (
    _plain("AppliedItem", "expires_at", "When the table forgets the marker of an event already counted (TTL).",
           "markers", _NOBODY),
    *_keys("AppliedItem", "markers", "kept"),
)
_TERM_NOTE = "A lowercase, accent-free word of the name, the email or its local part, or the phone's digits."
_TERM = (
    _f("TermItem", "candidate_id", "technical", "Whose search term this is.", seen_by=_NOBODY),
    *_keys("TermItem", "person", "deleted",
           sk=_f("TermItem", "sk", "contact", "Finding a person by a word of their name, email or phone.",
                 seen_by=_NOBODY, note=_TERM_NOTE),
           gsi1sk=_f("TermItem", "gsi1sk", "contact", "The same term on the branch's search index (a prefix is "
                     "one query).", seen_by=_NOBODY, note=_TERM_NOTE)),
)
_R = "RequestItem"
_REQUEST_KEPT = "Ids, codes and dates only: kept as proof the request was answered."
_REQUEST = tuple(
    _f(_R, name, category, purpose, basis="legal obligation", retention="requests",
       seen_by=_STAFF_PERSON if person else _STAFF, erased="kept", note=_REQUEST_KEPT)
    for name, category, purpose, person in (
        ("request_id", "technical", "The request's random id.", False),
        ("kind", "programme", "Access, erasure, restriction or rectification (articles 15-18).", True),
        ("candidate_id", "technical", "Whose request (a random id).", False),
        ("source", "programme", "Through their privacy page, or recorded by staff.", True),
        ("status", "programme", "Open, done or refused.", True),
        ("received_at", "technical", "When it was received.", True),
        ("due_on", "programme", "When it must be answered (one month, article 12(3)).", True),
        ("done_at", "technical", "When it was answered.", True),
        ("done_by", "technical", "Who answered it (a staff id).", False),
        ("note", "programme", "A code or short staff note on the answer (never the person's data).", True),
        ("opened_by", "technical", "Who recorded it (a staff id, or the person).", False),
    )
) + _keys(_R, "requests", "kept")
_A = "AuditItem"
_AUDIT = (
    *(_f(_A, name, category, purpose, basis="legal obligation", retention="audit", seen_by=_ADMIN, erased="kept",
         note="Ids and codes; the head office sees only how many entries each branch has per month.")
      for name, category, purpose in (
          ("audit_id", "technical", "The entry's random id."),
          ("at", "technical", "When the person's data was read or changed."),
          ("staff_id", "technical", "Which staff member."),
          ("candidate_id", "technical", "Whose data (a random id)."),
          ("action", "programme", "Read the person, their events, export, erase, restrict or correct."),
      )),
    _f(_A, "reason", "free_text", "Why, when the staff member said (at most 200 characters).",
       basis="legal obligation", retention="audit", seen_by=_ADMIN, erased="blanked",
       note="Blanked: a reason may name the person; who read what and when stay."),
    *_keys(_A, "audit", "kept"),
)

RECORDS: tuple[Field, ...] = (
    *_BRANCH, *_keys("BranchItem", "branch", "kept"),
    *_REGISTRY, *_keys("RegistryItem", "branch", "kept"),
    *_STAFF_ITEM, *_keys("StaffItem", "staff", "deleted"),
    *_GUARD,
    *_SESSION, *_keys("SessionItem", "branch", "kept"),
    *_REGISTRATION, *_keys("RegistrationItem", "person", "deleted"),
    *_CANDIDATE, *_CANDIDATE_KEYS,
    *_INTAKE,
    *_IDEMPOTENCY,
    *_DUO, *_keys(_D, "duo", "kept"),
    *_MEETING, *_keys(_M, "duo", "kept"),
    *_EVENT,
    *_LINK,
    *_PROPOSAL,
    *_AGGREGATE,
    *_APPLIED,
    *_TERM,
    *_REQUEST,
    *_AUDIT,
)

# Asked at signup and never stored: used for the eligibility check only.
NEVER_STORED = {
    "migration_background": "Mentees: whether they have a migration background (the programme's eligibility rule). "
                            "Checked when they sign up, then dropped: no item, event or log holds it.",
}

# Names in requests (bodies, forms, queries, headers) that carry a person's values without being an attribute.
PERSONAL_INPUTS = frozenset({
    "q",  # a search: a name, an email or a phone
    "csv",  # an import's rows
    "admin_email", "admin_name",  # a new branch's first admin
    "title",  # a goal's title
    "token", "form_token",  # a personal link's secret
    "x-access-reason", "confirm",
})
# What ``chalicelib.observability.masked`` erases: every name whose value is personal (identity, contact,
# special category or free text) in the table, the intake record or a request.
PERSONAL_CATEGORIES = ("identity", "contact", "special", "free_text")
PERSONAL_FIELDS: frozenset[str] = frozenset(
    r.attribute for r in RECORDS
    if r.personal and r.category in PERSONAL_CATEGORIES and r.attribute not in KEY_ATTRIBUTES
) | PERSONAL_INPUTS


@dataclass(frozen=True)
class Processor:
    name: str
    service: str
    holds: str
    personal: bool


PROCESSORS = (
    Processor("Amazon Web Services", "DynamoDB (the table, its indexes, stream and backups)",
              "Everything in the records above, in the region the stack is deployed in (EU), encrypted at rest "
              "with the organisation's own KMS key; point-in-time recovery keeps 35 days of changes.", True),
    Processor("Amazon Web Services", "Simple Email Service (SES)",
              "The mails to candidates while they are sent: address, name, and the mail's text (dates, links).", True),
    Processor("Amazon Web Services", "Cognito (the staff directory)",
              "Staff members' email, name and role, for signing in; no candidate data.", True),
    Processor("Amazon Web Services", "CloudWatch Logs and Metrics, X-Ray",
              "Ids, codes, counts and timings only: no personal data (tests/integration/"
              "test_no_personal_data_in_logs.py sends canary values through every route and checks); an object "
              "that must be logged goes through Powertools' data masking first.", False),
)


@dataclass(frozen=True)
class Right:
    name: str
    article: str
    how: str
    routes: tuple[tuple[str, str], ...]  # (method, path) of the registry's routes that serve it


_PERSON = "/branches/{branch}/candidates/{candidate_id}"
_CONSOLE_PERSON = "/branches/{branch}/console/people/{candidate_id}"
RIGHTS = (
    Right("Information", "13",
          "The signup form shows the branch's privacy notice (its link per language in the settings, or a "
          "built-in summary); consent records the notice's version and language. A new notice version is set in "
          "the privacy settings and shown to staff, and the people who consented to an older one can be asked again.",
          (("GET", "/branches/{branch}/signup"), ("GET", "/branches/{branch}/console/settings/privacy"),
           ("POST", "/branches/{branch}/console/settings/privacy"))),
    Right("Access", "15",
          "The person asks through the privacy form (a mail brings their personal link; whatever address is typed, "
          "the answer is the same) or through the link in the footer of any mail they received; their privacy "
          "page gives a readable copy of everything the branch holds on them, events included, with a JSON "
          "download. A branch admin can also export a person's data when the request comes by mail or at the "
          "desk. Each request is recorded with its deadline (one month) and shows in the task list until done.",
          (("GET", "/branches/{branch}/privacy"), ("POST", "/branches/{branch}/privacy"),
           ("GET", "/branches/{branch}/privacy/{privacy_token}"),
           ("POST", "/branches/{branch}/privacy/{privacy_token}"),
           ("GET", "/branches/{branch}/privacy/copy/{copy_token}"),
           ("GET", _PERSON + "/export"), ("GET", _CONSOLE_PERSON + "/export"),
           ("GET", "/branches/{branch}/privacy/requests"), ("POST", "/branches/{branch}/privacy/requests"),
           ("POST", "/branches/{branch}/privacy/requests/{request_id}/complete"),
           ("GET", "/branches/{branch}/console/privacy"), ("POST", "/branches/{branch}/console/privacy/requests"),
           ("POST", "/branches/{branch}/console/privacy/requests/{request_id}"))),
    Right("Rectification", "16",
          "A branch admin corrects a person's contact details (recorded as an event and in the access audit).",
          (("PATCH", _PERSON),)),
    Right("Erasure", "17",
          "A branch admin erases a person (confirming it): their items are deleted and the personal values of "
          "their events and duos removed as the records below say; the reports' figures do not change. The "
          "scheduled retention sweep erases, by itself, the people whose retention period ended.",
          (("POST", _PERSON + "/erase"), ("GET", _CONSOLE_PERSON + "/erase"), ("POST", _CONSOLE_PERSON + "/erase"))),
    Right("Restriction", "18",
          "A branch admin restricts processing: the person is left out of matching, and staff steps on them are "
          "refused until it is lifted (export, correction and erasure stay possible).",
          (("POST", _PERSON + "/restrict"), ("POST", _CONSOLE_PERSON + "/restrict"))),
    Right("Portability", "20",
          "The copy comes as JSON (format duo.person-export/1), from the person's privacy page or the staff export.",
          (("GET", "/branches/{branch}/privacy/copy/{copy_token}"), ("GET", _PERSON + "/export"))),
    Right("Withdrawing consent, objection", "7(3), 21",
          "One click on the person's privacy page: consent is marked withdrawn, they leave the programme where "
          "they can, and an erasure request is opened for the branch admin.",
          (("POST", "/branches/{branch}/privacy/{privacy_token}"),)),
    Right("Accountability: the access audit", "5(2), 30",
          "Every read of a person's page, events or export by staff is recorded (who, when, whom, why if given); "
          "the branch admin reviews it, the head office sees only how many entries each branch has per month.",
          (("GET", "/branches/{branch}/privacy/audit"), ("GET", "/branches/{branch}/console/privacy/audit"),
           ("GET", "/reports/audits"))),
)


# --- The document ---------------------------------------------------------------------------------------------
_ROLE_WORDS = {"coordinator": "coordinators", "branch_admin": "branch admins", "head_office": "head office",
               "person": "the person"}


def _seen(roles: tuple[str, ...]) -> str:
    return ", ".join(_ROLE_WORDS[r] for r in roles) or "nobody (internal)"


def _basis(r: Field) -> str:
    if r.category == "special" and r.basis == "consent":
        return "explicit consent (article 9(2)(a))"
    return r.basis or "—"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def models() -> list[str]:
    """The item classes and the intake record, in the order of the records."""
    return list(dict.fromkeys(r.model for r in RECORDS))


def _table(records: list[Field]) -> list[str]:
    lines = ["| Attribute | Category | Personal | Purpose | Legal basis | Kept | Seen by | On erasure |",
             "|---|---|---|---|---|---|---|---|"]
    grouped: list[tuple[list[str], Field]] = []
    for record in records:
        same = grouped and all(getattr(grouped[-1][1], f.name) == getattr(record, f.name)
                               for f in fields(Field) if f.name not in ("attribute",))
        if same:
            grouped[-1][0].append(record.attribute)
        else:
            grouped.append(([record.attribute], record))
    for names, r in grouped:
        erased = r.erased + (f": {r.note}" if r.note else "")
        lines.append("| " + " | ".join(_cell(x) for x in (
            ", ".join(f"`{n}`" for n in names), r.category, "yes" if r.personal else "no", r.purpose,
            _basis(r), r.retention, _seen(r.seen_by), erased)) + " |")
    return lines


def render_markdown() -> str:
    """docs/privacy.md."""
    out = [
        "# Records of processing",
        "",
        "<!-- Generated by `make privacy-doc` from chalicelib/domain/privacy.py: do not edit by hand. "
        "tests/unit/test_privacy_registry.py fails when the code's fields and this document differ. -->",
        "",
        "What the product collects, why, on which legal basis, for how long, who sees it and what erasing a "
        "person does, for every attribute of every item the table holds (and every key of the intake record). "
        "Each branch is a separate tenant: its staff see their own branch only; the head office sees branches "
        "and aggregates, never a person.",
        "",
        "Data subjects: candidates (mentees, who may be vulnerable young people, and mentors) and staff "
        "(coordinators and branch admins).",
        "",
        "## Categories",
        "",
        *[f"- **{name}**: {text}." for name, text in CATEGORIES.items()],
        "",
        "Special-category and identity or contact values of a candidate are deleted when the person is erased "
        "(tested). Never stored:",
        "",
        *[f"- `{name}`: {text}" for name, text in NEVER_STORED.items()],
        "",
        "## How long",
        "",
        *[f"- **{name}**: {text}" for name, text in RETENTION.items()],
        "",
        "## Processors",
        "",
        "| Processor | Service | What it holds | Personal data |",
        "|---|---|---|---|",
        *[f"| {p.name} | {p.service} | {_cell(p.holds)} | {'yes' if p.personal else 'no'} |" for p in PROCESSORS],
        "",
        "Logs, metrics and traces hold ids, codes and counts only. Where an object must be logged (the context of "
        "an unexpected error), `chalicelib.observability.masked` erases the values of these names first: "
        + ", ".join(f"`{n}`" for n in sorted(PERSONAL_FIELDS)) + ".",
        "",
        "## The data subjects' rights",
        "",
        "| Right | GDPR article | How | Where |",
        "|---|---|---|---|",
        *[f"| {r.name} | {r.article} | {_cell(r.how)} | "
          + "<br>".join(f"`{m} {p}`" for m, p in r.routes) + " |" for r in RIGHTS],
        "",
        "## The records",
        "",
        "Keys (`pk`, `sk`, `gsiNpk`, `gsiNsk`) hold the branch's prefix, the kind of item, random ids, codes and "
        "dates, except where a row says otherwise. *Kept* names a retention rule above.",
    ]
    for model in models():
        title = "Intake (the intake record, `CandidateItem.intake`)" if model == "Intake" else f"`{model}`"
        out += ["", f"### {title}", "", *_table([r for r in RECORDS if r.model == model])]
    return "\n".join(out) + "\n"
