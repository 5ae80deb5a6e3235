"""Powertools Logger, Metrics and Tracer, created once; every layer may import them.

Never pass personal data to these: log ids, codes and counts only. An object that must be logged (the context
of an unexpected failure) goes through ``masked`` first; a failure is logged with ``log_failure``.
"""

from __future__ import annotations

import os
import re
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "duo")
NAMESPACE = os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Duo")

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
tracer = Tracer(service=SERVICE)


# --- Objects in logs --------------------------------------------------------------------------------------------
_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_CODE = re.compile(r"^[A-Za-z0-9_.:/+-]{0,64}$")  # ids, codes, numbers and dates as text: nothing that reads as words
_MASK = "*****"
_MAX_DEPTH = 6
_MAX_ITEMS = 50


def _loggable(value: Any, depth: int = 0) -> Any:
    """A JSON-able copy, bounded, whose keys are plain names (a key that is not could be anything: dropped)."""
    if depth > _MAX_DEPTH:
        return _MASK
    if isinstance(value, dict):
        kept = {str(k): _loggable(v, depth + 1) for k, v in list(value.items())[:_MAX_ITEMS] if _KEY.match(str(k))}
        dropped = len(value) - len(kept)
        return {**kept, "_dropped_keys": dropped} if dropped else kept
    if isinstance(value, list | tuple | set | frozenset):
        return [_loggable(v, depth + 1) for v in list(value)[:_MAX_ITEMS]]
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def _text(value: Any) -> bool:
    """Text that is not a code, an id or a date, alone or in a list."""
    if isinstance(value, list):
        return any(_text(v) for v in value if not isinstance(v, dict | list))
    return isinstance(value, str) and not _CODE.match(value)


def _to_erase(value: Any, names: frozenset[str] | set[str], found: set[str]) -> None:
    """The keys whose values are to be erased: the personal names, and any key holding text."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in names or _text(item):
                found.add(key)
            else:
                _to_erase(item, names, found)
    elif isinstance(value, list):
        for item in value:
            _to_erase(item, names, found)


def masked(obj: Any, fields: Iterable[str] | None = None) -> Any:
    """A copy of ``obj`` fit for a log line: Powertools' data masking erases (``*****``) the values of the personal
    names at any depth (``domain.privacy.PERSONAL_FIELDS``, or ``fields``) and of any other key whose value is text
    that is not a code, an id or a date (a name or a note under a key we do not know). Keys that are not plain
    names are dropped. The masking utility (and its JSONPath parser) is imported on first use, not at cold start.
    """
    if obj is None or isinstance(obj, bool | int | float):
        return obj
    if isinstance(obj, str):
        return obj if _CODE.match(obj) else _MASK
    data = _loggable(obj)
    if fields is None:
        from chalicelib.domain.privacy import PERSONAL_FIELDS

        fields = PERSONAL_FIELDS
    found: set[str] = set()
    _to_erase(data, frozenset(fields), found)
    if not found:
        return data
    from aws_lambda_powertools.utilities.data_masking import DataMasking

    expression = "$..[" + ",".join(f'"{name}"' for name in sorted(found)) + "]"
    return DataMasking().erase(data, fields=[expression])


def _stack(error: BaseException) -> list[str]:
    """Where it failed, innermost last: file, line and function of each frame (never the values in them)."""
    frames = traceback.extract_tb(error.__traceback__)[-_MAX_ITEMS:]
    return [f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in frames]


def log_failure(message: str, error: BaseException, context: dict[str, Any] | None = None) -> None:
    """Log an unexpected failure without personal data: the exception's type (and AWS error code), where it
    happened, its causes' types, and ``context`` through ``masked``. Never the exception's message or the
    traceback's text: either may quote a value (a name in a KeyError, an input in a validation error)."""
    causes = []
    cause = error.__cause__ or error.__context__
    while cause is not None and len(causes) < 5:
        causes.append(type(cause).__name__)
        cause = cause.__cause__ or cause.__context__
    extra: dict[str, Any] = {"error": type(error).__name__, "stack": _stack(error)}
    code = getattr(error, "response", None)
    if isinstance(code, dict) and isinstance(code.get("Error"), dict):
        extra["aws_code"] = masked(str(code["Error"].get("Code", "")))
    if causes:
        extra["causes"] = causes
    if context:
        try:
            extra["context"] = masked(context)
        except Exception:  # the failure is logged all the same, without its context
            extra["context"] = _MASK
    logger.error(message, extra=extra)
