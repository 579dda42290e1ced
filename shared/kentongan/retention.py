"""The retention policy as data, and the runner that applies it (`kentongan retention run [--dry-run]`).

`POLICY` lists, for each kind of record every service keeps, why it is kept, how long (a setting, in days,
`KENTONGAN_RETENTION_<NAME>_DAYS`) and what happens at the end: the rows are deleted, or kept as an
anonymised statistical row (what identifies a person or tells their story is cleared). docs/data-retention.md
is the same table for people.

The runner works in small batches (`KENTONGAN_RETENTION_BATCH_SIZE` rows, one short transaction each, rows
picked by `ctid` with `FOR UPDATE SKIP LOCKED` and a lock timeout), so it never holds a lock that live traffic
waits on for long, and never waits long on one itself. Each service runs its own part every
`KENTONGAN_RETENTION_INTERVAL_S` (one replica at a time, by an advisory lock); a Kubernetes CronJob runs
`kentongan retention run` for all of them in production.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from uuid import UUID

from fastapi import FastAPI
from pydantic import AliasChoices, BaseModel, ConfigDict, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from kentongan.blobs import BlobStore
from kentongan.settings import ServiceSettings

log = logging.getLogger(__name__)


def _days(name: str, default: float) -> float:
    return Field(default, ge=0, validation_alias=AliasChoices(f"KENTONGAN_RETENTION_{name.upper()}_DAYS"))


class RetentionSettings(ServiceSettings):
    """The periods, in days (0: as soon as the record reaches the state the rule names), and the runner's."""

    alarm_days: float = _days("alarm", 90)
    device_alarm_days: float = _days("device_alarm", 90)
    location_trail_days: float = _days("location_trail", 90)
    note_days: float = _days("note", 365)
    snapshot_days: float = _days("snapshot", 90)
    incident_days: float = _days("incident", 730)
    # Closed cases, per the agencies' own rules (DP3A, Disdik): five years unless they say otherwise.
    case_days: float = _days("case", 1825)
    audit_days: float = _days("audit", 3650)
    delivery_payload_days: float = _days("delivery_payload", 0)
    delivery_days: float = _days("delivery", 90)
    # The one setting for how long published outbox rows stay (the relays only mark them published): dispatch's
    # live stream replays what a reconnecting console missed from them, so this is how far back it can.
    outbox_days: float = _days("outbox", 1)
    # Longer than any topic keeps its events: a redelivered event must still find its inbox row.
    inbox_days: float = _days("inbox", 14)
    # A resumable upload nobody resumed for this long is abandoned (its sealed parts with it).
    upload_days: float = _days("upload", 2)
    batch_size: int = Field(1000, ge=1, validation_alias=AliasChoices("KENTONGAN_RETENTION_BATCH_SIZE"))
    # How often each service applies its part; 0 turns the schedule off (the default in tests). None: hourly,
    # except with KENTONGAN_ENV=test.
    interval_s: float | None = Field(None, ge=0, validation_alias=AliasChoices("KENTONGAN_RETENTION_INTERVAL_S"))

    def schedule_interval_s(self) -> float:
        if self.interval_s is not None:
            return self.interval_s
        return 0.0 if self.environment == "test" else 3600.0


class ErasureConfirmation(BaseModel):
    """The body of an erasure on request (`DELETE /v1/reports/{id}`, `DELETE /v1/devices/me`): it cannot be
    undone, so the caller says so."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"confirm": True}]})

    confirm: Literal[True] = Field(description="Must be true: what is erased is gone for good")


@dataclass(frozen=True)
class Rule:
    """One kind of record: where it lives, why it is kept, for how long, and what its end is.

    `expired` is an SQL condition on the table aliased `t`, with `:cutoff` (now minus the period); for an
    anonymising rule it must also exclude rows already anonymised, so each row is rewritten once. A rule with
    `end` "none" names a kind that keeps no history (nothing accumulates), for the record. `blob`: the column
    of a deleted row naming a file in its service's blob store (`ServiceSpec.blob_store`), deleted with it."""

    kind: str
    service: str
    table: str
    purpose: str
    period: str  # the RetentionSettings field
    end: Literal["delete", "anonymise", "none"]
    expired: str = "false"
    anonymise: str = ""  # the SET list of an anonymising rule
    blob: str = ""

    def days(self, settings: RetentionSettings) -> float:
        return float(getattr(settings, self.period))


