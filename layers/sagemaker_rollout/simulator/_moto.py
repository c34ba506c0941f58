"""The glue between the simulator and moto: patches installed on activate, removed on deactivate.

Imported only by :meth:`SageMakerSimulator.activate`, so importing the simulator package does not
import moto.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from moto.applicationautoscaling.models import ApplicationAutoscalingBackend, applicationautoscaling_backends
from moto.cloudwatch.models import CloudWatchBackend, cloudwatch_backends
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, BaseResponse
from moto.sagemaker.exceptions import SagemakerClientError
from moto.sagemaker.models import sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse
from moto.sagemaker.utils import arn_formatter

from sagemaker_rollout.simulator.errors import SimulatedServiceError

if TYPE_CHECKING:
    from sagemaker_rollout.simulator.core import SageMakerSimulator

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
        self._saved: list[tuple[type, str, object]] = []

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

    def _patch(self, owner: type, name: str, value: object) -> None:
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
        self._patch_autoscaling()

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
                return original(self)
            return ActionResult(result)

        method.__name__ = method_name
        return method

    def _patch_cloudwatch(self) -> None:
        sim = self.sim
        put_metric_alarm = CloudWatchBackend.put_metric_alarm
        set_alarm_state = CloudWatchBackend.set_alarm_state
        delete_alarms = CloudWatchBackend.delete_alarms

        def patched_put(backend: CloudWatchBackend, name: str, *args: Any, **kwargs: Any) -> Any:
            previous = backend.alarms.get(name)
            alarm = put_metric_alarm(backend, name, *args, **kwargs)
            sim.record_alarm_state(
                backend.account_id,
                backend.region_name,
                name,
                alarm.state_value,
                previous.state_value if previous is not None else None,
            )
            return alarm

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

        self._patch(CloudWatchBackend, "put_metric_alarm", patched_put)
        self._patch(CloudWatchBackend, "set_alarm_state", patched_set)
        self._patch(CloudWatchBackend, "delete_alarms", patched_delete)

    def _patch_autoscaling(self) -> None:
        deregister = ApplicationAutoscalingBackend.deregister_scalable_target

        def patched_deregister(
            backend: ApplicationAutoscalingBackend, namespace: str, r_id: str, dimension: str
        ) -> None:
            deregister(backend, namespace, r_id, dimension)
            # Real Application Auto Scaling deletes the target's scaling policies and scheduled actions.
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

        self._patch(ApplicationAutoscalingBackend, "deregister_scalable_target", patched_deregister)
