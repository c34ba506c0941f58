"""The handler side of a contract run: a simulated account and the registry type's entry points.

:class:`ContractWorld` owns what ``sam local start-lambda`` and AWS would provide to ``cfn test``:

* AWS is moto plus the project's SageMaker simulator (:mod:`sagemaker_rollout_testing.simulator`)
  on one :class:`~sagemaker_rollout.clock.SimulatedClock`; the rollout journal table and the type
  configuration (``JournalTableName``) come from the registry driver, as in ``tests/registry``;
* the models and CloudWatch alarms the input sets name (``registry/inputs/*.json``: every
  ``ModelName`` of a variant, every alarm of an ``AutoRollbackConfiguration``) are created first,
  as they would exist in a real account before ``cfn test`` runs;
* each Lambda invocation runs the registry type's real entry point in process, through
  :class:`~sagemaker_rollout_testing.registry.RegistryDriver` (which records every AWS call with its
  IAM action); the callback delay of an IN_PROGRESS event moves the simulated clock before the
  re-invocation that carries its callback context, the way CloudFormation waits
  ``callbackDelaySeconds`` before invoking again (CloudFormation CLI user guide, "Progress chaining,
  stabilization and callback pattern"); nothing waits in real time;
* a :class:`FaultProfile` adds modelled latency to every AWS call, throttling bursts (through
  :class:`~sagemaker_rollout_testing.faults.FaultInjector`) and read timeouts that cost the client's
  configured ``read_timeout`` of simulated time, so the time-budget check sees what retries and
  timeouts cost.

Every invocation is checked (:mod:`.checks`) as it happens. Nothing here does I/O at import.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sagemaker_rollout.clock import SimulatedClock
from sagemaker_rollout_testing.contract.checks import (
    Invocation,
    Violation,
    check_invocation,
    check_logical_ids,
)

__all__ = ["FUNCTIONS", "PROFILES", "ContractWorld", "FaultProfile", "LambdaResult"]

FUNCTIONS = {"TypeFunction": "resource", "TestEntrypoint": "test_entrypoint"}
"""Function names of the SAM template ``cfn init`` writes for a Python type, and the handler entry
point each one runs (``rpdk/python/codegen.py``: ``TypeFunction`` runs ``entrypoint``,
``TestEntrypoint`` runs ``testEntrypoint`` of ``.rpdk-config``). ``cfn test`` invokes
``--function-name`` (default ``TypeFunction``) with a ``HandlerRequest``, which only ``resource``
parses; ``test_entrypoint`` takes the ``TestEvent`` of ``sam local invoke TestEntrypoint``."""

LAMBDA_TIMEOUT_SECONDS = 180.0
"""The Lambda timeout of the SAM template ``cfn init`` writes (``rpdk/core/templates/template.yml``,
``Globals.Function.Timeout``): what the handler's Lambda context reports as remaining time."""

MAX_INVOCATIONS_PER_OPERATION = 2000
"""An operation re-invoked more often than this is a loop: the endpoint answers a function error."""

_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}
_ENV_REMOVED = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SAM_LOCAL")


@dataclass(frozen=True)
class FaultProfile:
    """What the simulated account does to the handlers' AWS calls.

    Attributes
    ----------
    name:
        Shown in reports.
    call_latency:
        Simulated seconds every AWS call attempt takes (a modelling choice: a small round trip; the
        default keeps a page of 100 ``ListTags`` calls visible in the time budget).
    throttle_every, throttle_burst:
        Every ``throttle_every``-th call of an invocation (0: never) starts a burst: that call's next
        ``throttle_burst`` attempts answer ``ThrottlingException`` (HTTP 400), the error AWS APIs
        return for request throttling (e.g. SageMaker API reference, "Common Errors").
    timeout_every:
        Every ``timeout_every``-th call of an invocation (0: never) gets no answer: it costs the
        client's ``read_timeout`` of simulated time, then botocore's ``ReadTimeoutError``.
    """

    name: str
    call_latency: float = 0.1
    throttle_every: int = 0
    throttle_burst: int = 0
    timeout_every: int = 0


PROFILES = {
    "none": FaultProfile("none"),
    "throttle": FaultProfile("throttle", throttle_every=4, throttle_burst=3),
    "timeout": FaultProfile("timeout", timeout_every=12),
}
"""Named profiles (``--profiles``): ``throttle`` makes every 4th call wait out 1 + 2 + 4 s of the
type's backoff when it retries as it does today; ``timeout`` stalls every 12th call."""


