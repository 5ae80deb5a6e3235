"""Powertools Logger, Metrics and Tracer, created once; every layer may import them.

Never pass personal data to these: log ids, codes and counts only.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "duo")
NAMESPACE = os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Duo")

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
tracer = Tracer(service=SERVICE)
