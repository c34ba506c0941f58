"""The demo's steps, each told from what the template does and checked against what AWS shows."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sagemaker_rollout_testing.demo.stack import (
    StackOutcome,
)
from sagemaker_rollout_testing.demo.template import (
    NATIVE_ENDPOINT_TYPE,
    config_resource,
    first_model,
    new_model,
    note_renamed,
    rendered_for,
)
from sagemaker_rollout_testing.demo.world import (
    DemoError,
    DemoWorld,
    Plot,
    StepResult,
    describe,
    endpoint_configs,
    model_names,
    rollback_alarm,
    scaling_of,
)

__all__ = [
    "step_alarm_rollback",
    "step_canary",
    "step_create",
    "step_delete",
    "step_native_alarm_rollback",
    "step_native_update",
    "step_refused",
]


def response_of(step: StepResult, outcome: StackOutcome, resource: str) -> Any:
    response = outcome.responses.get(resource)
    if response is not None:
        step.status, step.reason = response.status, response.reason or None
    elif not outcome.ok:
        step.status, step.reason = "FAILED", outcome.reason
    return response


def expect(step: StepResult, condition: bool, problem: str) -> None:
    if not condition:
        step.problems.append(problem)


def expect_configs(step: StepResult, world: DemoWorld, expected: list[str]) -> None:
    """The account's endpoint configs are exactly ``expected``."""
    configs = endpoint_configs(world)
    expect(step, configs == expected, f"endpoint configs {configs}, expected {expected}")


def expect_scaling_kept(step: StepResult, world: DemoWorld, state: dict[str, Any]) -> None:
    """Autoscaling is as it was before the update (``state["scaling"]``)."""
    assert world.endpoint is not None
    kept = scaling_of(world, world.endpoint) == state["scaling"]
    expect(step, kept, "autoscaling differs from before the update")


def expect_runs_only(
    step: StepResult,
    world: DemoWorld,
    described: dict[str, Any],
    config: str | None,
    why: str,
    kept: list[str] | tuple[str, ...] = (),
) -> None:
    """The endpoint runs ``config``, and it is the only endpoint config in the account besides
    ``kept`` (configs a migration retained: left in AWS on purpose)."""
    running = described.get("EndpointConfigName")
    expect(step, running == config, f"endpoint runs {running}, not {config}")
    configs = endpoint_configs(world)
    expected = sorted({str(config), *kept})
    expect(step, configs == expected, f"endpoint configs {configs}, not {expected}: {why}")


def step_create(world: DemoWorld, step: StepResult, state: dict[str, Any]) -> None:
    outcome = world.stack.deploy(state["rendered"], state["revision"].parameters)
    response = response_of(step, outcome, world.resource)
    native = state["plot"].native
    if not outcome.ok or (not native and (response is None or response.status != "SUCCESS")):
        step.problems.append(f"the create was answered {step.status}: {step.reason}")
        return
    deployed = world.stack.resources[world.resource]
    if native:
        step.status = "CREATE_COMPLETE"
    world.endpoint = deployed.physical_id if native else response.physical_resource_id
    assert world.endpoint is not None
    described = describe(world, world.endpoint) or {}
    expect(
        step,
        described.get("EndpointStatus") == "InService",
        f"endpoint is {described.get('EndpointStatus')}, not InService",
    )
    config = (
        world.stack.resources[config_resource(state["rendered"], world.resource) or ""].physical_id
        if native
        else response.data.get("EndpointConfigName")
    )
    expect_runs_only(step, world, described, config, "expected only it")
    scaling = scaling_of(world, world.endpoint)
    expected_targets = sum(
        1
        for d in world.stack.resources.values()
        if d.type == "AWS::ApplicationAutoScaling::ScalableTarget"
        and str(d.properties.get("ResourceId", "")).startswith(f"endpoint/{world.endpoint}/")
    )
    expect(
        step,
        len(scaling) == expected_targets,
        f"{len(scaling)} scalable targets registered, expected {expected_targets}",
    )
    state["config"], state["scaling"], state["models"] = config, scaling, model_names(world)
    for name, value in world.stack.outputs().items():
        world.stack.notify("stack", f"output {name} = {value}")


