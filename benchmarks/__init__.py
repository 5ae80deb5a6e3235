"""Benchmarks of issue 3: cold start against a minimal Chalice app, and DynamoDB round trips.

Run them with ``make bench`` (``python -m benchmarks.run``). They print one labelled line per
figure and assert nothing about speed; a benchmark fails only when a request does not succeed.
"""
