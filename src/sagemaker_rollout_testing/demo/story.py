"""The demo's story: create, roll a new model out, an update rolled back by an alarm, delete.

The steps are told from what the template does: the endpoint may be a ``Custom::SageMakerEndpoint``
(the provider's guarded rollout: canary, linear, all at once or blue/green as its DeploymentConfig
says) or a plain ``AWS::SageMaker::Endpoint`` (CloudFormation replaces the model and the config and
calls UpdateEndpoint); a model or config with a fixed name makes CloudFormation refuse the update,
and the story expects the refusal; a step the template cannot play (no rollback alarm, no model of
the template) is skipped with the reason.

Everything runs in process: moto's ``mock_aws`` with fake credentials, the SageMaker simulator on
a :class:`~sagemaker_rollout.clock.SimulatedClock`, the provider's real handler driven by the
:class:`~sagemaker_rollout_testing.CloudFormationDriver`, and a miniature CloudFormation
(:mod:`sagemaker_rollout_testing.demo.stack`) for the other resources of the rendered template. An hour of
SageMaker time plays in seconds.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

from sagemaker_rollout.macro import (
    DEFAULT_MACRO_NAME,
    DEFAULT_SERVICE_TOKEN,
    expand_template,
    strip_transform,
)
from sagemaker_rollout_testing.demo.stack import (
    CUSTOM_ENDPOINT_TYPE,
    SimulatedStack,
    StackError,
    StackOutcome,
    fixed_name_refusal,
    requires_replacement,
)
from sagemaker_rollout_tools import cfn_yaml
from sagemaker_rollout_tools.intrinsics import Resolver, UnresolvableError, parameter_values

__all__ = [
    "DemoError",
    "DemoOptions",
    "DemoResult",
    "DemoWorld",
    "StepResult",
    "example_template_path",
    "render",
    "run_demo",
    "simulated_account",
]

NATIVE_ENDPOINT_TYPE = "AWS::SageMaker::Endpoint"
SAM_TRANSFORM = "AWS::Serverless-2016-10-31"

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
PROVIDER_FUNCTION = "EndpointProviderFunction"
_SIZES = ("medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge")
_FAKE_ENV = {
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
_CLEARED_ENV = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_SAM_LOCAL", "AWS_CONFIG_FILE")


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
    """

    template: Path | None = None
    resource: str | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)
    stack_name: str = "sagemaker-rollout-demo"
    quiet: bool = False
    echo: bool = True
    progress_interval: float = 120.0


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


# ---- templates ---------------------------------------------------------------------------------------


def example_template_path() -> Path:
    """The embedded example (two variants, autoscaling, latency alarm, canary)."""
    return Path(str(resources.files("sagemaker_rollout_testing.demo").joinpath("example.yaml")))


