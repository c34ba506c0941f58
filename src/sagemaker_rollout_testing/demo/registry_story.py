"""``sagemaker-rollout demo --registry-type``: a rollout longer than an hour through the registry type.

The story: create an endpoint of ``SageMakerRollout::SageMaker::Endpoint``, update it to a new model
with a linear rollout of four 25 % steps baking 45 minutes each (about three hours); roll the next
model out and have an operator abort it with ``sagemaker-rollout abort`` in its first bake; roll it
out again with a ``SmokeTest`` it fails (the model answers HTTP 500) in a mixed-fleet bake; delete
it. After each failed update, CloudFormation's rollback (the update handler back to the previous
properties) finds the endpoint where it was. The
registry type's real handlers run through the CloudFormation CLI library's entry point, driven by
:class:`~sagemaker_rollout_testing.registry.RegistryDriver` the way CloudFormation drives them: each
IN_PROGRESS progress event is followed, after its ``callbackDelaySeconds`` on the simulated clock, by
a new invocation with the callback context, and the handler's ``timeoutInMinutes`` is enforced
(CloudFormation CLI user guide, "Progress chaining, stabilization and callback pattern").

A custom resource cannot carry that update: CloudFormation waits at most 3600 s for its response
(AWS CloudFormation user guide, "AWS::CloudFormation::CustomResource", ``ServiceTimeout``: 1-3600
seconds), and the provider's own property check refuses it with that limit; the timeline's last line
says so, with the simulated duration the type took.

Everything runs in process (moto, the SageMaker simulator, a simulated clock), as the default story.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sagemaker_rollout_testing.demo.brake_steps import (
    ABORT_REASON,
    BROKEN_MODEL,
    DEMO_SMOKE_TEST,
    brake_alarms,
    run_abort,
)
from sagemaker_rollout_testing.demo.world import (
    ACCOUNT_ID,
    REGION,
    DemoError,
    DemoOptions,
    DemoResult,
    StepResult,
    Timeline,
    fake_environment,
    quiet_logs,
)

__all__ = [
    "CUSTOM_RESOURCE_LIMIT_SECONDS",
    "REGISTRY_ENDPOINT",
    "RegistryDemoResult",
    "registry_project",
    "registry_properties",
    "run_registry_demo",
]

CUSTOM_RESOURCE_LIMIT_SECONDS = 3600
"""A custom resource's largest ``ServiceTimeout`` (AWS CloudFormation user guide,
"AWS::CloudFormation::CustomResource": ServiceTimeout, 1 to 3600 seconds)."""

REGISTRY_ENDPOINT = "classifier"
LOGICAL_ID = "Classifier"
ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/SageMakerRole"
ALARM = "classifier-latency"
ABORT_AFTER_BAKING = 600
"""The operator aborts 10 minutes into the first bake of the rollout."""
SMOKE_CALLS = 11
"""The smoke test's ``Count``: 11 calls reach a fleet taking 25 % of the traffic with at least 95 %
probability (``1 - 0.75 ** 11``), so the first linear step's bake (a mixed fleet) is smoke-tested."""
STEP_PERCENT = 25
WAIT_SECONDS = 2700
"""45 minutes of baking per linear step: four steps, three hours."""
GROUP_SECONDS = 3600
"""Consecutive IN_PROGRESS events are told as one timeline line per simulated hour at most."""


def registry_project() -> Path:
    """The registry type's CloudFormation CLI project (``registry/``) of the source checkout.

    Raises
    ------
    DemoError
        (status 2) When the package is installed without its checkout, or without the CloudFormation
        CLI's Python library the handlers are written against.
    """
    from sagemaker_rollout_testing.registry import PACKAGE, SCHEMA_FILE

    project = Path(__file__).resolve().parents[3] / "registry"
    if not (project / SCHEMA_FILE).is_file() or not (project / "src" / PACKAGE).is_dir():
        raise DemoError(
            "--registry-type needs the source checkout's registry/ project (the type's handlers): "
            "run it from a clone of sagemaker-rollout",
            2,
        )
    try:
        import cloudformation_cli_python_lib  # noqa: F401
    except ImportError:
        raise DemoError(
            "--registry-type needs cloudformation-cli-python-lib (pip install cloudformation-cli-python-lib)",
            2,
        ) from None
    return project


