"""Matching: which mentor suits which mentee, and why (decision support: people decide).

Pure Python, no NumPy: hard constraints filter a pair, a weighted sum of criterion scores in [0, 1] ranks
the rest, and every score carries its reasons as codes the console puts into words. Nothing protected
(migration background, nationality, origin, religion, gender, age) is ever read: a ``Profile`` holds only
what the criteria use. The whole pool's proposal (NumPy and LAPJV) is in ``domain/assignment.py``.
"""

from __future__ import annotations

# The criteria a branch weighs, in the order the console shows them.
CRITERIA = ("sector", "languages", "availability", "help", "interests", "digital", "location")
DEFAULT_WEIGHTS = {"sector": 3, "languages": 2, "availability": 2, "help": 3, "interests": 1, "digital": 1,
                   "location": 1}
DEFAULT_HARD: tuple[str, ...] = ()  # criteria a branch makes hard constraints (beyond the built-in ones)
MAX_WEIGHT = 10
