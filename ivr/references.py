"""Call references: what a caller writes in their case notes, found free in one indexed read.

Drawing at random and retrying a failed insert degrades as the stored calls fill the space, and
the call that runs out of tries has no record. Instead a batch of random candidates is looked
up at once; if all are taken the reference gets one more digit, so every call has a record.
"""

from __future__ import annotations

import logging
import random
import secrets

from sqlalchemy import bindparam, select

from ivr.db import Database
from ivr.models import Call

# docs/call-flow.md, "The record of a call": the reference is 6 digits, unique, read to the caller.
DIGITS = 6
# As wide as calls.reference holds (migration 0004); only reached if every shorter one is taken.
MAX_DIGITS = 12
# Looked up per read: while six-digit references are under 90% taken, at most 1 call in 29 widens.
CANDIDATES = 32

# One prebuilt statement (SQLAlchemy Core): a new call's first webhook runs it.
TAKEN = select(Call.__table__.c.reference).where(
    Call.__table__.c.reference.in_(bindparam("drawn", expanding=True))
)

log = logging.getLogger(__name__)
# Unguessable, so one reference says nothing of another call's; tests put a seeded Random here.
source: random.Random = secrets.SystemRandom()


def candidates(rng: random.Random, digits: int) -> list[str]:
    """One read's candidates: the draw `free` makes, which a test can replay with the same seed."""
    return [f"{rng.randrange(10**digits):0{digits}d}" for _ in range(CANDIDATES)]


def free(db: Database) -> str:
    """A reference no stored call holds: six digits unless nearly all six-digit ones are taken."""
    for digits in range(DIGITS, MAX_DIGITS + 1):
        drawn = candidates(source, digits)
        taken = set(db.connection().execute(TAKEN, {"drawn": drawn}).scalars())
        reference = next((ref for ref in drawn if ref not in taken), None)
        if reference is None:
            continue
        if digits > DIGITS:
            log.warning(
                "a new call needed a %d-digit reference: six-digit references are running out; "
                "`ivr purge` frees those of calls past the retention period",
                digits,
            )
        return reference
    raise RuntimeError(f"every call reference drawn, up to {MAX_DIGITS} digits, was taken")
