"""A config made unreadable while the line runs: the review area goes on with the line its
workers last knew, or says it is unavailable (503), never a 500."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from tests.conftest import AppFactory, restarted
from tests.review.conftest import login

UNAVAILABLE = "Sorry, the service is unavailable"


# The review area's logins are limited; the restarted worker counts them in memory, as `app` does.
IN_MEMORY = {"RATELIMIT_STORAGE_URI": "memory://"}


def test_supervisors_go_on_reading_calls_with_the_line_last_checked(
    make_app: AppFactory, app: Flask, call, tmp_path: Path
) -> None:
    played = call("2", "1", "")
    worker = restarted(make_app, app, tmp_path / "gone.yaml", checked=True, **IN_MEMORY)
    client = worker.test_client()
    assert login(client, "sam").status_code == 302
    dashboard = client.get("/review/")
    assert dashboard.status_code == 200
    assert "Wokingham Children&#39;s Services" in dashboard.get_data(as_text=True)
    page = client.get("/review/calls/1")
    assert page.status_code == 200
    assert played.record["reference"] in page.get_data(as_text=True)


def test_with_no_line_last_checked_each_page_says_the_area_is_unavailable(
    make_app: AppFactory, app: Flask, tmp_path: Path
) -> None:
    worker = restarted(make_app, app, tmp_path / "gone.yaml", checked=False, **IN_MEMORY)
    client = worker.test_client()
    for path in ("/review/login", "/review/", "/review/calls", "/review/calls/1"):
        answer = client.get(path)
        assert answer.status_code == 503, path
        assert UNAVAILABLE in answer.get_data(as_text=True)
    tried = client.post("/review/login", data={"username": "sam", "password": "x"})
    assert tried.status_code == 503 and UNAVAILABLE in tried.get_data(as_text=True)
    with client.get("/review/static/review.css") as stylesheet:
        assert stylesheet.status_code == 200
