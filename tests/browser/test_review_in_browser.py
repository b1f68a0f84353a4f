"""A supervisor's morning in a real browser: log in, find today's calls, work them, read the log."""

from __future__ import annotations

import csv
import re
from typing import Any

import pytest

from tests.conftest import CALLER
from tests.review.conftest import PASSWORDS

pytestmark = pytest.mark.browser


def log_in(page: Any, username: str) -> None:
    page.goto("/review/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORDS[username])
    page.click("button:has-text('Log in')")
    page.wait_for_url(re.compile(r"/review/$"))


def test_a_supervisor_works_through_todays_calls(page: Any, screens: Any, call) -> None:
    advice = call("2", "2", "1", "2").record["reference"]
    waiting = call("0", "busy", "2").record["reference"]

    page.goto("/review/")
    assert "/review/login" in page.url
    screens.shot("login")
    log_in(page, "sam")
    assert page.locator("h2", has_text="Call-back requests waiting: 1").is_visible()
    assert page.locator("svg.chart").count() == 2
    screens.shot("dashboard")

    page.click("nav >> text=Calls")
    page.fill("input[name=since]", "2026-11-25")
    page.fill("input[name=until]", "2026-11-25")
    page.click("button:has-text('Show')")
    assert page.locator("table.calls tbody tr").count() == 2
    screens.shot("calls")

    page.click(f"a:has-text('{advice}')")
    assert page.locator("h1").inner_text() == f"Call {advice}"
    assert CALLER not in page.content()
    assert page.locator("table.timeline").inner_text().count("purpose") == 1
    screens.shot("call")

    page.click("button:has-text('Reveal number')")
    assert page.locator(".number.revealed").inner_text() == CALLER
    screens.shot("call-revealed")

    page.check("input[value=reviewed]")
    page.fill("textarea[name=note]", "Advice was right; no follow-up.")
    page.click("button:has-text('Save review')")
    assert "reviewed by sam" in page.locator(".review-state").inner_text()
    screens.shot("call-reviewed")

    page.goto("/review/calls?since=2026-11-25&until=2026-11-25")
    with page.expect_download() as download:
        page.click("button:has-text('Export these calls as CSV')")
    with open(download.value.path(), encoding="utf-8") as exported:
        rows = list(csv.DictReader(exported))
    assert sorted(row["reference"] for row in rows) == sorted([advice, waiting])
    assert all(CALLER not in row["caller"] for row in rows)

    page.goto("/review/")
    page.fill(f"input[aria-label='What was done for call {waiting}']", "Rang back, all fine.")
    page.click("button:has-text('Done')")
    assert page.locator("h2", has_text="Call-back requests waiting: 0").is_visible()
    screens.shot("dashboard-callbacks-done")


def test_an_admin_reads_the_audit_log(page: Any, screens: Any, call) -> None:
    call("2", "1", "2")
    log_in(page, "ada")
    page.goto("/review/calls/1")
    page.click("nav >> text=Audit log")
    table = page.locator("table.audit").inner_text()
    assert "view_call" in table and "login" in table and "user_added" in table
    page.select_option("select[name=action]", "view_call")
    page.click("button:has-text('Show')")
    assert page.locator("table.audit tbody tr").count() == 1
    screens.shot("audit")


def test_the_script_page_draws_the_flow(page: Any, screens: Any) -> None:
    log_in(page, "sam")
    page.goto("/review/script")
    page.wait_for_selector("#flow-diagram svg", timeout=20_000)
    assert page.locator("ol.script > li").count() > 20
    screens.shot("script")
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    page.emulate_media(media="screen")


def test_a_supervisor_does_not_see_the_audit_log(page: Any) -> None:
    log_in(page, "sam")
    assert page.locator("nav >> text=Audit log").count() == 0
    response = page.goto("/review/audit")
    assert response is not None and response.status == 403
    page.errors[:] = [e for e in page.errors if "403 (FORBIDDEN)" not in e]
