"""Rules across the fields of a branch configuration (each field's own shape is checked on input)."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.texts import N_


def config_problems(config: dict[str, Any]) -> dict[str, str]:
    """Field path -> message for every rule the (merged) configuration breaks."""
    problems: dict[str, str] = {}
    for role in ("mentee", "mentor"):
        rules = config.get("eligibility", {}).get(role, {})
        low, high = rules.get("min_age"), rules.get("max_age")
        if low is not None and high is not None and low > high:
            problems[f"config.eligibility.{role}.max_age"] = N_("The maximum age must not be below the minimum age.")
    weights = config.get("matching", {}).get("weights", {})
    if not any(isinstance(w, int | float) and w > 0 for w in weights.values()):
        problems["config.matching.weights"] = N_("Give at least one criterion a weight above 0.")
    return problems
