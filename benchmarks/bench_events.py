"""Issue 23's table: the event-driven provider against today's 10 s poller and crhelper's polling.

For rollouts of 5, 20 and 55 simulated minutes (an all-at-once update whose launch takes that long,
as in ``bench_rollout``; each ending at 6 phases of the pollers' periods), on moto + the SageMaker
simulator, through the real handler and the CloudFormation driver (which plays Lambda, the wake-up
queue and EventBridge):

* ``events``: the provider as built, SageMaker's events delivered (:func:`delivery`, assumptions);
* ``lost``: the same with every event lost (the fallback wake-ups alone);
* ``poller``: the same code with no wake-up queue: the wait in the invocation, DescribeEndpoint every
  10 s, a fresh invocation every ~14 minutes (issue 23's "today", measured live);
* ``crhelper``: the real crhelper's ``poll_update`` at its default 2 minutes (``bench_rollout._crhelper``),
  each tick of its rule an invocation.

Figures: settle-to-response (CloudFormation's answer - the simulator's InService), DescribeEndpoint
calls per minute of the request, Lambda GB-seconds per rollout-hour (256 MB as deployed; each
invocation billed its simulated duration, every AWS call taking ``CALL_LATENCY``, plus ``INIT``
for an invocation after ``IDLE`` seconds without one: the INIT phase is billed since 1 August 2025,
AWS Compute Blog "AWS Lambda standardizes billing for INIT Phase"). And the registry type's
settle-to-SUCCESS over a three-hour linear rollout (4 steps x 45 minutes), through its handlers, as
built and as of ``TODAY_COMMIT`` (main before issue 23, from a ``git archive``). The scale row is
``bench_scale``'s. Run::

    .venv/bin/python benchmarks/bench_events.py [--quick] [--write]

``--write`` keeps the rows in ``benchmarks/issue23.json`` and rewrites issue 23's table in
``benchmarks/results.md`` (:mod:`issue23`).
"""

from __future__ import annotations

import contextlib
import io
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers"))
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_rollout  # noqa: E402

DURATIONS_MINUTES = (5, 20, 55)
JITTER_SECONDS = (13, 29, 41, 67, 79, 106)
CALL_LATENCY = 0.025
"""Assumption: every AWS call takes 25 ms (a regional API round trip)."""
INIT = 0.4
"""Assumption: a cold start's billed INIT phase, 0.4 s (the Python runtime's start and the provider's
cold import, measured at about 0.2 s from the built layer: benchmarks/layer.md)."""
IDLE = 300.0
"""Assumption: an invocation more than 5 minutes after the previous one starts cold (Lambda does not
document how long an idle execution environment is kept)."""
MEMORY_GB = 0.25


def delivery() -> Any:
    """The stated delivery model of SageMaker's events (assumptions: nothing is published)."""
    from sagemaker_rollout_testing.simulator.eventbridge import Delivery

    return Delivery(base_delay=0.3, mean_delay=0.7, max_delay=10.0, duplicate=0.1, loss=0.0)


