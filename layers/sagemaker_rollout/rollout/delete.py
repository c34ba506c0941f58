"""Steps of a Delete: delete the endpoint this resource owns, wait until it is gone.

An adopted endpoint (``AdoptExistingEndpoint``) is deleted like any other only once its adoption
succeeded. The Delete of a *failed* adoption (CloudFormation's rollback Delete, with the physical id
the FAILED answer carried) releases it instead: back on the config it ran when adopted, autoscaling
as it was, ownership tags removed; never DeleteEndpoint. How the Delete knows: the adoption is
recorded in the journal's endpoint item before the ownership tags are added (stack id, logical id,
original config, adopting request) and marked ``adopted`` when that request succeeds; the adopting
request's recorded answer decides when the mark is missing. Endpoint items never expire, so a Delete
long after a failed adoption (a stack left in ``CREATE_FAILED`` without rollback) still releases.

After a *successful* adoption, a Delete is not always the end of the endpoint's life. Migration stage
2 (``migrate --stage adopt``) adopts an endpoint that a retained ``AWS::SageMaker::Endpoint`` still
describes; if that stack operation then fails on another resource, CloudFormation rolls back and
sends Delete to the new custom resource (``ROLLBACK_IN_PROGRESS`` for a failed creation,
``UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS`` for a failed update): deleting would take
production down under the restored template. So the Delete of an endpoint the journal says was
adopted reads the stack's status first (``stack_status``: ``cloudformation:DescribeStacks`` on the
event's ``StackId``) and deletes only when the stack is being deleted (``DELETE_IN_PROGRESS``) or a
successful update removed or replaced the resource (``UPDATE_COMPLETE_CLEANUP_IN_PROGRESS``).
Under any other status (every rollback: ``ROLLBACK_IN_PROGRESS``, ``UPDATE_ROLLBACK_IN_PROGRESS``,
``UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS``, ``IMPORT_ROLLBACK_*``), or when the status cannot be
read for good (AccessDenied, stack not found), it releases the endpoint like a failed adoption: back
on the config it ran when adopted (what the retained resource and the restored template describe),
autoscaling as it was, ownership tags removed. The decision is journaled before either acts, so a
resumed request finishes what was decided. Endpoints that were not adopted never cause the call.

Stack status codes: CloudFormation User Guide, "View stack events", section "Stack status codes"
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html#cfn-console-view-stack-data-resources-status-codes):
``*_CLEANUP_IN_PROGRESS`` is the removal of old (after an update) or new (after a rolled-back
update) resources; DescribeStacks: CloudFormation API Reference
(https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html):
``StackName`` may be the unique stack id (required for a deleted stack); a stack that does not
exist is a ``ValidationError``.
"""

from __future__ import annotations

from dataclasses import replace

from botocore.exceptions import BotoCoreError, ClientError

from sagemaker_rollout.aws.calls import call, error_code, error_message, is_not_found, is_transient, short
from sagemaker_rollout.aws.reading import read_endpoint
from sagemaker_rollout.journal import Adoption
from sagemaker_rollout.naming import OWNER_TAG_KEYS
from sagemaker_rollout.planner import BUSY_STATUSES, plan_release
from sagemaker_rollout.rollout.context import StepContext
from sagemaker_rollout.rollout.graph import step
from sagemaker_rollout.rollout.helpers import restore_orphan
from sagemaker_rollout.rollout.progress import Fail, Next, Progress, Wait
from sagemaker_rollout.rollout.request import Ownership
from sagemaker_rollout.rollout.state import AdoptionFate, Phase, RolloutState

__all__ = [
    "DELETE_STACK_STATUSES",
    "adoption_of",
    "delete_endpoint",
    "release",
    "stack_status",
    "untag",
    "valid_endpoint_name",
    "wait_delete",
]

DELETE_STACK_STATUSES = frozenset({"DELETE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"})
"""Stack statuses under which the Delete of a successfully adopted endpoint deletes it: the stack
is being deleted, or a successful update removed (or replaced) the resource. Any other status
releases it (User Guide, "Stack status codes")."""

RELEASE_UPDATE_ARGUMENTS = {"RetainAllVariantProperties": True}
"""UpdateEndpoint arguments of a release: no DeploymentConfig (the way back is not a guarded
rollout; the endpoint already ran that config), current instance counts and weights kept."""

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")


def valid_endpoint_name(name: str) -> bool:
    """Whether ``name`` can be a SageMaker endpoint name (else a Delete has nothing to do)."""
    return 0 < len(name) <= 63 and set(name) <= _NAME_CHARS and name[0] != "-" and name[-1] != "-"


