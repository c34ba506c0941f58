"""Settle-to-response latency and DescribeEndpoint rate during a rollout: provider vs its anchors.

Three ways of waiting for the same simulated SageMaker update (moto + the simulator, one simulated
clock), for rollouts of 5, 20 and 55 simulated minutes (60 would exceed the custom resource's
one-hour limit, which the provider enforces):

* the provider: its real handler, driven by the CloudFormationDriver (continuations and wake-ups
  included), SageMaker's events delivered with the simulator's default ``Delivery`` (0.3 s +
  Exp(mean 0.7 s), capped at 10 s, 10 % duplicated: assumptions, as in ``bench_events``);
* crhelper's polling, the usual way to wait in a custom resource: a REAL crhelper handler with
  ``@helper.update`` + ``@helper.poll_update`` at crhelper's default ``polling_interval`` of 2
  minutes. crhelper puts its EventBridge rule and target into moto; the benchmark reads them back
  and invokes the target's ``Input`` on every tick of ``rate(2 minutes)`` on the simulated clock
  (first tick one interval after the rule was created), as EventBridge would;
* boto3's ``endpoint_in_service`` waiter (30 s delay), for the DescribeEndpoint rate only.

Latency = when CloudFormation got the answer - when the endpoint became InService (simulator
history). Run::

    PYTHONPATH=layers .venv/bin/python benchmarks/bench_rollout.py
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers"))
sys.path.insert(0, str(ROOT / "src"))

REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole"
DURATIONS_MINUTES = (5, 20, 55)
#: Seconds added to each rollout so that it ends at different phases of each poller's period
#: (10 s provider, 30 s waiter, 120 s crhelper); results are averaged over them.
JITTER_SECONDS = (13, 41, 79, 106)
CRHELPER_INTERVAL_MINUTES = 2
CRHELPER_FUNCTION = "crhelper-polling-baseline"
ENDPOINT = "bench"


@dataclass(frozen=True)
class Measurement:
    """One way of waiting for one rollout."""

    method: str
    rollout_minutes: float
    latency_seconds: float
    describe_per_minute: float
    request_seconds: float = 0.0
    """From the request to CloudFormation's answer (simulated)."""
    invocations: tuple[tuple[float, float], ...] = ()
    """(start, end) of every Lambda invocation the method made (simulated; crhelper only)."""


