"""The script: the flow diagram and every prompt in flow order, printable for sign-off.

The diagram is drawn on the server as SVG by Graphviz (Debian's `graphviz` package, through
the `graphviz` Python package) from the very machine that answers calls, so no script is sent
to draw it. Without Graphviz the page says so and still lists every sentence.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import graphviz
from flask import current_app, render_template

from ivr.flow import KEY_TRIGGERS, STATES
from ivr.known import known_line
from ivr.machine import machine_arguments
from ivr.review import words
from ivr.review.blueprint import bp
from ivr.review.local import now, zone
from ivr.review.placeholders import fill
from ivr.timing import WORDS_PER_MINUTE, long_questions, paths

# Drawn on every arrow; the keys that work everywhere are said once in the key to the diagram.
# Silence after advice ends the call with a goodbye: said in the key, not drawn 11 times.
DRAWN = ("press_", "dial_")
EVERYWHERE = ("repeat", "back", "operator")
SHAPES = {"menu": "box", "question": "diamond", "advice": "note", "transfer": "cds"}
COLOURS = {"advice": "#cce2d8", "transfer": "#bbd4ea", "question": "#ffffff", "menu": "#f3f2f1"}


@dataclass(frozen=True)
class Sentence:
    prompt: str
    when: str | None
    text: str


def version(data: Any) -> str:
    """A short fingerprint of the configuration or the prompts, printed on the script."""
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _arrow_label(line: Any, trigger: str, source: str, conditions: Any) -> str:
    state = STATES[source]
    if trigger.startswith("press_"):
        key = trigger.removeprefix("press_")
        meaning = words.key_meaning(line, state, key)
        label = f"{key}: {meaning}" if len(meaning) <= 24 else key
    else:
        label = words.DIAL.get(trigger.removeprefix("dial_").replace("_", "-"), trigger)
    names = [conditions] if isinstance(conditions, str) else list(conditions or [])
    shown = [n for n in names if n != "has_tries_left"]
    if shown:
        label += " [" + ", ".join(n.replace("_", " ") for n in shown) + "]"
    return label


def diagram_source(line: Any) -> graphviz.Digraph:
    """The flow as a Graphviz graph: a box per state, an arrow per key, labelled with the key."""
    graph = graphviz.Digraph(
        "flow",
        graph_attr={"rankdir": "TB", "fontname": "Helvetica", "nodesep": "0.25", "ranksep": "0.45"},
        node_attr={"fontname": "Helvetica", "fontsize": "18", "style": "filled", "margin": "0.1"},
        edge_attr={"fontname": "Helvetica", "fontsize": "16", "color": "#505a5f"},
    )
    for state in STATES.values():
        label = words.humanise(state.name)
        if state.outcome:
            label += f"\n({words.outcome(state.outcome).lower()})"
        graph.node(
            state.name,
            label,
            shape=SHAPES.get(state.kind, "ellipse"),
            fillcolor=COLOURS.get(state.kind, "#f3f2f1"),
        )
    arrows: dict[tuple[str, str], list[str]] = {}
    for transition in machine_arguments()["transitions"]:
        trigger, source, dest = transition["trigger"], transition["source"], transition["dest"]
        if not dest or not trigger.startswith(DRAWN) or source not in STATES:
            continue
        label = _arrow_label(line, trigger, source, transition.get("conditions"))
        labels = arrows.setdefault((source, dest), [])
        if label not in labels:
            labels.append(label)
    failures = [words.DIAL[status] for status in words.DIAL if status != "completed"]
    for (source, dest), labels in arrows.items():
        if set(failures) <= set(labels):
            labels = [label for label in labels if label not in failures] + ["did not connect"]
        graph.edge(source, dest, label="\n".join(labels))
    return graph


@lru_cache(maxsize=4)
def _drawn(source: str) -> str | None:
    try:
        # Advice ends many branches side by side: staggered over a few rows, it fits A4.
        staggered = graphviz.Source(source).unflatten(stagger=4, fanout=True)
        svg = staggered.pipe(format="svg", encoding="utf-8")
    except (graphviz.ExecutableNotFound, graphviz.CalledProcessError):
        current_app.logger.warning("Graphviz's dot is missing: apt-get install graphviz")
        return None
    # Keep the drawing only: the XML prologue and doctype are not HTML.
    return svg[svg.index("<svg") :]


def diagram(line: Any) -> str | None:
    """The SVG markup of the flow, drawn once per process and configuration; None without dot."""
    return _drawn(diagram_source(line).source)


@bp.route("/script")
def script() -> str:
    """Every state in flow order with what it says, filled in from config, and the diagram."""
    line = known_line()
    states = [
        (
            state,
            [Sentence(s.prompt, s.when, fill(line, line.sentence(s.prompt))) for s in state.says],
        )
        for state in STATES.values()
    ]
    return render_template(
        "review/script.html",
        diagram=diagram(line),
        states=states,
        printed=now().astimezone(zone()),
        max_tries=line.max_tries,
        config_version=version(line.config),
        prompts_version=version(line.prompts),
        everywhere=[
            (key, words.EVERYWHERE[trigger])
            for key, trigger in KEY_TRIGGERS.items()
            if trigger in EVERYWHERE
        ],
        paths=list(paths(line, line.clock())),
        long_questions=long_questions(line),
        words_per_minute=WORDS_PER_MINUTE,
    )
