"""The glue between the simulator and moto: patches installed on activate, removed on deactivate.

Imported only by :meth:`SageMakerSimulator.activate`, so importing the simulator package does not
import moto.
"""

from __future__ import annotations

import functools
import json
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import botocore.session
import moto.applicationautoscaling.models as aas_models
from moto.applicationautoscaling.models import (
    ApplicationAutoscalingBackend,
    FakeApplicationAutoscalingPolicy,
    applicationautoscaling_backends,
)
from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.cloudwatch.models import CloudWatchBackend, cloudwatch_backends
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.exceptions import JsonRESTError, ServiceException
from moto.core.responses import ActionResult, BaseResponse
from moto.sagemaker.exceptions import SagemakerClientError, ValidationError
from moto.sagemaker.models import FakeEndpointConfig, sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse
from moto.sagemaker.utils import arn_formatter

from sagemaker_rollout_testing.simulator.errors import SimulatedServiceError

if TYPE_CHECKING:
    from sagemaker_rollout_testing.simulator.core import SageMakerSimulator

__all__ = ["MotoBridge"]

_MISSING = object()

# Operation -> request parameters the simulator reads.
_OPERATIONS: dict[str, tuple[str, ...]] = {
    "CreateEndpointConfig": ("EndpointConfigName",),
    "DeleteEndpointConfig": ("EndpointConfigName",),
    "CreateEndpoint": ("EndpointName", "EndpointConfigName", "Tags"),
    "DescribeEndpoint": ("EndpointName",),
    "UpdateEndpoint": (
        "EndpointName",
        "EndpointConfigName",
        "RetainAllVariantProperties",
        "ExcludeRetainedVariantProperties",
        "DeploymentConfig",
        "RetainDeploymentConfig",
    ),
    "UpdateEndpointWeightsAndCapacities": ("EndpointName", "DesiredWeightsAndCapacities"),
    "DeleteEndpoint": ("EndpointName",),
}


# Application Auto Scaling operations the simulator sees (fault injection, consistency windows).
_AUTOSCALING_OPERATIONS = (
    "DescribeScalableTargets",
    "RegisterScalableTarget",
    "DeregisterScalableTarget",
    "PutScalingPolicy",
    "DescribeScalingPolicies",
    "DeleteScalingPolicy",
    "PutScheduledAction",
    "DescribeScheduledActions",
    "DeleteScheduledAction",
)
_PROVISIONED_CONCURRENCY = "sagemaker:variant:DesiredProvisionedConcurrency"
_NOT_SUSPENDED = {
    "DynamicScalingInSuspended": False,
    "DynamicScalingOutSuspended": False,
    "ScheduledScalingSuspended": False,
}


@functools.cache
def _botocore_enum(service: str, shape: str) -> tuple[str, ...]:
    """An enum of botocore's service model (the API's own list of allowed values)."""
    model = botocore.session.get_session().get_service_model(service)
    return tuple(getattr(model.shape_for(shape), "enum", ()))


def _no_target(namespace: str, resource_id: str, dimension: str) -> JsonRESTError:
    """Application Auto Scaling's answer for a policy or action on a target it cannot see.

    The text is the service's own, as users report it (e.g. cloudposse/terraform-aws-ecs-cloudwatch-
    autoscaling#36: "ObjectNotFoundException: No scalable target registered for service namespace:
    ecs, resource ID: ..., scalable dimension: ecs:service:DesiredCount").
    """
    return JsonRESTError(
        "ObjectNotFoundException",
        f"No scalable target registered for service namespace: {namespace}, resource ID: {resource_id}, "
        f"scalable dimension: {dimension}",
    )


def _as_datetime(value: Any) -> datetime:
    """A request timestamp as moto hands it (datetime, epoch seconds or ISO text) -> aware datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    text = str(value)
    try:
        return datetime.fromtimestamp(float(text), tz=UTC)
    except ValueError:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _snake(action: str) -> str:
    out = []
    for i, ch in enumerate(action):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def _error_response(response: BaseResponse, error: ServiceException) -> Any:
    """Serialise ``error`` exactly as moto's own ``call_action`` does."""
    with warnings.catch_warnings():
        # Codes outside SageMaker's model (ThrottlingException) serialise fine but make moto warn.
        warnings.simplefilter("ignore", UserWarning)
        status, headers, body = response.serialized(ActionResult(error))
    headers["status"] = status
    status, headers, body = response._transform_response(response.response_headers, (body, headers))
    headers, body = response._enrich_response(headers, body)
    return status, headers, body