def _load(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise DemoError(f"{path}: {error.strerror or error}", 2) from None
    try:
        data = cfn_yaml.load(text)
    except cfn_yaml.CfnYamlError as error:
        raise DemoError(f"{path}: {error}", 2) from None
    if not isinstance(data, dict):
        raise DemoError(f"{path}: a template must be a mapping", 2)
    return data


def _declares(template: Mapping[str, Any], transform: str) -> bool:
    declared = template.get("Transform")
    return declared == transform or (isinstance(declared, list) and transform in declared)


def render(template: Mapping[str, Any], parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Process the template as CloudFormation would before deploying it.

    The SageMakerRollout macro expands with its own code (parameters as CloudFormation passes
    them); a template declaring ``Transform: AWS::Serverless-2016-10-31`` then goes through the AWS
    SAM transform (``samtranslator``, offline, as ``sagemaker-rollout lint`` runs it).
    """
    from sagemaker_rollout.macro import MacroError

    try:
        expanded = expand_template(template, service_token=DEFAULT_SERVICE_TOKEN, parameters=dict(parameters))
    except MacroError as error:
        raise DemoError(f"the macro refuses the template: {error}") from None
    rendered = strip_transform(expanded, DEFAULT_MACRO_NAME)
    if not _declares(rendered, SAM_TRANSFORM):
        return rendered
    try:
        from sagemaker_rollout_tools.cli.lint import sam_transformed

        return sam_transformed(rendered, REGION, parameters)
    except ImportError:
        raise DemoError(
            "Transform: AWS::Serverless-2016-10-31 needs aws-sam-translator (pip install aws-sam-translator)"
        ) from None
    except ValueError as error:
        raise DemoError(f"the AWS SAM transform refuses the template: {error}") from None


def _pick_resource(rendered: Mapping[str, Any], wanted: str | None) -> str:
    resources_ = rendered.get("Resources") or {}
    endpoints = [
        lid
        for lid, res in resources_.items()
        if isinstance(res, Mapping) and res.get("Type") in (CUSTOM_ENDPOINT_TYPE, NATIVE_ENDPOINT_TYPE)
    ]
    if wanted is not None:
        if wanted not in endpoints:
            raise DemoError(
                f"--resource {wanted}: not a Custom::SageMakerEndpoint, SageMakerRollout::Endpoint or "
                f"AWS::SageMaker::Endpoint of the template (endpoints: {', '.join(endpoints) or 'none'})",
                2,
            )
        return wanted
    if len(endpoints) != 1:
        raise DemoError(
            "the template has "
            + (
                f"several endpoints ({', '.join(endpoints)}): choose one with --resource"
                if endpoints
                else "no endpoint"
            )
            + "",
            2 if endpoints else 1,
        )
    return str(endpoints[0])


# ---- story changes -----------------------------------------------------------------------------------


def _next_version(value: str) -> str:
    match = re.search(r"(\d+)$", value)
    if match:
        return f"{value[: match.start()]}{int(match.group(1)) + 1}"
    return f"{value}-2"


def _bigger(instance_type: str) -> str | None:
    parts = instance_type.split(".")
    if len(parts) == 3 and parts[2] in _SIZES and parts[2] != _SIZES[-1]:
        return f"{parts[0]}.{parts[1]}.{_SIZES[_SIZES.index(parts[2]) + 1]}"
    return None


@dataclass
class _Revision:
    """The template and parameters of one step, and what changed."""

    source: dict[str, Any]
    parameters: dict[str, Any]
    model_revision: int = 1
    changes: list[str] = field(default_factory=list)


def _target(node: Any) -> str | None:
    """The logical id a ``Ref``/``Fn::GetAtt`` (possibly inside ``Fn::If``) points to."""
    if not isinstance(node, Mapping) or len(node) != 1:
        return None
    ((key, value),) = node.items()
    if key == "Ref":
        return str(value)
    if key == "Fn::GetAtt":
        return str(value[0] if isinstance(value, list) else str(value).split(".", 1)[0])
    return None


def _config_resource(rendered: Mapping[str, Any], resource: str) -> str | None:
    """The ``AWS::SageMaker::EndpointConfig`` a native endpoint runs (None for the custom type)."""
    resources_ = rendered.get("Resources") or {}
    if (resources_.get(resource) or {}).get("Type") != NATIVE_ENDPOINT_TYPE:
        return None
    props = resources_[resource].get("Properties") or {}
    target = _target(props.get("EndpointConfigName"))
    if target and (resources_.get(target) or {}).get("Type") == "AWS::SageMaker::EndpointConfig":
        return target
    return None


def _first_model(rendered: Mapping[str, Any], resource: str) -> str:
    resources_ = rendered["Resources"]
    holder = _config_resource(rendered, resource) or resource
    props = resources_[holder].get("Properties") or {}
    variants = props.get("ProductionVariants") or []
    model = variants[0].get("ModelName") if variants and isinstance(variants[0], Mapping) else None
    logical_id = _target(model)
    if logical_id and (resources_.get(logical_id) or {}).get("Type") == "AWS::SageMaker::Model":
        return logical_id
    raise DemoError(
        f"{holder}.ProductionVariants[0].ModelName names no AWS::SageMaker::Model of the template "
        "(Fn::GetAtt <Model>.ModelName), so the story has no model to revise"
    )


def _rendered_for(revision: _Revision, resource: str) -> dict[str, Any]:
    rendered = render(revision.source, revision.parameters)
    if revision.model_revision > 1 and "ModelVersion" not in (revision.source.get("Parameters") or {}):
        model = rendered["Resources"][_first_model(rendered, resource)]
        props = model.setdefault("Properties", {})
        containers = props.get("Containers") or [props.setdefault("PrimaryContainer", {})]
        for container in containers:
            if isinstance(container, dict):
                container.setdefault("Environment", {})["SAGEMAKER_ROLLOUT_DEMO_REVISION"] = str(
                    revision.model_revision
                )
    return rendered


def _new_model(previous: _Revision, resource: str, rendered: Mapping[str, Any], bigger: bool) -> _Revision:
    params = dict(previous.parameters)
    declared = previous.source.get("Parameters") or {}
    revision = _Revision(previous.source, params, previous.model_revision + 1)
    if "ModelVersion" in declared:
        new = _next_version(str(params["ModelVersion"]))
        revision.changes.append(f"ModelVersion {params['ModelVersion']} -> {new}")
        params["ModelVersion"] = new
    else:
        model = _first_model(rendered, resource)
        revision.changes.append(f"model {model} revision {revision.model_revision}")
    if bigger and "InstanceType" in declared:
        new_type = _bigger(str(params["InstanceType"]))
        if new_type:
            revision.changes.append(f"InstanceType {params['InstanceType']} -> {new_type}")
            params["InstanceType"] = new_type
    return revision


# ---- printing ----------------------------------------------------------------------------------------


class _Timeline:
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


# ---- the simulated account ---------------------------------------------------------------------------


@contextlib.contextmanager
def _quiet_logs(*names: str) -> Iterator[None]:
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
def _fake_environment() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in (*_FAKE_ENV, *_CLEARED_ENV)}
    try:
        for name in _CLEARED_ENV:
            os.environ.pop(name, None)
        os.environ.update(_FAKE_ENV)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _repo_root() -> Path | None:
    """The source checkout holding ``template.yaml`` (None when installed from a wheel)."""
    root = Path(__file__).resolve().parents[3]
    if (root / "template.yaml").is_file() and (root / "handlers" / "endpoint_provider" / "app.py").is_file():
        return root
    return None


def _driver(clock: Any, session: Any, timeline: _Timeline | None, stack_name: str) -> tuple[Any, str]:
    from sagemaker_rollout import provider
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
    root = _repo_root()
    if root is not None:
        spec = load_function_spec(root, PROVIDER_FUNCTION)
        environment = {
            **spec.environment,
            **{k: v for k, v in _FAKE_ENV.items() if k.startswith("POWERTOOLS")},
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
    return driver, "sagemaker_rollout.provider.handler (template.yaml not found: installed package)"


# ---- checks ------------------------------------------------------------------------------------------


def _configs(world: DemoWorld) -> list[str]:
    sm = world.client("sagemaker")
    return sorted(
        c["EndpointConfigName"] for c in sm.list_endpoint_configs(MaxResults=100)["EndpointConfigs"]
    )


def _scaling(world: DemoWorld, endpoint: str) -> list[Any]:
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


def _describe(world: DemoWorld, endpoint: str) -> dict[str, Any] | None:
    from sagemaker_rollout.clock import SystemClock
    from sagemaker_rollout.provider.reading import describe_endpoint

    return describe_endpoint(world.client("sagemaker"), SystemClock(), endpoint)


def _rollback_alarms(props: Mapping[str, Any]) -> list[str]:
    config = props.get("DeploymentConfig")
    if not isinstance(config, Mapping):
        return []
    rollback = config.get("AutoRollbackConfiguration")
    alarms = rollback.get("Alarms") if isinstance(rollback, Mapping) else None
    return [str(a.get("AlarmName")) for a in alarms or [] if isinstance(a, Mapping) and a.get("AlarmName")]


def _rollback_alarm(world: DemoWorld) -> str | None:
    alarms = _rollback_alarms(world.stack.resources[world.resource].properties)
    latency = [name for name in alarms if "latency" in name.lower()]
    chosen = latency or alarms
    return chosen[0] if chosen else None


def _models(world: DemoWorld) -> list[str]:
    return sorted(m["ModelName"] for m in world.client("sagemaker").list_models()["Models"])


# ---- the simulated account ---------------------------------------------------------------------------


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
    with _fake_environment(), contextlib.redirect_stderr(sink), _quiet_logs(service, "crhelper"):
        import boto3
        from moto import mock_aws

        from sagemaker_rollout import provider
        from sagemaker_rollout.clock import SimulatedClock
        from sagemaker_rollout_testing.simulator import SageMakerSimulator

        clock = SimulatedClock()
        if timeline is not None:
            timeline.clock = clock
            timeline.origin = clock.now()
        with mock_aws(), SageMakerSimulator(clock=clock, region=REGION, account_id=ACCOUNT_ID) as sim:
            session = boto3.Session(region_name=REGION)
            driver, origin = _driver(clock, session, timeline, stack_name)
            remove = clock.on_advance(timeline.advanced) if timeline is not None else (lambda: None)
            try:
                with driver, contextlib.redirect_stdout(sink):
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


# ---- the story ---------------------------------------------------------------------------------------


StepHook = Callable[[int, DemoWorld], None]


def run_demo(
    options: DemoOptions | None = None,
    out: TextIO | None = None,
    *,
    before_step: StepHook | None = None,
) -> DemoResult:
    """Play the story and return what happened.

    Parameters
    ----------
    options:
        Template, resource, parameters, output mode.
    out:
        Where the timeline is printed (default: standard output).
    before_step:
        Called with (step number, world) before each step: tests inject faults through it.

    Raises
    ------
    DemoError
        When the template cannot be read, rendered or deployed locally.
    """
    from sagemaker_rollout.clock import SimulatedClock

    options = options or DemoOptions()
    out = out or sys.stdout
    started_wall = time.perf_counter()
    path = options.template or example_template_path()
    source = _load(path)
    try:
        parameters = parameter_values(source, options.parameters)
    except UnresolvableError as error:
        raise DemoError(str(error), 2) from None
    first = _Revision(source, parameters)
    rendered = _rendered_for(first, "")
    resource = _pick_resource(rendered, options.resource)
    label = str(path) if options.template else (
        "embedded example (src/sagemaker_rollout_testing/demo/example.yaml)"
    )
    timeline = _Timeline(out, SimulatedClock(), options)
    with simulated_account(options.stack_name, timeline=timeline, resource=resource) as world:
        timeline.status_of = lambda: world.sim.endpoint_status(world.endpoint) if world.endpoint else None
        kind = rendered["Resources"][resource]["Type"]
        timeline.print(f"sagemaker-rollout demo: {label}", always=True)
        timeline.print(
            f"  endpoint resource {resource} ({kind}); stack {options.stack_name} in a simulated account "
            "(moto + SageMaker simulator, simulated time)"
        )
        timeline.print(f"  provider: {world.origin}")
        steps = _play(world, timeline, first, rendered, before_step)
    result = DemoResult(
        template=str(path),
        resource=resource,
        endpoint=world.endpoint,
        steps=steps,
        wall_seconds=time.perf_counter() - started_wall,
        simulated_seconds=timeline.offset(),
    )
    timeline.print("", always=True)
    timeline.print(result.summary(), always=True)
    return result


@dataclass
class _Plot:
    """What the template lets the story play, told before it plays."""

    native: bool
    model: str | None
    no_model: str | None
    strategy: str
    alarms: list[str]
    variants: int
    revision: _Revision | None = None
    rendered: dict[str, Any] | None = None
    refusal: str | None = None
    retained: list[str] = field(default_factory=list)
    targets: int = 0


_STRATEGIES = {"CANARY": "canary", "LINEAR": "linear", "ALL_AT_ONCE": "all-at-once"}


def _resolved(world: DemoWorld, rendered: Mapping[str, Any], parameters: Mapping[str, Any], lid: str) -> Any:
    resolver = Resolver(
        rendered,
        parameters,
        stack_name=world.stack.stack_name,
        region=REGION,
        account_id=ACCOUNT_ID,
        exports=world.stack.exports,
        placeholders=True,
    )
    try:
        return resolver.resolve((rendered["Resources"][lid].get("Properties") or {}), lid)
    except UnresolvableError:
        return {}


def _plot(world: DemoWorld, first: _Revision, rendered: dict[str, Any]) -> _Plot:
    resource = world.resource
    native = rendered["Resources"][resource]["Type"] == NATIVE_ENDPOINT_TYPE
    props = _resolved(world, rendered, first.parameters, resource)
    config = props.get("DeploymentConfig") if isinstance(props, Mapping) else None
    policy = config.get("BlueGreenUpdatePolicy") if isinstance(config, Mapping) else None
    routing = policy.get("TrafficRoutingConfiguration") if isinstance(policy, Mapping) else None
    kind = routing.get("Type") if isinstance(routing, Mapping) else None
    strategy = _STRATEGIES.get(str(kind), "blue/green")
    config_lid = _config_resource(rendered, resource)
    holder = _resolved(world, rendered, first.parameters, config_lid) if config_lid else props
    variants = len(holder.get("ProductionVariants") or []) if isinstance(holder, Mapping) else 0
    try:
        model: str | None = _first_model(rendered, resource)
        no_model = None
    except DemoError as error:
        model, no_model = None, str(error)
    plot = _Plot(native, model, no_model, strategy, _rollback_alarms(props), variants)
    plot.targets = sum(
        1
        for res in rendered["Resources"].values()
        if isinstance(res, Mapping) and res.get("Type") == "AWS::ApplicationAutoScaling::ScalableTarget"
    )
    plot.retained = [
        lid
        for lid, res in rendered["Resources"].items()
        if isinstance(res, Mapping)
        and res.get("DeletionPolicy") == "Retain"
        and str(res.get("Type", "")).startswith("AWS::SageMaker::")
    ]
    if model is not None:
        plot.revision = _new_model(first, resource, rendered, bigger=not native)
        plot.rendered = _rendered_for(plot.revision, resource)
        plot.refusal = _refusal(world, first, rendered, plot.revision, plot.rendered, model, config_lid)
    return plot


def _refusal(
    world: DemoWorld,
    first: _Revision,
    rendered: Mapping[str, Any],
    revision: _Revision,
    revised: Mapping[str, Any],
    model: str,
    config: str | None,
) -> str | None:
    """CloudFormation's refusal of the revised model when a replacement keeps a fixed name."""
    old = _resolved(world, rendered, first.parameters, model)
    new = _resolved(world, revised, revision.parameters, model)
    refusal = fixed_name_refusal(model, "AWS::SageMaker::Model", old, new)
    if refusal is not None or config is None:
        return refusal
    if not requires_replacement("AWS::SageMaker::Model", old, new):
        return None
    # the config takes the new model's name, so it is replaced too; a fixed name refuses it
    old_config = _resolved(world, rendered, first.parameters, config)
    new_config = _resolved(world, revised, revision.parameters, config)
    new_config = {**new_config, "ProductionVariants": ["<the replacement model>"]}
    return fixed_name_refusal(config, "AWS::SageMaker::EndpointConfig", old_config, new_config)


def _titles(plot: _Plot, world: DemoWorld) -> list[StepResult]:
    what = f"{plot.variants}-variant endpoint" if plot.variants > 1 else "endpoint"
    scaling = (
        f", {plot.targets} scalable target{'s' if plot.targets > 1 else ''} registered"
        if plot.targets
        else ""
    )
    kept = ", autoscaling kept" if plot.targets else ""
    create = StepResult(
        1,
        "create",
        f"the {what} is created: {'CREATE_COMPLETE' if plot.native else 'SUCCESS'}, InService{scaling}",
    )
    if plot.refusal:
        update = StepResult(
            2,
            "update refused",
            "a new model needs a replacement CloudFormation refuses (a fixed name): the stack rolls back, "
            "the endpoint keeps its config, nothing rolls out",
        )
    elif plot.native:
        update = StepResult(
            2,
            "model update",
            "a new model: CloudFormation replaces the model and the endpoint config and updates the "
            f"endpoint in place (UpdateEndpoint): InService on the new config, old config removed{kept}",
        )
    else:
        how = {"canary": "as a canary", "linear": "linearly", "all-at-once": "all at once"}.get(
            plot.strategy, "blue/green (SageMaker's default, no guardrails)"
        )
        update = StepResult(
            2,
            f"{plot.strategy} update",
            f"a new model rolls out {how}: SUCCESS, new config{kept}, old config removed",
        )
    rollback = StepResult(
        3,
        "alarm rollback",
        "a rollback alarm fires while the update bakes: SageMaker rolls back, the update fails"
        + (" naming the alarm" if not plot.native else "")
        + ", the endpoint stays on the previous config, the stack rolls back",
    )
    delete = StepResult(
        4,
        "delete",
        "the stack is deleted: endpoint, configs, autoscaling and models gone"
        + (f" (but {', '.join(plot.retained)}: DeletionPolicy Retain, kept in AWS)" if plot.retained else ""),
    )
    for step, reason in (
        (update, plot.no_model),
        (rollback, plot.no_model),
        (
            rollback,
            "no rollout to roll back: CloudFormation refuses the model update" if plot.refusal else None,
        ),
        (
            rollback,
            None
            if plot.alarms
            else f"{world.resource}.DeploymentConfig has no AutoRollbackConfiguration alarm to fire",
        ),
    ):
        if reason and not step.skip_reason:
            step.skip_reason = reason
    return [create, update, rollback, delete]


def _play(
    world: DemoWorld,
    timeline: _Timeline,
    first: _Revision,
    rendered: dict[str, Any],
    before_step: StepHook | None,
) -> list[StepResult]:
    plot = _plot(world, first, rendered)
    steps = _titles(plot, world)
    state: dict[str, Any] = {"revision": first, "rendered": rendered, "plot": plot}
    actions: list[Callable[[DemoWorld, StepResult, dict[str, Any]], None]] = [
        _create,
        _refused if plot.refusal else _native_update if plot.native else _canary,
        _native_alarm_rollback if plot.native else _alarm_rollback,
        _delete,
    ]
    stopped = False
    for step, action in zip(steps, actions, strict=True):
        if stopped:
            step.skipped = True
            step.problems.append("skipped after an earlier step went wrong")
            continue
        timeline.step = step
        step.started = timeline.offset()
        timeline.print("", always=True)
        if step.skip_reason:
            step.skipped, step.ok = True, True
            timeline.print(
                f"Step {step.number}/4  {step.title}: not playable: {step.skip_reason}", always=True
            )
            timeline.step = None
            continue
        timeline.print(f"Step {step.number}/4  {step.title}: {step.expected}", always=True)
        if before_step is not None:
            before_step(step.number, world)
        try:
            action(world, step, state)
        except StackError as error:
            step.problems.append(str(error))
        step.ended = timeline.offset()
        step.ok = not step.problems
        took = timeline.stamp(step.simulated_seconds)
        response = (
            f"stack {step.status}"
            if step.status and step.status.endswith("_COMPLETE")
            else f"CloudFormation got {step.status}" + (f" ({step.reason})" if step.reason else "")
            if step.status
            else ""
        )
        if step.ok:
            timeline.print(f"  => as expected ({took} simulated): {response}", always=True)
        else:
            timeline.print(
                f"  => NOT as expected ({took} simulated): {'; '.join(step.problems)}", always=True
            )
            stopped = True
        timeline.step = None
    return steps


def _response(step: StepResult, outcome: StackOutcome, resource: str) -> Any:
    response = outcome.responses.get(resource)
    if response is not None:
        step.status, step.reason = response.status, response.reason or None
    elif not outcome.ok:
        step.status, step.reason = "FAILED", outcome.reason
    return response


def _expect(step: StepResult, condition: bool, problem: str) -> None:
    if not condition:
        step.problems.append(problem)


def _create(world: DemoWorld, step: StepResult, state: dict[str, Any]) -> None:
    outcome = world.stack.deploy(state["rendered"], state["revision"].parameters)
    response = _response(step, outcome, world.resource)
    native = state["plot"].native
    if not outcome.ok or (not native and (response is None or response.status != "SUCCESS")):
        step.problems.append(f"the create was answered {step.status}: {step.reason}")
        return
    deployed = world.stack.resources[world.resource]
    if native:
        step.status = "CREATE_COMPLETE"
    world.endpoint = deployed.physical_id if native else response.physical_resource_id
    assert world.endpoint is not None
    described = _describe(world, world.endpoint) or {}
    _expect(
        step,
        described.get("EndpointStatus") == "InService",
        f"endpoint is {described.get('EndpointStatus')}, not InService",
    )
    config = (
        world.stack.resources[_config_resource(state["rendered"], world.resource) or ""].physical_id
        if native
        else response.data.get("EndpointConfigName")
    )
    _expect(
        step,
        described.get("EndpointConfigName") == config,
        f"endpoint runs {described.get('EndpointConfigName')}, not {config}",
    )
    _expect(step, _configs(world) == [config], f"endpoint configs {_configs(world)}, expected only {config}")
    scaling = _scaling(world, world.endpoint)
    expected_targets = sum(
        1
        for d in world.stack.resources.values()
        if d.type == "AWS::ApplicationAutoScaling::ScalableTarget"
        and str(d.properties.get("ResourceId", "")).startswith(f"endpoint/{world.endpoint}/")
    )
    _expect(
        step,
        len(scaling) == expected_targets,
        f"{len(scaling)} scalable targets registered, expected {expected_targets}",
    )
    state["config"], state["scaling"], state["models"] = config, scaling, _models(world)
    for name, value in world.stack.outputs().items():
        world.stack.notify("stack", f"output {name} = {value}")


def _refused(world: DemoWorld, step: StepResult, state: dict[str, Any]) -> None:
    assert world.endpoint is not None
    plot: _Plot = state["plot"]
    assert plot.revision is not None and plot.rendered is not None
    world.stack.notify("change", ", ".join(plot.revision.changes))
    updates_before = world.sim.calls["UpdateEndpoint"]
    outcome = world.stack.deploy(plot.rendered, plot.revision.parameters)
    _response(step, outcome, world.resource)
    _expect(step, not outcome.ok, "the update succeeded, but CloudFormation refuses to replace a fixed name")
    _expect(
        step,
        "custom-named resource requires replacing" in (outcome.reason or ""),
        f"the update failed for another reason: {outcome.reason}",
    )
    _expect(step, world.sim.calls["UpdateEndpoint"] == updates_before, "an UpdateEndpoint was issued")
    described = _describe(world, world.endpoint) or {}
    _expect(
        step,
        described.get("EndpointStatus") == "InService"
        and described.get("EndpointConfigName") == state["config"],
        f"endpoint is {described.get('EndpointStatus')} on {described.get('EndpointConfigName')}",
    )
    _expect(step, _configs(world) == [state["config"]], f"endpoint configs {_configs(world)}")
    _expect(step, _models(world) == state["models"], f"models {_models(world)}, expected {state['models']}")
    _expect(
        step,
        _scaling(world, world.endpoint) == state["scaling"],
        "autoscaling differs from before the update",
    )


def _configs_after(
    world: DemoWorld, rendered: Mapping[str, Any], before: list[str], running: str
) -> list[str]:
    """The endpoint configs expected after an update of a plain endpoint: only the running one,
    unless the config resource has ``UpdateReplacePolicy: Retain`` (the replaced ones stay)."""
    config = world.stack.resources.get(_config_resource(rendered, world.resource) or "")
    if config is not None and config.update_replace_policy == "Retain":
        created = {c for c in _configs(world) if c not in before}
        return sorted({*before, running, *created})
    return [running]


def _native_update(world: DemoWorld, step: StepResult, state: dict[str, Any]) -> None:
    assert world.endpoint is not None
    plot: _Plot = state["plot"]
    assert plot.revision is not None and plot.rendered is not None
    world.stack.notify("change", ", ".join(plot.revision.changes))
    updates_before = world.sim.calls["UpdateEndpoint"]
    configs_before = _configs(world)
    outcome = world.stack.deploy(plot.rendered, plot.revision.parameters)
    _response(step, outcome, world.resource)
    if not outcome.ok:
        step.problems.append(f"the update failed: {outcome.reason}")
        return
    step.status = "UPDATE_COMPLETE"
    config = world.stack.resources[_config_resource(plot.rendered, world.resource) or ""].physical_id
    described = _describe(world, world.endpoint) or {}
    _expect(
        step, world.sim.calls["UpdateEndpoint"] == updates_before + 1, "expected exactly one UpdateEndpoint"
    )
    _expect(step, config != state["config"], f"the endpoint config was not replaced ({config})")
    _expect(
        step,
        described.get("EndpointStatus") == "InService" and described.get("EndpointConfigName") == config,
        f"endpoint is {described.get('EndpointStatus')} on "
        f"{described.get('EndpointConfigName')}, not {config}",
    )
    expected = _configs_after(world, plot.rendered, configs_before, config)
    _expect(step, _configs(world) == expected, f"endpoint configs {_configs(world)}, expected {expected}")
    _expect(
        step,
        _scaling(world, world.endpoint) == state["scaling"],
        "autoscaling differs from before the update",
    )
    state.update(revision=plot.revision, rendered=plot.rendered, config=config, models=_models(world))


def _native_alarm_rollback(world: DemoWorld, step: StepResult, state: dict[str, Any]) -> None:
    assert world.endpoint is not None
    alarm = _rollback_alarm(world)
    assert alarm is not None
    revision = _new_model(state["revision"], world.resource, state["rendered"], bigger=False)
    rendered = _rendered_for(revision, world.resource)
    delay = float(world.sim.timings.provision) + 90.0
    cloudwatch = world.client("cloudwatch")

    def fire() -> None:
        cloudwatch.set_alarm_state(
            AlarmName=alarm, StateValue="ALARM", StateReason="threshold crossed (demo)"
        )
        world.stack.notify("alarm", f"{alarm} -> ALARM")

    world.stack.notify(
        "change", f"{', '.join(revision.changes)}; {alarm} will fire {delay:.0f} s into the update"
    )
    timer = world.clock.call_later(delay, fire)
    updates_before = world.sim.calls["UpdateEndpoint"]
    configs_before = _configs(world)
    outcome = world.stack.deploy(rendered, revision.parameters)
    timer.cancel()
    _response(step, outcome, world.resource)
    with contextlib.suppress(Exception):
        cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="recovered (demo)")
    _expect(step, not outcome.ok, "the update succeeded although the alarm fired")
    _expect(
        step,
        outcome.failed_resource == world.resource,
        f"{outcome.failed_resource} failed, not the endpoint {world.resource}",
    )
    _expect(
        step,
        world.sim.calls["UpdateEndpoint"] - updates_before == 1,
        "expected exactly one UpdateEndpoint (none for the rollback)",
    )
    described = _describe(world, world.endpoint) or {}
    _expect(
        step,
        described.get("EndpointStatus") == "InService"
        and described.get("EndpointConfigName") == state["config"],
        f"endpoint is {described.get('EndpointStatus')} on {described.get('EndpointConfigName')}, "
        f"not the previous {state['config']}",
    )
    expected = _configs_after(world, rendered, configs_before, state["config"])
    _expect(step, _configs(world) == expected, f"endpoint configs {_configs(world)}, expected {expected}")
    _expect(
        step,
        _scaling(world, world.endpoint) == state["scaling"],
        "autoscaling differs from before the update",
    )


def _canary(world: DemoWorld, step: StepResult, state: dict[str, Any]) -> None:
    assert world.endpoint is not None
    revision = _new_model(state["revision"], world.resource, state["rendered"], bigger=True)
    rendered = _rendered_for(revision, world.resource)
    world.stack.notify("change", ", ".join(revision.changes))
    updates_before = world.sim.calls["UpdateEndpoint"]
    outcome = world.stack.deploy(rendered, revision.parameters)
    response = _response(step, outcome, world.resource)
    if response is None or response.status != "SUCCESS":
        step.problems.append(f"the update was answered {step.status}: {step.reason}")
        return
    config = response.data.get("EndpointConfigName")
    described = _describe(world, world.endpoint) or {}
    _expect(step, world.sim.calls["UpdateEndpoint"] > updates_before, "no UpdateEndpoint: nothing rolled out")
    _expect(step, config != state["config"], f"the endpoint config did not change ({config})")
    _expect(
        step, described.get("EndpointStatus") == "InService", f"endpoint is {described.get('EndpointStatus')}"
    )
    _expect(
        step,
        described.get("EndpointConfigName") == config,
        f"endpoint runs {described.get('EndpointConfigName')}, not {config}",
    )
    _expect(
        step,
        _configs(world) == [config],
        f"endpoint configs {_configs(world)}: the previous one should be gone",
    )
    _expect(
        step,
        _scaling(world, world.endpoint) == state["scaling"],
        "autoscaling differs from before the update",
    )
    state.update(revision=revision, rendered=rendered, config=config)


def _alarm_rollback(world: DemoWorld, step: StepResult, state: dict[str, Any]) -> None:
    assert world.endpoint is not None
    alarm = _rollback_alarm(world)
    if alarm is None:
        step.problems.append(
            f"{world.resource}.DeploymentConfig has no AutoRollbackConfiguration alarm to fire"
        )
        return
    revision = _new_model(state["revision"], world.resource, state["rendered"], bigger=False)
    rendered = _rendered_for(revision, world.resource)
    delay = float(world.sim.timings.provision) + 90.0
    cloudwatch = world.client("cloudwatch")

    def fire() -> None:
        cloudwatch.set_alarm_state(
            AlarmName=alarm, StateValue="ALARM", StateReason="p99 latency above threshold (demo)"
        )
        world.stack.notify("alarm", f"{alarm} -> ALARM")

    world.stack.notify(
        "change", f"{', '.join(revision.changes)}; {alarm} will fire {delay:.0f} s into the update"
    )
    timer = world.clock.call_later(delay, fire)
    updates_before = world.sim.calls["UpdateEndpoint"]
    outcome = world.stack.deploy(rendered, revision.parameters)
    timer.cancel()
    response = _response(step, outcome, world.resource)
    with contextlib.suppress(Exception):
        cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="recovered (demo)")
    if response is None:
        step.problems.append(f"the endpoint was not updated: {outcome.reason}")
        return
    _expect(step, response.status == "FAILED", f"the update was answered {response.status}, expected FAILED")
    _expect(step, alarm in (response.reason or ""), f"the reason does not name the alarm {alarm}")
    rollback = outcome.rollback_responses.get(world.resource)
    _expect(
        step,
        rollback is not None and rollback.status == "SUCCESS",
        f"the stack rollback's Update was answered {getattr(rollback, 'status', 'nothing')}",
    )
    _expect(
        step,
        world.sim.calls["UpdateEndpoint"] - updates_before == 1,
        "expected exactly one UpdateEndpoint (none for the rollback)",
    )
    described = _describe(world, world.endpoint) or {}
    _expect(
        step, described.get("EndpointStatus") == "InService", f"endpoint is {described.get('EndpointStatus')}"
    )
    _expect(
        step,
        described.get("EndpointConfigName") == state["config"],
        f"endpoint runs {described.get('EndpointConfigName')}, not the previous {state['config']}",
    )
    _expect(
        step,
        _configs(world) == [state["config"]],
        f"endpoint configs {_configs(world)}, expected only {state['config']}",
    )
    _expect(
        step,
        _scaling(world, world.endpoint) == state["scaling"],
        "autoscaling differs from before the update",
    )


