"""The demo's story: create, roll a new model out, an update rolled back by an alarm, an operator's
abort, a failing smoke test, delete.

The steps are told from what the template does. A ``Custom::SageMakerEndpoint`` (or compact)
template plays the provider's guarded rollout (canary, linear, all at once or blue/green as its
DeploymentConfig says). A template with a plain ``AWS::SageMaker::Endpoint`` plays its owner's
migration (:mod:`.migration`): the original create, ``migrate`` stage 1 and stage 2 (adoption),
then the rollout of a changed model through the adopted resource and its alarm-rollback variant. A
changed model with a fixed ``ModelName`` gets a new name, as its owner must give it; ``--change``
says what changes instead of a new model revision. The provider's rollout then meets an operator's
``sagemaker-rollout abort`` and a new model that fails its ``SmokeTest`` (:mod:`.brake_steps`). A
step the template cannot play (no rollback alarm, no brake, no model of the template) is skipped
with the reason.

Everything runs in process: moto's ``mock_aws`` with fake credentials, the SageMaker simulator on
a :class:`~sagemaker_rollout.clock.SimulatedClock`, the provider's real handler driven by the
:class:`~sagemaker_rollout_testing.CloudFormationDriver`, and a miniature CloudFormation
(:mod:`sagemaker_rollout_testing.demo.stack`) for the other resources of the rendered template. An hour of
SageMaker time plays in seconds.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from sagemaker_rollout_testing.demo.brake_steps import (
    BrakePlot,
    brake_plot,
    step_operator_abort,
    step_smoke_test,
)
from sagemaker_rollout_testing.demo.migration import step_adopt, step_original_create, step_retain
from sagemaker_rollout_testing.demo.stack import (
    StackError,
    fixed_name_refusal,
    requires_replacement,
)
from sagemaker_rollout_testing.demo.steps import (
    step_alarm_rollback,
    step_canary,
    step_create,
    step_delete,
    step_refused,
)
from sagemaker_rollout_testing.demo.template import (
    NATIVE_ENDPOINT_TYPE,
    Revision,
    apply_edits,
    config_resource,
    example_template_path,
    first_model,
    load_template,
    new_model,
    pick_resource,
    rendered_for,
)
from sagemaker_rollout_testing.demo.world import (
    ACCOUNT_ID,
    REGION,
    DemoError,
    DemoOptions,
    DemoResult,
    DemoWorld,
    Plot,
    StepHook,
    StepResult,
    Timeline,
    rollback_alarms,
    simulated_account,
)
from sagemaker_rollout_tools.intrinsics import Resolver, UnresolvableError, parameter_values

__all__ = ["run_demo"]


def run_demo(
    options: DemoOptions | None = None,
    out: TextIO | None = None,
    *,
    before_step: StepHook | None = None,
) -> DemoResult:
    """Play the story and return what happened.

    Parameters
    ----------
    options:
        Template, resource, parameters, output mode.
    out:
        Where the timeline is printed (default: standard output).
    before_step:
        Called with (step number, world) before each step: tests inject faults through it.

    Raises
    ------
    DemoError
        When the template cannot be read, rendered or deployed locally.
    """
    from sagemaker_rollout.clock import SimulatedClock

    options = options or DemoOptions()
    out = out or sys.stdout
    started_wall = time.perf_counter()
    path = options.template or example_template_path()
    source = load_template(path)
    try:
        parameters = parameter_values(source, options.parameters)
    except UnresolvableError as error:
        raise DemoError(str(error), 2) from None
    first = Revision(source, parameters)
    declared = source.get("Parameters") or {}
    edits = {key: value for key, value in options.change.items() if key not in declared}
    apply_edits(source, edits)  # a --change that names nothing is a usage error before anything plays
    rendered = rendered_for(first, "")
    resource = pick_resource(rendered, options.resource)
    condition = (rendered["Resources"][resource] or {}).get("Condition")
    if condition is not None:
        resolver = Resolver(rendered, parameters, region=REGION, account_id=ACCOUNT_ID, placeholders=True)
        try:
            created = resolver.condition(str(condition), f"Resources.{resource}.Condition")
        except UnresolvableError as error:
            raise DemoError(f"Resources.{resource}.Condition: {error}") from None
        if not created:
            raise DemoError(
                f"Resources.{resource}: its Condition {condition} is false with these parameters, so "
                "CloudFormation would not create the endpoint; pass parameters that make it true"
            )
    label = (
        str(path)
        if options.template
        else ("embedded example (src/sagemaker_rollout_testing/demo/example.yaml)")
    )
    timeline = Timeline(out, SimulatedClock(), options)
    with simulated_account(options.stack_name, timeline=timeline, resource=resource) as world:
        timeline.status_of = lambda: world.sim.endpoint_status(world.endpoint) if world.endpoint else None
        kind = rendered["Resources"][resource]["Type"]
        timeline.print(f"sagemaker-rollout demo: {label}", always=True)
        timeline.print(
            f"  endpoint resource {resource} ({kind}); stack {options.stack_name} in a simulated account "
            "(moto + SageMaker simulator, simulated time)"
        )
        timeline.print(f"  provider: {world.origin}")
        steps = _play(world, timeline, first, rendered, before_step)
    result = DemoResult(
        template=str(path),
        resource=resource,
        endpoint=world.endpoint,
        steps=steps,
        wall_seconds=time.perf_counter() - started_wall,
        simulated_seconds=timeline.offset(),
    )
    timeline.print("", always=True)
    timeline.print(result.summary(), always=True)
    return result


_STRATEGIES = {"CANARY": "canary", "LINEAR": "linear", "ALL_AT_ONCE": "all-at-once"}


def _resolved(world: DemoWorld, rendered: Mapping[str, Any], parameters: Mapping[str, Any], lid: str) -> Any:
    resolver = Resolver(
        rendered,
        parameters,
        stack_name=world.stack.stack_name,
        region=REGION,
        account_id=ACCOUNT_ID,
        exports=world.stack.exports,
        placeholders=True,
    )
    try:
        resolved = resolver.resolve((rendered["Resources"][lid].get("Properties") or {}), lid)
    except UnresolvableError:
        return {}
    return resolved if isinstance(resolved, dict) else {}


def _plot(world: DemoWorld, first: Revision, rendered: dict[str, Any]) -> Plot:
    resource = world.resource
    native = rendered["Resources"][resource]["Type"] == NATIVE_ENDPOINT_TYPE
    props = _resolved(world, rendered, first.parameters, resource)
    config = props.get("DeploymentConfig") if isinstance(props, Mapping) else None
    policy = config.get("BlueGreenUpdatePolicy") if isinstance(config, Mapping) else None
    routing = policy.get("TrafficRoutingConfiguration") if isinstance(policy, Mapping) else None
    kind = routing.get("Type") if isinstance(routing, Mapping) else None
    strategy = _STRATEGIES.get(str(kind), "blue/green")
    config_lid = config_resource(rendered, resource)
    holder = _resolved(world, rendered, first.parameters, config_lid) if config_lid else props
    variants = len(holder.get("ProductionVariants") or []) if isinstance(holder, Mapping) else 0
    try:
        model: str | None = first_model(rendered, resource)
        no_model = None
    except DemoError as error:
        model, no_model = None, str(error)
    plot = Plot(native, model, no_model, strategy, rollback_alarms(props), variants)
    if not native:
        plot.brake = brake_plot(props)
    plot.targets = sum(
        1
        for res in rendered["Resources"].values()
        if isinstance(res, Mapping) and res.get("Type") == "AWS::ApplicationAutoScaling::ScalableTarget"
    )
    plot.retained = [
        lid
        for lid, res in rendered["Resources"].items()
        if isinstance(res, Mapping)
        and res.get("DeletionPolicy") == "Retain"
        and str(res.get("Type", "")).startswith("AWS::SageMaker::")
    ]
    if model is not None:
        plot.revision = new_model(first, resource, rendered, bigger=not native)
        plot.rendered = rendered_for(plot.revision, resource)
        plot.refusal = _refusal(world, first, rendered, plot.revision, plot.rendered, model, config_lid)
    return plot


def _refusal(
    world: DemoWorld,
    first: Revision,
    rendered: Mapping[str, Any],
    revision: Revision,
    revised: Mapping[str, Any],
    model: str,
    config: str | None,
) -> str | None:
    """CloudFormation's refusal of the revised model when a replacement keeps a fixed name."""
    old = _resolved(world, rendered, first.parameters, model)
    new = _resolved(world, revised, revision.parameters, model)
    refusal = fixed_name_refusal(model, "AWS::SageMaker::Model", old, new)
    if refusal is not None or config is None:
        return refusal
    if not requires_replacement("AWS::SageMaker::Model", old, new):
        return None
    # the config takes the new model's name, so it is replaced too; a fixed name refuses it
    old_config = _resolved(world, rendered, first.parameters, config)
    new_config = _resolved(world, revised, revision.parameters, config)
    new_config = {**new_config, "ProductionVariants": ["<the replacement model>"]}
    return fixed_name_refusal(config, "AWS::SageMaker::EndpointConfig", old_config, new_config)


