"""The retention policy on the real, migrated schemas: nothing younger than its period is touched, everything
older is deleted or anonymised, in batches, and a second run finds nothing left to do."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from sqlalchemy import text

from kentongan import retention
from kentongan.cli import main
from kentongan.db import create_engine
from kentongan.retention import POLICY, RetentionSettings, apply, rules_for

DOC = Path(__file__).parents[2] / "docs" / "data-retention.md"
NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
async def engine(stack, settings):
    engine = create_engine(settings.database_url, 2)
    yield engine
    await engine.dispose()


async def _incident(conn, closed_days_ago: float | None, outcome: str = "korban dibawa ke RS Kariadi") -> UUID:
    """An incident closed that long ago (None: still open) with a trail point and a note."""
    incident_id, opened = uuid4(), NOW - timedelta(days=(closed_days_ago or 0) + 1)
    await conn.execute(text(
        "INSERT INTO dispatch.incidents (id, status, category, priority, lat, lon, area, source, silent, "
        "alarm_ids, escalation_level, outcome_key_id, outcome_sealed, acknowledged_by, opened_at, last_alarm_at, resolved_at, version, "
        "updated_at) VALUES (:id, :status, 'crime', 2, -6.983912, 110.409345, 'Tembalang', 'alarm', false, "
        "'{}', 0, 'k1', :outcome, 'opr-budi', :opened, :opened, :resolved, 1, :resolved_or_now)"),
        {"id": incident_id, "status": "open" if closed_days_ago is None else "resolved", "outcome": outcome.encode(),  # stands for the sealed outcome
         "opened": opened, "resolved": None if closed_days_ago is None else NOW - timedelta(days=closed_days_ago),
         "resolved_or_now": NOW if closed_days_ago is None else NOW - timedelta(days=closed_days_ago)})
    await conn.execute(text("INSERT INTO dispatch.incident_locations (incident_id, lat, lon, recorded_at) "
                            "VALUES (:id, -6.98391, 110.40934, :at)"), {"id": incident_id, "at": opened})
    await conn.execute(text("INSERT INTO dispatch.incident_notes (incident_id, author, text_key_id, text_sealed, "
                            "created_at) VALUES (:id, 'opr-budi', 'k1', 'sealed note', :at)"),
                       {"id": incident_id, "at": opened})
    return incident_id


async def _state(conn, incident_id: UUID) -> dict:
    def count(table: str):
        return conn.scalar(text(f"SELECT count(*) FROM dispatch.{table} WHERE incident_id = :id"),  # noqa: S608
                           {"id": incident_id})
    row = (await conn.execute(text("SELECT lat, lon, outcome_sealed, acknowledged_by FROM dispatch.incidents "
                                   "WHERE id = :id"), {"id": incident_id})).one()
    return {"trail": await count("incident_locations"), "notes": await count("incident_notes"),
            "lat": row.lat, "outcome": row.outcome_sealed, "acknowledged_by": row.acknowledged_by}


async def test_nothing_younger_than_its_period_is_touched_and_everything_older_is(engine):
    async with engine.begin() as conn:
        open_long_ago = await _incident(conn, None)
        closed_recently = await _incident(conn, 30)   # trail 90 d, notes 365 d, incident 730 d: all kept
        closed_months_ago = await _incident(conn, 120)  # trail gone; notes and the incident kept
        closed_years_ago = await _incident(conn, 800)  # everything gone, the incident an anonymous row
    settings = RetentionSettings(batch_size=2)  # several batches each
    outcomes = await apply(engine, rules_for(["dispatch"]), settings)
    assert all(outcome.rows >= 0 for outcome in outcomes)
    async with engine.connect() as conn:
        kept = {"trail": 1, "notes": 1, "lat": -6.983912, "outcome": b"korban dibawa ke RS Kariadi",
                "acknowledged_by": "opr-budi"}
        assert await _state(conn, open_long_ago) == kept
        assert await _state(conn, closed_recently) == kept
        assert await _state(conn, closed_months_ago) == {**kept, "trail": 0}
        assert await _state(conn, closed_years_ago) == {"trail": 0, "notes": 0, "lat": -6.98, "outcome": None,
                                                        "acknowledged_by": None}
    again = await apply(engine, rules_for(["dispatch"]), settings)
    assert [outcome.rows for outcome in again if outcome.rule.table != "dispatch.inbox"] == [0] * (len(again) - 1)


async def test_a_dry_run_counts_and_changes_nothing(engine):
    async with engine.begin() as conn:
        old = await _incident(conn, 800)
    dry = await apply(engine, rules_for(["dispatch"]), RetentionSettings(), dry_run=True)
    assert {o.rule.kind: o.rows for o in dry}["live-location trail"] >= 1
    async with engine.connect() as conn:
        assert (await _state(conn, old))["trail"] == 1


async def test_delivered_payloads_are_emptied_at_their_final_state(engine):
    pending, delivered = uuid4(), uuid4()
    async with engine.begin() as conn:
        for delivery_id, status in ((pending, "retrying"), (delivered, "delivered")):
            await conn.execute(text(
                "INSERT INTO notifier.deliveries (id, dedup_key, event_id, event_type, event_time, purpose, "
                "recipient, channel, target, target_host, payload, status, attempts, delivered_at) VALUES (:id, "
                ":key, 'e', 't', now(), 'broadcast', 'rep:1', 'sms', '+62812', 'sms', "
                "'{\"text\": \"Darurat di RT 003\"}', :status, 1, :delivered_at)"),
                {"id": delivery_id, "key": str(delivery_id), "status": status,
                 "delivered_at": NOW if status == "delivered" else None})
    await apply(engine, rules_for(["notifier"]), RetentionSettings())
    async with engine.connect() as conn:
        payloads = dict((await conn.execute(text("SELECT id, payload FROM notifier.deliveries WHERE id IN "
                                                 "(:a, :b)"), {"a": pending, "b": delivered})).all())
    assert payloads == {pending: {"text": "Darurat di RT 003"}, delivered: {}}


async def test_every_rule_runs_against_the_migrated_schemas(engine):
    """Each rule's SQL names real tables and columns (a dry run of the whole policy)."""
    outcomes = await apply(engine, list(POLICY), RetentionSettings(), dry_run=True)
    assert len(outcomes) == len(POLICY)


