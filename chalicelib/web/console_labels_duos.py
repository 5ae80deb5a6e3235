"""Labels of the duo vocabularies (part B): for the console's duo pages and the personal link pages.

The English texts are msgids: ``_`` only marks them for extraction; templates translate them with
``_(...)`` when they render.
"""

from __future__ import annotations


def _(message: str) -> str:
    return message


STATUS = {
    "first_meeting": _("First meeting"),
    "agreed": _("Agreement to sign"),
    "declined": _("Declined"),
    "active": _("Active"),
    "closed": _("Closed"),
}
PHASE = {
    "first_meeting": _("First meeting"),
    "agreed": _("Agreement to sign"),
    "active": _("Active"),
    "follow_up": _("Follow-up"),
    "declined": _("Declined"),
    "done": _("Done"),
}
SIDE = {"mentee": _("Mentee"), "mentor": _("Mentor")}
ANSWER = {"yes": _("Yes"), "no": _("No")}
MEETING_MODE = {"in_person": _("In person"), "online": _("Online")}
GOAL_STATUS = {"open": _("Open"), "in_progress": _("In progress"), "done": _("Done"), "dropped": _("Dropped")}
CHECKIN_CHANNEL = {"call": _("Phone call"), "visit": _("Visit"), "mail": _("Email"), "message": _("Message")}
END_KIND = {"completed": _("Completed"), "stopped": _("Stopped early")}
END_REASON = {
    "found_job": _("Found a job"),
    "found_training": _("Found a training"),
    "moved": _("Moved away"),
    "lost_contact": _("Lost contact"),
    "health": _("Health"),
    "no_match": _("The match did not work"),
    "no_time": _("No time"),
    "other": _("Other reason"),
}
SERVICE = {
    "interview_workshop": _("Interview workshop"),
    "cv_review": _("CV review"),
    "cv_workshop": _("CV workshop"),
    "linkedin_workshop": _("LinkedIn workshop"),
    "interview_simulation": _("Interview simulation"),
    "intervision": _("Intervision"),
    "speech_therapy": _("Speech therapy"),
    "listening_service": _("Listening service"),
    "laptop_loan": _("Laptop loan"),
    "it_training": _("IT training"),
}
# The evaluation, as the person reads it (questions answered yes or no).
EVALUATION = {
    "gained_stability": _("Has the programme brought more stability to your life?"),
    "gained_autonomy": _("Do you feel more independent in your search?"),
    "gained_confidence": _("Do you feel more confident?"),
    "understands_language_culture_codes": _("Do you better understand the language, the culture and the unwritten rules of work here?"),  # noqa: E501
    "knows_where_to_find_opportunities": _("Do you know better where to find jobs, trainings and internships?"),
    "knows_how_to_seize_opportunities": _("Do you know better how to seize an opportunity when it comes?"),
    "would_mentor_again": _("Would you be a mentor again?"),
    "keeps_in_touch": _("Will you keep in touch with your mentee?"),
}
EVALUATION_SHORT = {
    "gained_stability": _("Stability"),
    "gained_autonomy": _("Autonomy"),
    "gained_confidence": _("Confidence"),
    "understands_language_culture_codes": _("Language, culture and codes"),
    "knows_where_to_find_opportunities": _("Knows where to find opportunities"),
    "knows_how_to_seize_opportunities": _("Knows how to seize opportunities"),
    "would_mentor_again": _("Would mentor again"),
    "keeps_in_touch": _("Keeps in touch"),
}
OUTCOME = {
    "job": _("I have a job"),
    "training": _("I am in a training or a study"),
    "internship": _("I am doing an internship"),
    "searching": _("I am still looking"),
    "unknown": _("I would rather not say"),
}
OUTCOME_SHORT = {
    "job": _("Job"),
    "training": _("Training or study"),
    "internship": _("Internship"),
    "searching": _("Still looking"),
    "unknown": _("Unknown"),
}
EVENT = {
    "duo.paired": _("Paired"),
    "duo.first_meeting_planned": _("First meeting moved"),
    "duo.answered": _("Answer recorded"),
    "duo.agreement_signed": _("Agreement signed"),
    "duo.meeting_logged": _("Meeting logged"),
    "duo.goal_added": _("Goal added"),
    "duo.goal_updated": _("Goal changed"),
    "duo.checkin_recorded": _("Check-in recorded"),
    "duo.intervision_recorded": _("Intervision recorded"),
    "duo.service_recorded": _("Workshop or service recorded"),
    "duo.service_returned": _("Loan returned"),
    "duo.closed": _("Closed"),
    "duo.evaluated": _("Evaluation received"),
    "duo.outcome_recorded": _("Outcome recorded"),
}
# --- Console (part B): what a duo page says after a step (``?done=<code>``) --------------------------------
FLASH = {
    "paired": _("The pairing is made; both received their answer link by mail."),
    "first_meeting_moved": _("The first meeting has been moved; both received a new answer link."),
    "answer_recorded": _("The answer has been recorded."),
    "agreement_recorded": _("The agreement has been recorded: the duo has started."),
    "meeting_logged": _("The meeting has been logged."),
    "goal_added": _("The goal has been added."),
    "goal_changed": _("The goal has been changed."),
    "checkin_recorded": _("The check-in has been recorded."),
    "intervision_recorded": _("The intervision has been recorded."),
    "service_recorded": _("The workshop or service has been recorded."),
    "service_returned": _("The return has been recorded."),
    "duo_closed": _("The duo is closed; both received their evaluation link by mail."),
    "evaluation_recorded": _("The evaluation has been recorded."),
    "outcome_recorded": _("The outcome has been recorded."),
}
FLASH_DEFAULT = _("Saved.")
FLAG = {
    "answer_overdue": _("An answer is overdue (more than 24 hours after the first meeting)."),
    "no_recent_meeting": _("No meeting logged for 14 days."),
    "missing_intervisions": _("The mentor has fewer than 2 intervisions."),
    "evaluation_due": _("An evaluation is missing."),
    "outcome_due": _("The outcome at 12 months is due."),
    "laptops_due": _("A laptop is due back within a week."),
}
