"""The line the pages around the calls work from: as configured, or as the workers last knew it.

A call whose config cannot be read gets the safe guidance (ivr.safe) and nothing else. The pages
around the calls have no such guidance to give: a supervisor reading the records, a duty team
member taking a call back from a link, Prometheus reading /metrics. Should the config become
unreadable while the line runs (a file edited into a mistake, then a worker restarted), they go
on with the line `ivr serve` checked before its workers started, which is what every other
worker still runs; with none to go on with they answer 503 and say so, never a 500.
"""

from __future__ import annotations

import logging

from flask import current_app
from werkzeug.exceptions import ServiceUnavailable

from ivr.line import Line

log = logging.getLogger(__name__)


class NoKnownLine(ServiceUnavailable):
    """The config cannot be read and no line was checked before: the page cannot be shown."""


def known_line_if_any() -> Line | None:
    """The line the pages work from, or None where `known_line` would answer 503."""
    line = current_app.extensions["ivr.line"]
    return line if isinstance(line, Line) else line.last_known


def known_line() -> Line:
    line = known_line_if_any()
    if line is None:
        log.error("a page could not be shown: %s", current_app.extensions["ivr.line"].problem)
        raise NoKnownLine()
    return line
