"""The repositories and adapters a service needs, built lazily once per process.

Tests replace them with ``use(...)``; handlers get them with ``get()``. A repository's module is imported
when it is first used: a cold start pays only for the stores its request reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from chalicelib.store.directory import Directory
from chalicelib.store.mailer import Mailer
from chalicelib.store.scopes import Scopes

if TYPE_CHECKING:
    from chalicelib.store.aggregates import AggregateRepository
    from chalicelib.store.branches import BranchRepository
    from chalicelib.store.candidates import CandidateRepository
    from chalicelib.store.duos import DuoRepository
    from chalicelib.store.events import EventRepository
    from chalicelib.store.links import LinkRepository
    from chalicelib.store.matching import MatchingRepository
    from chalicelib.store.sessions import SessionRepository
    from chalicelib.store.staff import StaffRepository


@dataclass
class Repos:
    scopes: Scopes = field(default_factory=Scopes)
    directory: Directory = field(default_factory=Directory)
    mailer: Mailer = field(default_factory=Mailer)

    @cached_property
    def branches(self) -> BranchRepository:
        from chalicelib.store.branches import BranchRepository

        return BranchRepository(self.scopes)

    @cached_property
    def staff(self) -> StaffRepository:
        from chalicelib.store.staff import StaffRepository

        return StaffRepository(self.scopes)

    @cached_property
    def sessions(self) -> SessionRepository:
        from chalicelib.store.sessions import SessionRepository

        return SessionRepository(self.scopes)

    @cached_property
    def candidates(self) -> CandidateRepository:
        from chalicelib.store.candidates import CandidateRepository

        return CandidateRepository(self.scopes)

    @cached_property
    def events(self) -> EventRepository:
        from chalicelib.store.events import EventRepository

        return EventRepository(self.scopes)

    @cached_property
    def duos(self) -> DuoRepository:
        from chalicelib.store.duos import DuoRepository

        return DuoRepository(self.scopes)

    @cached_property
    def links(self) -> LinkRepository:
        from chalicelib.store.links import LinkRepository

        return LinkRepository(self.scopes)

    @cached_property
    def aggregates(self) -> AggregateRepository:
        from chalicelib.store.aggregates import AggregateRepository

        return AggregateRepository(self.scopes)

    @cached_property
    def matching(self) -> MatchingRepository:
        from chalicelib.store.matching import MatchingRepository

        return MatchingRepository(self.scopes)


_repos: Repos | None = None


def get() -> Repos:
    global _repos
    if _repos is None:
        _repos = Repos()
    return _repos


def use(repos: Repos | None) -> None:
    """Replace (or with None, forget) the process-wide repositories."""
    global _repos
    _repos = repos
