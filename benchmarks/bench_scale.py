"""200 rollouts at once in one account, through the real handler, under a simulated Describe limit.

One release rolls out N endpoints together: canary, linear, rolling and all-at-once updates of
5-54 simulated minutes (a custom resource has one hour, and the provider refuses a rollout whose
worst case, rollback allowance included, does not fit), on one SageMaker simulator whose
DescribeEndpoint is limited per account by a token bucket (SageMaker publishes no Describe rate:
the figures below are assumptions), with every AWS call taking a simulated latency, and SageMaker's
EventBridge events delivered late, twice, out of order and sometimes not at all. Each Lambda
invocation is its own task on a cooperative simulated clock (:mod:`sagemaker_rollout_testing.fleet`).

Modes: ``events`` (the provider as built, SageMaker's events delivered to it) and ``poller`` (the
same code with the events and wake-ups switched off: the wait in the invocation, DescribeEndpoint
every 10 s, a fresh invocation every ~14 minutes; issue 23's "today").

Run::

    .venv/bin/python benchmarks/bench_scale.py [--n 200] [--mode events|poller]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
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

REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole"
JOURNAL = "sagemaker-rollout-journal"
WAKEUPS = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/RolloutWakeUpQueue"
STRATEGIES = ("canary", "linear", "rolling", "all-at-once")

DESCRIBE_PER_SECOND = 10.0
"""Assumption: SageMaker publishes no DescribeEndpoint rate (its quotas list none). The account's
DescribeEndpoint is a token bucket refilled at 10 calls/s."""
DESCRIBE_BURST = 20.0
"""Assumption: the bucket holds 20 calls (a burst of 2 s)."""
CALL_LATENCY = 0.025
"""Assumption: every AWS call of the provider takes 25 ms (a regional API round trip)."""
PROVISION_RANGE = (180.0, 420.0)
"""Assumption: a new fleet is up 3-7 minutes after UpdateEndpoint (each endpoint its own draw)."""
ROLLING_BATCH_RANGE = (120.0, 300.0)
"""Assumption: one rolling batch is up 2-5 minutes after it starts."""
MINUTES = (5.0, 54.0)
"""Rollout lengths: a custom resource has 3600 s, and the rollback allowance (300 s) must fit too."""


@dataclass(frozen=True)
class Rollout:
    """One endpoint of the release."""

    name: str
    strategy: str
    minutes: float
    provision: float
    wait: int
    batch: float = 0.0

    def deployment(self) -> dict[str, Any]:
        routing: dict[str, Any]
        if self.strategy == "rolling":
            return {
                "RollingUpdatePolicy": {
                    "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 50},
                    "WaitIntervalInSeconds": self.wait,
                    "MaximumExecutionTimeoutInSeconds": 3300,
                }
            }
        if self.strategy == "canary":
            routing = {"Type": "CANARY", "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 1}}
        elif self.strategy == "linear":
            routing = {"Type": "LINEAR", "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 50}}
        else:
            routing = {"Type": "ALL_AT_ONCE"}
        routing["WaitIntervalInSeconds"] = self.wait
        return {
            "BlueGreenUpdatePolicy": {
                "TrafficRoutingConfiguration": routing,
                "MaximumExecutionTimeoutInSeconds": 3300,
            }
        }

    def properties(self, model: str) -> dict[str, Any]:
        return {
            "EndpointName": self.name,
            "ProductionVariants": [
                {
                    "VariantName": "main",
                    "ModelName": model,
                    "InstanceType": "ml.c5.xlarge",
                    "InitialInstanceCount": 4,
                    "ModelDataDownloadTimeoutInSeconds": 60,
                    "ContainerStartupHealthCheckTimeoutInSeconds": 60,
                }
            ],
            "DeploymentConfig": self.deployment(),
        }

    def bakes(self, start: float) -> list[tuple[float, float]]:
        """The baking windows of the update that started at ``start`` (as the simulator plans them)."""
        if self.strategy == "rolling":
            out, t = [], start
            for _ in range(2):
                t += self.batch
                out.append((t, t + self.wait))
                t += self.wait
            return out
        count = {"canary": 2, "linear": 2, "all-at-once": 1}[self.strategy]
        t = start + self.provision
        return [(t + i * self.wait, t + (i + 1) * self.wait) for i in range(count)]


def plan(n: int, seed: int = 23) -> list[Rollout]:
    """``n`` rollouts: strategies in turn, lengths spread evenly over 5-54 minutes, shuffled."""
    rng = random.Random(seed)
    lengths = [MINUTES[0] + (MINUTES[1] - MINUTES[0]) * i / max(n - 1, 1) for i in range(n)]
    rng.shuffle(lengths)
    out = []
    for i, minutes in enumerate(lengths):
        strategy = STRATEGIES[i % len(STRATEGIES)]
        provision = rng.uniform(*PROVISION_RANGE)
        batch = rng.uniform(*ROLLING_BATCH_RANGE)
        total = minutes * 60
        if strategy == "rolling":
            wait = max(0, int((total - 2 * batch) / 2))
        else:
            bakes = {"canary": 2, "linear": 2, "all-at-once": 1}[strategy]
            wait = max(0, int((total - provision) / bakes))
        out.append(Rollout(f"ep-{i:03d}", strategy, minutes, provision, wait, batch))
    return out


@dataclass
class ScaleResult:
    """The figures of one run."""

    mode: str
    n: int
    latencies: list[float] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    throttle_failures: int = 0
    describe_calls: int = 0
    throttled_calls: int = 0
    rollout_minutes: float = 0.0
    held_during_bakes: int = 0
    gb_seconds: float = 0.0
    invocations: int = 0
    wall_seconds: float = 0.0

    @property
    def p95(self) -> float:
        return _quantile(self.latencies, 0.95)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.latencies) if self.latencies else float("nan")

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "n": self.n,
            "mean_latency": self.mean,
            "p95_latency": self.p95,
            "max_latency": max(self.latencies, default=float("nan")),
            "failed": len(self.failed),
            "throttle_failures": self.throttle_failures,
            "describe_calls": self.describe_calls,
            "describe_per_rollout_minute": self.describe_calls / max(self.rollout_minutes, 1e-9),
            "throttled_calls": self.throttled_calls,
            "held_during_bakes": self.held_during_bakes,
            "gb_seconds_per_rollout_hour": self.gb_seconds / max(self.rollout_minutes / 60, 1e-9),
            "invocations": self.invocations,
            "wall_seconds": self.wall_seconds,
        }


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@contextlib.contextmanager
def _environment() -> Iterator[None]:
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "POWERTOOLS_LOG_LEVEL": "CRITICAL",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "JOURNAL_TABLE_NAME": JOURNAL,
        "SAGEMAKER_ROLLOUT_WAKEUP_QUEUE_URL": WAKEUPS,
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run(mode: str = "events", n: int = 200, seed: int = 23, loss: float = 0.05) -> ScaleResult:
    """One release of ``n`` rollouts in ``mode`` (``events`` or ``poller``)."""
    import logging

    import boto3
    from moto import mock_aws

    from sagemaker_rollout import custom_resource as provider
    from sagemaker_rollout.journal import request_key, table_definition
    from sagemaker_rollout_testing.cooperative import CooperativeClock
    from sagemaker_rollout_testing.fleet import Fleet
    from sagemaker_rollout_testing.simulator import SageMakerSimulator
    from sagemaker_rollout_testing.simulator.eventbridge import Delivery
    from sagemaker_rollout_testing.template import load_function_spec, load_handler

    logging.getLogger("sagemaker-rollout").disabled = True
    started_wall = time.perf_counter()
    rollouts = plan(n, seed)
    result = ScaleResult(mode, n)
    with _environment(), mock_aws(), contextlib.redirect_stdout(io.StringIO()):
        clock = CooperativeClock()
        sim = SageMakerSimulator(clock=clock, region=REGION, account_id=ACCOUNT)
        with sim:
            session = boto3.Session(region_name=REGION)
            session.client("dynamodb").create_table(**table_definition(JOURNAL))
            sm = session.client("sagemaker")
            for model in ("model-v1", "model-v2"):
                sm.create_model(ModelName=model, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"})
            handler = load_handler(load_function_spec(ROOT, "EndpointProviderFunction", "template.yaml", {}))
            settings = _settings(mode)
            fleet = Fleet(
                handler,
                clock,
                session,
                lambda runtime: provider.configure(_with_settings(runtime, settings)),
                JOURNAL,
                wakeup_queue_url=WAKEUPS if mode == "events" else None,
                call_latency=CALL_LATENCY,
            )
            with fleet:
                # The endpoints exist (created through the provider), then one release updates them all.
                creates = [
                    fleet.request("Create", r.properties("model-v1"), at=clock.now(), logical_id=r.name)
                    for r in rollouts
                ]
                clock.run(stop=lambda: all(fleet.answer(e) for e in creates))
                clock.run(until=clock.now() + 1200)  # every wake-up of the creates delivered
                assert all(fleet.answer(e)[1]["Status"] == "SUCCESS" for e in creates)  # type: ignore[index]
                if mode == "events":
                    delivery = Delivery(duplicate=0.2, loss=loss, reorder_window=1.0)
                    sim.emit_events(delivery, seed=seed).subscribe(fleet.deliver_event)
                sim.limit_rate("DescribeEndpoint", DESCRIBE_PER_SECOND, DESCRIBE_BURST)
                for rollout in rollouts:
                    sim.set_endpoint_timings(
                        rollout.name, provision=rollout.provision, rolling_batch=rollout.batch
                    )
                first = len(fleet.invocations)
                describes = sim.calls["DescribeEndpoint"]
                release = clock.now()
                rng = random.Random(seed)
                updates = {
                    r.name: fleet.request(
                        "Update",
                        r.properties("model-v2"),
                        at=release + rng.uniform(0, 60),
                        logical_id=r.name,
                        physical_resource_id=r.name,
                        old_properties=r.properties("model-v1"),
                    )
                    for r in rollouts
                }
                clock.run(stop=lambda: all(fleet.answer(e) for e in updates.values()))
                end = clock.now()
                result.describe_calls = sim.calls["DescribeEndpoint"] - describes
                result.throttled_calls = sim.throttled["DescribeEndpoint"]
                keys = {
                    request_key(fleet.stack_id, r.name, str(updates[r.name]["RequestId"])): r
                    for r in rollouts
                }
                spans: dict[str, list[tuple[float, float]]] = {r.name: [] for r in rollouts}
                for inv in fleet.invocations[first:]:
                    result.invocations += 1
                    result.gb_seconds += inv.seconds * fleet.memory_mb / 1024
                    owner = _owner(inv.payload, keys, updates)
                    if owner is not None:
                        spans[owner].append((inv.started, inv.ended or end))
                for rollout in rollouts:
                    event = updates[rollout.name]
                    got = fleet.answer(event)
                    assert got is not None
                    answered, body = got
                    history = sim.history(rollout.name)
                    update_at = next(t.time for t in history if t.time >= release and t.status == "Updating")
                    settled = next(t.time for t in history if t.time > update_at and t.status == "InService")
                    result.rollout_minutes += (answered - update_at) / 60
                    if body["Status"] != "SUCCESS":
                        result.failed.append(f"{rollout.name}: {body.get('Reason')}")
                        if "Throttl" in str(body.get("Reason")):
                            result.throttle_failures += 1
                        continue
                    result.latencies.append(answered - settled)
                    for lo, hi in rollout.bakes(update_at):
                        if any(min(b, hi) - max(a, lo) > 5.0 for a, b in spans[rollout.name]):
                            result.held_during_bakes += 1
                            break
            provider.configure(None)
    result.wall_seconds = time.perf_counter() - started_wall
    return result


def _settings(mode: str) -> Any:
    from sagemaker_rollout.aws.runtime import ProviderSettings

    try:
        return ProviderSettings(suspend=(mode == "events"))  # type: ignore[call-arg]
    except TypeError:  # before issue 23: the poller is all there is
        return ProviderSettings()


def _with_settings(runtime: Any, settings: Any) -> Any:
    runtime.settings = settings
    return runtime


def _owner(payload: dict[str, Any], keys: dict[str, Any], updates: dict[str, dict[str, Any]]) -> str | None:
    """The endpoint an invocation worked for (its request, continuation, wake-up or event)."""
    records = payload.get("Records")
    if isinstance(records, list) and records:
        payload = json.loads(records[0].get("body") or "{}")
    if payload.get("detail-type"):
        return str(payload.get("detail", {}).get("EndpointName"))
    for value in payload.values():
        if isinstance(value, dict) and "key" in value:
            rollout = keys.get(str(value["key"]))
            return rollout.name if rollout is not None else None
    request = payload.get("RequestId")
    for name, event in updates.items():
        if event["RequestId"] == request:
            return name
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--mode", choices=("events", "poller"), default="events")
    parser.add_argument("--loss", type=float, default=0.05)
    parser.add_argument(
        "--write", action="store_true", help="store the figures and rewrite issue 23's table in results.md"
    )
    args = parser.parse_args(argv)
    figures = run(args.mode, args.n, loss=args.loss).as_dict()
    print(json.dumps(figures, indent=2))
    if args.write:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        import issue23

        issue23.store_scale(figures, notes(args.loss))
    return 0


def notes(loss: float = 0.05) -> list[str]:
    """How the scale figures were made (the assumptions stated)."""
    return [
        "Scale: one release updates N endpoints created beforehand through the provider (canary, "
        f"linear, rolling and all-at-once in turn, {MINUTES[0]:.0f}-{MINUTES[1]:.0f} min each, "
        "requests spread over the first minute), every Lambda invocation its own task on a "
        "cooperative simulated clock. Assumptions (none is published): DescribeEndpoint limited per "
        f"account to {DESCRIBE_PER_SECOND:.0f} calls/s, burst {DESCRIBE_BURST:.0f} (ThrottlingException "
        f"beyond); {CALL_LATENCY * 1000:.0f} ms per AWS call; fleets up in "
        f"{PROVISION_RANGE[0] / 60:.0f}-{PROVISION_RANGE[1] / 60:.0f} min, rolling batches in "
        f"{ROLLING_BATCH_RANGE[0] / 60:.0f}-{ROLLING_BATCH_RANGE[1] / 60:.0f} min; events delivered "
        f"with the simulator's default delay, 20 % duplicated, reordered within 1 s, {loss:.0%} lost. "
        '"held during bakes": rollouts with an invocation of theirs running more than 5 s inside '
        "one of their bake windows. GB-seconds here: spans only (no INIT).",
    ]


if __name__ == "__main__":
    raise SystemExit(main())
