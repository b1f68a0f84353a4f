"""Who is handling a call-back request: one claim per request, so no caller is rung twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ivr.models import Base, UTCDateTime


class CallbackClaim(Base):
    """A supervisor's "I'm handling this" on an open call-back request (migration 0008)."""

    __tablename__ = "callback_claims"

    call_id: Mapped[int] = mapped_column(
        ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True
    )
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
