"""CloudFormation's own view of the driver's stack: what DescribeStacks, DescribeStackResource and
DescribeStackEvents answer while the driver plays CloudFormation.

The provider confirms every custom-resource request with CloudFormation before it acts
(:mod:`sagemaker_rollout.aws.stack`). moto cannot run a stack with Lambda-backed custom resources, so
the driver keeps this model of its stack and answers those three calls for it (a botocore
``before-call`` hook registered last, so fault injection still applies to them; other stacks fall
through to moto). The driver moves the model exactly as CloudFormation moves a stack around the
requests it sends; a forged event (:meth:`CloudFormationDriver.forge
<sagemaker_rollout_testing.CloudFormationDriver.forge>`) leaves it as it is.

What is modelled, from the documentation:

* resource statuses around a request (CloudFormation user guide, "View stack events", "Resource
  status codes" and "Stack status codes"; API reference, ``ResourceStatus``): ``CREATE_IN_PROGRESS``
  then ``CREATE_COMPLETE`` / ``CREATE_FAILED``; ``UPDATE_IN_PROGRESS`` then ``UPDATE_COMPLETE`` /
  ``UPDATE_FAILED``; ``DELETE_IN_PROGRESS`` then ``DELETE_COMPLETE`` / ``DELETE_FAILED``;
* a failed update starts the stack's rollback (``UPDATE_ROLLBACK_IN_PROGRESS``: the next Update is the
  rollback's), which ends ``UPDATE_ROLLBACK_COMPLETE`` or ``UPDATE_ROLLBACK_FAILED``;
  ``continue-update-rollback`` goes back to ``UPDATE_ROLLBACK_IN_PROGRESS`` (user guide, "Continue
  rolling back an update");
* an Update answered with another physical id is a replacement; the old resource is deleted in the
  cleanup phase (``UPDATE_COMPLETE_CLEANUP_IN_PROGRESS``, or ``UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS``
  for the new resource of a rolled-back update; user guide, custom resource "Delete requests");
  DescribeStackResource then describes the resource CloudFormation keeps, and the delete of the other
  shows only in the stack's events;
* a failed Create is deleted by the stack's rollback (``ROLLBACK_IN_PROGRESS``);
* events newest first, the stack's own events carrying the stack id as physical id (API reference,
  DescribeStackEvents); a stack or resource CloudFormation does not know is a ``ValidationError``.

What is not documented, and modelled on the side that makes the provider's check harder: the
physical id of a resource whose creation failed is not reported by DescribeStackResource (only by its
events); a Delete event is written before the request is sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sagemaker_rollout.clock import Clock

__all__ = ["SimulatedCloudFormation"]

_OPERATIONS = ("DescribeStacks", "DescribeStackResource", "DescribeStackEvents")
_PAGE = 100
_CLEANUP = ("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")


@dataclass
class _Resource:
    logical_id: str
    type: str
    physical_id: str = ""
    status: str = ""
    failed_physical_id: str = ""
    previous_physical_id: str = ""


@dataclass
class _Delivery:
    """What :meth:`SimulatedCloudFormation.begin` decided, for :meth:`SimulatedCloudFormation.end`."""

    kind: str
    logical_id: str
    physical_id: str
    path: str  # plain | cleanup | create-rollback
    rollback: bool = False
    properties: dict[str, Any] = field(default_factory=dict)
    old_properties: dict[str, Any] = field(default_factory=dict)


class SimulatedCloudFormation:
    """One stack as CloudFormation describes it (see the module).

    Parameters
    ----------
    clock:
        Timestamps of events.
    stack_id, region, account_id:
        The stack.
    """

    def __init__(self, clock: Clock, stack_id: str, region: str, account_id: str) -> None:
        self.clock = clock
        self.stack_id = stack_id
        self.region = region
        self.account_id = account_id
        self.status = "CREATE_COMPLETE"
        self.resources: dict[str, _Resource] = {}
        self.events: list[dict[str, Any]] = []  # oldest first
        self.calls: dict[str, int] = {name: 0 for name in _OPERATIONS}
        self._failed_update: dict[str, bool] = {}
        self._unique = f"sim-cfn-{uuid.uuid4().hex}"
        self._session: Any = None

    @property
    def stack_name(self) -> str:
        return self.stack_id.split("/")[1]

    # ---- installing ------------------------------------------------------------------------------
    def install(self, session: Any) -> None:
        """Answer the three calls for this stack on every client of ``session``."""
        self._session = session
        session.events.register_last("before-call", self._intercept, unique_id=self._unique)

    def uninstall(self) -> None:
        if self._session is not None:
            self._session.events.unregister("before-call", unique_id=self._unique)
            self._session = None

    def set_stack_id(self, stack_id: str) -> None:
        self.stack_id = stack_id

    # ---- CloudFormation's moves around a request --------------------------------------------------
    def set_status(self, status: str) -> None:
        """The stack enters ``status`` (a stack event is written)."""
        self.status = status
        self._event(self.stack_name, self.stack_id, "AWS::CloudFormation::Stack", status)

    def add_resource(self, logical_id: str, resource_type: str, physical_id: str, status: str) -> None:
        """Another resource of the stack (e.g. one that is not a custom resource), as it stands."""
        self.resources[logical_id] = _Resource(logical_id, resource_type, physical_id, status)
        self._event(logical_id, physical_id, resource_type, status)

    def status_of(self, logical_id: str) -> str:
        """The resource's ``ResourceStatus`` ('' if the stack has no such resource)."""
        resource = self.resources.get(logical_id)
        return resource.status if resource is not None else ""

    def continue_update_rollback(self) -> None:
        """``continue-update-rollback`` of a stack in ``UPDATE_ROLLBACK_FAILED``."""
        self.set_status("UPDATE_ROLLBACK_IN_PROGRESS")

    def revert_replacement(self, logical_id: str) -> str:
        """Another resource failed after ``logical_id`` was replaced: the stack rolls back to the old
        resource (no request is sent to it) and its cleanup will delete the new one. Returns the new
        resource's physical id (the one the rollback's cleanup Delete carries)."""
        resource = self.resources[logical_id]
        if not resource.previous_physical_id:
            raise ValueError(f"{logical_id} was not replaced by the last update")
        self.set_status("UPDATE_ROLLBACK_IN_PROGRESS")
        new = resource.physical_id
        resource.physical_id, resource.previous_physical_id = resource.previous_physical_id, ""
        self._event(logical_id, resource.physical_id, resource.type, "UPDATE_COMPLETE")
        self._failed_update[logical_id] = True
        self.set_status(_CLEANUP[1])
        return new

    def begin(self, event: Mapping[str, Any], *, rollback: bool | None = None) -> _Delivery:
        """Put the resource (and the stack) where CloudFormation has them when it sends ``event``."""
        kind = str(event["RequestType"])
        logical = str(event["LogicalResourceId"])
        rtype = str(event.get("ResourceType") or "Custom::Resource")
        physical = str(event.get("PhysicalResourceId") or "")
        resource = self.resources.get(logical)
        delivery = _Delivery(
            kind,
            logical,
            physical,
            "plain",
            properties=dict(event.get("ResourceProperties") or {}),
            old_properties=dict(event.get("OldResourceProperties") or {}),
        )
        if kind == "Create":
            if self.status.endswith(("_COMPLETE", "_FAILED")) and self.status != "UPDATE_ROLLBACK_FAILED":
                self.set_status("UPDATE_IN_PROGRESS" if self.resources else "CREATE_IN_PROGRESS")
            self.resources[logical] = _Resource(logical, rtype, "", "CREATE_IN_PROGRESS")
            self._event(logical, "", rtype, "CREATE_IN_PROGRESS")
        elif kind == "Update":
            delivery.rollback = self.status == "UPDATE_ROLLBACK_IN_PROGRESS" if rollback is None else rollback
            wanted = "UPDATE_ROLLBACK_IN_PROGRESS" if delivery.rollback else "UPDATE_IN_PROGRESS"
            if self.status != wanted:
                self.set_status(wanted)
            self.resources[logical] = _Resource(logical, rtype, physical, "UPDATE_IN_PROGRESS")
            self._event(logical, physical, rtype, "UPDATE_IN_PROGRESS")
        else:
            if resource is not None and resource.status == "CREATE_FAILED":
                delivery.path = "create-rollback"
                if self.status not in (
                    "ROLLBACK_IN_PROGRESS",
                    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
                ):
                    self.set_status("ROLLBACK_IN_PROGRESS" if len(self.resources) == 1 else _CLEANUP[1])
                resource.status = "DELETE_IN_PROGRESS"  # (its physical id stays unreported)
            elif resource is not None and resource.physical_id and resource.physical_id != physical:
                delivery.path = "cleanup"
                if self.status not in _CLEANUP:
                    self.set_status(_CLEANUP[1] if self._failed_update.get(logical) else _CLEANUP[0])
            else:
                if resource is None:
                    resource = self.resources[logical] = _Resource(logical, rtype, physical, "")
                resource.physical_id, resource.type, resource.status = physical, rtype, "DELETE_IN_PROGRESS"
            self._event(logical, physical, rtype, "DELETE_IN_PROGRESS")
        return delivery

    def end(self, delivery: _Delivery, status: str | None, physical_id: str) -> None:
        """CloudFormation got ``status`` (None: no answer in time) with ``physical_id``."""
        logical = delivery.logical_id
        resource = self.resources[logical]
        ok = status == "SUCCESS"
        if delivery.kind == "Create":
            resource.status = "CREATE_COMPLETE" if ok else "CREATE_FAILED"
            resource.physical_id = physical_id if ok else ""
            resource.failed_physical_id = "" if ok else physical_id
            self._event(logical, physical_id, resource.type, resource.status)
            if self.status in ("CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS") and ok:
                self.set_status(self.status.replace("IN_PROGRESS", "COMPLETE"))
        elif delivery.kind == "Update":
            resource.status = "UPDATE_COMPLETE" if ok else "UPDATE_FAILED"
            if ok and physical_id and physical_id != resource.physical_id:
                resource.previous_physical_id, resource.physical_id = resource.physical_id, physical_id
            self._event(logical, resource.physical_id, resource.type, resource.status)
            self._failed_update[logical] = not ok or delivery.rollback
            if delivery.rollback:
                self.set_status("UPDATE_ROLLBACK_COMPLETE" if ok else "UPDATE_ROLLBACK_FAILED")
            else:
                self.set_status("UPDATE_COMPLETE" if ok else "UPDATE_ROLLBACK_IN_PROGRESS")
        else:
            done = "DELETE_COMPLETE" if ok else "DELETE_FAILED"
            self._event(logical, delivery.physical_id, resource.type, done)
            if delivery.path == "plain":
                resource.status = done
            elif delivery.path == "create-rollback":
                resource.status = done
                if ok and self.status == "ROLLBACK_IN_PROGRESS":
                    self.set_status("ROLLBACK_COMPLETE")
            elif ok and self.status in _CLEANUP:
                self.set_status(self.status.replace("_CLEANUP_IN_PROGRESS", ""))

    # ---- the API ---------------------------------------------------------------------------------
    def _intercept(self, model: Any, params: Any, **_: Any) -> tuple[Any, dict[str, Any]] | None:
        if model.service_model.service_name != "cloudformation" or model.name not in _OPERATIONS:
            return None
        body = params.get("body") if isinstance(params, dict) else None
        query = body if isinstance(body, dict) else {}
        name = str(query.get("StackName", ""))
        if name not in (self.stack_id, self.stack_name):
            return None
        self.calls[model.name] += 1
        if model.name == "DescribeStacks":
            stack = {
                "StackId": self.stack_id,
                "StackName": self.stack_name,
                "CreationTime": datetime.fromtimestamp(0, UTC),
                "StackStatus": self.status,
            }
            return _ok({"Stacks": [stack]})
        if model.name == "DescribeStackResource":
            logical = str(query.get("LogicalResourceId", ""))
            resource = self.resources.get(logical)
            if resource is None or (
                resource.status == "DELETE_COMPLETE" and not self.status.startswith("DELETE")
            ):
                return _error(f"Resource {logical} does not exist for stack {self.stack_name}")
            detail: dict[str, Any] = {
                "StackName": self.stack_name,
                "StackId": self.stack_id,
                "LogicalResourceId": logical,
                "ResourceType": resource.type,
                "LastUpdatedTimestamp": _at(self.clock.now()),
                "ResourceStatus": resource.status,
            }
            if resource.physical_id:
                detail["PhysicalResourceId"] = resource.physical_id
            return _ok({"StackResourceDetail": detail})
        start = int(str(query.get("NextToken") or "0"))
        newest = list(reversed(self.events))
        page: dict[str, Any] = {"StackEvents": newest[start : start + _PAGE]}
        if start + _PAGE < len(newest):
            page["NextToken"] = str(start + _PAGE)
        return _ok(page)

    def _event(self, logical: str, physical: str, rtype: str, status: str) -> None:
        self.events.append(
            {
                "StackId": self.stack_id,
                "EventId": str(uuid.uuid4()),
                "StackName": self.stack_name,
                "LogicalResourceId": logical,
                "PhysicalResourceId": physical,
                "ResourceType": rtype,
                "Timestamp": _at(self.clock.now()),
                "ResourceStatus": status,
            }
        )


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _metadata(status: int) -> dict[str, Any]:
    return {"RequestId": str(uuid.uuid4()), "HTTPStatusCode": status, "HTTPHeaders": {}, "RetryAttempts": 0}


def _http(status: int) -> Any:
    from botocore.awsrequest import AWSResponse
    from botocore.compat import HTTPHeaders

    class _Empty:
        def stream(self, *args: Any, **kwargs: Any) -> Any:
            return iter(())

    return AWSResponse("https://cloudformation.local/", status, HTTPHeaders(), _Empty())


def _ok(parsed: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    return _http(200), {**parsed, "ResponseMetadata": _metadata(200)}


def _error(message: str) -> tuple[Any, dict[str, Any]]:
    """CloudFormation's answer for a stack or resource it does not know (API reference: ValidationError)."""
    return _http(400), {
        "Error": {"Code": "ValidationError", "Message": message, "Type": "Sender"},
        "ResponseMetadata": _metadata(400),
    }