def step_refused(world: DemoWorld, step: StepResult, state: dict[str, Any]) -> None:
    assert world.endpoint is not None
    plot: Plot = state["plot"]
    assert plot.revision is not None and plot.rendered is not None
    world.stack.notify("change", ", ".join(plot.revision.changes))
    updates_before = world.sim.calls["UpdateEndpoint"]
    outcome = world.stack.deploy(plot.rendered, plot.revision.parameters)
    response_of(step, outcome, world.resource)
    expect(step, not outcome.ok, "the update succeeded, but CloudFormation refuses to replace a fixed name")
    expect(
        step,
        "custom-named resource requires replacing" in (outcome.reason or ""),
        f"the update failed for another reason: {outcome.reason}",
    )
    expect(step, world.sim.calls["UpdateEndpoint"] == updates_before, "an UpdateEndpoint was issued")
    described = describe(world, world.endpoint) or {}
    expect(
        step,
        described.get("EndpointStatus") == "InService"
        and described.get("EndpointConfigName") == state["config"],
        f"endpoint is {described.get('EndpointStatus')} on {described.get('EndpointConfigName')}",
    )
    expect(step, endpoint_configs(world) == [state["config"]], f"endpoint configs {endpoint_configs(world)}")
    expect(
        step,
        model_names(world) == state["models"],
        f"models {model_names(world)}, expected {state['models']}",
    )
    expect_scaling_kept(step, world, state)


def configs_after(
    world: DemoWorld, rendered: Mapping[str, Any], before: list[str], running: str
) -> list[str]:
    """The endpoint configs expected after an update of a plain endpoint: only the running one,
    unless the config resource has ``UpdateReplacePolicy: Retain`` (the replaced ones stay)."""
    config = world.stack.resources.get(config_resource(rendered, world.resource) or "")
    if config is not None and config.update_replace_policy == "Retain":
        created = {c for c in endpoint_configs(world) if c not in before}
        return sorted({*before, running, *created})
    return [running]


def step_native_update(world: DemoWorld, step: StepResult, state: dict[str, Any]) -> None:
    assert world.endpoint is not None
    plot: Plot = state["plot"]
    assert plot.revision is not None and plot.rendered is not None
    world.stack.notify("change", ", ".join(plot.revision.changes))
    updates_before = world.sim.calls["UpdateEndpoint"]
    configs_before = endpoint_configs(world)
    outcome = world.stack.deploy(plot.rendered, plot.revision.parameters)
    response_of(step, outcome, world.resource)
    if not outcome.ok:
        step.problems.append(f"the update failed: {outcome.reason}")
        return
    step.status = "UPDATE_COMPLETE"
    config = world.stack.resources[config_resource(plot.rendered, world.resource) or ""].physical_id
    described = describe(world, world.endpoint) or {}
    expect(
        step, world.sim.calls["UpdateEndpoint"] == updates_before + 1, "expected exactly one UpdateEndpoint"
    )
    expect(step, config != state["config"], f"the endpoint config was not replaced ({config})")
    expect(
        step,
        described.get("EndpointStatus") == "InService" and described.get("EndpointConfigName") == config,
        f"endpoint is {described.get('EndpointStatus')} on "
        f"{described.get('EndpointConfigName')}, not {config}",
    )
    expected = configs_after(world, plot.rendered, configs_before, config)
    expect_configs(step, world, expected)
    expect_scaling_kept(step, world, state)
    state.update(revision=plot.revision, rendered=plot.rendered, config=config, models=model_names(world))


@dataclass
class AlarmedUpdate:
    """An update deployed while its rollback alarm fires, and what was there before it."""

    alarm: str
    rendered: dict[str, Any]
    outcome: StackOutcome
    updates_before: int
    configs_before: list[str]


