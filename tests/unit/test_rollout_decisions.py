"""The pure decisions of the rollout state machine and its state's serialisation (no AWS)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sagemaker_rollout.planner import (
    CurrentEndpoint,
    config_matches,
    configs_to_drop,
    needs_rollout,
    settle_verdict,
    update_was_issued,
)
from sagemaker_rollout.rollout import Phase, RolloutState
from sagemaker_rollout.rollout.engine import legacy_state


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
    state = legacy_state({"SageMakerRolloutState": old})
    assert state is not None
    assert state.target_config == target and state.update_intent_at == intent
    assert state.suspended is snapshot