def _titles(plot: Plot, world: DemoWorld) -> list[StepResult]:
    what = f"{plot.variants}-variant endpoint" if plot.variants > 1 else "endpoint"
    scaling = (
        f", {plot.targets} scalable target{'s' if plot.targets > 1 else ''} registered"
        if plot.targets
        else ""
    )
    kept = ", autoscaling kept" if plot.targets else ""
    create = StepResult(
        1,
        "create",
        f"the {what} is created: {'CREATE_COMPLETE' if plot.native else 'SUCCESS'}, InService{scaling}",
    )
    if plot.refusal:
        update = StepResult(
            2,
            "update refused",
            "a new model needs a replacement CloudFormation refuses (a fixed name): the stack rolls back, "
            "the endpoint keeps its config, nothing rolls out",
        )
    elif plot.native:
        update = StepResult(
            2,
            "model update",
            "a new model: CloudFormation replaces the model and the endpoint config and updates the "
            f"endpoint in place (UpdateEndpoint): InService on the new config, old config removed{kept}",
        )
    else:
        how = {"canary": "as a canary", "linear": "linearly", "all-at-once": "all at once"}.get(
            plot.strategy, "blue/green (SageMaker's default, no guardrails)"
        )
        update = StepResult(
            2,
            f"{plot.strategy} update",
            f"a new model rolls out {how}: SUCCESS, new config{kept}, old config removed",
        )
    rollback = StepResult(
        3,
        "alarm rollback",
        "a rollback alarm fires while the update bakes: SageMaker rolls back, the update fails"
        + (" naming the alarm" if not plot.native else "")
        + ", the endpoint stays on the previous config, the stack rolls back",
    )
    told = plot.brake or BrakePlot()
    abort = StepResult(
        4,
        "operator abort",
        "an operator runs sagemaker-rollout abort while the next update bakes: the brake trips, SageMaker "
        "rolls back, the update fails with the operator's reason, the endpoint stays on the previous "
        "config, the stack rolls back; deployed again, the update completes and an abort then is refused "
        "(too late to brake, exit 1)",
    )
    test = "a SmokeTest added for this update" if told.smoke_added else "the template's SmokeTest"
    if told.smoke_where.startswith("in "):
        later = " (or a later bake)" if told.smoke_mixed else ""
        stops = f"{told.smoke_where}{later}: the brake trips and SageMaker rolls back"
    elif told.smoke_where:
        stops = "after completion: the endpoint goes back to the previous config (a second, guarded update)"
    else:
        stops = "and the endpoint stays on (or goes back to) the previous config"
    smoke = StepResult(
        5,
        "smoke test",
        f"the next model answers HTTP 500 and fails {test} (InvokeEndpoint) {stops}; the update fails "
        "naming the smoke test, the stack rolls back",
    )
    delete = StepResult(
        6,
        "delete",
        "the stack is deleted: endpoint, configs, autoscaling and models gone"
        + (f" (but {', '.join(plot.retained)}: DeletionPolicy Retain, kept in AWS)" if plot.retained else ""),
    )
    no_rollout = "no rollout to stop: CloudFormation refuses the model update" if plot.refusal else None
    for step, reason in (
        (update, plot.no_model),
        (rollback, plot.no_model),
        (
            rollback,
            "no rollout to roll back: CloudFormation refuses the model update" if plot.refusal else None,
        ),
        (
            rollback,
            None
            if plot.alarms
            else f"{world.resource}.DeploymentConfig has no AutoRollbackConfiguration alarm to fire",
        ),
        (abort, plot.no_model),
        (abort, no_rollout),
        (abort, f"no brake can stop the rollout: {told.brake_blocker}" if told.brake_blocker else None),
        (smoke, plot.no_model),
        (smoke, no_rollout),
        (smoke, f"the provider refuses the smoke test: {told.smoke_refused}" if told.smoke_refused else None),
    ):
        if reason and not step.skip_reason:
            step.skip_reason = reason
    return [create, update, rollback, abort, smoke, delete]


