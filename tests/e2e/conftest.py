"""The real local stack for the end-to-end tests: see ``tests/stack.py`` (shared with ``tests/browser``)."""

from __future__ import annotations

import pytest

from tests.stack import REPO, Stack, clean_env, free_port, running_stack

__all__ = ["REPO", "Stack", "clean_env", "free_port", "stack"]


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Stack:
    return running_stack(request, tmp_path_factory)
