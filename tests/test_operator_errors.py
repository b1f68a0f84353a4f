"""An operator's mistakes, as they make them at a shell: one or two clear lines, never a traceback.

Each test runs `ivr` as a separate process from a directory outside the checkout, with its own
instance folder, the way a deployment runs it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import yaml
from sqlalchemy import NullPool, create_engine, text

from ivr import db
from tests.conftest import TOKEN
from tests.servers import Served, free_port, wait_until_healthy

ROOT = Path(__file__).resolve().parent.parent
TOKEN_WARNING = "TWILIO_AUTH_TOKEN is not set"


@dataclass
class Ran:
    status: int
    out: str
    err: str

    @property
    def said(self) -> str:
        return self.out + self.err


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A deployment's environment: its own instance folder, none of the test run's settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("IVR_", "TWILIO_"))}
    return clean | {
        "PYTHONPATH": str(ROOT),
        "IVR_INSTANCE_PATH": str(tmp_path / "instance"),
        "TWILIO_AUTH_TOKEN": TOKEN,
        "IVR_LOG_FORMAT": "plain",
    }


Ivr = Callable[..., Ran]


@pytest.fixture
def ivr(env: dict[str, str], tmp_path: Path) -> Ivr:
    """`ivr ARGS` in its own process; keyword arguments are more environment variables."""

    def run(*args: str, **more: str) -> Ran:
        done = subprocess.run(
            [sys.executable, "-m", "ivr", *args],
            cwd=tmp_path,
            env=env | more,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return Ran(done.returncode, done.stdout, done.stderr)

    return run


def refused(ran: Ran, *expected: str) -> None:
    """A non-zero exit, every expected phrase said, and no traceback."""
    assert ran.status != 0, ran.said
    assert "Traceback" not in ran.said, ran.said
    for phrase in expected:
        assert phrase in ran.said, ran.said


def test_a_missing_config_file_is_named(ivr: Ivr, tmp_path: Path) -> None:
    missing = tmp_path / "council.yaml"
    ran = ivr("calls", "list", IVR_CONFIG=str(missing))
    refused(ran, f"{missing}:1: the file does not exist", "ivr check")
    assert len(ran.err.strip().splitlines()) <= 2, ran.err


def test_a_broken_config_file_is_named_with_its_line(ivr: Ivr, tmp_path: Path) -> None:
    broken = tmp_path / "council.yaml"
    broken.write_text("office_hours:\n  weekly: [monday\n", encoding="utf-8")
    refused(ivr("calls", "list", IVR_CONFIG=str(broken)), f"{broken}:", "not valid YAML")


def test_a_new_empty_database_is_made_by_the_first_command(ivr: Ivr) -> None:
    ran = ivr("calls", "list")
    assert ran.status == 0, ran.said
    assert ran.out.split()[:2] == ["ref", "started"]


def test_an_unreachable_postgresql_is_named_without_its_password(ivr: Ivr) -> None:
    url = f"postgresql://ivr:hunter2@127.0.0.1:{free_port()}/ivr"
    ran = ivr("calls", "list", IVR_DATABASE_URL=url)
    refused(ran, "cannot reach the database at postgresql+psycopg://ivr:***@127.0.0.1:")
    assert "hunter2" not in ran.said


def test_an_instance_folder_that_cannot_be_written_is_named(ivr: Ivr, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    folder = blocker / "instance"
    refused(
        ivr("calls", "list", IVR_INSTANCE_PATH=str(folder), TWILIO_AUTH_TOKEN=""),
        f"cannot write the instance folder {folder}",
        "IVR_INSTANCE_PATH",
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes any folder")
def test_a_read_only_instance_folder_is_named(ivr: Ivr, tmp_path: Path) -> None:
    folder = tmp_path / "read-only"
    folder.mkdir(mode=0o500)
    refused(
        ivr("calls", "list", IVR_INSTANCE_PATH=str(folder), TWILIO_AUTH_TOKEN=""),
        f"cannot write the instance folder {folder}",
    )


def test_a_port_out_of_range_is_refused(ivr: Ivr) -> None:
    refused(ivr("serve", "--port", "99999"), "99999 is not in the range 1<=x<=65535")


def test_check_lists_every_office_hours_mistake_in_one_run(ivr: Ivr, tmp_path: Path) -> None:
    override = tmp_path / "council.yaml"
    override.write_text(
        "office_hours:\n  timezone: Europe/Londn\n  weekly:\n    monday: ['9-5']\n"
        "    tuesday: ['09:00-17:00', '10:00-11:00']\n",
        encoding="utf-8",
    )
    ran = ivr("check", IVR_CONFIG=str(override))
    refused(
        ran,
        f"{override}:2: office_hours.timezone: 'Europe/Londn' is not a known time zone",
        f"{override}:4: office_hours.weekly.monday[0]: '9-5' is not a time range",
        f"{override}:5: office_hours.weekly.tuesday[1]: '10:00-11:00' overlaps",
        "3 problem(s) found",
    )


def test_check_live_connects_to_the_database(ivr: Ivr) -> None:
    url = f"postgresql://ivr:hunter2@127.0.0.1:{free_port()}/ivr"
    ran = ivr("check", "--live", IVR_DATABASE_URL=url)
    refused(ran, "cannot reach the database at postgresql+psycopg://ivr:***@127.0.0.1:")
    assert "hunter2" not in ran.said


def test_a_call_to_a_server_that_is_not_there_says_so(ivr: Ivr) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    refused(ivr("call", "--url", url, "--keys", "2"), f"cannot reach the line at {url}")


def test_help_lists_only_the_lines_own_commands(ivr: Ivr) -> None:
    ran = ivr("--help")
    assert ran.status == 0, ran.said
    commands = ran.out.split("Commands:")[1].split()
    for flask_command in ("run", "shell", "routes"):
        assert flask_command not in commands, ran.out
    assert {"serve", "call", "calls", "check", "graph"} <= set(commands)


def test_the_token_warning_comes_once_from_a_call_and_never_from_reading_records(ivr: Ivr) -> None:
    ran = ivr("call", "--keys", "2,1,1,1", TWILIO_AUTH_TOKEN="")
    assert ran.status == 0, ran.said
    assert ran.said.count(TOKEN_WARNING) == 1, ran.said
    assert TOKEN_WARNING not in ivr("calls", "list", TWILIO_AUTH_TOKEN="").said


def test_serve_refuses_a_broken_config_naming_file_and_line(ivr: Ivr, tmp_path: Path) -> None:
    override = tmp_path / "council.yaml"
    override.write_text("office_hours:\n  weekly:\n    monday: ['9-5']\n", encoding="utf-8")
    port = free_port()
    ran = ivr("serve", "--port", str(port), "--workers", "1", IVR_CONFIG=str(override))
    refused(ran, f"{override}:3: office_hours.weekly.monday[0]: '9-5'", "not starting")
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)


def test_serve_refuses_a_missing_prompt(ivr: Ivr, tmp_path: Path) -> None:
    prompts = copied_prompts(tmp_path, lambda sentences: sentences.pop("goodbye"))
    ran = ivr("serve", "--port", str(free_port()), IVR_PROMPTS=str(prompts))
    refused(ran, f"{prompts / 'en-GB.yaml'}:", "missing prompt 'goodbye'", "not starting")
    refused(ivr("check", "--prompts", str(prompts)), "missing prompt 'goodbye'")


def copied_prompts(tmp_path: Path, change: Callable[[dict[str, str]], object]) -> Path:
    """A copy of prompts/, as an operator makes for IVR_PROMPTS, with its sentences changed."""
    words = yaml.safe_load((ROOT / "prompts" / "en-GB.yaml").read_text(encoding="utf-8"))
    change(words["sentences"])
    prompts = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", prompts)
    (prompts / "en-GB.yaml").write_text(yaml.safe_dump(words), encoding="utf-8")
    return prompts


def test_serve_warns_of_the_local_token_once_for_all_its_workers(
    env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "ivr", "serve", "--port", str(port), "--workers", "2"],
            cwd=tmp_path,
            env=env | {"TWILIO_AUTH_TOKEN": ""},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_healthy(Served(f"http://127.0.0.1:{port}", process))
        finally:
            process.terminate()
            process.wait(timeout=15)
    said = log.read_text(encoding="utf-8")
    assert said.count(TOKEN_WARNING) == 1, said


def test_a_config_broken_while_serving_leaves_every_worker_answering(
    env: dict[str, str], tmp_path: Path
) -> None:
    """A worker restarted after its config was spoilt boots, and gives the checked numbers.

    Both duty teams' numbers are changed, as the server runs on the real clock: which one is on
    duty depends on the hour the test runs at.
    """
    override = tmp_path / "council.yaml"
    override.write_text(
        "contacts:\n"
        "  front_door: {number: '+441189746800'}\n"
        "  emergency_duty: {number: '+448088005000'}\n",
        "utf-8",
    )
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "ivr", "serve", "--port", str(port), "--workers", "1"],
        cwd=tmp_path,
        env=env | {"IVR_CONFIG": str(override)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    served = Served(f"http://127.0.0.1:{port}", process)
    try:
        wait_until_healthy(served)
        override.write_text("contacts: [front_door\n", "utf-8")
        (worker,) = served.workers()
        os.kill(worker, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while served.workers() in ([], [worker]) and time.monotonic() < deadline:
            time.sleep(0.1)
        wait_until_healthy(served)
        answer = requests.post(f"{served.url}/voice/fallback", data={"ErrorCode": "11200"})
        assert answer.status_code == 200, answer.text
        dialled = re.search(r"<Dial[^>]*>(\+[0-9]+)</Dial>", answer.text)
        assert dialled and dialled[1] in ("+441189746800", "+448088005000"), answer.text
        assert process.poll() is None
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_a_copied_prompts_directory_changes_the_words(ivr: Ivr, tmp_path: Path) -> None:
    """IVR_PROMPTS: an operator rewords the menu in a copy, and callers hear the copy."""
    new = "Press 1 if a child may be at risk; press 2 for help deciding whether to share."
    prompts = copied_prompts(tmp_path, lambda sentences: sentences.update(main_menu=new))
    assert ivr("check", IVR_PROMPTS=str(prompts)).status == 0
    assert ivr("check", "--prompts", str(prompts)).status == 0
    ran = ivr("call", "--keys", "h", IVR_PROMPTS=str(prompts))
    assert ran.status == 0, ran.said
    assert f"line: {new}" in ran.out
    assert ivr("call", "--keys", "h").out.count(new) == 0


def test_a_port_in_use_is_refused_at_once(ivr: Ivr) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        refused(ivr("serve", "--port", str(port)), f"cannot listen on 127.0.0.1:{port}")


def test_a_sqlite_file_that_cannot_be_opened_is_named(ivr: Ivr, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'no-such-folder' / 'ivr.sqlite3'}"
    refused(ivr("calls", "list", IVR_DATABASE_URL=url), f"cannot open the SQLite database at {url}")


# Variables set wrong: (variable, value, what `ivr` says of it). Every password and secret here
# is made of these words, none of which `ivr` may repeat.
SECRETS = ("Zebra", "Quokka", "Yak")
WRONG_SETTINGS = [
    ("IVR_DATABASE_URL", "notaurl", "IVR_DATABASE_URL does not parse as a database URL"),
    ("IVR_DATABASE_URL", "mysql://ivr:Zebra@db/ivr", "names mysql, which the line does not run on"),
    ("IVR_DATABASE_URL", "postgresql+psycopg2://ivr:Zebra@db/ivr", "with the driver psycopg2"),
    ("IVR_DATABASE_URL", "postgresql://ivr:Zebra:Quokka@Yak@db/ivr", "percent-encode any @, :"),
    ("IVR_DATABASE_URL", "postgresql://ivr:Zebra@Quokka@db/ivr", "percent-encode any @, :"),
    ("IVR_LOG_LEVEL", "LOUD", "IVR_LOG_LEVEL 'LOUD' is not a log level"),
    ("IVR_TRUSTED_PROXIES", "abc", "IVR_TRUSTED_PROXIES 'abc' is not a whole number"),
    ("IVR_RATELIMIT_STORAGE_URL", "bogus://:Zebra@x", "(bogus://...) is not a storage"),
    ("IVR_RATELIMIT_STORAGE_URL", "redis://:Zebra@x:Quokka", "IVR_RATELIMIT_STORAGE_URL (redis"),
    ("IVR_MIGRATION_WAIT_SECONDS", "soon", "IVR_MIGRATION_WAIT_SECONDS 'soon' is not a whole"),
]


@pytest.mark.parametrize(("variable", "value", "said"), WRONG_SETTINGS)
def test_a_variable_set_wrong_is_named_in_two_lines_without_its_secrets(
    ivr: Ivr, variable: str, value: str, said: str
) -> None:
    refused_in_two_lines(ivr("calls", "list", **{variable: value}), said)


@pytest.mark.parametrize(
    ("variable", "value", "said"), [WRONG_SETTINGS[3], WRONG_SETTINGS[5], WRONG_SETTINGS[7]]
)
def test_serve_and_check_live_refuse_a_variable_set_wrong_alike(
    ivr: Ivr, variable: str, value: str, said: str
) -> None:
    """Every command reads the variables in one place; these two are the ones run at go-live."""
    refused_in_two_lines(ivr("serve", "--port", str(free_port()), **{variable: value}), said)
    refused_in_two_lines(ivr("check", "--live", **{variable: value}), said)


def refused_in_two_lines(ran: Ran, said: str) -> None:
    """Refused as `refused` says, in the one or two lines README promises, no secret repeated."""
    refused(ran, said)
    assert len(ran.err.strip().splitlines()) <= 2, ran.err
    for secret in SECRETS:
        assert secret not in ran.said, ran.said


def test_postgresql_without_its_driver_says_what_to_install(ivr: Ivr, tmp_path: Path) -> None:
    """The driver is the `postgres` extra, which an installation can leave out."""
    missing = tmp_path / "without-psycopg"
    missing.mkdir()
    (missing / "psycopg.py").write_text("raise ImportError('no psycopg here')\n", "utf-8")
    ran = ivr(
        "calls",
        "list",
        IVR_DATABASE_URL="postgresql://ivr:Zebra@db/ivr",
        PYTHONPATH=f"{missing}{os.pathsep}{ROOT}",
    )
    refused(ran, "its driver psycopg is not installed", "ivr-information-sharing-line[postgres]")
    assert "Zebra" not in ran.said


def test_workers_set_wrong_names_the_variable(ivr: Ivr) -> None:
    ran = ivr("serve", "--port", str(free_port()), IVR_WORKERS="abc")
    refused(ran, "IVR_WORKERS", "'abc' is not a valid integer range")


# A hung upgrade in a process of its own: it takes the migrations' turn and never lets go.
HUNG_UPGRADE = """
import sys, time
from ivr import db
engine = db.make_engine(sys.argv[1])
with engine.connect() as connection, db.one_migration_at_a_time(connection):
    print("holding", flush=True)
    time.sleep(600)