def deploy_while_alarm_fires(world: DemoWorld, state: dict[str, Any], alarm: str, why: str) -> AlarmedUpdate:
    """Deploy a new model version; ``alarm`` goes to ALARM once the new fleet is provisioned (then OK
    again after the deployment, whatever happened)."""
    revision, rendered = revised(world, {**state, "change": {}}, bigger=False)
    delay = float(world.sim.timings.provision) + 90.0
    cloudwatch = world.client("cloudwatch")

    def fire() -> None:
        cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason=f"{why} (demo)")
        world.stack.notify("alarm", f"{alarm} -> ALARM")

    world.stack.notify(
        "change", f"{', '.join(revision.changes)}; {alarm} will fire {delay:.0f} s into the update"
    )
    timer = world.clock.call_later(delay, fire)
    updates_before = world.sim.calls["UpdateEndpoint"]
    configs_before = endpoint_configs(world)
    try:
        outcome = world.stack.deploy(rendered, revision.parameters)
    finally:
        timer.cancel()
        with contextlib.suppress(Exception):
            cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="recovered (demo)")
    return AlarmedUpdate(alarm, rendered, outcome, updates_before, configs_before)


def expect_rolled_back(
    world: DemoWorld,
    step: StepResult,
    state: dict[str, Any],
    updates_before: int,
    configs: list[str],
    *,
    updates: int = 1,
) -> None:
    """``updates`` UpdateEndpoint calls since ``updates_before`` (one: none for SageMaker's rollback);
    the endpoint InService on the previous config; exactly ``configs`` left; autoscaling as before
    the update."""
    assert world.endpoint is not None
    done = world.sim.calls["UpdateEndpoint"] - updates_before
    expect(
        step,
        done == updates,
        f"{done} UpdateEndpoint call(s), expected "
        + ("exactly one (none for the rollback)" if updates == 1 else f"{updates}"),
    )
    described = describe(world, world.endpoint) or {}
    expect(
        step,
        described.get("EndpointStatus") == "InService"
        and described.get("EndpointConfigName") == state["config"],
        f"endpoint is {described.get('EndpointStatus')} on {described.get('EndpointConfigName')}, "
        f"not the previous {state['config']}",
    )
    expect_configs(step, world, configs)
    expect_scaling_kept(step, world, state)


def step_native_alarm_rollback(world: DemoWorld, step: StepResult, state: dict[str, Any]) -> None:
    """``AWS::SageMaker::Endpoint``: SageMaker rolls back, CloudFormation fails the update."""
    assert world.endpoint is not None
    alarm = rollback_alarm(world)
    assert alarm is not None
    update = deploy_while_alarm_fires(world, state, alarm, "threshold crossed")
    outcome = update.outcome
    response_of(step, outcome, world.resource)
    expect(step, not outcome.ok, "the update succeeded although the alarm fired")
    expect(
        step,
        outcome.failed_resource == world.resource,
        f"{outcome.failed_resource} failed, not the endpoint {world.resource}",
    )
    expected = configs_after(world, update.rendered, update.configs_before, state["config"])
    expect_rolled_back(world, step, state, update.updates_before, expected)


def revised(world: DemoWorld, state: dict[str, Any], *, bigger: bool) -> tuple[Any, dict[str, Any]]:
    """The next revision of the template (``state["change"]``: the user's ``--change``), rendered;
    a changed model with a fixed ModelName is renamed, as its owner must (see rendered_for)."""
    change = state.get("change") or {}
    revision = new_model(state["revision"], world.resource, state["rendered"], bigger=bigger, change=change)
    rendered = rendered_for(revision, world.resource)
    if change and not revision.rename_model:
        try:
            model = first_model(rendered, world.resource)
        except DemoError:
            return revision, rendered
        before, after = (
            _model_content(world, r, p, model)
            for r, p in ((state["rendered"], state["revision"].parameters), (rendered, revision.parameters))
        )
        if before != after:
            revision.rename_model = True
            note_renamed(revision, world.resource, rendered)
            rendered = rendered_for(revision, world.resource)
    return revision, rendered


def _model_content(world: DemoWorld, rendered: dict[str, Any], parameters: Any, model: str) -> Any:
    """A model's resolved properties but its name (what makes CloudFormation replace it)."""
    from sagemaker_rollout_tools.intrinsics import UnresolvableError

    resolver = world.stack.resolver(rendered, parameters)
    resolver.placeholders = True
    try:
        props = resolver.resolve(rendered["Resources"][model].get("Properties") or {}, model)
    except UnresolvableError:
        return None
    return {k: v for k, v in props.items() if k != "ModelName"}


