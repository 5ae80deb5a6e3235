"""Errors raised by services and the domain; the api layer maps each to one HTTP status."""

from __future__ import annotations


class DuoError(Exception):
    """Base of every error a caller can cause."""

    code = "error"

    def __init__(self, message: str, fields: dict[str, str] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code


class InvalidInputError(DuoError):
    """The request is malformed or breaks a rule; ``fields`` names each bad field."""

    code = "invalid_input"


class NotFoundError(DuoError):
    """The object does not exist for this caller (also used for another branch's objects)."""

    code = "not_found"


class ConflictError(DuoError):
    """The object exists already, or changed meanwhile."""

    code = "conflict"


class ForbiddenError(DuoError):
    """The caller is known but may not do this."""

    code = "forbidden"


class UnauthenticatedError(DuoError):
    """No valid credentials."""

    code = "unauthenticated"


class UnavailableError(DuoError):
    """A dependency failed in a way the caller can retry."""

    code = "unavailable"
