"""Matching in the console: the criteria a branch weighs, and (part C) the reasons a score gives.

The English texts are msgids (``_`` only marks them for extraction; templates translate them).
"""

from __future__ import annotations


def _(message: str) -> str:
    return message


# Criteria (part B): their names, and one line on what each compares (domain/matching.py's CRITERIA).
CRITERIA = {
    "sector": _("Sector"),
    "languages": _("Languages"),
    "availability": _("Availability"),
    "help": _("Help needs"),
    "interests": _("Interests"),
    "digital": _("Digital skills"),
    "location": _("Location"),
}
CRITERIA_HELP = {
    "sector": _("Whether the mentor knows a sector the mentee wants to work in."),
    "languages": _("The best language both speak at a working level: native and fluent count more than "
                   "conversational."),
    "availability": _("How many weekly time slots both are free: three or more count fully."),
    "help": _("How many of the mentee's help needs the mentor can help with."),
    "interests": _("How many interests both share: two or more count fully."),
    "digital": _("Whether the mentor is at least as much at ease with computers and phones as the mentee."),
    "location": _("Whether both live in the same area (the first two characters of the postcode)."),
}


# Part C: the matching pages (the pool's proposal, its pairs, accepting them).
MODES = {
    "score": _("Highest total score"),
    "count": _("Most people paired"),
}
MODES_HELP = {
    "score": _("The pairs that together fit best, even if a few more people could have been paired."),
    "count": _("As many pairs as possible; among those, the ones that fit best."),
}
STATES = {
    "open": _("Open"),
    "accepted": _("Accepted"),
    "unavailable": _("No longer possible"),
}
STATE_KIND = {"open": "waiting", "accepted": "active", "unavailable": "stopped"}
# Why accepting a pair did not make the pairing (the codes of services.matching.accept's outcomes).
OUTCOMES = {
    "mentee_busy": _("the mentee is already in a pairing or a duo"),
    "mentor_busy": _("the mentor is already in a pairing or a duo"),
    "not_ready": _("one of them is no longer ready to be paired"),
    "declined_before": _("they said no to each other before"),
    "already_paired": _("this pair was accepted already"),
    "not_found": _("one of them is no longer in the branch"),
    "retry": _("another change came at the same moment: try again"),
    "invalid": _("the first meeting time is not valid"),
}
OUTCOME_DEFAULT = _("this pair cannot be made now")
