"""The development commands of `kentongan` (a `kentongan.commands` entry point): `up` runs the whole platform
on the embedded stack (`make run`), `token` mints a development bearer token (`make token`)."""

import argparse
import contextlib
import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from kentongan.cli import Command
from kentongan.settings import ServiceSettings

if TYPE_CHECKING:  # imported when `up` runs: production images lack the embedded stack's packages
    from kentongan.dev.platform import Platform


def add_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> dict[str, Command]:
    up = commands.add_parser("up", help="start the embedded stack and every service; Ctrl-C stops all")
    up.add_argument("--data-dir", default=os.environ.get("KENTONGAN_DATA_DIR", ".devstack"))
    up.add_argument("--host", default=os.environ.get("KENTONGAN_HOST", "127.0.0.1"))
    up.add_argument("--no-demo", action="store_true", help="skip loading demo data")
    token = commands.add_parser("token", help="print a development bearer token (last line)")
    token.add_argument("--role", default="operator",
                       help="operator | supervisor | admin | partner")
    token.add_argument("--agency", help="with --role partner: dp3a | disdik | ...")
    token.add_argument("--subject", help="the user name inside the token")
    return {"up": _up, "token": _token}


def _up(args: argparse.Namespace) -> None:
    with contextlib.ExitStack() as stack:
        identity = _identity_provider(stack, args.host)
        _run_platform(args, identity)


# The development OpenID provider's port under `make run` (the services take 8001-8005).
DEV_IDENTITY_PORT = 8090


def _identity_provider(stack: contextlib.ExitStack, host: str) -> dict[str, str]:
    """Staff sign in through the embedded OpenID provider with the demo staff (kentongan.dev.identity), unless a
    provider is configured. Its settings for the services."""
    if os.environ.get("KENTONGAN_OIDC_ISSUER"):
        return {}
    from kentongan.dev.identity import running_provider

    port = int(os.environ.get("KENTONGAN_DEV_OIDC_PORT", DEV_IDENTITY_PORT))
    consoles = {f"http://{name}:8004" for name in ("127.0.0.1", "localhost", host)}
    issuer = stack.enter_context(running_provider(port, audience=ServiceSettings().oidc_audience, origins=consoles))
    return {"KENTONGAN_OIDC_ISSUER": issuer}


def _run_platform(args: argparse.Namespace, identity: dict[str, str]) -> None:
    from kentongan.dev.platform import Platform

    # The demo's receivers and any local gateway a developer points notifier at live on this machine: local
    # runs allow private outbound targets unless told otherwise (production never sets this; see
    # kentongan.outbound).
    allow_private = os.environ.get("KENTONGAN_OUTBOUND_ALLOW_PRIVATE", "true")
    platform = Platform(Path(args.data_dir).resolve(), host=args.host,
                        extra_env={"KENTONGAN_OUTBOUND_ALLOW_PRIVATE": allow_private, **identity})
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C, even when started in the background
    try:
        print("Starting Kentongan ...", flush=True)
        platform.start()
        if not args.no_demo:
            platform.load_demo_data()
        _print_where(platform, identity.get("KENTONGAN_OIDC_ISSUER"))
        while True:
            # A service or the broker that crashed (or was killed to try a fault) is started again.
            time.sleep(1.0)
            for name in platform.revive():
                print(f"{name} exited: started again", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        # One Ctrl-C often arrives twice (the terminal signals the whole process group, and `uv run` forwards
        # it again); stopping takes seconds and must not be cut short, or PostgreSQL and the broker are left
        # running. Each stop step has its own timeout.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("\nStopping Kentongan ...", flush=True)
        platform.stop()
        print("Stopped.", flush=True)


def _print_where(platform: "Platform", dev_issuer: str | None) -> None:
    env = {**{k: os.environ.get(k, "") for k in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")}, **platform.env}
    print("\nKentongan is running:")
    for name, service in platform.services.items():
        print(f"  {name:<15} {service.url}   (API docs: {service.url}/docs)")
    print(f"  PostgreSQL      {env['DATABASE_URL']}")
    print(f"  Kafka           {env['KAFKA_BOOTSTRAP_SERVERS']}")
    print(f"  logs            {platform.root / 'logs'}")
    if dev_issuer:
        from kentongan.dev.identity import DEMO_STAFF

        staff = ", ".join(f"{name} ({roles[0]})" for name, roles in DEMO_STAFF.items())
        print(f"  sign-in         {dev_issuer} (development OpenID provider)")
        print(f"Console: {platform.services['dispatch'].url}/console -> Sign in -> pick {staff}."
              if "dispatch" in platform.services else f"Demo staff: {staff}.")
    print("Scripts: make token ROLE=operator.  Press Ctrl-C to stop everything.", flush=True)


def _token(args: argparse.Namespace) -> None:
    from kentongan.security import operator_token, partner_token

    settings = ServiceSettings()
    if settings.environment == "production":  # the services refuse them there too (kentongan.security)
        sys.exit("development tokens are refused in production: sign in through the OIDC provider")
    if args.role == "partner":
        if not args.agency:
            sys.exit("--agency is required with --role partner")
        print(partner_token(settings, args.agency.lower()))
    else:
        print(operator_token(settings, args.role, args.subject))