@dataclass(frozen=True)
class LambdaResult:
    """What the Lambda Invoke API answers (AWS Lambda API reference, "Invoke").

    Attributes
    ----------
    status:
        HTTP status (200 for a synchronous invocation, also when the function failed).
    body:
        The function's response payload, or the error document.
    function_error:
        ``X-Amz-Function-Error`` (``Unhandled``) when the function failed.
    error_type:
        ``x-amzn-ErrorType`` of an API error (``ResourceNotFoundException``).
    """

    status: int
    body: bytes
    function_error: str | None = None
    error_type: str | None = None


@dataclass
class _Operation:
    action: str
    started: float
    invocations: int = 0
    pending: tuple[float, str] | None = None  # (callback delay, callback context as JSON)


@dataclass
class _Where:
    input_set: int = 0
    test: str = ""


def _referenced(inputs: Path) -> tuple[set[str], set[str], str | None]:
    """Model names, alarm names and an execution role found in the input files."""
    models: set[str] = set()
    alarms: set[str] = set()
    role: str | None = None
    for path in sorted(inputs.glob("inputs_*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(document, Mapping):
            continue
        role = role or (str(document["ExecutionRoleArn"]) if document.get("ExecutionRoleArn") else None)
        for key in ("ProductionVariants", "ShadowProductionVariants"):
            for variant in document.get(key) or []:
                if isinstance(variant, Mapping) and variant.get("ModelName"):
                    models.add(str(variant["ModelName"]))
        rollback = (document.get("DeploymentConfig") or {}).get("AutoRollbackConfiguration") or {}
        for alarm in rollback.get("Alarms") or []:
            if isinstance(alarm, Mapping) and alarm.get("AlarmName"):
                alarms.add(str(alarm["AlarmName"]))
    return models, alarms, role


@dataclass
class ContractWorld:
    """A simulated account running the registry type's handlers for one contract run.

    Parameters
    ----------
    project:
        The CloudFormation CLI project (``registry/``): schema, ``src`` and ``inputs``.
    profile:
        Latency and faults of the handlers' AWS calls.
    region, account_id:
        Of the simulated account (moto's default account).
    journal_table:
        The rollout journal; the type configuration names it.
    bystanders:
        Endpoints of the account that the type does not manage (no tags, one shared config), as a
        real account holds: more than one page of ``ListEndpoints`` (at most 100 per page, SageMaker
        API reference, ListEndpoints ``MaxResults``), so the list handler pages. They were created a
        day before the run (the simulated clock moves on a day after them), as an account's other
        endpoints were created before a test of a new type.
    recent_bystanders:
        Endpoints the type does not manage created just before the run: modified after the type's
        first configs can exist, so the handlers' search for other users of a config must describe
        them (:func:`sagemaker_rollout.aws.reading.scan_config_users`).
    """

    project: Path
    profile: FaultProfile = field(default_factory=lambda: PROFILES["none"])
    region: str = "us-east-1"
    account_id: str = "123456789012"
    journal_table: str = "sagemaker-rollout-journal"
    bystanders: int = 120
    recent_bystanders: int = 8
    invocations: list[Invocation] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    clock: SimulatedClock = field(default_factory=SimulatedClock)
    session: Any = None
    schema: dict[str, Any] = field(default_factory=dict)
    _undo: list[Any] = field(default_factory=list)
    _driver: Any = None
    _faults: Any = None
    _operations: dict[str, _Operation] = field(default_factory=dict)
    _where: _Where = field(default_factory=_Where)
    _active: bool = False
    _counter: int = 0
    _burst_left: int = 0
    _notes: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ---- lifecycle ------------------------------------------------------------------------------
    def __enter__(self) -> ContractWorld:
        saved = {name: os.environ.get(name) for name in (*_ENV, *_ENV_REMOVED)}
        self._undo.append(lambda: _restore(saved))
        os.environ.update({**_ENV, "AWS_DEFAULT_REGION": self.region, "AWS_REGION": self.region})
        for name in _ENV_REMOVED:
            os.environ.pop(name, None)
        try:
            self._start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _start(self) -> None:
        import boto3
        from moto import mock_aws

        from sagemaker_rollout_testing.faults import FaultInjector
        from sagemaker_rollout_testing.registry import RegistryDriver
        from sagemaker_rollout_testing.simulator import SageMakerSimulator

        mock = mock_aws()
        mock.start()
        self._undo.append(mock.stop)
        self.session = boto3.Session(region_name=self.region)
        simulator = SageMakerSimulator(clock=self.clock, region=self.region, account_id=self.account_id)
        simulator.activate()
        self._undo.append(simulator.deactivate)
        self._prepare_account()
        driver = RegistryDriver(
            self.project,
            clock=self.clock,
            session=self.session,
            journal_table=self.journal_table,
            region=self.region,
            account_id=self.account_id,
            notify=self._notify,
        )
        driver.__enter__()
        self._undo.append(driver.__exit__)
        self._driver = driver
        self.schema = driver.schema
        # Hook order on "before-call": the driver's recorder (every attempt), then latency, throttling
        # bursts and timeouts (this world), then the fault injector that raises the throttling.
        hook = f"contract-world-{id(self)}"
        self.session.events.register("before-call", self._before_call, unique_id=hook)
        self._undo.append(lambda: self.session.events.unregister("before-call", unique_id=hook))
        faults = FaultInjector(self.session, self.clock)
        faults.__enter__()
        self._undo.append(faults.__exit__)
        self._faults = faults

    def __exit__(self, *exc: object) -> None:
        while self._undo:
            self._undo.pop()()

    def _prepare_account(self) -> None:
        """The models and alarms the input sets name, as a real account would hold them."""
        models, alarms, role = _referenced(self.project / "inputs")
        role = role or f"arn:aws:iam::{self.account_id}:role/contract-sagemaker"
        sm = self.session.client("sagemaker")
        for model in sorted(models):
            sm.create_model(
                ModelName=model,
                ExecutionRoleArn=role,
                PrimaryContainer={
                    "Image": f"{self.account_id}.dkr.ecr.{self.region}.amazonaws.com/contract:latest"
                },
            )
        if self.bystanders:
            sm.create_model(
                ModelName="bystander-model",
                ExecutionRoleArn=role,
                PrimaryContainer={
                    "Image": f"{self.account_id}.dkr.ecr.{self.region}.amazonaws.com/other:latest"
                },
            )
            sm.create_endpoint_config(
                EndpointConfigName="bystander-config",
                ProductionVariants=[
                    {
                        "VariantName": "AllTraffic",
                        "ModelName": "bystander-model",
                        "InstanceType": "ml.t2.medium",
                        "InitialInstanceCount": 1,
                    }
                ],
            )
            for index in range(self.bystanders):
                sm.create_endpoint(
                    EndpointName=f"bystander-{index:03d}", EndpointConfigName="bystander-config"
                )
            self.clock.advance(86_400.0)
            for index in range(self.recent_bystanders):
                sm.create_endpoint(EndpointName=f"recent-{index:03d}", EndpointConfigName="bystander-config")
        cloudwatch = self.session.client("cloudwatch")
        for alarm in sorted(alarms):
            cloudwatch.put_metric_alarm(
                AlarmName=alarm,
                Namespace="AWS/SageMaker",
                MetricName="ModelLatency",
                Statistic="Average",
                Period=60,
                EvaluationPeriods=1,
                Threshold=500000.0,
                ComparisonOperator="GreaterThanThreshold",
            )

    # ---- what the runner tells the harness ------------------------------------------------------
    def note_test(self, input_set: int, test: str) -> None:
        """The runner started ``test`` of ``input_set`` (attribution of the next invocations)."""
        with self._lock:
            self._where = _Where(int(input_set), str(test))

    def _notify(self, kind: str, text: str) -> None:
        self._notes.append(f"{kind}: {text}")

    # ---- AWS call hooks ----------------------------------------------------------------------------
    def _before_call(self, model: Any, context: Any = None, **_: Any) -> None:
        if not self._active:
            return
        profile = self.profile
        if profile.call_latency > 0:
            self.clock.advance(profile.call_latency)
        if self._burst_left > 0:  # a retry inside a throttling burst: the injector answers it
            self._burst_left -= 1
            return
        self._counter += 1
        service, operation = str(model.service_model.service_name), str(model.name)
        if profile.throttle_every and self._counter % profile.throttle_every == 0 and profile.throttle_burst:
            self._burst_left = profile.throttle_burst - 1
            self._faults.error(
                service,
                operation,
                "ThrottlingException",
                "Rate exceeded",
                times=profile.throttle_burst,
                status=400,
            )
            return
        if profile.timeout_every and self._counter % profile.timeout_every == 0:
            from botocore.exceptions import ReadTimeoutError

            config = (context or {}).get("client_config")
            waited = float(getattr(config, "read_timeout", None) or 60)  # botocore's default read_timeout
            self.clock.advance(waited)
            raise ReadTimeoutError(endpoint_url=f"https://{service}.{self.region}.amazonaws.com/")

    # ---- the Lambda Invoke API ---------------------------------------------------------------------
    def invoke(self, function: str, payload: bytes) -> LambdaResult:
        """One synchronous invocation of ``function`` with ``payload`` (a JSON event)."""
        entrypoint = FUNCTIONS.get(function)
        if entrypoint is None:
            message = json.dumps({"Type": "User", "message": f"Function not found: {function}"})
            return LambdaResult(404, message.encode(), error_type="ResourceNotFoundException")
        try:
            event = json.loads(payload or b"{}")
        except ValueError as error:
            return _function_error("InvalidRequestContentException", f"payload is not JSON: {error}")
        with self._lock:
            return self._invoke(function, entrypoint, event)

    def _invoke(self, function: str, entrypoint: str, event: dict[str, Any]) -> LambdaResult:
        from sagemaker_rollout_testing.context import FakeLambdaContext

        action = str(event.get("action", "")).lower()
        if entrypoint == "resource":
            data = event.get("requestData") or {}
            token, logical_id = str(event.get("bearerToken", "")), data.get("logicalResourceId")
        else:
            request = event.get("request") or {}
            token, logical_id = (
                str(request.get("clientRequestToken", "")),
                request.get("logicalResourceIdentifier"),
            )
        context_in = event.get("callbackContext")
        operation = self._operations.get(token)
        if operation is None:
            operation = self._operations[token] = _Operation(action, self.clock.now())
        if context_in and operation.pending is not None:
            delay, returned = operation.pending
            if json.dumps(context_in, sort_keys=True) == returned:
                self.clock.advance(delay)  # CloudFormation waits callbackDelaySeconds, then re-invokes
        operation.pending = None
        operation.invocations += 1
        where = self._where
        limit = float(self.schema["handlers"].get(action, {}).get("timeoutInMinutes", 120)) * 60.0
        if (
            self.clock.now() - operation.started > limit
            or operation.invocations > MAX_INVOCATIONS_PER_OPERATION
        ):
            detail = (
                f"{action} operation ran {self.clock.now() - operation.started:.0f} s over "
                f"{operation.invocations} invocations (timeoutInMinutes: {limit / 60:.0f})"
            )
            self.violations.append(
                Violation("operation-timeout", where.input_set, where.test, action, detail)
            )
            return _function_error("HandlerTimeout", detail)
        driver = self._driver
        first_call = len(driver.calls)
        started = self.clock.now()
        lambda_context = FakeLambdaContext(
            self.clock,
            timeout_seconds=LAMBDA_TIMEOUT_SECONDS,
            function_name=function,
            region=self.region,
            account_id=self.account_id,
        )
        self._active, self._counter, self._burst_left = True, 0, 0
        self._notes = []
        try:
            result = driver.invoke(event, entrypoint=entrypoint, context=lambda_context)
        except Exception as error:  # the entry points catch Exception; anything else is a crash
            result, crash = None, f"{type(error).__name__}: {error}"
        else:
            crash = "" if result is not None else "the invocation was killed"
        finally:
            self._active = False
            self._faults.clear()
        elapsed = self.clock.now() - started
        calls = [c.action for c in driver.calls[first_call:]]
        if result is None:
            self.violations.append(Violation("function-error", where.input_set, where.test, action, crash))
            return _function_error("Unhandled", crash)
        model = result.get("resourceModel")
        invocation = Invocation(
            seq=len(self.invocations) + 1,
            action=action,
            operation=token,
            logical_id=str(logical_id) if logical_id else None,
            callback=bool(context_in),
            started=started,
            elapsed=elapsed,
            status=str(result.get("status", "")),
            error_code=result.get("errorCode"),
            message=str(result.get("message") or ""),
            model=dict(model) if isinstance(model, Mapping) else None,
            calls=calls,
            input_set=where.input_set,
            test=where.test,
            notes=list(self._notes),
        )
        self.invocations.append(invocation)
        self.violations.extend(check_invocation(self.schema, invocation))
        incoming = (
            event.get("nextToken")
            if entrypoint == "resource"
            else (event.get("request") or {}).get("nextToken")
        )
        if action == "list" and incoming and result.get("nextToken") == incoming:
            # The runner follows nextToken until there is none (handler_commons.py,
            # get_resource_model_list): a page that hands back the token it was given never ends.
            detail = "list answered the nextToken it was sent: pagination does not advance"
            self.violations.append(Violation("list-pagination", where.input_set, where.test, action, detail))
            return _function_error("ListPaginationLoop", detail)
        if invocation.status == "IN_PROGRESS":
            delay = float(result.get("callbackDelaySeconds") or 0)
            operation.pending = (delay, json.dumps(result.get("callbackContext"), sort_keys=True))
        return LambdaResult(200, json.dumps(result).encode())

    def finish(self) -> list[Violation]:
        """Every violation of the run, the cross-invocation checks included."""
        return [*self.violations, *check_logical_ids(self.invocations)]

    def iter_summaries(self) -> Iterator[dict[str, Any]]:
        """Each invocation's digest, in order."""
        for invocation in self.invocations:
            yield invocation.summary()


def _function_error(error_type: str, message: str) -> LambdaResult:
    body = json.dumps({"errorMessage": message, "errorType": error_type}).encode()
    return LambdaResult(200, body, function_error="Unhandled")


def _restore(saved: Mapping[str, str | None]) -> None:
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
