"""The yardstick of the cold-start benchmark: the smallest app on the same stack.

It imports chalice, boto3 and pynamodb, creates Powertools' Logger, Metrics and Tracer, and
answers the benchmark's three routes with one PynamoDB ``get`` each, on the same local table
as the real app (the seeded branch item ``T#{branch}#BRANCH`` / ``BRANCH``). Imported by a
fresh process exactly as the real ``app`` module is.
"""

from __future__ import annotations

import os
import time
from typing import Any

import boto3  # noqa: F401  (part of the stack being measured)
from aws_lambda_powertools import Logger, Metrics, Tracer
from chalice import Chalice
from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

IMPORTS_DONE = time.perf_counter()

logger = Logger(service="baseline")
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Duo"), service="baseline")
tracer = Tracer(service="baseline")


class Item(Model):
    class Meta:
        table_name = os.environ["DUO_TABLE"]
        region = os.environ["AWS_REGION"]

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute(null=True)


app = Chalice(app_name="baseline")


def _get(branch: str) -> dict[str, Any]:
    item = Item.get(f"T#{branch}#BRANCH", "BRANCH")
    return {"id": branch, "name": item.name}


@app.route("/branches/{branch}/public", methods=["GET"])
def public_branch(branch: str) -> dict[str, Any]:
    return _get(branch)


@app.route("/branches/{branch}", methods=["GET"])
def read_branch(branch: str) -> dict[str, Any]:
    return _get(branch)


@app.route("/branches/{branch}", methods=["PATCH"])
def update_branch(branch: str) -> dict[str, Any]:
    app.current_request.json_body  # noqa: B018  (parse the body, as any write route would)
    return _get(branch)
