"""Issue 23's table: the event-driven provider against today's 10 s poller and crhelper's polling.

For rollouts of 5, 20 and 55 simulated minutes (an all-at-once update whose launch takes that long,
as in ``bench_rollout``; each ending at 6 phases of the pollers' periods), on moto + the SageMaker
simulator, through the real handler and the CloudFormation driver (which plays Lambda, the wake-up
queue and EventBridge):

* ``events``: the provider as built, SageMaker's events delivered (``DELIVERY``, assumptions);
* ``lost``: the same with every event lost (the fallback wake-ups alone);
* ``poller``: the same code with no wake-up queue: the wait in the invocation, DescribeEndpoint every
  10 s, a fresh invocation every ~14 minutes (issue 23's "today", measured live);
* ``crhelper``: crhelper's ``poll_update`` at its default 2 minutes (``bench_rollout._crhelper``).

Figures: settle-to-response (CloudFormation's answer - the simulator's InService), DescribeEndpoint
calls per minute of the request, Lambda GB-seconds per rollout-hour (256 MB as deployed; each
invocation billed its simulated duration, every AWS call taking ``CALL_LATENCY``, plus ``INIT``
for an invocation after ``IDLE`` seconds without one: the INIT phase is billed since 1 August 2025,
AWS Compute Blog "AWS Lambda standardizes billing for INIT Phase"). And the registry type's
settle-to-SUCCESS over a three-hour linear rollout (4 steps x 45 minutes), through its handlers.
"""

from __future__ import annotations

import contextlib
import io
import statistics
import sys
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

    with bench_rollout._account() as (clock, sim, session), contextlib.redirect_stdout(io.StringIO()):
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
            with _latency(session, clock):
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
    """crhelper's poll_update: each tick of its rule a short invocation (INIT after an idle spell)."""
    measured = bench_rollout._crhelper(minutes)
    ticks = int(measured.rollout_minutes * 60 / (bench_rollout.CRHELPER_INTERVAL_MINUTES * 60)) + 2
    # Each tick: crhelper's own calls (its rule and target, the Describe) at CALL_LATENCY apiece.
    spans = [(i * 120.0, i * 120.0 + 4 * CALL_LATENCY) for i in range(ticks)]
    gb = _billed(spans) / (measured.rollout_minutes / 60)
    return measured.latency_seconds, measured.describe_per_minute, gb, ticks


def run(
    durations: tuple[int, ...] = DURATIONS_MINUTES, jitters: tuple[int, ...] = JITTER_SECONDS
) -> dict[str, Figures]:
    """Every method over every rollout length and jitter."""
    results = {m: Figures(m) for m in ("events", "lost", "poller", "crhelper")}
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


def registry_linear(hours: float = 3.0, mode: str = "events") -> float:
    """Settle-to-SUCCESS (s) of a linear rollout of 4 steps lasting ``hours`` through the registry
    type's handlers and CloudFormation's callbacks (the registry driver)."""
    from sagemaker_rollout_testing.registry import RegistryDriver

    wait = int(hours * 3600 / 4)
    variant = {
        "VariantName": "a",
        "ModelName": "model-v1",
        "InstanceType": "ml.c5.xlarge",
        "InitialInstanceCount": 4,
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
                    "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 25},
                },
                "MaximumExecutionTimeoutInSeconds": 28800,
            }
        },
    }
    new = {**props, "ProductionVariants": [{**variant, "ModelName": "model-v2"}]}
    with (
        bench_rollout._account() as (clock, sim, session),
        contextlib.redirect_stdout(io.StringIO()),
        RegistryDriver(ROOT / "registry", clock=clock, session=session) as registry,
    ):
        assert registry.create("Classifier", props).ok
        updated = registry.update("Classifier", new, props)
        assert updated.ok, updated.message
        settled = max(t.time for t in sim.history("classifier") if t.status == "InService")
    return updated.finished - settled


def main() -> int:
    results = run(DURATIONS_MINUTES[:1], JITTER_SECONDS[:2])
    for name, f in results.items():
        print(
            f"{name:<9} mean {f.mean():6.1f} s  p95 {f.p95():6.1f} s  Describe/min "
            f"{statistics.fmean(f.describe_rates):5.2f}  GB-s/h {statistics.fmean(f.gb_per_hour):8.2f}"
        )
    print(f"registry 3 h linear: settle-to-SUCCESS {registry_linear():.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
