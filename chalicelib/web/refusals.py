"""Refusal texts written where this layer does not mark them: listed here so that ``make catalogs`` extracts them.

The request schemas' validators (``chalicelib/api/*schemas.py``) and some console handlers word their
refusals in English; a page shows them through ``i18n.refusal`` (the ``refusal_text`` of the templates),
which looks these msgids up in the page's language. Keep each text exactly as it is written there.
"""

from __future__ import annotations

from chalicelib.domain.texts import N_

TEXTS = (
    # chalicelib/api/schemas.py, signup_schemas.py, privacy_schemas.py (pydantic validators)
    N_("Use letters, digits and punctuation only."),
    N_("This date of birth is not possible."),
    N_("Give at least one detail to correct."),
    N_("Each module code may appear once."),
    N_("Name each criterion once."),
    N_("Use a time zone name such as Europe/Brussels."),
    N_("Name each language once."),
    # the console's own handlers (chalicelib/api/*console*.py, duo_pages.py, imports.py)
    N_("Someone changed this duo meanwhile; reload it and try again."),
    N_("The sign-in did not complete: sign in again."),
    N_("Choose what to do."),
    N_("Invite, change a role or remove."),
    N_("Save, suspend or resume."),
    N_("The form is incomplete: reload the page."),
    N_("This form is incomplete; reload the page."),
    N_("Missing."),
    N_("Reload the page."),
    N_("Choose both a mentee and a mentor for this pin, or neither."),
    N_("Choose one of this person's open requests."),
    N_("Choose to restrict or to lift the restriction."),
    N_("Tick the box to confirm that this is the right person and that erasure cannot be undone."),
    N_("Choose what the person asks."),
    N_("Type the person's name, email, phone or id."),
    N_("No one of this branch matches; try another spelling, the email or the id."),
    N_("Say why the request is refused."),
    N_("Give a person's id, as in the address of their page."),
    N_("Choose what the file holds: people or duos."),
    N_("Choose a CSV file, or paste its text."),
    N_("Give the date the module was completed."),
    N_("Give the date and time of the intake."),
    N_("Give a date such as 2026-11-24."),
)
