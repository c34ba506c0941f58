"""The SageMaker endpoint simulator: real endpoint semantics on top of moto, on an injected clock.

State is kept per endpoint and computed lazily from ``clock.now()`` whenever a SageMaker call
arrives (no threads). moto keeps the storage (endpoints, configs, tags); the simulator rewrites the
moto endpoint's status, config and variants before every call so that every moto operation
(ListEndpoints, tags, ...) sees the simulated state.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, NamedTuple

from sagemaker_rollout.clock import Clock, SimulatedClock
from sagemaker_rollout_testing.simulator.errors import SimulatedServiceError, SimulatorError, validation_error
from sagemaker_rollout_testing.simulator.eventbridge import (
    Delivery,
    EndpointView,
    EventBus,
    deployment_state_change,
    endpoint_state_change,
)
from sagemaker_rollout_testing.simulator.inference import MODEL_TIMEOUT_SECONDS, TIMEOUT_TEXT, ModelBehaviours
from sagemaker_rollout_testing.simulator.plan import DeploymentConfigError, UpdatePlan, plan_update
from sagemaker_rollout_testing.simulator.timings import Timings

__all__ = ["DeletedConfigInUse", "SageMakerSimulator", "Transition"]

_IN_PROGRESS = frozenset({"Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"})
_SCALING_DIMENSIONS = (
    "sagemaker:variant:DesiredInstanceCount",
    "sagemaker:variant:DesiredProvisionedConcurrency",
)
_RETAINABLE = frozenset({"DesiredInstanceCount", "DesiredWeight", "DataCaptureConfig"})

# SageMaker's own text for a container failing its health check (as users report it verbatim).
DEFAULT_CREATE_FAILURE = (
    "The primary container for production variant {variant} did not pass the ping health check. "
    "Please check CloudWatch logs for this endpoint."
)
# Default texts of injected errors: the "Errors" descriptions of the API references (Application
# Auto Scaling: every operation's Errors section) where the service's own wording is not published.
_DEFAULT_ERROR_TEXT = {
    "ThrottlingException": "Rate exceeded",
    "InternalServiceException": "The service encountered an internal error.",
    "ConcurrentUpdateException": (
        "Concurrent updates caused an exception, for example, if you request an update to an "
        "Application Auto Scaling resource that already has a pending update."
    ),
    "ObjectNotFoundException": "The specified object could not be found.",
    "InternalFailure": "We encountered an internal error. Please try again.",
}
# The texts SageMaker writes after a failed rollback or an alarm/timeout rollback are not published:
# the simulator's below say what happened, and nothing in the provider may parse them (it reads the
# alarms' history instead); AWS may also leave FailureReason empty (see fail_next_update).
DEFAULT_ROLLBACK_FAILURE = (
    "Rollback of the endpoint update failed: the old fleet could not be restored to full capacity. "
    "The endpoint is serving with a mix of the old and new endpoint configurations."
)


class Transition(NamedTuple):
    """One status change of an endpoint: when, to which status, on which config."""

    time: float
    status: str
    config: str | None


"""``(simulated time, EndpointStatus, endpoint config name)``; status ``"Deleted"`` when gone."""


@dataclass(frozen=True)
class DeletedConfigInUse:
    """An endpoint config deleted while an endpoint still used it (allowed, but a provider bug)."""

    time: float
    config_name: str
    endpoints: tuple[str, ...]


@dataclass
class _Operation:
    kind: str  # create | update | delete | system | scale
    start: float
    end: float
    timings: Timings
    plan: UpdatePlan | None = None
    target_config: str | None = None
    target_variants: list[dict[str, Any]] | None = None
    target_data_capture: Any = None
    alarms: tuple[str, ...] = ()
    fail_reason: str | None = None
    rollback_fail_reason: str | None = None
    rollback_at: float | None = None
    rollback_reason: str | None = None
    silent: bool = False  # back on the old config with no FailureReason
    announced: int = 0  # deployment events sent: phases started (the first at UpdateEndpoint)


@dataclass
class _Endpoint:
    account: str
    region: str
    name: str
    arn: str
    fake: Any
    config_name: str
    variants: list[dict[str, Any]]
    status: str
    created: float
    modified: float
    failure_reason: str | None = None
    op: _Operation | None = None
    last_deployment_config: dict[str, Any] | None = None


def _to_datetime(t: float) -> datetime:
    return datetime.fromtimestamp(t, tz=UTC).replace(tzinfo=None)


def _variants_from_config(production_variants: list[dict[str, Any]]) -> list[dict[str, Any]]:
    variants = []
    for pv in production_variants:
        serverless = pv.get("ServerlessConfig")
        variants.append(
            {
                "VariantName": pv["VariantName"],
                "InstanceType": pv.get("InstanceType"),
                "Count": None if serverless else int(pv.get("InitialInstanceCount") or 1),
                "Weight": float(pv["InitialVariantWeight"])
                if pv.get("InitialVariantWeight") is not None
                else 1.0,
                "Serverless": copy.deepcopy(serverless) if serverless else None,
            }
        )
    return variants


def _summaries(
    variants: list[dict[str, Any]],
    *,
    current: bool = True,
    status: str | None = None,
    since: float | None = None,
) -> list[dict[str, Any]]:
    out = []
    for v in variants:
        item: dict[str, Any] = {"VariantName": v["VariantName"], "DesiredWeight": v["Weight"]}
        if current:
            item["CurrentWeight"] = v["Weight"]
        if v["Serverless"]:
            item["DesiredServerlessConfig"] = copy.deepcopy(v["Serverless"])
            if current:
                item["CurrentServerlessConfig"] = copy.deepcopy(v["Serverless"])
        else:
            item["DesiredInstanceCount"] = v["Count"]
            if current:
                item["CurrentInstanceCount"] = v["Count"]
        if status is not None:
            item["VariantStatus"] = [{"Status": status, "StartTime": _to_datetime(since or 0.0)}]
        out.append(item)
    return out


class SageMakerSimulator:
    """SageMaker endpoints with real lifecycle semantics, layered on moto, driven by a clock.

    Parameters
    ----------
    clock:
        Time source shared with the code under test (default: a new :class:`SimulatedClock`).
    region, account_id:
        Defaults for the introspection and fault-injection methods.
    timings:
        Durations of the simulated operations.

    Examples
    --------
    >>> sim = SageMakerSimulator(clock=SimulatedClock())  # doctest: +SKIP
    >>> with mock_aws(), sim:                             # doctest: +SKIP
    ...     boto3.client("sagemaker").update_endpoint(...)
    """

    def __init__(
        self,
        clock: Clock | None = None,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        timings: Timings | None = None,
    ) -> None:
        self.clock: Clock = clock if clock is not None else SimulatedClock()
        self.region = region
        self.account_id = account_id
        self.timings = timings or Timings()
        self.calls: Counter[str] = Counter()
        self.deleted_configs_in_use: list[DeletedConfigInUse] = []
        self._lock = threading.RLock()
        self._endpoints: dict[tuple[str, str, str], _Endpoint] = {}
        self._history: dict[tuple[str, str, str], list[Transition]] = {}
        self._alarm_log: dict[tuple[str, str, str], list[tuple[float, str | None]]] = {}
        self._create_faults: dict[str, str | None] = {}
        self._update_faults: dict[str, str | None] = {}
        self._rollback_faults: dict[str, str | None] = {}
        self._throttles: Counter[str] = Counter()
        self._faults: dict[str, list[tuple[str, str | None]]] = {}
        self._silent_failures: set[str] = set()
        self._config_visibility_delay = 0.0
        self._target_visibility_delay = 0.0
        self._config_visible_at: dict[tuple[str, str, str], float] = {}
        self._target_visible_at: dict[tuple[str, str, str, str], float] = {}
        self._hangs: dict[str, list[float]] = {}
        self._bridge: Any = None
        self.bus: EventBus | None = None
        self._limits: dict[str, tuple[float, float]] = {}
        self._buckets: dict[tuple[str, str, str], tuple[float, float]] = {}
        self.throttled: Counter[str] = Counter()
        self._endpoint_timings: dict[str, Timings] = {}
        self.models = ModelBehaviours()
        """How each model answers InvokeEndpoint (:mod:`.inference`)."""

    # ------------------------------------------------------------------ activation

    @property
    def active(self) -> bool:
        """Whether the simulator is patched into moto."""
        return self._bridge is not None

    def activate(self) -> None:
        """Patch moto's SageMaker, CloudWatch and Application Auto Scaling (needs a running moto)."""
        with self._lock:
            if self._bridge is not None:
                raise SimulatorError("SageMakerSimulator.activate: already active")
            from sagemaker_rollout_testing.simulator._moto import MotoBridge

            bridge = MotoBridge(self)
            bridge.install()
            self._bridge = bridge
            self._endpoints.clear()

    def deactivate(self) -> None:
        """Undo every patch; moto behaves exactly as before :meth:`activate`."""
        with self._lock:
            if self._bridge is not None:
                self._bridge.uninstall()
                self._bridge = None

    def __enter__(self) -> SageMakerSimulator:
        self.activate()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.deactivate()

    # ------------------------------------------------------------------ fault injection

    def fail_next_create(self, endpoint_name: str, reason: str | None = None) -> None:
        """Make the next CreateEndpoint of ``endpoint_name`` end ``Failed`` with ``reason``."""
        self._create_faults[endpoint_name] = reason

    def fail_next_update(
        self, endpoint_name: str, reason: str | None = None, *, leave_failure_reason_empty: bool = False
    ) -> None:
        """Make the next update fail its health checks: back ``InService`` on the old config.

        With ``leave_failure_reason_empty`` the endpoint is back ``InService`` with no
        ``FailureReason`` at all, as AWS sometimes leaves it (hashicorp/terraform-provider-aws#48997:
        "the endpoint returns to InService with its previous configuration, and the FailureReason
        may become empty"). By default the reason is set, as users usually see it
        (hashicorp/terraform-provider-aws#39099: "a failure reason populated").
        """
        self._update_faults[endpoint_name] = reason
        if leave_failure_reason_empty:
            self._silent_failures.add(endpoint_name)

    def leave_next_failure_reason_empty(self, endpoint_name: str) -> None:
        """The next update of ``endpoint_name`` that ends back on its old config (alarm rollback,
        timeout or failed health check) leaves ``FailureReason`` empty (see :meth:`fail_next_update`)."""
        self._silent_failures.add(endpoint_name)

    def fail_next_rollback(self, endpoint_name: str, reason: str | None = None) -> None:
        """Make the next rollback of ``endpoint_name`` end in ``UpdateRollbackFailed``."""
        self._rollback_faults[endpoint_name] = reason

    def clear_faults(self) -> None:
        """Disarm every fault injected and not yet consumed: failed creates, updates and rollbacks,
        empty failure reasons, throttles and injected errors (the visibility delays stay)."""
        with self._lock:
            self._create_faults.clear()
            self._update_faults.clear()
            self._rollback_faults.clear()
            self._silent_failures.clear()
            self._throttles.clear()
            self._faults.clear()

    def throttle(self, operation_name: str, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``operation_name`` with ``ThrottlingException``."""
        self._throttles[operation_name] += times

    def fail_next(
        self, operation_name: str, code: str, message: str | None = None, *, times: int = 1
    ) -> None:
        """Answer the next ``times`` calls of ``operation_name`` with the AWS error ``code``.

        Works for SageMaker operations (``UpdateEndpoint``) and Application Auto Scaling ones
        (``PutScalingPolicy``, ``RegisterScalableTarget``, ...), e.g. the retryable
        ``InternalServiceException`` and ``ConcurrentUpdateException`` every Application Auto
        Scaling operation documents in its Errors section. ``message`` defaults to the API
        reference's description of the error.
        """
        self._faults.setdefault(operation_name, []).extend([(code, message)] * times)

    def delay_config_visibility(self, seconds: float) -> None:
        """Model the eventual consistency of endpoint configs: for ``seconds`` after its
        CreateEndpointConfig, CreateEndpoint and UpdateEndpoint naming the config answer
        ``ValidationException: Could not find endpoint configuration "<arn>".`` (the CreateEndpoint
        API reference tells callers to retry, as the new config may not be visible at once).
        Applies to configs created from now on; ``0`` turns it off.
        """
        self._config_visibility_delay = max(0.0, float(seconds))

    def delay_target_visibility(self, seconds: float) -> None:
        """Model the eventual consistency of Application Auto Scaling: for ``seconds`` after a new
        RegisterScalableTarget, PutScalingPolicy and PutScheduledAction on that target answer
        ``ObjectNotFoundException: No scalable target registered for service namespace: ...``
        (reported right after registration, e.g. cloudposse/terraform-aws-ecs-cloudwatch-autoscaling#36).
        Applies to targets registered from now on; ``0`` turns it off.
        """
        self._target_visibility_delay = max(0.0, float(seconds))

    def hang(self, operation_name: str, seconds: float) -> None:
        """Advance the clock by ``seconds`` during the next call of ``operation_name`` (a slow call)."""
        self._hangs.setdefault(operation_name, []).append(seconds)

    def emit_events(self, delivery: Delivery | None = None, *, seed: int = 0) -> EventBus:
        """Send SageMaker's endpoint events to EventBridge from now on (:mod:`.eventbridge`).

        Every status change of an endpoint becomes a "SageMaker Endpoint State Change" and every
        stage of a guarded update (provisioning, each bake, a rollback) a "SageMaker Endpoint
        Deployment State Change", emitted when it happens on the simulated clock (the simulator
        sets itself timers for the transitions it knows ahead) and delivered by ``delivery`` (its
        delays, copies and losses are assumptions). Subscribe to the returned bus to receive them.
        """
        with self._lock:
            self.bus = EventBus(self.clock, delivery, seed)
            return self.bus

    def limit_rate(self, operation_name: str, per_second: float, burst: float) -> None:
        """An account-level rate limit on ``operation_name``: a token bucket of ``burst`` tokens,
        refilled at ``per_second`` on the simulated clock; a call finding it empty is answered
        ``ThrottlingException`` ("Rate exceeded"). SageMaker publishes no rate for its Describe
        calls (its quotas page lists none): the figures are the caller's assumption, to be stated.
        """
        if per_second <= 0 or burst < 1:
            raise ValueError("limit_rate: per_second must be > 0 and burst >= 1")
        with self._lock:
            self._limits[operation_name] = (float(per_second), float(burst))

    def _take_token(self, action: str, account: str, region: str) -> None:
        limit = self._limits.get(action)
        if limit is None:
            return
        rate, burst = limit
        now = self.clock.now()
        tokens, since = self._buckets.get((account, region, action), (burst, now))
        tokens = min(burst, tokens + max(0.0, now - since) * rate)
        if tokens < 1.0:
            self._buckets[(account, region, action)] = (tokens, now)
            self.throttled[action] += 1
            raise SimulatedServiceError("ThrottlingException", "Rate exceeded")
        self._buckets[(account, region, action)] = (tokens - 1.0, now)

    def set_timings(self, timings: Timings | None = None, **changes: float) -> None:
        """Replace the timings (or change some fields); operations already running keep theirs."""
        base = timings or self.timings
        self.timings = dataclasses.replace(base, **changes) if changes else base

    def set_endpoint_timings(self, endpoint_name: str, **changes: float) -> None:
        """Timings of one endpoint's next operations (its fleet launches slower or faster than the
        others); the rest keep :attr:`timings`. No changes: back to the shared timings."""
        with self._lock:
            if changes:
                self._endpoint_timings[endpoint_name] = dataclasses.replace(self.timings, **changes)
            else:
                self._endpoint_timings.pop(endpoint_name, None)

    def _timings_for(self, endpoint_name: str) -> Timings:
        return self._endpoint_timings.get(endpoint_name, self.timings)

    def delete_out_of_band(
        self, endpoint_name: str, *, account_id: str | None = None, region: str | None = None
    ) -> None:
        """Make the endpoint vanish at once, as if someone deleted it outside the provider."""
        with self._lock:
            rec = self._require(endpoint_name, account_id, region)
            now = self.clock.now()
            self._deregister_scaling(rec)
            self._remove(rec, now)

    def set_system_updating(
        self, endpoint_name: str, seconds: float, *, account_id: str | None = None, region: str | None = None
    ) -> None:
        """Put an ``InService`` endpoint into ``SystemUpdating`` for ``seconds``."""
        with self._lock:
            rec = self._require(endpoint_name, account_id, region)
            if rec.status != "InService":
                raise SimulatorError(
                    f"set_system_updating: endpoint {endpoint_name} is {rec.status}; "
                    "only InService is allowed"
                )
            now = self.clock.now()
            rec.op = _Operation("system", now, now + seconds, self._timings_for(rec.name))
            self._transition(rec, now, "SystemUpdating", rec.config_name)
            self._apply(rec)

    def set_variant_capacity(
        self,
        endpoint_name: str,
        variant_name: str,
        instance_count: int,
        *,
        account_id: str | None = None,
        region: str | None = None,
    ) -> None:
        """Change a variant's instance count at once (what autoscaling does behind the scenes)."""
        with self._lock:
            rec = self._require(endpoint_name, account_id, region)
            for v in rec.variants:
                if v["VariantName"] == variant_name:
                    v["Count"] = instance_count
                    self._apply(rec)
                    return
            raise SimulatorError(
                f"set_variant_capacity: endpoint {endpoint_name} has no variant {variant_name}"
            )

    # ------------------------------------------------------------------ introspection

    def endpoint_status(
        self, endpoint_name: str, *, account_id: str | None = None, region: str | None = None
    ) -> str | None:
        """Current ``EndpointStatus``, or ``None`` if the endpoint does not exist."""
        with self._lock:
            rec = self._lookup(endpoint_name, account_id, region)
            return rec.status if rec else None

    def endpoint_config_name(
        self, endpoint_name: str, *, account_id: str | None = None, region: str | None = None
    ) -> str | None:
        """The endpoint config currently serving, or ``None`` if the endpoint does not exist."""
        with self._lock:
            rec = self._lookup(endpoint_name, account_id, region)
            return rec.config_name if rec else None

    def history(
        self, endpoint_name: str, *, account_id: str | None = None, region: str | None = None
    ) -> list[Transition]:
        """Every status transition of ``endpoint_name`` (across re-creations), oldest first."""
        with self._lock:
            if self.active:
                self._lookup(endpoint_name, account_id, region)
            key = (account_id or self.account_id, region or self.region, endpoint_name)
            return list(self._history.get(key, []))

    def calls_per_minute(self, operation_name: str) -> float:
        """Calls of ``operation_name`` per simulated minute since the clock started (SimulatedClock)."""
        elapsed = getattr(self.clock, "elapsed", None)
        if not elapsed:
            return float(self.calls[operation_name])
        return self.calls[operation_name] * 60.0 / float(elapsed)

    # ------------------------------------------------------------------ moto entry points

    def before_call(self, action: str, account: str, region: str) -> None:
        """Count, throttle, hang and bring state up to date; called for every SageMaker request."""
        with self._lock:
            self._count_and_inject(action)
            self._take_token(action, account, region)
            self._sync(account, region)

    def _count_and_inject(self, action: str) -> None:
        self.calls[action] += 1
        if self._throttles[action] > 0:
            self._throttles[action] -= 1
            raise SimulatedServiceError("ThrottlingException", "Rate exceeded")
        faults = self._faults.get(action)
        if faults:
            code, message = faults.pop(0)
            raise SimulatedServiceError(code, message or _DEFAULT_ERROR_TEXT.get(code, code))
        hangs = self._hangs.get(action)
        if hangs:
            seconds = hangs.pop(0)
            advance: Callable[[float], None] | None = getattr(self.clock, "advance", None)
            (advance or self.clock.sleep)(seconds)

    def before_autoscaling_call(
        self, action: str, account: str, region: str, params: Mapping[str, Any]
    ) -> None:
        """Count, inject faults and model the consistency window; every Application Auto Scaling call."""
        with self._lock:
            self._count_and_inject(action)
            if action == "RegisterScalableTarget":
                self._check_scalable_resource(account, region, params)
            if action not in ("PutScalingPolicy", "PutScheduledAction"):
                return
            namespace = str(params.get("ServiceNamespace"))
            resource_id, dimension = str(params.get("ResourceId")), str(params.get("ScalableDimension"))
            visible_at = self._target_visible_at.get((account, region, resource_id, dimension))
            if visible_at is not None and self.clock.now() < visible_at:
                raise SimulatedServiceError(
                    "ObjectNotFoundException",
                    f"No scalable target registered for service namespace: {namespace}, "
                    f"resource ID: {resource_id}, scalable dimension: {dimension}",
                )

    def _check_scalable_resource(self, account: str, region: str, params: Mapping[str, Any]) -> None:
        """RegisterScalableTarget names a SageMaker variant that exists, or is refused.

        Application Auto Scaling validates the resource a scalable target is registered for: the
        ``ResourceId`` of a SageMaker variant names an existing endpoint's variant ("SageMaker
        endpoint variant - The resource type is variant and the unique identifier is the resource
        ID. Example: endpoint/my-end-point/variant/KMeansClustering"), and a request it cannot
        validate fails with ``ValidationException`` ("An exception was thrown for a validation
        issue. Review the available parameters for the API request."), RegisterScalableTarget API
        reference, ResourceId and Errors:
        https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html.
        moto registers any ``ResourceId``, which let a template whose ResourceId named an endpoint
        *config* look autoscaled in the demo (issue 22, point 1).
        """
        if params.get("ServiceNamespace") != "sagemaker":
            return
        parts = str(params.get("ResourceId", "")).split("/")
        if len(parts) != 4 or parts[0] != "endpoint" or parts[2] != "variant":
            return
        self._sync(account, region)
        rec = self._endpoints.get((account, region, parts[1]))
        if rec is None:
            raise SimulatedServiceError(
                "ValidationException",
                f"The resource {params.get('ResourceId')} does not exist: no SageMaker endpoint named "
                f"{parts[1]}",
            )
        if parts[3] not in {v["VariantName"] for v in rec.variants}:
            raise SimulatedServiceError(
                "ValidationException",
                f"The resource {params.get('ResourceId')} does not exist: endpoint {parts[1]} has no variant "
                f"{parts[3]}",
            )

    def record_target_registered(self, account: str, region: str, params: Mapping[str, Any]) -> None:
        """A new scalable target: it becomes visible to policies after the visibility delay."""
        with self._lock:
            if self._target_visibility_delay > 0:
                key = (account, region, str(params.get("ResourceId")), str(params.get("ScalableDimension")))
                self._target_visible_at[key] = self.clock.now() + self._target_visibility_delay

    def handle(
        self, action: str, account: str, region: str, params: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """Run ``action`` in the simulator; ``None`` means "let moto answer"."""
        handler = self._handlers().get(action)
        if handler is None:
            return None
        with self._lock:
            return handler(account, region, params)

    def _handlers(self) -> dict[str, Callable[[str, str, Mapping[str, Any]], dict[str, Any] | None]]:
        return {
            "CreateEndpointConfig": self._create_endpoint_config,
            "DeleteEndpointConfig": self._delete_endpoint_config,
            "CreateEndpoint": self._create_endpoint,
            "DescribeEndpoint": self._describe_endpoint,
            "UpdateEndpoint": self._update_endpoint,
            "UpdateEndpointWeightsAndCapacities": self._update_weights,
            "DeleteEndpoint": self._delete_endpoint,
        }

    def record_alarm_state(
        self, account: str, region: str, name: str, state: str | None, previous: str | None
    ) -> None:
        """Log a CloudWatch alarm state change at the current simulated time (``None``: deleted)."""
        with self._lock:
            log = self._alarm_log.setdefault((account, region, name), [])
            if not log:
                log.append((float("-inf"), previous))
            log.append((self.clock.now(), state))
            if self.bus is not None:  # a rollback it starts is announced when it starts (1 ms on:
                # the trip is seen in the window [start, now), which must contain the change)
                self.clock.call_later(0.001, lambda: self._tick(account, region))

    def alarm_transitions(self, account: str, region: str, name: str) -> list[tuple[float, str | None, str]]:
        """(time, from, to) of every recorded state change of an alarm, oldest first."""
        with self._lock:
            log = list(self._alarm_log.get((account, region, name), []))
        changes = []
        for (_before, old), (at, new) in itertools.pairwise(log):
            if new is not None and new != old:
                changes.append((at, old, new))
        return changes

    # ------------------------------------------------------------------ handlers

    def _create_endpoint_config(
        self, account: str, region: str, p: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """CreateEndpointConfig: an existing name is refused with SageMaker's text ("Cannot create
        already existing endpoint configuration", as users report it, e.g.
        awslabs/spot-tagging-bot-for-digital-assets#2); moto stores the config."""
        name = p["EndpointConfigName"]
        if name in self._backend(account, region).endpoint_configs:
            arn = self._bridge.config_arn(name, account, region)
            raise validation_error(f'Cannot create already existing endpoint configuration "{arn}".')
        if self._config_visibility_delay > 0:
            self._config_visible_at[(account, region, name)] = (
                self.clock.now() + self._config_visibility_delay
            )
        return None

    def after_delegated(self, action: str, account: str, region: str, params: Mapping[str, Any]) -> None:
        """After moto carried out an action the simulator delegated: a new endpoint config gets its
        ``CreationTime`` from the simulated clock (moto stamps the wall clock), as the endpoints' times
        are, so that comparing the two (ListEndpoints ``LastModifiedTimeAfter``) means what it does
        on AWS."""
        if action == "CreateEndpointConfig":
            config = self._backend(account, region).endpoint_configs.get(params["EndpointConfigName"])
            if config is not None:
                config.creation_time = _to_datetime(self.clock.now())

    def _delete_endpoint_config(
        self, account: str, region: str, p: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        name = p["EndpointConfigName"]
        backend = self._backend(account, region)
        if name not in backend.endpoint_configs:
            raise validation_error(
                f'Could not find endpoint configuration "{self._bridge.config_arn(name, account, region)}".'
            )
        users = tuple(
            sorted(
                rec.name
                for rec in self._endpoints.values()
                if (rec.account, rec.region) == (account, region)
                and (rec.config_name == name or (rec.op is not None and rec.op.target_config == name))
            )
        )
        if users:
            self.deleted_configs_in_use.append(DeletedConfigInUse(self.clock.now(), name, users))
        del backend.endpoint_configs[name]
        return {}

    def _create_endpoint(self, account: str, region: str, p: Mapping[str, Any]) -> dict[str, Any]:
        """CreateEndpoint: ``Creating``, then ``InService`` or ``Failed`` (CreateEndpoint API reference).

        Missing endpoint or config texts are SageMaker's ("Could not find endpoint configuration",
        "Cannot create already existing endpoint"; the prefixes AWS's own SageMaker operator for
        Kubernetes matches on).
        """
        name, config_name = p["EndpointName"], p["EndpointConfigName"]
        backend = self._backend(account, region)
        if name in backend.endpoints:
            arn = self._bridge.endpoint_arn(name, account, region)
            raise validation_error(f'Cannot create already existing endpoint "{arn}".')
        config = self._visible_config(account, region, config_name)
        fake = backend.create_endpoint(
            endpoint_name=name, endpoint_config_name=config_name, tags=p.get("Tags") or []
        )
        now = self.clock.now()
        variants = _variants_from_config(config.production_variants)
        serverless = all(v["Serverless"] for v in variants)
        timings = self._timings_for(name)
        duration = timings.serverless_create if serverless else timings.create
        op = _Operation("create", now, now + duration, timings)
        if name in self._create_faults:
            reason = self._create_faults.pop(name)
            op.fail_reason = reason or DEFAULT_CREATE_FAILURE.format(variant=variants[0]["VariantName"])
        rec = _Endpoint(
            account, region, name, fake.arn, fake, config_name, variants, "Creating", now, now, op=op
        )
        self._endpoints[(account, region, name)] = rec
        self._transition(rec, now, "Creating", config_name)
        self._apply(rec)
        return {"EndpointArn": fake.arn}

    def _visible_config(self, account: str, region: str, config_name: str) -> Any:
        """The endpoint config, or SageMaker's ``Could not find endpoint configuration "<arn>".``

        Also while a new config is not yet visible (:meth:`delay_config_visibility`).
        """
        config = self._backend(account, region).endpoint_configs.get(config_name)
        visible_at = self._config_visible_at.get((account, region, config_name))
        if config is None or (visible_at is not None and self.clock.now() < visible_at):
            arn = self._bridge.config_arn(config_name, account, region)
            raise validation_error(f'Could not find endpoint configuration "{arn}".')
        return config

    def _describe_endpoint(self, account: str, region: str, p: Mapping[str, Any]) -> dict[str, Any]:
        """DescribeEndpoint: ``FailureReason`` only when set, ``PendingDeploymentSummary`` while an
        update runs, ``LastDeploymentConfig`` once one was used (DescribeEndpoint API reference)."""
        rec = self._require_service(account, region, p["EndpointName"])
        response: dict[str, Any] = {
            k: v for k, v in rec.fake.response_object.items() if k not in ("Tags", "FailureReason")
        }
        if rec.failure_reason:
            response["FailureReason"] = rec.failure_reason
        if rec.last_deployment_config:
            response["LastDeploymentConfig"] = copy.deepcopy(rec.last_deployment_config)
        pending = self._pending_summary(rec)
        if pending:
            response["PendingDeploymentSummary"] = pending
        return response

    def _update_endpoint(self, account: str, region: str, p: Mapping[str, Any]) -> dict[str, Any]:
        """UpdateEndpoint: status ``Updating``, then ``InService`` on the new config, or back on the
        old one after a rollback (UpdateEndpoint API reference; deployment guardrails pages of the
        developer guide for the timeline, see :func:`plan_update`). ``RetainAllVariantProperties``
        keeps the live instance counts and weights unless excluded; ``RetainDeploymentConfig``
        reuses the last deployment config (same reference)."""
        rec = self._require_service(account, region, p["EndpointName"])
        self._check_updatable(rec)
        config_name = p["EndpointConfigName"]
        config = self._visible_config(account, region, config_name)
        new_variants = _variants_from_config(config.production_variants)
        self._check_autoscaling(rec, new_variants)
        excluded = {e.get("VariantPropertyType") for e in p.get("ExcludeRetainedVariantProperties") or []}
        unknown = excluded - _RETAINABLE
        if unknown:
            raise validation_error(
                f"ExcludeRetainedVariantProperties: {sorted(map(str, unknown))} not in {sorted(_RETAINABLE)}"
            )
        retain = bool(p.get("RetainAllVariantProperties"))
        if retain:
            old = {v["VariantName"]: v for v in rec.variants}
            for v in new_variants:
                prev = old.get(v["VariantName"])
                if prev is None:
                    continue
                if (
                    "DesiredInstanceCount" not in excluded
                    and prev["Count"] is not None
                    and v["Count"] is not None
                ):
                    v["Count"] = prev["Count"]
                if "DesiredWeight" not in excluded:
                    v["Weight"] = prev["Weight"]
        data_capture = (
            rec.fake.data_capture_config
            if retain and "DataCaptureConfig" not in excluded
            else (config.data_capture_config or {})
        )
        deployment = p.get("DeploymentConfig")
        if not deployment and p.get("RetainDeploymentConfig"):
            deployment = rec.last_deployment_config
        serverless = all(v["Serverless"] for v in new_variants)
        try:
            plan = plan_update(
                deployment,
                variant_counts={v["VariantName"]: v["Count"] or 1 for v in new_variants},
                serverless=serverless,
                timings=self._timings_for(rec.name),
            )
        except DeploymentConfigError as exc:
            raise validation_error(str(exc)) from None
        now = self.clock.now()
        alarms = tuple(
            a["AlarmName"]
            for a in ((deployment or {}).get("AutoRollbackConfiguration") or {}).get("Alarms") or []
        )
        op = _Operation(
            "update",
            now,
            now + plan.duration,
            self._timings_for(rec.name),
            plan=plan,
            target_config=config_name,
            target_variants=new_variants,
            target_data_capture=data_capture,
            alarms=alarms,
        )
        if rec.name in self._update_faults:
            reason = self._update_faults.pop(rec.name)
            op.fail_reason = reason or DEFAULT_CREATE_FAILURE.format(variant=new_variants[0]["VariantName"])
        if rec.name in self._rollback_faults:
            op.rollback_fail_reason = self._rollback_faults.pop(rec.name) or DEFAULT_ROLLBACK_FAILURE
        if rec.name in self._silent_failures:
            self._silent_failures.discard(rec.name)
            op.silent = True
        if deployment:
            rec.last_deployment_config = copy.deepcopy(dict(deployment))
        rec.op = op
        op.announced = 1  # the first stage's deployment event goes with the Updating one
        rec.failure_reason = None
        self._transition(rec, now, "Updating", config_name)
        self._apply(rec)
        return {"EndpointArn": rec.arn}

    def _update_weights(self, account: str, region: str, p: Mapping[str, Any]) -> dict[str, Any]:
        rec = self._require_service(account, region, p["EndpointName"])
        self._check_updatable(rec)
        targets = copy.deepcopy(rec.variants)
        by_name = {v["VariantName"]: v for v in targets}
        seen: set[str] = set()
        scale = False
        for item in p["DesiredWeightsAndCapacities"]:
            name = item["VariantName"]
            if name in seen:
                raise validation_error(f'The variant name "{name}" was non-unique within the request.')
            seen.add(name)
            if name not in by_name:
                raise validation_error(
                    f'The variant name(s) "{name}" is/are not present within endpoint configuration '
                    f'"{rec.config_name}".'
                )
            if item.get("DesiredWeight") is not None:
                by_name[name]["Weight"] = float(item["DesiredWeight"])
            if item.get("DesiredInstanceCount") is not None:
                scale = True
                by_name[name]["Count"] = int(item["DesiredInstanceCount"])
        now = self.clock.now()
        timings = self._timings_for(rec.name)
        duration = timings.scale if scale else timings.reweight
        rec.op = _Operation("scale", now, now + duration, timings, target_variants=targets)
        self._transition(rec, now, "Updating", rec.config_name)
        self._apply(rec)
        return {"EndpointArn": rec.arn}

    def _delete_endpoint(self, account: str, region: str, p: Mapping[str, Any]) -> dict[str, Any]:
        rec = self._require_service(account, region, p["EndpointName"])
        if rec.status == "Deleting":
            return {}
        if rec.status in _IN_PROGRESS:
            raise validation_error(f'Cannot update in-progress endpoint "{rec.arn}".')
        now = self.clock.now()
        self._deregister_scaling(rec)
        timings = self._timings_for(rec.name)
        rec.op = _Operation("delete", now, now + timings.delete, timings)
        self._transition(rec, now, "Deleting", rec.config_name)
        self._apply(rec)
        return {}

    # ------------------------------------------------------------------ checks

    def _check_updatable(self, rec: _Endpoint) -> None:
        """Only ``InService`` endpoints can be updated. "Cannot update in-progress endpoint" is
        SageMaker's text (users report it verbatim; AWS's SageMaker operator for Kubernetes matches
        its prefix); the failed-endpoint text follows the same reports ("Cannot update failed
        endpoint")."""
        if rec.status == "Failed":
            raise validation_error(
                f'Cannot update failed endpoint "{rec.arn}". '
                "DeleteEndpoint is the only operation allowed on a "
                "failed endpoint."
            )
        if rec.status in _IN_PROGRESS:
            raise validation_error(f'Cannot update in-progress endpoint "{rec.arn}".')

    def _check_autoscaling(self, rec: _Endpoint, new_variants: list[dict[str, Any]]) -> None:
        """ "If the update would change the instance type for any model that is a target for auto
        scaling, the update fails", and so does removing such a variant (developer guide, "Update
        endpoints that use auto scaling"; both dimensions count). SageMaker's exact wording is not
        published: the messages state the guide's rule and its remedy."""
        new = {v["VariantName"]: v for v in new_variants}
        aas = self._bridge.autoscaling(rec.account, rec.region)
        for old in rec.variants:
            name = old["VariantName"]
            resource_id = f"endpoint/{rec.name}/variant/{name}"
            if not any(aas._scalable_target_exists(resource_id, dim) for dim in _SCALING_DIMENSIONS):
                continue
            if name not in new:
                raise validation_error(
                    f'The production variant "{name}" of endpoint "{rec.arn}" '
                    "is registered as a scalable target "
                    "with Application Auto Scaling and cannot be removed. Deregister the scalable target "
                    "(DeregisterScalableTarget) before updating the endpoint."
                )
            if new[name]["InstanceType"] != old["InstanceType"]:
                raise validation_error(
                    f'The instance type of production variant "{name}" of endpoint "{rec.arn}" '
                    "cannot be updated "
                    "while the variant is registered as a scalable target with Application Auto Scaling. "
                    "Deregister the scalable target (DeregisterScalableTarget) "
                    "before updating the instance type."
                )

    # ------------------------------------------------------------------ state machine

    def _sync(self, account: str, region: str) -> None:
        backend = self._backend(account, region)
        now = self.clock.now()
        for key, rec in list(self._endpoints.items()):
            if (rec.account, rec.region) != (account, region):
                continue
            if backend.endpoints.get(rec.name) is not rec.fake:
                del self._endpoints[key]
                continue
            self._settle(rec, now)
        for name, fake in list(backend.endpoints.items()):
            if (account, region, name) not in self._endpoints:
                self._adopt(account, region, name, fake, now)

    def _adopt(self, account: str, region: str, name: str, fake: Any, now: float) -> None:
        variants = []
        for pv in fake.production_variants:
            variants.append(
                {
                    "VariantName": pv["VariantName"],
                    "InstanceType": None,
                    "Count": pv.get("DesiredInstanceCount"),
                    "Weight": float(pv.get("DesiredWeight") or 1.0),
                    "Serverless": pv.get("DesiredServerlessConfig"),
                }
            )
        backend = self._backend(account, region)
        config = backend.endpoint_configs.get(fake.endpoint_config_name)
        if config is not None:
            types = {pv["VariantName"]: pv.get("InstanceType") for pv in config.production_variants}
            for v in variants:
                v["InstanceType"] = types.get(v["VariantName"])
        rec = _Endpoint(
            account,
            region,
            name,
            fake.arn,
            fake,
            fake.endpoint_config_name,
            variants,
            fake.endpoint_status,
            now,
            now,
        )
        self._endpoints[(account, region, name)] = rec

    def _settle(self, rec: _Endpoint, now: float) -> None:
        op = rec.op
        if op is None:
            return
        if op.kind == "update":
            self._settle_update(rec, op, now)
        elif now >= op.end:
            rec.op = None
            if op.kind == "delete":
                self._remove(rec, op.end)
                return
            if op.kind == "create" and op.fail_reason:
                rec.failure_reason = op.fail_reason
                self._transition(rec, op.end, "Failed", rec.config_name)
            else:
                if op.target_variants is not None:
                    rec.variants = op.target_variants
                self._transition(rec, op.end, "InService", rec.config_name)
        self._apply(rec)

    def _settle_update(self, rec: _Endpoint, op: _Operation, now: float) -> None:
        plan = op.plan
        if plan is None or op.target_config is None:
            raise SimulatorError("internal: update operation without a plan")
        if op.fail_reason is not None:
            failed_at = op.start + plan.provisioning_end
            if now >= failed_at:
                rec.op = None
                rec.failure_reason = None if op.silent else op.fail_reason
                self._transition(rec, failed_at, "InService", rec.config_name)
            return
        if op.rollback_at is None:
            trigger = self._rollback_trigger(rec, op, now)
            self._announce_stages(rec, op, min(now, trigger[0]) if trigger else now)
            if trigger is not None:
                op.rollback_at, op.rollback_reason = trigger
                self._transition(rec, op.rollback_at, "RollingBack", rec.config_name)
        if op.rollback_at is not None:
            done_at = op.rollback_at + plan.rollback_seconds(op.rollback_at - op.start, op.timings)
            if now >= done_at:
                rec.op = None
                if op.rollback_fail_reason:
                    rec.failure_reason = op.rollback_fail_reason
                    self._transition(rec, done_at, "UpdateRollbackFailed", rec.config_name)
                else:
                    rec.failure_reason = None if op.silent else op.rollback_reason
                    self._transition(rec, done_at, "InService", rec.config_name)
            return
        if now >= op.end:
            rec.op = None
            rec.config_name = op.target_config
            rec.variants = op.target_variants or []
            rec.fake.data_capture_config = op.target_data_capture
            rec.failure_reason = None
            self._transition(rec, op.end, "InService", rec.config_name)

    def _rollback_trigger(self, rec: _Endpoint, op: _Operation, now: float) -> tuple[float, str] | None:
        plan = op.plan
        if plan is None:
            raise SimulatorError("internal: update operation without a plan")
        candidates: list[tuple[float, str]] = []
        for start, end in plan.monitored_windows():
            lo, hi = op.start + start, min(op.start + end, now)
            if lo > now:
                break
            trips = [t for t in (self._alarm_trip(rec, a, lo, hi) for a in op.alarms) if t is not None]
            if trips:
                at = min(trips)
                names = [a for a in op.alarms if self._alarm_state_at(rec, a, at) == "ALARM"]
                candidates.append(
                    (
                        at,
                        "Endpoint update was rolled back because the following CloudWatch alarm(s) went into "
                        f"ALARM state during the deployment: {', '.join(names)}.",
                    )
                )
                break
        if plan.timeout is not None and plan.duration > plan.timeout and op.start + plan.timeout <= now:
            candidates.append(
                (
                    op.start + plan.timeout,
                    "Endpoint update was rolled back because the deployment did not complete within "
                    f"MaximumExecutionTimeoutInSeconds ({plan.timeout:g} seconds).",
                )
            )
        return min(candidates) if candidates else None

    def _alarm_state_at(self, rec: _Endpoint, alarm: str, t: float) -> str | None:
        log = self._alarm_log.get((rec.account, rec.region, alarm))
        if not log:
            current = self._bridge.alarm(rec.account, rec.region, alarm)
            return current.state_value if current is not None else None
        state: str | None = None
        for at, value in log:
            if at > t:
                break
            state = value
        return state

    def _alarm_trip(self, rec: _Endpoint, alarm: str, lo: float, hi: float) -> float | None:
        """First time in ``[lo, hi)`` (or at ``lo`` when ``lo == hi``) the alarm is in ALARM."""
        if self._alarm_state_at(rec, alarm, lo) == "ALARM":
            return lo
        for at, value in self._alarm_log.get((rec.account, rec.region, alarm), []):
            if lo < at < hi and value == "ALARM":
                return at
        return None

    # ------------------------------------------------------------------ output

    def _pending_summary(self, rec: _Endpoint, at: float | None = None) -> dict[str, Any] | None:
        """``PendingDeploymentSummary`` at ``at`` (default now). Each ``VariantStatus`` carries the
        start of the current status change (DescribeEndpoint API reference, ProductionVariantStatus:
        StartTime "The start time of the current status change")."""
        op = rec.op
        if op is None or op.kind != "update" or op.plan is None or op.target_variants is None:
            return None
        now = self.clock.now() if at is None else at
        if op.rollback_at is not None and now >= op.rollback_at:
            status, share, since = "Deleting", 0.0, op.rollback_at
        else:
            phase = op.plan.phase_at(now - op.start)
            status = phase.variant_status if phase else "Baking"
            share = phase.new_traffic if phase else 1.0
            since = op.start + (phase.start if phase else 0.0)
        variants = []
        for v in op.target_variants:
            item = _summaries([v], current=False, status=status, since=since)[0]
            item["CurrentWeight"] = v["Weight"] * share
            if v["InstanceType"]:
                item["InstanceType"] = v["InstanceType"]
            if not v["Serverless"]:
                item["CurrentInstanceCount"] = v["Count"] if status != "Creating" else 0
            variants.append(item)
        return {
            "EndpointConfigName": op.target_config,
            "ProductionVariants": variants,
            "StartTime": _to_datetime(op.start),
        }

    def _apply(self, rec: _Endpoint) -> None:
        fake = rec.fake
        fake.endpoint_status = rec.status
        fake.endpoint_config_name = rec.config_name
        fake.failure_reason = rec.failure_reason
        fake.creation_time = _to_datetime(rec.created)
        fake.last_modified_time = _to_datetime(rec.modified)
        if rec.status == "Creating":
            fake.production_variants = _summaries(
                rec.variants, current=False, status="Creating", since=rec.created
            )
        else:
            fake.production_variants = _summaries(rec.variants)

    def _transition(self, rec: _Endpoint, at: float, status: str, config: str | None) -> None:
        rec.status = status
        rec.modified = at
        self._history.setdefault((rec.account, rec.region, rec.name), []).append(
            Transition(at, status, config)
        )
        if self.bus is not None:
            self._announce(rec, at)

    # ------------------------------------------------------------------ events (eventbridge.py)

    def _view(self, rec: _Endpoint, at: float, *, pending: bool = False) -> EndpointView:
        return EndpointView(
            account=rec.account,
            region=rec.region,
            name=rec.name,
            arn=rec.arn,
            config=rec.config_name,
            status=rec.status,
            created=rec.created,
            modified=rec.modified,
            variants=tuple(_summaries(rec.variants, current=rec.status != "Creating")),
            tags={t["Key"]: t["Value"] for t in getattr(rec.fake, "tags", []) or []},
            pending=self._pending_summary(rec, at) if pending else None,
        )

    def _announce(self, rec: _Endpoint, at: float) -> None:
        """A status change: its Endpoint State Change event, the deployment event of an update that
        starts or rolls back, and timers for the transitions ahead (so events leave on time)."""
        assert self.bus is not None
        self.bus.publish(endpoint_state_change(self._view(rec, at), at, self.bus.rng), at)
        op = rec.op
        if op is None:
            return
        if op.kind == "update" and self._guarded_events(op) and rec.status in ("Updating", "RollingBack"):
            self.bus.publish(deployment_state_change(self._view(rec, at, pending=True), at, self.bus.rng), at)
        ahead = [op.end]
        if op.kind == "update" and op.plan is not None:
            ahead += [op.start + p.start for p in op.plan.phases[1:]]
            ahead.append(op.start + op.plan.provisioning_end)
            if op.plan.timeout is not None:
                ahead.append(op.start + op.plan.timeout)
            if op.rollback_at is not None:
                ahead = [op.rollback_at + op.plan.rollback_seconds(op.rollback_at - op.start, op.timings)]
        account, region = rec.account, rec.region
        for when in sorted(set(ahead)):
            if when > at:
                self.clock.call_later(when - self.clock.now(), lambda: self._tick(account, region))

    @staticmethod
    def _guarded_events(op: _Operation) -> bool:
        """Deployment events are sent for instance-backed endpoints (the guide's examples "may not
        work for all endpoints": the deployment guardrails' exclusions include serverless ones)."""
        return not any(v.get("Serverless") for v in (op.target_variants or []))

    def _announce_stages(self, rec: _Endpoint, op: _Operation, until: float) -> None:
        """Deployment events for the update's stages that began by ``until`` and were not sent yet."""
        if self.bus is None or op.plan is None or not self._guarded_events(op) or op.fail_reason is not None:
            return
        phases = op.plan.phases
        while op.announced < len(phases) and op.start + phases[op.announced].start <= until:
            at = op.start + phases[op.announced].start
            op.announced += 1
            view = self._view(rec, at, pending=True)
            self.bus.publish(deployment_state_change(view, at, self.bus.rng), at)

    def _tick(self, account: str, region: str) -> None:
        """A timer the simulator set: bring the endpoints up to date (which sends their events)."""
        with self._lock:
            if self._bridge is not None:
                self._sync(account, region)

    def _remove(self, rec: _Endpoint, at: float) -> None:
        backend = self._backend(rec.account, rec.region)
        if backend.endpoints.get(rec.name) is rec.fake:
            del backend.endpoints[rec.name]
        self._endpoints.pop((rec.account, rec.region, rec.name), None)
        self._history.setdefault((rec.account, rec.region, rec.name), []).append(
            Transition(at, "Deleted", None)
        )

    def _deregister_scaling(self, rec: _Endpoint) -> None:
        aas = self._bridge.autoscaling(rec.account, rec.region)
        for v in rec.variants:
            resource_id = f"endpoint/{rec.name}/variant/{v['VariantName']}"
            for dim in _SCALING_DIMENSIONS:
                if aas._scalable_target_exists(resource_id, dim):
                    aas.deregister_scalable_target("sagemaker", resource_id, dim)

    # ------------------------------------------------------------------ lookup helpers

    def _backend(self, account: str, region: str) -> Any:
        if self._bridge is None:
            raise SimulatorError("SageMakerSimulator: not active; use `with sim:` or sim.activate()")
        return self._bridge.sagemaker(account, region)

    def _lookup(self, name: str, account_id: str | None, region: str | None) -> _Endpoint | None:
        account, reg = account_id or self.account_id, region or self.region
        self._sync(account, reg)
        return self._endpoints.get((account, reg, name))

    def _require(self, name: str, account_id: str | None, region: str | None) -> _Endpoint:
        rec = self._lookup(name, account_id, region)
        if rec is None:
            raise SimulatorError(f"SageMakerSimulator: no endpoint named {name}")
        return rec

    def _require_service(self, account: str, region: str, name: str) -> _Endpoint:
        rec = self._endpoints.get((account, region, name))
        if rec is None:
            raise validation_error(
                f'Could not find endpoint "{self._bridge.endpoint_arn(name, account, region)}".'
            )
        return rec

    def invoke_endpoint(self, account: str, region: str, name: str) -> tuple[int, bytes, str, str]:
        """SageMaker Runtime's InvokeEndpoint: (status, body, content type, model) of the fleet that
        answers now (:mod:`.inference`); the model's latency advances the clock (at most 60 s, then
        ``ModelError`` with status 0). Raises ``ValidationError`` for an endpoint that does not
        exist or is not ``InService``/``Updating``/``RollingBack`` (no fleet to answer)."""
        with self._lock:
            self._count_and_inject("InvokeEndpoint")
            self._sync(account, region)
            rec = self._endpoints.get((account, region, name))
            if rec is None or rec.status not in ("InService", "Updating", "RollingBack", "SystemUpdating"):
                raise validation_error(
                    f"Endpoint {name} of account {account} not found."
                    if rec is None
                    else f"Endpoint {name} is {rec.status}: it cannot take requests."
                )
            config = rec.config_name
            op = rec.op
            now = self.clock.now()
            rolling_out = op is not None and op.kind == "update" and op.rollback_at is None
            planned = op is not None and op.plan is not None and bool(op.target_config) and not op.fail_reason
            if rolling_out and planned and op is not None and op.plan is not None and op.target_config:
                phase = op.plan.phase_at(now - op.start)
                share = phase.new_traffic if phase is not None else 0.0
                if self.models.new_fleet_answers(share):
                    config = op.target_config
            backend = self._backend(account, region)
            found = backend.endpoint_configs.get(config)
            model = str(found.production_variants[0].get("ModelName", "")) if found is not None else ""
            answer = self.models.answer(model)
            advance: Callable[[float], None] | None = getattr(self.clock, "advance", None)
            seconds = min(answer.latency, MODEL_TIMEOUT_SECONDS)
            if seconds > 0:
                (advance or self.clock.sleep)(seconds)
            status = 0 if answer.latency >= MODEL_TIMEOUT_SECONDS else answer.status
            self.models.calls.append((self.clock.now(), name, model, status))
            if status == 0:
                return 0, TIMEOUT_TEXT.encode(), "text/plain", model
            return status, answer.body, answer.content_type, model

    def endpoints(self) -> Iterator[str]:
        """Names of the endpoints the simulator tracks in the default account and region."""
        with self._lock:
            self._sync(self.account_id, self.region)
            return iter(
                sorted(n for (a, r, n) in self._endpoints if (a, r) == (self.account_id, self.region))
            )
