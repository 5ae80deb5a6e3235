"""Part D (task list and pipeline): what the console shows for task kinds and pipeline stages.

The English texts are msgids (``_`` only marks them for extraction; templates translate them).
"""

from __future__ import annotations


def _(message: str) -> str:
    return message


TASK_KINDS = {
    "intake_to_schedule": _("Intake to schedule"),
    "intake_due": _("Intake due"),
    "answer_pending": _("24-hour answer pending"),
    "answer_overdue": _("24-hour answer overdue"),
    "agreement_to_record": _("Agreement to record"),
    "no_meeting_14_days": _("No meeting logged for 14 days"),
    "missing_intervisions": _("Fewer than two intervisions"),
    "evaluation_due": _("Evaluation due"),
    "outcome_due": _("Outcome at 12 months due"),
    "laptop_due_back": _("Laptop due back"),
    "privacy_request": _("Privacy request to answer"),
}
STAGES = {
    "registered": _("Registered"),
    "attended": _("Attended the info session"),
    "no_show": _("Did not come"),
    "intake_scheduled": _("Intake planned"),
    "training": _("In training"),
    "ready_mentees": _("Ready mentees"),
    "ready_mentors": _("Ready mentors"),
    "paired": _("Paired"),
    "in_duo": _("In a duo"),
    "duos_first_meeting": _("Duos: first meeting"),
    "duos_agreed": _("Duos: agreement to sign"),
    "duos_active": _("Duos: active"),
    "duos_follow_up": _("Duos: follow-up"),
    "finished": _("Finished"),
    "not_suitable": _("Not suitable now"),
    "withdrawn": _("Withdrawn"),
    "duos_done": _("Duos: done"),
    "duos_declined": _("Pairings declined"),
}
SIDES = {"mentee": _("Mentee"), "mentor": _("Mentor")}