@step(Phase.DELETE_ENDPOINT)
def delete_endpoint(ctx: StepContext, state: RolloutState) -> Progress:
    """DeleteEndpoint, if the endpoint exists and this resource owns it."""
    name = state.endpoint
    if not valid_endpoint_name(name):
        ctx.notify("done", f"{name} is not an endpoint this provider created: nothing to delete")
        state.endpoint = ""
        return Next(Phase.ANSWER)
    described = ctx.describe(name)
    adoption = adoption_of(ctx, name)
    if described is None:
        if adoption is not None:
            ctx.journal.clear_adopted(name)
        if ctx.request.ownership.records_creations:
            ctx.journal.clear_created(name)
        return Next(Phase.CLEANUP)
    if adoption is not None and not _adoption_succeeded(ctx, name, adoption):
        state.releasing = True
        ctx.notify("plan", f"{name} was adopted by a Create that failed: releasing it, not deleting it")
        return Next(Phase.RELEASE)
    if adoption is not None and state.adoption_fate is not AdoptionFate.DELETE:
        # Adopted, and not yet decided to delete: the stack's status decides (journaled first).
        return Next(Phase.RELEASE if state.adoption_fate is AdoptionFate.RELEASE else Phase.STACK_STATUS)
    if not ctx.owned(ctx.tags_of_arn(str(described["EndpointArn"]))):
        ctx.notify("done", f"{name} is not managed by this stack resource: left alone")
        return Next(Phase.CLEANUP)
    status = str(described["EndpointStatus"])
    state.last_status = status
    if status in BUSY_STATUSES and status != "Deleting":
        return Wait(ctx.runtime.settings.poll_interval, f"{name} is {status}: waiting before deleting")
    if status != "Deleting":
        try:
            call(ctx.clock, ctx.sm.delete_endpoint, EndpointName=name)
            ctx.notify("delete", f"DeleteEndpoint {name}")
        except ClientError as error:
            if not is_not_found(error):
                raise
    return Next(Phase.WAIT_DELETE)


@step(Phase.WAIT_DELETE)
def wait_delete(ctx: StepContext, state: RolloutState) -> Progress:
    """Wait until the endpoint is gone."""
    described = ctx.describe(state.endpoint)
    if described is None:
        ctx.notify("done", f"{state.endpoint} deleted")
        item = ctx.journal.endpoint(state.endpoint)
        if item.suspended_by:  # its scalable targets went with it: nothing is left to restore
            ctx.journal.clear_suspended(state.endpoint, item.suspended_by)
        if item.adoption is not None:
            ctx.journal.clear_adopted(state.endpoint)
        if item.created_by is not None:
            ctx.journal.clear_created(state.endpoint)
        return Next(Phase.CLEANUP)
    state.last_status = str(described["EndpointStatus"])
    if state.last_status != "Deleting":
        return Next(Phase.DELETE_ENDPOINT)
    return Wait(ctx.runtime.settings.poll_interval, f"{state.endpoint} is Deleting")


@step(Phase.STACK_STATUS)
def stack_status(ctx: StepContext, state: RolloutState) -> Progress:
    """Decide the fate of an adopted endpoint from its stack's status: delete or release.

    Called only for an endpoint whose adoption by this stack resource succeeded. The decision is
    stored in the state (``adoption_fate``), which the engine journals before the next step acts.
    A transient error (throttling, a 5xx) is retried (``call``, then the engine's backoff); any other
    error releases: keeping a production endpoint is the safe side of not knowing.
    """
    name = state.endpoint
    stack = ctx.stack_id
    adoption = adoption_of(ctx, name)
    original = adoption.config if adoption is not None and adoption.config else "its original config"
    if not ctx.request.in_stack:
        # Cloud Control API's DeleteResource (no stack): no rollback can be behind it, so the
        # endpoint is deleted as asked (docs/registry.md, "Adopted endpoints").
        state.adoption_fate = AdoptionFate.DELETE
        ctx.notify(
            "plan", f"{name} was adopted; no stack sent this Delete: deleting it like any endpoint it owns"
        )
        return Next(Phase.DELETE_ENDPOINT)
    try:
        response = call(ctx.clock, ctx.cfn.describe_stacks, StackName=stack)
        stacks = list(response.get("Stacks") or [])
        status = str(stacks[0].get("StackStatus", "")) if stacks else ""
        why = f"the stack is {status or 'not described'}"
    except (ClientError, BotoCoreError) as error:
        if is_transient(error):
            raise
        status = ""
        code = error_code(error) or type(error).__name__
        message = error_message(error)
        # A stack unknown to CloudFormation is a ValidationError "Stack with id ... does not exist"
        # (API reference, DescribeStacks); its message repeats the long stack id.
        detail = "stack does not exist" if "does not exist" in message else short(message, 80)
        why = f"the stack's status could not be read (DescribeStacks: {code}: {detail})"
        ctx.log.warning(
            "DescribeStacks failed: releasing the adopted endpoint, not deleting it",
            extra={"endpoint": name, "stack_id": stack, "error": str(error)},
        )
    if status in DELETE_STACK_STATUSES:
        state.adoption_fate = AdoptionFate.DELETE
        ctx.notify("plan", f"{name} was adopted; {why}: deleting it like any endpoint it owns")
        return Next(Phase.DELETE_ENDPOINT)
    state.adoption_fate = AdoptionFate.RELEASE
    state.releasing = True
    state.fate_reason = short(
        f"Released endpoint {name} (adopted by this resource) instead of deleting it: {why}; "
        f"it runs {original} again, ownership tags removed"
    )
    ctx.log.info("releasing an adopted endpoint", extra={"endpoint": name, "why": state.fate_reason})
    ctx.notify("plan", f"{name} was adopted; {why}: releasing it, not deleting it")
    return Next(Phase.RELEASE)