CLOSED_INCIDENT = ("SELECT i.id FROM dispatch.incidents i WHERE i.status IN ('resolved', 'cancelled') "
                   "AND coalesce(i.resolved_at, i.updated_at) < :cutoff")
# A case is over once nothing happened on it for the period: no open referral, no recent step or message.
CASE_OVER = ("{r}.updated_at < :cutoff AND NOT EXISTS (SELECT 1 FROM report_intake.referrals f "
             "WHERE f.report_id = {r}.id AND (f.status IN ('created', 'accepted', 'in_progress') "
             "OR f.updated_at >= :cutoff)) AND NOT EXISTS (SELECT 1 FROM report_intake.messages m "
             "WHERE m.report_id = {r}.id AND m.created_at >= :cutoff)")
CASE_OVER_OR_ERASED = ("SELECT r.id FROM report_intake.reports r WHERE r.erased_at IS NOT NULL OR ("  # noqa: S608
                       + CASE_OVER.format(r="r") + ")")
# The device that holds alarms whose own device was erased (alarm-gateway, dispatch): no token names it.
ERASED_DEVICE = UUID(int=0)
NOBODY = f"'{ERASED_DEVICE}'"
# `sent` counts too once the period is over: a receipt that has not come in 90 days never will.
FINAL_DELIVERY = "status IN ('sent', 'delivered', 'read', 'failed', 'dead', 'interrupted')"
OLD_DELIVERIES = f"SELECT d.id FROM notifier.deliveries d WHERE d.{FINAL_DELIVERY} AND d.created_at < :cutoff"  # noqa: S608
SCHEMAS = {"alarm-gateway": "alarm_gateway", "report-intake": "report_intake", "cctv-ingest": "cctv_ingest",
           "dispatch": "dispatch", "notifier": "notifier"}


def _plumbing(service: str) -> list[Rule]:
    schema = SCHEMAS[service]
    return [
        Rule("events awaiting placement", service, f"{schema}.awaiting_placement", "re-send an alarm or urgent "
             "report until dispatch has placed it; each row goes when its placement is confirmed", "outbox_days",
             "none"),
        *_outbox_and_inbox(service, schema),
    ] if service in ("alarm-gateway", "report-intake") else _outbox_and_inbox(service, schema)


def _outbox_and_inbox(service: str, schema: str) -> list[Rule]:
    return [
        Rule("outbox rows (published events)", service, f"{schema}.outbox", "publish each state change; inspect "
             "what was sent (dispatch replays its live stream from them)", "outbox_days", "delete",
             "t.published_at IS NOT NULL AND t.published_at < :cutoff"),
        Rule("inbox rows (events handled)", service, f"{schema}.inbox", "apply each consumed event once",
             "inbox_days", "delete", "t.received_at < :cutoff"),
    ]


