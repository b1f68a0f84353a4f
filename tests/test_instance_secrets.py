"""The instance folder's secrets: made once, the same for every worker that starts at once."""

from __future__ import annotations

import threading
from pathlib import Path

from ivr import instance_secret


def read_when_started(path: Path, start: threading.Barrier, found: list[str]) -> None:
    """A worker booting: all of them at once, each reading (or making) the secret."""
    start.wait()
    found.append(instance_secret(path, 32))


def test_workers_starting_together_all_read_one_whole_secret(tmp_path: Path) -> None:
    for attempt in range(30):
        path, start, found = tmp_path / f"secret-{attempt}", threading.Barrier(12), []
        threads = [
            threading.Thread(target=read_when_started, args=(path, start, found)) for _ in range(12)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(set(found)) == 1 and len(found[0]) == 64, found
        assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"secret-{n}" for n in range(30))
