"""Part A (people): what the console shows for statuses, intake decisions, reasons, slots and events.

The English texts are msgids (``_`` only marks them for extraction; templates translate them).
"""

from __future__ import annotations


def _(message: str) -> str:
    return message


STATUS = {
    "registered": _("Registered"),
    "attended": _("Attended the info session"),
    "no_show": _("Did not come"),
    "intake_scheduled": _("Intake planned"),
    "training": _("In training"),
    "ready": _("Ready"),
    "not_suitable": _("Not suitable now"),
    "paired": _("Paired"),
    "in_duo": _("In a duo"),
    "finished": _("Finished"),
    "withdrawn": _("Withdrawn"),
}
# Badge colour of each status (the layout's badge kinds).
STATUS_KIND = {
    "registered": "neutral", "attended": "waiting", "no_show": "stopped", "intake_scheduled": "waiting",
    "training": "active", "ready": "active", "not_suitable": "stopped", "paired": "active", "in_duo": "active",
    "finished": "done", "withdrawn": "stopped",
}
ROLE = {"mentee": _("Mentee"), "mentor": _("Mentor")}
DECISION = {"ready": _("Ready"), "not_suitable": _("Not suitable now"), "withdrawn": _("Withdrawn")}
REASON = {
    "expectations": _("Expectations do not match the programme"),
    "availability": _("Not available enough"),
    "language": _("Language"),
    "not_eligible": _("Not eligible"),
    "motivation": _("Motivation"),
    "timing": _("Not the right moment"),
    "other": _("Other reason"),
}
# What the intake records for matching (part B of issue 6): interests and digital skills.
INTERESTS = {
    "sport": _("Sport"),
    "music": _("Music"),
    "cooking": _("Cooking"),
    "reading": _("Reading"),
    "travel": _("Travel"),
    "technology": _("Technology"),
    "art": _("Art"),
    "nature": _("Nature"),
    "games": _("Games"),
    "volunteering": _("Volunteering"),
    "film": _("Film"),
    "fashion": _("Fashion"),
}
DIGITAL_LEVELS = {
    "basic": _("Basic: needs help with email and online forms"),
    "everyday": _("Everyday: email, online forms and job sites"),
    "advanced": _("Advanced: at ease with office software and online tools"),
}
DAYS = {"mon": _("Monday"), "tue": _("Tuesday"), "wed": _("Wednesday"), "thu": _("Thursday"), "fri": _("Friday"),
        "sat": _("Saturday"), "sun": _("Sunday")}
DAY_PARTS = {"morning": _("Morning"), "afternoon": _("Afternoon"), "evening": _("Evening")}
EVENTS = {
    "candidate.signed_up": _("Signed up"),
    "candidate.attended": _("Came to the info session"),
    "candidate.no_show": _("Did not come to the info session"),
    "intake.scheduled": _("Intake planned"),
    "intake.recorded": _("Intake recorded"),
    "training.module_done": _("Training module done"),
    "training.module_undone": _("Training module undone"),
    "candidate.withdrawn": _("Withdrawn"),
    "candidate.coordinator_set": _("Coordinator changed"),
    "caseload.handed_over": _("Caseload handed over"),
    "candidate.status_changed": _("Stage changed"),
    # Issue 8: personal data (the events name the fields changed, never their values)
    "candidate.restricted": _("Processing restricted"),
    "candidate.restriction_lifted": _("Restriction lifted"),
    "candidate.corrected": _("Contact details corrected"),
    "consent.given": _("Consent given to the privacy notice"),
    "consent.withdrawn": _("Consent withdrawn"),
    "privacy.copy_sent": _("Asked for a copy of their data (privacy page)"),
}
REFUSALS = {
    "not_registered": _("not registered for this session"),
    "wrong_step": _("past the info session already"),
    "changed_meanwhile": _("changed meanwhile"),
}
