"""Bar charts as plain geometry for an inline SVG: drawn on the server, no script, no CDN.

Drawn narrow (480 units) with large type, so that scaled down to a phone's width the labels
stay readable; every chart has a table of its figures beside it for screen readers and print.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 480


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]


def columns(values: list[tuple[str, int]], width: int = WIDTH, height: int = 220) -> Chart:
    """Vertical bars side by side, e.g. calls per hour of day; room left below for labels."""
    top = max((v for _, v in values), default=0) or 1
    plot = height - 40
    step = width / max(len(values), 1)
    bars = [
        Bar(
            label, value, i * step + 1, 10 + plot - plot * value / top, step - 2, plot * value / top
        )
        for i, (label, value) in enumerate(values)
    ]
    return Chart(width, height, bars)


def rows(values: list[tuple[str, int]], width: int = WIDTH, row: int = 46) -> Chart:
    """Horizontal bars one under another, each with its label above it, e.g. outcomes."""
    top = max((v for _, v in values), default=0) or 1
    plot = width - 80
    bars = [
        Bar(label, value, 0, i * row + 22, plot * value / top, row - 28)
        for i, (label, value) in enumerate(values)
    ]
    return Chart(width, max(len(values), 1) * row + 4, bars)
