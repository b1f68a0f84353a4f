"""Every environment variable the line reads, declared once.

`ivr serve --help` prints this table, and a test holds docs/deployment.md and README.md to it,
so the three can never disagree about what a deployment may set.
"""

from __future__ import annotations

import os
import re
import textwrap
from dataclasses import dataclass

# What a URL's scheme may be made of: safe to repeat in a message, unlike anything after `://`.
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")


class Unusable(Exception):
    """An environment variable set to a value the line cannot use, or a database that will not
    let it start (its migrations held past IVR_MIGRATION_WAIT_SECONDS), in an operator's words.

    `ivr` says it in a line or two and exits (ivr.cli); no command starts on it, so neither
    does a server that would answer calls half-configured.
    """


def whole_number(name: str, default: int) -> int:
    """The variable `name` as a count of 0 or more, `default` when unset or empty."""
    value = os.environ.get(name) or str(default)
    if not re.fullmatch("[0-9]+", value.strip()):
        raise Unusable(f"{name} {value!r} is not a whole number (0, 1, 2 ...)")
    return int(value)


def scheme_of(url: str) -> str:
    """The part of `url` before `://` when it looks like a scheme, else "?": never a password."""
    scheme = url.partition("://")[0]
    return scheme if "://" in url and SCHEME.fullmatch(scheme) else "?"


@dataclass(frozen=True)
class Variable:
    name: str
    meaning: str
    default: str


VARIABLES = (
    Variable(
        "TWILIO_AUTH_TOKEN",
        "the Twilio account's auth token, which signs every webhook",
        "a random local token in the instance folder: only `ivr call` can call in",
    ),
    Variable(
        "TWILIO_AUTH_TOKEN_PREVIOUS",
        "while the auth token is rotated, the old one: webhooks it signs are still accepted",
        "none: only TWILIO_AUTH_TOKEN signs",
    ),
    Variable(
        "IVR_PUBLIC_URL",
        "the https base URL Twilio is given, e.g. https://ivr.example.org",
        "the request's own URL",
    ),
    Variable(
        "IVR_DATABASE_URL",
        "SQLAlchemy URL of the call records, e.g. postgresql://ivr@db.internal/ivr",
        "SQLite in the instance folder",
    ),
    Variable(
        "IVR_CONFIG",
        "a YAML file merged over the shipped config/default.yaml",
        "none",
    ),
    Variable(
        "IVR_PROMPTS",
        "a directory holding a copy of prompts/, read instead of the shipped one",
        "the shipped prompts",
    ),
    Variable(
        "IVR_INSTANCE_PATH",
        "the folder for the SQLite file, the local token and the secret key",
        "instance/ in a checkout; installed, var/ivr-instance in the virtual environment",
    ),
    Variable(
        "IVR_SECRET_KEY",
        "signs the review area's sign-in sessions and the call-back links; the same on every "
        "server and call-back worker",
        "a random key made once in each instance folder: another on each host",
    ),
    Variable(
        "IVR_WORKERS",
        "gunicorn workers (sync) for `ivr serve`; more than one needs PostgreSQL",
        "two per CPU core",
    ),
    Variable(
        "IVR_MIGRATION_WAIT_SECONDS",
        "how long a start waits for another process's database upgrade before it stops, naming "
        "the holder",
        "300",
    ),
    Variable(
        "IVR_RATELIMIT_STORAGE_URL",
        "where review-area login tries are counted, e.g. redis://127.0.0.1:6379, shared by servers",
        "a SQLite file ratelimits.sqlite3 in the instance folder",
    ),
    Variable(
        "IVR_TRUSTED_PROXIES",
        "how many proxies in front of gunicorn may set X-Forwarded-For and -Proto; 1 behind nginx",
        "0",
    ),
    Variable("IVR_LOG_LEVEL", "DEBUG, INFO, WARNING or ERROR", "INFO"),
    Variable("IVR_LOG_FORMAT", "json or plain", "plain on a terminal, else json"),
    Variable(
        "PROMETHEUS_MULTIPROC_DIR",
        "an empty directory the workers share, so /metrics adds them all up",
        "none: a scrape sees one worker",
    ),
    Variable(
        "TWILIO_ACCOUNT_SID",
        "the account whose REST API sends call-back text messages",
        "none: no text messages, `ivr check --live` says so",
    ),
    Variable(
        "IVR_TWILIO_API_URL",
        "the base URL of Twilio's REST API",
        "https://api.twilio.com",
    ),
    Variable(
        "IVR_SMTP_URL",
        "the mail server for call-back e-mails, e.g. smtp://user:password@mail.example.org:587",
        "none: no e-mails, `ivr check --live` says so",
    ),
)


def help_text() -> str:
    """The table for `ivr serve --help`, one variable to a paragraph click keeps as written."""
    lines = ["\b", "Environment (docs/deployment.md):"]
    for variable in VARIABLES:
        text = f"{variable.name}: {variable.meaning} (default: {variable.default})"
        lines += textwrap.wrap(text, width=78, initial_indent="  ", subsequent_indent="      ")
    return "\n".join(lines)
