"""Latency against concurrent callers, the line beside the ceiling, from `load.py --json` files.

python -m benchmarks.plot benchmarks/results/sqlite.json benchmarks/results/postgresql.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/latency.png"))
    args = parser.parse_args()
    figure, (p50, p99) = plt.subplots(1, 2, figsize=(11, 4.5), sharex=True)
    ceilings_drawn: set[float] = set()
    for path in args.results:
        result = json.loads(path.read_text())
        think = result["think_seconds"]
        pace = f", callers pause {think} s" if think else ", no pause"
        runs = [(f"line on {result['database']}{pace}", result["line"], "-o")]
        if think not in ceilings_drawn:
            runs.append((f"ceiling (bare Flask){pace}", result["ceiling"], "--s"))
            ceilings_drawn.add(think)
        for label, levels, style in runs:
            callers = [level["callers"] for level in levels]
            p50.plot(callers, [level["p50_ms"] for level in levels], style, label=label)
            p99.plot(callers, [level["p99_ms"] for level in levels], style, label=label)
    for axes, title in ((p50, "p50"), (p99, "p99")):
        axes.set_title(f"webhook latency, {title}")
        axes.set_xlabel("concurrent callers")
        axes.set_ylabel("ms")
        axes.grid(alpha=0.3)
        axes.legend()
    p99.axhline(50, color="grey", linewidth=0.8, linestyle=":")
    figure.tight_layout()
    figure.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
