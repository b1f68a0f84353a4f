"""Spoken words are never kept: a spoken answer is recorded as its key, and words that meant
nothing as an empty, unrecognised answer. The migration to version 2 blanks words stored before."""

from __future__ import annotations

import io
from datetime import datetime

from sqlalchemy import create_engine, inspect, text

from ivr import db, export
from tests.conftest import AppFactory, PhoneCall

NAME = "It's about Jamie Nobody at 4 Elm Road"


def test_a_name_spoken_is_in_neither_the_record_the_export_nor_the_logs(
    make_app: AppFactory,
) -> None:
    stream = io.StringIO()
    app = make_app({"LOG_STREAM": stream})
    played = PhoneCall(app, ["2", NAME, "No.", "h"])
    assert played.steps() == [
        ("main_menu", "2", "key"),
        ("significant_harm", "", "invalid"),
        ("significant_harm", "2", "speech"),
    ]
    with app.app_context(), db.session() as session:
        rows = [export.record(call) for call in export.calls(session)]
        exported = "".join(export.jsonl(iter(rows))) + "".join(export.csv_lines(iter(rows)))
    for text_out in (exported, stream.getvalue()):
        assert "Jamie" not in text_out and "Elm Road" not in text_out


def test_migration_0005_blanks_words_stored_by_version_1(database_url: str) -> None:
    db.upgrade(database_url, "0004")
    engine = create_engine(database_url)
    at = datetime(2026, 11, 1, 9, 0)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO calls (id, call_sid, reference, started_at, caller, out_of_hours,"
                " callback_requested, status, state, trail, tries, step_count)"
                " VALUES (1, 'CAold', '123456', :at, '+447911123456', false, false,"
                " 'completed', 'goodbye', '[]', 0, 4)"
            ),
            {"at": at},
        )
        for seq, (step, given, kind) in enumerate(
            [
                ("main_menu", "2", "key"),
                ("purpose", "yes it's for Jamie Nobody", "speech"),
                ("identifiable", "7", "invalid"),
                ("identifiable", "ask Jamie's mum", "invalid"),
            ]
        ):
            connection.execute(
                text(
                    "INSERT INTO steps (call_id, seq, step, input, kind, at)"
                    " VALUES (1, :seq, :step, :input, :kind, :at)"
                ),
                {"seq": seq, "step": step, "input": given, "kind": kind, "at": at},
            )
    db.upgrade(database_url)
    inputs = "SELECT input FROM steps ORDER BY seq"
    with engine.connect() as connection:
        assert [row[0] for row in connection.execute(text(inputs))] == ["2", "", "7", ""]
    assert "consent" in {c["name"] for c in inspect(engine).get_columns("calls")}
    db.downgrade(database_url, "0004")
    inspector = inspect(engine)
    inspector.clear_cache()
    assert "consent" not in {c["name"] for c in inspector.get_columns("calls")}
    with engine.connect() as connection:
        assert [row[0] for row in connection.execute(text(inputs))] == ["2", "", "7", ""]
    db.upgrade(database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT consent FROM calls")).scalar() is None
    engine.dispose()


def test_a_spoken_answer_is_recorded_as_the_key_it_stood_for(call) -> None:
    played = call("two", "yes", "h")
    assert played.steps() == [("main_menu", "2", "speech"), ("significant_harm", "1", "speech")]
    assert played.record["steps"][0]["input"] == "2"