def _migration_titles(plot: Plot, world: DemoWorld, compact: bool) -> list[StepResult]:
    """The steps of a plain endpoint's migration story (see :mod:`.migration`)."""
    what = f"{plot.variants}-variant endpoint" if plot.variants > 1 else "endpoint"
    scaling = (
        f", {plot.targets} scalable target{'s' if plot.targets > 1 else ''} registered"
        if plot.targets
        else ""
    )
    kept = ", autoscaling kept" if plot.targets else ""
    how = {"canary": "as a canary", "linear": "linearly", "all-at-once": "all at once"}.get(
        plot.strategy, "blue/green, all at once with no guardrails"
    )
    steps = [
        StepResult(
            1,
            "original create",
            f"the original template's {what} is created as CloudFormation creates it "
            f"(AWS::SageMaker::Endpoint): CREATE_COMPLETE, InService{scaling}",
        ),
        StepResult(
            2,
            "stage 1: retain",
            "migrate --stage retain (DeletionPolicy and UpdateReplacePolicy Retain on the pair) is deployed: "
            "UPDATE_COMPLETE, nothing changes in SageMaker",
        ),
        StepResult(
            3,
            "stage 2: adopt",
            "the owner tags the endpoint sagemaker-rollout:adoptable=true; migrate --stage adopt"
            + (" --compact" if compact else "")
            + " is deployed: the provider adopts the same endpoint (no replacement) and CloudFormation "
            f"removes the retained pair from the stack, leaving it in AWS{kept}",
        ),
        StepResult(
            4,
            f"{plot.strategy} rollout",
            f"a changed model rolls out {how} through the adopted resource, "
            + (
                "under the template's own DeploymentConfig"
                if plot.strategy != "blue/green"
                else "as SageMaker updates an endpoint without one (the template has no DeploymentConfig)"
            )
            + f": SUCCESS, new config{kept}",
        ),
        StepResult(
            5,
            "alarm rollback",
            "a rollback alarm fires while the update bakes: SageMaker rolls back, the update fails naming "
            "the alarm, the endpoint stays on the previous config, the stack rolls back",
        ),
        StepResult(
            6,
            "delete",
            "the stack is deleted: the adopted endpoint, the configs the provider created and the models "
            "go; what stage 2 retained stays in AWS",
        ),
    ]
    for number, reason in (
        (4, plot.no_model),
        (5, plot.no_model),
        (
            5,
            None
            if plot.alarms
            else f"{world.resource}.DeploymentConfig has no AutoRollbackConfiguration alarm to fire",
        ),
    ):
        step = steps[number - 1]
        if reason and not step.skip_reason:
            step.skip_reason = reason
    return steps