@dataclass
class Figures:
    """One method over all its runs."""

    method: str
    latencies: list[float] = field(default_factory=list)
    describe_rates: list[float] = field(default_factory=list)
    gb_per_hour: list[float] = field(default_factory=list)
    invocations: list[int] = field(default_factory=list)

    def mean(self) -> float:
        return statistics.fmean(self.latencies)

    def p95(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def _billed(records: list[tuple[float, float]]) -> float:
    """GB-seconds of invocations ``(start, end)``: durations, plus INIT after an idle spell."""
    total, last_end = 0.0, float("-inf")
    for start, end in sorted(records):
        total += max(end - start, 0.001) + (INIT if start - last_end > IDLE else 0.0)
        last_end = max(last_end, end)
    return total * MEMORY_GB


@contextlib.contextmanager
def _latency(session: Any, clock: Any) -> Iterator[None]:
    def wait(**_: Any) -> None:
        clock.sleep(CALL_LATENCY)

    session.events.register("before-call", wait, unique_id="bench-events-latency")
    try:
        yield
    finally:
        session.events.unregister("before-call", unique_id="bench-events-latency")


def provider(mode: str, minutes: float) -> tuple[float, float, float, int]:
    """(latency, Describe per minute, GB-s per rollout-hour, invocations) of one update in ``mode``."""
    from sagemaker_rollout import custom_resource
    from sagemaker_rollout_testing import CloudFormationDriver

    with (
        bench_rollout._account() as (clock, sim, session),
        contextlib.redirect_stdout(io.StringIO()),
        _latency(session, clock),  # before any client exists: botocore copies the session's hooks
    ):
        driver = CloudFormationDriver.from_template(
            ROOT,
            "EndpointProviderFunction",
            clock=clock,
            session=session,
            configure=custom_resource.configure,
            wakeups=mode != "poller",
        )
        with driver:
            props = bench_rollout._props
            assert driver.create(props("model-v1"), logical_id="Endpoint").status == "SUCCESS"
            driver.deliver_pending()
            if mode == "events":
                driver.listen(sim.emit_events(delivery(), seed=int(minutes * 60)))
            sim.set_timings(provision=minutes * 60)
            calls, start, first = sim.calls["DescribeEndpoint"], clock.now(), len(driver.invocations)
            response = driver.update(
                bench_rollout.ENDPOINT, props("model-v2"), props("model-v1"), logical_id="Endpoint"
            )
            assert response.status == "SUCCESS", response.reason
            settled = bench_rollout._in_service_after(sim, start)
            span = response.answered_at - start
            rate = (sim.calls["DescribeEndpoint"] - calls) / (span / 60)
            spans = [(r.started_at, r.ended_at) for r in driver.invocations[first:]]
            gb = _billed(spans) / (span / 3600)
        custom_resource.configure(None)
    return response.answered_at - settled, rate, gb, len(spans)


def crhelper(minutes: float) -> tuple[float, float, float, int]:
    """crhelper's poll_update (``bench_rollout._crhelper``: the real crhelper, its rule's ticks on the
    clock), every AWS call taking ``CALL_LATENCY``; each invocation billed its span (INIT after an
    idle spell)."""
    measured = bench_rollout._crhelper(minutes, CALL_LATENCY)
    gb = _billed(list(measured.invocations)) / (measured.request_seconds / 3600)
    return measured.latency_seconds, measured.describe_per_minute, gb, len(measured.invocations)


METHODS = ("events", "lost", "poller", "crhelper")


def run(
    durations: tuple[int, ...] = DURATIONS_MINUTES, jitters: tuple[int, ...] = JITTER_SECONDS
) -> dict[str, Figures]:
    """Every method over every rollout length and jitter."""
    results = {m: Figures(m) for m in METHODS}
    for minutes in durations:
        for jitter in jitters:
            length = minutes + jitter / 60
            for method, figures in results.items():
                got = crhelper(length) if method == "crhelper" else provider(method, length)
                latency, rate, gb, invocations = got
                figures.latencies.append(latency)
                figures.describe_rates.append(rate)
                figures.gb_per_hour.append(gb)
                figures.invocations.append(invocations)
    return results


REGISTRY_HOURS = 3.0
REGISTRY_STEPS = 4
REGISTRY_PROVISION = 240.0
"""The new fleet's launch before the first step (s); each run adds one of ``JITTER_SECONDS`` so that
the rollout ends at different phases of the callbacks."""
TODAY_COMMIT = "27af712"
"""main just before issue 23 merged: the registry type's callbacks of 60 s growing to 300 s (the
"today" anchor of the registry row, run from a ``git archive`` of that commit)."""


def registry_linear(hours: float = REGISTRY_HOURS, jitter: float = 0.0) -> float:
    """Settle-to-SUCCESS (s) of a linear rollout of 4 steps lasting ``hours`` through the registry
    type's handlers and CloudFormation's callbacks (the registry driver); the fleet launches in
    ``REGISTRY_PROVISION + jitter`` seconds."""
    from sagemaker_rollout_testing.registry import RegistryDriver

    wait = int(hours * 3600 / REGISTRY_STEPS)
    variant = {
        "VariantName": "a",
        "ModelName": "model-v1",
        "InstanceType": "ml.c5.xlarge",
        "InitialInstanceCount": REGISTRY_STEPS,
    }
    props: dict[str, Any] = {
        "EndpointName": "classifier",
        "ExecutionRoleArn": bench_rollout.ROLE,
        "ProductionVariants": [variant],
        "DeploymentConfig": {
            "BlueGreenUpdatePolicy": {
                "TrafficRoutingConfiguration": {
                    "Type": "LINEAR",
                    "WaitIntervalInSeconds": wait,
                    "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 100 // REGISTRY_STEPS},
                },
                "MaximumExecutionTimeoutInSeconds": 28800,
            }
        },
    }
    new = {**props, "ProductionVariants": [{**variant, "ModelName": "model-v2"}]}
    with (
        bench_rollout._account() as (clock, sim, session),
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
        RegistryDriver(ROOT / "registry", clock=clock, session=session) as registry,
    ):
        assert registry.create("Classifier", props).ok
        sim.set_timings(provision=REGISTRY_PROVISION + jitter)
        updated = registry.update("Classifier", new, props)
        assert updated.ok, updated.message
        settled = max(t.time for t in sim.history("classifier") if t.status == "InService")
    return updated.finished - settled


def registry_runs(jitters: tuple[int, ...] = JITTER_SECONDS) -> list[float]:
    """Settle-to-SUCCESS of the 3 h linear rollout, one per jitter (this tree's registry type)."""
    return [registry_linear(jitter=j) for j in jitters]


def registry_today(jitters: tuple[int, ...] = JITTER_SECONDS) -> list[float] | None:
    """The same through ``TODAY_COMMIT``'s registry type (callbacks of 60 s growing to 300 s), in a
    subprocess on a ``git archive`` of that commit; None without git or that commit."""
    import json
    import shutil
    import subprocess
    import tarfile
    import tempfile

    if shutil.which("git") is None:
        return None
    with tempfile.TemporaryDirectory(prefix="bench-today-") as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", TODAY_COMMIT, "layers", "src", "registry", "benchmarks"],
            capture_output=True,
            check=False,
        )
        if archive.returncode != 0:
            return None
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(tmp, filter="data")
        copy = Path(tmp) / "benchmarks" / "bench_events_today.py"
        shutil.copy(Path(__file__), copy)  # this file, run against that commit's code
        out = subprocess.run(
            [sys.executable, str(copy), "--registry-json", ",".join(str(j) for j in jitters)],
            capture_output=True,
            text=True,
            check=True,
        )
        return [float(x) for x in json.loads(out.stdout.strip().splitlines()[-1])]


