"""What a caller sent can neither run in a spreadsheet nor drive a supervisor's terminal."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import update

from ivr import db
from ivr.models import Call, Step
from tests.test_cli import ivr

HOSTILE_CALLERS = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "@SUM(1)"]


@pytest.mark.parametrize("caller", [*HOSTILE_CALLERS, "-2+3", "\tx", "\rx", "+447911123456"])
def test_the_csv_export_never_starts_a_cell_like_a_formula(app, call, caller: str) -> None:
    call("2", "2", "", caller=caller)
    table = ivr(app, "calls", "export", "--format", "csv").output
    row = next(csv.DictReader(io.StringIO(table)))
    assert row["caller"] == "'" + caller[:32]
    for name, value in row.items():
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (name, value)


def test_the_jsonl_export_keeps_the_number_as_sent(app, call) -> None:
    call("2", "2", "", caller="+447911123456")
    assert '"caller": "+447911123456"' in ivr(app, "calls", "export", "--format", "jsonl").output


def test_a_hostile_step_is_shown_escaped_in_the_terminal(app, call) -> None:
    played = call("2", "2", "")
    with app.app_context(), db.session() as session:
        found = session.query(Call).filter_by(call_sid=played.log.call_sid).one()
        session.execute(
            update(Step).where(Step.call_id == found.id).values(input="\x1b]0;owned\x07\u202e")
        )
        reference = found.reference
    output = ivr(app, "calls", "show", reference).output
    assert "\x1b" not in output and "\x07" not in output and "\u202e" not in output
    assert "\\x1b]0;owned\\x07\\u202e" in output