def smoke_tested(properties: Mapping[str, Any]) -> dict[str, Any]:
    """``properties`` with an InvokeEndpoint ``SmokeTest`` of :data:`SMOKE_CALLS` calls (the registry
    type's only kind)."""
    return {**properties, "SmokeTest": {**DEMO_SMOKE_TEST, "Count": SMOKE_CALLS}}


def registry_properties(model: str) -> dict[str, Any]:
    """The endpoint's properties (JSON types, as a registry type receives them), running ``model``.

    A guarded linear rollout: four 25 % capacity steps, each baking ``WAIT_SECONDS``, watched by the
    latency alarm (API reference, TrafficRoutingConfig and AutoRollbackConfig); its
    ``MaximumExecutionTimeoutInSeconds`` is SageMaker's largest, 28,800 s (API reference,
    BlueGreenUpdatePolicy).
    """
    return {
        "EndpointName": REGISTRY_ENDPOINT,
        "ExecutionRoleArn": ROLE,
        "ProductionVariants": [
            {
                "VariantName": "model-a",
                "ModelName": model,
                "InstanceType": "ml.c5.xlarge",
                "InitialInstanceCount": 4,
                "InitialVariantWeight": 1.0,
            }
        ],
        "DeploymentConfig": {
            "BlueGreenUpdatePolicy": {
                "TrafficRoutingConfiguration": {
                    "Type": "LINEAR",
                    "WaitIntervalInSeconds": WAIT_SECONDS,
                    "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": STEP_PERCENT},
                },
                "TerminationWaitInSeconds": 300,
                "MaximumExecutionTimeoutInSeconds": 28800,
            },
            "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": ALARM}]},
        },
    }


def custom_resource_refusal(properties: Mapping[str, Any]) -> str | None:
    """Why ``Custom::SageMakerEndpoint`` refuses ``properties`` (None: it accepts them)."""
    from sagemaker_rollout.spec import PropertyError, parse_endpoint_properties
    from sagemaker_rollout_testing import stringify

    try:
        parse_endpoint_properties(stringify(dict(properties)))
    except PropertyError as error:
        return str(error)
    return None


@dataclass
class RegistryDemoResult(DemoResult):
    """The registry type's story, with what a custom resource could not have done."""

    rollout_seconds: float = 0.0
    custom_resource_refusal: str | None = None
    callbacks: dict[str, int] = field(default_factory=dict)

    @property
    def fits_custom_resource(self) -> bool:
        return self.rollout_seconds <= CUSTOM_RESOURCE_LIMIT_SECONDS and self.custom_resource_refusal is None

    def verdict(self) -> str:
        """The closing line: the rollout against a custom resource's time limit."""
        minutes = self.rollout_seconds / 60
        if self.fits_custom_resource:
            return (
                f"the update took {self.rollout_seconds:.0f} s ({minutes:.0f} min simulated): "
                "a custom resource could carry it too"
            )
        return (
            f"the update took {self.rollout_seconds:.0f} s ({minutes:.0f} min simulated): it would not fit a "
            f"custom resource's {CUSTOM_RESOURCE_LIMIT_SECONDS} s ServiceTimeout"
        )

    def to_dict(self) -> dict[str, Any]:
        document = super().to_dict()
        document.update(
            {
                "provider": "SageMakerRollout::SageMaker::Endpoint",
                "rolloutSeconds": round(self.rollout_seconds, 1),
                "customResourceLimitSeconds": CUSTOM_RESOURCE_LIMIT_SECONDS,
                "fitsCustomResource": self.fits_custom_resource,
                "customResourceRefusal": self.custom_resource_refusal,
                "callbacks": dict(self.callbacks),
                "verdict": self.verdict(),
            }
        )
        return document


