"""Reading the config and prompts with the line of every key, and merging the override.

PyYAML's plain loaders drop positions, so the nodes are walked once more to record them; after
merging an IVR_CONFIG override over the defaults, a value is still reported where it was written.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from ivr.check.located import KeyPath, Located, Problem
from ivr.config import DEFAULT_CONFIG, DEFAULT_PROMPTS, config_paths, merge


def shown(path: Traversable) -> str:
    """The path as given, except the shipped defaults, shown relative to where we run."""
    if path not in (DEFAULT_CONFIG, DEFAULT_PROMPTS) or not isinstance(path, Path):
        return str(path)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load(path: Traversable) -> Located | Problem:
    """One YAML mapping with the line of every key, or the Problem that stops it being read."""
    name = shown(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Problem(name, 1, "the file does not exist")
    except (OSError, UnicodeDecodeError) as error:
        return Problem(name, 1, f"the file cannot be read: {error}")
    try:
        return _parse(text, name)
    except yaml.YAMLError as error:
        return _yaml_problem(name, error)
    except ValueError as error:  # a value YAML reads but cannot build, e.g. 2026-13-01
        return Problem(name, 1, f"a value cannot be read ({error}); dates are like 2026-12-24")


def _parse(text: str, name: str) -> Located | Problem:
    """Compose and construct with one loader, then walk the nodes to record each key's line."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Located({}, {(): (name, 1)})
        data = loader.construct_document(node)
        if not isinstance(data, dict):
            return Problem(name, node.start_mark.line + 1, "the top level must be a mapping")
        lines: dict[KeyPath, int] = {(): node.start_mark.line + 1}
        _walk(node, (), lines, loader.construct_object, set())
    finally:
        loader.dispose()
    return Located(data, {path: (name, line) for path, line in lines.items()})


def _walk(
    node: yaml.Node,
    path: KeyPath,
    lines: dict[KeyPath, int],
    key_of: Callable[[yaml.Node], Any],
    seen: set[int],
) -> None:
    """Record the line of every mapping key and list item below `node`; aliases walked once."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        children = [(key_of(key), key, value) for key, value in node.value]
    elif isinstance(node, yaml.SequenceNode):
        children = [(index, item, item) for index, item in enumerate(node.value)]
    else:
        return
    for part, marked, child in children:
        lines[(*path, part)] = marked.start_mark.line + 1
        _walk(child, (*path, part), lines, key_of, seen)


def _yaml_problem(name: str, error: yaml.YAMLError) -> Problem:
    """A YAML error at the line its mark gives, in the parser's own words."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = mark.line + 1 if mark is not None else 1
    detail = getattr(error, "problem", None) or str(error)
    return Problem(name, line, f"not valid YAML: {detail}")


def overlay(base: Located, over: Located) -> Located:
    """Merge as ivr.config does, each key keeping the file and line that supplied its value.

    Lines left from a value the override replaced are never asked for: a problem names a value
    that exists, and every value under a replaced one came from the override.
    """
    over_where = {path: source for path, source in over.where.items() if path}
    return Located(merge(base.data, over.data), base.where | over_where)


def load_config(override: str | None) -> Located | list[Problem]:
    """The merged config with its sources, or the problems that stop any file being read."""
    loaded = [load(path) for path in config_paths(override)]
    failed = [item for item in loaded if isinstance(item, Problem)]
    if failed:
        return failed
    merged = loaded[0]
    for item in loaded[1:]:
        merged = overlay(merged, item)
    return merged
