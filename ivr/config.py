"""The line's facts and words: the shipped defaults, with a deployment's own files over them.

`IVR_CONFIG` names a YAML file merged over the shipped `config/default.yaml`. `IVR_PROMPTS` names
a directory holding a copy of `prompts/`: the line reads every prompt file from that one
directory, so an operator changes words by copying the directory, never by editing the package.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

CHECKOUT = Path(__file__).resolve().parent.parent
# The prompt file holding the sentences, the speech vocabulary and the words for hours.
PROMPTS_FILE = "en-GB.yaml"


def shipped(name: str) -> Traversable:
    """A directory shipped with the line: `config`, `prompts` or `vendor`.

    A wheel holds copies inside the package (setup.py puts them there), read through
    importlib.resources so a zipped install works too; a checkout, editable install included,
    reads the top-level directories people edit.
    """
    packaged = files("ivr") / "shipped" / name
    return packaged if packaged.is_dir() else CHECKOUT / name


DEFAULT_CONFIG = shipped("config") / "default.yaml"
DEFAULT_PROMPTS_DIR = shipped("prompts")
DEFAULT_PROMPTS = DEFAULT_PROMPTS_DIR / PROMPTS_FILE


def merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Merge mappings key by key; any other value in `over` replaces the default outright."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_yaml(path: Traversable) -> dict[str, Any]:
    """Read one YAML mapping; an empty file counts as an empty mapping."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: the top level must be a mapping")
    return data


def config_paths(override: str | None = None) -> list[Traversable]:
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


def prompts_dir(override: str | os.PathLike[str] | None = None) -> Traversable:
    """The directory the line reads its prompt files from: IVR_PROMPTS, or the shipped one."""
    chosen = override if override is not None else os.environ.get("IVR_PROMPTS")
    return Path(chosen) if chosen else DEFAULT_PROMPTS_DIR


def prompt_file(name: str, directory: Traversable | None = None) -> Traversable:
    """One prompt file, e.g. `en-GB.yaml`, from the prompts directory in use."""
    return (directory if directory is not None else prompts_dir()) / name


def load_prompts(directory: Traversable | None = None) -> dict[str, Any]:
    """The words of the line: sentences, speech vocabulary and the words for opening hours."""
    return read_yaml(prompt_file(PROMPTS_FILE, directory))
