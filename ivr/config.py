"""The line's facts: `config/default.yaml`, with a deployment's `IVR_CONFIG` merged over it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config" / "default.yaml"
DEFAULT_PROMPTS = ROOT / "prompts" / "en-GB.yaml"


def merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Merge mappings key by key; any other value in `over` replaces the default outright."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_yaml(path: Path) -> dict[str, Any]:
    """Read one YAML mapping; an empty file counts as an empty mapping."""
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: the top level must be a mapping")
    return data


def config_paths(override: str | None = None) -> list[Path]:
    """The files that make up the configuration, defaults first."""
    extra = override if override is not None else os.environ.get("IVR_CONFIG")
    return [DEFAULT_CONFIG, *([Path(extra)] if extra else [])]


def load_config(override: str | None = None) -> dict[str, Any]:
    """The merged configuration the line runs with."""
    paths = config_paths(override)
    config = read_yaml(paths[0])
    for path in paths[1:]:
        config = merge(config, read_yaml(path))
    return config


def speech_path(prompts: Path) -> Path:
    """The speech vocabulary sits beside the sentences it goes with: speech.en-GB.yaml."""
    return prompts.with_name(f"speech.{prompts.name}")


def load_prompts(path: Path = DEFAULT_PROMPTS) -> dict[str, Any]:
    """The words of the line: sentences, the words for opening hours, and under `speech` the
    vocabulary callers may answer with (from its own file in the same directory)."""
    return {**read_yaml(path), "speech": read_yaml(speech_path(path))}
