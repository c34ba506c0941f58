"""``sagemaker-rollout abort`` (issue 24): an operator trips the brake of a running rollout; the reason
reaches the request's answer through the journal and ``history``; one-line refusals otherwise."""

from __future__ import annotations

import json
from typing import Any

import pytest
from world import World

from sagemaker_rollout.naming import BRAKE_ALARM_PREFIX
from sagemaker_rollout_tools.cli import main
from sagemaker_rollout_tools.cli.abort import check_abortable


def _abort(world: World, *extra: str) -> int:
    return main(["abort", "--endpoint", "classifier", "--table", world.driver.journal_table, *extra])


def test_operator_abort_rolls_the_update_back_and_answers_with_the_reason(world: World, capsys: Any) -> None:
    # GIVEN a running canary rollout (its canary bakes 950 s)
    before = world.props()
    world.create()
    old_config = world.endpoint()["EndpointConfigName"]
    codes: list[int] = []
    # WHEN an operator aborts it during the canary's bake
    world.clock.call_later(400, lambda: codes.append(_abort(world, "--reason", "p99 latency doubled")))
    response = world.driver.update(
        "classifier", world.props("model-a-v2", wait=950), before, logical_id="Classifier"
    )
    # THEN the command succeeded, SageMaker rolled back, and the answer carries the operator's reason
    assert codes == [0]
    assert response.status == "FAILED"
    assert response.reason.startswith("aborted by the operator: p99 latency doubled"), response.reason
    assert world.endpoint()["EndpointConfigName"] == old_config
    assert world.cw.describe_alarms(AlarmNamePrefix=BRAKE_ALARM_PREFIX)["MetricAlarms"] == []
    # AND history shows it
    capsys.readouterr()
    assert main(["history", "--endpoint", "classifier", "--table", world.driver.journal_table, "--json"]) == 0
    newest = json.loads(capsys.readouterr().out)[0]
    assert newest["aborted"] == "aborted by the operator: p99 latency doubled"
    # AND once it is over, there is nothing to abort
    assert _abort(world) == 1
    assert capsys.readouterr().err.strip() == "sagemaker-rollout abort: nothing is rolling out on classifier"


def test_abort_refuses_an_endpoint_the_provider_does_not_own(world: World, capsys: Any) -> None:
    # GIVEN an endpoint someone else created
    world.sm.create_endpoint_config(
        EndpointConfigName="foreign",
        ProductionVariants=[
            {
                "VariantName": "a",
                "ModelName": "model-a-v1",
                "InstanceType": "ml.c5.xlarge",
                "InitialInstanceCount": 1,
            }
        ],
    )
    world.sm.create_endpoint(EndpointName="classifier", EndpointConfigName="foreign")
    # WHEN an operator aborts it THEN exit 1 with one line, nothing touched
    assert _abort(world) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not the provider's" in err
    assert world.cw.describe_alarms(AlarmNamePrefix=BRAKE_ALARM_PREFIX)["MetricAlarms"] == []


def _entry(phase: str, **state: Any) -> dict[str, Any]:
    return {"key": "k", "answer": None, "state": {"phase": phase, "target_config": "new", **state}}


OWNED = {"sagemaker-rollout:managed-by": "sagemaker-rollout"}
UPDATING = {"EndpointStatus": "Updating", "EndpointConfigName": "old"}


@pytest.mark.parametrize(
    ("case", "described", "tags", "entries", "why"),
    [
        ("no endpoint", None, {}, [], "no endpoint named ep"),
        ("someone else's", UPDATING, {}, [], "is not the provider's"),
        (
            "nothing running",
            UPDATING,
            OWNED,
            [{"key": "k", "answer": {"Status": "SUCCESS"}, "state": {}}],
            "nothing is rolling out",
        ),
        (
            "verified already",
            UPDATING,
            OWNED,
            [_entry("restore", brake="b", brake_armed=True)],
            "the rollout completed",
        ),
        (
            "settled on its target",
            {"EndpointStatus": "InService", "EndpointConfigName": "new"},
            OWNED,
            [_entry("wait-update", brake="b", brake_armed=True, update_intent_at=1.0)],
            "the rollout completed",
        ),
        ("no brake", UPDATING, OWNED, [_entry("wait-update")], "has no brake"),
        (
            "update not issued yet",
            UPDATING,
            OWNED,
            [_entry("update", brake="b")],
            "has not started its update",
        ),
        (
            "abortable",
            UPDATING,
            OWNED,
            [_entry("wait-update", brake="b", brake_armed=True, update_intent_at=1.0)],
            "",
        ),
    ],
)
def test_check_abortable(
    case: str, described: dict[str, Any] | None, tags: dict[str, str], entries: list[dict[str, Any]], why: str
) -> None:
    # GIVEN what SageMaker and the journal say WHEN an abort is asked for
    entry, reason = check_abortable("ep", described, tags, entries)
    # THEN it names the request to abort, or says in one line why there is none
    if why:
        assert entry is None and why in reason, (case, reason)
    else:
        assert entry is entries[0] and reason == "", case


def test_an_abort_that_comes_too_late_leaves_no_alarm(world: World, capsys: Any, monkeypatch: Any) -> None:
    # GIVEN a rollout that completed (its clean-up deleted the brake) and an abort command that read
    # the journal just before (it saw the request running: the race with the clean-up)
    before = world.props()
    world.create()
    response = world.driver.update("classifier", world.props("model-a-v2"), before, logical_id="Classifier")
    assert response.status == "SUCCESS", response.reason
    (entry,) = [e for e in world.history() if e["requestType"] == "Update"]
    stale = {**entry, "answer": None, "state": {**entry["state"], "phase": "wait-update"}}
    assert stale["state"].get("brake") is None  # the clean-up cleared it
    stale["state"]["brake"] = next(
        name
        for key, _ in world.sim._alarm_log.items()
        for name in [key[2]]
        if name.startswith(BRAKE_ALARM_PREFIX)
    )
    monkeypatch.setattr("sagemaker_rollout_tools.cli.abort.check_abortable", lambda *a: (stale, ""))
    # WHEN the command trips the brake it read
    code = _abort(world, "--reason", "late")
    # THEN it notices the request is over, deletes what it put, and says it was too late
    assert code == 1
    last = capsys.readouterr().err.strip().splitlines()[-1]  # (earlier lines: other tests' log handlers)
    assert last == "sagemaker-rollout abort: too late to brake: the rollout completed"
    assert world.cw.describe_alarms(AlarmNamePrefix=BRAKE_ALARM_PREFIX)["MetricAlarms"] == []
