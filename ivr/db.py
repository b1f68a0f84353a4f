"""The call-record database: one engine per app, a transaction per request, Alembic for it."""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from flask import Flask, current_app
from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from ivr.environment import Unusable, scheme_of, whole_number
from ivr.terminal import shown

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The execution option that marks a connection as about to write call records.
WRITES = "ivr_writes"
T = TypeVar("T")
# Rows one maintenance transaction changes (purging, closing stale calls): small enough that a
# live call's webhook waiting on the same table is never held long.
BATCH = 500
# How long a writer waits for SQLite's write lock, in this process's turn or in SQLite's own.
BUSY_SECONDS = 5
# SQLAlchemy's own default: what a process with a thread or two needs (`ivr serve` sets more).
POOL_SIZE = 5


def normalise_url(url: str) -> str:
    """`postgresql://` as operators write it means psycopg 3, the driver the project installs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


# The databases the line runs on, as SQLAlchemy names them with the one driver it installs for
# each (normalise_url gives `postgresql://` psycopg 3).
SUPPORTED = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")
WHICH_URL = "use postgresql://user:password@host/database or sqlite:////path/to/ivr.sqlite3"
ENCODE = "percent-encode any @, : or / in the password (@ as %40, : as %3A, / as %2F)"


def usable_url(url: str) -> URL:
    """IVR_DATABASE_URL parsed, or Unusable saying what is wrong with it (ivr.environment).

    SQLAlchemy's own errors are tracebacks at the shell, and a URL that does not parse can
    carry its password into them, so the messages here repeat at most the URL's scheme.
    """
    try:
        parsed = make_url(normalise_url(url))
    except ValueError:
        # The port is what SQLAlchemy turns into a number: a password's ':' or '@' moved it.
        raise Unusable(
            f"IVR_DATABASE_URL does not parse: its port is not a number;\n{ENCODE}"
        ) from None
    except ArgumentError:
        raise Unusable(
            f"IVR_DATABASE_URL does not parse as a database URL ({scheme_of(url)}://...):\n"
            f"{WHICH_URL}"
        ) from None
    if "@" in (parsed.host or ""):
        # A password's '@' ended it early: what follows would be taken for the host.
        raise Unusable(f"IVR_DATABASE_URL has an '@' in its host;\n{ENCODE}")
    # Read from the URL, not asked of SQLAlchemy, which would import a dialect to answer.
    backend, _, driver = parsed.drivername.partition("+")
    if parsed.drivername not in SUPPORTED:
        known = backend in ("sqlite", "postgresql")
        named = f"{backend} with the driver {driver}" if known else backend
        raise Unusable(
            f"IVR_DATABASE_URL names {named}, which the line does not run on:\n{WHICH_URL}"
        )
    return parsed


def make_engine(url: str, pool_size: int = POOL_SIZE) -> Engine:
    """An engine tuned so that a stuck database fails fast instead of holding a caller.

    `hide_parameters` keeps callers' numbers out of error messages, and so out of the logs.
    Connections are not pinged before each use (a round trip on every webhook); `write` runs a
    transaction again when its connection turns out to have died instead.

    `pool_size` connections are kept open: a process answering with more threads than that
    opens a connection in the middle of a webhook whenever they are all busy, and closes it
    after (on PostgreSQL a backend started and stopped for one webhook, milliseconds each).
    """
    parsed = usable_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed,
            connect_args={"timeout": BUSY_SECONDS},
            hide_parameters=True,
            pool_size=pool_size,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    try:
        engine = create_engine(
            parsed,
            hide_parameters=True,
            pool_size=pool_size,
            pool_timeout=5,
            connect_args={"connect_timeout": 5},
        )
    except ImportError:
        raise Unusable(
            "IVR_DATABASE_URL is PostgreSQL, but its driver psycopg is not installed:\n"
            "install the line with its postgres extra (ivr-information-sharing-line[postgres])"
        ) from None
    event.listen(engine, "connect", _postgres_settings)
    return engine


def _postgres_settings(connection: Any, _record: Any) -> None:
    """A row held by a stuck transaction must not hold a caller past Twilio's 15 s."""
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '5s'")
    connection.commit()


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """WAL lets readers and the writer work at once; foreign keys make cascades real.

    synchronous=NORMAL is WAL's usual pairing: a commit survives the process dying, and only an
    operating system crash or power cut can lose the last moments, for no fsync per webhook.

    The driver's own transaction handling is turned off so that `_sqlite_begin` decides how
    each transaction starts.
    """
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    """Writers take SQLite's write lock up front, waiting their turn under busy_timeout.

    A deferred transaction that reads a call and then writes it can find another writer got
    there first, and SQLite fails it at once with "database is locked" instead of waiting;
    BEGIN IMMEDIATE makes the read-then-write of a webhook the row lock it is on PostgreSQL.
    """
    writes = connection.get_execution_options().get(WRITES, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def alembic_config(url: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


# The PostgreSQL advisory lock an upgrade or downgrade holds while it migrates, fixed so every
# server and worker host asks for the same one: the two-key form, whose keys never meet the
# one-key locks ivr.early takes per call; 0x69767221 is "ivr!" in ASCII, 1 the migrations.
MIGRATIONS_LOCK = {"space": 0x69767221, "lock": 1}
TRY_LOCK_MIGRATIONS = text("SELECT pg_try_advisory_lock(:space, :lock)")
UNLOCK_MIGRATIONS = text("SELECT pg_advisory_unlock(:space, :lock)")
# Who holds it: the two-key form keeps its keys in classid and objid, with objsubid 2.
MIGRATIONS_HOLDER = text(
    "SELECT a.pid, a.usename, a.application_name, host(a.client_addr)"
    " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
    " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2"
    " AND l.classid::bigint = :space AND l.objid::bigint = :lock"
    " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)
# Our own migrating session, as pg_stat_activity shows it to a start waiting behind it.
NAME_THE_SESSION = text(
    "SELECT set_config('application_name', :name, false)"
    " WHERE current_setting('application_name') = ''"
)
# How long a start waits for another process's migrations before it stops, saying who holds them.
MIGRATION_WAIT = "IVR_MIGRATION_WAIT_SECONDS"
MIGRATION_WAIT_DEFAULT = 300
# A wait longer than this (or than half the limit, when that is shorter) is logged, once: a turn
# that comes at once, as it does behind another server's quick upgrade, says nothing.
WAIT_NOTICE_SECONDS = 5
WAIT_STEP_SECONDS = 0.1


@dataclass(frozen=True)
class MigrationsTurn:
    """One database's migrations lock, as a start waiting for it sees it."""

    take: Callable[[], bool]
    # The holder in an operator's words, and what to do about it, when it can be known.
    holder: Callable[[], tuple[str, str]]


def wait_for_turn(turn: MigrationsTurn) -> None:
    """Take the migrations lock, waiting at most IVR_MIGRATION_WAIT_SECONDS for it.

    A migration that hangs, or a psql session left holding the lock, would otherwise keep every
    server starting behind it waiting for ever, with no word: the operator sees a line that
    never starts. The wait is said once, naming the holder; past the limit the start stops with
    the holder and what to do, in two lines (Unusable).
    """
    limit = whole_number(MIGRATION_WAIT, MIGRATION_WAIT_DEFAULT)
    started = time.monotonic()
    notice = started + min(WAIT_NOTICE_SECONDS, limit / 2)
    noticed = False
    while not turn.take():
        now = time.monotonic()
        if now >= started + limit:
            holder, remedy = turn.holder()
            raise Unusable(
                f"the database's migrations are held by {holder}, not let go within {limit} s"
                f" ({MIGRATION_WAIT});\nif no upgrade is still running there, {remedy}, then"
                " start again"
            )
        if not noticed and now >= notice:
            log.warning(
                "waiting for the database's migrations, held by %s; giving up after %s s (%s)",
                turn.holder()[0],
                limit,
                MIGRATION_WAIT,
            )
            noticed = True
        time.sleep(WAIT_STEP_SECONDS)


def postgres_turn(connection: Connection) -> MigrationsTurn:
    """The advisory lock, tried on `connection`, each try committed so none sits in a
    transaction while it waits; its holder from pg_locks and pg_stat_activity."""

    def take() -> bool:
        taken = bool(connection.scalar(TRY_LOCK_MIGRATIONS, MIGRATIONS_LOCK))
        connection.commit()
        return taken

    def holder() -> tuple[str, str]:
        row = connection.execute(MIGRATIONS_HOLDER, MIGRATIONS_LOCK).first()
        connection.commit()
        if row is None:
            return "another PostgreSQL session", "end the session holding it"
        pid, user, application, address = row
        about = [f"application {shown(application)!r}" if application else "no application name"]
        about += [f"user {shown(user)}"] if user else []
        about += [f"from {address}"] if address else []
        return (
            f"PostgreSQL session {pid} ({', '.join(about)})",
            f"end that session (SELECT pg_terminate_backend({pid}))",
        )

    return MigrationsTurn(take, holder)


def sqlite_turn(fd: int) -> MigrationsTurn:
    """An exclusive `flock` of the open file `fd`; its holder from the kernel's /proc/locks."""

    def take() -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def holder() -> tuple[str, str]:
        pid = flock_holder(fd)
        if pid is None:
            return "another process", "stop the process holding it"
        return f"process {pid} ({command_of(pid)})", f"stop that process (kill {pid})"

    return MigrationsTurn(take, holder)


def flock_holder(fd: int) -> int | None:
    """The pid holding a `flock` of the file open as `fd`, where Linux's /proc/locks tells."""
    stat = os.fstat(fd)
    file = f"{os.major(stat.st_dev):02x}:{os.minor(stat.st_dev):02x}:{stat.st_ino}"
    try:
        table = Path("/proc/locks").read_text()
    except OSError:
        return None
    for line in table.splitlines():
        fields = line.split()
        # "1: FLOCK  ADVISORY  WRITE 12345 fe:00:2146546 0 EOF"; "->" marks a waiter.
        if fields[1:3] == ["FLOCK", "ADVISORY"] and fields[5:6] == [file] and fields[4] != "0":
            return int(fields[4])
    return None


def command_of(pid: int) -> str:
    """A process's command line, short enough for a log line, or "command unknown"."""
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return "command unknown"
    command = " ".join([Path(words[0]).name, *words[1:]]).strip()
    return shown(command[:COMMAND_SHOWN]) or "command unknown"


# The most of a holder's command line a message repeats.
COMMAND_SHOWN = 80


@contextmanager
def one_migration_at_a_time(connection: Connection) -> Iterator[None]:
    """Hold off any other upgrade of this database until the migrations on `connection` end.

    Two servers (or a server and a worker host) starting together would otherwise both find the
    schema out of date and both create it, and all but one fail on the tables and types the
    first made. Behind the lock, the later ones find it up to date and have nothing to do; the
    wait for it is bounded (wait_for_turn).

    PostgreSQL: a session-level advisory lock on the very connection Alembic migrates on, taken
    and committed before its transaction begins, so it spans the migrations and is let go of
    after, or when the connection ends. SQLite: an exclusive `flock` of a file beside the
    database (as WriterTurn's), let go of when it is closed or the process dies.
    """
    if connection.dialect.name == "postgresql":
        name = f"ivr migrations, pid {os.getpid()} on {socket.gethostname()}"
        connection.execute(NAME_THE_SESSION, {"name": name})
        wait_for_turn(postgres_turn(connection))
        try:
            yield
        finally:
            if not connection.invalidated:
                connection.rollback()
                connection.execute(UNLOCK_MIGRATIONS, MIGRATIONS_LOCK)
                connection.commit()
        return
    database = connection.engine.url.database
    if connection.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    fd = os.open(f"{database}-migrations", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        wait_for_turn(sqlite_turn(fd))
        yield
    finally:
        os.close(fd)


def upgrade(url: str, revision: str = "head") -> None:
    """Create or migrate the schema to `revision`, one process at a time (ivr.migrations.env)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Take the schema back to `revision`: a rollback, run with the newer code's migrations."""
    command.downgrade(alembic_config(url), revision)


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, for the rollback to the release before an upgrade."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


class WriterTurn:
    """The line's writers take SQLite's write lock one at a time, queued here, not left to SQLite.

    SQLite lets one writer in and makes the others poll: its busy handler sleeps 1, 2, 5 … up to
    100 ms between tries, so writers queueing for the lock wait hundreds of milliseconds while
    it stands free. Here the threads of a process queue on a lock of its own, and the one at the
    front waits for the other processes' writers on an advisory lock of a file beside the
    database (`flock`), retried every WAIT_STEP: the next writer starts within a fraction of a
    millisecond of the last commit. Both waits are bounded like SQLite's own (BUSY_SECONDS), and
    a process that dies lets go of its file lock with it. Writers that do not come through here
    (another program opening the file) are still settled by SQLite's busy handler.
    """

    WAIT_STEP = 0.0005

    def __init__(self, lock_file: Path | None) -> None:
        self._threads = threading.Lock()
        # A str, not a Path: opened on every write, and a Path is turned into one each time.
        self._lock_file = None if lock_file is None else str(lock_file)

    @contextmanager
    def __call__(self) -> Iterator[None]:
        deadline = time.monotonic() + BUSY_SECONDS
        if not self._threads.acquire(timeout=BUSY_SECONDS):
            raise no_turn()
        try:
            if self._lock_file is None:
                yield
                return
            # Opened for each turn: a file of this process's own (flock is per open file), and
            # closing it lets go of the lock whatever happens.
            fd = os.open(self._lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                self._wait_for_file(fd, deadline)
                yield
            finally:
                os.close(fd)
        finally:
            self._threads.release()

    def _wait_for_file(self, fd: int, deadline: float) -> None:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise no_turn() from None
                time.sleep(self.WAIT_STEP)


def no_turn() -> TimeoutError:
    return TimeoutError(f"no turn to write to the database within {BUSY_SECONDS} s")


def writer_turn(engine: Engine) -> Callable[[], AbstractContextManager[None]]:
    """SQLite's writers queue for their turn (WriterTurn); PostgreSQL locks rows, not files."""
    if engine.dialect.name != "sqlite":
        return nullcontext
    database = engine.url.database
    in_memory = not database or database == ":memory:" or database.startswith("file::memory:")
    return WriterTurn(None if in_memory else Path(f"{database}-writer"))


def init_app(app: Flask) -> None:
    """Give the app its engine, a session factory for reading and one for writing."""
    pool_size = app.config.get("DATABASE_POOL_SIZE", POOL_SIZE)
    engine = make_engine(app.config["DATABASE_URL"], pool_size)
    writing = engine.execution_options(**{WRITES: True})
    app.extensions["ivr.engine"] = engine
    app.extensions["ivr.writing_engine"] = writing
    app.extensions["ivr.writer_turn"] = writer_turn(engine)
    app.extensions["ivr.sessions"] = sessionmaker(engine, expire_on_commit=False)
    app.extensions["ivr.writers"] = sessionmaker(writing, expire_on_commit=False)


class Transaction:
    """A webhook's writing transaction: a Core connection, and an ORM session only if asked for.

    The ORM's session, its transaction bookkeeping and its commit cost a webhook more CPU than
    the statements it sends (benchmarks/RESULTS.md), and most webhooks only read and write
    their call through prebuilt statements (ivr.records). It answers `connection()` and `info`
    as a Session does, so the records' functions take either; the few writes that are ORM
    objects (a call-back request, its messages) get `session`, joined to this same transaction
    and flushed before it commits.
    """

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._session: Session | None = None
        self.info: dict[str, Any] = {}
        # Run before it commits; one that raises rolls the transaction back (ivr.records).
        self.checks: list[Callable[[Transaction], None]] = []

    def connection(self) -> Connection:
        return self._connection

    @property
    def session(self) -> Session:
        if self._session is None:
            # It neither commits nor ends the connection's transaction: `transaction` does.
            self._session = Session(
                bind=self._connection,
                expire_on_commit=False,
                join_transaction_mode="rollback_only",
            )
        return self._session

    def before_commit(self) -> None:
        if self._session is not None:
            self._session.flush()
        for check in self.checks:
            check(self)

    def close(self) -> None:
        if self._session is not None:
            self._session.close()


# What reads and writes call records: a webhook's transaction, or an ORM session (the seed,
# maintenance, tests); both answer `connection()` and `info`.
Database = Transaction | Session


@contextmanager
def transaction() -> Iterator[Transaction]:
    """A writing transaction that commits on success and rolls back on any error."""
    engine: Engine = current_app.extensions["ivr.writing_engine"]
    with current_app.extensions["ivr.writer_turn"](), engine.begin() as connection:
        done = Transaction(connection)
        try:
            yield done
            done.before_commit()
        finally:
            done.close()


@contextmanager
def session() -> Iterator[Session]:
    """A writing session that commits on success and rolls back on any error."""
    factory: sessionmaker[Session] = current_app.extensions["ivr.writers"]
    with current_app.extensions["ivr.writer_turn"](), factory() as db, db.begin():
        yield db


def write(work: Callable[[Transaction], T]) -> T:
    """Run `work` in a writing transaction, once more if its connection had died.

    This is SQLAlchemy's "optimistic" disconnect handling: a database restarted, or a connection
    dropped while idle, costs one failed attempt (which also discards the pool's other stale
    connections), not a caller's call. Running again is safe: the failed attempt rolled back,
    and if its commit did land after all, the second run finds the webhook already recorded and
    answers it as the repeat delivery it then is.
    """
    try:
        with transaction() as db:
            return work(db)
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
    with transaction() as db:
        return work(db)


@contextmanager
def reading() -> Iterator[Session]:
    """A session that only reads: on SQLite it never takes the write lock webhooks queue for."""
    factory: sessionmaker[Session] = current_app.extensions["ivr.sessions"]
    with factory() as db:
        yield db


def ping() -> None:
    """Raise unless the database would take a call's record now (on SQLite: not locked)."""
    engine: Engine = current_app.extensions["ivr.engine"]
    with engine.execution_options(**{WRITES: True}).begin() as connection:
        connection.execute(text("SELECT 1"))
