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
}
