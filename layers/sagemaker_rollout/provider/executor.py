"""Carry out Create, Update and Delete of a ``Custom::SageMakerEndpoint``.

Every invocation re-reads SageMaker and Application Auto Scaling and reconciles towards the
request; the only state carried between invocations (in the continuation event) is what cannot be
read back: when the request started, the autoscaling snapshot, and which rollout was started.
That makes a retried, duplicated or resumed invocation safe.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sagemaker_rollout.naming import (
    ENDPOINT_TAG,
    LOGICAL_ID_TAG,
    STACK_ID_TAG,
    config_name,
    default_endpoint_name,
    owner_tags,
)
from sagemaker_rollout.planner import BUSY_STATUSES, CurrentEndpoint, Plan, plan_create, plan_update
from sagemaker_rollout.provider import autoscaling
from sagemaker_rollout.provider.aws import (
    call,
    error_code,
    error_message,
    is_not_found,
    reason_of,
    short,
    tags_of,
)
from sagemaker_rollout.provider.reading import describe_endpoint, read_endpoint
from sagemaker_rollout.provider.runtime import ProviderRuntime
from sagemaker_rollout.spec import PASSABLE_ROLES_ENV, EndpointSpec, PropertyError, parse_endpoint_properties

__all__ = ["STATE_KEY", "Executor", "HandOffError", "Outcome", "RequestFailedError"]

STATE_KEY = "SageMakerRolloutState"
"""Key of the continuation state inside a re-invocation event."""

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")


class HandOffError(Exception):
    """The invocation is running out of time: continue in a fresh one with ``state``."""

    def __init__(self, state: dict[str, Any]) -> None:
        super().__init__("handing the request over to a fresh invocation")
        self.state = state


class RequestFailedError(Exception):
    """The request fails with ``reason``; ``physical_id`` is reported if set."""

    def __init__(self, reason: str, physical_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.physical_id = physical_id


@dataclass
class Outcome:
    """A successful request: physical id and ``Fn::GetAtt`` data."""

    physical_id: str
    data: dict[str, str] = field(default_factory=dict)


def _valid_name(name: str) -> bool:
    return 0 < len(name) <= 63 and set(name) <= _NAME_CHARS and name[0] != "-" and name[-1] != "-"


class Executor:
    """One request, possibly resumed: ``run()`` returns an :class:`Outcome` or raises.

    Parameters
    ----------
    runtime:
        Clock, clients and settings.
    event:
        The CloudFormation event (with the continuation state, if resumed).
    remaining_seconds:
        Time left in this invocation (the Lambda context's remaining time).
    log:
        A powertools-style logger.
    notify:
        Called with (kind, text) at each step (metrics, demo timelines).
    """

    def __init__(
        self,
        runtime: ProviderRuntime,
        event: Mapping[str, Any],
        remaining_seconds: Callable[[], float],
        log: Any,
        notify: Callable[[str, str], None] | None = None,
    ) -> None:
        self.runtime = runtime
        self.clock = runtime.clock
        self.settings = runtime.settings
        self.event = event
        self.remaining = remaining_seconds
        self.log = log
        self.notify = notify or (lambda kind, text: None)
        self.state: dict[str, Any] = dict(event.get(STATE_KEY) or {})
        self.stack_id = str(event["StackId"])
        self.logical_id = str(event["LogicalResourceId"])
        self.state.setdefault("started", self.clock.now())
        self.state["invocation"] = int(self.state.get("invocation", 0)) + 1
        self._users: dict[str, str] | None = None

    # ---- clients -------------------------------------------------------------------------
    @property
    def sm(self) -> Any:
        return self.runtime.client("sagemaker")

    @property
    def aas(self) -> Any:
        return self.runtime.client("application-autoscaling")

    @property
    def cw(self) -> Any:
        return self.runtime.client("cloudwatch")

    # ---- entry points ----------------------------------------------------------------------
    def run(self) -> Outcome:
        kind = self.event["RequestType"]
        if kind == "Create":
            return self.create()
        if kind == "Update":
            return self.update()
        if kind == "Delete":
            return self.delete()
        raise RequestFailedError(f"RequestType: {kind!r} is not Create, Update or Delete")

    def _spec(self, key: str = "ResourceProperties") -> EndpointSpec:
        properties = dict(self.event.get(key) or {})
        try:
            return parse_endpoint_properties(properties, passable_roles=os.environ.get(PASSABLE_ROLES_ENV))
        except PropertyError as error:
            raise RequestFailedError(short(str(error)), self.event.get("PhysicalResourceId")) from None

    def _deadline(self, spec: EndpointSpec | None) -> float:
        if "deadline" not in self.state:
            timeout = spec.service_timeout if spec else 3600
            self.state["deadline"] = float(self.state["started"]) + timeout - self.settings.response_margin
        return float(self.state["deadline"])

    def _name(self, spec: EndpointSpec) -> str:
        return spec.endpoint_name or default_endpoint_name(self.stack_id, self.logical_id)

    # ---- Create --------------------------------------------------------------------------------
    def create(self) -> Outcome:
        spec = self._spec()
        self._deadline(spec)
        return self._converge(spec, self._name(spec), creating=True)

    # ---- Update --------------------------------------------------------------------------------
    def update(self) -> Outcome:
        spec = self._spec()
        self._deadline(spec)
        name = self._name(spec)
        physical = str(self.event.get("PhysicalResourceId", ""))
        if name != physical:
            # Replacement: CloudFormation deletes the old endpoint once this one is up.
            if "abandon" in self.state:
                return self._abandon(physical)
            self.notify("plan", f"EndpointName changes {physical} -> {name}: creating a new endpoint")
            try:
                return self._converge(spec, name, creating=True)
            except RequestFailedError as failure:
                if failure.physical_id != name:
                    raise RequestFailedError(failure.reason, physical) from None
                # CloudFormation keeps the old physical id after a failed update and would never
                # delete the half-made replacement: remove it here.
                self.state["abandon"] = {"name": name, "reason": failure.reason}
                return self._abandon(physical)
        return self._converge(spec, name, creating=False)

    def _abandon(self, physical: str) -> Outcome:
        """Delete a replacement endpoint whose creation failed, then fail the update."""
        name, reason = self.state["abandon"]["name"], self.state["abandon"]["reason"]
        described = self._describe(name)
        if described is not None and self._owned(
            tags_of(call(self.clock, self.sm.list_tags, ResourceArn=described["EndpointArn"]))
        ):
            self._wait_or_fail(
                name, lambda d: d is None or d["EndpointStatus"] not in BUSY_STATUSES - {"Deleting"}
            )
            if (self._describe(name) or {}).get("EndpointStatus") not in (None, "Deleting"):
                call(self.clock, self.sm.delete_endpoint, EndpointName=name)
                self.notify("delete", f"DeleteEndpoint {name} (failed replacement)")
            self._wait_or_fail(name, lambda d: d is None)
        self._drop_owned_configs(name, in_use=None)
        raise RequestFailedError(short(f"{reason}; replacement endpoint {name} removed"), physical)

    def _converge(self, spec: EndpointSpec, name: str, *, creating: bool) -> Outcome:
        self.log.append_keys(endpoint_name=name)
        target_config = config_name(name, spec.config_digest)
        while True:
            if "rollout" in self.state:
                return self._finish_rollout(spec, name)
            current = self._read(name)
            if current is None:
                if self.state.get("created"):
                    raise RequestFailedError(
                        short(f"Endpoint {name} disappeared while it was being created"), name
                    )
                return self._create_endpoint(spec, name, target_config)
            if not self._owned(current.tags):
                # Never adopt or touch an endpoint someone else owns.
                raise RequestFailedError(
                    short(
                        f"EndpointName: endpoint {name} already exists and is not managed by this stack "
                        "resource; choose another EndpointName or delete it"
                    ),
                    None if creating else name,
                )
            if current.status == "Failed":
                if self.state.get("created"):
                    return self._wait_created(name, target_config)
                raise RequestFailedError(
                    short(
                        f"Endpoint {name} is Failed ({current.failure_reason or 'no reason given'}); "
                        "only deletion is possible"
                    ),
                    name,
                )
            if current.status == "Creating" or self.state.get("created"):
                return self._wait_created(name, target_config)
            if current.busy:
                self.notify("wait", f"{name} is {current.status}: waiting before updating")
                self._wait(name, lambda d: d is None or d["EndpointStatus"] not in BUSY_STATUSES, "settle")
                continue
            plan = plan_update(current, spec, target_config, previous_tag_keys=self._previous_tag_keys())
            self.notify("plan", plan.summary())
            self._retag(current, plan)
            if plan.action in ("none", "retag"):
                return self._outcome(name, current.config_name, current.arn)
            return self._start_rollout(spec, plan, current)

    # ---- reading ---------------------------------------------------------------------------------
    def _describe(self, name: str) -> dict[str, Any] | None:
        return describe_endpoint(self.sm, self.clock, name)

    def _read(self, name: str) -> CurrentEndpoint | None:
        def missing(config: str) -> None:
            self.log.warning("endpoint config in use is gone", extra={"config": config})

        return read_endpoint(self.sm, self.aas, self.clock, name, on_missing_config=missing)

    def _owned(self, tags: Mapping[str, str], endpoint: str | None = None) -> bool:
        """Created by this provider for this stack resource (and, if given, for this endpoint)."""
        mine = tags.get(STACK_ID_TAG) == self.stack_id and tags.get(LOGICAL_ID_TAG) == self.logical_id
        return mine and (endpoint is None or tags.get(ENDPOINT_TAG) == endpoint)

    def _previous_tag_keys(self) -> list[str]:
        old = self.event.get("OldResourceProperties") or {}
        tags = old.get("Tags") if isinstance(old, Mapping) else None
        return [str(t["Key"]) for t in tags or [] if isinstance(t, Mapping) and "Key" in t]

    # ---- waiting ---------------------------------------------------------------------------------
    def _wait(
        self, name: str, done: Callable[[dict[str, Any] | None], bool], what: str
    ) -> dict[str, Any] | None:
        """Poll DescribeEndpoint until ``done``; hand over before the invocation ends."""
        poll = self.settings.poll_interval
        last_status = None
        while True:
            try:
                described = self._describe(name)
            except Exception as error:
                if error_code(error) in ("ThrottlingException", "Throttling"):
                    described = {"EndpointStatus": last_status or "Unknown"}
                else:
                    raise
            else:
                if done(described):
                    return described
            status = described["EndpointStatus"] if described else "gone"
            if status != last_status:
                self.notify("status", f"{name}: {status}")
                last_status = status
            now = self.clock.now()
            if now >= self._deadline(None):
                raise _Timeout(name, status, now - float(self.state["started"]))
            if self.remaining() - poll < self.settings.handoff_margin:
                raise HandOffError(self.state)
            self.clock.sleep(min(poll, max(self._deadline(None) - now, 0.0)))

    # ---- create ----------------------------------------------------------------------------------
    def _tags(self, spec: EndpointSpec, name: str) -> list[dict[str, str]]:
        return [dict(t) for t in spec.tags] + owner_tags(self.stack_id, self.logical_id, name)

    def _ensure_config(self, spec: EndpointSpec, name: str, endpoint: str) -> None:
        arguments = {"EndpointConfigName": name, **spec.config, "Tags": self._tags(spec, endpoint)}
        try:
            call(self.clock, self.sm.create_endpoint_config, **arguments)
            self.notify("config", f"created endpoint config {name}")
        except Exception as error:
            if "already exist" not in error_message(error).lower():
                raise RequestFailedError(
                    short(f"CreateEndpointConfig {name}: {error_message(error)}")
                ) from None
            self.notify("config", f"endpoint config {name} exists (same content)")

    def _create_endpoint(self, spec: EndpointSpec, name: str, target_config: str) -> Outcome:
        self.notify("plan", plan_create(spec, name, target_config).summary())
        self._ensure_config(spec, target_config, name)
        try:
            call(
                self.clock,
                self.sm.create_endpoint,
                EndpointName=name,
                EndpointConfigName=target_config,
                Tags=self._tags(spec, name),
            )
        except Exception as error:
            if "already exist" in error_message(error).lower():
                self.state["created"] = False
                return self._converge(spec, name, creating=True)  # lost a race with a duplicate request
            self._drop_config(target_config, keep_for=name)
            raise RequestFailedError(short(f"CreateEndpoint {name}: {error_message(error)}")) from None
        self.state["created"] = True
        self.notify("create", f"CreateEndpoint {name} with {target_config}")
        return self._wait_created(name, target_config)

    def _wait_created(self, name: str, target_config: str) -> Outcome:
        described = self._wait(name, lambda d: d is None or d["EndpointStatus"] != "Creating", "create")
        if described is None:
            raise RequestFailedError(short(f"Endpoint {name} disappeared while it was being created"), name)
        status = described["EndpointStatus"]
        if status != "InService":
            reason = described.get("FailureReason") or f"status {status}"
            raise RequestFailedError(short(f"Endpoint {name} failed to create: {reason}"), name)
        self.notify("done", f"{name} InService on {described['EndpointConfigName']}")
        return self._outcome(name, str(described["EndpointConfigName"]), str(described["EndpointArn"]))

    @staticmethod
    def _outcome(name: str, config: str, arn: str) -> Outcome:
        return Outcome(
            physical_id=name,
            data={"EndpointName": name, "EndpointArn": arn, "EndpointConfigName": config},
        )

    # ---- tags ------------------------------------------------------------------------------------
    def _retag(self, current: CurrentEndpoint, plan: Plan) -> None:
        """Apply tag changes to the endpoint, and to its config when that config stays."""
        if not (plan.tags_to_add or plan.tag_keys_to_remove):
            return
        arns = [current.arn]
        if plan.action == "retag":
            arns.append(current.config_arn)
        for arn in filter(None, arns):
            if plan.tags_to_add:
                call(self.clock, self.sm.add_tags, ResourceArn=arn, Tags=[dict(t) for t in plan.tags_to_add])
            if plan.tag_keys_to_remove:
                call(self.clock, self.sm.delete_tags, ResourceArn=arn, TagKeys=list(plan.tag_keys_to_remove))
        self.notify(
            "tags", f"retagged {current.name}: +{len(plan.tags_to_add)} -{len(plan.tag_keys_to_remove)}"
        )

    def _config_arn(self, name: str) -> str | None:
        try:
            described = call(self.clock, self.sm.describe_endpoint_config, EndpointConfigName=name)
        except Exception as error:
            if is_not_found(error):
                return None
            raise
        return str(described["EndpointConfigArn"])

    # ---- rollout ---------------------------------------------------------------------------------
    def _start_rollout(self, spec: EndpointSpec, plan: Plan, current: CurrentEndpoint) -> Outcome:
        self._ensure_config(spec, plan.config_name, current.name)
        saved = autoscaling.snapshot(self.aas, self.clock, current.name, list(plan.suspend_autoscaling))
        self.state["rollout"] = {
            "config": plan.config_name,
            "previous": current.config_name,
            "autoscaling": saved,
            "since": None,
        }
        if saved:
            # The snapshot must be safe before anything is deregistered: it travels in the
            # continuation, so even a killed invocation is retried with it.
            self.notify("autoscaling", f"saved autoscaling of {', '.join(plan.suspend_autoscaling)}")
            raise HandOffError(self.state)
        return self._finish_rollout(spec, current.name)

    def _finish_rollout(self, spec: EndpointSpec, name: str) -> Outcome:
        rollout = self.state["rollout"]
        saved = rollout.get("autoscaling") or []
        try:
            if rollout.get("since") is None:
                self._issue_update(spec, name, rollout, saved)
            described = self._wait(
                name, lambda d: d is None or d["EndpointStatus"] not in BUSY_STATUSES, "rollout"
            )
        except HandOffError:
            raise
        except _Timeout as timeout:
            # SageMaker is still at it: the new config may be about to serve, keep it.
            raise RequestFailedError(self._restore_note(str(timeout), name, saved, None), name) from None
        except Exception as error:
            # Refused, or an AWS call failed for good: whatever happened, autoscaling comes back.
            reason = error.reason if isinstance(error, RequestFailedError) else reason_of(error)
            note = self._restore_note(reason, name, saved, None)
            self._drop_config(rollout["config"], keep_for=name)
            raise RequestFailedError(note, name) from None
        if described is None:
            # Deleted out of band mid-rollout: recreate it on the desired config.
            self.notify("recreate", f"{name} vanished during the rollout: recreating it")
            del self.state["rollout"]
            self.state["created"] = False
            return self._create_endpoint(spec, name, rollout["config"])
        live = [str(v["VariantName"]) for v in described.get("ProductionVariants", [])]
        succeeded = (
            described["EndpointStatus"] == "InService"
            and described["EndpointConfigName"] == rollout["config"]
        )
        if succeeded:
            note = self._restore_note("", name, saved, live)
            if note:
                raise RequestFailedError(note, name)
            self._drop_config(rollout["previous"], keep_for=name, in_use=described["EndpointConfigName"])
            self.notify("done", f"{name} InService on {rollout['config']} (verified)")
            self._metric("RolloutSucceeded")
            return self._outcome(name, rollout["config"], str(described["EndpointArn"]))
        reason = self._failure_reason(described, rollout)
        self._metric("RolloutRolledBack" if described["EndpointStatus"] == "InService" else "RolloutFailed")
        note = self._restore_note(reason, name, saved, live)
        if (
            described["EndpointStatus"] == "InService"
            and described["EndpointConfigName"] != rollout["config"]
        ):
            # Rolled back: the new config serves nothing. (After UpdateRollbackFailed both may serve.)
            self._drop_config(rollout["config"], keep_for=name, in_use=described["EndpointConfigName"])
        raise RequestFailedError(note, name)

    def _issue_update(
        self, spec: EndpointSpec, name: str, rollout: dict[str, Any], saved: list[dict[str, Any]]
    ) -> None:
        if saved:
            autoscaling.deregister(self.aas, self.clock, saved)
            self.notify("autoscaling", f"deregistered {len(saved)} scalable target(s)")
            self._metric("AutoscalingSuspended")
        arguments = {"EndpointName": name, "EndpointConfigName": rollout["config"], **spec.update_arguments()}
        while True:
            try:
                call(self.clock, self.sm.update_endpoint, **arguments)
                break
            except Exception as error:
                message = error_message(error)
                if "in-progress" in message or "in progress" in message:
                    self.notify("wait", f"{name} is busy: waiting before UpdateEndpoint")
                    self._wait(
                        name, lambda d: d is None or d["EndpointStatus"] not in BUSY_STATUSES, "settle"
                    )
                    current = self._describe(name)
                    if (
                        current is None
                        or current["EndpointConfigName"] == rollout["config"]
                        or current.get("FailureReason")
                    ):
                        break  # a resumed invocation: our update already ran (and succeeded or failed)
                    continue
                raise RequestFailedError(short(f"UpdateEndpoint {name}: {message}"), name) from None
        rollout["since"] = self.clock.now()
        self.notify("update", f"UpdateEndpoint {name} -> {rollout['config']} ({spec.estimate.strategy})")

    def _failure_reason(self, described: Mapping[str, Any], rollout: Mapping[str, Any]) -> str:
        status = described["EndpointStatus"]
        fired = self._fired_alarms(rollout)
        sagemaker_reason = described.get("FailureReason")
        if status == "UpdateRollbackFailed":
            head = "Update failed and SageMaker's rollback failed too (UpdateRollbackFailed)"
        elif fired:
            head = f"Rolled back: alarm {', '.join(fired)} fired"
        else:
            head = "Update failed, SageMaker rolled back"
        detail = f": {sagemaker_reason}" if sagemaker_reason and not fired else ""
        return f"{head}{detail}; endpoint {described['EndpointName']} runs {described['EndpointConfigName']}"

    def _fired_alarms(self, rollout: Mapping[str, Any]) -> list[str]:
        deployment = self.event.get("ResourceProperties", {}).get("DeploymentConfig") or {}
        names = [
            str(a.get("AlarmName"))
            for a in (deployment.get("AutoRollbackConfiguration") or {}).get("Alarms", [])
            if isinstance(a, Mapping)
        ]
        if not names:
            return []
        fired = []
        try:
            alarms = call(self.clock, self.cw.describe_alarms, AlarmNames=names[:100]).get("MetricAlarms", [])
            fired = [a["AlarmName"] for a in alarms if a.get("StateValue") == "ALARM"]
        except Exception as error:  # reading alarms only improves the message
            self.log.warning("could not read rollback alarms", extra={"error": str(error)})
        since = rollout.get("since")
        for alarm in names:
            if alarm in fired or since is None:
                continue
            try:
                history = call(
                    self.clock,
                    self.cw.describe_alarm_history,
                    AlarmName=alarm,
                    HistoryItemType="StateUpdate",
                    StartDate=float(since),
                )
            except Exception:
                continue
            for item in history.get("AlarmHistoryItems", []):
                if "to ALARM" in str(item.get("HistorySummary", "")):
                    fired.append(alarm)
                    break
        return fired

    def _restore_note(
        self, reason: str, name: str, saved: list[dict[str, Any]], live: list[str] | None
    ) -> str:
        """Restore autoscaling; return ``reason`` extended with what happened to it ('' if all went well)."""
        if not saved:
            return short(reason) if reason else ""
        variants = live
        if variants is None:
            described = self._describe(name)
            variants = [str(v["VariantName"]) for v in (described or {}).get("ProductionVariants", [])]
        try:
            skipped = autoscaling.restore(self.aas, self.clock, saved, variants, name, self.cw)
        except autoscaling.AutoscalingRestoreError as error:
            self.log.error("autoscaling snapshot", extra={"snapshot": json.dumps(saved)})
            return short(f"{reason + '; ' if reason else ''}{error} (snapshot in the provider's logs)")
        self.notify("autoscaling", f"restored autoscaling of {len(saved) - len(skipped)} variant(s)")
        if skipped:
            self.log.warning("targets of removed variants not restored", extra={"skipped": skipped})
        self.state["rollout"]["autoscaling"] = []
        return short(f"{reason}; autoscaling restored") if reason else ""

    def _metric(self, name: str) -> None:
        self.notify("metric", name)

    # ---- configs ---------------------------------------------------------------------------------
    def _drop_config(self, name: str, *, keep_for: str, in_use: str | None = None) -> None:
        """Delete endpoint config ``name`` if this stack resource created it and it is not in use."""
        if not name or name == in_use:
            return
        arn = self._config_arn(name)
        if arn is None:
            return
        tags = tags_of(call(self.clock, self.sm.list_tags, ResourceArn=arn))
        if not self._owned(tags, keep_for):
            self.log.info("keeping endpoint config not created by this resource", extra={"config": name})
            return
        if in_use is None:
            current = self._describe(keep_for)
            if current is not None and current["EndpointConfigName"] == name:
                return
        users = self._other_users(keep_for).get(name)
        if users:
            self.notify("config", f"keeping endpoint config {name}: endpoint {users} uses it")
            return
        try:
            call(self.clock, self.sm.delete_endpoint_config, EndpointConfigName=name)
            self.notify("config", f"deleted endpoint config {name}")
        except Exception as error:
            if not is_not_found(error):
                raise

    def _other_users(self, endpoint: str) -> dict[str, str]:
        """{config name: endpoint} for every other endpoint of the account and region.

        SageMaker lets any endpoint use any config, so before deleting one of its own the provider
        looks at all of them (once per request): one ListEndpoints page per 100 endpoints and one
        DescribeEndpoint each. A config an update is moving to counts as used.
        """
        if self._users is None:
            users: dict[str, str] = {}
            token = None
            while True:
                kwargs: dict[str, Any] = {"MaxResults": 100}
                if token:
                    kwargs["NextToken"] = token
                page = call(self.clock, self.sm.list_endpoints, **kwargs)
                for summary in page.get("Endpoints", []):
                    other = str(summary["EndpointName"])
                    described = None if other == endpoint else self._describe(other)
                    if described is None:
                        continue
                    pending = (described.get("PendingDeploymentSummary") or {}).get("EndpointConfigName")
                    for config in filter(None, (described.get("EndpointConfigName"), pending)):
                        users.setdefault(str(config), other)
                token = page.get("NextToken")
                if not token:
                    break
            self._users = users
        return self._users

    def _owned_configs(self, endpoint: str) -> list[str]:
        names: list[str] = []
        token = None
        while True:
            kwargs: dict[str, Any] = {"NameContains": endpoint[:50], "MaxResults": 100}
            if token:
                kwargs["NextToken"] = token
            page = call(self.clock, self.sm.list_endpoint_configs, **kwargs)
            names += [str(c["EndpointConfigName"]) for c in page.get("EndpointConfigs", [])]
            token = page.get("NextToken")
            if not token:
                return sorted(names)

    # ---- Delete --------------------------------------------------------------------------------
    def delete(self) -> Outcome:
        physical = str(self.event.get("PhysicalResourceId", ""))
        self._deadline(None)
        if not _valid_name(physical):
            self.notify("done", f"{physical} is not an endpoint this provider created: nothing to delete")
            return Outcome(physical_id=physical)
        self.log.append_keys(endpoint_name=physical)
        while True:
            described = self._describe(physical)
            if described is None:
                break
            tags = tags_of(call(self.clock, self.sm.list_tags, ResourceArn=described["EndpointArn"]))
            if not self._owned(tags):
                self.notify("done", f"{physical} is not managed by this stack resource: left alone")
                self._drop_owned_configs(physical, in_use=str(described["EndpointConfigName"]))
                return Outcome(physical_id=physical)
            status = described["EndpointStatus"]
            if status in BUSY_STATUSES and status != "Deleting":
                self.notify("wait", f"{physical} is {status}: waiting before deleting")
                self._wait_or_fail(physical, lambda d: d is None or d["EndpointStatus"] not in BUSY_STATUSES)
                continue
            if status != "Deleting":
                try:
                    call(self.clock, self.sm.delete_endpoint, EndpointName=physical)
                    self.notify("delete", f"DeleteEndpoint {physical}")
                except Exception as error:
                    if not is_not_found(error):
                        raise
            self._wait_or_fail(physical, lambda d: d is None)
        self._drop_owned_configs(physical, in_use=None)
        self.notify("done", f"{physical} deleted")
        return Outcome(physical_id=physical)

    def _wait_or_fail(self, name: str, done: Callable[[dict[str, Any] | None], bool]) -> None:
        try:
            self._wait(name, done, "delete")
        except _Timeout as timeout:
            raise RequestFailedError(short(str(timeout)), name) from None

    def _drop_owned_configs(self, endpoint: str, *, in_use: str | None) -> None:
        for name in self._owned_configs(endpoint):
            self._drop_config(name, keep_for=endpoint, in_use=in_use or "")


class _Timeout(Exception):
    def __init__(self, name: str, status: str, elapsed: float) -> None:
        super().__init__(
            f"Timed out after {int(elapsed)} s waiting for endpoint {name} (still {status}); "
            "the next update waits for it"
        )
