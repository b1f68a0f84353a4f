"""The script: the flow diagram and every prompt in flow order, printable for sign-off."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, render_template

from ivr.flow import STATES
from ivr.graph import mermaid
from ivr.review.blueprint import bp


@dataclass(frozen=True)
class Sentence:
    prompt: str
    when: str | None
    text: str


@bp.route("/script")
def script() -> str:
    """Every state in flow order with what it says, and the diagram `ivr graph` draws."""
    line = current_app.extensions["ivr.line"]
    states = [
        (state, [Sentence(s.prompt, s.when, line.sentence(s.prompt)) for s in state.says])
        for state in STATES.values()
    ]
    # Mermaid styles its drawing with <style> elements; scripts stay 'self' only.
    g.inline_styles = True
    return render_template("review/script.html", diagram=mermaid(), states=states)
