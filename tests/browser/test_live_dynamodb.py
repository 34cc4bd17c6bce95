"""Several app instances on the DynamoDB store: a sale through one shows on the other's pages
within 2 s, and each instance polls with one batched read per second, not one per open page."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from eventflow.store.dynamodb.outbox import DUE_SHARDS
from eventflow.store.dynamodb.store import HOLD_SHARDS, DynamoStore
from tests.browser.conftest import PHONE
from tests.browser.test_live_event_page import make_event, reserve, wait_for_text
from tests.server import running_app
from tests.store.moto_server import FAKE_CREDENTIALS, dynamodb_client, moto_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TABLE = "eventflow-live"


def test_two_instances_share_live_counts_with_batched_polling(tmp_path: Path, browser) -> None:  # type: ignore[no-untyped-def]
    operations: list[str] = []
    with moto_server(operations=operations) as endpoint:
        DynamoStore(TABLE, client=dynamodb_client(endpoint)).create_table()
        env = {
            "EVENTFLOW_STORE": f"dynamodb://{TABLE}?region=eu-west-1&endpoint_url={endpoint}",
            "AWS_ACCESS_KEY_ID": FAKE_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIALS["aws_secret_access_key"],
        }
        with running_app(tmp_path / "a", **env) as instance_a, running_app(tmp_path / "b", **env) as instance_b:
            event = make_event(instance_a, capacities=(40,))
            tier = event["tiers"][0]
            pages = [browser(PHONE) for _ in range(3)]
            for page in pages:
                page.get(f"{instance_a}/e/{event['slug']}")
                wait_for_text(page, tier["id"], "40 left", timeout=15)
            other = browser(PHONE)
            other.get(f"{instance_b}/e/{event['slug']}")
            wait_for_text(other, tier["id"], "40 left", timeout=15)

            assert reserve(instance_b, event["id"], tier["id"], 4).status_code == 201
            for page in pages:  # A learns of B's sale from its poller
                assert wait_for_text(page, tier["id"], "36 left", timeout=2.0) < 2.0

            # Idle watch: 4 open pages on 2 instances cost about one BatchGetItem per instance per second
            # (up to 7 polls each in 6 s, by where the window falls), plus the reminder job's read of the
            # upcoming events (at most 2 runs per instance). One read per open page would be 30.
            time.sleep(1)
            operations.clear()
            time.sleep(6)
            idle = list(operations)
            batch_reads = idle.count("BatchGetItem")
            assert 6 <= batch_reads <= 2 * 7 + 2 * 2, idle
            assert idle.count("GetItem") == 0, idle  # nothing read per open page
            # Queries come only from each instance's background jobs, never from open pages: per run the
            # expiry reaper (one per hold shard), the outbox (one per due shard), the reminders (the
            # first page of upcoming events) and the event changes (one listing); at most 2 runs each in 6 s.
            per_run = HOLD_SHARDS + DUE_SHARDS + 1 + 1
            # ... and the daily export pass's listing of the switches that are on, once a minute per instance.
            assert idle.count("Query") <= 2 * 2 * per_run + 2, idle
            assert httpx.get(f"{instance_b}/api/v1/events/{event['id']}").json()["tiers"][0]["available"] == 36