class _Callbacks:
    """Groups consecutive IN_PROGRESS events into one timeline line."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.count = 0
        self.delays: list[float] = []
        self.since = 0.0
        self.total = 0

    def progress(self, result: Mapping[str, Any]) -> None:
        if result.get("status") != "IN_PROGRESS":
            self.flush()
            return
        if not self.delays:
            self.since = self.timeline.offset()
        self.delays.append(float(result.get("callbackDelaySeconds") or 0))
        self.total += 1
        if self.timeline.offset() + self.delays[-1] - self.since >= GROUP_SECONDS:
            self.flush()

    def killed(self) -> None:
        self.flush()
        self.timeline.line("lambda", "invocation killed: CloudFormation delivers the same context again")

    def notify(self, kind: str, text: str) -> None:
        """The engine's step lines; its hand-offs are the IN_PROGRESS events this class groups."""
        if kind == "handoff":
            return
        if kind not in self.timeline._HIDDEN_PROVIDER:
            self.flush()
        self.timeline.provider(kind, text)

    def flush(self) -> None:
        if not self.delays:
            return
        delays, self.delays = self.delays, []
        until = self.since + sum(delays)
        low, high = min(delays), max(delays)
        spread = f"{low:.0f} s" if low == high else f"{low:.0f}-{high:.0f} s"
        waited = self.timeline.stamp(sum(delays))
        count = len(delays)
        text = (
            f"{count} x IN_PROGRESS, re-invoked with the callback context after {spread} "
            f"({waited} in all, until {self.timeline.stamp(until)})"
            if count > 1
            else f"IN_PROGRESS, re-invoked with the callback context after {spread}"
        )
        rendered = f"  {self.timeline.stamp(self.since)}  {'callbacks':<11} {text}"
        if self.timeline.step is not None:
            self.timeline.step.events.append(rendered.strip())
        self.timeline.print(rendered)


def _driver_class() -> Any:
    from sagemaker_rollout_testing.registry import RegistryDriver

    class _ObservedDriver(RegistryDriver):
        """The test driver, telling the timeline about each progress event."""

        observer: _Callbacks | None = None

        def invoke(
            self, event: Mapping[str, Any], *, entrypoint: str = "resource", context: Any = None
        ) -> dict[str, Any] | None:
            result = super().invoke(event, entrypoint=entrypoint, context=context)
            if self.observer is not None:
                if result is None:
                    self.observer.killed()
                else:
                    self.observer.progress(result)
            return result

    return _ObservedDriver


