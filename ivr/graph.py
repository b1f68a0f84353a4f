"""The call flow as a Mermaid diagram, drawn from the very machine that answers calls."""

from __future__ import annotations

from transitions.extensions import GraphMachine

from ivr.machine import machine_arguments


class _Drawing:
    """A model that only carries the diagram: the flow's conditions are drawn, never run."""


def mermaid() -> str:
    """The flow as a Mermaid `stateDiagram-v2`, conditions in brackets on their arrows."""
    machine = GraphMachine(
        model=_Drawing(),
        title="The information-sharing line",
        graph_engine="mermaid",
        show_conditions=True,
        **machine_arguments(),
    )
    return machine.get_graph().draw(None)


def with_diagram(markdown: str, diagram: str) -> str:
    """The README with its ```mermaid block replaced: `make graph-readme` keeps it current."""
    start = markdown.index("```mermaid\n") + len("```mermaid\n")
    end = markdown.index("```", start)
    return markdown[:start] + diagram.strip() + "\n" + markdown[end:]
