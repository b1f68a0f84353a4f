"""The `ivr` command as operators and supervisors' scripts use it."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import update

from ivr import db
from ivr.cli import main
from ivr.graph import mermaid
from ivr.models import Call
from tests.conftest import CALLBACK_CONFIG, CALLBACK_SENDER, worker_seen

README = Path(__file__).resolve().parent.parent / "README.md"


def ivr(app: Flask, *args: str, input: str | None = None) -> Result:
    """Run `ivr ARGS` against this test's app, as a terminal would."""
    info = ScriptInfo(create_app=lambda: app)
    return CliRunner().invoke(main, list(args), obj=info, input=input)


def test_a_scripted_call_in_the_terminal(app) -> None:
    result = ivr(app, "call", "--keys", "2,2,1,2,")
    assert result.exit_code == 0, result.output
    assert "line: Do you have a clear reason to share" in result.output
    assert "caller: '2'" in result.output
    assert "caller: (silence)" in result.output
    assert re.search(r"reference \d{6}: outcome share_anonymised", result.output)


def test_a_call_put_through_shows_what_the_person_answering_heard(app) -> None:
    """The whisper is said to the duty team, not the caller: the terminal shows it apart."""
    result = ivr(app, "call", "--keys", "0,completed")
    assert result.exit_code == 0, result.output
    whispered = " ".join(
        line for line in result.output.splitlines() if line.startswith("-- whispered")
    )
    reference = re.search(r"reference (\d{6}): outcome speak_to_someone", result.output)
    assert reference, result.output
    assert "information sharing line. Call reference " in whispered
    assert ", ".join(reference[1]) in whispered
    assert "The caller has asked to speak to someone." in whispered
    assert "  line: The caller has asked" not in result.output, "the caller does not hear it"


def test_an_interactive_call_reads_keys_and_words(app) -> None:
    result = ivr(app, "call", input="2\nno\nyes\n\nh\n")
    assert result.exit_code == 0, result.output
    assert "outcome abandoned" in result.output
    assert "Could the information identify anyone" in result.output


def test_calls_list_keeps_its_columns_when_a_reference_is_longer(app, call) -> None:
    """Once six-digit references run out a call gets seven (ivr.references); columns still align."""
    call("2", "2", "")
    widened = call("1", "1", "").record["call_sid"]
    with app.app_context(), db.session() as session:
        session.execute(update(Call).where(Call.call_sid == widened).values(reference="1234567"))
    lines = ivr(app, "calls", "list").output.splitlines()
    assert "1234567" in lines[1]
    started, status = lines[0].index("started"), lines[0].index("status")
    for row in lines[1:]:
        assert re.match(r"\d{4}-\d\d-\d\d ", row[started:]), lines
        assert row[status:] in ("completed", "in_progress"), lines


def test_calls_list_show_and_export(make_app, call) -> None:
    app = make_app(CALLBACK_SENDER, **CALLBACK_CONFIG)
    worker_seen(app)
    first = call("2", "2", "2", "", on=app)
    second = call("0", "busy", "2", on=app)

    listing = ivr(app, "calls", "list")
    assert listing.exit_code == 0, listing.output
    assert first.record["reference"] in listing.output
    assert "front_door:busy" in listing.output

    shown = ivr(app, "calls", "show", second.record["reference"])
    assert shown.exit_code == 0, shown.output
    assert "callback_requested True" in shown.output
    assert re.search(r"transfer\s+busy\s+dial", shown.output)

    missing = ivr(app, "calls", "show", "000000x")
    assert missing.exit_code != 0

    lines = ivr(app, "calls", "export", "--format", "jsonl").output.splitlines()
    rows = [json.loads(line) for line in lines]
    assert [r["reference"] for r in rows] == [first.record["reference"], second.record["reference"]]
    assert rows[0]["steps"][0] == {
        "step": "main_menu",
        "input": "2",
        "kind": "key",
        "at": "2026-11-25T11:00:00Z",
    }
    assert rows[0]["out_of_hours"] is False
    assert rows[1]["callback_requested"] is True
    assert rows[0]["started_at"].endswith("Z")

    table = ivr(app, "calls", "export", "--format", "csv").output
    parsed = list(csv.DictReader(io.StringIO(table)))
    assert len(parsed) == 2
    assert parsed[0]["outcome"] == "do_not_share"
    assert "purpose 2 (key)" in parsed[0]["steps"]


def test_export_since_leaves_out_older_calls(app, call, clock) -> None:
    from datetime import UTC, datetime

    clock.now = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    call("2", "2", "")
    clock.now = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    newer = call("2", "3", "")
    out = ivr(app, "calls", "export", "--format", "jsonl", "--since", "2026-11-20")
    assert [json.loads(x)["reference"] for x in out.output.splitlines()] == [
        newer.record["reference"]
    ]


def test_graph_draws_every_state_from_the_machine(app) -> None:
    out = ivr(app, "graph").output
    assert out.lstrip("-\n ").startswith("title") or "stateDiagram-v2" in out
    for state in ("main_menu", "danger_now", "other_lawful_reason", "not_connected", "callback"):
        assert f'state "{state}" as {state}' in out
    assert "main_menu --> danger_now: press_1" in out
    assert "contacts --> transfer_nspcc: press_2 [nspcc_open]" in out


def test_the_readme_diagram_is_the_current_one() -> None:
    text = README.read_text(encoding="utf-8")
    found = re.search(r"```mermaid\n(.*?)```", text, re.S)
    assert found, "README.md has no mermaid block"
    assert found.group(1).strip() == mermaid().strip(), (
        "README.md's diagram is out of date: run `make graph-readme`"
    )


def test_reading_personal_data_from_the_command_line_is_audited(app, call) -> None:
    from sqlalchemy import select

    from ivr.models import AuditEntry

    reference = call("2", "2", "").record["reference"]
    assert ivr(app, "calls", "show", reference).exit_code == 0
    assert ivr(app, "calls", "export", "--format", "csv").exit_code == 0
    with app.app_context(), db.reading() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        seen = [(e.action, e.actor.startswith("cli:"), e.detail) for e in entries]
    assert seen == [
        ("view_call", True, {"reference": reference}),
        ("export_calls", True, {"format": "csv", "since": None}),
    ]


def test_a_call_against_a_running_line_signs_its_public_url(make_app) -> None:
    """On the server, behind nginx, the line is reached at 127.0.0.1 but checks signatures
    against IVR_PUBLIC_URL, as Twilio signs them: `ivr call --url` must sign that one too."""
    import threading

    from werkzeug.serving import make_server

    app = make_app({"PUBLIC_URL": "https://ivr.example.org"})
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = ivr(
            app, "call", "--url", f"http://127.0.0.1:{server.server_port}", "--keys", "3,h"
        )
    finally:
        server.shutdown()
        thread.join()
    assert result.exit_code == 0, result.output
    assert "HTTP 403" not in result.output
    assert "line: " in result.output and "call ended (the caller hung up)" in result.output