"""


@contextmanager
def migrations_held(database_url: str) -> Iterator[str]:
    """The database's migrations held by someone who never lets go: on PostgreSQL a psql session
    left holding the advisory lock, on SQLite a hung upgrade in another process. Yields how the
    holder should be named."""
    if database_url.startswith("postgresql"):
        engine = create_engine(
            db.normalise_url(database_url),
            poolclass=NullPool,
            connect_args={"application_name": "psql"},
        )
        with engine.connect() as session:
            session.execute(text("SELECT pg_advisory_lock(:space, :lock)"), db.MIGRATIONS_LOCK)
            session.commit()
            pid = session.scalar(text("SELECT pg_backend_pid()"))
            yield f"PostgreSQL session {pid} (application 'psql'"
        engine.dispose()
        return
    with subprocess.Popen(
        [sys.executable, "-c", HUNG_UPGRADE, database_url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    ) as hung:
        try:
            assert hung.stdout is not None and hung.stdout.readline() == "holding\n"
            yield f"process {hung.pid} (python"
        finally:
            hung.kill()


def test_a_start_behind_migrations_held_for_ever_stops_naming_the_holder(
    ivr: Ivr, database_url: str
) -> None:
    """Without a limit it would wait for ever, saying nothing: `ivr`'s own timeout fails it."""
    with migrations_held(database_url) as holder:
        ran = ivr("calls", "list", IVR_DATABASE_URL=database_url, IVR_MIGRATION_WAIT_SECONDS="2")
    refused(ran, f"migrations are held by {holder}", "not let go within 2 s")
    waiting = [line for line in ran.err.splitlines() if "waiting for the database's" in line]
    assert len(waiting) == 1 and holder in waiting[0], ran.err
    error = ran.err[ran.err.index("Error:") :]
    assert len(error.strip().splitlines()) <= 2, ran.err
