"""Run every benchmark, each against its anchor, print a markdown table and write results.md.

    .venv/bin/python benchmarks/run_all.py [--no-sam] [--quick] [--no-issue23]

Benchmarks print figures; they are not timed tests. ``--quick`` uses one rollout duration and one
jitter (for a smoke run), and small runs of issue 23's benchmarks (printed, not stored). Without
``--quick``, issue 23's table (``bench_events``, ``bench_scale`` at N=200 in both modes: about 15
minutes on 2 cores) is measured and stored (:mod:`issue23`); ``--no-issue23`` skips it. The table in
``results.md`` is always rendered from the stored runs (``benchmarks/issue23.json``).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "layers"))
sys.path.insert(0, str(HERE.parent / "src"))

import bench_events  # noqa: E402
import bench_layer  # noqa: E402
import bench_package  # noqa: E402
import bench_render  # noqa: E402
import bench_rollout  # noqa: E402
import bench_scale  # noqa: E402
import issue23  # noqa: E402

Row = tuple[str, str, str, str]


def rollout_rows(quick: bool) -> list[Row]:
    durations = (5,) if quick else bench_rollout.DURATIONS_MINUTES
    jitters = bench_rollout.JITTER_SECONDS[:1] if quick else bench_rollout.JITTER_SECONDS
    summaries = bench_rollout.run(durations, jitters)
    rows: list[Row] = []
    by = {(s.method.split()[0], s.nominal_minutes): s for s in summaries}
    for minutes in durations:
        provider, crhelper, waiter = (by[(m, int(minutes))] for m in ("provider", "crhelper", "boto3"))
        ratio = crhelper.mean_latency / provider.mean_latency if provider.mean_latency else float("inf")
        ok = provider.max_latency <= 15 and ratio >= 8
        rows.append(
            (
                f"settle-to-response latency, {minutes} min rollout",
                f"provider mean {provider.mean_latency:.1f} s (max {provider.max_latency:.1f} s)",
                f"crhelper poll_update rate(2 minutes): mean {crhelper.mean_latency:.1f} s "
                f"(max {crhelper.max_latency:.0f} s)",
                f"{ratio:.1f}x faster; goal <= 15 s and >= 8x: {'met' if ok else 'NOT met'}",
            )
        )
        rows.append(
            (
                f"DescribeEndpoint calls per simulated minute, {minutes} min rollout",
                f"provider {provider.describe_per_minute:.2f}/min (events and wake-ups)",
                f"crhelper {crhelper.describe_per_minute:.2f}/min; boto3 waiter "
                f"{waiter.describe_per_minute:.2f}/min",
                f"{provider.describe_per_minute / waiter.describe_per_minute:.2f}x the waiter's rate",
            )
        )
    return rows


def package_rows(sam: bool) -> list[Row]:
    rows: list[Row] = []
    for handler in bench_package.HANDLERS:
        measured = bench_package.import_time(handler)
        rows.append(
            (
                f"cold import, handlers/{handler}/app.py",
                f"{measured.best_ms:.0f} ms (best of 5)",
                f"goal {bench_package.IMPORT_GOAL_MS:.0f} ms",
                "met" if measured.best_ms <= bench_package.IMPORT_GOAL_MS else "NOT met",
            )
        )
    if sam:
        # The built layer (layers/Makefile): sizes of the arm64 build, imports from the x86_64 one;
        # details in benchmarks/layer.md.
        figures = bench_layer.measure()
        (HERE / "layer.md").write_text(bench_layer.markdown(figures, 9), encoding="utf-8")
        rows.append(
            (
                "layer size, unzipped (arm64 build)",
                f"{figures.unzipped_mb:.2f} MB ({figures.zipped_mb:.2f} MB zipped)",
                f"budget {bench_layer.BUDGET_MB:.0f} MB",
                "met" if figures.unzipped_mb <= bench_layer.BUDGET_MB else "NOT met",
            )
        )
        for handler in bench_layer.HANDLERS:
            rows.append(
                (
                    f"cold import from the built layer, handlers/{handler}/app.py",
                    f"{figures.imports_ms[handler]:.0f} ms (median of 9)",
                    f"{figures.imports_without_bytecode_ms[handler]:.0f} ms with no bytecode",
                    "[layer.md](layer.md)",
                )
            )
    else:
        rows.append(
            ("layer size, unzipped", "n/a", f"budget {bench_layer.BUDGET_MB:.0f} MB", "skipped (--no-sam)")
        )
    return rows


def render_rows(repeat: int) -> list[Row]:
    per_endpoint = {}
    rows: list[Row] = []
    for size in bench_render.SIZES:
        seconds, resources = bench_render.time_render(bench_render.build_template(size), repeat)
        per_endpoint[size] = seconds / size * 1000
        rows.append(
            (
                f"macro render, {size} endpoint(s) x {bench_render.VARIANTS} variants",
                f"{seconds * 1000:.1f} ms ({resources} resources)",
                f"{per_endpoint[size]:.2f} ms per endpoint",
                "",
            )
        )
    ratio = per_endpoint[bench_render.SIZES[-1]] / per_endpoint[bench_render.SIZES[1]]
    rows.append(
        (
            "macro render growth",
            f"per-endpoint time at {bench_render.SIZES[-1]} = {ratio:.2f}x that at {bench_render.SIZES[1]}",
            "linear: < 2x",
            "linear" if ratio < 2.0 else "super-linear",
        )
    )
    return rows


QUICK_SCALE = {"events": 20, "poller": 8}
"""Rollouts at once in the quick run's scale benchmark (N=200 otherwise)."""


