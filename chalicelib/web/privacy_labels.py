"""The person's own privacy pages: what they read for each field we hold, each step in their history, and a
copy of their data (``services.personal_data.export_person``) turned into readable sections in their language.

The English texts are msgids (``_`` only marks them for extraction); ``readable`` translates as it builds.
A field or a code this module does not know is still shown (its name made readable, its value as it is):
a copy leaves nothing out because a label is missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.web import console_labels, console_labels_duos, console_labels_people, i18n, labels


def _(message: str) -> str:
    return message


# The person's record, in the order the copy shows it.
PERSON = {
    "name": _("Name"),
    "email": _("Email address"),
    "phone": _("Phone number"),
    "birth_date": _("Date of birth"),
    "postcode": _("Postcode"),
    "city": _("City or town"),
    "languages": _("Languages you speak"),
    "language": _("The language we write to you in"),
    "role": _("You joined as"),
    "status": _("Where you are in the programme"),
    "consent": _("Your consent to the privacy notice"),
    "heard_from": _("How you heard about us"),
    "looking_for": _("What you are looking for"),
    "sectors": _("Sectors"),
    "education_level": _("Highest level of education"),
    "work_permit": _("Allowed to work here"),
    "profession": _("Your profession"),
    "available_six_months": _("Available for six months"),
    "help_needs": _("What you would like help with"),
    "availability": _("When you are available"),
    "training": _("Training modules you followed"),
    "restricted": _("Processing of your data restricted"),
    "created_at": _("Signed up on"),
    "updated_at": _("Last changed on"),
}
INTAKE = {
    "scheduled_at": _("Intake interview planned for"),
    "experience": _("Your experience"),
    "expectations": _("Your expectations"),
    **{key: PERSON[key] for key in ("help_needs", "availability", "languages", "sectors")},  # asked again: same labels
    "help_offers": _("What you can help with"),
    "interests": _("Interests"),
    "digital_skills": _("Computers and phones"),
    "notes": _("Notes of your coordinator"),
    "decision": _("Decision"),
    "reason": _("Reason"),
    "recorded_at": _("Intake interview recorded on"),
}
REGISTRATION = {
    "registered": _("Registered"),
    "cancelled": _("Cancelled"),
    "attended": _("You came"),
    "no_show": _("You did not come"),
}
# A step of the person's history, as they read it.
EVENTS = {
    "candidate.signed_up": _("You signed up for an info session"),
    "candidate.imported": _("Your details were added to our records by the team"),
    "candidate.attended": _("You came to the info session"),
    "candidate.no_show": _("You did not come to the info session"),
    "candidate.withdrawn": _("You left the programme"),
    "candidate.status_changed": _("Your stage in the programme changed"),
    "candidate.coordinator_set": _("A coordinator of our team was assigned to you"),
    "candidate.corrected": _("Your details were corrected"),
    "caseload.handed_over": _("Another coordinator took over your file"),
    "intake.scheduled": _("Your intake interview was planned"),
    "intake.recorded": _("Your intake interview was recorded"),
    "training.module_done": _("You completed a training module"),
    "training.module_undone": _("A training module was marked as not done"),
    "consent.given": _("You agreed to the privacy notice"),
    "consent.withdrawn": _("You withdrew your consent"),
    "privacy.copy_sent": _("You asked for a copy of your data"),
    "privacy.restricted": _("The processing of your data was restricted"),
    "privacy.unrestricted": _("The restriction of your data was lifted"),
}
BY = {"you": _("You"), "staff": _("Our team"), "system": _("Automatically")}
REQUEST_KIND = {
    "access": _("A copy of your data"),
    "erasure": _("Erasing your data"),
    "restriction": _("Restricting the processing of your data"),
    "rectification": _("Correcting your data"),
}
REQUEST_STATUS = {"open": _("Being handled"), "done": _("Done"), "refused": _("Refused")}
# What the privacy page says after an action (``notice``).
NOTICE = {
    "copy_sent": _("We have sent you an email with a link to your copy. The link works once, for 24 hours."),
    "withdrawn": _("Your consent is withdrawn. We have sent you an email that says what happens now."),
    "consent_given": _("Thank you: we have recorded that you agree to the privacy notice."),
    "requested": _("If this email address is known to us, we have sent a link to your privacy page to it. "
                   "Please look in your inbox (and your spam folder)."),
}
# The request form's and the privacy page's errors.
EMAIL_MISSING = _("Please enter your email address.")
EMAIL_INVALID = _("Please enter an email address such as name@example.com.")
ACTION_UNKNOWN = _("Please choose one of the buttons.")

_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SKIPPED = re.compile(r".*_by$")  # staff ids: nothing the person can read (the JSON file holds them)


@dataclass
class Section:
    """A part of the copy: rows of (label, text), or a table (headers, rows)."""

    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)
    empty: str = ""


class Reader:
    """Turns the copy's codes and values into text in ``lang`` (dates in the branch's time zone)."""

    def __init__(self, lang: str, time_zone: str, country: str | None) -> None:
        self.lang, self.tz, self.country = lang, time_zone, country

    def t(self, message: str, **params: object) -> str:
        return i18n.gettext(self.lang, message, **params)

    def code(self, table: dict[str, str], value: Any) -> str:
        return labels.label(table, str(value), self.lang)

    def name(self, key: str, table: dict[str, str] | None = None) -> str:
        if table and key in table:
            return self.t(table[key])
        return key.replace("_", " ").capitalize()

    def when(self, value: str) -> str:
        from babel.dates import format_date

        if _DATETIME.match(value):
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=ZoneInfo(self.tz))
            return i18n.format_when(moment, self.tz, self.lang, self.country)
        return format_date(date.fromisoformat(value), "long", locale=i18n.locale_for(self.lang, self.country))

    def value(self, value: Any, key: str = "") -> str:
        """Any value of the copy as text; ``key`` picks the vocabulary its codes come from."""
        if value is None or value == "" or value == [] or value == {}:
            return "—"
        if isinstance(value, bool):
            return self.t("Yes") if value else self.t("No")
        vocabulary = _VOCABULARY.get(key)
        if isinstance(value, list):
            return ", ".join(self.value(item, key) for item in value)
        if isinstance(value, dict):
            if key in _DICTS:
                return _DICTS[key](self, value)
            return "; ".join(f"{self.name(k)}: {self.value(v, k)}" for k, v in value.items() if not _SKIPPED.match(k))
        if vocabulary is not None:
            return vocabulary(self, value) if callable(vocabulary) else self.code(vocabulary, value)
        if isinstance(value, str) and (_DATETIME.match(value) or _DATE.match(value)):
            try:
                return self.when(value)
            except ValueError:
                return value
        return str(value)


def _language(reader: Reader, value: Any) -> str:
    return labels.spoken_language(str(value), reader.lang, capital=True)


def _slot(reader: Reader, value: Any) -> str:
    day, _sep, part = str(value).partition("_")
    if day in console_labels_people.DAYS and part in console_labels_people.DAY_PARTS:
        return f"{reader.t(console_labels_people.DAYS[day])} {reader.t(console_labels_people.DAY_PARTS[part]).lower()}"
    return str(value)


def _spoken(reader: Reader, value: dict[str, Any]) -> str:
    code, level = value.get("code", ""), value.get("level", "")
    name = _language(reader, code)
    return f"{name} ({reader.code(labels.LEVEL_LABELS, level)})" if level else name


def _consent(reader: Reader, value: dict[str, Any]) -> str:
    text = reader.t(_("Version %(version)s, read in %(language)s, on %(on)s"), version=value.get("version", "?"),
                    language=i18n.autonym(value["language"]) if value.get("language") in i18n.LANGUAGES
                    else str(value.get("language", "?")), on=reader.value(value.get("at", "")))
    if value.get("withdrawn_at"):
        text += " · " + reader.t(_("withdrawn on %(on)s"), on=reader.value(value["withdrawn_at"]))
    return text


def _training(reader: Reader, value: dict[str, Any]) -> str:
    return "; ".join(f"{reader.code(console_labels.TRAINING_MODULE_LABELS, k)}: {reader.value(v)}"
                     for k, v in value.items())


def _restricted(reader: Reader, value: dict[str, Any]) -> str:
    return reader.t(_("Since %(on)s"), on=reader.value(value.get("at", "")))


_VOCABULARY: dict[str, Any] = {
    "role": console_labels_people.ROLE,
    "status": console_labels_people.STATUS,
    "heard_from": labels.HEARD_FROM_LABELS,
    "looking_for": labels.LOOKING_FOR_LABELS,
    "sectors": labels.SECTOR_LABELS,
    "education_level": labels.EDUCATION_LABELS,
    "language": lambda reader, v: i18n.autonym(v) if v in i18n.LANGUAGES else str(v),
    "help_needs": console_labels.HELP_NEED_LABELS,
    "help_offers": console_labels.HELP_NEED_LABELS,
    "availability": _slot,
    "interests": console_labels_people.INTERESTS,
    "digital_skills": console_labels_people.DIGITAL_LEVELS,
    "decision": console_labels_people.DECISION,
    "reason": console_labels_people.REASON,
    "end_kind": console_labels_duos.END_KIND,
    "services": console_labels_duos.SERVICE,
}
_DICTS: dict[str, Any] = {
    "languages": _spoken, "consent": _consent, "training": _training, "restricted": _restricted,
}


# Ids and bookkeeping of the record: in the file, not on the page.
_INTERNAL = frozenset({"id", "candidate_id", "coordinator_id", "duo_id", "duo_ids", "declined_with", "link_hashes",
                       "version", "status_since", "session_id"})


def reader_for(lang: str, branch: Any) -> Reader:
    return Reader(lang, branch.time_zone, branch.country)


def readable(data: dict[str, Any], lang: str, branch: Any) -> list[Section]:
    """The copy as sections: you, your intake, your info sessions, your duos, your history, your requests."""
    r = reader_for(lang, branch)
    person = dict(data.get("person") or {})
    intake = person.pop("intake", None)
    if not person.get("restricted"):
        person.pop("restricted", None)  # "no restriction" says nothing: only a restriction is shown
    sections = [Section(r.t(_("Your details")), rows=[
        (r.name(key, PERSON), r.value(person[key], key))
        for key in [*[k for k in PERSON if k in person], *[k for k in person if k not in PERSON]]
        if not _SKIPPED.match(key) and key not in _INTERNAL and person[key] not in ("", None, [], {})
    ])]
    if isinstance(intake, dict) and intake:
        sections.append(Section(r.t(_("Your intake interview")), rows=[
            (r.name(key, INTAKE), r.value(value, key)) for key, value in intake.items()
            if not _SKIPPED.match(key) and value not in ("", None, [], {})
        ]))
    sections.append(Section(
        r.t(_("Your info sessions")),
        headers=[r.t(_("Session")), r.t(_("Your language")), r.t(_("Status")), r.t(_("Registered on"))],
        table=[[r.value(x.get("starts_at", "")), _language(r, x.get("language", "")),
                r.code(REGISTRATION, x.get("status", "")), r.value(x.get("registered_at", ""))]
               for x in data.get("registrations") or []],
        empty=r.t(_("No registrations.")),
    ))
    for duo in data.get("duos") or []:
        sections.append(_duo(r, duo))
    sections.append(Section(
        r.t(_("Your history with us")), headers=[r.t(_("When")), r.t(_("What")), r.t(_("By"))],
        table=[[r.value(e.get("at", "")), _event(r, e), r.code(BY, e.get("by", ""))]
               for e in data.get("events") or []],
        empty=r.t(_("Nothing recorded yet.")),
    ))
    requests = data.get("requests") or []
    if requests:
        sections.append(Section(
            r.t(_("Your requests about your data")),
            headers=[r.t(_("Request")), r.t(_("Received on")), r.t(_("Status"))],
            table=[[r.code(REQUEST_KIND, q.get("kind", "")), r.value(q.get("received_at", "")),
                    r.code(REQUEST_STATUS, q.get("status", ""))] for q in requests],
        ))
    return sections


_DUO = {
    "as": _("You took part as"),
    "status": _("Status"),
    "first_meeting_at": _("First meeting"),
    "answer": _("Your answer after the first meeting"),
    "started_on": _("Started on"),
    "planned_end": _("Planned to end on"),
    "ended_on": _("Ended on"),
    "end_kind": _("How it ended"),
    "end_reason": _("Why it ended"),
    "last_meeting_on": _("Last meeting"),
    "goals": _("Goals"),
    "meetings": _("Meetings"),
    "services": _("Workshops and services"),
    "evaluation": _("Your evaluation"),
    "outcome": _("Your situation 12 months after the start"),
}


def _duo(r: Reader, duo: dict[str, Any]) -> Section:
    rows = []
    for key, value in duo.items():
        if key in ("id", "duo_id") or _SKIPPED.match(key) or value in ("", None, [], {}):
            continue
        if key == "as":
            text = r.code(console_labels_duos.SIDE, value)
        elif key == "status":
            text = r.code(console_labels_duos.STATUS, value)
        elif key == "goals" and isinstance(value, list):
            text = ", ".join(str(g.get("title", "")) if isinstance(g, dict) else str(g) for g in value) or "—"
        elif key == "services" and isinstance(value, list):
            text = ", ".join(_service(r, s) for s in value)
        elif key == "answer":
            text = r.code(console_labels_duos.ANSWER, value)
        elif key == "end_reason":
            text = r.code(console_labels_duos.END_REASON, value)
        elif key == "evaluation" and isinstance(value, dict):
            text = "; ".join(f"{r.code(console_labels_duos.EVALUATION_SHORT, k)}: {r.value(v)}"
                             for k, v in value.items() if k in console_labels_duos.EVALUATION_SHORT)
        elif key == "outcome":
            code = value.get("situation", "") if isinstance(value, dict) else value
            text = r.code(console_labels_duos.OUTCOME_SHORT, code)
        else:
            text = r.value(value, key)
        rows.append((r.name(key, _DUO), text))
    return Section(r.t(_("Your duo")), rows=rows)


def _service(r: Reader, service: Any) -> str:
    if not isinstance(service, dict):
        return r.code(console_labels_duos.SERVICE, service)
    name = r.code(console_labels_duos.SERVICE, service.get("code", ""))
    return f"{name} ({r.value(service['on'])})" if service.get("on") else name


def _event(r: Reader, event: dict[str, Any]) -> str:
    kind = str(event.get("kind", ""))
    if kind in EVENTS:
        text = r.t(EVENTS[kind])
    elif kind in console_labels_people.EVENTS:
        text = r.t(console_labels_people.EVENTS[kind])
    elif kind in console_labels_duos.EVENT:
        text = r.t(console_labels_duos.EVENT[kind])
    else:
        text = kind
    data = event.get("data") or {}
    statuses = console_labels_people.STATUS
    if data.get("from") in statuses and data.get("to") in statuses:
        text += f" ({r.code(statuses, data['from'])} → {r.code(statuses, data['to'])})"
    elif kind.startswith("training.") and data.get("module"):
        text += f": {r.code(console_labels.TRAINING_MODULE_LABELS, data['module'])}"
    elif kind == "consent.given" and data.get("version"):
        text += " " + r.t(_("(version %(version)s)"), version=data["version"])
    return text
