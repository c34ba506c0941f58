"""Deregister the scalable targets around a rollout, then register them again exactly as saved.

Part of :mod:`sagemaker_rollout.aws.autoscaling` (its docstring describes the snapshot).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sagemaker_rollout.aws.autoscaling.alarms import repoint_alarms
from sagemaker_rollout.aws.autoscaling.snapshot import _NAMESPACE, _OLD_ARN, _dimension, _suspended
from sagemaker_rollout.aws.calls import AWS_ERRORS, call, current_call_deadline, error_code, is_not_found
from sagemaker_rollout.clock import Clock
from sagemaker_rollout.sagemaker import scalable_resource_id

if TYPE_CHECKING:
    from mypy_boto3_application_autoscaling import ApplicationAutoScalingClient
    from mypy_boto3_cloudwatch import CloudWatchClient

__all__ = ["AutoscalingRestoreError", "deregister", "restore"]

_CONSISTENCY_WINDOW = 60.0
"""Seconds to retry PutScalingPolicy / PutScheduledAction answering ObjectNotFoundException right
after RegisterScalableTarget (Application Auto Scaling is eventually consistent: the target can be
invisible to the next call for a short while)."""


class AutoscalingRestoreError(RuntimeError):
    """One or more scalable targets could not be registered again; the snapshot is in the logs."""


# ------------------------------------------------------------------------------------------ write


def deregister(
    client: ApplicationAutoScalingClient, clock: Clock, saved: Sequence[Mapping[str, Any]]
) -> None:
    """Deregister the saved targets (their policies and scheduled actions go with them).

    A target already gone (ObjectNotFoundException) is fine: the call is safe to repeat.
    """
    for target in saved:
        try:
            call(
                clock,
                client.deregister_scalable_target,
                ServiceNamespace=_NAMESPACE,
                ResourceId=target["ResourceId"],
                ScalableDimension=_dimension(target),
            )
        except ClientError as error:
            if not is_not_found(error):
                raise


def restore(
    client: ApplicationAutoScalingClient,
    clock: Clock,
    saved: Sequence[Mapping[str, Any]],
    existing_variants: Iterable[str],
    endpoint_name: str,
    cloudwatch: CloudWatchClient | None = None,
    *,
    consistency_window: float = _CONSISTENCY_WINDOW,
    stack_id: str = "",
) -> list[str]:
    """Register the saved targets, policies and scheduled actions again, for variants that still exist.

    A scaling policy re-created after deregistration gets a new ARN. CloudWatch alarms of the
    request's stack (``stack_id``, :mod:`~sagemaker_rollout.aws.autoscaling.alarms`) that acted on
    the old ARN (a step-scaling policy's alarm, e.g. scale-from-zero's ``HasBacklogWithoutCapacity``)
    are pointed at the live one, so the restored autoscaling works as before. Alarms Application
    Auto Scaling manages itself (target tracking) are recreated by it and left alone. Safe to
    repeat: every call creates or updates by name.

    Parameters
    ----------
    client, clock:
        Application Auto Scaling client and the provider's clock.
    saved:
        The snapshot.
    existing_variants:
        Variants of the endpoint now; targets of other variants are skipped.
    endpoint_name:
        The endpoint.
    cloudwatch:
        CloudWatch client for re-pointing alarms (``None``: do not re-point).
    consistency_window:
        Seconds during which ObjectNotFoundException after RegisterScalableTarget is retried.
    stack_id:
        The request's stack: only its alarms are re-pointed ('': none).

    Returns
    -------
    list of str
        ResourceIds (one per snapshot entry) not restored because their variant no longer exists.

    Raises
    ------
    AutoscalingRestoreError
        When a target could not be restored for another reason (the others are still restored).
    """
    present = {scalable_resource_id(endpoint_name, name) for name in existing_variants}
    skipped, failed = [], []
    for target in saved:
        resource_id, dimension = str(target["ResourceId"]), _dimension(target)
        if resource_id not in present:
            skipped.append(resource_id)
            continue
        try:
            _restore_target(
                client, clock, target, resource_id, dimension, cloudwatch, consistency_window, stack_id
            )
        except AWS_ERRORS as error:
            failed.append(f"{resource_id} ({error_code(error) or type(error).__name__})")
    if failed:
        raise AutoscalingRestoreError(f"autoscaling not restored for {', '.join(failed)}")
    return skipped


def _restore_target(
    client: ApplicationAutoScalingClient,
    clock: Clock,
    target: Mapping[str, Any],
    resource_id: str,
    dimension: str,
    cloudwatch: CloudWatchClient | None,
    window: float,
    stack_id: str,
) -> None:
    key = {"ServiceNamespace": _NAMESPACE, "ResourceId": resource_id, "ScalableDimension": dimension}
    # SuspendedState is always sent: on an existing target an omitted flag keeps its current value.
    call(
        clock,
        client.register_scalable_target,
        **key,
        MinCapacity=int(target["MinCapacity"]),
        MaxCapacity=int(target["MaxCapacity"]),
        SuspendedState=_suspended(target.get("SuspendedState")),
    )
    for policy in target.get("Policies", []):
        put = {**key, **{k: v for k, v in policy.items() if k != _OLD_ARN and v is not None}}
        new_arn = _after_register(clock, client.put_scaling_policy, put, window).get("PolicyARN")
        old_arn = policy.get(_OLD_ARN)
        if cloudwatch is not None and old_arn and new_arn and old_arn != new_arn:
            repoint_alarms(cloudwatch, clock, str(old_arn), str(new_arn), stack_id)
    for action in target.get("ScheduledActions", []):
        put = {**key, **{k: v for k, v in action.items() if v is not None}}
        _after_register(clock, client.put_scheduled_action, put, window)


def _after_register(
    clock: Clock, method: Callable[..., Any], kwargs: Mapping[str, Any], window: float
) -> Any:
    """``call`` that also retries ObjectNotFoundException for ``window`` seconds after a registration.

    PutScalingPolicy answers ``ObjectNotFoundException: No scalable target registered for service
    namespace: ...`` when the target is not (yet) visible (PutScalingPolicy API reference, Errors);
    right after RegisterScalableTarget that is the eventual-consistency window, not a missing target.
    """
    start, delay = clock.now(), 1.0
    while True:
        try:
            return call(clock, method, **kwargs)
        except ClientError as error:
            deadline = current_call_deadline()  # a handler invocation's budget bounds the window too
            if (
                error_code(error) != "ObjectNotFoundException"
                or clock.now() - start + delay > window
                or (deadline is not None and clock.now() + delay > deadline)
            ):
                raise
            clock.sleep(delay)
            delay = min(delay * 2, 10.0)
