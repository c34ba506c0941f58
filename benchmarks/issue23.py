"""Issue 23's table in benchmarks/results.md: rows stored per benchmark, the section rendered from them.

``bench_events.py --write`` and ``bench_scale.py --write`` (and ``run_all.py`` without ``--quick``)
store their rows, the command that produced them, its duration and the machine in
``benchmarks/issue23.json``, then rewrite the section of ``results.md`` between the markers below
from every stored part, so that each benchmark can be rerun alone (each takes minutes) and the
table keeps the other's figures.
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
STORE = HERE / "issue23.json"
RESULTS = HERE / "results.md"
BEGIN = "<!-- issue 23: begin (rendered from benchmarks/issue23.json) -->"
END = "<!-- issue 23: end -->"
PARTS = ("events",)
SCALE_MODES = ("events", "poller")
HEADER = (
    "| figure | provider as built | today (10 s poller) | crhelper polling | goal |",
    "|---|---|---|---|---|",
)


def machine() -> str:
    """The machine a figure came from, e.g. ``2 cores, x86_64 Linux, Python 3.12.1``."""
    return (
        f"{os.cpu_count()} cores, {platform.machine()} {platform.system()}, "
        f"Python {platform.python_version()}"
    )


def command() -> str:
    """The command line of this process, relative to the repository."""
    script = Path(sys.argv[0]).resolve()
    try:
        shown = str(script.relative_to(HERE.parent))
    except ValueError:
        shown = script.name
    return shlex.join([".venv/bin/python", shown, *sys.argv[1:]])


def load() -> dict[str, Any]:
    return json.loads(STORE.read_text(encoding="utf-8")) if STORE.exists() else {}


def store(part: str, rows: list[tuple[str, ...]], seconds: float, notes: list[str]) -> None:
    """Keep ``part``'s rows (with the command, duration, machine and notes) and rewrite the section."""
    data = load()
    data[part] = {
        "rows": [list(r) for r in rows],
        "command": command(),
        "seconds": round(seconds),
        "machine": machine(),
        "notes": notes,
    }
    STORE.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    write_section(data)


def store_scale(figures: dict[str, Any], notes: list[str]) -> None:
    """Keep one ``bench_scale`` run (its mode's figures) and rewrite the section."""
    data = load()
    runs = data.setdefault("scale", {})
    runs[str(figures["mode"])] = {
        "figures": figures,
        "command": command(),
        "seconds": round(float(figures["wall_seconds"])),
        "machine": machine(),
    }
    data["scale_notes"] = notes
    STORE.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    write_section(data)


def _scale_cell(f: dict[str, Any] | None) -> str:
    if f is None:
        return "not run"
    return (
        f"N={f['n']}: {f['failed']} failed ({f['throttle_failures']} from throttling); "
        f"p95 {f['p95_latency']:.1f} s (mean {f['mean_latency']:.1f} s, max {f['max_latency']:.1f} s); "
        f"{f['held_during_bakes']} held during bakes; "
        f"{f['describe_per_rollout_minute']:.2f} Describe/rollout-min, "
        f"{f['throttled_calls']} throttled; "
        f"{f['gb_seconds_per_rollout_hour']:.1f} GB-s/rollout-h"
    )


def scale_row(runs: dict[str, Any]) -> tuple[str, ...] | None:
    """The scale row from the stored runs of each mode (None: none run)."""
    if not runs:
        return None
    built = runs.get("events", {}).get("figures")
    today = runs.get("poller", {}).get("figures")
    if built is None:
        verdict = "not run"
    else:
        ok = built["throttle_failures"] == 0 and built["p95_latency"] <= 15.0
        ok = ok and built["held_during_bakes"] == 0
        parts = (
            f"{'none' if built['throttle_failures'] == 0 else built['throttle_failures']} failed from "
            f"throttling, p95 {built['p95_latency']:.1f} s, {built['held_during_bakes']} held"
        )
        verdict = f"none fails from throttling; p95 <= 15 s; 0 held during bakes: {parts}: " + (
            "**met**" if ok else "**NOT met**"
        )
        if built["n"] < 200:
            verdict += f" (N={built['n']}, not 200)"
    return (
        "**scale:** concurrent rollouts in one account under a simulated Describe limit",
        _scale_cell(built),
        _scale_cell(today),
        "not run at scale",
        verdict,
    )


def section(data: dict[str, Any]) -> str:
    """The markdown of the section: the table, then where each part came from and its notes."""
    lines = [
        BEGIN,
        "",
        "## Event-driven rollouts (issue 23)",
        "",
        "Simulated time (moto + the SageMaker simulator on a simulated clock, the real handlers). "
        "Bold goals are required.",
        "",
        *HEADER,
    ]
    for part in PARTS:
        lines += ["| " + " | ".join(row) + " |" for row in data.get(part, {}).get("rows", [])]
    scale = scale_row(data.get("scale", {}))
    if scale is not None:
        lines.append("| " + " | ".join(scale) + " |")
    lines.append("")
    for part in PARTS:
        got = data.get(part)
        if not got:
            lines.append(f"- {part}: not run yet")
            continue
        lines.append(f"- {part}: `{got['command']}`, {got['seconds']} s on {got['machine']}.")
        lines += [f"  {note}" for note in got.get("notes", [])]
    for mode in SCALE_MODES:
        run = data.get("scale", {}).get(mode)
        if run is not None:
            lines.append(f"- scale, {mode}: `{run['command']}`, {run['seconds']} s on {run['machine']}.")
    lines += [f"  {note}" for note in data.get("scale_notes", [])]
    lines += ["", END]
    return "\n".join(lines)


def write_section(data: dict[str, Any] | None = None) -> None:
    """Replace (or append) the section in results.md."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    rendered = section(load() if data is None else data)
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + rendered + tail
    else:
        text = text.rstrip("\n") + "\n\n" + rendered + "\n"
    RESULTS.write_text(text, encoding="utf-8")
