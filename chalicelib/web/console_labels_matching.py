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
