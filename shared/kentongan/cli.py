"""`kentongan`: migrate, check production settings, back up and restore, inspect and replay dead letters,
apply retention, rotate keys; and whatever commands installed packages add (`kentongan.commands` entry points:
kentongan.dev adds `up` and `token`)."""

import argparse
import os
import sys
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path

from kentongan.settings import ServiceSettings

Command = Callable[[argparse.Namespace], None]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="kentongan", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="migrate every installed service's schema and create topics")
    check = commands.add_parser("check", help="list what makes each installed service's settings unsafe for "
                                "production; exits 1 if anything does (in production, or with --production)")
    check.add_argument("--production", action="store_true",
                       help="judge the settings as production would, whatever KENTONGAN_ENV says")
    asyncapi = commands.add_parser("asyncapi", help="write the AsyncAPI document of every topic and event")
    asyncapi.add_argument("--output", default="docs/asyncapi.json")
    topics_doc = commands.add_parser("topics-doc", help="rewrite the topics of docs/architecture.md from the "
                                     "AsyncAPI document")
    topics_doc.add_argument("--asyncapi", default="docs/asyncapi.json")
    topics_doc.add_argument("--doc", default="docs/architecture.md")
    _add_dlq_commands(commands)
    _add_retention_commands(commands)
    _add_keys_commands(commands)
    backup = commands.add_parser("backup", help="back up every service schema and the consumer offsets")
    backup.add_argument("--output", help="the tar file to write (default backups/kentongan-<time>.tar)")
    restore = commands.add_parser("restore", help="restore a backup (stop the services first)")
    restore.add_argument("file")
    restore.add_argument("--offsets-wait-s", type=float, default=30.0,
                         help="how long to wait for a stopped consumer group to empty before leaving its offsets")
    handlers: dict[str, Command] = {
        "migrate": _migrate, "asyncapi": _asyncapi, "topics-doc": _topics_doc, "dlq": _dlq, "backup": _backup,
        "restore": _restore,
        "check": _check, "retention": _retention, "keys": _keys}
    for plugin in entry_points(group="kentongan.commands"):
        handlers.update(plugin.load()(commands))
    args = parser.parse_args(argv)
    handlers[args.command](args)


def _backup(args: argparse.Namespace) -> None:
    import asyncio
    import shutil
    from datetime import UTC, datetime

    from kentongan import backup
    from kentongan.service import installed_services

    settings, specs = ServiceSettings(), installed_services()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = Path(args.output or f"backups/kentongan-{stamp}.tar")
    work = backup.scratch()
    try:
        # Offsets first, then the snapshot: the offsets are never ahead of the data (see kentongan.backup).
        offsets = asyncio.run(backup.consumer_offsets(settings, [spec.name for spec in specs]))
        backup.dump_database(settings.database_url, [spec.schema for spec in specs], work / backup.DUMP)
        backup.write_archive(target, work / backup.DUMP, offsets, specs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"backed up {len(specs)} schemas and {len(offsets)} consumer groups to {target}")


def _restore(args: argparse.Namespace) -> None:
    import asyncio
    import shutil

    from kentongan import backup
    from kentongan.service import installed_services

    settings = ServiceSettings()
    work = backup.scratch()
    try:
        manifest = backup.read_archive(Path(args.file), work)
        unknown = set(manifest["schemas"]) - {spec.schema for spec in installed_services()}
        if unknown:  # the names reach SQL: only this installation's own schemas are dropped and restored
            sys.exit(f"{args.file} holds schemas this installation does not have: {sorted(unknown)}")
        backup.restore_database(settings.database_url, manifest["schemas"], work / backup.DUMP)
        refused = asyncio.run(backup.reset_offsets(settings, manifest["consumer_offsets"], args.offsets_wait_s))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"restored {len(manifest['schemas'])} schemas from {args.file} (taken {manifest['created_at']})")
    reset = sorted(set(manifest["consumer_offsets"]) - set(refused))
    print(f"consumer offsets reset to the backup's for: {', '.join(reset) or 'none'}")
    if refused:
        print(f"WARNING: offsets NOT reset for {', '.join(refused)}: the group still has members. Events those "
              "services consumed after the backup are not in the restored database; stop them and run "
              "`kentongan restore` again, or replay from the topics (docs/operations.md).", file=sys.stderr)


def _add_dlq_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    dlq = commands.add_parser("dlq", help="dead-lettered messages: list, show, replay").add_subparsers(
        dest="dlq_command", required=True)
    dlq.add_parser("list", help="how many messages each dead-letter topic holds")
    show = dlq.add_parser("show", help="the parked messages of a topic, oldest first, with their errors")
    show.add_argument("topic", help="the source topic (alarms.v1) or its dead-letter topic (alarms.v1.dlq)")
    show.add_argument("--limit", type=int, default=50)
    replay = dlq.add_parser("replay", help="publish parked messages to their topic again (safe: consumers "
                                           "are idempotent)")
    replay.add_argument("topic")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", action="append", dest="ids", help="a parked event's ce_id (repeatable)")
    which.add_argument("--all", action="store_true", help="every message parked for the topic")
    replay.add_argument("--dry-run", action="store_true", help="say what would be replayed, send nothing")


