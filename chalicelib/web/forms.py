"""The signup form: form-encoded fields -> the JSON body of ``POST /signups``, and errors -> form fields.

Messages are msgids (English), translated in the page's language; pydantic's own English never
reaches a page. Field names are those of the contract (``language_1``/``level_1`` ... for
``languages.0.code``/``languages.0.level`` ...).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from chalicelib.web import i18n


def _(message: str) -> str:
    return message


ROLES = ("mentee", "mentor")
LANGUAGE_SLOTS = (1, 2, 3)
# The order of the fields on the page, and so of the error summary.
FIELDS = (
    "form", "role", "session_id", "name", "email", "phone", "birth_date", "postcode", "city",
    "language_1", "level_1", "language_2", "level_2", "language_3", "level_3",
    "looking_for", "education_level", "work_permit", "migration_background",
    "profession", "available_six_months", "sectors", "heard_from", "consent",
)
LISTS = ("looking_for", "sectors")
TEXTS = ("session_id", "name", "email", "phone", "birth_date", "postcode", "city", "heard_from")
ROLE_FIELDS = {
    "mentee": ("looking_for", "sectors", "education_level", "work_permit", "migration_background"),
    "mentor": ("profession", "sectors", "available_six_months"),
}
YES_NO = {"yes": True, "no": False}
FREE_TEXT = ("name", "city", "profession")
MAX_FIELDS = 200

UNREADABLE = _("The form could not be read. Please fill it in again.")
TOO_LARGE = _("The form is too large. Please shorten your answers.")
REQUIRED = _("Please fill in this field.")
CHOOSE = _("Please choose an answer.")
TOO_LONG = _("Please use at most %(max)s characters.")
CHECK = _("Please check this field.")
# Per field, per pydantic error type ("*": any other type).
MESSAGES: dict[str, dict[str, str]] = {
    "role": {"*": _("Please choose whether you want to be a mentee or a mentor.")},
    "session_id": {"*": _("Please choose an info session.")},
    "email": {"missing": REQUIRED, "*": _("Please enter an email address such as name@example.com.")},
    "phone": {"missing": REQUIRED, "*": _("Please enter a phone number of 6 to 20 digits, such as +32 470 12 34 56.")},
    "postcode": {"missing": REQUIRED, "*": _("Please enter a postcode of 3 to 10 letters or digits.")},
    "birth_date": {
        "missing": _("Please enter your date of birth."),
        "value_error": _("Please check your date of birth: it cannot be in the future or before 1900."),
        "*": _("Please enter your date of birth as year-month-day, for example 2001-04-28."),
    },
    "language": {"*": _("Please choose a language.")},
    "level": {"*": _("Please choose how well you speak this language.")},
    "looking_for": {"*": _("Please choose at least one.")},
    "sectors": {"too_long": _("Please choose at most %(max)s sectors."), "*": _("Please choose at least one sector.")},
    "consent": {"*": _("Please agree to the privacy notice: we cannot sign you up without it.")},
    "name": {"value_error": _("Please use letters, digits and punctuation only.")},
    "city": {"value_error": _("Please use letters, digits and punctuation only.")},
}
CHOICES = ("heard_from", "education_level", "work_permit", "migration_background", "available_six_months")
SESSION_GONE = {
    "session_full": _("This info session has just become full. Please choose another one."),
    "session_cancelled": _("This info session has been cancelled. Please choose another one."),
    "session_started": _("This info session has already started. Please choose another one."),
}
CHANGED = _("Your registration has been changed. We have sent you an email with the details.")
ALREADY_CANCELLED = _("This registration is cancelled already.")
DUPLICATE_LANGUAGE = _("You chose this language already.")
LANGUAGE_FIRST = _("Please choose the language first.")


class FormError(Exception):
    """The body is not a form we can read; ``message`` is a msgid."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse(raw: bytes | None, max_bytes: int) -> dict[str, Any]:
    """The form's values: one string per field, a list for the repeated ones (``looking_for``, ``sectors``)."""
    raw = raw or b""
    if len(raw) > max_bytes:
        raise FormError(TOO_LARGE)
    try:
        fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True, errors="strict", max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise FormError(UNREADABLE) from None
    return {name: (items if name in LISTS else items[0]) for name, items in fields.items()}