async def test_every_table_of_every_service_has_a_rule(engine):
    """A new table holding personal data cannot slip past the policy: each one needs a rule (or a rule of kind
    "none" saying why nothing accumulates)."""
    async with engine.connect() as conn:
        tables = {f"{schema}.{name}" for schema, name in await conn.execute(text(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema = ANY(:schemas) "
            "AND table_type = 'BASE TABLE' AND table_name <> 'alembic_version'"),
            {"schemas": list(retention.SCHEMAS.values())})}
    assert tables, "the migrated schemas have tables"
    missing = sorted(tables - {rule.table for rule in POLICY})
    assert not missing, f"tables without a retention rule: {missing}"


def test_the_policy_covers_every_kind_the_document_lists():
    text_ = DOC.read_text()
    for rule in POLICY:
        assert rule.kind in text_, f"docs/data-retention.md does not list {rule.kind!r}"
        assert rule.period in RetentionSettings.model_fields


def test_the_schedule_is_off_in_tests_and_hourly_elsewhere(monkeypatch):
    monkeypatch.delenv("KENTONGAN_RETENTION_INTERVAL_S", raising=False)
    assert RetentionSettings(environment="test").schedule_interval_s() == 0
    assert RetentionSettings(environment="production", jwt_secret="x" * 40).schedule_interval_s() == 3600
    monkeypatch.setenv("KENTONGAN_RETENTION_INTERVAL_S", "600")
    assert RetentionSettings(environment="test").schedule_interval_s() == 600


def test_the_command_prints_what_it_did_per_kind(stack, capsys):
    main(["retention", "run", "--dry-run", "--service", "dispatch"])
    printed = capsys.readouterr().out
    assert "live-location trail" in printed and "would be deleted" in printed
    assert "anonymised" in printed and "row(s) would change" in printed
    assert retention.SCHEMAS.keys() >= {"dispatch"}