def _dlq(args: argparse.Namespace) -> None:
    import asyncio
    import json

    from kentongan import dlq
    from kentongan.events.topics import dead_letter

    settings = ServiceSettings()
    if args.dlq_command == "list":
        for topic, count in asyncio.run(dlq.depths(settings)).items():
            print(f"{dead_letter(topic):<28} {count}")
        return
    if args.dlq_command == "show":
        for parked in asyncio.run(dlq.read(settings, args.topic, args.limit)):
            print(json.dumps(parked.summary(), ensure_ascii=False))
        return
    ids = None if args.all else set(args.ids)
    replayed = asyncio.run(dlq.replay(settings, args.topic, ids, dry_run=args.dry_run))
    verb = "would replay" if args.dry_run else "replayed"
    for parked in replayed:
        print(f"{verb} {parked.event_id} ({parked.event_type}) to {parked.topic}")
    missing = (ids or set()) - {parked.event_id for parked in replayed}
    if missing:
        sys.exit(f"not parked on {dead_letter(dlq.source_topic(args.topic))}: {', '.join(sorted(missing))}")
    print(f"{len(replayed)} message(s) {verb}")



def _check(args: argparse.Namespace) -> None:
    from kentongan.checks import settings_problems
    from kentongan.service import installed_services

    if args.production:
        os.environ["KENTONGAN_ENV"] = "production"
    production = os.environ.get("KENTONGAN_ENV") == "production"
    failed = False
    for spec in installed_services():
        problems = settings_problems(spec)
        failed = failed or bool(problems)
        print(f"{spec.name}: {'ok' if not problems else f'{len(problems)} problem(s)'}")
        for problem in problems:
            print(f"  - {problem}")
    if failed and not production:
        print(f"(KENTONGAN_ENV={os.environ.get('KENTONGAN_ENV', 'development')}: fine here; production would "
              "refuse these. Use --production to judge them as production does.)")
    sys.exit(1 if failed and production else 0)


def _add_retention_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    retention = commands.add_parser("retention", help="the data retention policy (docs/data-retention.md)")
    actions = retention.add_subparsers(dest="retention_command", required=True)
    run = actions.add_parser("run", help="delete or anonymise what outlived its period, in small batches")
    run.add_argument("--dry-run", action="store_true", help="count what would be deleted or anonymised")
    run.add_argument("--service", action="append", dest="services",
                     help="only this installed service's records (repeatable; default: every installed one)")


def _retention(args: argparse.Namespace) -> None:
    import asyncio

    from kentongan import retention
    from kentongan.db import create_engine
    from kentongan.service import installed_services

    settings = retention.RetentionSettings()
    installed = [spec.name for spec in installed_services()]
    unknown = set(args.services or []) - set(installed)
    if unknown:
        sys.exit(f"not installed here: {', '.join(sorted(unknown))} (installed: {', '.join(installed)})")

    async def run() -> list[retention.Outcome]:
        engine = create_engine(settings.database_url, 2)
        try:
            return await retention.apply(engine, retention.rules_for(args.services or installed), settings,
                                         dry_run=args.dry_run)
        finally:
            await engine.dispose()

    outcomes = asyncio.run(run())
    for outcome in outcomes:
        print(outcome.line())
    verb = "would change" if args.dry_run else "changed"
    print(f"{sum(outcome.rows for outcome in outcomes)} row(s) {verb} in {len(outcomes)} kinds of record")


def _add_keys_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    keys = commands.add_parser("keys", help="the services' data keys (envelope encryption)").add_subparsers(
        dest="keys_command", required=True)
    rotate = keys.add_parser("rotate", help="re-wrap every data key under the active key id, without downtime "
                                            "(docs/data-retention.md)")
    rotate.add_argument("--dry-run", action="store_true", help="only count the data keys per key id")
    rotate.add_argument("--batch-size", type=int, default=500)


def _keys(args: argparse.Namespace) -> None:
    import asyncio
    from importlib import import_module

    from kentongan import datakeys
    from kentongan.db import create_engine
    from kentongan.service import installed_services

    settings = ServiceSettings()

    async def rotate(table: datakeys.DataKeyTable) -> datakeys.Rotation:
        engine = create_engine(settings.database_url, 2)
        try:
            return await datakeys.rotate(engine, table, args.batch_size, dry_run=args.dry_run)
        finally:
            await engine.dispose()

    for spec in installed_services():
        if spec.data_keys is None:
            continue
        module, _, name = spec.data_keys.partition(":")
        done = asyncio.run(rotate(getattr(import_module(module), name)))
        verb = "would re-wrap" if args.dry_run else "re-wrapped"
        count = sum(n for kid, n in done.by_key_id.items() if kid != done.active_key_id) if args.dry_run \
            else done.rewrapped
        print(f"{spec.name}: {verb} {count} data key(s) under {done.active_key_id!r}; data keys per key id now: "
              + ", ".join(f"{kid}={n}" for kid, n in sorted(done.by_key_id.items())))


def _asyncapi(args: argparse.Namespace) -> None:
    import json

    from kentongan.events.asyncapi import document

    Path(args.output).write_text(json.dumps(document(), indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.output}")


def _topics_doc(args: argparse.Namespace) -> None:
    import json

    from kentongan.events.topic_doc import with_topics

    doc = Path(args.doc)
    doc.write_text(with_topics(doc.read_text(), json.loads(Path(args.asyncapi).read_text())))
    print(f"wrote the topics of {args.doc} from {args.asyncapi}")


def _migrate(_: argparse.Namespace) -> None:
    from kentongan.migrations import prepare
    from kentongan.service import installed_services

    specs = installed_services()
    prepare(ServiceSettings(), specs)
    print("migrated:", ", ".join(spec.name for spec in specs))


if __name__ == "__main__":
    main()
