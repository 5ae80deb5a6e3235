"""Reports and the head office in the console: metric names, periods, countries, branch states, notices.

The English texts are msgids (``_`` only marks them for extraction; templates translate them).
"""

from __future__ import annotations

from chalicelib.web import console_labels, console_labels_duos


def _(message: str) -> str:
    return message


# The funnel, in its order (domain/reports.py's counters; the role-split ones summed over both roles).
FUNNEL = {
    "registered": _("Registered"),
    "attended": _("Attended an info session"),
    "intake": _("Intake"),
    "ready": _("Ready"),
    "paired": _("Paired"),
    "first_meeting": _("First meeting"),
    "started": _("Agreement signed (started)"),
    "completed": _("Completed"),
    "stopped": _("Stopped early"),
}
# Every counter a report shows, by its CSV column name (the role-split ones have their role in words).
METRICS = {
    **FUNNEL,
    "registered.mentee": _("Mentees registered"),
    "registered.mentor": _("Mentors registered"),
    "attended.mentee": _("Mentees at an info session"),
    "attended.mentor": _("Mentors at an info session"),
    "intake.mentee": _("Mentee intakes"),
    "intake.mentor": _("Mentor intakes"),
    "ready.mentee": _("Mentees ready"),
    "ready.mentor": _("Mentors trained"),
    "declined": _("Declined after the first meeting"),
    "intervisions": _("Intervisions attended"),
    "withdrawn.mentee": _("Mentees withdrawn"),
    "withdrawn.mentor": _("Mentors withdrawn"),
    "recruited_by_mentor": _("New mentors recruited through a mentor"),
    "active": _("Duos active now"),
    "duos": _("Duos started"),
    "mentees": _("Mentees"),
    "mentors": _("Mentors trained"),
}
RATES = {
    "drop_out": _("Drop-out after the first meeting"),
    "attendance": _("Registered who attended an info session"),
    "completion": _("Started duos that completed"),
    "intervisions_per_duo": _("Intervisions per started duo"),
}
# Cohort outcomes, 12 months after the start (Figures.outcomes), as shares of the outcomes recorded.
OUTCOMES = {
    "job": _("Job"),
    "training_or_internship": _("Training or internship"),
    "searching": _("Still searching"),
    "unknown": _("Unknown"),
}
# Evaluation items (domain/duos.py's MENTEE_EVALUATION, MENTOR_EVALUATION): the duo pages' short names.
EVALUATION = console_labels_duos.EVALUATION_SHORT
SERVICES = console_labels.SERVICE_LABELS
PERIOD_KINDS = {
    "month": _("Month"),
    "quarter": _("Quarter"),
    "year": _("Year"),
    "range": _("Years"),
}
COUNTRIES = {
    "BE": _("Belgium"),
    "FR": _("France"),
    "NL": _("The Netherlands"),
}
BRANCH_STATUS = {
    "active": _("Active"),
    "suspended": _("Suspended"),
}
# What the head office's pages say after a step (``?done=<code>``).
FLASH = {
    "branch_onboarded": _("The branch has been onboarded; its first admin received an invitation."),
    "branch_onboarded_no_admin": _("The branch has been onboarded."),
    "branch_invite_failed": _("The branch has been onboarded, but the invitation of its first admin failed: "
                              "invite them again from the branch's staff settings."),
    "branch_saved": _("The branch has been saved."),
    "branch_suspended": _("The branch is suspended: its public forms are closed."),
    "branch_resumed": _("The branch is active again."),
}
FLASH_DEFAULT = _("Saved.")
SUPPRESSED = _("fewer than 5")


def label(table: dict[str, str], code: str) -> str:
    """The msgid of ``code`` in ``table``, or the code itself (a service's own code, an item we do not know)."""
    return table.get(code, code)


# The network report's columns (domain.reports.table_row's names) that are not funnel steps.
COLUMNS = {
    "ready.mentor": _("Mentors trained"),
    "declined": _("Declined after the first meeting"),
    "dropout_rate": _("Drop-out after the first meeting"),
    "intervisions": _("Intervisions attended"),
    "withdrawn": _("Withdrawn"),
    "outcome.recorded": _("Outcomes recorded"),
    "outcome.job_share": _("Job"),
    "outcome.training_or_internship_share": _("Training or internship"),
    "outcome.searching_share": _("Still searching"),
    "outcome.unknown_share": _("Unknown"),
    "recruited_by_mentor_share": _("New mentors recruited through a mentor"),
}
NETWORK_TOTAL = _("Network total")


def column(name: str) -> str:
    """The msgid of a report column: a funnel step, a named column, an evaluation item's share, or the name."""
    if name in FUNNEL:
        return FUNNEL[name]
    if name in COLUMNS:
        return COLUMNS[name]
    if name.startswith("eval.") and name.endswith("_share"):
        return EVALUATION.get(name[5:-6], name)
    return name
