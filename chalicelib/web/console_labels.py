"""What the console shows for codes: roles, flash messages after a change, and each part's own tables.

The English texts are msgids (``_`` only marks them for extraction; templates translate them with
``_()`` at render time). Each part keeps its dicts in its own section below (or in a module of its
own, ``console_labels_<part>.py``).
"""

from __future__ import annotations


def _(message: str) -> str:
    return message


# --- Part C: the console shell --------------------------------------------------------------------
ROLE_LABELS = {
    "coordinator": _("Coordinator"),
    "branch_admin": _("Branch admin"),
    "head_office": _("Head office"),
}
# ``?done=<code>`` after a redirect shows one of these; an unknown code shows FLASH_DEFAULT.
FLASH_DEFAULT = _("Saved.")
FLASH = {
    "saved": _("Saved."),
    "signed_in": _("You are signed in."),
    "staff_invited": _("The invitation has been sent."),
    "staff_role_changed": _("The role has been changed."),
    "staff_removed": _("The staff member has been removed."),
    "settings_saved": _("The settings have been saved."),
    "settings_reset": _("The default settings are back."),
    # Issue 8: a person's data (console_labels_privacy holds the privacy pages' own messages)
    "privacy_restricted": _("Processing of this person's data is now restricted."),
    "privacy_lifted": _("The restriction is lifted."),
    "privacy_corrected": _("The contact details have been corrected."),
    "privacy_unchanged": _("Nothing was changed: the details were as typed."),
}
STAFF_STATUS_LABELS = {"invited": _("Invited"), "active": _("Active")}
SETTINGS_SECTIONS = {
    "staff": _("Staff"),
    "training": _("Mentor training"),
    "services": _("Workshops and services"),
    "intake": _("Intake lists"),
    "closing": _("Closing reasons"),
    "eligibility": _("Eligibility"),
    "targets": _("Targets"),
    "matching": _("Matching"),
    "privacy": _("Privacy notice and retention"),
}
# Built-in codes of the branch configuration (a branch's own codes show their code, or the name it gave).
SERVICE_LABELS = {
    "interview_workshop": _("Interview workshop"),
    "cv_review": _("CV review"),
    "cv_workshop": _("CV workshop"),
    "linkedin_workshop": _("LinkedIn workshop"),
    "interview_simulation": _("Interview simulation"),
    "intervision": _("Intervision for mentors"),
    "speech_therapy": _("Speech therapy"),
    "listening_service": _("Listening service"),
    "laptop_loan": _("Laptop loan"),
    "it_training": _("IT training"),
}
TRAINING_MODULE_LABELS = {
    "welcome": _("Welcome and the programme"),
    "role_of_mentor": _("The role of a mentor"),
    "listening": _("Active listening"),
    "intercultural": _("Intercultural communication"),
    "job_market": _("The job market today"),
    "action_plan": _("Building an action plan"),
    "network": _("Using your network"),
    "closing": _("Closing a mentoring relationship"),
}
HELP_NEED_LABELS = {
    "cv": _("CV"),
    "interview_practice": _("Interview practice"),
    "network": _("Network"),
    "language": _("Language"),
    "digital_skills": _("Digital skills"),
    "job_search": _("Job search"),
    "orientation": _("Orientation"),
    "confidence": _("Self-confidence"),
}
END_REASON_LABELS = {
    "found_job": _("Found a job"),
    "found_training": _("Found a training"),
    "moved": _("Moved away"),
    "lost_contact": _("Lost contact"),
    "health": _("Health"),
    "no_match": _("The duo did not work out"),
    "no_time": _("No time"),
    "other": _("Another reason"),
}
