"""The pure decisions of the rollout state machine and its state's serialisation (no AWS)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sagemaker_rollout.custom_resource.legacy import legacy_state
from sagemaker_rollout.naming import ADOPTABLE_TAG, owner_tags
from sagemaker_rollout.planner import (
    CurrentEndpoint,
    adoption_refusal,
    config_matches,
    configs_to_drop,
    needs_rollout,
    plan_release,
    settle_verdict,
    update_was_issued,
)
from sagemaker_rollout.rollout import Phase, RolloutState


@pytest.mark.parametrize(
    ("described", "kind"),
    [
        ({"EndpointStatus": "InService", "EndpointConfigName": "new"}, "succeeded"),
        ({"EndpointStatus": "InService", "EndpointConfigName": "old"}, "rolled-back"),
        ({"EndpointStatus": "UpdateRollbackFailed", "EndpointConfigName": "old"}, "rollback-failed"),
        ({"EndpointStatus": "Failed", "EndpointConfigName": "new"}, "failed"),
        (None, "gone"),
    ],
)
def test_settle_verdict_judges_config_not_status(described: dict[str, Any] | None, kind: str) -> None:
    # GIVEN a settled endpoint WHEN judged against the target config "new" THEN status alone is not success
    assert settle_verdict(described, "new").kind == kind


@pytest.mark.parametrize(
    ("owned", "in_use", "users", "drop", "kept"),
    [
        (["a", "b"], ["b"], {}, ["a"], 0),
        (["a", "b"], ["b"], {"a": "other"}, [], 1),
        (["a", "b"], ["b"], None, [], 1),
        (["a"], ["a"], None, [], 0),
        ([], [], {}, [], 0),
    ],
)
def test_configs_to_drop_never_drops_used_or_unknown(
    owned: list[str], in_use: list[str], users: dict[str, str] | None, drop: list[str], kept: int
) -> None:
    # GIVEN owned configs, what this endpoint uses, and other endpoints' use (None: unknown)
    dropped, reasons = configs_to_drop(owned, in_use, users)
    # THEN only configs nobody uses (as far as can be read) are dropped
    assert dropped == drop
    assert len(reasons) == kept


def test_config_matches_compares_content_not_names_or_describe_extras() -> None:
    desired = {
        "ProductionVariants": [{"VariantName": "a", "InitialVariantWeight": 1.0, "InitialInstanceCount": 1}]
    }
    described = {
        "EndpointConfigName": "old-name",
        "EndpointConfigArn": "arn",
        "CreationTime": datetime.now(UTC),
        "DataCaptureConfig": {},
        "ProductionVariants": [{"VariantName": "a", "InitialVariantWeight": 1, "InitialInstanceCount": 1}],
    }
    assert config_matches(described, desired)
    changed = {
        "ProductionVariants": [{"VariantName": "a", "InitialVariantWeight": 1, "InitialInstanceCount": 2}]
    }
    assert not config_matches(described, changed)
    assert not config_matches({**described, "KmsKeyId": "k"}, desired)
    assert not config_matches(None, desired)


@pytest.mark.parametrize(
    ("status", "config", "matches", "expected"),
    [
        ("InService", "target", False, False),
        ("InService", "old", True, False),
        ("InService", "old", False, True),
        ("UpdateRollbackFailed", "target", True, True),
    ],
)
def test_needs_rollout(status: str, config: str, matches: bool, expected: bool) -> None:
    current = CurrentEndpoint(name="e", status=status, config_name=config)
    assert needs_rollout(current, "target", matches) is expected


@pytest.mark.parametrize(
    ("described", "intent", "issued"),
    [
        ({"EndpointStatus": "InService", "EndpointConfigName": "old"}, None, False),
        ({"EndpointStatus": "Updating", "EndpointConfigName": "old"}, 10.0, True),
        (
            {
                "EndpointStatus": "InService",
                "EndpointConfigName": "old",
                "PendingDeploymentSummary": {"EndpointConfigName": "new"},
            },
            10.0,
            True,
        ),
        ({"EndpointStatus": "InService", "EndpointConfigName": "new"}, 10.0, True),
        ({"EndpointStatus": "InService", "EndpointConfigName": "old"}, 10.0, False),
    ],
)
def test_update_was_issued_after_a_crash(
    described: dict[str, Any], intent: float | None, issued: bool
) -> None:
    assert update_was_issued(described, "new", intent) is issued


def test_state_round_trips_through_json_and_ignores_unknown_fields() -> None:
    state = RolloutState(phase=Phase.WAIT_UPDATE, endpoint="e", snapshot=[{"ResourceId": "x"}], notes=["n"])
    again = RolloutState.from_json(state.to_json())
    assert again == state
    assert RolloutState.from_json('{"phase": "verify", "from_a_newer_version": 1}').phase is Phase.VERIFY


@pytest.mark.parametrize(
    ("old", "target", "intent", "snapshot"),
    [
        (
            {"rollout": {"config": "t", "previous": "p", "autoscaling": [{"ResourceId": "r"}], "since": 5.0}},
            "t",
            5.0,
            True,
        ),
        ({"rollout": {"config": "t", "previous": "p", "autoscaling": [], "since": None}}, "t", None, False),
    ],
)
def test_legacy_continuation_maps_onto_the_state_machine(
    old: dict[str, Any], target: str, intent: float | None, snapshot: bool
) -> None:
    state, _started = legacy_state({"SageMakerRolloutState": old})
    assert state is not None
    assert state.target_config == target and state.update_intent_at == intent
    assert state.suspended is snapshot


# ---- adoption (AdoptExistingEndpoint) ---------------------------------------------------------
_STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/other/1"
_OTHERS = {t["Key"]: t["Value"] for t in owner_tags(_STACK, "Legacy", "e")}


@pytest.mark.parametrize(
    ("tags", "status", "adopt", "request_type", "starts"),
    [
        ({ADOPTABLE_TAG: "true"}, "InService", True, "Create", None),
        ({ADOPTABLE_TAG: "true"}, "Updating", True, "Create", None),  # adopt once it settles
        ({ADOPTABLE_TAG: "true"}, "InService", False, "Create", "EndpointName: endpoint e already exists"),
        ({}, "InService", True, "Create", "AdoptExistingEndpoint: endpoint e lacks its owner's consent"),
        ({ADOPTABLE_TAG: "True"}, "InService", True, "Create", "AdoptExistingEndpoint: endpoint e lacks"),
        ({ADOPTABLE_TAG: "true"}, "Failed", True, "Create", "AdoptExistingEndpoint: endpoint e is Failed"),
        (
            {ADOPTABLE_TAG: "true"},
            "InService",
            True,
            "Update",
            "AdoptExistingEndpoint: endpoint e is not managed",
        ),
        ({**_OTHERS, ADOPTABLE_TAG: "true"}, "InService", True, "Create", "EndpointName: endpoint e already"),
        (
            {**_OTHERS, ADOPTABLE_TAG: "true"},
            "InService",
            False,
            "Create",
            "EndpointName: endpoint e already",
        ),
    ],
    ids=[
        "consented",
        "busy-consented",
        "no-property",
        "no-consent",
        "consent-is-case-sensitive",
        "failed",
        "update-never-adopts",
        "other-stack",
        "other-stack-without-property",
    ],
)
def test_adoption_refusal(
    tags: dict[str, str], status: str, adopt: bool, request_type: str, starts: str | None
) -> None:
    # GIVEN an existing endpoint this stack resource does not own WHEN adoption is decided
    refusal = adoption_refusal("e", tags, status, adopt=adopt, request_type=request_type)
    # THEN only a consenting, unowned, non-Failed endpoint on Create is adopted; a refusal is one
    # line naming the property and what to do
    if starts is None:
        assert refusal is None
        return
    assert refusal is not None and refusal.startswith(starts), refusal
    assert "\n" not in refusal and ("choose another EndpointName" in refusal or "Failed" in refusal)
    if tags.get("sagemaker-rollout:stack-id"):
        assert _STACK in refusal  # names the stack that owns it


def _variant(name: str, instance_type: str = "ml.c5.xlarge") -> dict[str, Any]:
    return {"VariantName": name, "ModelName": "m", "InstanceType": instance_type}


@pytest.mark.parametrize(
    ("status", "config", "running", "autoscaled", "action", "suspend"),
    [
        ("InService", "original", [_variant("a")], {"a"}, "untag", ()),
        ("InService", "providers", [_variant("a")], {"a"}, "move-back", ()),
        ("InService", "providers", [_variant("a", "ml.c5.2xlarge")], {"a"}, "move-back", ("a",)),
        ("InService", "providers", [_variant("a"), _variant("b")], {"b"}, "move-back", ("b",)),
        ("UpdateRollbackFailed", "original", [_variant("a")], set(), "move-back", ()),
        ("Updating", "providers", [_variant("a")], set(), "wait", ()),
        ("Failed", "providers", [_variant("a")], set(), "untag", ()),
    ],
    ids=[
        "rolled-back",
        "moved",
        "moved-instance-type",
        "moved-variant-added",
        "rollback-failed",
        "busy",
        "failed",
    ],
)
def test_plan_release(
    status: str,
    config: str,
    running: list[dict[str, Any]],
    autoscaled: set[str],
    action: str,
    suspend: tuple[str, ...],
) -> None:
    # GIVEN an adopted endpoint whose adoption failed, and the config it ran when adopted
    current = CurrentEndpoint("e", status, config, variants=tuple(running), autoscaled=frozenset(autoscaled))
    # WHEN its release is planned
    release = plan_release(current, [_variant("a")], "original")
    # THEN it is untagged where it is, moved back first (autoscaling that blocks it suspended), or waited for
    assert (release.action, release.suspend) == (action, suspend)


def test_configs_to_drop_never_drops_the_adopted_original_config() -> None:
    # GIVEN the original config of an adopted endpoint somehow among the configs found as owned
    dropped, kept = configs_to_drop(["original", "old"], ["new"], {}, protected=["original"])
    # THEN it is kept, saying why, and the provider's unused config goes
    assert dropped == ["old"]
    assert kept == ["original: the endpoint ran it when it was adopted (not created by the provider)"]
