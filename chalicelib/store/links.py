"""Personal links: only the token's sha256 is kept, with what the link is for, whose it is, until when it
works and whether it was used. Expired items go by TTL.

A duo's links (answer, evaluation, outcome) name the duo and the side; a person's privacy links (privacy,
export, download: ``services/privacy_links.py``) name the candidate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.store import keys
from chalicelib.store.models import LinkItem
from chalicelib.store.scopes import Scopes
from chalicelib.store.sessions import iso

# The table forgets a link this long after it stopped working (its page says "expired" until then).
KEEP_AFTER_EXPIRY = timedelta(days=30)


@dataclass(frozen=True)
class Link:
    branch: str
    digest: str
    purpose: str  # answer | evaluation | outcome (a duo's) | privacy | export | download (a person's)
    duo_id: str  # "" for a person's link
    side: str  # mentee | mentor ("" for a person's link)
    valid_until: str  # UTC ISO
    used_at: str | None = None
    candidate_id: str = ""  # a person's link: whose


def link_item(link: Link) -> LinkItem:
    pk, sk = keys.link_key(link.branch, link.digest)
    expires = datetime.fromisoformat(link.valid_until.replace("Z", "+00:00")) + KEEP_AFTER_EXPIRY
    return LinkItem(pk, sk, purpose=link.purpose, duo_id=link.duo_id or None, side=link.side or None,
                    candidate_id=link.candidate_id or None, valid_until=link.valid_until, used_at=link.used_at,
                    expires_at=expires)


def new_link(branch: str, digest: str, purpose: str, duo_id: str, side: str, now: datetime,
             valid_for: timedelta) -> Link:
    return Link(branch, digest, purpose, duo_id, side, iso(now + valid_for))


class LinkRepository:
    def __init__(self, scopes: Scopes) -> None:
        self._scopes = scopes

    def get(self, branch: str, digest: str) -> Link | None:
        pk, sk = keys.link_key(branch, digest)
        with self._scopes.tenant(branch):
            try:
                item = LinkItem.get(pk, sk, consistent_read=True)
            except DoesNotExist:
                return None
        return Link(branch, digest, item.purpose, item.duo_id or "", item.side or "", item.valid_until, item.used_at,
                    item.candidate_id or "")

    def add(self, link: Link) -> None:
        self.add_item(link_item(link))

    def add_item(self, item: LinkItem) -> None:
        branch = keys.branch_of(item.pk) or ""
        with self._scopes.tenant(branch):
            item.save(condition=LinkItem.pk.does_not_exist())

    def use(self, branch: str, digest: str, at: str) -> bool:
        """Mark a one-use link used, on condition that it exists, is unused and still valid at ``at``;
        False when another request used it first (or it expired meanwhile)."""
        pk, sk = keys.link_key(branch, digest)
        condition = LinkItem.pk.exists() & LinkItem.used_at.does_not_exist() & (LinkItem.valid_until > at)
        with self._scopes.tenant(branch):
            try:
                LinkItem(pk, sk).update(actions=[LinkItem.used_at.set(at)], condition=condition)
            except UpdateError as error:
                if error.cause_response_code != "ConditionalCheckFailedException":
                    raise
                return False
        return True

    def delete(self, branch: str, digest: str) -> None:
        """Forget a link (revoked): its token then leads nowhere."""
        pk, sk = keys.link_key(branch, digest)
        with self._scopes.tenant(branch):
            LinkItem(pk, sk).delete()
