"""The demo's world: a simulated AWS account with the provider deployed, and what the story reads from it.

moto's ``mock_aws`` with fake credentials, the SageMaker simulator on a simulated clock, the
provider's real handler driven by the CloudFormation driver, a miniature CloudFormation; the
options, per-step results and timeline of a demo run.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sagemaker_rollout_testing.demo.stack import (
    SimulatedStack,
)

if TYPE_CHECKING:
    from sagemaker_rollout_testing.demo.brake_steps import BrakePlot
    from sagemaker_rollout_testing.demo.template import Revision

__all__ = [
    "ACCOUNT_ID",
    "REGION",
    "DemoError",
    "DemoOptions",
    "DemoResult",
    "DemoWorld",
    "Plot",
    "StepHook",
    "StepResult",
    "Timeline",
    "describe",
    "endpoint_configs",
    "fake_environment",
    "model_names",
    "quiet_logs",
    "rollback_alarm",
    "rollback_alarms",
    "scaling_of",
    "simulated_account",
]


REGION = "us-east-1"


ACCOUNT_ID = "123456789012"


PROVIDER_FUNCTION = "EndpointProviderFunction"


FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "POWERTOOLS_LOG_LEVEL": "CRITICAL",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


CLEARED_ENV = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_SAM_LOCAL", "AWS_CONFIG_FILE")


class DemoError(Exception):
    """The demo cannot start (template unreadable, refused or without an endpoint).

    Attributes
    ----------
    status:
        Exit status: 2 for usage problems, 1 for a template the macro or the demo refuses.
    """

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class DemoOptions:
    """What to play.

    Attributes
    ----------
    template:
        A template (compact or plain); None plays the embedded example.
    resource:
        Logical id of the endpoint (needed when the template has several).
    parameters:
        Template parameter values.
    stack_name:
        Name of the simulated consumer stack.
    quiet:
        Print only the step results and the summary.
    echo:
        Print the timeline while it plays (False for ``--json``).
    progress_interval:
        Simulated seconds between two "waiting" lines while a request is in flight.
    compact:
        A plain endpoint's migration adopts with ``migrate --compact``.
    change:
        ``--change``: parameter or ``LogicalId.Property.Path`` -> value, the change the rollout
        step deploys (default: a new revision of the first variant's model).
    """

    template: Path | None = None
    resource: str | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)
    stack_name: str = "sagemaker-rollout-demo"
    quiet: bool = False
    echo: bool = True
    progress_interval: float = 120.0
    compact: bool = False
    change: Mapping[str, str] = field(default_factory=dict)


@dataclass
class StepResult:
    """One step of the story and whether it behaved as the story says."""

    number: int
    title: str
    expected: str
    ok: bool = False
    problems: list[str] = field(default_factory=list)
    status: str | None = None
    reason: str | None = None
    started: float = 0.0
    ended: float = 0.0
    events: list[str] = field(default_factory=list)
    skipped: bool = False
    skip_reason: str | None = None

    @property
    def simulated_seconds(self) -> float:
        return self.ended - self.started

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.number,
            "title": self.title,
            "expected": self.expected,
            "asExpected": self.ok,
            "skipped": self.skipped,
            "skipReason": self.skip_reason,
            "problems": list(self.problems),
            "response": {"status": self.status, "reason": self.reason},
            "simulatedSeconds": round(self.simulated_seconds, 1),
            "events": list(self.events),
        }


@dataclass
class DemoResult:
    """The whole story."""

    template: str
    resource: str
    endpoint: str | None
    steps: list[StepResult]
    wall_seconds: float
    simulated_seconds: float

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(step.ok for step in self.steps)

    @property
    def exit_status(self) -> int:
        return 0 if self.ok else 1

    def summary(self) -> str:
        good = sum(1 for step in self.steps if step.ok and not step.skip_reason)
        minutes = self.simulated_seconds / 60
        timing = f"in {self.wall_seconds:.1f} s wall, {minutes:.0f} min simulated"
        if self.ok:
            passed = [step for step in self.steps if step.skip_reason]
            if passed:
                which = "; ".join(f"{s.title}: {s.skip_reason}" for s in passed)
                return f"{good} steps as expected, {len(passed)} not playable ({which}) {timing}"
            return f"{good} steps as expected {timing}"
        bad = [step for step in self.steps if not step.ok and not step.skipped]
        which = "; ".join(f"step {s.number} ({s.title}): {', '.join(s.problems)}" for s in bad)
        return f"{good} of {len(self.steps)} steps as expected {timing}; NOT as expected: {which}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "resource": self.resource,
            "endpointName": self.endpoint,
            "asExpected": self.ok,
            "wallSeconds": round(self.wall_seconds, 2),
            "simulatedSeconds": round(self.simulated_seconds, 1),
            "steps": [step.to_dict() for step in self.steps],
            "summary": self.summary(),
        }


@dataclass
class DemoWorld:
    """The simulated account the story plays in (given to ``before_step`` hooks)."""

    clock: Any
    sim: Any
    session: Any
    driver: Any
    stack: SimulatedStack
    resource: str
    endpoint: str | None = None
    origin: str = ""

    def client(self, service: str) -> Any:
        return self.stack.client(service)


class Timeline:
    """Collects (and optionally prints) the timeline lines of the current step."""

    _HIDDEN_PROVIDER = frozenset({"answer", "metric"})

    def __init__(self, out: TextIO, clock: Any, options: DemoOptions) -> None:
        self.out = out
        self.clock = clock
        self.origin = clock.now()
        self.options = options
        self.step: StepResult | None = None
        self.in_request = False
        self.next_progress = 0.0
        self.status_of: Callable[[], str | None] = lambda: None

    def offset(self) -> float:
        return float(self.clock.now() - self.origin)

    @staticmethod
    def stamp(offset: float) -> str:
        minutes, seconds = divmod(int(offset), 60)
        return f"{minutes:02d}:{seconds:02d}"

    def print(self, text: str = "", *, always: bool = False) -> None:
        if self.options.echo and (always or not self.options.quiet):
            print(text, file=self.out, flush=True)

    def line(self, kind: str, text: str) -> None:
        rendered = f"  {self.stamp(self.offset())}  {kind:<11} {text}"
        if self.step is not None:
            self.step.events.append(rendered.strip())
        self.print(rendered)

    # listeners
    def provider(self, kind: str, text: str) -> None:
        if kind not in self._HIDDEN_PROVIDER:
            self.line(kind, text)

    def driver(self, entry: Any) -> None:
        kind, text = entry.kind, entry.text
        if kind == "request":
            self.in_request = True
            self.next_progress = self.offset() + self.options.progress_interval
            self.line("cfn", text)
        elif kind == "answered":
            self.in_request = False
            self.line("cfn", text)
        elif kind == "invoke":
            if not text.startswith("invocation #1 "):
                self.line("lambda", text)
        elif kind in ("handoff", "returned"):
            return
        else:
            self.line("lambda" if kind in ("killed", "retry", "error", "dropped") else "cfn", text)

    def stack(self, kind: str, text: str) -> None:
        self.line(kind, text)

    def advanced(self, now: float) -> None:
        if not self.in_request or self.options.progress_interval <= 0:
            return
        offset = now - self.origin
        if offset < self.next_progress:
            return
        while self.next_progress <= offset:
            self.next_progress += self.options.progress_interval
        try:
            status = self.status_of()
        except Exception:  # a progress line must never break the clock
            status = None
        self.line("waiting", f"endpoint {status or 'not created yet'}")


@contextlib.contextmanager
def quiet_logs(*names: str) -> Iterator[None]:
    """Silence the provider's own log lines (Lambda would send them to CloudWatch Logs)."""
    import logging

    loggers = [logging.getLogger(name) for name in names]
    saved = [logger.disabled for logger in loggers]
    try:
        for logger in loggers:
            logger.disabled = True
        yield
    finally:
        for logger, disabled in zip(loggers, saved, strict=True):
            logger.disabled = disabled


@contextlib.contextmanager
def fake_environment() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in (*FAKE_ENV, *CLEARED_ENV)}
    try:
        for name in CLEARED_ENV:
            os.environ.pop(name, None)
        os.environ.update(FAKE_ENV)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def repo_root() -> Path | None:
    """The source checkout holding ``template.yaml`` (None when installed from a wheel)."""
    root = Path(__file__).resolve().parents[3]
    if (root / "template.yaml").is_file() and (root / "handlers" / "endpoint_provider" / "app.py").is_file():
        return root
    return None


