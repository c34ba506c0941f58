"""The demo of a template with a plain ``AWS::SageMaker::Endpoint``: the user's own migration story.

What a platform team does with such a template, step by step, each checked against what the
simulated account shows:

1. **original create**: the template as it is, deployed as CloudFormation deploys it;
2. **stage 1 (retain)**: ``migrate --stage retain`` deployed: Retain policies on the pair, nothing
   changes in SageMaker;
3. **stage 2 (adopt)**: the owner tags the endpoint ``sagemaker-rollout:adoptable=true``,
   ``migrate --stage adopt`` (``--compact`` with the demo's ``--compact``) deployed: the provider
   adopts the running endpoint (same ARN, no replacement, no rollout when the content is the same)
   and CloudFormation removes the retained pair from the stack, leaving it in AWS;
4. **rollout**: a changed model (``--change``, else a new revision of the first variant's model,
   renamed when its ``ModelName`` is fixed) rolls out through the adopted resource under the
   template's own ``DeploymentConfig``;
5. **alarm rollback**: another change while a rollback alarm of that ``DeploymentConfig`` fires:
   SageMaker rolls back, the update fails naming the alarm (skipped when there is no alarm);
6. **delete**: the stack is deleted; what stage 2 retained stays in AWS.

What CloudFormation does at stage 2 (docs/migrating.md): resources absent from the new template
are deleted in the cleanup phase, after the new ones are created, except those with
``DeletionPolicy: Retain``, which it removes from the stack and leaves in AWS; the miniature
CloudFormation (:class:`~sagemaker_rollout_testing.demo.stack.SimulatedStack`) plays the same.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sagemaker_rollout_testing.demo.steps import (
    expect,
    expect_scaling_kept,
    response_of,
)
from sagemaker_rollout_testing.demo.template import (
    NATIVE_ENDPOINT_TYPE,
    Revision,
    config_resource,
    rendered_for,
)
from sagemaker_rollout_testing.demo.world import (
    DemoError,
    DemoWorld,
    StepResult,
    describe,
    endpoint_configs,
    scaling_of,
)
from sagemaker_rollout_tools import cfn_yaml

__all__ = ["ADOPTABLE", "migrate_text", "step_adopt", "step_original_create", "step_retain"]

ADOPTABLE = {"Key": "sagemaker-rollout:adoptable", "Value": "true"}


def migrate_text(
    source_text: str,
    *,
    stage: str,
    suffix: str,
    compact: bool = False,
    endpoint_names: Mapping[str, str] | None = None,
) -> tuple[str, Any]:
    """``migrate --stage STAGE`` of a template's text, in process: (the written text, the report).

    Raises
    ------
    DemoError
        The template cannot be migrated as asked (migrate's own one-line reason).
    """
    from sagemaker_rollout_tools.cli.migrate.document import TemplateError, load_document
    from sagemaker_rollout_tools.cli.migrate.references import EndpointNameError
    from sagemaker_rollout_tools.cli.migrate.stages import MigrationError, UsageError, adopt, retain

    with tempfile.TemporaryDirectory(prefix="sagemaker-rollout-demo-") as scratch:
        path = Path(scratch) / f"template{suffix}"
        path.write_text(source_text, encoding="utf-8")
        try:
            document = load_document(path)
            if stage == "retain":
                report = retain(document)
            else:
                token = document.function("Fn::ImportValue", "sagemaker-rollout-EndpointProviderArn")
                report = adopt(
                    document, endpoint_names=endpoint_names or {}, service_token=token, compact=compact
                )
        except (TemplateError, UsageError, MigrationError, EndpointNameError) as error:
            raise DemoError(f"migrate --stage {stage}: {error}") from None
        return document.dump(), report


def _identity(world: DemoWorld) -> tuple[Any, Any, Any]:
    assert world.endpoint is not None
    described = describe(world, world.endpoint) or {}
    return described.get("EndpointArn"), described.get("CreationTime"), described.get("EndpointConfigName")


def step_original_create(world: DemoWorld, step: StepResult, state: dict[str, Any]) -> None:
    """The original template, as CloudFormation deploys it (``AWS::SageMaker::Endpoint``)."""
    outcome = world.stack.deploy(state["rendered"], state["revision"].parameters)
    response_of(step, outcome, world.resource)
    if not outcome.ok:
        step.problems.append(f"the create failed: {outcome.reason}")
        return
    step.status = "CREATE_COMPLETE"
    world.endpoint = world.stack.resources[world.resource].physical_id
    described = describe(world, world.endpoint) or {}
    expect(
        step,
        described.get("EndpointStatus") == "InService",
        f"endpoint is {described.get('EndpointStatus')}, not InService",
    )
    config = world.stack.resources[config_resource(state["rendered"], world.resource) or ""].physical_id
    expect(
        step,
        described.get("EndpointConfigName") == config,
        f"endpoint runs {described.get('EndpointConfigName')}",
    )
    targets = [
        d
        for d in world.stack.resources.values()
        if d.type == "AWS::ApplicationAutoScaling::ScalableTarget"
        and str(d.properties.get("ResourceId", "")).startswith(f"endpoint/{world.endpoint}/")
    ]
    scaling = scaling_of(world, world.endpoint)
    expect(
        step,
        len(scaling) == len(targets),
        f"{len(scaling)} scalable targets registered, expected {len(targets)}",
    )
    state.update(config=config, scaling=scaling, identity=_identity(world), kept=[])
    for name, value in world.stack.outputs().items():
        world.stack.notify("stack", f"output {name} = {value}")


def step_retain(world: DemoWorld, step: StepResult, state: dict[str, Any]) -> None:
    """``migrate --stage retain`` deployed: nothing changes in SageMaker."""
    text, report = migrate_text(state["source_text"], stage="retain", suffix=state["suffix"])
    world.stack.notify(
        "migrate", f"--stage retain: {', '.join(f'{p.endpoint} + {p.config}' for p in report.pairs)}"
    )
    for note in report.notes:
        world.stack.notify("migrate", f"note: {note}")
    source = cfn_yaml.load(text)
    revision = Revision(source, state["revision"].parameters)
    rendered = rendered_for(revision, world.resource)
    updates, deletes = world.sim.calls["UpdateEndpoint"], world.sim.calls["DeleteEndpoint"]
    outcome = world.stack.deploy(rendered, revision.parameters)
    response_of(step, outcome, world.resource)
    if not outcome.ok:
        step.problems.append(f"the retain stage failed to deploy: {outcome.reason}")
        return
    step.status = "UPDATE_COMPLETE"
    for pair in report.pairs:
        for logical_id in (pair.endpoint, pair.config):
            deployed = world.stack.resources.get(logical_id)
            expect(
                step,
                deployed is not None and deployed.deletion_policy == "Retain",
                f"{logical_id} is not DeletionPolicy Retain in the stack",
            )
    expect(step, _identity(world) == state["identity"], "the endpoint changed (ARN, creation time or config)")
    expect(step, world.sim.calls["UpdateEndpoint"] == updates, "an UpdateEndpoint was issued")
    expect(step, world.sim.calls["DeleteEndpoint"] == deletes, "an endpoint was deleted")
    expect_scaling_kept(step, world, state)
    state.update(source_text=text, revision=revision, rendered=rendered, retain_report=report)


def step_adopt(world: DemoWorld, step: StepResult, state: dict[str, Any]) -> None:
    """The owner's consent, then ``migrate --stage adopt`` deployed: the provider adopts the endpoint."""
    assert world.endpoint is not None
    arn = state["identity"][0]
    world.client("sagemaker").add_tags(ResourceArn=arn, Tags=[ADOPTABLE])
    world.stack.notify("owner", f"tags {world.endpoint} {ADOPTABLE['Key']}={ADOPTABLE['Value']}")
    outputs = world.stack.outputs()
    names = {
        endpoint: str(outputs[output])
        for endpoint, output in state["retain_report"].name_outputs.items()
        if output in outputs
    }
    text, report = migrate_text(
        state["source_text"],
        stage="adopt",
        suffix=state["suffix"],
        compact=state["compact"],
        endpoint_names=names,
    )
    old_id = world.resource
    new_id = report.new_ids[old_id]
    world.stack.notify(
        "migrate", f"--stage adopt{' --compact' if state['compact'] else ''}: {old_id} -> {new_id}"
    )
    for line in report.not_converted:
        world.stack.notify("migrate", f"not converted: {line}")
    source = cfn_yaml.load(text)
    revision = Revision(source, state["revision"].parameters)
    rendered = rendered_for(revision, new_id)
    running_models = _models_of(world, state["config"])
    updates, deletes, creates = (
        world.sim.calls[op] for op in ("UpdateEndpoint", "DeleteEndpoint", "CreateEndpoint")
    )
    outcome = world.stack.deploy(rendered, revision.parameters)
    response = response_of(step, outcome, new_id)
    if response is None or response.status != "SUCCESS" or not outcome.ok:
        step.problems.append(f"the adoption was answered {step.status}: {step.reason or outcome.reason}")
        return
    world.resource = new_id
    expect(step, response.physical_resource_id == world.endpoint, f"adopted {response.physical_resource_id}")
    native = [lid for lid, d in world.stack.resources.items() if d.type == NATIVE_ENDPOINT_TYPE]
    expect(step, not native, f"{', '.join(native)} still in the stack")
    kept = sorted(
        d.physical_id for d in world.stack.left_behind if d.type == "AWS::SageMaker::EndpointConfig"
    )
    expect(step, state["config"] in kept, f"the retained config {state['config']} was not left in AWS")
    expect(step, world.sim.calls["DeleteEndpoint"] == deletes, "an endpoint was deleted")
    expect(step, world.sim.calls["CreateEndpoint"] == creates, "an endpoint was created (a replacement)")
    arn_now, created_now, config_now = _identity(world)
    expect(step, (arn_now, created_now) == state["identity"][:2], "the endpoint was replaced (new ARN)")
    requested = {
        str(v.get("ModelName"))
        for v in world.stack.resources[new_id].properties.get("ProductionVariants") or []
    }
    if requested == running_models:
        expect(step, world.sim.calls["UpdateEndpoint"] == updates, "an UpdateEndpoint for unchanged content")
        expect(step, config_now == state["config"], f"endpoint moved to {config_now}")
    else:
        expect(step, world.sim.calls["UpdateEndpoint"] == updates + 1, "expected one guarded rollout")
        world.stack.notify(
            "provider", f"adoption converged {world.endpoint} onto {', '.join(sorted(requested))}"
        )
    expect_scaling_kept(step, world, state)
    step.status = "SUCCESS"
    state.update(
        adopted=True,
        source_text=text,
        revision=revision,
        rendered=rendered,
        config=config_now,
        kept=kept,
        identity=(arn_now, created_now, config_now),
        models=sorted(requested),
    )


def _models_of(world: DemoWorld, config: str) -> set[str]:
    described = world.client("sagemaker").describe_endpoint_config(EndpointConfigName=config)
    return {str(v["ModelName"]) for v in described["ProductionVariants"]}


def endpoint_configs_expected(world: DemoWorld, state: dict[str, Any], running: str) -> list[str]:
    """The configs in the account after a rollout: the running one and those stage 2 retained."""
    del world
    return sorted({running, *state.get("kept", [])})


def check_configs(step: StepResult, world: DemoWorld, state: dict[str, Any], running: str) -> None:
    expected = endpoint_configs_expected(world, state, running)
    configs = endpoint_configs(world)
    expect(step, configs == expected, f"endpoint configs {configs}, expected {expected}")