def to_body(values: dict[str, Any], role: str, lang: str) -> tuple[dict[str, Any], list[int]]:
    """The JSON body of the contract for ``role``, and the form slot (1..3) of each entry of ``languages``."""
    body: dict[str, Any] = {"role": role, "language": lang, "consent": values.get("consent") == "yes"}
    for name in TEXTS:
        if values.get(name):
            body[name] = values[name]
    slots: list[int] = []
    for n in LANGUAGE_SLOTS:  # a language named twice is left to ``precheck``
        code = values.get(f"language_{n}")
        if code and code not in {values[f"language_{m}"] for m in slots}:
            slots.append(n)
    body["languages"] = [{"code": values[f"language_{n}"], "level": values.get(f"level_{n}", "")} for n in slots]
    for name in ROLE_FIELDS.get(role, ()):
        value = values.get(name)
        if name in LISTS:
            body[name] = list(value or [])
        elif value:
            body[name] = YES_NO.get(value, value)
    if values.get("website"):
        body["website"] = values["website"]
    return body, slots


def precheck(values: dict[str, Any], max_text: int, lang: str) -> dict[str, str]:
    """What the schema cannot see: the branch's text limit and the three language slots."""
    errors: dict[str, str] = {}
    for name in FREE_TEXT:
        if len(values.get(name) or "") > max_text:
            errors[name] = i18n.gettext(lang, TOO_LONG, max=max_text)
    seen: set[str] = set()
    for n in LANGUAGE_SLOTS:
        code = values.get(f"language_{n}")
        if not code and values.get(f"level_{n}"):
            errors[f"language_{n}"] = i18n.gettext(lang, LANGUAGE_FIRST)
        elif code in seen:
            errors[f"language_{n}"] = i18n.gettext(lang, DUPLICATE_LANGUAGE)
        elif code:
            seen.add(code)
    return errors


def field_of(loc: tuple[Any, ...] | list[Any], slots: list[int]) -> str:
    """``("mentee", "languages", 1, "level")`` -> ``level_2`` (with slots [1, 2]); unknown -> ``form``."""
    path = [str(p) if not isinstance(p, int) else p for p in loc]
    if path and path[0] in ROLES:
        path = path[1:]
    if not path:
        return "role"
    if path[0] == "languages":
        if len(path) >= 2 and isinstance(path[1], int) and path[1] < len(slots):
            kind = "level" if path[2:3] == ["level"] else "language"
            return f"{kind}_{slots[path[1]]}"
        return "language_1"
    if isinstance(path[0], str) and "." in path[0]:  # a service's "languages.0.code" style
        return field_of(tuple(int(p) if p.isdigit() else p for p in path[0].split(".")), slots)
    return path[0] if path[0] in FIELDS else "form"


def message(field: str, error_type: str, ctx: dict[str, Any] | None, lang: str) -> str:
    """The translated message for a field's error."""
    ctx = ctx or {}
    family = field.rsplit("_", 1)[0] if field.startswith(("language_", "level_")) else field
    table = MESSAGES.get(family, {})
    msgid = table.get(error_type) or table.get("*")
    if msgid is None:
        if error_type in ("string_too_long", "too_long"):
            msgid = TOO_LONG
        elif field in CHOICES:
            msgid = CHOOSE
        elif error_type in ("missing", "string_too_short"):
            msgid = REQUIRED
        else:
            msgid = CHECK
    limit = ctx.get("max_length", "")
    return i18n.gettext(lang, msgid, max=limit) if "%(max)s" in msgid else i18n.gettext(lang, msgid)


def schema_errors(errors: list[dict[str, Any]], slots: list[int], lang: str) -> dict[str, str]:
    """pydantic's ``ValidationError.errors()`` -> {form field: translated message}, first error per field."""
    out: dict[str, str] = {}
    for item in errors:
        field = field_of(item["loc"], slots)
        out.setdefault(field, message(field, item["type"], item.get("ctx"), lang))
    return out


def service_errors(fields: dict[str, str], slots: list[int], lang: str) -> dict[str, str]:
    """A service's {field: English message} -> {form field: translated message} (its words are not shown)."""
    out: dict[str, str] = {}
    for name in fields:
        field = field_of((name,), slots)
        out.setdefault(field, message(field, "value_error" if field == "birth_date" else "*", None, lang))
    return out


def ordered(errors: dict[str, str]) -> dict[str, str]:
    return {name: errors[name] for name in sorted(errors, key=lambda n: FIELDS.index(n) if n in FIELDS else 0)}
