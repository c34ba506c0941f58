"""``SmokeTest`` and ``sagemaker-rollout abort`` through the registry type (issue 24).

The type runs the custom resource's engine: a smoke test that fails in a bake trips the provider's
brake, and an operator's abort (the command itself, as an operator runs it) reaches the update
handler's answer through the journal. Every handler call stays within the schema's permissions (the
``registry`` fixture's teardown): a smoke test's InvokeEndpoint is ``sagemaker:InvokeEndpoint``.
"""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

from registry_kit import props

from sagemaker_rollout.naming import BRAKE_ALARM_PREFIX
from sagemaker_rollout_testing.registry import HandlerCall
from sagemaker_rollout_tools.cli import main

INVOKE = {"Invoke": {"Body": '{"instances": [[1, 2, 3]]}', "ContentType": "application/json"}}


def _running(sm: Any) -> str:
    return str(sm.describe_endpoint(EndpointName="classifier")["EndpointConfigName"])


def _brakes(session: Any) -> list[str]:
    alarms = session.client("cloudwatch").describe_alarms(AlarmNamePrefix=BRAKE_ALARM_PREFIX)["MetricAlarms"]
    return [a["AlarmName"] for a in alarms]


def _abort(registry: Any, reason: str) -> tuple[int, str]:
    """``sagemaker-rollout abort`` as an operator runs it: exit status and the last line it printed."""
    out, err = io.StringIO(), io.StringIO()
    argv = ["abort", "--endpoint", "classifier", "--table", registry.journal_table, "--reason", reason]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    lines = (out if status == 0 else err).getvalue().strip().splitlines()
    return status, lines[-1] if lines else ""


def test_a_smoke_test_failing_in_the_final_bake_trips_the_brake_through_the_type(
    registry: Any, session: Any, sim: Any
) -> None:
    # GIVEN an endpoint of the type with an InvokeEndpoint smoke test, a canary rollout baking 10
    # minutes, and a new model that answers 500
    sm = session.client("sagemaker")
    before = props(kind="CANARY", wait=600, SmokeTest=INVOKE)
    assert registry.create("Classifier", before).ok
    old_config = _running(sm)
    sim.models.set("model-a-v2", status=500)
    # WHEN the update handler rolls it out
    after = props("model-a-v2", kind="CANARY", wait=600, SmokeTest=INVOKE)
    updated = registry.update("Classifier", after, before)
    # THEN the final bake's smoke test failed it, the brake sent the deployment back, FAILED says so
    assert updated.status == "FAILED"
    assert updated.message.startswith("smoke test failed in final bake: call 1: model answered 500"), (
        updated.message
    )
    assert "SageMaker rolled back" in updated.message
    assert _running(sm) == old_config
    assert _brakes(session) == []
    assert [t.status for t in sim.history("classifier")].count("RollingBack") == 1
    # AND the smoke calls were recorded with their IAM action (the teardown holds it to the schema)
    assert HandlerCall("update", "sagemaker:InvokeEndpoint") in registry.calls
    # AND CloudFormation's rollback finds the endpoint where it was: SUCCESS, no UpdateEndpoint
    updates = sim.calls["UpdateEndpoint"]
    rollback = registry.update("Classifier", before, after)
    assert rollback.ok, rollback.message
    assert sim.calls["UpdateEndpoint"] == updates
    assert _running(sm) == old_config


def test_an_operator_abort_sends_the_types_rollout_back_with_the_reason(
    registry: Any, session: Any, sim: Any, clock: Any, capsys: Any
) -> None:
    # GIVEN a three-hour linear rollout of the type (4 x 45 min bakes)
    sm = session.client("sagemaker")
    assert registry.create("Classifier", props()).ok
    old_config = _running(sm)
    codes: list[tuple[int, str]] = []
    # WHEN an operator aborts it 10 minutes into its first bake
    clock.call_later(
        float(sim.timings.provision) + 600, lambda: codes.append(_abort(registry, "error rate up"))
    )
    updated = registry.update("Classifier", props("model-a-v2"), props())
    # THEN the command succeeded, SageMaker rolled back, and the answer carries the operator's reason
    assert [code for code, _ in codes] == [0], codes
    assert updated.status == "FAILED"
    assert updated.message.startswith("aborted by the operator: error rate up; SageMaker rolled back"), (
        updated.message
    )
    assert updated.duration < 3600  # stopped in the first bake, not after three hours
    assert _running(sm) == old_config
    assert _brakes(session) == []
    # AND history shows the abort
    capsys.readouterr()
    assert main(["history", "--endpoint", "classifier", "--table", registry.journal_table, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["aborted"] == "aborted by the operator: error rate up"


def test_an_abort_once_the_types_rollout_completed_is_too_late(
    registry: Any, session: Any, sim: Any, clock: Any
) -> None:
    # GIVEN a linear rollout of the type, and an operator who aborts as soon as SageMaker has
    # completed it (the update handler not answered yet)
    sm = session.client("sagemaker")
    assert registry.create("Classifier", props(wait=600)).ok
    old_config = _running(sm)
    late: list[tuple[int, str]] = []

    def watch(_: float) -> None:
        if not late and sim.endpoint_status("classifier") == "InService" and _running(sm) != old_config:
            late.append(_abort(registry, "second thoughts"))

    remove = clock.on_advance(watch)
    # WHEN the update handler rolls it out
    try:
        updated = registry.update("Classifier", props("model-a-v2", wait=600), props(wait=600))
    finally:
        remove()
    # THEN the abort was refused in one line (exit 1), the update succeeded and no brake is left
    assert late == [(1, "sagemaker-rollout abort: too late to brake: the rollout completed")]
    assert updated.ok, updated.message
    assert _running(sm) != old_config
    assert _brakes(session) == []


def test_a_smoke_test_failing_after_completion_sends_the_types_endpoint_back(
    registry: Any, session: Any, sim: Any
) -> None:
    # GIVEN an endpoint of the type with a smoke test and a blue/green rollout with no bake (nothing
    # for the brake to watch: the run after completion decides), and a new model that answers 500
    sm = session.client("sagemaker")
    no_bake = {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0}

    def shape(model: str) -> dict[str, Any]:
        properties = props(model, SmokeTest=INVOKE)
        properties["DeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"] = no_bake
        return properties

    before = shape("model-a-v1")
    created = registry.create("Classifier", before)
    assert created.ok, created.message
    old_config = _running(sm)
    sim.models.set("model-a-v2", status=500)
    # WHEN the update handler rolls it out
    updated = registry.update("Classifier", shape("model-a-v2"), before)
    # THEN SageMaker completed the update, the smoke test after completion failed it, and the handler
    # sent the endpoint back to the previous config (kept until then) before answering FAILED
    assert (updated.status, updated.error_code) == ("FAILED", "NotStabilized"), updated.message
    assert updated.message.startswith("smoke test failed after completion: call 1: model answered 500"), (
        updated.message
    )
    assert f"rolled back: endpoint classifier runs {old_config}" in updated.message, updated.message
    assert (sim.endpoint_status("classifier"), _running(sm)) == ("InService", old_config)
    # AND the failed config and the brake are gone
    configs = [c["EndpointConfigName"] for c in sm.list_endpoint_configs()["EndpointConfigs"]]
    assert configs == [old_config]
    assert _brakes(session) == []
    # AND CloudFormation's rollback Update finds the old config running: nothing to roll out again
    rollback = registry.update("Classifier", before, shape("model-a-v2"))
    assert rollback.ok, rollback.message
    assert _running(sm) == old_config
