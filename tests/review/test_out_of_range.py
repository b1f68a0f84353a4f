"""Dates and ids no call can have get a 400 or a 404, never a 500."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.review.conftest import post

HUGE = str(2**64)


@pytest.mark.parametrize(
    "url",
    [
        "/review/calls?until=9999-12-31",
        "/review/calls?since=9999-12-31",
        "/review/calls?since=0001-01-01",
        "/review/audit?day=9999-12-31",
        "/review/audit?day=0001-01-01",
    ],
)
def test_a_date_out_of_range_is_a_bad_request(admin: FlaskClient, url: str) -> None:
    assert admin.get(url).status_code == 400


def test_the_export_refuses_a_date_out_of_range(supervisor: FlaskClient) -> None:
    assert post(supervisor, "/review/calls/export", until="9999-12-31").status_code == 400


def test_a_malformed_date_is_still_ignored(supervisor: FlaskClient) -> None:
    assert supervisor.get("/review/calls?until=31/12/9999").status_code == 200


@pytest.mark.parametrize("call_id", [HUGE, str(2**63), str(2**31), "9" * 40])
def test_a_call_id_past_64_bits_is_not_found(supervisor: FlaskClient, call_id: str) -> None:
    assert supervisor.get(f"/review/calls/{call_id}").status_code == 404
    for action in ("reveal", "review"):
        response = post(supervisor, f"/review/calls/{call_id}/{action}", status="reviewed")
        assert response.status_code == 404, action
    assert post(supervisor, f"/review/callbacks/{call_id}/done").status_code == 404


def test_the_largest_id_a_row_can_have_is_simply_missing(supervisor: FlaskClient) -> None:
    assert supervisor.get(f"/review/calls/{2**31 - 1}").status_code == 404