# ---- the table ---------------------------------------------------------------------------------------

Row = tuple[str, str, str, str, str]
"""(figure, provider as built, today's 10 s poller, crhelper polling, goal and verdict)."""


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**NOT met**"


def _per_length(values: list[float], durations: tuple[int, ...]) -> dict[int, float]:
    """Mean of ``values`` (in ``run``'s order: each duration's jitters together) per duration."""
    size = len(values) // len(durations)
    return {m: statistics.fmean(values[i * size : (i + 1) * size]) for i, m in enumerate(durations)}


def rows(
    results: dict[str, Figures],
    registry: list[float],
    today: list[float] | None,
    durations: tuple[int, ...] = DURATIONS_MINUTES,
) -> list[Row]:
    """Issue 23's rows (all but the scale row: ``bench_scale``) from measured figures."""
    ev, lost, poller, crh = (results[m] for m in METHODS)
    lengths = ", ".join(map(str, durations)) + " min rollouts"
    d = delivery()
    out: list[Row] = []
    ok = ev.mean() <= 2.0 and ev.p95() <= 5.0
    out.append(
        (
            f"settle-to-response, mean / p95 ({lengths}), events delivered",
            f"{ev.mean():.1f} s / {ev.p95():.1f} s",
            f"{poller.mean():.1f} s / {poller.p95():.1f} s",
            f"{crh.mean():.1f} s / {crh.p95():.1f} s",
            f"<= 2 s mean, <= 5 s p95: {_verdict(ok)} (assumed delivery delay {d.base_delay} s + "
            f"Exp(mean {d.mean_delay} s), capped {d.max_delay:.0f} s: mean {d.mean():.1f} s, "
            f"p95 {d.quantile(0.95):.1f} s; {d.duplicate:.0%} duplicated)",
        )
    )
    out.append(
        (
            "settle-to-response p95, every event lost",
            f"{lost.p95():.1f} s (mean {lost.mean():.1f} s)",
            f"{poller.p95():.1f} s",
            f"{crh.p95():.1f} s",
            f"<= 60 s: {_verdict(lost.p95() <= 60.0)}",
        )
    )
    rate = {m: statistics.fmean(f.describe_rates) for m, f in results.items()}
    per_length = _per_length(ev.describe_rates, durations)
    shown = ", ".join(f"{m} min {r:.2f}" for m, r in per_length.items())
    verdict = "met on average" if rate["events"] <= 0.5 else "NOT met on average"
    over = [m for m, r in per_length.items() if r > 0.5]
    if over:
        verdict += (
            f"; NOT met for {', '.join(map(str, over))} min rollouts: an update makes about four reads "
            "whatever its length (the endpoint read before UpdateEndpoint, the first look after it, "
            "the fallback's look at the launch's expected end, the read an event triggers at the "
            "settle), which a short rollout does not spread over enough minutes"
        )
    if rate["lost"] > 0.5:
        verdict += (
            f"; with every event lost {rate['lost']:.2f}: once the launch overruns its expected end "
            "the fallback reads every 45 s, the price of the <= 60 s promise without events"
        )
    out.append(
        (
            "DescribeEndpoint calls per rollout-minute",
            f"{rate['events']:.2f} ({shown}; events lost: {rate['lost']:.2f})",
            f"{min(poller.describe_rates):.1f}-{max(poller.describe_rates):.1f}",
            f"{rate['crhelper']:.2f}",
            f"<= 0.5: {verdict}",
        )
    )
    gb = {m: statistics.fmean(f.gb_per_hour) for m, f in results.items()}
    share = gb["events"] / gb["poller"] * 100
    out.append(
        (
            f"Lambda GB-seconds per rollout-hour ({MEMORY_GB * 1024:.0f} MB, INIT billed)",
            f"{gb['events']:.2f} ({share:.2f} % of today's; events lost: {gb['lost']:.2f})",
            f"{gb['poller']:.1f}",
            f"{gb['crhelper']:.2f}",
            f"<= 1 % of today's: {'met' if share <= 1.0 else 'NOT met'}",
        )
    )
    reg = statistics.fmean(registry)
    out.append(
        (
            f"registry type settle-to-SUCCESS, {REGISTRY_HOURS:.0f} h linear rollout",
            f"mean {reg:.1f} s (max {max(registry):.1f} s)",
            f"mean {statistics.fmean(today):.1f} s (max {max(today):.1f} s; {TODAY_COMMIT})"
            if today
            else "not measured",
            "n/a",
            f"<= 30 s mean: {'met' if reg <= 30.0 else 'NOT met'}",
        )
    )
    return out