POLICY: tuple[Rule, ...] = (
    Rule("alarm", "alarm-gateway", "alarm_gateway.alarms", "show the caller the alarm's progress; answer a "
         "retried POST with the same alarm", "alarm_days", "delete", "t.updated_at < :cutoff"),
    Rule("device (app token, push target)", "alarm-gateway", "alarm_gateway.devices", "authenticate the app; "
         "one row per device, kept until the device erases itself (`DELETE /v1/devices/me`)", "device_alarm_days",
         "none"),
    Rule("caller profile", "alarm-gateway", "alarm_gateway.device_profiles", "reach the caller back: sealed "
         "name, phone, contacts, PIN hashes; one row per device, erased with it", "device_alarm_days", "none"),
    Rule("inbound SMS (webhook ids)", "alarm-gateway", "alarm_gateway.inbound_sms", "raise nothing twice on a "
         "provider's redelivery (no sender, no text)", "inbox_days", "delete", "t.received_at < :cutoff"),
    *_plumbing("alarm-gateway"),
    Rule("live-location trail", "dispatch", "dispatch.incident_locations", "find the caller while the incident "
         "is handled; review it afterwards", "location_trail_days", "delete",
         f"t.incident_id IN ({CLOSED_INCIDENT})"),
    Rule("incident note", "dispatch", "dispatch.incident_notes", "what operators and the system wrote during "
         "the incident; review", "note_days", "delete", f"t.incident_id IN ({CLOSED_INCIDENT})"),
    Rule("snapshot reference", "dispatch", "dispatch.incident_snapshots", "CCTV images near the incident, for "
         "operators and review", "snapshot_days", "delete", f"t.incident_id IN ({CLOSED_INCIDENT})"),
    Rule("alarm (dispatch's copy)", "dispatch", "dispatch.incident_alarms", "which alarms made the incident; "
         "statistics", "alarm_days", "anonymise",
         f"t.device_id <> {NOBODY} AND t.incident_id IN ({CLOSED_INCIDENT})",
         f"device_id = {NOBODY}, note_key_id = NULL, note_sealed = NULL, "
         "cancel_reason_key_id = NULL, cancel_reason_sealed = NULL"),
    Rule("incident", "dispatch", "dispatch.incidents", "handle the emergency; statistics per area and time",
         "incident_days", "anonymise",
         "t.status IN ('resolved', 'cancelled') AND coalesce(t.resolved_at, t.updated_at) < :cutoff AND "
         "(t.outcome_sealed IS NOT NULL OR t.acknowledged_by IS NOT NULL OR t.report_id IS NOT NULL OR "
         "t.fallback_key IS NOT NULL OR t.lat <> round(t.lat::numeric, 2)::float8 OR "
         "t.lon <> round(t.lon::numeric, 2)::float8)",
         # About a kilometre: where emergencies happen, not whose door.
         "lat = round(lat::numeric, 2)::float8, lon = round(lon::numeric, 2)::float8, outcome_key_id = NULL, "
         "outcome_sealed = NULL, acknowledged_by = NULL, report_id = NULL, fallback_key = NULL"),
    Rule("alert delivery state (dispatch's copy)", "dispatch", "dispatch.incident_deliveries", "show operators "
         "how the incident's alerts went (ids, channel, state only)", "delivery_days", "delete",
         "t.at < :cutoff"),
    Rule("caller profile (dispatch's copy)", "dispatch", "dispatch.caller_profiles", "show an incident's "
         "callers to operators (sealed); kept while the device has an incident open", "device_alarm_days",
         "delete", "t.updated_at < :cutoff AND NOT EXISTS (SELECT 1 FROM dispatch.incident_alarms a JOIN "
         "dispatch.incidents i ON i.id = a.incident_id WHERE a.device_id = t.device_id AND i.status NOT IN "
         "('resolved', 'cancelled'))"),
    Rule("caller read (audit)", "dispatch", "dispatch.caller_reads", "who read which incident's callers, when",
         "audit_days", "delete", "t.read_at < :cutoff"),
    Rule("call-back", "dispatch", "dispatch.incident_callbacks", "operators calling the caller back (sealed "
         "number and note); review", "note_days", "delete", f"t.incident_id IN ({CLOSED_INCIDENT})"),
    Rule("urgent report link", "dispatch", "dispatch.incident_reports", "which urgent reports opened or joined an "
         "incident (ids only); answer a re-sent report with its placement", "incident_days", "delete",
         f"t.incident_id IN ({CLOSED_INCIDENT})"),
    Rule("patrol unit", "dispatch", "dispatch.units", "whom operators can send: one row per unit, overwritten "
         "as it moves (no trail kept)", "incident_days", "none"),
    *_plumbing("dispatch"),
    Rule("message (reporter and case workers)", "report-intake", "report_intake.messages", "talk about the "
         "case", "case_days", "delete", f"t.report_id IN ({CASE_OVER_OR_ERASED})"),
    Rule("case data key (sealed content of a report)", "report-intake", "report_intake.case_keys", "open the "
         "case's sealed story, notes and messages; deleting it crypto-shreds every copy", "case_days", "delete",
         f"t.report_id IN ({CASE_OVER_OR_ERASED})"),
    Rule("evidence attachment", "report-intake", "report_intake.attachments", "evidence the reporter added, for "
         "the agencies the case is referred to; its objects are sealed with the case's data key", "case_days",
         "delete", f"t.report_id IN ({CASE_OVER_OR_ERASED})"),
    Rule("resumable upload in progress", "report-intake", "report_intake.attachment_uploads", "resume a large "
         "upload over a weak connection", "upload_days", "delete",
         f"t.updated_at < :cutoff OR t.report_id IN ({CASE_OVER_OR_ERASED})"),
    Rule("referral", "report-intake", "report_intake.referrals", "hand the case to DP3A / Disdik and follow "
         "it; statistics", "case_days", "anonymise",
         f"t.sealed IS NOT NULL AND t.report_id IN ({CASE_OVER_OR_ERASED})", "sealed = NULL, key_id = NULL"),
    Rule("report (case)", "report-intake", "report_intake.reports", "protect the victim, refer the case; "
         "statistics per category, age group and kecamatan", "case_days", "anonymise",
         "t.erased_at IS NULL AND " + CASE_OVER.format(r="t"),
         "sealed = NULL, key_id = NULL, status = 'erased', erased_at = now(), "
         "case_token_hash = decode(repeat('00', 32), 'hex')"),
    Rule("audit log entry", "report-intake", "report_intake.audit_log", "who read or changed which case, when "
         "(the reasons of an erased case are already gone)", "audit_days", "delete", "t.at < :cutoff"),
    *_plumbing("report-intake"),
    Rule("delivery payload", "notifier", "notifier.deliveries", "the message being delivered; a dead or "
         "interrupted one keeps it to be replayed until the delivery goes", "delivery_payload_days",
         "anonymise", "t.status IN ('delivered', 'read') AND t.payload <> '{}'::jsonb AND "
         "coalesce(t.delivered_at, t.created_at) < :cutoff", "payload = '{}'::jsonb, payload_key_id = NULL"),
    Rule("delivery attempt", "notifier", "notifier.delivery_attempts", "why a delivery failed", "delivery_days",
         "delete", f"t.delivery_id IN ({OLD_DELIVERIES})"),
    Rule("development inbox message", "notifier", "notifier.dev_messages", "what `make run` 'sent'",
         "delivery_days", "delete", f"t.delivery_id IN ({OLD_DELIVERIES})"),
    Rule("delivery", "notifier", "notifier.deliveries", "send each message once; show who was told",
         "delivery_days", "delete", f"t.{FINAL_DELIVERY} AND t.created_at < :cutoff"),
    Rule("alarm device (push target)", "notifier", "notifier.alarm_devices", "tell the caller's app how the "
         "incident goes", "device_alarm_days", "delete", "t.raised_at < :cutoff"),
    Rule("provider receipt", "notifier", "notifier.delivery_receipts", "move a delivery to delivered, read or "
         "failed (ids and a status only)", "delivery_days", "delete", "t.received_at < :cutoff"),
    Rule("CAP alert (public)", "notifier", "notifier.cap_alerts", "the public CAP 1.2 feed and the references "
         "of later alerts (no victim data: public like the broadcast)", "incident_days", "delete",
         "t.sent < :cutoff"),
    Rule("RT representative", "notifier", "notifier.representatives", "alert the neighbourhood: kept while "
         "the person serves: one row per RT, overwritten (`PUT /v1/representatives/{code}`) when it changes hands", "delivery_days",
         "none"),
    Rule("partner subscription", "notifier", "notifier.subscriptions", "which agency hears which events "
         "(configuration, no personal data)", "delivery_days", "none"),
    *_plumbing("notifier"),
    Rule("incident focus", "cctv-ingest", "cctv_ingest.incident_focus", "read the cameras near an open "
         "incident more often", "location_trail_days", "delete",
         "t.closed_at IS NOT NULL AND t.closed_at < :cutoff"),
    Rule("snapshot image", "cctv-ingest", "cctv_ingest.snapshot_images", "CCTV images near the incident, for "
         "operators and review: the file in the blob store and its row", "snapshot_days", "delete",
         "t.captured_at < :cutoff AND NOT EXISTS (SELECT 1 FROM cctv_ingest.incident_focus f "
         "WHERE f.incident_id = t.incident_id AND (f.closed_at IS NULL OR f.closed_at >= :cutoff))",
         blob="blob_ref"),
    Rule("camera health", "cctv-ingest", "cctv_ingest.camera_health", "show which cameras work; one row per "
         "camera, overwritten every poll: no history accumulates", "snapshot_days", "none"),
    Rule("camera", "cctv-ingest", "cctv_ingest.cameras", "the registry of cameras (no personal data)",
         "snapshot_days", "none"),
    Rule("ingest worker lease", "cctv-ingest", "cctv_ingest.workers", "share the cameras among replicas; one "
         "row per live replica", "snapshot_days", "none"),
    Rule("live viewing session (audit)", "cctv-ingest", "cctv_ingest.live_sessions", "who watched which camera "
         "live, from when to when (watching the city is itself sensitive); no pixels are kept", "audit_days",
         "delete", "t.issued_at < :cutoff"),
    *_plumbing("cctv-ingest"),
)


