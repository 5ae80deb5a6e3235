"""Personal data in the console (issue 8): privacy requests, the access audit, restriction, erasure, the notice.

The English texts are msgids (``_`` only marks them for extraction; templates translate them).
"""

from __future__ import annotations


def _(message: str) -> str:
    return message


KINDS = {
    "access": _("Access: a copy of their data"),
    "erasure": _("Erasure: remove their data"),
    "restriction": _("Restriction: stop using their data for now"),
    "rectification": _("Correction of their data"),
}
# The short name of a kind, in tables.
KINDS_SHORT = {
    "access": _("Access"),
    "erasure": _("Erasure"),
    "restriction": _("Restriction"),
    "rectification": _("Correction"),
}
STATUS = {"open": _("Open"), "done": _("Done"), "refused": _("Refused")}
STATUS_KIND = {"open": "waiting", "done": "done", "refused": "stopped"}
SOURCES = {"staff": _("Recorded by staff"), "candidate": _("Asked by the person")}
ACTIONS = {
    "read_person": _("Opened the person's page"),
    "read_events": _("Read the person's history"),
    "export": _("Downloaded a copy of the data"),
    "erase": _("Erased the person"),
    "restrict": _("Restricted or lifted the restriction"),
    "correct": _("Corrected the contact details"),
}
# The contact details a branch admin may correct (the form's fields, in order).
CORRECTION_FIELDS = {
    "name": _("Name"),
    "email": _("Email"),
    "phone": _("Phone"),
    "postcode": _("Postcode"),
    "city": _("City"),
    "birth_date": _("Birth date"),
    "language": _("Language of our mails and forms"),
}
# Who did something, when the audit names no staff member of the branch.
ACTORS = {"retention": _("Retention (automatic)"), "system": _("The system"), "candidate": _("The person")}
# After a change on a privacy page (``?done=<code>``).
FLASH = {
    "request_recorded": _("The request has been recorded; it is due within a month."),
    "request_done": _("The request is marked done."),
    "request_refused": _("The request is marked refused."),
    "erased": _("The person's data has been erased: their record, search entries, registrations and links are "
                "gone, and their history and duos keep no personal data. The figures of the branch do not "
                "change."),
    "notice_saved": _("The privacy notice version has been saved."),
    "notice_asked": _("The privacy notice version has been saved and people were asked to consent again."),
}
FLASH_DEFAULT = _("Saved.")
# What the erasure removes and what it keeps (the confirmation page says it before anything is done).
ERASE_REMOVES = (
    _("The person's record: name, email, phone, birth date, address, languages, intake answers and notes."),
    _("Their entries in the search, their registrations for info sessions (a seat in a coming session is freed) "
      "and their personal links."),
    _("Every personal value in their history and in their duos' history: free text, names and contact details."),
    _("Their name and their own free text in the duos they were part of, such as goals."),
)
ERASE_KEEPS = (
    _("The other person of each duo keeps the duo, its dates and its codes, without this person's name."),
    _("Counts in the branch's reports stay the same: they hold no personal data."),
    _("Random ids and non-personal facts in the history (such as a stage change and its date), which lead back "
      "to no one."),
    _("The privacy requests and the access audit, which hold ids and codes only."),
)
