"""The planner: (what runs, what is asked) -> plan, without AWS."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from sagemaker_rollout.planner import CurrentEndpoint, plan_create, plan_update
from sagemaker_rollout.spec import EndpointSpec, parse_endpoint_properties

CANARY = {
    "BlueGreenUpdatePolicy": {
        "TrafficRoutingConfiguration": {
            "Type": "CANARY",
            "WaitIntervalInSeconds": "300",
            "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": "10"},
        }
    },
    "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "ep-latency"}]},
}


def _variant(name: str, model: str, instance: str = "ml.c5.xlarge", count: int = 2) -> dict[str, Any]:
    return {
        "VariantName": name,
        "ModelName": model,
        "InstanceType": instance,
        "InitialInstanceCount": count,
        "InitialVariantWeight": 1.0,
    }


def _spec(
    *variants: dict[str, Any], tags: list[dict[str, str]] | None = None, deployment: Any = CANARY
) -> EndpointSpec:
    props: dict[str, Any] = {"ProductionVariants": list(variants), "DeploymentConfig": deployment}
    if tags is not None:
        props["Tags"] = tags
    return parse_endpoint_properties(props)


def _current(
    *variants: dict[str, Any],
    config: str = "ep-old",
    status: str = "InService",
    autoscaled: frozenset[str] = frozenset(),
    tags: dict[str, str] | None = None,
) -> CurrentEndpoint:
    return CurrentEndpoint(
        name="ep",
        status=status,
        config_name=config,
        variants=tuple(variants),
        tags=tags or {},
        autoscaled=autoscaled,
    )


def test_plan_same_config_no_rollout() -> None:
    # GIVEN an endpoint already on the desired config WHEN planned THEN nothing happens
    plan = plan_update(_current(_variant("a", "m1")), _spec(_variant("a", "m1")), "ep-old")
    assert plan.action == "none"
    assert not plan.needs_rollout
    assert "no rollout needed" in plan.summary()


def test_plan_tags_only_change_retags_without_rollout() -> None:
    # GIVEN the same config but a new tag value and a removed tag the template had set
    current = _current(_variant("a", "m1"), tags={"team": "ml", "old": "x", "foreign": "y"})
    spec = _spec(_variant("a", "m1"), tags=[{"Key": "team", "Value": "platform"}])
    # WHEN planned
    plan = plan_update(current, spec, "ep-old", previous_tag_keys=["team", "old"])
    # THEN it retags: adds the new value, removes only keys the template set before
    assert plan.action == "retag"
    assert plan.tags_to_add == ({"Key": "team", "Value": "platform"},)
    assert plan.tag_keys_to_remove == ("old",)


def test_plan_model_change_rolls_out_with_strategy_and_diff() -> None:
    plan = plan_update(
        _current(_variant("a", "m1"), _variant("b", "m2")),
        _spec(_variant("a", "m1-new"), _variant("b", "m2")),
        "ep-new",
    )
    assert plan.action == "rollout"
    assert plan.estimate.strategy == "Canary"
    changes = {c.name: c for c in plan.variant_changes}
    assert changes["a"].fields == {"ModelName": ("m1", "m1-new")}
    assert changes["b"].kind == "unchanged"
    assert plan.suspend_autoscaling == ()
    assert plan.to_dict()["rollbackAlarms"] == ["ep-latency"]


@pytest.mark.parametrize(
    ("desired", "autoscaled", "suspended"),
    [
        (
            (_variant("a", "m1", "ml.c5.2xlarge"), _variant("b", "m2")),
            {"a", "b"},
            ("a",),
        ),  # instance type change
        (
            (_variant("a", "m1-new"), _variant("b", "m2")),
            {"a", "b"},
            (),
        ),  # model only: allowed while registered
        ((_variant("a", "m1"),), {"a", "b"}, ("b",)),  # variant removed
        ((_variant("a", "m1", "ml.c5.2xlarge"), _variant("b", "m2")), set(), ()),  # not autoscaled
    ],
    ids=["instance-type", "model-only", "removed", "not-registered"],
)
def test_plan_autoscaling_suspended_only_where_sagemaker_refuses(
    desired: tuple[dict[str, Any], ...], autoscaled: set[str], suspended: tuple[str, ...]
) -> None:
    # GIVEN an autoscaled endpoint WHEN a change is planned
    plan = plan_update(
        _current(_variant("a", "m1"), _variant("b", "m2"), autoscaled=frozenset(autoscaled)),
        _spec(*desired),
        "ep-new",
    )
    # THEN only variants whose instance type changes or that are removed are suspended
    assert plan.suspend_autoscaling == suspended
    assert ("suspended during the rollout" in " ".join(plan.warnings)) == bool(suspended)


def test_plan_busy_endpoint_waits() -> None:
    plan = plan_update(_current(_variant("a", "m1"), status="Updating"), _spec(_variant("a", "m2")), "ep-new")
    assert plan.action == "wait"


# ---- the retain rule (RetainAllVariantProperties, issue 20) ---------------------------------------


def _live(name: str, count: int, weight: float) -> dict[str, Any]:
    """A DescribeEndpoint ProductionVariantSummary (desired and current values alike)."""
    return {
        "VariantName": name,
        "CurrentInstanceCount": count,
        "DesiredInstanceCount": count,
        "CurrentWeight": weight,
        "DesiredWeight": weight,
    }


def _mixed(**spec: Any) -> tuple[CurrentEndpoint, EndpointSpec]:
    """An endpoint whose variant ``a`` autoscaled from 2 to 5 instances (weight moved to 2.0 out of
    band) and whose fixed variant ``b`` runs 1; the template changes the models and asks ``b`` for 3."""
    running = (_variant("a", "m1"), _variant("b", "m2", count=1))
    current = dataclasses.replace(
        _current(*running, autoscaled=frozenset({"a"})),
        live_variants=(_live("a", 5, 2.0), _live("b", 1, 1.0)),
        config={"ProductionVariants": list(running)},
    )
    props: dict[str, Any] = {
        "ProductionVariants": [_variant("a", "m1-new"), _variant("b", "m2-new", count=3)],
        **spec,
    }
    return current, parse_endpoint_properties(props)


def test_retain_rule_writes_autoscaled_variants_live_values_and_the_template_for_the_others() -> None:
    # GIVEN an endpoint mixing an autoscaled and a fixed variant, and the default retain flag
    current, desired = _mixed()
    # WHEN an update is planned
    plan = plan_update(current, desired, "ep-template")
    # THEN the autoscaled variant keeps its live count and weight (written into the new config), the
    # fixed one gets the template's 3, and SageMaker's all-or-nothing retention is off
    assert plan.retained == {"a": {"InitialInstanceCount": 5, "InitialVariantWeight": 2.0}}
    assert plan.update_arguments["RetainAllVariantProperties"] is False
    assert "ExcludeRetainedVariantProperties" not in plan.update_arguments
    assert plan.config_name != "ep-template" and plan.config_name.startswith("ep-")  # new content, new name
    counts = {c.name: c.fields.get("InitialInstanceCount") for c in plan.variant_changes}
    assert counts == {"a": (2, 5), "b": (1, 3)}
    assert any("autoscaled variants keep their live values" in w and "a: " in w for w in plan.warnings)


def test_retain_rule_keeps_nothing_when_retention_is_off_or_excluded() -> None:
    current, off = _mixed(RetainAllVariantProperties="false")
    plan = plan_update(current, off, "ep-template")
    assert plan.retained == {} and plan.config_name == "ep-template"
    assert plan.update_arguments["RetainAllVariantProperties"] is False
    _, weights_only = _mixed(
        ExcludeRetainedVariantProperties=[{"VariantPropertyType": "DesiredInstanceCount"}]
    )
    assert plan_update(current, weights_only, "ep-template").retained == {"a": {"InitialVariantWeight": 2.0}}


def test_autoscaling_moving_counts_is_no_change_to_roll_out() -> None:
    # GIVEN the template the endpoint was created from, and autoscaling that moved a's count since
    current, _ = _mixed()
    same = parse_endpoint_properties({"ProductionVariants": [dict(v) for v in current.variants]})
    current = dataclasses.replace(current, live_variants=(_live("a", 5, 1.0), _live("b", 1, 1.0)))
    # WHEN planned THEN nothing rolls out (the retained count is autoscaling's, not the template's)
    assert plan_update(current, same, "ep-template").action == "none"


# ---- SageMaker's rules that need the running endpoint --------------------------------------------

SERVERLESS = {
    "VariantName": "a",
    "ModelName": "m1",
    "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5},
}
ASYNC = {"OutputConfig": {"S3OutputPath": "s3://bucket/out"}}


def _props(*variants: dict[str, Any], deployment: Any = CANARY, **extra: Any) -> EndpointSpec:
    props: dict[str, Any] = {"ProductionVariants": list(variants), **extra}
    if deployment is not None:
        props["DeploymentConfig"] = deployment
    return parse_endpoint_properties(props)


REFUSALS = [
    (
        "variant added with a DeploymentConfig",
        (_variant("a", "m1"),),
        _props(_variant("a", "m1"), _variant("b", "m2")),
        "DeploymentConfig: deployment guardrails need the same variant names",
    ),
    (
        "variant renamed with a DeploymentConfig",
        (_variant("a", "m1"),),
        _props(_variant("a2", "m1")),
        "(added a2; removed a); set AllowUnguardedRollout: true",
    ),
    (
        "variant removed with the retained DeploymentConfig",
        (_variant("a", "m1"), _variant("b", "m2")),
        _props(_variant("a", "m1"), deployment=None, RetainDeploymentConfig="true"),
        "RetainDeploymentConfig: deployment guardrails need the same variant names",
    ),
    (
        "instance-based to serverless",
        (_variant("a", "m1"),),
        _props(SERVERLESS, deployment=None),
        "ProductionVariants[0].ServerlessConfig: endpoint ep runs instance-based variant(s) a",
    ),
    (
        "serverless to instance-based without AllowIrreversibleChanges",
        (SERVERLESS,),
        _props(_variant("a", "m1"), deployment=None),
        "ProductionVariants[0].InstanceType: changing serverless endpoint ep to instance-based",
    ),
    (
        "AsyncInferenceConfig removed",
        (_variant("a", "m1"),),
        _props(_variant("a", "m2")),
        "AsyncInferenceConfig: endpoint ep runs asynchronous inference",
    ),
]


@pytest.mark.parametrize(("case", "running", "desired", "reason"), REFUSALS, ids=[c[0] for c in REFUSALS])
def test_plan_refuses_what_sagemaker_refuses_or_cannot_undo(
    case: str, running: tuple[dict[str, Any], ...], desired: EndpointSpec, reason: str
) -> None:
    # GIVEN what runs now (async inference for the async case) and an update SageMaker refuses
    current = dataclasses.replace(_current(*running), async_inference=case.startswith("AsyncInference"))
    # WHEN planned
    plan = plan_update(current, desired, "ep-new")
    # THEN the plan carries a one-line refusal naming the property; the diff is still computed
    assert plan.refused and plan.refusal is not None
    assert reason in plan.refusal, plan.refusal
    assert "\n" not in plan.refusal
    assert plan.action == "rollout"
    assert plan.summary().startswith("ep: refused: ")
    assert plan.to_dict()["refusal"] == plan.refusal


@pytest.mark.parametrize(
    ("running", "desired", "async_inference"),
    [
        ((_variant("a", "m1"),), _props(_variant("a", "m1"), _variant("b", "m2"), deployment=None), False),
        ((_variant("a", "m1"),), _props(_variant("a", "m2"), AsyncInferenceConfig=ASYNC), True),
        ((SERVERLESS,), _props({**SERVERLESS, "ModelName": "m2"}, deployment=None), False),
    ],
    ids=["variant-added-without-guardrails", "async-kept", "serverless-stays-serverless"],
)
def test_plan_allows_what_sagemaker_allows(
    running: tuple[dict[str, Any], ...], desired: EndpointSpec, async_inference: bool
) -> None:
    current = dataclasses.replace(_current(*running), async_inference=async_inference)
    plan = plan_update(current, desired, "ep-new")
    assert plan.refusal is None and not plan.unguarded and plan.irreversible == ()
    # the spec's arguments, with retention left to the planner's rule (nothing is autoscaled here)
    assert plan.update_arguments == {**desired.update_arguments(), "RetainAllVariantProperties": False}


def test_plan_unguarded_rollout_drops_the_deployment_config_and_says_so() -> None:
    # GIVEN a new variant, a DeploymentConfig and AllowUnguardedRollout
    desired = _props(
        _variant("a", "m1"), _variant("b", "m2"), AllowUnguardedRollout="true", RetainDeploymentConfig="true"
    )
    # WHEN planned
    plan = plan_update(_current(_variant("a", "m1")), desired, "ep-new")
    # THEN this one update goes without DeploymentConfig (and without the retained one), all at once
    assert plan.refusal is None and plan.unguarded
    assert "DeploymentConfig" not in plan.update_arguments
    assert "RetainDeploymentConfig" not in plan.update_arguments
    assert plan.update_arguments["RetainAllVariantProperties"] is False  # the planner's retain rule
    assert plan.estimate.strategy == "AllAtOnce (no guardrails)"
    assert any("WITHOUT its DeploymentConfig" in w and "added b" in w for w in plan.warnings)
    assert "WITHOUT its DeploymentConfig (AllowUnguardedRollout)" in plan.summary()
    assert plan.to_dict()["unguarded"] is True
    # AND the spec's own arguments (today's executor) are unchanged
    assert "DeploymentConfig" in desired.update_arguments()


def test_plan_serverless_to_instances_with_allow_irreversible_lists_the_change() -> None:
    desired = _props(_variant("a", "m1"), deployment=None, AllowIrreversibleChanges="true")
    plan = plan_update(_current(SERVERLESS), desired, "ep-new")
    assert plan.refusal is None
    assert plan.irreversible == (
        "a: serverless -> instance-based (ml.c5.xlarge); SageMaker cannot convert it back to serverless",
    )
    assert "irreversible: a: serverless -> instance-based" in plan.summary()
    assert plan.to_dict()["irreversible"] == list(plan.irreversible)


@pytest.mark.parametrize(
    ("running_type", "desired_type"),
    [("ml.c5.xlarge", "ml.inf1.xlarge"), ("ml.inf1.xlarge", "ml.c5.xlarge")],
    ids=["to-inf1", "from-inf1"],
)
def test_plan_inf1_warns_guardrails_fall_back(running_type: str, desired_type: str) -> None:
    # GIVEN Inf1 instances in the running or the desired config, and a DeploymentConfig
    plan = plan_update(
        _current(_variant("a", "m1", running_type)), _spec(_variant("a", "m2", desired_type)), "ep-new"
    )
    # THEN the plan warns that SageMaker silently rolls out all at once without baking
    assert plan.refusal is None
    assert any("Inf1" in w and "no final baking" in w for w in plan.warnings), plan.warnings


def test_plan_create_lists_no_update_steps() -> None:
    # GIVEN a spec with a canary DeploymentConfig WHEN a create is planned
    plan = plan_create(_spec(_variant("a", "m1")), "ep", "ep-cfg")
    # THEN only provisioning counts: no traffic shifting, bakes or UpdateEndpoint arguments
    assert plan.estimate.strategy == "Create"
    assert not any("bake" in step or "shift" in step for step in plan.estimate.steps)
    assert plan.update_arguments == {} and plan.refusal is None
    assert plan.to_dict()["worstCaseParts"][0] == ["launch instances (allowance)", 300]


def test_plan_variant_set_read_from_live_variants_when_the_config_is_gone() -> None:
    # GIVEN an endpoint whose config was deleted out of band: only DescribeEndpoint's variants are known
    current = CurrentEndpoint(
        name="ep",
        status="InService",
        config_name="ep-old",
        live_variants=({"VariantName": "a", "CurrentInstanceCount": 2},),
    )
    # WHEN the same variant set is planned THEN nothing counts as added: no refusal
    assert plan_update(current, _spec(_variant("a", "m2")), "ep-new").refusal is None
    # AND a renamed variant is still refused
    refusal = plan_update(current, _spec(_variant("b", "m2")), "ep-new").refusal
    assert refusal is not None and "(added b; removed a)" in refusal
