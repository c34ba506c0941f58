"""Steps that bring an endpoint to the requested content: start, read-and-plan, create.

Create and Update share them: an Update whose endpoint was deleted out of band recreates it, and a
Create whose endpoint already exists (a retried Create) converges it like an Update would.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, cast

from botocore.exceptions import BotoCoreError, ClientError

from sagemaker_rollout.aws.calls import call, error_code, error_message, is_transient, short
from sagemaker_rollout.aws.reading import read_endpoint
from sagemaker_rollout.aws.stack import ROLLING_BACK, stack_status
from sagemaker_rollout.journal import Adoption
from sagemaker_rollout.naming import MANAGED_BY_TAG, brake_alarm_name, config_name, default_endpoint_name
from sagemaker_rollout.planner import (
    CurrentEndpoint,
    Plan,
    adoption_refusal,
    plan_create,
    plan_update,
    with_retained,
)
from sagemaker_rollout.rollout.brake_role import brake_reader_refusal
from sagemaker_rollout.rollout.context import StepContext
from sagemaker_rollout.rollout.graph import step
from sagemaker_rollout.rollout.helpers import EVENTUAL_CONSISTENCY_WAIT, is_unseen_config
from sagemaker_rollout.rollout.progress import Fail, FailCode, Next, Progress, Wait
from sagemaker_rollout.rollout.request import RequestKind
from sagemaker_rollout.rollout.smoke_runs import consent_refusal
from sagemaker_rollout.rollout.state import Phase, RolloutState

if TYPE_CHECKING:
    from mypy_boto3_sagemaker.type_defs import TagTypeDef

__all__ = [
    "adopt",
    "create_config",
    "create_endpoint",
    "read",
    "retag",
    "start",
    "wait_create",
]


@step(Phase.START)
def start(ctx: StepContext, state: RolloutState) -> Progress:
    """Validate the properties and settle which endpoint the request acts on."""
    if ctx.kind is RequestKind.DELETE:
        state.endpoint = state.physical_id = ctx.old_physical_id
        return Next(Phase.DELETE_ENDPOINT)
    problem = ctx.spec_error()
    if problem is not None:
        return Fail(short(problem), ctx.old_physical_id or None, FailCode.INVALID_REQUEST)
    name = ctx.spec.endpoint_name or default_endpoint_name(ctx.stack_id, ctx.logical_id)
    state.endpoint = name
    state.physical_id = name
    if state.previous_config and state.target_config:
        # Resumed from a continuation of the provider version before the journal.
        if state.update_intent_at is not None:
            return Next(Phase.WAIT_UPDATE)
        return Next(Phase.DEREGISTER if state.snapshot else Phase.UPDATE)
    if ctx.kind is RequestKind.UPDATE and ctx.old_physical_id and ctx.old_physical_id != name:
        state.replacement_of = ctx.old_physical_id
        ctx.notify("plan", f"EndpointName changes {ctx.old_physical_id} -> {name}: creating a new endpoint")
    return Next(Phase.RECLAIM)


@step(Phase.READ)
def read(ctx: StepContext, state: RolloutState) -> Progress:
    """Read the endpoint and decide: create it, wait for it, retag it, or roll it out (with the
    brake only if its execution role may read it: :mod:`.brake_role`)."""
    name = state.endpoint
    refused = consent_refusal(ctx, state)  # a smoke function that does not consent: before anything
    if refused is not None:
        return refused
    target = config_name(name, ctx.spec.config_digest)
    current = read_endpoint(ctx.sm, ctx.aas, ctx.clock, name)
    if current is None:
        if state.adopted_from:
            return Fail(short(f"Endpoint {name} disappeared while it was being adopted"), name)
        if state.create_intent_at is not None and ctx.kind is RequestKind.CREATE:
            return Fail(short(f"Endpoint {name} disappeared while it was being created"), name)
        state.target_config = target
        state.previous_config = ""
        state.create_intent_at = None
        state.retained = {}
        return Next(Phase.CREATE_CONFIG)
    state.last_status = current.status
    if not ctx.owned(current.tags) or not ctx.takes_existing(name):
        return _adopt_or_refuse(ctx, state, current)
    if current.tags.get(MANAGED_BY_TAG) != ctx.request.ownership.managed_by:
        ctx.record_creation(name)  # the type's endpoint from before its own tag value: list it from now
    if state.create_intent_at is not None and current.status in ("Creating", "Failed"):
        state.target_config = state.target_config or target
        return Next(Phase.WAIT_CREATE)
    if current.status == "Failed":
        return Fail(
            short(
                f"Endpoint {name} is Failed ({current.failure_reason or 'no reason given'}); "
                "only deletion is possible"
            ),
            name,
        )
    if current.busy:  # Creating by someone else's hand included: wait, then plan against what settled
        return Wait(
            ctx.runtime.settings.poll_interval, f"{name} is {current.status}: waiting before updating"
        )
    plan = plan_update(
        current,
        ctx.spec,
        target,
        previous_tag_keys=ctx.request.old_tag_keys,
        provisioned=ctx.journal.endpoint(name).provisioned,  # the deadline rule's expected launch
    )
    if plan.refusal is not None:
        plan = _way_back(ctx, current, target, plan)
    for warning in plan.warnings:
        ctx.log.warning("plan warning", extra={"warning": warning})
    if plan.refusal is not None:
        # SageMaker's rules that need what runs now: refused before anything is touched.
        return Fail(short(plan.refusal), name, FailCode.INVALID_REQUEST)
    if plan.action in ("none", "retag"):
        state.outcome_config, state.outcome_arn = current.config_name, current.arn
        if plan.tags_to_add or plan.tag_keys_to_remove:
            ctx.notify("plan", f"{name}: no rollout needed, tags only")
            return Next(Phase.RETAG)
        ctx.notify("plan", f"{name}: no rollout needed, endpoint already runs {current.config_name}")
        return Next(Phase.CLEANUP)
    ctx.notify("plan", plan.summary())
    state.target_config = plan.config_name  # the retain rule's values change the content and name
    state.retained = {name: dict(values) for name, values in plan.retained.items()}
    state.previous_config = current.config_name
    state.suspend_variants = list(plan.suspend_autoscaling)
    state.update_arguments = dict(plan.update_arguments)
    state.unguarded = plan.unguarded
    braked = plan.brake is not None and plan.brake.braked and "DeploymentConfig" in plan.update_arguments
    state.brake = brake_alarm_name(name, ctx.record.key) if braked else ""  # journaled with the state
    if braked and plan.brake is not None:
        launch = plan.brake.timeline.parts[0].expected if plan.brake.timeline.parts else None
        state.abort_margin = plan.brake.margin
        state.expected_launch = (
            launch.seconds if launch is not None and launch.basis.value == "history" else 0.0
        )
    refused = brake_reader_refusal(ctx, state, current.arn)  # may SageMaker read the brake?
    if refused is not None:
        return refused
    state.update_intent_at = None
    if plan.tags_to_add or plan.tag_keys_to_remove:
        _retag(ctx, state, current)
    return Next(Phase.CREATE_CONFIG)


def _way_back(ctx: StepContext, current: CurrentEndpoint, target: str, refused: Plan) -> Plan:
    """The plan of a stack rollback that guardrails alone cannot carry.

    A stack rollback's Update carries the properties that ran before this stack update; the way
    forward changed what guardrails cannot change back (another variant set), so it was allowed
    unguarded: by ``AllowUnguardedRollout``, by having no ``DeploymentConfig`` (all at once), or by
    re-creating an endpoint deleted out of band (no rollout at all). Whichever it was, the way back
    to what ran before is allowed unguarded too, only while the stack rolls back, and only when that
    is the only refusal.

    CloudFormation's rollback Update carries the old properties as new (CloudFormation user guide,
    "Update requests": ``OldResourceProperties`` are the properties before the update); refusing the
    way back would leave the stack ``UPDATE_ROLLBACK_FAILED``, and ``continue-update-rollback``
    would be refused the same way. The stack's status tells a rollback (``UPDATE_ROLLBACK_IN_PROGRESS``,
    which ``continue-update-rollback`` also enters: user guide, "Stack status codes") from a forward
    update, which stays refused. The status is read only when lifting the refusal would make the
    difference.
    """
    if ctx.kind is not RequestKind.UPDATE or not ctx.request.old_properties:
        return refused
    permitted = plan_update(
        current,
        replace(ctx.spec, allow_unguarded_rollout=True),
        target,
        previous_tag_keys=ctx.request.old_tag_keys,
    )
    if permitted.refusal is not None or not permitted.unguarded:
        return refused  # refused for another reason (AllowIrreversibleChanges' way back, ...)
    try:
        status = stack_status(ctx.cfn, ctx.clock, ctx.stack_id)
    except (ClientError, BotoCoreError) as error:
        if is_transient(error):
            raise
        code = error_code(error) or type(error).__name__
        key, _, rest = str(refused.refusal).partition(": ")
        why = (
            f"{key}: a stack rollback may go back unguarded, but the stack's status could not be read "
            f"(DescribeStacks: {code}); {rest}"
        )
        return replace(refused, refusal=why)
    if status not in ROLLING_BACK:
        return refused
    ctx.notify(
        "plan",
        f"stack {status}: the way back to the previous properties goes unguarded, as the way forward did",
    )
    return permitted


def _adopt_or_refuse(ctx: StepContext, state: RolloutState, current: CurrentEndpoint) -> Progress:
    """An existing endpoint this stack resource does not own: refuse it, wait for it, or adopt it.

    Adoption (contract section 8) is journaled before any side effect: the request's state
    (``adopted_from``) and the endpoint's journal item (what a later Delete reads), then
    :func:`adopt` adds the ownership tags and the request goes on as an Update would.
    """
    name = current.name
    if state.adopted_from:
        # Journaled, but the tags are not there (yet, or any more: removed by hand): tag again.
        return Next(Phase.ADOPT)
    refusal = adoption_refusal(
        name,
        current.tags,
        current.status,
        adopt=ctx.spec.adopt_existing_endpoint,
        request_type=ctx.kind,
    )
    if refusal is not None:
        # Nothing touched: the failed Create must not name the endpoint (its rollback Delete
        # then has nothing to do with it).
        physical = "" if ctx.kind is RequestKind.CREATE or state.replacement_of else name
        return Fail(short(refusal), physical, FailCode.ALREADY_EXISTS)
    if current.busy:
        return Wait(
            ctx.runtime.settings.poll_interval, f"{name} is {current.status}: waiting before adopting it"
        )
    target = config_name(name, ctx.spec.config_digest)
    plan = plan_update(current, ctx.spec, target)
    if plan.refusal is not None:
        return Fail(short(plan.refusal), "", FailCode.INVALID_REQUEST)
    state.adopted_from = current.config_name
    ctx.checkpoint()
    ctx.journal.mark_adopted(
        name,
        Adoption(
            ctx.stack_id,
            ctx.logical_id,
            current.config_name,
            ctx.record.key,
            adopted=False,
            ownership=ctx.request.ownership,
        ),
    )
    ctx.record_creation(name)
    ctx.notify("plan", f"AdoptExistingEndpoint: adopting {name} (runs {current.config_name})")
    return Next(Phase.ADOPT)


@step(Phase.ADOPT)
def adopt(ctx: StepContext, state: RolloutState) -> Progress:
    """AddTags: the ownership tags only (the user's ``Tags`` follow as in any update), then READ.

    Idempotent: an endpoint that already carries this resource's tags (a retry after the call
    took effect) is not tagged again: AddTags "adds or overwrites one or more tags for the specified
    SageMaker resource" (AddTags API reference:
    https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AddTags.html), so a repeat would
    change nothing in SageMaker, but the role may no longer be allowed to make it.
    """
    name = state.endpoint
    described = ctx.describe(name)
    if described is None:
        return Fail(short(f"Endpoint {name} disappeared while it was being adopted"), name)
    arn = str(described["EndpointArn"])
    if not ctx.owned(ctx.tags_of_arn(arn)):
        # Not through ``call``'s retries: after a lost response the tags may be there, and IAM
        # allows this AddTags only on an endpoint no stack owns yet (template.yaml,
        # AdoptOnlyConsentingEndpoints). A transient error goes to the engine, which runs this
        # step again, and the step reads the tags first.
        tags = cast("list[TagTypeDef]", ctx.owner_tags(name))
        ctx.sm.add_tags(ResourceArn=arn, Tags=tags)
        ctx.notify("tags", f"{name}: ownership tags added (adopted)")
    return Next(Phase.READ)


@step(Phase.RETAG)
def retag(ctx: StepContext, state: RolloutState) -> Progress:
    """Tags-only change: retag the endpoint, no rollout."""
    _retag(ctx, state)
    return Next(Phase.CLEANUP)


def _retag(ctx: StepContext, state: RolloutState, current: CurrentEndpoint | None = None) -> None:
    """The tag changes of the plan: AddTags, DeleteTags (``current``: just read by the caller)."""
    current = current or read_endpoint(ctx.sm, ctx.aas, ctx.clock, state.endpoint)
    if current is None:
        return
    plan = plan_update(current, ctx.spec, current.config_name, previous_tag_keys=ctx.request.old_tag_keys)
    if plan.tags_to_add:
        call(ctx.clock, ctx.sm.add_tags, ResourceArn=current.arn, Tags=[dict(t) for t in plan.tags_to_add])
    if plan.tag_keys_to_remove:
        call(ctx.clock, ctx.sm.delete_tags, ResourceArn=current.arn, TagKeys=list(plan.tag_keys_to_remove))
    if plan.tags_to_add or plan.tag_keys_to_remove:
        ctx.notify("tags", f"{state.endpoint}: tags updated")


@step(Phase.CREATE_CONFIG)
def create_config(ctx: StepContext, state: RolloutState) -> Progress:
    """CreateEndpointConfig for the target (same content, same name: an existing one is reused)."""
    arguments = {
        "EndpointConfigName": state.target_config,
        **with_retained(ctx.spec.config, state.retained),
        "Tags": ctx.resource_tags(state.endpoint),
    }
    ctx.record_requested(state.endpoint, state.target_config, state.previous_config, state.retained)
    try:
        call(ctx.clock, ctx.sm.create_endpoint_config, **arguments)
        ctx.notify("config", f"created endpoint config {state.target_config}")
    except ClientError as error:
        if "already exist" not in error_message(error).lower():
            raise
        ctx.notify("config", f"endpoint config {state.target_config} exists (same content)")
    if not state.previous_config:
        return Next(Phase.CREATE_ENDPOINT)
    return Next(Phase.SNAPSHOT if state.suspend_variants else Phase.UPDATE)


@step(Phase.CREATE_ENDPOINT)
def create_endpoint(ctx: StepContext, state: RolloutState) -> Progress:
    """CreateEndpoint (intent journaled first; "already exists" goes back to reading)."""
    name = state.endpoint
    # Before the intent: the journal never misses an endpoint it created. Another request's record
    # stands while its endpoint exists (READ then tells whose it is); a record whose endpoint is gone
    # (deleted out of band) is stale.
    if not ctx.record_creation(name, unless_another=True):
        if ctx.describe(name) is not None:
            return Next(Phase.READ)
        ctx.record_creation(name)
    if state.create_intent_at is None:
        ctx.notify("plan", plan_create(ctx.spec, name, state.target_config).summary())
        state.create_intent_at = ctx.clock.now()
        ctx.checkpoint()
    try:
        call(
            ctx.clock,
            ctx.sm.create_endpoint,
            EndpointName=name,
            EndpointConfigName=state.target_config,
            Tags=ctx.resource_tags(name),
        )
    except ClientError as error:
        if "already exist" in error_message(error).lower():
            return Next(Phase.READ)  # ours from before a crash, or a duplicate's: READ tells
        if is_unseen_config(error):
            return Wait(EVENTUAL_CONSISTENCY_WAIT, f"config {state.target_config} not visible yet")
        raise
    ctx.notify("create", f"CreateEndpoint {name} with {state.target_config}")
    return Next(Phase.WAIT_CREATE)


@step(Phase.WAIT_CREATE)
def wait_create(ctx: StepContext, state: RolloutState) -> Progress:
    """Wait until the new endpoint leaves ``Creating``; report SageMaker's FailureReason."""
    name = state.endpoint
    described = ctx.describe(name)
    if described is None:
        return Fail(short(f"Endpoint {name} disappeared while it was being created"), name)
    status = str(described["EndpointStatus"])
    if status != state.last_status:
        ctx.notify("status", f"{name}: {status}")
    state.last_status = status
    if status == "Failed":
        reason = described.get("FailureReason") or "no reason given"
        return Fail(short(f"Endpoint {name} failed to create: {reason}"), name)
    if status != "InService":
        return Wait(ctx.runtime.settings.poll_interval, f"{name} is {status}")
    state.outcome_config = str(described["EndpointConfigName"])
    state.outcome_arn = str(described["EndpointArn"])
    ctx.notify("done", f"{name} InService on {state.outcome_config}")
    if ctx.spec.smoke_test is not None:
        return Next(Phase.SMOKE)
    if state.snapshot and state.suspended:
        return Next(Phase.RESTORE)  # recreated mid-rollout: its autoscaling comes back
    return Next(Phase.CLEANUP)