@dataclass(frozen=True)
class Outcome:
    rule: Rule
    rows: int
    dry_run: bool

    def line(self) -> str:
        verb = {"delete": "deleted", "anonymise": "anonymised", "none": "kept"}[self.rule.end]
        verb = f"would be {verb}" if self.dry_run and self.rule.end != "none" else verb
        return f"{self.rule.service:<14} {self.rule.kind:<44} {self.rows:>8} {verb} ({self.rule.table})"


def rules_for(services: list[str]) -> list[Rule]:
    return [rule for rule in POLICY if rule.service in services]


async def apply(engine: AsyncEngine, rules: list[Rule], settings: RetentionSettings,
                dry_run: bool = False) -> list[Outcome]:
    """Apply `rules` in order (children before the rows they hang on); what each did, or would do."""
    outcomes = []
    for rule in rules:
        cutoff = datetime.now(UTC) - timedelta(days=rule.days(settings))
        if rule.end == "none":
            rows = 0
        elif dry_run:
            async with engine.connect() as conn:
                rows = int((await conn.execute(text(f"SELECT count(*) FROM {rule.table} t "  # noqa: S608 # constants
                                                    f"WHERE {rule.expired}"), {"cutoff": cutoff})).scalar_one())
        else:
            rows = await _in_batches(engine, rule, cutoff, settings.batch_size)
        outcomes.append(Outcome(rule, rows, dry_run))
    return outcomes