def _delete(world: DemoWorld, step: StepResult, state: dict[str, Any]) -> None:
    assert world.endpoint is not None
    outcome = world.stack.delete()
    response = _response(step, outcome, world.resource)
    if state["plot"].native:
        _expect(step, outcome.ok, f"the delete failed: {outcome.reason}")
        step.status = "DELETE_COMPLETE" if outcome.ok else step.status
    else:
        _expect(
            step,
            response is not None and response.status == "SUCCESS",
            f"the delete was answered {step.status}: {step.reason}",
        )
    kept = world.stack.left_behind
    if any(d.type == NATIVE_ENDPOINT_TYPE and d.physical_id == world.endpoint for d in kept):
        world.stack.notify("stack", f"endpoint {world.endpoint} kept (DeletionPolicy: Retain)")
    else:
        _expect(
            step, world.sim.endpoint_status(world.endpoint) is None, f"endpoint {world.endpoint} still exists"
        )
        _expect(step, _scaling(world, world.endpoint) == [], "scalable targets left")
    configs = sorted({d.physical_id for d in kept if d.type == "AWS::SageMaker::EndpointConfig"})
    models = sorted({d.physical_id for d in kept if d.type == "AWS::SageMaker::Model"})
    _expect(step, _configs(world) == configs, f"endpoint configs left: {_configs(world)}, expected {configs}")
    _expect(step, _models(world) == models, f"models left: {_models(world)}, expected {models}")
