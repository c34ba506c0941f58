"""Ask CloudFormation itself whether a custom-resource request is one it is sending now.

The origin check (:mod:`sagemaker_rollout.custom_resource.origin`) only reads the event: a principal
allowed ``lambda:InvokeFunction`` could still hand the provider an event with a real stack and
logical id and a ResponseURL on CloudFormation's bucket. Before a request changes anything, the
engine asks CloudFormation (:func:`confirm_request`) whether that resource of that stack is in the
matching operation right now:

* ``DescribeStackResource`` (CloudFormation API reference,
  https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackResource.html):
  the resource exists in the event's stack; its ``ResourceType`` is a custom resource type
  (``Custom::<name>`` or ``AWS::CloudFormation::CustomResource``: CloudFormation user guide, "Custom
  resources", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-custom-resources.html);
  its ``ResourceStatus`` is the operation's ``*_IN_PROGRESS``; for an Update or Delete its
  ``PhysicalResourceId`` is the event's. A stack or resource that does not exist is a
  ``ValidationError`` ("Stack with id ... does not exist", "Resource ... does not exist for stack ...").
* A Delete may also be the removal of a resource CloudFormation no longer lists under that logical id:
  the old resource of a replacement, deleted "during the cleanup phase" after the update (user guide,
  "Delete requests": https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requesttypes-delete.html,
  and "Update behaviors of stack resources"), the new resource of a rolled-back update (deleted in
  ``UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS``), or the resource of a failed creation during the
  create rollback (``ROLLBACK_IN_PROGRESS``). Stack status codes: user guide, "View stack events",
  "Stack status codes". For these the engine reads ``DescribeStackEvents`` (API reference,
  https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackEvents.html:
  "in reverse chronological order"): the newest event of the stack itself (its ``PhysicalResourceId``
  is the stack id) gives the phase, and the events after it must show ``DELETE_IN_PROGRESS`` of that
  logical id with the event's physical id, not yet followed by ``DELETE_COMPLETE`` or
  ``DELETE_FAILED``.

What the documentation does not say, and the safe choice made here:

* which ``ResourceStatus`` a resource shows while CloudFormation rolls it back: the enumeration
  lists ``UPDATE_ROLLBACK_IN_PROGRESS`` and ``ROLLBACK_IN_PROGRESS`` for resources too, without saying
  when. An Update is accepted in ``UPDATE_IN_PROGRESS`` or ``UPDATE_ROLLBACK_IN_PROGRESS``, a Delete in
  ``DELETE_IN_PROGRESS`` or ``ROLLBACK_IN_PROGRESS``: each means "this resource is being updated
  (deleted) now";
* whether ``DescribeStackResource`` reports the physical id of a resource whose creation failed:
  not relied on (the create rollback is confirmed from the stack's events as well);
* whether CloudFormation writes the ``DELETE_IN_PROGRESS`` event before it sends the Delete (the
  console shows it when the request starts): assumed, and an event missing from the page read is a
  refusal, never an acceptance;
* what a resource that is not a custom resource reports: never accepted.

A check that cannot be completed (a transient error past the request's deadline, AccessDenied,
more events than :data:`MAX_EVENT_PAGES` pages to read) raises, and the request answers FAILED
with that reason: it is never left unanswered, and never acted on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sagemaker_rollout.aws.calls import call, error_code, error_message, short
from sagemaker_rollout.clock import Clock
from sagemaker_rollout.naming import stack_name_of

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient

__all__ = [
    "CLEANUP_PHASES",
    "CUSTOM_RESOURCE_TYPE",
    "MAX_EVENT_PAGES",
    "ROLLING_BACK",
    "Confirmation",
    "StackCheckError",
    "confirm_request",
    "is_custom_resource_type",
    "stack_status",
]

CUSTOM_RESOURCE_TYPE = "AWS::CloudFormation::CustomResource"
"""The generic custom resource type (a template may also name its own, ``Custom::<name>``)."""

CLEANUP_PHASES = frozenset(
    {
        "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
        "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
        "ROLLBACK_IN_PROGRESS",
    }
)
"""Stack phases in which CloudFormation deletes a resource it no longer lists under its logical id:
the old resource of a replacement, the new one of a rolled-back update, a failed creation."""

ROLLING_BACK = frozenset({"UPDATE_ROLLBACK_IN_PROGRESS"})
"""Stack statuses of an update rollback (``continue-update-rollback`` also enters it)."""

MAX_EVENT_PAGES = 10
"""Pages of DescribeStackEvents read before the check gives up (the cleanup's events are the newest)."""

_IN_PROGRESS = {
    "Create": frozenset({"CREATE_IN_PROGRESS"}),
    "Update": frozenset({"UPDATE_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS"}),
    "Delete": frozenset({"DELETE_IN_PROGRESS", "ROLLBACK_IN_PROGRESS"}),
}
_STACK_TYPE = "AWS::CloudFormation::Stack"


class StackCheckError(RuntimeError):
    """The check could not be completed (one line naming why); the request answers FAILED."""


@dataclass(frozen=True)
class Confirmation:
    """CloudFormation's word on a request.

    Attributes
    ----------
    confirmed:
        CloudFormation is running this operation on this resource now.
    reason:
        One line: why it is confirmed (the status seen) or why not.
    """

    confirmed: bool
    reason: str


def is_custom_resource_type(resource_type: str) -> bool:
    """``Custom::<name>`` or ``AWS::CloudFormation::CustomResource`` (user guide, "Custom resources")."""
    return resource_type == CUSTOM_RESOURCE_TYPE or (
        resource_type.startswith("Custom::") and len(resource_type) > len("Custom::")
    )


def confirm_request(
    cfn: CloudFormationClient, clock: Clock, *, kind: str, stack_id: str, logical_id: str, physical_id: str
) -> Confirmation:
    """Whether CloudFormation is sending this ``kind`` request for this resource now (see the module).

    Parameters
    ----------
    cfn, clock:
        A CloudFormation client and the clock retries wait on.
    kind:
        ``Create``, ``Update`` or ``Delete``.
    stack_id, logical_id, physical_id:
        From the event (``physical_id`` is '' on a Create).

    Raises
    ------
    botocore.exceptions.ClientError
        A transient error (the engine waits and asks again) or one that ends the check
        (AccessDenied): the request answers FAILED naming it.
    StackCheckError
        The stack's events could not be read far enough.
    """
    where = f"resource {logical_id} of stack {stack_name_of(stack_id)}"
    try:
        detail = call(clock, cfn.describe_stack_resource, StackName=stack_id, LogicalResourceId=logical_id)[
            "StackResourceDetail"
        ]
    except ClientError as error:
        if error_code(error) == "ValidationError" and "does not exist" in error_message(error):
            return Confirmation(False, short(f"CloudFormation knows no {where}"))
        raise
    resource_type = str(detail.get("ResourceType", ""))
    if not is_custom_resource_type(resource_type):
        return Confirmation(
            False, short(f"{where} is a {resource_type or 'resource'}, not a custom resource")
        )
    status = str(detail.get("ResourceStatus", ""))
    current = str(detail.get("PhysicalResourceId") or "")
    expected = _IN_PROGRESS.get(kind, frozenset())
    if status in expected and (kind == "Create" or current == physical_id):
        return Confirmation(True, f"{where} is {status}")
    if kind == "Delete":
        found = _cleanup_delete(cfn, clock, stack_id, logical_id, physical_id)
        if found is not None:
            return Confirmation(True, f"{where}: {found}")
    seen = f"{status}{f' as {current}' if current and kind != 'Create' else ''}"
    wanted = " or ".join(sorted(expected))
    of = f" as {physical_id}" if kind != "Create" else ""
    return Confirmation(False, short(f"{where} is {seen}, not {wanted}{of}"))


def _cleanup_delete(
    cfn: CloudFormationClient, clock: Clock, stack_id: str, logical_id: str, physical_id: str
) -> str | None:
    """The stack phase in which CloudFormation is deleting ``physical_id`` of ``logical_id``, or None."""
    events: list[Mapping[str, Any]] = []
    token: str | None = None
    for _ in range(MAX_EVENT_PAGES):
        kwargs: dict[str, Any] = {"StackName": stack_id}
        if token:
            kwargs["NextToken"] = token
        page = call(clock, cfn.describe_stack_events, **kwargs)
        for event in page.get("StackEvents", []):
            if event.get("ResourceType") == _STACK_TYPE and event.get("PhysicalResourceId") == event.get(
                "StackId", stack_id
            ):
                phase = str(event.get("ResourceStatus", ""))
                if phase not in CLEANUP_PHASES:
                    return None
                return phase if _deleting(events, logical_id, physical_id) else None
            events.append(event)
        token = page.get("NextToken")
        if not token:
            return None
    raise StackCheckError(
        f"DescribeStackEvents: the stack's current operation is older than {MAX_EVENT_PAGES} pages of events"
    )


def _deleting(events: list[Mapping[str, Any]], logical_id: str, physical_id: str) -> bool:
    """The newest event of that resource (newest first) is its DELETE_IN_PROGRESS, of a custom type."""
    for event in events:
        if event.get("LogicalResourceId") == logical_id and event.get("PhysicalResourceId") == physical_id:
            return event.get("ResourceStatus") == "DELETE_IN_PROGRESS" and is_custom_resource_type(
                str(event.get("ResourceType", ""))
            )
    return False


def stack_status(cfn: CloudFormationClient, clock: Clock, stack_id: str) -> str:
    """The stack's ``StackStatus`` (DescribeStacks on the stack id; '' when it lists none).

    Raises what DescribeStacks raises (a stack that does not exist is a ``ValidationError``).
    """
    stacks = list(call(clock, cfn.describe_stacks, StackName=stack_id).get("Stacks") or [])
    return str(stacks[0].get("StackStatus", "")) if stacks else ""