async def _in_batches(engine: AsyncEngine, rule: Rule, cutoff: datetime, batch_size: int) -> int:
    picked = (f"SELECT ctid FROM {rule.table} t WHERE {rule.expired} "  # noqa: S608 # the policy's constants
              "LIMIT :batch FOR UPDATE SKIP LOCKED")
    # `ctid = ANY(ARRAY(...))`: a TID scan of just the picked rows, not a join against the whole table.
    delete = f"DELETE FROM {rule.table} WHERE ctid = ANY(ARRAY({picked}))"  # noqa: S608 # the policy's constants
    anonymise = f"UPDATE {rule.table} SET {rule.anonymise} WHERE ctid = ANY(ARRAY({picked}))"  # noqa: S608
    statement = text((delete + f" RETURNING {rule.blob}" if rule.blob else delete) if rule.end == "delete"
                     else anonymise)
    store = _blob_store(rule.service) if rule.blob else None
    total = 0
    try:
        while True:
            async with engine.begin() as conn:
                await _short_locks(conn)
                result = await conn.execute(statement, {"cutoff": cutoff, "batch": batch_size})
                done = result.rowcount
                refs = list(result.scalars()) if store is not None else []
            if store is not None:  # after the commit: a failure leaves a file nothing names, not a row without one
                for ref in refs:
                    await store.delete(ref)
            total += done
            if done < batch_size:
                return total
    finally:
        if store is not None:
            await store.aclose()


def _blob_store(service: str) -> BlobStore:
    from kentongan.service import installed_services, load

    spec = next(spec for spec in installed_services() if spec.name == service)
    if spec.blob_store is None:
        raise LookupError(f"{service} names no blob store for its rules' files (ServiceSpec.blob_store)")
    store: BlobStore = load(spec.blob_store)()
    return store


async def _short_locks(conn: AsyncConnection) -> None:
    # A batch that would wait on live traffic gives up (and the next run takes it) rather than queue others.
    await conn.execute(text("SET LOCAL lock_timeout = '2s'"))
    await conn.execute(text("SET LOCAL statement_timeout = '60s'"))


def scheduled(service: str) -> Callable[[FastAPI], Awaitable[None]]:
    """A service worker applying the service's part of the policy every `KENTONGAN_RETENTION_INTERVAL_S`."""

    async def apply_retention(app: FastAPI) -> None:
        settings = RetentionSettings()
        interval = settings.schedule_interval_s()
        if interval <= 0:
            return
        while True:
            await asyncio.sleep(interval)
            await _run_alone(app.state.engine, service, settings)

    return apply_retention


async def _run_alone(engine: AsyncEngine, service: str, settings: RetentionSettings) -> None:
    """One replica at a time: the others skip this round."""
    async with engine.connect() as conn:
        locked = (await conn.execute(text("SELECT pg_try_advisory_lock(hashtext(:name))"),
                                     {"name": f"kentongan.retention.{service}"})).scalar_one()
        await conn.commit()
        if not locked:
            return
        try:
            for outcome in await apply(engine, rules_for([service]), settings):
                if outcome.rows:
                    log.info("retention: %s", outcome.line())
        finally:
            await conn.execute(text("SELECT pg_advisory_unlock(hashtext(:name))"),
                               {"name": f"kentongan.retention.{service}"})
            await conn.commit()