@contextlib.contextmanager
def _account() -> Iterator[tuple[Any, Any, Any]]:
    """mock_aws with fake credentials, a simulated clock and the simulator: (clock, sim, session)."""
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "POWERTOOLS_LOG_LEVEL": "CRITICAL",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    import logging

    import boto3
    from moto import mock_aws

    from sagemaker_rollout.clock import SimulatedClock
    from sagemaker_rollout_testing.simulator import SageMakerSimulator

    logging.getLogger("sagemaker-rollout").disabled = True
    try:
        clock = SimulatedClock()
        with mock_aws(), SageMakerSimulator(clock=clock, region=REGION, account_id=ACCOUNT) as sim:
            session = boto3.Session(region_name=REGION)
            sm = session.client("sagemaker")
            for model in ("model-v1", "model-v2"):
                sm.create_model(ModelName=model, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"})
            sim.set_timings(create=60)
            yield clock, sim, session
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _props(model: str) -> dict[str, Any]:
    return {
        "EndpointName": ENDPOINT,
        "ProductionVariants": [
            {
                "VariantName": "main",
                "ModelName": model,
                "InstanceType": "ml.c5.xlarge",
                "InitialInstanceCount": 2,
            }
        ],
    }


def _in_service_after(sim: Any, since: float) -> float:
    times = [t.time for t in sim.history(ENDPOINT) if t.status == "InService" and t.time > since]
    return times[0]


def _provider(minutes: float) -> Measurement:
    from sagemaker_rollout import custom_resource as provider
    from sagemaker_rollout_testing import CloudFormationDriver
    from sagemaker_rollout_testing.simulator.eventbridge import Delivery

    with _account() as (clock, sim, session), contextlib.redirect_stdout(io.StringIO()):
        driver = CloudFormationDriver.from_template(
            ROOT, "EndpointProviderFunction", clock=clock, session=session, configure=provider.configure
        )
        with driver:
            assert driver.create(_props("model-v1"), logical_id="Endpoint").status == "SUCCESS"
            driver.deliver_pending()
            driver.listen(sim.emit_events(Delivery(), seed=int(minutes * 60)))
            sim.set_timings(provision=minutes * 60)
            calls, start = sim.calls["DescribeEndpoint"], clock.now()
            response = driver.update(ENDPOINT, _props("model-v2"), _props("model-v1"), logical_id="Endpoint")
            assert response.status == "SUCCESS", response.reason
            settled = _in_service_after(sim, start)
            rate = (sim.calls["DescribeEndpoint"] - calls) / ((response.answered_at - start) / 60)
        provider.configure(None)
    return Measurement("provider", (settled - start) / 60, response.answered_at - settled, rate)


def _endpoint_on_v1_with_v2_ready(sm: Any, clock: Any, sim: Any, minutes: float) -> None:
    """An InService endpoint on config v1, config v2 created, the next rollout lasting ``minutes``."""
    sm.create_endpoint_config(
        EndpointConfigName="v1", ProductionVariants=_props("model-v1")["ProductionVariants"]
    )
    sm.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName="v1")
    clock.sleep(120)
    sm.create_endpoint_config(
        EndpointConfigName="v2", ProductionVariants=_props("model-v2")["ProductionVariants"]
    )
    sim.set_timings(provision=minutes * 60)


def _crhelper(minutes: float, call_latency: float = 0.0) -> Measurement:
    """REAL crhelper polling code against the same simulator; EventBridge played on the clock.

    ``call_latency``: simulated seconds every AWS call takes (crhelper's and the poll's), so that
    each invocation's span on the clock is what Lambda would bill."""
    from crhelper import CfnResource

    from sagemaker_rollout_testing import CloudFormationDriver, FakeLambdaContext

    with _account() as (clock, sim, session), contextlib.redirect_stdout(io.StringIO()):
        sm = session.client("sagemaker")
        iam, lam, events = session.client("iam"), session.client("lambda"), session.client("events")
        role = iam.create_role(
            RoleName="baseline", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17"})
        )
        lam.create_function(
            FunctionName=CRHELPER_FUNCTION,
            Runtime="python3.12",
            Role=role["Role"]["Arn"],
            Handler="app.handler",
            Code={"ZipFile": _zip()},
        )
        _endpoint_on_v1_with_v2_ready(sm, clock, sim, minutes)

        driver = CloudFormationDriver(lambda e, c: None, clock=clock, session=session)
        with driver:
            helper = CfnResource(
                json_logging=False,
                log_level="CRITICAL",
                boto_level="CRITICAL",
                polling_interval=CRHELPER_INTERVAL_MINUTES,
                sleep_on_delete=0,
                ssl_verify=driver.ssl_verify,
            )

            def latency(**_: Any) -> None:
                clock.sleep(call_latency)

            if call_latency > 0:
                for client in (sm, helper._lambda_client, helper._events_client):
                    client.meta.events.register("before-call", latency)

            @helper.update  # type: ignore[misc]
            def update(event: dict[str, Any], context: Any) -> None:
                sm.update_endpoint(EndpointName=ENDPOINT, EndpointConfigName="v2")

            @helper.poll_update  # type: ignore[misc]
            def poll_update(event: dict[str, Any], context: Any) -> str | None:
                status = sm.describe_endpoint(EndpointName=ENDPOINT)["EndpointStatus"]
                return (
                    None if status in ("Updating", "Creating", "RollingBack", "SystemUpdating") else ENDPOINT
                )

            spans: list[tuple[float, float]] = []

            def invoke(event: dict[str, Any]) -> None:
                context = FakeLambdaContext(clock, timeout_seconds=900, function_name=CRHELPER_FUNCTION)
                began = clock.now()
                helper(event, context)
                spans.append((began, clock.now()))

            event = driver.event("Update", {"Model": "v2"}, physical_resource_id=ENDPOINT, old_properties={})
            calls, start = sim.calls["DescribeEndpoint"], clock.now()
            invoke(event)
            (rule,) = events.list_rules()["Rules"]
            created = clock.now()
            interval = _rate_seconds(rule["ScheduleExpression"])
            tick = 0
            while not driver.responses_for(event["RequestId"]):
                tick += 1
                clock.advance(created + tick * interval - clock.now())
                targets = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
                if not targets:
                    break
                invoke(json.loads(targets[0]["Input"]))
            (answer, *_) = driver.responses_for(event["RequestId"])
            assert answer.body["Status"] == "SUCCESS", answer.body
            assert events.list_rules()["Rules"] == []  # crhelper removed its rule
            settled = _in_service_after(sim, start)
            rate = (sim.calls["DescribeEndpoint"] - calls) / ((answer.received_at - start) / 60)
    return Measurement(
        "crhelper poll_update (rate(2 minutes))",
        (settled - start) / 60,
        answer.received_at - settled,
        rate,
        answer.received_at - start,
        tuple(spans),
    )


