"""The one-time link's key: a message's id, signed with the app's secret, valid for a day.

The signature's time comes from the line's clock, so a link expires on the same clock every
other deadline of the line is measured by (and tests can move it).
"""

from __future__ import annotations

from datetime import timedelta

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from ivr.line import Clock

SALT = "ivr.callbacks.take"
VALID_FOR = timedelta(days=1)


class Expired(Exception):
    """A genuine link, older than a day."""


def _serializer(secret: str, clock: Clock) -> URLSafeTimedSerializer:
    class ClockedSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock().timestamp())

    return URLSafeTimedSerializer(secret, salt=SALT, signer=ClockedSigner)


def issue(secret: str, clock: Clock, message_id: int) -> str:
    return _serializer(secret, clock).dumps(message_id)


def read(secret: str, clock: Clock, token: str) -> int | None:
    """The message a link was sent in; None when it was never ours; `Expired` after a day."""
    try:
        found = _serializer(secret, clock).loads(token, max_age=int(VALID_FOR.total_seconds()))
    except SignatureExpired as error:
        raise Expired from error
    except BadData:
        return None
    return found if isinstance(found, int) and not isinstance(found, bool) else None