@contextlib.contextmanager
def _registry_account(timeline: Timeline, stack_name: str, project: Path) -> Iterator[tuple[Any, Any, Any]]:
    """moto, the simulator and the registry driver on a simulated clock: (clock, session, driver)."""
    sink = io.StringIO()
    service = os.environ.get("POWERTOOLS_SERVICE_NAME", "sagemaker-rollout")
    with fake_environment(), contextlib.redirect_stderr(sink), quiet_logs(service, "crhelper"):
        import boto3
        from moto import mock_aws

        from sagemaker_rollout.clock import SimulatedClock
        from sagemaker_rollout_testing.simulator import SageMakerSimulator

        clock = SimulatedClock()
        timeline.clock = clock
        timeline.origin = clock.now()
        with mock_aws(), SageMakerSimulator(clock=clock, region=REGION, account_id=ACCOUNT_ID) as sim:
            session = boto3.Session(region_name=REGION)
            sm = session.client("sagemaker")
            for model in ("model-a-v1", "model-a-v2", "model-a-v3"):
                sm.create_model(ModelName=model, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"})
            session.client("cloudwatch").put_metric_alarm(
                AlarmName=ALARM,
                Namespace="AWS/SageMaker",
                MetricName="ModelLatency",
                Dimensions=[{"Name": "EndpointName", "Value": REGISTRY_ENDPOINT}],
                ExtendedStatistic="p99",
                Period=60,
                EvaluationPeriods=1,
                Threshold=500000,
                ComparisonOperator="GreaterThanThreshold",
            )
            driver = _driver_class()(
                project,
                clock=clock,
                session=session,
                stack_name=stack_name,
                region=REGION,
                account_id=ACCOUNT_ID,
            )
            observer = _Callbacks(timeline)
            driver.notify = observer.notify
            with driver, contextlib.redirect_stdout(sink):
                driver.observer = observer
                yield sim, session, driver


def _running(sm: Any) -> tuple[str | None, str | None, str | None]:
    """(status, config, model) of the endpoint; Nones when it does not exist."""
    try:
        endpoint = sm.describe_endpoint(EndpointName=REGISTRY_ENDPOINT)
    except sm.exceptions.ClientError:
        return None, None, None
    config = str(endpoint["EndpointConfigName"])
    variants = sm.describe_endpoint_config(EndpointConfigName=config)["ProductionVariants"]
    return str(endpoint["EndpointStatus"]), config, str(variants[0]["ModelName"])


def _configs(sm: Any) -> list[str]:
    return sorted(c["EndpointConfigName"] for c in sm.list_endpoint_configs()["EndpointConfigs"])


@dataclass
class _Story:
    """The registry story's account and what CloudFormation holds of the resource between steps."""

    sim: Any
    sm: Any
    driver: Any
    timeline: Timeline
    model: dict[str, Any] | None = None
    """The resource model of the last successful operation (what DELETE is sent)."""
    rollout_seconds: float = 0.0
    kept: str | None = None
    """The config the endpoint runs after the linear update (the failed updates must leave it)."""

    def line(self, kind: str, text: str) -> None:
        self.driver.observer.notify(kind, text)

    def ended(self, operation: Any, what: str = "") -> None:
        self.driver.observer.flush()
        self.timeline.line(
            "cfn",
            f"{what}{operation.status} after {operation.invocations} invocation(s)"
            + (f": {operation.message}" if operation.message and not operation.ok else ""),
        )


def _step_create(story: _Story, step: StepResult) -> Any:
    story.timeline.line("cfn", f"CREATE {LOGICAL_ID} -> create handler")
    operation = story.driver.create(LOGICAL_ID, registry_properties("model-a-v1"))
    story.ended(operation)
    status, _, running = _running(story.sm)
    story.model = operation.model
    if status != "InService" or running != "model-a-v1":
        step.problems.append(f"endpoint {status or 'missing'} on {running}, not InService on model-a-v1")
    return operation


def _step_linear(story: _Story, step: StepResult) -> Any:
    configs_before = _configs(story.sm)
    story.timeline.line("cfn", f"UPDATE {LOGICAL_ID} (model-a-v1 -> model-a-v2) -> update handler")
    operation = story.driver.update(
        LOGICAL_ID, registry_properties("model-a-v2"), registry_properties("model-a-v1")
    )
    story.ended(operation)
    status, config, running = _running(story.sm)
    story.model = operation.model or story.model
    story.rollout_seconds = operation.duration
    story.kept = config
    if status != "InService" or running != "model-a-v2":
        step.problems.append(f"endpoint {status or 'missing'} on {running}, not InService on model-a-v2")
    if operation.duration <= CUSTOM_RESOURCE_LIMIT_SECONDS:
        step.problems.append(f"the update took only {operation.duration:.0f} s")
    if _configs(story.sm) != [config] or config in configs_before:
        step.problems.append(f"endpoint configs after the update: {', '.join(_configs(story.sm))}")
    return operation


def _rolled_back(story: _Story, step: StepResult, failed: Mapping[str, Any], updates_before: int) -> None:
    """CloudFormation's rollback of a failed update: the update handler back to model-a-v2 finds the
    endpoint there (SUCCESS, no UpdateEndpoint); SageMaker's rollback was the only other update."""
    story.timeline.line(
        "cfn", f"UPDATE_ROLLBACK_IN_PROGRESS: UPDATE {LOGICAL_ID} (back to model-a-v2) -> update handler"
    )
    rollback = story.driver.update(LOGICAL_ID, registry_properties("model-a-v2"), failed)
    story.ended(rollback, "rollback: ")
    if not rollback.ok:
        step.problems.append(f"the rollback's update was answered {rollback.status}: {rollback.message}")
    else:
        story.model = rollback.model or story.model
    updates = story.sim.calls["UpdateEndpoint"] - updates_before
    if updates != 1:
        step.problems.append(
            f"{updates} UpdateEndpoint call(s), expected one (the rollout; none for the rollbacks)"
        )
    status, config, running = _running(story.sm)
    if status != "InService" or running != "model-a-v2" or config != story.kept:
        step.problems.append(
            f"endpoint {status or 'missing'} on {config} ({running}), "
            f"not InService on {story.kept} (model-a-v2)"
        )
    if _configs(story.sm) != [story.kept]:
        step.problems.append(f"endpoint configs left: {', '.join(_configs(story.sm))}")
    left = brake_alarms(story.driver.session.client("cloudwatch"))
    if left:
        step.problems.append(f"brake alarms left: {', '.join(left)}")


def _step_abort(story: _Story, step: StepResult) -> Any:
    delay = float(story.sim.timings.provision) + ABORT_AFTER_BAKING
    codes: list[int] = []

    def abort() -> None:
        codes.append(run_abort(REGISTRY_ENDPOINT, story.driver.journal_table, ABORT_REASON, story.line)[0])

    updates_before = story.sim.calls["UpdateEndpoint"]
    story.timeline.line(
        "cfn",
        f"UPDATE {LOGICAL_ID} (model-a-v2 -> model-a-v3) -> update handler; an operator will abort it "
        f"{delay:.0f} s in",
    )
    timer = story.driver.clock.call_later(delay, abort)
    new = registry_properties("model-a-v3")
    try:
        operation = story.driver.update(LOGICAL_ID, new, registry_properties("model-a-v2"))
    finally:
        timer.cancel()
    story.ended(operation)
    if codes != [0]:
        step.problems.append(f"sagemaker-rollout abort exited {codes or 'never ran'}, expected 0")
    message = operation.message or ""
    if operation.status != "FAILED" or not message.startswith(f"aborted by the operator: {ABORT_REASON}"):
        step.problems.append(
            f"the update was answered {operation.status} ({message}), not the operator's abort"
        )
    elif "SageMaker rolled back" not in message:
        step.problems.append(f"the answer does not say SageMaker rolled back: {message}")
    _rolled_back(story, step, new, updates_before)
    return operation


def _step_smoke(story: _Story, step: StepResult) -> Any:
    story.sim.models.set("model-a-v3", **BROKEN_MODEL)
    updates_before = story.sim.calls["UpdateEndpoint"]
    calls_before = len(story.sim.models.calls)
    story.timeline.line(
        "cfn",
        f"UPDATE {LOGICAL_ID} (model-a-v2 -> model-a-v3, SmokeTest: InvokeEndpoint x {SMOKE_CALLS}; "
        "model-a-v3 answers HTTP 500) -> update handler",
    )
    new = smoke_tested(registry_properties("model-a-v3"))
    operation = story.driver.update(LOGICAL_ID, new, registry_properties("model-a-v2"))
    story.ended(operation)
    message = operation.message or ""
    reached = [c for c in story.sim.models.calls[calls_before:] if c[2] == "model-a-v3"]
    if not reached:
        step.problems.append("no smoke-test call reached model-a-v3")
    if operation.status != "FAILED" or not message.startswith("smoke test failed in "):
        step.problems.append(
            f"the update was answered {operation.status} ({message}), not a failed smoke test"
        )
    elif "(mixed fleet)" not in message or "model answered 500" not in message:
        step.problems.append(f"the answer does not name the mixed-fleet bake and the model's 500: {message}")
    elif "SageMaker rolled back" not in message:
        step.problems.append(f"the answer does not say SageMaker rolled back: {message}")
    _rolled_back(story, step, new, updates_before)
    return operation


def _step_delete(story: _Story, step: StepResult) -> Any:
    story.timeline.line("cfn", f"DELETE {LOGICAL_ID} -> delete handler")
    operation = story.driver.delete(LOGICAL_ID, story.model or registry_properties("model-a-v2"))
    story.ended(operation)
    status, _, _ = _running(story.sm)
    if status is not None:
        step.problems.append(f"endpoint still {status}")
    if _configs(story.sm):
        step.problems.append(f"configs left: {', '.join(_configs(story.sm))}")
    return operation


def run_registry_demo(options: DemoOptions | None = None, out: TextIO | None = None) -> RegistryDemoResult:
    """Play create, a three-hour linear update, an operator's abort, a failing smoke test and delete
    through the registry type's handlers.

    Parameters
    ----------
    options:
        Output mode and stack name (``template``, ``resource`` and ``parameters`` must be unset: the
        story is its own).
    out:
        Where the timeline is printed (default: standard output).

    Raises
    ------
    DemoError
        (status 2) With a template, resource or parameters, or without the type's project.
    """

    options = options or DemoOptions()
    out = out or sys.stdout
    if options.template is not None or options.resource is not None or options.parameters:
        raise DemoError(
            "--registry-type plays its own story (create, a 3-hour linear update, an abort, a failing "
            "smoke test, delete of SageMakerRollout::SageMaker::Endpoint): drop --template, --resource "
            "and --parameter",
            2,
        )
    project = registry_project()
    started_wall = time.perf_counter()
    from sagemaker_rollout.clock import SimulatedClock

    timeline = Timeline(out, SimulatedClock(), options)
    new = registry_properties("model-a-v2")
    plan: list[tuple[StepResult, Callable[[_Story, StepResult], Any]]] = [
        (
            StepResult(
                1, "create", "the endpoint is created through the type's create handler: SUCCESS, InService"
            ),
            _step_create,
        ),
        (
            StepResult(
                2,
                "linear update",
                f"model-a-v2 rolls out in {100 // STEP_PERCENT} steps of {STEP_PERCENT} %, "
                f"{WAIT_SECONDS // 60} min each, through IN_PROGRESS callbacks: SUCCESS after more than "
                f"{CUSTOM_RESOURCE_LIMIT_SECONDS} s, new config, old config removed",
            ),
            _step_linear,
        ),
        (
            StepResult(
                3,
                "operator abort",
                f"model-a-v3 rolls out the same way; {ABORT_AFTER_BAKING // 60} min into its first bake an "
                "operator runs sagemaker-rollout abort: the brake trips, SageMaker rolls back, the update "
                "handler answers FAILED with the operator's reason; CloudFormation's rollback finds the "
                "endpoint on model-a-v2's config: SUCCESS",
            ),
            _step_abort,
        ),
        (
            StepResult(
                4,
                "smoke test",
                f"model-a-v3 answers HTTP 500 and rolls out with a SmokeTest of {SMOKE_CALLS} "
                f"InvokeEndpoint calls, enough to reach a {STEP_PERCENT} % new fleet with 95 % probability: "
                "each mixed-fleet bake is smoke-tested until one fails it, the brake trips, SageMaker "
                "rolls back, FAILED naming the smoke test; CloudFormation's rollback finds the endpoint "
                "on model-a-v2's config: SUCCESS",
            ),
            _step_smoke,
        ),
        (
            StepResult(5, "delete", "the type's delete handler: SUCCESS, endpoint and configs gone"),
            _step_delete,
        ),
    ]
    steps = [step for step, _ in plan]
    callbacks: dict[str, int] = {}
    with _registry_account(timeline, options.stack_name, project) as (sim, session, driver):
        story = _Story(sim, session.client("sagemaker"), driver, timeline)
        timeline.print("sagemaker-rollout demo --registry-type: a rollout longer than an hour", always=True)
        timeline.print(
            f"  endpoint resource {LOGICAL_ID} (SageMakerRollout::SageMaker::Endpoint); stack "
            f"{options.stack_name} in a simulated account (moto + SageMaker simulator, simulated time)"
        )
        timeline.print(f"  handlers: {project / 'src'} via the CloudFormation CLI library's entry point")
        stopped = False
        for step, action in plan:
            if stopped:
                step.skipped = True
                step.problems.append("skipped after an earlier step went wrong")
                continue
            timeline.step = step
            step.started = timeline.offset()
            timeline.print("", always=True)
            timeline.print(f"Step {step.number}/{len(steps)}  {step.title}: {step.expected}", always=True)
            observer: _Callbacks = driver.observer
            before, calls_before = observer.total, len(driver.calls)
            operation = action(story, step)
            callbacks[step.title] = observer.total - before
            step.status = operation.status
            step.reason = operation.message or None
            if action not in (_step_abort, _step_smoke) and not operation.ok:  # those two must fail
                step.problems.insert(0, f"{operation.status} ({operation.error_code}): {operation.message}")
            if sim.deleted_configs_in_use:
                step.problems.append("an endpoint config was deleted while an endpoint used it")
            outside = sorted(
                {
                    f"{c.handler} handler calls {c.action}"
                    for c in driver.calls[calls_before:]
                    if c.action not in driver.permissions(c.handler)
                }
            )
            if outside:
                step.problems.append(f"not in the schema's permissions: {', '.join(outside)}")
            step.ended = timeline.offset()
            step.ok = not step.problems
            took = timeline.stamp(step.simulated_seconds)
            if step.ok:
                timeline.print(
                    f"  => as expected ({took} simulated): CloudFormation got {step.status}"
                    + (f" ({step.reason})" if step.status != "SUCCESS" and step.reason else ""),
                    always=True,
                )
            else:
                timeline.print(
                    f"  => NOT as expected ({took} simulated): {'; '.join(step.problems)}", always=True
                )
                stopped = True
            timeline.step = None
    result = RegistryDemoResult(
        template="registry type story (SageMakerRollout::SageMaker::Endpoint)",
        resource=LOGICAL_ID,
        endpoint=REGISTRY_ENDPOINT,
        steps=steps,
        wall_seconds=time.perf_counter() - started_wall,
        simulated_seconds=timeline.offset(),
        rollout_seconds=story.rollout_seconds,
        custom_resource_refusal=custom_resource_refusal(new),
        callbacks=callbacks,
    )
    timeline.print("", always=True)
    timeline.print(result.summary(), always=True)
    if steps[1].ok:
        timeline.print(result.verdict(), always=True)
    return result
