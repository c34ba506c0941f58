"""The demo's steps that stop a rollout: an operator's ``sagemaker-rollout abort``, a failing ``SmokeTest``.

* **operator abort**: the next model rolls out; while it bakes, an operator runs
  ``sagemaker-rollout abort`` (the command itself, with the reason): the provider's brake trips,
  SageMaker rolls the deployment back, the request answers FAILED ``aborted by the operator:
  <reason>``, the stack rolls back. The same update is then deployed again; once SageMaker has
  completed it (and before CloudFormation has the answer) the operator's second abort is refused:
  ``too late to brake: the rollout completed`` (exit 1), and the update succeeds.
* **smoke test**: the next model answers HTTP 500. The resource's ``SmokeTest`` (the template's
  own ``Invoke`` test, or one the step adds for this update when the template has none) fails it:
  in a bake the smoke test covers, the brake trips and SageMaker rolls back; with no such bake (no
  brake, no watched bake), the test after completion sends the endpoint back to its previous
  config. Either way the request answers FAILED naming the smoke test and the stack rolls back.

Both steps are told from the template (:func:`brake_plot`): a template whose rollout no brake can
stop skips the abort with the reason, and its smoke test stops the rollout after completion.
"""

from __future__ import annotations

import contextlib
import copy
import io
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sagemaker_rollout_testing.demo.steps import (
    expect,
    expect_rolled_back,
    response_of,
    revised,
)
from sagemaker_rollout_testing.demo.world import DemoWorld, Plot, StepResult, describe, model_names

__all__ = [
    "ABORT_REASON",
    "BROKEN_MODEL",
    "DEMO_SMOKE_TEST",
    "BrakePlot",
    "brake_alarms",
    "brake_plot",
    "run_abort",
    "step_operator_abort",
    "step_smoke_test",
]

ABORT_REASON = "p99 latency doubled on the new model"
"""What the demo's operator gives ``sagemaker-rollout abort --reason``."""

LATE_REASON = "second thoughts"

DEMO_SMOKE_TEST: dict[str, Any] = {
    "Invoke": {"Body": '{"instances": [[1, 2, 3]]}', "ContentType": "application/json"}
}
"""The ``SmokeTest`` the smoke-test step adds for its update when the template has none."""

BROKEN_MODEL = {"status": 500, "body": b'{"error": "broken"}'}
"""How the smoke-test step's new model answers InvokeEndpoint (the simulator's model behaviour)."""


@dataclass(frozen=True)
class BrakePlot:
    """What the template lets the abort and smoke-test steps play.

    Attributes
    ----------
    brake_blocker:
        Why no brake can stop the template's rollout ('' when one can: the provider's own words,
        :func:`sagemaker_rollout.spec.deadline.brake_blocker`).
    smoke_added:
        The template has no ``SmokeTest``: the step adds :data:`DEMO_SMOKE_TEST` for its update.
    smoke_where:
        Where the failing smoke test is expected to stop the rollout: ``in <bake>`` (the brake) or
        ``after completion`` (the way back); '' when the template's values cannot tell.
    smoke_mixed:
        That bake is a mixed-fleet one (the calls reach the new fleet with >= 95 % probability, not
        surely: a later bake may be the one that fails it).
    smoke_refused:
        Why the provider refuses the step's ``SmokeTest`` on this endpoint ('' when it does not).
    """

    brake_blocker: str = ""
    smoke_added: bool = True
    smoke_where: str = ""
    smoke_mixed: bool = False
    smoke_refused: str = ""


def brake_plot(props: Mapping[str, Any]) -> BrakePlot:
    """Read the endpoint's resolved properties as the provider would (:func:`parse_endpoint_properties`):
    whether a brake can stop its rollout, and where a failing smoke test stops it."""
    from sagemaker_rollout.spec import PropertyError, parse_endpoint_properties
    from sagemaker_rollout.spec.deadline import brake_blocker
    from sagemaker_rollout.spec.smoke import parse_smoke_test, smoke_bakes
    from sagemaker_rollout.spec.timeline import update_timeline
    from sagemaker_rollout_testing import stringify

    raw = props.get("SmokeTest")
    body = {k: v for k, v in props.items() if k != "ServiceToken"}
    if raw is None:
        body["SmokeTest"] = DEMO_SMOKE_TEST
    try:
        spec = parse_endpoint_properties(stringify(body), allow_intrinsics=True)
        smoke = parse_smoke_test(stringify(body["SmokeTest"]))
    except PropertyError as error:
        if error.path.startswith("SmokeTest"):  # e.g. InvokeEndpoint on an asynchronous endpoint
            refused = str(error)
            try:  # the brake's story does not depend on the smoke test
                bare = {k: v for k, v in body.items() if k != "SmokeTest"}
                spec = parse_endpoint_properties(stringify(bare), allow_intrinsics=True)
            except PropertyError:
                return BrakePlot(smoke_added=raw is None, smoke_refused=refused)
            variants = [v for v in spec.config.get("ProductionVariants", []) if isinstance(v, Mapping)]
            blocker = brake_blocker(spec.deployment_config, variants)
            return BrakePlot(blocker, raw is None, smoke_refused=refused)
        # values the provider would refuse (placeholders of unresolved references): the steps
        # find out as they play
        return BrakePlot(smoke_added=raw is None)
    variants = [v for v in spec.config.get("ProductionVariants", []) if isinstance(v, Mapping)]
    blocker = brake_blocker(spec.deployment_config, variants)
    where, mixed = "after completion", False
    if not blocker and smoke is not None:
        parts = update_timeline(spec.deployment_config, variants).parts
        bake = next((b for b in smoke_bakes(parts, smoke.count) if b.runs), None)
        if bake is not None:
            where, mixed = f"in {bake.name}", bake.mixed
    return BrakePlot(blocker, raw is None, where, mixed)


