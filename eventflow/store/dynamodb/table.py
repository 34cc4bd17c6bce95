"""The EventFlow DynamoDB table: its definition, and a command that creates it.

    python -m eventflow.store.dynamodb.table --table eventflow --region eu-west-1
    python -m eventflow.store.dynamodb.table --table eventflow --endpoint-url http://localhost:8000

One table holds everything (single-table design, see docs/dynamodb.md): string keys PK/SK, and
two global secondary indexes:

* GSI1 (GSI1PK, GSI1SK), projection ALL: an organizer's events by start time.
* GSI2 (GSI2PK, GSI2SK), projection KEYS_ONLY, sparse and overloaded: `HOLD#0`..`HOLD#7` list held
  reservations by expiry (for the reaper), `PUBLISHED` lists published events by start time.
  An item is in GSI2 only while it has these attributes, so closing a hold or unpublishing an
  event removes it from the index in the same write.

Billing is on demand (PAY_PER_REQUEST): no capacity to plan, and a flash sale cannot throttle
on provisioned throughput.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

GSI1 = "GSI1"
GSI2 = "GSI2"


def table_definition(table_name: str) -> dict[str, Any]:
    """The keyword arguments of `CreateTable` for the EventFlow table."""

    def key(hash_key: str, range_key: str) -> list[dict[str, str]]:
        return [
            {"AttributeName": hash_key, "KeyType": "HASH"},
            {"AttributeName": range_key, "KeyType": "RANGE"},
        ]

    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": "S"}
            for name in ("PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK")
        ],
        "KeySchema": key("PK", "SK"),
        "GlobalSecondaryIndexes": [
            {
                "IndexName": GSI1,
                "KeySchema": key("GSI1PK", "GSI1SK"),
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": GSI2,
                "KeySchema": key("GSI2PK", "GSI2SK"),
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
        ],
    }


def create_table(client: Any, table_name: str, wait: bool = True) -> bool:
    """Create the table (and wait until it is ACTIVE). Returns False if it already existed."""
    try:
        client.create_table(**table_definition(table_name))
        created = True
    except client.exceptions.ResourceInUseException:
        created = False
    if wait:
        client.get_waiter("table_exists").wait(
            TableName=table_name, WaiterConfig={"Delay": 2, "MaxAttempts": 60}
        )
    return created


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eventflow.store.dynamodb.table",
        description="Create the EventFlow DynamoDB table (on-demand billing, two GSIs).",
    )
    parser.add_argument("--table", required=True, help="table name, e.g. eventflow")
    parser.add_argument("--region", default=None, help="AWS region (default: from the environment)")
    parser.add_argument(
        "--endpoint-url", default=None, help="e.g. http://localhost:8000 for DynamoDB Local"
    )
    parser.add_argument("--no-wait", action="store_true", help="do not wait for ACTIVE")
    args = parser.parse_args(argv)

    import boto3

    client = boto3.session.Session().client(
        "dynamodb", region_name=args.region, endpoint_url=args.endpoint_url
    )
    created = create_table(client, args.table, wait=not args.no_wait)
    print(f"table {args.table}: {'created' if created else 'already exists'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