def issue23_table(quick: bool) -> str:
    """Issue 23's table: measured and stored (full), or measured small and only printed (quick)."""
    started = time.perf_counter()
    events_rows = bench_events.measure(quick)
    if not quick:
        issue23.store("events", events_rows, time.perf_counter() - started, bench_events.notes())
    runs: dict[str, dict[str, object]] = {}
    for mode in ("events", "poller"):
        n = QUICK_SCALE[mode] if quick else 200
        figures = bench_scale.run(mode, n).as_dict()
        runs[mode] = {"figures": figures}
        if not quick:
            issue23.store_scale(figures, bench_scale.notes())
    scale = issue23.scale_row(runs)
    lines = [*issue23.HEADER, *("| " + " | ".join(r) + " |" for r in events_rows)]
    if scale is not None:
        lines.append("| " + " | ".join(scale) + " |")
    return "\n".join(lines)


def table(rows: list[Row]) -> str:
    lines = ["| benchmark | measured | anchor | verdict |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-sam", action="store_true", help="skip the layer builds (layer size and import)")
    parser.add_argument(
        "--quick", action="store_true", help="one rollout duration, one jitter, 1 render repeat"
    )
    parser.add_argument(
        "--no-issue23", action="store_true", help="skip issue 23's benchmarks (the stored table stays)"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    events_table = ""
    if not args.no_issue23:
        print("running: issue 23 (events, scale) ...", flush=True)
        events_table = issue23_table(args.quick)
    rows: list[Row] = []
    for name, produce in (
        ("rollout latency and DescribeEndpoint rate", lambda: rollout_rows(args.quick)),
        ("cold import and layer size", lambda: package_rows(not args.no_sam)),
        ("macro render", lambda: render_rows(1 if args.quick else 5)),
    ):
        print(f"running: {name} ...", flush=True)
        rows += produce()
    markdown = table(rows)
    header = (
        "# Benchmark results\n\n"
        f"Generated by `python benchmarks/run_all.py` on Python {platform.python_version()} "
        f"({platform.machine()}, {platform.system()}), in {time.perf_counter() - started:.0f} s. "
        "Latency and call rates are in simulated time (moto + the SageMaker simulator on a simulated "
        "clock); rollouts end at 4 different phases of each poller's period and are averaged.\n\n"
    )
    print()
    print(markdown)
    if events_table:
        print("\nissue 23" + (" (quick: small runs, not stored)" if args.quick else "") + ":\n")
        print(events_table)
    (HERE / "results.md").write_text(header + markdown + "\n", encoding="utf-8")
    issue23.write_section()  # issue 23's table, from the stored runs
    print(f"\nwritten: {HERE / 'results.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