def _deploy_with(
    world: DemoWorld, step: StepResult, rendered: Any, revision: Any, delay: float, action: Callable[[], None]
) -> tuple[Any, Any]:
    """Deploy ``rendered`` with ``action`` run ``delay`` simulated seconds in; the stack's outcome and
    the endpoint's response (None, noted on the step, when the endpoint was not updated)."""
    timer = world.clock.call_later(delay, action)
    try:
        outcome = world.stack.deploy(rendered, revision.parameters)
    finally:
        timer.cancel()
    response = response_of(step, outcome, world.resource)
    if response is None:
        step.problems.append(f"the endpoint was not updated: {outcome.reason}")
    return outcome, response


def run_abort(endpoint: str, table: str, reason: str, notify: Callable[[str, str], None]) -> tuple[int, str]:
    """``sagemaker-rollout abort`` as an operator runs it (the command's own ``main``); its exit status
    and the line it printed, both told on the timeline."""
    from sagemaker_rollout_tools.cli import main

    argv = ["abort", "--endpoint", endpoint, "--table", table, "--reason", reason]
    notify("operator", f"$ sagemaker-rollout {shlex.join(argv)}")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    said = (out if status == 0 else err).getvalue().strip().splitlines()
    line = said[-1] if said else ""
    notify("operator", f"exit {status}: {line}")
    return status, line


def brake_alarms(cloudwatch: Any) -> list[str]:
    """The provider's brake alarms left in the account (each request deletes its own)."""
    from sagemaker_rollout.naming import BRAKE_ALARM_PREFIX

    alarms = cloudwatch.describe_alarms(AlarmNamePrefix=BRAKE_ALARM_PREFIX)["MetricAlarms"]
    return sorted(str(a["AlarmName"]) for a in alarms)


def _expect_stack_rolled_back(step: StepResult, outcome: Any, resource: str) -> None:
    rollback = outcome.rollback_responses.get(resource)
    expect(
        step,
        rollback is not None and rollback.status == "SUCCESS",
        f"the stack rollback's Update was answered {getattr(rollback, 'status', 'nothing')}",
    )


