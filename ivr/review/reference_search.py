"""A search by any part of a call's reference, through each database's trigram index.

The same condition is written once (`PartOfReference`) and compiled for the database it runs
on, because the two keep their trigram index differently (migration 0009): PostgreSQL's pg_trgm
index is on `lower(reference)` and serves `lower(reference) LIKE '%...%'`, while SQLite's lives
in an FTS5 table that must be asked by name. Either way `LIKE` decides which calls match; the
index only narrows the calls it is asked of, so a search finds exactly the calls a scan of every
reference would.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, and_, column, func, select, table
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement

from ivr.models import Call

# A trigram index finds only text of at least three characters (its entries are that long).
TRIGRAM = 3
# SQLite's trigram table over calls.reference (migration 0009); its rowid is the call's id.
SEARCH = table("calls_reference_search", column("rowid"), column("reference"))


class PartOfReference(ColumnElement[bool]):
    """True for the calls whose reference contains `part` (LIKE wildcards taken literally)."""

    type = Boolean()
    # A condition in itself, as LIKE is: never to be compared with 1 where booleans are integers.
    _is_implicitly_boolean = True
    # `part` is no part of SQLAlchemy's cache key, so a statement holding this is compiled
    # afresh each time, never served from the cache compiled for another search.
    inherit_cache = False

    def __init__(self, part: str) -> None:
        self.part = part

    def contains(self) -> ColumnElement[bool]:
        return Call.reference.contains(self.part, autoescape=True)


@compiles(PartOfReference)
def _like(element: PartOfReference, compiler: SQLCompiler, **kw: Any) -> str:
    """The LIKE alone.

    Under three characters there is no trigram to look up, and a part that short is in a
    tenth of all references or more: the count then reads the reference index through (never
    the rows), and the list finds its page in its first few hundred calls, newest first.
    Each form is in brackets, so that it stays one condition beside others.
    """
    return f"({compiler.process(element.contains(), **kw)})"


@compiles(PartOfReference, "postgresql")
def _trigram(element: PartOfReference, compiler: SQLCompiler, **kw: Any) -> str:
    """The LIKE on the expression pg_trgm's index holds; the planner takes the index for it."""
    if len(element.part) < TRIGRAM:
        return _like(element, compiler, **kw)
    contains = func.lower(Call.reference).contains(element.part, autoescape=True)
    return f"({compiler.process(contains, **kw)})"


@compiles(PartOfReference, "sqlite")
def _fts(element: PartOfReference, compiler: SQLCompiler, **kw: Any) -> str:
    """The FTS5 table's matches for three characters or more, checked by the LIKE.

    The FTS5 phrase is the part in double quotes, its own quotes doubled: nothing in it is
    query syntax.
    """
    if len(element.part) < TRIGRAM:
        return _like(element, compiler, **kw)
    phrase = '"' + element.part.replace('"', '""') + '"'
    narrowed = select(SEARCH.c.rowid).where(SEARCH.c.reference.match(phrase))
    return f"({compiler.process(and_(Call.id.in_(narrowed), element.contains()), **kw)})"
