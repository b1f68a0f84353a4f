"""Bar charts as plain geometry for an inline SVG: drawn on the server, no script, no CDN."""

from __future__ import annotations

from dataclasses import dataclass


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


def columns(values: list[tuple[str, int]], width: int = 720, height: int = 180) -> Chart:
    """Vertical bars side by side, e.g. calls per hour of day; room left below for labels."""
    top = max((v for _, v in values), default=0) or 1
    plot = height - 30
    step = width / max(len(values), 1)
    bars = [
        Bar(
            label, value, i * step + 2, 10 + plot - plot * value / top, step - 4, plot * value / top
        )
        for i, (label, value) in enumerate(values)
    ]
    return Chart(width, height, bars)


def rows(values: list[tuple[str, int]], width: int = 720, row: int = 22) -> Chart:
    """Horizontal bars one under another, e.g. outcomes; room left for labels on the left."""
    top = max((v for _, v in values), default=0) or 1
    label_room, plot = 200, width - 260
    bars = [
        Bar(label, value, label_room, i * row + 2, plot * value / top, row - 6)
        for i, (label, value) in enumerate(values)
    ]
    return Chart(width, max(len(values), 1) * row + 4, bars)