def _play(
    world: DemoWorld,
    timeline: Timeline,
    first: Revision,
    rendered: dict[str, Any],
    before_step: StepHook | None,
) -> list[StepResult]:
    plot = _plot(world, first, rendered)
    state: dict[str, Any] = {
        "revision": first,
        "rendered": rendered,
        "plot": plot,
        "change": dict(timeline.options.change),
        "compact": timeline.options.compact,
    }
    actions: list[Callable[[DemoWorld, StepResult, dict[str, Any]], None]]
    if plot.native:
        steps = _migration_titles(plot, world, timeline.options.compact)
        path = timeline.options.template or example_template_path()
        state.update(source_text=path.read_text(encoding="utf-8").removeprefix("\ufeff"), suffix=path.suffix)
        actions = [
            step_original_create,
            step_retain,
            step_adopt,
            step_canary,
            step_alarm_rollback,
            step_delete,
        ]
    else:
        steps = _titles(plot, world)
        actions = [
            step_create,
            step_refused if plot.refusal else step_canary,
            step_alarm_rollback,
            step_operator_abort,
            step_smoke_test,
            step_delete,
        ]
    stopped = False
    for step, action in zip(steps, actions, strict=True):
        if stopped:
            step.skipped = True
            step.problems.append("skipped after an earlier step went wrong")
            continue
        timeline.step = step
        step.started = timeline.offset()
        timeline.print("", always=True)
        if step.skip_reason:
            step.skipped, step.ok = True, True
            timeline.print(
                f"Step {step.number}/{len(steps)}  {step.title}: not playable: {step.skip_reason}",
                always=True,
            )
            timeline.step = None
            continue
        timeline.print(f"Step {step.number}/{len(steps)}  {step.title}: {step.expected}", always=True)
        if before_step is not None:
            before_step(step.number, world)
        try:
            action(world, step, state)
        except StackError as error:
            step.problems.append(str(error))
        except DemoError:
            raise
        except Exception as error:  # the simulated AWS (moto) refused the template's values
            text = " ".join(f"{type(error).__name__}: {error}".split())[:300]
            step.problems.append(f"the step could not be played on the simulated account ({text})")
        step.ended = timeline.offset()
        step.ok = not step.problems
        took = timeline.stamp(step.simulated_seconds)
        response = (
            f"stack {step.status}"
            if step.status and step.status.endswith("_COMPLETE")
            else f"CloudFormation got {step.status}" + (f" ({step.reason})" if step.reason else "")
            if step.status
            else ""
        )
        if step.ok:
            timeline.print(f"  => as expected ({took} simulated): {response}", always=True)
        else:
            timeline.print(
                f"  => NOT as expected ({took} simulated): {'; '.join(step.problems)}", always=True
            )
            stopped = True
        timeline.step = None
    return steps
