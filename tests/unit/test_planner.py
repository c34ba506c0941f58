"""The planner: (what runs, what is asked) -> plan, without AWS."""

from __future__ import annotations

from typing import Any

import pytest
from sagemaker_rollout.planner import CurrentEndpoint, plan_update
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


def test_plan_retained_capacity_is_warned() -> None:
    plan = plan_update(_current(_variant("a", "m1")), _spec(_variant("a", "m2")), "ep-new")
    assert any("RetainAllVariantProperties" in w for w in plan.warnings)
