"""Keys keep every branch item under its prefix; cursors cannot cross into another branch."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import InvalidInputError
from chalicelib.store import keys


def test_every_branch_key_starts_with_the_tenant_prefix():
    built = [keys.branch_key("antwerp")[0], keys.staff_key("antwerp", "s1")[0],
             keys.staff_list_key("antwerp"), keys.staff_email_key("antwerp", "A@x.org")[0]]
    assert all(k.startswith("T#antwerp#") for k in built)
    assert keys.branch_of(keys.staff_key("ghent", "s1")[0]) == "ghent"
    assert keys.branch_of(keys.registry_key("ghent")[0]) is None


def test_a_tenant_prefix_cannot_be_built_from_a_crafted_branch():
    for bad in ("", "antwerp#STAFF", "a#"):
        with pytest.raises(ValueError):
            keys.tenant_prefix(bad)


def test_email_guard_ignores_case_and_spaces_and_hides_the_address():
    pk, _ = keys.staff_email_key("antwerp", " Sara@Example.org ")
    assert pk == keys.staff_email_key("antwerp", "sara@example.org")[0]
    assert "sara" not in pk.lower()


def test_cursor_round_trips_within_its_partition_space():
    last = {"pk": {"S": "T#antwerp#STAFF#1"}, "sk": {"S": "STAFF"}}
    cursor = keys.encode_cursor(last)
    assert keys.decode_cursor(cursor, "T#antwerp#") == last
    with pytest.raises(InvalidInputError):
        keys.decode_cursor(cursor, "T#ghent#")


@pytest.mark.parametrize("cursor", ["%%%", "bm9wZQ", "W10", "eyJwayI6IDV9", "eyJwayI6eyJOIjoiMSJ9fQ"])
def test_garbage_cursors_are_refused(cursor):
    with pytest.raises(InvalidInputError):
        keys.decode_cursor(cursor, "REGISTRY")



PLATFORM_PATTERNS = ("REGISTRY", "T#*#BRANCH", "T#*#STAFF#*", "T#*#STAFFEMAIL#*")
PLATFORM_ITEMS = {"branch_key", "registry_key", "staff_key", "staff_email_key"}


def test_only_platform_items_match_the_platform_roles_key_patterns():
    """The platform role may touch these patterns and IAM's * spans '#': any other key builder
    (people, duos, sessions...) must never produce a partition key they match."""
    import inspect
    from fnmatch import fnmatchcase

    builders = [(name, fn) for name, fn in vars(keys).items()
                if inspect.isfunction(fn) and name.endswith("_key") and fn.__module__ == keys.__name__]
    assert len(builders) >= 5
    for name, fn in builders:
        arity = len(inspect.signature(fn).parameters)
        try:
            built = fn("antwerp", *["x#STAFF#y"] * (arity - 1))
        except ValueError:
            assert name not in PLATFORM_ITEMS, name
            continue  # the builder refuses ids with the separator: nothing it builds can match
        pk = built[0] if isinstance(built, tuple) else built
        matches = any(fnmatchcase(pk, pattern) for pattern in PLATFORM_PATTERNS)
        assert matches == (name in PLATFORM_ITEMS), (name, pk)