def step_canary(world: DemoWorld, step: StepResult, state: dict[str, Any]) -> None:
    assert world.endpoint is not None
    revision, rendered = revised(world, state, bigger=True)
    world.stack.notify("change", ", ".join(revision.changes))
    updates_before = world.sim.calls["UpdateEndpoint"]
    outcome = world.stack.deploy(rendered, revision.parameters)
    response = response_of(step, outcome, world.resource)
    if response is None or response.status != "SUCCESS":
        step.problems.append(f"the update was answered {step.status}: {step.reason}")
        return
    config = response.data.get("EndpointConfigName")
    described = describe(world, world.endpoint) or {}
    expect(step, world.sim.calls["UpdateEndpoint"] > updates_before, "no UpdateEndpoint: nothing rolled out")
    expect(step, config != state["config"], f"the endpoint config did not change ({config})")
    expect(
        step, described.get("EndpointStatus") == "InService", f"endpoint is {described.get('EndpointStatus')}"
    )
    expect_runs_only(step, world, described, config, "the previous one should be gone", state.get("kept", []))
    expect_scaling_kept(step, world, state)
    state.update(revision=revision, rendered=rendered, config=config)


def step_alarm_rollback(world: DemoWorld, step: StepResult, state: dict[str, Any]) -> None:
    """The provider's rollout: SageMaker rolls back, the answer names the alarm, the stack's
    rollback Update succeeds."""
    assert world.endpoint is not None
    alarm = rollback_alarm(world)
    if alarm is None:
        step.problems.append(
            f"{world.resource}.DeploymentConfig has no AutoRollbackConfiguration alarm to fire"
        )
        return
    update = deploy_while_alarm_fires(world, state, alarm, "p99 latency above threshold")
    outcome = update.outcome
    response = response_of(step, outcome, world.resource)
    if response is None:
        step.problems.append(f"the endpoint was not updated: {outcome.reason}")
        return
    expect(step, response.status == "FAILED", f"the update was answered {response.status}, expected FAILED")
    expect(step, alarm in (response.reason or ""), f"the reason does not name the alarm {alarm}")
    rollback = outcome.rollback_responses.get(world.resource)
    expect(
        step,
        rollback is not None and rollback.status == "SUCCESS",
        f"the stack rollback's Update was answered {getattr(rollback, 'status', 'nothing')}",
    )
    expect_rolled_back(
        world, step, state, update.updates_before, sorted({state["config"], *state.get("kept", [])})
    )


def step_delete(world: DemoWorld, step: StepResult, state: dict[str, Any]) -> None:
    assert world.endpoint is not None
    outcome = world.stack.delete()
    response = response_of(step, outcome, world.resource)
    if state["plot"].native:
        expect(step, outcome.ok, f"the delete failed: {outcome.reason}")
        step.status = "DELETE_COMPLETE" if outcome.ok else step.status
    else:
        expect(
            step,
            response is not None and response.status == "SUCCESS",
            f"the delete was answered {step.status}: {step.reason}",
        )
    kept = world.stack.left_behind
    # an endpoint left in AWS by DeletionPolicy Retain stays, unless it was adopted since (stage 2 of
    # a migration): then it is the provider's, deleted with the stack
    retained = any(d.type == NATIVE_ENDPOINT_TYPE and d.physical_id == world.endpoint for d in kept)
    if retained and not state.get("adopted"):
        world.stack.notify("stack", f"endpoint {world.endpoint} kept (DeletionPolicy: Retain)")
    else:
        expect(
            step, world.sim.endpoint_status(world.endpoint) is None, f"endpoint {world.endpoint} still exists"
        )
        expect(step, scaling_of(world, world.endpoint) == [], "scalable targets left")
    configs = sorted({d.physical_id for d in kept if d.type == "AWS::SageMaker::EndpointConfig"})
    models = sorted({d.physical_id for d in kept if d.type == "AWS::SageMaker::Model"})
    expect(
        step,
        endpoint_configs(world) == configs,
        f"endpoint configs left: {endpoint_configs(world)}, expected {configs}",
    )
    expect(step, model_names(world) == models, f"models left: {model_names(world)}, expected {models}")