def adoption_of(ctx: StepContext, endpoint: str) -> Adoption | None:
    """This request's adoption of ``endpoint`` as the journal recorded it, or None: the adoption
    of this stack resource, or under the primary-identifier rule the type's adoption of the endpoint
    whatever stack resource made it (:class:`~sagemaker_rollout.rollout.request.Ownership`)."""
    adoption = ctx.journal.endpoint(endpoint).adoption
    if adoption is None:
        return None
    if (
        ctx.request.ownership is Ownership.PRIMARY_IDENTIFIER
        and adoption.ownership is Ownership.PRIMARY_IDENTIFIER
    ):
        return adoption
    if adoption.stack_id != ctx.stack_id or adoption.logical_id != ctx.logical_id:
        return None
    return adoption


def _adoption_succeeded(ctx: StepContext, endpoint: str, adoption: Adoption) -> bool:
    if adoption.adopted:
        return True
    record = ctx.journal.load(adoption.request)
    succeeded = bool(record and record.answer and record.answer.succeeded)
    if succeeded:  # the mark was skipped (recovery cut short): set it now
        ctx.journal.mark_adopted(endpoint, replace(adoption, adopted=True))
    return succeeded


@step(Phase.RELEASE)
def release(ctx: StepContext, state: RolloutState) -> Progress:
    """Plan the way back of a failed adoption: untag only, or UpdateEndpoint back first."""
    name = state.endpoint
    adoption = adoption_of(ctx, name)
    original = adoption.config if adoption is not None else ""
    note = restore_orphan(ctx, name)  # a dead request's suspended autoscaling comes back first
    if note:
        state.notes.append(note)
    current = read_endpoint(ctx.sm, ctx.aas, ctx.clock, name)
    if current is None or not original:
        ctx.journal.clear_adopted(name)
        return Next(Phase.CLEANUP)
    state.last_status = current.status
    if not ctx.owned(current.tags):
        # The ownership tags never arrived (AddTags refused, or the Create died before it) or are
        # gone already: the endpoint was never changed by this resource.
        ctx.journal.clear_adopted(name)
        ctx.notify("done", f"{name} was never tagged as owned: left as it is")
        return Next(Phase.CLEANUP)
    try:
        described = call(ctx.clock, ctx.sm.describe_endpoint_config, EndpointConfigName=original)
    except ClientError as error:
        if not is_not_found(error):
            raise
        return Fail(
            short(
                f"Cannot release endpoint {name}: its original config {original} no longer exists; "
                f"the endpoint runs {current.config_name} and keeps its ownership tags"
            ),
            name,
        )
    decision = plan_release(current, list(described.get("ProductionVariants", [])), original)
    if decision.action == "wait":
        return Wait(
            ctx.runtime.settings.poll_interval, f"{name} is {current.status}: waiting before releasing it"
        )
    if decision.action == "untag":
        ctx.notify("plan", f"{name} runs {current.config_name}: releasing it (ownership tags only)")
        return Next(Phase.CLEANUP)
    state.target_config = original
    state.previous_config = current.config_name
    state.suspend_variants = list(decision.suspend)
    state.update_arguments = dict(RELEASE_UPDATE_ARGUMENTS)
    state.unguarded = True
    state.update_intent_at = None
    ctx.notify("plan", f"{name} runs {current.config_name}: moving it back to {original} before releasing it")
    return Next(Phase.SNAPSHOT if decision.suspend else Phase.UPDATE)


@step(Phase.UNTAG)
def untag(ctx: StepContext, state: RolloutState) -> Progress:
    """DeleteTags: the ownership tags only (the owner's ``sagemaker-rollout:adoptable`` stays)."""
    name = state.endpoint
    described = ctx.describe(name)
    if described is not None:
        arn = str(described["EndpointArn"])
        tags = ctx.tags_of_arn(arn)
        keys = [key for key in OWNER_TAG_KEYS if key in tags]
        if keys and ctx.owned(tags):
            # Not through ``call``'s retries: once the tags are gone IAM refuses a repeat
            # (ReleaseOnlyOwnedEndpoints); a transient error re-runs the step, which reads first.
            ctx.sm.delete_tags(ResourceArn=arn, TagKeys=keys)
        ctx.notify(
            "done", f"{name} released on {described.get('EndpointConfigName')}: ownership tags removed"
        )
    ctx.journal.clear_adopted(name)
    if ctx.request.ownership.records_creations:
        ctx.journal.clear_created(name)
    return Next(Phase.ANSWER)