def step_operator_abort(world: DemoWorld, step: StepResult, state: dict[str, Any]) -> None:
    """An operator aborts the update while it bakes; then an abort comes too late for the next one."""
    assert world.endpoint is not None
    endpoint, table = world.endpoint, world.driver.journal_table
    revision, rendered = revised(world, {**state, "change": {}}, bigger=False)
    delay = float(world.sim.timings.provision) + 90.0
    codes: list[int] = []

    def abort() -> None:
        codes.append(run_abort(endpoint, table, ABORT_REASON, world.stack.notify)[0])

    world.stack.notify(
        "change", f"{', '.join(revision.changes)}; an operator will abort it {delay:.0f} s into the update"
    )
    updates_before = world.sim.calls["UpdateEndpoint"]
    outcome, response = _deploy_with(world, step, rendered, revision, delay, abort)
    if response is None:
        return
    expect(step, codes == [0], f"sagemaker-rollout abort exited {codes or 'never ran'}, expected 0")
    expect(step, response.status == "FAILED", f"the update was answered {response.status}, expected FAILED")
    reason = response.reason or ""
    expect(
        step,
        reason.startswith(f"aborted by the operator: {ABORT_REASON}") and "SageMaker rolled back" in reason,
        f"the reason is not the operator's abort and SageMaker's rollback: {reason}",
    )
    _expect_stack_rolled_back(step, outcome, world.resource)
    kept = sorted({state["config"], *state.get("kept", [])})
    expect_rolled_back(world, step, state, updates_before, kept)
    left = brake_alarms(world.client("cloudwatch"))
    expect(step, left == [], f"brake alarms left: {left}")
    if step.problems:
        return

    # Too late: the same update again; the operator aborts once SageMaker has completed it.
    late: list[tuple[int, str]] = []
    previous = state["config"]

    def watch(_: float) -> None:
        if late or world.sim.endpoint_status(endpoint) != "InService":
            return
        described = describe(world, endpoint) or {}
        if described.get("EndpointConfigName") in (None, previous):
            return
        world.stack.notify(
            "operator",
            f"{endpoint} runs {described.get('EndpointConfigName')} (SageMaker completed the update; "
            "CloudFormation has no answer yet)",
        )
        late.append(run_abort(endpoint, table, LATE_REASON, world.stack.notify))

    world.stack.notify("change", f"{', '.join(revision.changes)} again; an operator aborts once it completed")
    remove = world.clock.on_advance(watch)
    try:
        again = world.stack.deploy(rendered, revision.parameters)
    finally:
        remove()
    second = again.responses.get(world.resource)
    if second is None or second.status != "SUCCESS":
        step.problems.append(
            f"the update deployed again was answered {getattr(second, 'status', 'nothing')}: "
            f"{getattr(second, 'reason', '') or again.reason}"
        )
        return
    expect(
        step,
        late == [(1, "sagemaker-rollout abort: too late to brake: the rollout completed")],
        f"the late abort ended {late or 'never ran'}, expected exit 1: too late to brake",
    )
    config = second.data.get("EndpointConfigName")
    described = describe(world, endpoint) or {}
    expect(
        step,
        described.get("EndpointStatus") == "InService" and described.get("EndpointConfigName") == config,
        f"endpoint is {described.get('EndpointStatus')} on {described.get('EndpointConfigName')}, "
        f"not {config}",
    )
    left = brake_alarms(world.client("cloudwatch"))
    expect(step, left == [], f"brake alarms left after the late abort: {left}")
    state.update(revision=revision, rendered=rendered, config=config)


def step_smoke_test(world: DemoWorld, step: StepResult, state: dict[str, Any]) -> None:
    """A new model answering HTTP 500 fails the resource's smoke test: FAILED, back where it was."""
    assert world.endpoint is not None
    plot: Plot = state["plot"]
    told = plot.brake or BrakePlot()
    revision, rendered = revised(world, {**state, "change": {}}, bigger=False)
    props = rendered["Resources"][world.resource].setdefault("Properties", {})
    added = "SmokeTest" not in props
    if added:
        props["SmokeTest"] = copy.deepcopy(DEMO_SMOKE_TEST)
    models_before = set(model_names(world))
    broken: list[str] = []

    def break_new_models() -> None:
        for name in sorted(set(model_names(world)) - models_before):
            world.sim.models.set(name, **BROKEN_MODEL)
            broken.append(name)
            world.stack.notify("model", f"{name} answers InvokeEndpoint with HTTP 500 (demo)")

    world.stack.notify(
        "change",
        ", ".join(revision.changes)
        + ("; SmokeTest added for this update: InvokeEndpoint, 3 calls" if added else "")
        + "; the new model answers HTTP 500",
    )
    updates_before = world.sim.calls["UpdateEndpoint"]
    calls_before = len(world.sim.models.calls)
    # the new model exists once the stack created it, before the provider's first wait
    outcome, response = _deploy_with(world, step, rendered, revision, 1.0, break_new_models)
    if response is None:
        return
    expect(step, bool(broken), "no new model to break: the update changed no model")
    failed_calls = [c for c in world.sim.models.calls[calls_before:] if c[2] in broken and c[3] == 500]
    expect(step, bool(failed_calls), "no smoke-test call reached the new model")
    expect(step, response.status == "FAILED", f"the update was answered {response.status}, expected FAILED")
    reason = response.reason or ""
    where = told.smoke_where
    head = "smoke test failed in " if told.smoke_mixed or not where else f"smoke test failed {where}"
    expect(
        step,
        reason.startswith(head) and "model answered 500" in reason,
        f"the reason does not name the failing smoke test ({head}...): {reason}",
    )
    after_completion = reason.startswith("smoke test failed after completion")
    if after_completion:
        # the way back: a second, guarded UpdateEndpoint to the previous config
        expect(
            step,
            f"rolled back: endpoint {world.endpoint} runs {state['config']}" in reason,
            "the reason does not say the endpoint is back on its previous config",
        )
    else:
        expect(step, "SageMaker rolled back" in reason, "the reason does not say SageMaker rolled back")
    _expect_stack_rolled_back(step, outcome, world.resource)
    kept = sorted({state["config"], *state.get("kept", [])})
    expect_rolled_back(world, step, state, updates_before, kept, updates=2 if after_completion else 1)
    left = brake_alarms(world.client("cloudwatch"))
    expect(step, left == [], f"brake alarms left: {left}")