def make_driver(clock: Any, session: Any, timeline: Timeline | None, stack_name: str) -> tuple[Any, str]:
    from sagemaker_rollout import custom_resource as provider
    from sagemaker_rollout_testing import CloudFormationDriver, load_function_spec

    def configure(runtime: Any) -> None:
        if timeline is not None:
            runtime.listener = timeline.provider
        provider.configure(runtime)

    options: dict[str, Any] = {
        "clock": clock,
        "session": session,
        "configure": configure,
        "stack_name": stack_name,
        "region": REGION,
        "account_id": ACCOUNT_ID,
    }
    if timeline is not None:
        options["on_event"] = timeline.driver
    root = repo_root()
    if root is not None:
        spec = load_function_spec(root, PROVIDER_FUNCTION)
        environment = {
            **spec.environment,
            **{k: v for k, v in FAKE_ENV.items() if k.startswith("POWERTOOLS")},
        }
        driver = CloudFormationDriver(
            spec,
            timeout_seconds=min(spec.timeout_seconds, 900),
            memory_mb=spec.memory_mb,
            environment=environment,
            **options,
        )
        return (
            driver,
            f"{PROVIDER_FUNCTION} of {root / 'template.yaml'} ({spec.module_path.relative_to(root)})",
        )
    driver = CloudFormationDriver(
        provider.handler,
        timeout_seconds=900,
        function_name=f"sagemaker-rollout-{PROVIDER_FUNCTION}",
        **options,
    )
    return driver, "sagemaker_rollout.custom_resource.handler (template.yaml not found: installed package)"


