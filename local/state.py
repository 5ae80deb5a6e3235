"""Where the local stack keeps its state: signing keys and the data snapshot (``.local/`` by default)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
DEFAULT_STATE_DIR = PROJECT / ".local"


def state_dir() -> Path:
    """``$DUO_STATE_DIR`` (the end-to-end tests use a temporary one) or ``.local/`` in the project."""
    configured = os.environ.get("DUO_STATE_DIR")
    return Path(configured).resolve() if configured else DEFAULT_STATE_DIR


def private_key(directory: Path | None = None) -> Path:
    return (directory or state_dir()) / "private.pem"


def snapshot_file(directory: Path | None = None) -> Path:
    return (directory or state_dir()) / "snapshot.json"