class MotoBridge:
    """Installs and removes the simulator's patches on moto's classes."""

    def __init__(self, sim: SageMakerSimulator) -> None:
        self.sim = sim
        self._saved: list[tuple[Any, str, object]] = []

    # -------------------------------------------------------------- backends

    def sagemaker(self, account: str, region: str) -> Any:
        return sagemaker_backends[account][region]

    def autoscaling(self, account: str, region: str) -> Any:
        return applicationautoscaling_backends[account][region]

    def alarm(self, account: str, region: str, name: str) -> Any:
        return cloudwatch_backends[account][region].alarms.get(name)

    @staticmethod
    def endpoint_arn(name: str, account: str, region: str) -> str:
        return arn_formatter("endpoint", name, account, region)

    @staticmethod
    def config_arn(name: str, account: str, region: str) -> str:
        return arn_formatter("endpoint-config", name, account, region)

    # -------------------------------------------------------------- patching

    def _patch(self, owner: Any, name: str, value: object) -> None:
        self._saved.append((owner, name, owner.__dict__.get(name, _MISSING)))
        setattr(owner, name, value)

    def install(self) -> None:
        sim = self.sim
        original_call_action = SageMakerResponse.call_action

        def call_action(self: SageMakerResponse) -> Any:
            try:
                sim.before_call(self._get_action(), self.current_account, self.region)
            except SimulatedServiceError as exc:
                return _error_response(self, SagemakerClientError(exc.code, exc.message))
            return original_call_action(self)

        self._patch(SageMakerResponse, "call_action", call_action)
        for action, params in _OPERATIONS.items():
            method_name = _snake(action)
            self._patch(SageMakerResponse, method_name, self._make_method(action, params, method_name))
        self._patch_cloudwatch()
        self._patch_runtime()
        self._patch_autoscaling()
        self._patch_autoscaling_calls()
        self._patch_instance_types()
        self._patch_iam()

    def uninstall(self) -> None:
        while self._saved:
            owner, name, value = self._saved.pop()
            if value is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, value)

    def _make_method(self, action: str, params: tuple[str, ...], method_name: str) -> Callable[..., Any]:
        sim = self.sim
        original = getattr(SageMakerResponse, method_name, None)

        def method(self: SageMakerResponse) -> Any:
            values = {name: self._get_param(name) for name in params}
            try:
                result = sim.handle(action, self.current_account, self.region, values)
            except SimulatedServiceError as exc:
                raise SagemakerClientError(exc.code, exc.message) from None
            if result is None:
                if original is None:  # pragma: no cover - every delegated action exists in moto
                    raise NotImplementedError(f"The {method_name} action has not been implemented")
                response = original(self)
                sim.after_delegated(action, self.current_account, self.region, values)
                return response
            return ActionResult(result)

        method.__name__ = method_name
        return method

    def _patch_iam(self) -> None:
        """IAM's SimulatePrincipalPolicy, which moto lacks (:mod:`.iam`)."""
        from moto.iam.responses import IamResponse

        from sagemaker_rollout_testing.simulator.iam import simulate_principal_policy

        self._patch(IamResponse, "simulate_principal_policy", simulate_principal_policy)

    def _patch_runtime(self) -> None:
        """SageMaker Runtime's InvokeEndpoint answered by the simulator (:mod:`.inference`)."""
        from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

        sim = self.sim

        def invoke_endpoint(self: Any) -> Any:
            name = unquote(self.path.split("/endpoints/", 1)[1].split("/", 1)[0])
            try:
                status, body, content_type, _model = sim.invoke_endpoint(
                    self.current_account, self.region, name
                )
            except SimulatedServiceError as exc:
                return (
                    400,
                    {"status": "400", "x-amzn-ErrorType": exc.code, "Content-Type": "application/json"},
                    json.dumps({"message": exc.message}),
                )
            if status == 200:
                return (
                    200,
                    {"Content-Type": content_type, "x-Amzn-Invoked-Production-Variant": "primary"},
                    body,
                )
            # ModelError: HTTP 424 with the model's status and message (SageMaker API reference,
            # InvokeEndpoint, Errors: ModelError, OriginalStatusCode, OriginalMessage).
            message = body.decode(errors="replace")
            return (
                424,
                {"status": "424", "x-amzn-ErrorType": "ModelError", "Content-Type": "application/json"},
                json.dumps(
                    {
                        "message": f'Received server error ({status}) from primary with message "{message}".',
                        "OriginalStatusCode": status,
                        "OriginalMessage": message,
                    }
                ),
            )

        self._patch(SageMakerRuntimeResponse, "invoke_endpoint", invoke_endpoint)

    def _patch_cloudwatch(self) -> None:
        sim = self.sim
        put_metric_alarm = CloudWatchBackend.put_metric_alarm
        set_alarm_state = CloudWatchBackend.set_alarm_state
        delete_alarms = CloudWatchBackend.delete_alarms

        def patched_put(backend: CloudWatchBackend, name: str, *args: Any, **kwargs: Any) -> Any:
            previous = backend.alarms.get(name)
            alarm = put_metric_alarm(backend, name, *args, **kwargs)
            if previous is not None:
                # "When you update an existing alarm, its state is left unchanged" (CloudWatch API
                # reference, PutMetricAlarm); moto starts every put alarm in OK.
                alarm.state_value = previous.state_value
            sim.record_alarm_state(
                backend.account_id,
                backend.region_name,
                name,
                alarm.state_value,
                previous.state_value if previous is not None else None,
            )
            _evaluate_missing_data(backend, alarm)
            return alarm

        def _evaluate_missing_data(backend: CloudWatchBackend, alarm: Any) -> None:
            """CloudWatch evaluates a metric alarm every period (CloudWatch user guide, "Using Amazon
            CloudWatch alarms"); moto never does. For an alarm whose metric has no datapoint at all,
            one period after it is put its state follows ``TreatMissingData`` ("Configuring how
            CloudWatch alarms treat missing data": ``breaching`` -> ALARM, ``notBreaching`` -> OK),
            and stays so while no data arrives (the evaluation is not repeated: nothing changes it)."""
            treat = getattr(alarm, "treat_missing_data", None)
            if treat not in ("breaching", "notBreaching"):
                return
            if any(
                d.namespace == alarm.namespace and d.name == alarm.metric_name for d in backend.metric_data
            ):
                return
            target = "ALARM" if treat == "breaching" else "OK"
            period = float(getattr(alarm, "period", 60) or 60)

            put: Any = alarm

            def evaluate() -> None:
                current: Any = backend.alarms.get(put.name)
                if current is not put or current.state_value == target:
                    return  # replaced or deleted meanwhile, or already there
                before = put.state_value
                put.state_value = target
                put.state_reason = f"missing data treated as {treat}"
                sim.record_alarm_state(backend.account_id, backend.region_name, put.name, target, before)

            sim.clock.call_later(period, evaluate)

        def patched_set(backend: CloudWatchBackend, alarm_name: str, *args: Any, **kwargs: Any) -> None:
            previous = backend.alarms.get(alarm_name)
            set_alarm_state(backend, alarm_name, *args, **kwargs)
            sim.record_alarm_state(
                backend.account_id,
                backend.region_name,
                alarm_name,
                backend.alarms[alarm_name].state_value,
                previous.state_value if previous is not None else None,
            )

        def patched_delete(backend: CloudWatchBackend, alarm_names: list[str]) -> None:
            previous = {n: backend.alarms[n].state_value for n in alarm_names if n in backend.alarms}
            delete_alarms(backend, alarm_names)
            for name, state in previous.items():
                sim.record_alarm_state(backend.account_id, backend.region_name, name, None, state)

        def describe_alarm_history(response: CloudWatchResponse) -> ActionResult:
            """DescribeAlarmHistory, which moto lacks, from the simulator's alarm log.

            CloudWatch API reference, DescribeAlarmHistory: items of ``HistoryItemType``
            ``StateUpdate`` between ``StartDate`` and ``EndDate``, newest first, each with a
            ``HistorySummary`` such as "Alarm updated from OK to ALARM" (the wording CloudWatch
            writes, shown in the CloudWatch user guide's alarm history). Only state updates are
            modelled; a request for another item type gets none.
            """
            backend = response.cloudwatch_backend
            name = response._get_param("AlarmName")
            kind = response._get_param("HistoryItemType")
            start = response._get_param("StartDate")
            end = response._get_param("EndDate")
            items = []
            if kind in (None, "StateUpdate"):
                for at, old, new in sim.alarm_transitions(backend.account_id, backend.region_name, name):
                    stamp = datetime.fromtimestamp(at, tz=UTC)
                    if (start is not None and stamp < _as_datetime(start)) or (
                        end is not None and stamp > _as_datetime(end)
                    ):
                        continue
                    items.append(
                        {
                            "AlarmName": name,
                            "AlarmType": "MetricAlarm",
                            "Timestamp": stamp,
                            "HistoryItemType": "StateUpdate",
                            "HistorySummary": f"Alarm updated from {old or 'INSUFFICIENT_DATA'} to {new}",
                        }
                    )
            return ActionResult({"AlarmHistoryItems": list(reversed(items))})

        self._patch(CloudWatchBackend, "put_metric_alarm", patched_put)
        self._patch(CloudWatchBackend, "set_alarm_state", patched_set)
        self._patch(CloudWatchBackend, "delete_alarms", patched_delete)
        self._patch(CloudWatchResponse, "describe_alarm_history", describe_alarm_history)

    def _patch_autoscaling(self) -> None:
        """Make moto's Application Auto Scaling behave as the API reference documents."""
        register = ApplicationAutoscalingBackend.register_scalable_target
        deregister = ApplicationAutoscalingBackend.deregister_scalable_target
        put_policy = ApplicationAutoscalingBackend.put_scaling_policy
        put_action = ApplicationAutoscalingBackend.put_scheduled_action
        target_params_are_valid = aas_models._target_params_are_valid
        validate_params = ApplicationAutoScalingResponse._validate_params

        def patched_register(
            backend: ApplicationAutoscalingBackend,
            namespace: str,
            r_id: str,
            dimension: str,
            min_capacity: int | None,
            max_capacity: int | None,
            role_arn: str,
            suspended_state: Any,
        ) -> Any:
            """A target always has its three SuspendedState flags, as DescribeScalableTargets shows
            them (API reference, examples): a flag not given keeps its value, ``false`` at first
            (moto stores ``None`` when the request has no SuspendedState)."""
            previous: Any = backend.targets.get(dimension, {}).get(r_id)
            before: dict[str, bool] = dict(previous.suspended_state or {}) if previous is not None else {}
            target: Any = register(
                backend, namespace, r_id, dimension, min_capacity, max_capacity, role_arn, suspended_state
            )
            target.suspended_state = {**_NOT_SUSPENDED, **before, **dict(suspended_state or {})}
            return target

        def patched_deregister(
            backend: ApplicationAutoscalingBackend, namespace: str, r_id: str, dimension: str
        ) -> None:
            """DeregisterScalableTarget API reference: "Deregistering a scalable target deletes the
            scaling policies and the scheduled actions that are associated with it" (moto keeps
            both); a missing target is ObjectNotFoundException (Errors), not moto's ValidationException.
            """
            if not backend._scalable_target_exists(r_id, dimension):
                raise JsonRESTError(
                    "ObjectNotFoundException",
                    f"No scalable target found for service namespace: {namespace}, resource ID: {r_id}, "
                    f"scalable dimension: {dimension}",
                )
            deregister(backend, namespace, r_id, dimension)
            for key, policy in list(backend.policies.items()):
                if (policy.service_namespace, policy.resource_id, policy.scalable_dimension) == (
                    namespace,
                    r_id,
                    dimension,
                ):
                    policy.delete_alarms(backend.account_id, backend.region_name)
                    del backend.policies[key]
            backend.scheduled_actions = [
                a
                for a in backend.scheduled_actions
                if (a.service_namespace, a.resource_id, a.scalable_dimension) != (namespace, r_id, dimension)
            ]

        def patched_put_policy(
            backend: ApplicationAutoscalingBackend,
            policy_name: str,
            service_namespace: str,
            resource_id: str,
            scalable_dimension: str,
            policy_body: dict[str, Any],
            policy_type: str | None,
        ) -> Any:
            """PutScalingPolicy "creates or updates" a policy (API reference): an update is the same
            policy, so it keeps its ARN (moto mints a new one). It needs a registered target
            (Errors: ObjectNotFoundException; moto accepts any)."""
            if not backend._scalable_target_exists(resource_id, scalable_dimension):
                raise _no_target(service_namespace, resource_id, scalable_dimension)
            key = FakeApplicationAutoscalingPolicy.formulate_key(
                service_namespace, resource_id, scalable_dimension, policy_name
            )
            old = backend.policies.get(key)
            policy = put_policy(
                backend,
                policy_name,
                service_namespace,
                resource_id,
                scalable_dimension,
                policy_body,
                policy_type,
            )
            if old is not None and old is not policy:
                old.delete_alarms(backend.account_id, backend.region_name)
                policy._guid, policy.policy_arn = old._guid, old.policy_arn
                policy.creation_time = old.creation_time
            return policy

        def patched_put_action(backend: ApplicationAutoscalingBackend, **kwargs: Any) -> None:
            """PutScheduledAction needs a registered target (API reference, Errors)."""
            namespace, r_id, dimension = (
                kwargs["service_namespace"],
                kwargs["resource_id"],
                kwargs["scalable_dimension"],
            )
            if not backend._scalable_target_exists(r_id, dimension):
                raise _no_target(namespace, r_id, dimension)
            put_action(backend, **kwargs)

        def patched_describe_policies(
            backend: ApplicationAutoscalingBackend,
            service_namespace: str,
            resource_id: str,
            scalable_dimension: str,
            max_results: int | None,
            next_token: str,
        ) -> tuple[str | None, list[Any]]:
            """Exact ResourceId / dimension filters (moto matches substrings: variant "a" saw "ab")."""
            policies = [
                p
                for p in backend.policies.values()
                if p.service_namespace == service_namespace
                and (not resource_id or p.resource_id == resource_id)
                and (not scalable_dimension or p.scalable_dimension == scalable_dimension)
            ]
            start = int(next_token) if next_token else 0
            end = start + (max_results or 100)
            return (str(end) if end < len(policies) else None), policies[start:end]

        def patched_target_params(namespace: str, r_id: str, dimension: str) -> bool:
            """Accept sagemaker:variant:DesiredProvisionedConcurrency, missing from moto's list
            (RegisterScalableTarget API reference, ScalableDimension: "The provisioned concurrency
            for a SageMaker serverless endpoint")."""
            if dimension == _PROVISIONED_CONCURRENCY and namespace == "sagemaker":
                parts = r_id.split("/")
                if len(parts) == 4 and parts[0] == "endpoint" and parts[2] == "variant":
                    return True
                raise JsonRESTError(
                    "ValidationException",
                    "Unsupported service namespace, resource type or scalable dimension",
                )
            return bool(target_params_are_valid(namespace, r_id, dimension))

        def patched_validate(response: ApplicationAutoScalingResponse) -> None:
            if response._get_param("ScalableDimension") == _PROVISIONED_CONCURRENCY:
                return
            validate_params(response)

        self._patch(ApplicationAutoscalingBackend, "register_scalable_target", patched_register)
        self._patch(ApplicationAutoscalingBackend, "deregister_scalable_target", patched_deregister)
        self._patch(ApplicationAutoscalingBackend, "put_scaling_policy", patched_put_policy)
        self._patch(ApplicationAutoscalingBackend, "put_scheduled_action", patched_put_action)
        self._patch(ApplicationAutoscalingBackend, "describe_scaling_policies", patched_describe_policies)
        self._patch(aas_models, "_target_params_are_valid", patched_target_params)
        self._patch(ApplicationAutoScalingResponse, "_validate_params", patched_validate)

    def _patch_autoscaling_calls(self) -> None:
        """Route every Application Auto Scaling call through the simulator (faults, windows)."""
        sim = self.sim
        for action in _AUTOSCALING_OPERATIONS:
            method_name = _snake(action)
            original = getattr(ApplicationAutoScalingResponse, method_name)

            def method(
                response: ApplicationAutoScalingResponse,
                _action: str = action,
                _original: Callable[..., Any] = original,
            ) -> Any:
                try:
                    params = json.loads(response.body or "{}")
                except ValueError:
                    params = {}
                backend = response.applicationautoscaling_backend
                key = (params.get("ResourceId"), params.get("ScalableDimension"))
                existed = bool(key[0] and key[1] and backend._scalable_target_exists(*key))
                try:
                    sim.before_autoscaling_call(_action, response.current_account, response.region, params)
                except SimulatedServiceError as exc:
                    raise JsonRESTError(exc.code, exc.message) from None
                result = _original(response)
                if _action == "RegisterScalableTarget" and not existed:
                    sim.record_target_registered(response.current_account, response.region, params)
                return result

            method.__name__ = method_name
            self._patch(ApplicationAutoScalingResponse, method_name, method)

    def _patch_instance_types(self) -> None:
        """Accept every instance type SageMaker accepts: botocore's ``ProductionVariantInstanceType``.

        moto's list stops at older families (no g5, g6, inf2, p5, trn1, m6i, c7i, ...).
        """

        def validate_instance_type(config: FakeEndpointConfig, instance_type: str) -> None:
            allowed = _botocore_enum("sagemaker", "ProductionVariantInstanceType")
            if instance_type not in allowed:
                raise ValidationError(
                    message=f"1 validation error detected: Value '{instance_type}' at 'instanceType' "
                    "failed to satisfy constraint: Member must satisfy enum value set: "
                    f"[{', '.join(allowed)}]"
                )

        self._patch(FakeEndpointConfig, "validate_instance_type", validate_instance_type)