def endpoint_configs(world: DemoWorld) -> list[str]:
    sm = world.client("sagemaker")
    return sorted(
        c["EndpointConfigName"] for c in sm.list_endpoint_configs(MaxResults=100)["EndpointConfigs"]
    )


def scaling_of(world: DemoWorld, endpoint: str) -> list[Any]:
    aas = world.client("application-autoscaling")
    targets = aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]
    result = []
    for target in sorted(targets, key=lambda t: t["ResourceId"]):
        if not target["ResourceId"].startswith(f"endpoint/{endpoint}/"):
            continue
        policies = aas.describe_scaling_policies(
            ServiceNamespace="sagemaker", ResourceId=target["ResourceId"]
        )
        result.append(
            (
                target["ResourceId"],
                target["MinCapacity"],
                target["MaxCapacity"],
                json.dumps(target.get("SuspendedState"), sort_keys=True),
                sorted(
                    (
                        p["PolicyName"],
                        p["PolicyType"],
                        json.dumps(
                            p.get("TargetTrackingScalingPolicyConfiguration"), sort_keys=True, default=str
                        ),
                    )
                    for p in policies["ScalingPolicies"]
                ),
            )
        )
    return result


def describe(world: DemoWorld, endpoint: str) -> dict[str, Any] | None:
    from sagemaker_rollout.aws.reading import describe_endpoint
    from sagemaker_rollout.clock import SystemClock

    return describe_endpoint(world.client("sagemaker"), SystemClock(), endpoint)


def rollback_alarms(props: Mapping[str, Any]) -> list[str]:
    config = props.get("DeploymentConfig")
    if not isinstance(config, Mapping):
        return []
    rollback = config.get("AutoRollbackConfiguration")
    alarms = rollback.get("Alarms") if isinstance(rollback, Mapping) else None
    return [str(a.get("AlarmName")) for a in alarms or [] if isinstance(a, Mapping) and a.get("AlarmName")]


def rollback_alarm(world: DemoWorld) -> str | None:
    alarms = rollback_alarms(world.stack.resources[world.resource].properties)
    latency = [name for name in alarms if "latency" in name.lower()]
    chosen = latency or alarms
    return chosen[0] if chosen else None


def model_names(world: DemoWorld) -> list[str]:
    return sorted(m["ModelName"] for m in world.client("sagemaker").list_models()["Models"])


@contextlib.contextmanager
def simulated_account(
    stack_name: str = "sagemaker-rollout-demo",
    *,
    timeline: Any = None,
    resource: str = "",
) -> Iterator[DemoWorld]:
    """A simulated AWS account with the provider and a miniature CloudFormation stack in it.

    moto (fake credentials, the user's AWS environment hidden), the SageMaker simulator on a
    simulated clock, the provider's real handler behind a CloudFormation driver, and a
    :class:`SimulatedStack` named ``stack_name``. Tests replay deployments through it.
    """
    sink = io.StringIO()  # the provider's own log lines (Lambda would send them to CloudWatch Logs)
    service = os.environ.get("POWERTOOLS_SERVICE_NAME", "sagemaker-rollout")
    with fake_environment(), contextlib.redirect_stderr(sink), quiet_logs(service, "crhelper"):
        import boto3
        from moto import mock_aws

        from sagemaker_rollout import custom_resource as provider
        from sagemaker_rollout.clock import SimulatedClock
        from sagemaker_rollout_testing.simulator import SageMakerSimulator

        clock = SimulatedClock()
        if timeline is not None:
            timeline.clock = clock
            timeline.origin = clock.now()
        with mock_aws(), SageMakerSimulator(clock=clock, region=REGION, account_id=ACCOUNT_ID) as sim:
            session = boto3.Session(region_name=REGION)
            driver, origin = make_driver(clock, session, timeline, stack_name)
            remove = clock.on_advance(timeline.advanced) if timeline is not None else (lambda: None)
            try:
                with driver, contextlib.redirect_stdout(sink):
                    # the consumer stack exists in the account, so DescribeStacks tells the provider
                    # its status (an adopted endpoint is deleted with the stack, released otherwise)
                    driver.create_stack()
                    stack = SimulatedStack(
                        session=session,
                        driver=driver,
                        stack_name=stack_name,
                        region=REGION,
                        account_id=ACCOUNT_ID,
                        exports=lambda name: (
                            driver.function_arn if name.endswith("EndpointProviderArn") else None
                        ),
                        notify=timeline.stack if timeline is not None else None,
                        clock=clock,
                    )
                    world = DemoWorld(clock, sim, session, driver, stack, resource)
                    world.origin = origin
                    yield world
            finally:
                remove()
                provider.configure(None)


StepHook = Callable[[int, DemoWorld], None]


@dataclass
class Plot:
    """What the template lets the story play, told before it plays."""

    native: bool
    model: str | None
    no_model: str | None
    strategy: str
    alarms: list[str]
    variants: int
    revision: Revision | None = None
    rendered: dict[str, Any] | None = None
    refusal: str | None = None
    retained: list[str] = field(default_factory=list)
    targets: int = 0
    brake: BrakePlot | None = None
    """What the operator-abort and smoke-test steps can play (:func:`.brake_steps.brake_plot`)."""
