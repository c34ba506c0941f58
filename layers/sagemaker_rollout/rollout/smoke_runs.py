"""Smoke tests (issue 24, contract section 9): in a bake, and after completion with the way back.

Helpers of the steps (``READ``, ``WAIT_UPDATE``, ``SMOKE`` in :mod:`.update`); not a step module.

* **Consent, before anything changes** (:func:`consent_refusal`, called by ``READ``): a
  ``SmokeTest.FunctionArn`` must carry the consent tag (:data:`~sagemaker_rollout.spec.smoke.CONSENT_TAG`);
  its name was already checked against the stack's pattern with the properties.
* **In a bake** (:func:`bake_smoke`, called by ``WAIT_UPDATE`` while the endpoint is ``Updating``): in
  each watched bake where the smoke test runs (:func:`sagemaker_rollout.spec.smoke.smoke_bakes`), once;
  a failure sets the abort reason and goes on to ``ABORT``, which trips the brake (SageMaker rolls back
  when it next watches alarms: API reference, AutoRollbackConfig). Only with an armed brake: without
  one, nothing could stop the deployment, and the test after completion decides.
* **After completion** (``SMOKE``, after ``VERIFY`` or ``WAIT_CREATE``): ``Count`` calls on the new
  config. The previous config is still there (the clean-up runs after this step). A failure of an
  update sends the endpoint back to it: the same guarded UpdateEndpoint arguments towards the
  previous config (autoscaling is still suspended if the rollout suspended it: ``RESTORE`` comes
  after), then ``VERIFY`` answers FAILED with the smoke test's reason. A create has no way back: it
  answers FAILED (CloudFormation's rollback deletes the endpoint).

Each call is journaled as it ends (``state.smoke``), so an invocation that dies mid-test goes on
where it stopped; a call whose answer was lost with the invocation is made again (smoke tests are
reads of the model; a user's function must tolerate being called again, as with any Lambda
invocation). Results go to the log (one line per call), metrics (``SmokeTestPassed`` /
``SmokeTestFailed``, ``SmokeTestLatency`` in milliseconds) and ``history`` (the request's notes).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagemaker_rollout.aws.calls import AWS_ERRORS, current_call_deadline, error_code, short
from sagemaker_rollout.aws.smoke import Outcome, consents, smoke_call
from sagemaker_rollout.planner.wakeup import Observation
from sagemaker_rollout.rollout.context import StepContext
from sagemaker_rollout.rollout.progress import Fail, FailCode, Next, Progress
from sagemaker_rollout.rollout.state import Phase, RolloutState
from sagemaker_rollout.spec.smoke import CALL_TIMEOUT_SECONDS, CONSENT_TAG, SmokeTest, smoke_bakes
from sagemaker_rollout.spec.timeline import update_timeline

__all__ = ["AFTER_COMPLETION", "bake_smoke", "call_bound", "consent_refusal", "run_smoke", "smoke_reason"]

AFTER_COMPLETION = "after completion"
MIN_CALL_SECONDS = 5.0
"""The shortest bound of a call (an invocation with less time left hands over before it)."""
CALL_MARGIN = 2.0
"""Seconds kept after a call for the journal write that records it."""
DETAIL_IN_REASON = 80
"""Characters of a failed call's detail in the answer's reason."""


def consent_refusal(ctx: StepContext, state: RolloutState) -> Fail | None:
    """A smoke function without the consent tag: refused before anything is touched."""
    test = ctx.spec.smoke_test
    if test is None or not test.function_arn or state.smoke.get("consented"):
        return None
    why = f"does not carry the tag {CONSENT_TAG}=true (the provider invokes only functions that consent)"
    try:
        granted = consents(ctx.runtime.client("lambda"), test.function_arn)
    except AWS_ERRORS as error:
        code = error_code(error)
        if code not in ("ResourceNotFoundException", "AccessDeniedException"):
            raise  # transient: the engine retries the step
        granted = False
        if code == "ResourceNotFoundException":
            why = "is not a function of this account and region (Lambda ListTags: ResourceNotFoundException)"
        else:
            why = (
                "cannot be read by the provider's role (Lambda ListTags: AccessDenied; the role's "
                "SmokeTestFunctionNamePattern must name the function)"
            )
    if not granted:
        return Fail(
            short(f"SmokeTest.FunctionArn: {test.function_arn} {why}"),
            state.endpoint or None,
            FailCode.INVALID_REQUEST,
        )
    state.smoke["consented"] = True
    return None


def call_bound(ctx: StepContext) -> float:
    """Seconds one call may wait for its answer: the documented 60 s, or less when the step's calls
    must end sooner (the registry type's invocation budget:
    :func:`~sagemaker_rollout.aws.calls.call_deadline`)."""
    bound = current_call_deadline()
    if bound is None:
        return float(CALL_TIMEOUT_SECONDS)
    return max(MIN_CALL_SECONDS, min(float(CALL_TIMEOUT_SECONDS), bound - ctx.clock.now() - CALL_MARGIN))


def run_smoke(
    ctx: StepContext, state: RolloutState, test: SmokeTest, where: str, mixed: bool
) -> dict[str, Any]:
    """Make the next call of one run (a run an earlier step or invocation began goes on); the run's
    journal entry, with ``result`` once it is decided. One call per step: the engine, which owns every
    wait, decides between two calls whether this invocation goes on or hands over."""
    runs = state.smoke.setdefault("runs", {})
    entry: dict[str, Any] = runs.setdefault(where, {"calls": [], "mixed": mixed})
    if entry.get("result"):
        return entry
    seconds = call_bound(ctx)
    client = (
        ctx.runtime.bounded_client("lambda", seconds)
        if test.function_arn
        else ctx.runtime.bounded_client("sagemaker-runtime", seconds)
    )
    label = f"{where}{' (mixed fleet)' if mixed else ''}"
    number = len(entry["calls"]) + 1
    payload = {
        "EndpointName": state.endpoint,
        "EndpointConfigName": state.target_config,
        "Phase": "after-completion" if where == AFTER_COMPLETION else "bake",
        "Bake": "" if where == AFTER_COMPLETION else where,
        "MixedFleet": mixed,
        "Call": number,
        "Count": test.count,
        "RequestType": ctx.kind.value,
    }
    result = smoke_call(client, ctx.clock, test, payload, bound=seconds)
    entry["calls"].append(result.record())
    ctx.log.info(
        "smoke test call",
        extra={
            "smoke": label,
            "call": number,
            "outcome": result.outcome.value,
            "ms": round(result.seconds * 1000),
        },
    )
    ctx.notify(
        "smoke",
        f"{label}: call {number}/{test.count} {result.outcome.value} "
        f"in {result.seconds * 1000:.0f} ms{': ' + result.detail if result.detail else ''}",
    )
    ctx.notify("metric", f"SmokeTestLatency={result.seconds * 1000:.0f}")
    if result.outcome is not Outcome.PASS:
        entry["result"], entry["detail"] = result.outcome.value, result.detail
    elif len(entry["calls"]) >= test.count:
        entry["result"] = Outcome.PASS.value
    if entry.get("result"):
        passed = entry["result"] == Outcome.PASS.value
        ctx.notify("metric", "SmokeTestPassed" if passed else "SmokeTestFailed")
        slowest = max((int(c.get("ms", 0)) for c in entry["calls"]), default=0)
        state.notes.append(
            f"smoke test {label}: {len(entry['calls'])}/{test.count} call(s), {entry['result']}"
            f" (slowest {slowest} ms)"
        )
    ctx.checkpoint()  # journaled as it ends: a later step or invocation goes on from the next call
    return entry


def smoke_reason(where: str, entry: Mapping[str, Any]) -> str:
    """The answer's head for a run that did not pass (``where``: ``after completion``, ``in <bake>``)."""
    kind = "failed" if entry.get("result") == Outcome.FAIL.value else "could not run"
    mixed = " (mixed fleet)" if entry.get("mixed") else ""
    calls = len(entry.get("calls", []))
    # The detail is cut to leave the answer's 255 characters room for where the endpoint went (the
    # whole detail is in the journal: `history`).
    detail = short(str(entry.get("detail") or "no detail"), DETAIL_IN_REASON)
    return f"smoke test {kind} {where}{mixed}: call {calls}: {detail}"


def bake_smoke(ctx: StepContext, state: RolloutState, described: Mapping[str, Any]) -> Progress | None:
    """In a watched bake the smoke test covers and has not decided yet: ``Next(BAKE_SMOKE)`` (the run
    is journaled as due there); else None."""
    test = ctx.spec.smoke_test
    if test is None or state.smoke_rollback or not (state.brake and state.brake_armed):
        return None
    if state.brake_tripped_at is not None or state.update_intent_at is None:
        return None
    seen = Observation.of(described, ctx.clock.now())
    if seen.stage != "Baking" or seen.stage_since is None:
        return None
    variants = [v for v in ctx.spec.config.get("ProductionVariants", []) if isinstance(v, Mapping)]
    timeline = update_timeline(ctx.spec.deployment_config, variants)
    index = timeline.locate("Baking", seen.stage_since - float(state.update_intent_at))
    bake = next((b for b in smoke_bakes(timeline.parts, test.count) if b.part == index), None)
    if bake is None or not bake.runs or state.smoke.get("runs", {}).get(bake.name, {}).get("result"):
        return None
    state.smoke["bake"] = {"name": bake.name, "mixed": bake.mixed}
    return Next(Phase.BAKE_SMOKE)
