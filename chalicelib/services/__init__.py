"""Use cases: verb-named functions taking primitives, the tenant, and repositories."""