def table(rows_: list[Row]) -> str:
    lines = [
        "| figure | provider as built | today (10 s poller) | crhelper polling | goal |",
        "|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows_]
    return "\n".join(lines)


def measure(quick: bool = False) -> list[Row]:
    """Every row; ``quick``: the 5 min rollout, two jitters, one registry run, no "today" registry."""
    durations = DURATIONS_MINUTES[:1] if quick else DURATIONS_MINUTES
    jitters = JITTER_SECONDS[:2] if quick else JITTER_SECONDS
    results = run(durations, jitters)
    registry = registry_runs(jitters[:1] if quick else jitters)
    today = None if quick else registry_today(jitters)
    return rows(results, registry, today, durations)


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 min rollouts, 2 jitters")
    parser.add_argument(
        "--write", action="store_true", help="store the rows and rewrite issue 23's table in results.md"
    )
    parser.add_argument("--registry-json", help=argparse.SUPPRESS)  # (registry_today's subprocess)
    args = parser.parse_args(argv)
    if args.registry_json:
        print(json.dumps(registry_runs(tuple(int(j) for j in args.registry_json.split(",")))))
        return 0
    started = time.perf_counter()
    measured = measure(args.quick)
    print(table(measured))
    if args.write:
        import issue23

        issue23.store("events", measured, time.perf_counter() - started, notes())
    return 0


def notes() -> list[str]:
    """How the figures were made (the assumptions stated)."""
    d = delivery()
    return [
        f"Rollouts: an all-at-once update whose launch lasts {', '.join(map(str, DURATIONS_MINUTES))} "
        f"min plus {', '.join(map(str, JITTER_SECONDS))} s (each length once per method); mean and p95 "
        "over all of them. Settle-to-response: CloudFormation's answer minus the simulator's InService.",
        f"Events: delivery delay {d.base_delay} s + Exp(mean {d.mean_delay} s), capped at "
        f"{d.max_delay:.0f} s, {d.duplicate:.0%} of events twice (an assumption: AWS documents no "
        'delivery latency for SageMaker\'s EventBridge events). "every event lost": no event reaches '
        'the provider (the fallback wake-ups alone). "today": the same code with no wake-up queue '
        "(the wait in the invocation, DescribeEndpoint every 10 s, a hand-off about every 14 min).",
        f"GB-seconds: {MEMORY_GB * 1024:.0f} MB as deployed; each invocation billed its span on the "
        f"clock, every AWS call taking {CALL_LATENCY * 1000:.0f} ms (assumption), plus an INIT of "
        f"{INIT} s (assumption, from the built layer's cold import) for an invocation more than "
        f"{IDLE:.0f} s after the previous one (INIT is billed since 1 August 2025; idle lifetime "
        "undocumented: assumption). crhelper: the real crhelper handler, each tick of its rule an "
        "invocation.",
        f"Registry type: a LINEAR update of {REGISTRY_STEPS} steps x "
        f"{REGISTRY_HOURS * 3600 / REGISTRY_STEPS / 60:.0f} min through its handlers (the registry "
        f"driver waits each callbackDelaySeconds on the clock), the new fleet up after "
        f'{REGISTRY_PROVISION:.0f} s plus each jitter; no call latency. "today": the registry type '
        f"of {TODAY_COMMIT} (main before issue 23; callbacks of 60 s growing to 300 s), run from a "
        "git archive of that commit.",
    ]


if __name__ == "__main__":
    raise SystemExit(main())