def _waiter(minutes: float) -> Measurement:
    """boto3's endpoint_in_service waiter with its sleeps on the simulated clock."""
    import botocore.waiter

    with _account() as (clock, sim, session):
        sm = session.client("sagemaker")
        _endpoint_on_v1_with_v2_ready(sm, clock, sim, minutes)
        calls, start = sim.calls["DescribeEndpoint"], clock.now()
        sm.update_endpoint(EndpointName=ENDPOINT, EndpointConfigName="v2")
        real_sleep = botocore.waiter.time.sleep
        botocore.waiter.time.sleep = clock.sleep
        try:
            sm.get_waiter("endpoint_in_service").wait(EndpointName=ENDPOINT)
        finally:
            botocore.waiter.time.sleep = real_sleep
        done = clock.now()
        settled = _in_service_after(sim, start)
        rate = (sim.calls["DescribeEndpoint"] - calls) / ((done - start) / 60)
    return Measurement(
        "boto3 endpoint_in_service waiter (30 s)", (settled - start) / 60, done - settled, rate
    )


def _rate_seconds(expression: str) -> float:
    value, unit = expression.removeprefix("rate(").removesuffix(")").split()
    return (
        float(value)
        * {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}[unit]
    )


def _zip() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue()


@dataclass(frozen=True)
class Summary:
    """One method over the jittered runs of one nominal rollout duration."""

    method: str
    nominal_minutes: int
    mean_latency: float
    max_latency: float
    describe_per_minute: float


def run(
    durations: tuple[float, ...] = DURATIONS_MINUTES, jitters: tuple[float, ...] = JITTER_SECONDS
) -> list[Summary]:
    """Every method for every rollout duration, averaged over the jitters."""
    summaries = []
    for minutes in durations:
        for method in (_provider, _crhelper, _waiter):
            runs = [method(minutes + jitter / 60) for jitter in jitters]
            summaries.append(
                Summary(
                    runs[0].method,
                    int(minutes),
                    sum(r.latency_seconds for r in runs) / len(runs),
                    max(r.latency_seconds for r in runs),
                    sum(r.describe_per_minute for r in runs) / len(runs),
                )
            )
    return summaries


def main() -> int:
    results = run()
    print(f"{'method':<42} {'rollout':>8} {'mean latency s':>15} {'max s':>7} {'Describe/min':>13}")
    for m in results:
        print(
            f"{m.method:<42} {m.nominal_minutes:>5} min {m.mean_latency:>15.1f} {m.max_latency:>7.1f} "
            f"{m.describe_per_minute:>13.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
