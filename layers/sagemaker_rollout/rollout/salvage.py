"""Answer CloudFormation when the journal stays unavailable until the answer margin (part of the engine).

The journal is the engine's memory, and every request is answered only after its answer is recorded
there. When DynamoDB keeps failing (throttling or 5xx until the request's answer margin, or an error
that waiting does not cure), the request is still answered, once, with a one-line reason, and
nothing is recorded:

* the invocation holds the request's state (it read the journal before it failed): autoscaling this
  request suspended is restored from the snapshot the invocation holds, and the answer is the one
  the state gives (FAILED, or the answer already decided when only recording it failed). The
  journal still names this request as the holder of the suspension: the next request for the
  endpoint restores it again (the same snapshot: nothing changes) and clears it;
* it holds nothing (the journal was unreadable from the start): FAILED, "autoscaling restore
  pending: journal unavailable". Whatever an earlier invocation of the request suspended stays in
  the journal, and the next request for the endpoint (its ``RECLAIM`` step, waiting for the endpoint
  to settle) or the request's own resumption from the dead-letter queue restores it. A custom
  resource's request is confirmed with CloudFormation first, as always: one it does not confirm is
  dropped, answered nowhere.

Either way, once CreateEndpoint may have been called, a Create's answer names the endpoint (derived
from the properties when no state is held), so CloudFormation's rollback Delete deletes what was
created; the Delete acts only on an endpoint carrying this stack resource's ownership tags.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sagemaker_rollout.aws import autoscaling, brake
from sagemaker_rollout.aws.calls import AWS_ERRORS, short
from sagemaker_rollout.aws.stack import StackCheckError, confirm_request
from sagemaker_rollout.journal import JournalUnavailableError
from sagemaker_rollout.naming import default_endpoint_name
from sagemaker_rollout.rollout.answer import EngineResult, final_answer
from sagemaker_rollout.rollout.context import StepContext
from sagemaker_rollout.rollout.progress import Answer, AnswerStatus, FailCode
from sagemaker_rollout.rollout.request import RequestKind, RolloutRequest
from sagemaker_rollout.rollout.state import Phase
from sagemaker_rollout.spec import PropertyError, parse_endpoint_properties

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient

    from sagemaker_rollout.clock import Clock

__all__ = ["PENDING", "endpoint_name", "without_journal", "without_record"]

PENDING = "autoscaling restore pending: journal unavailable"
"""What an answer given without the journal says when the invocation holds no snapshot."""


def without_journal(ctx: StepContext, error: JournalUnavailableError, log: Any) -> EngineResult:
    """Answer from the state this invocation holds; restore what it suspended (see the module)."""
    record, state = ctx.record, ctx.record.state
    log.error("rollout journal unavailable: answering without recording", extra={"error": str(error)})
    if state.dropped:
        return EngineResult(None, f"dropped: {state.dropped}", state=state, started=record.started)
    if state.phase is not Phase.ANSWER:
        if state.snapshot and state.suspended:
            try:
                described = ctx.describe(state.endpoint)
                variants = [str(v["VariantName"]) for v in (described or {}).get("ProductionVariants", [])]
                autoscaling.restore(
                    ctx.aas,
                    ctx.clock,
                    state.snapshot,
                    variants,
                    state.endpoint,
                    ctx.cw,
                    stack_id=ctx.stack_id,
                )
                state.suspended = False
                state.notes.append("autoscaling restored")
            except (autoscaling.AutoscalingRestoreError, *AWS_ERRORS):
                state.notes.append(f"{PENDING}: the next request for endpoint {state.endpoint} restores it")
        if state.brake:  # the provider's brake alarm (issue 24): never left behind
            try:
                brake.remove(ctx.cw, ctx.clock, state.brake)
                state.brake = ""
            except AWS_ERRORS:
                state.leftovers.append(f"{state.brake} (brake alarm: delete it by hand)")
        if not state.failure:
            was = f"; endpoint {state.endpoint} was {state.last_status}" if state.last_status else ""
            state.failure = short(f"Rollout journal unavailable until the answer deadline ({error}){was}")
            state.failure_code = FailCode.GENERAL_SERVICE_EXCEPTION
            state.failure_physical_id = state.endpoint or None
        state.phase = Phase.ANSWER
    answer = final_answer(ctx, state)
    return EngineResult(
        answer, "answered without the journal", state=state, started=record.started, request=record.request
    )


def without_record(
    request: RolloutRequest,
    error: JournalUnavailableError,
    log: Any,
    cfn: CloudFormationClient | None = None,
    clock: Clock | None = None,
) -> EngineResult:
    """Answer a request whose record could never be read: FAILED, nothing held, nothing recorded.

    ``cfn`` (the custom resource): the request is confirmed with CloudFormation first; one it does not
    confirm is dropped, and one whose check fails too is answered FAILED all the same.
    """
    log.error("rollout journal unreadable: answering without it", extra={"error": str(error)})
    if cfn is not None and clock is not None:
        try:
            verdict = confirm_request(
                cfn,
                clock,
                kind=request.kind.value,
                stack_id=request.stack_id,
                logical_id=request.logical_id,
                physical_id=request.physical_id,
            )
        except (StackCheckError, *AWS_ERRORS) as check:
            log.error("could not confirm the request with CloudFormation", extra={"error": str(check)})
        else:
            if not verdict.confirmed:
                log.error("REQUEST DROPPED (not confirmed by CloudFormation): %s", verdict.reason)
                return EngineResult(None, f"dropped: {verdict.reason}", request=request)
    endpoint = request.physical_id or endpoint_name(request)
    reason = short(
        f"Rollout journal unavailable until the answer deadline ({error}); {PENDING} (the next request "
        f"for endpoint {endpoint} restores what an earlier attempt suspended)"
    )
    answer = Answer(AnswerStatus.FAILED, reason, endpoint, code=FailCode.GENERAL_SERVICE_EXCEPTION)
    return EngineResult(answer, "answered without the journal", request=request)


def endpoint_name(request: RolloutRequest) -> str:
    """The endpoint a request acts on, from its properties alone (no AWS call)."""
    try:
        named = parse_endpoint_properties(dict(request.properties)).endpoint_name
    except PropertyError:
        raw = request.properties.get("EndpointName")
        named = raw if isinstance(raw, str) and raw else None
    if request.kind is RequestKind.CREATE or named:
        return named or default_endpoint_name(request.stack_id, request.logical_id)
    return ""
