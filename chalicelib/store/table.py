"""The table's definition, derived from the PynamoDB model: one source for AWS and laptop.

``table_properties()`` is the ``AWS::DynamoDB::Table`` Properties that ``infra/`` deploys;
``create_table()`` makes the same table through the API (moto locally and in tests).
"""

from __future__ import annotations

from typing import Any

TTL_ATTRIBUTE = "expires_at"


def _key_definitions() -> dict[str, Any]:
    from chalicelib.store.models import TableItem

    schema = TableItem._get_schema()
    attributes = {a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]}
    indexes = []
    for index in schema["global_secondary_indexes"]:
        for a in index["attribute_definitions"]:
            attributes[a["AttributeName"]] = a["AttributeType"]
        indexes.append(
            {
                "IndexName": index["index_name"],
                "KeySchema": index["key_schema"],
                "Projection": {"ProjectionType": index["projection"]["ProjectionType"]},
            }
        )
    return {
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": kind} for name, kind in sorted(attributes.items())
        ],
        "KeySchema": schema["key_schema"],
        "GlobalSecondaryIndexes": indexes,
    }


def table_properties() -> dict[str, Any]:
    """CloudFormation Properties of the table (the name is left to the stack)."""
    return {
        **_key_definitions(),
        "BillingMode": "PAY_PER_REQUEST",
        "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
        "TimeToLiveSpecification": {"AttributeName": TTL_ATTRIBUTE, "Enabled": True},
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {"SSEEnabled": True},
        "DeletionProtectionEnabled": True,
    }


def create_table(client: Any, table_name: str) -> None:
    """Create the table through the DynamoDB API, as ``table_properties()`` describes it."""
    props = table_properties()
    client.create_table(
        TableName=table_name,
        AttributeDefinitions=props["AttributeDefinitions"],
        KeySchema=props["KeySchema"],
        GlobalSecondaryIndexes=props["GlobalSecondaryIndexes"],
        BillingMode=props["BillingMode"],
        StreamSpecification={"StreamEnabled": True, **props["StreamSpecification"]},
        SSESpecification={"Enabled": True},
    )
    client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 0.1})
    client.update_time_to_live(TableName=table_name, TimeToLiveSpecification=props["TimeToLiveSpecification"])
