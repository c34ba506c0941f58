"""``sagemaker-rollout demo``: the six-step story against the simulated account, and its failure modes."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sagemaker_rollout_testing.demo import DemoOptions, DemoResult, DemoWorld, StepResult, run_demo
from sagemaker_rollout_tools.cli import main


def test_demo_default_story_exits_zero_with_six_expected_steps(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the embedded example WHEN the demo runs
    status = main(["demo"])
    out = capsys.readouterr().out
    # THEN every step behaved as the story says, with the provider's steps in the timeline
    assert status == 0, out
    for number in range(1, 7):
        assert f"Step {number}/6" in out
    assert out.count("=> as expected") == 6
    assert "suspend autoscaling on model-a" in out  # the canary changes the instance type
    assert "restored autoscaling" in out
    alarm = "sagemaker-rollout-demo-TextClassifier-model-a-ModelLatency"
    assert f"CloudFormation got FAILED: Rolled back: alarm {alarm}" in out
    assert "UPDATE_ROLLBACK_COMPLETE" in out
    assert "DELETE_COMPLETE" in out
    assert "waiting" in out  # progress while SageMaker works
    assert "CloudFormation got FAILED: aborted by the operator: " in out
    assert "CloudFormation got FAILED: smoke test failed in final bake: " in out
    assert out.rstrip().splitlines()[-1].startswith("6 steps as expected in ")
    assert '"level"' not in out  # the provider's JSON log lines stay out of the timeline


def test_demo_json_reports_each_step_response() -> None:
    # GIVEN --json WHEN the demo runs
    buffer = io.StringIO()
    result = run_demo(DemoOptions(echo=False), buffer)
    document = result.to_dict()
    # THEN nothing is printed while it plays, and the document has each step's answer
    assert buffer.getvalue() == ""
    assert document["asExpected"] is True
    assert [s["response"]["status"] for s in document["steps"]] == [
        "SUCCESS",
        "SUCCESS",
        "FAILED",
        "FAILED",
        "FAILED",
        "SUCCESS",
    ]
    assert document["endpointName"] == "text-classification-ab"
    assert document["simulatedSeconds"] > 20 * 60
    json.dumps(document)


def test_demo_plain_custom_resource_template_plays_the_story(
    repo_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the plain Custom::SageMakerEndpoint example WHEN it is played with --resource
    template = repo_root / "templates" / "plain-cloudformation.yaml"
    status = main(["demo", "--template", str(template), "--resource", "Classifier", "--quiet"])
    out = capsys.readouterr().out
    # THEN the same six steps behave as expected (no ModelVersion parameter: the model is revised)
    assert status == 0, out
    assert out.count("=> as expected") == 6
    assert "sagemaker-rollout-demo-classifier-model-a-latency" in out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--resource", "Nope"], "--resource Nope: not a Custom::SageMakerEndpoint"),
        (["--parameter", "Colour=blue"], "--parameter Colour: the template has no such parameter"),
        (["--parameter", "novalue"], "expected KEY=VALUE"),
    ],
    ids=["unknown-resource", "unknown-parameter", "malformed-parameter"],
)
def test_demo_bad_options_exit_2_with_one_line(
    repo_root: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    template = repo_root / "templates" / "plain-cloudformation.yaml"
    status = main(["demo", "--template", str(template), *arguments])
    err = capsys.readouterr().err
    assert status == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_demo_missing_template_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--template", str(tmp_path / "missing.yaml")]) == 2
    assert "missing.yaml" in capsys.readouterr().err


def test_demo_template_refused_by_the_macro_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a compact endpoint whose autoscaling minimum exceeds its maximum
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "Transform: SageMakerRollout\n"
        "Resources:\n"
        "  Classifier:\n"
        "    Type: SageMakerRollout::Endpoint\n"
        "    Properties:\n"
        "      Variants:\n"
        "        - Name: a\n"
        "          ModelName: m\n"
        "          InstanceType: ml.c5.xlarge\n"
        "          InstanceCount: 1\n"
        "          AutoScaling: {MinCapacity: 5, MaxCapacity: 3, TargetInvocationsPerInstance: 70}\n",
        encoding="utf-8",
    )
    assert main(["demo", "--template", str(bad)]) == 1
    assert "the macro refuses the template" in capsys.readouterr().err


def test_demo_step_not_behaving_as_told_exits_nonzero_naming_it() -> None:
    # GIVEN SageMaker will fail the canary's health checks (fault injected before step 2)
    def inject(step: int, world: DemoWorld) -> None:
        if step == 2:
            assert world.endpoint is not None
            world.sim.fail_next_update(world.endpoint, "Model failed health checks")

    out = io.StringIO()
    # WHEN the story plays
    result = run_demo(DemoOptions(quiet=True), out, before_step=inject)
    text = out.getvalue()
    # THEN step 2 is reported as not behaving as told, later steps are skipped, the exit status is 1
    assert result.exit_status == 1
    assert [s.ok for s in result.steps] == [True, False, False, False, False, False]
    assert result.steps[1].status == "FAILED"
    assert any("failed health checks" in p for p in result.steps[1].problems)
    assert all(s.skipped for s in result.steps[2:])
    assert "=> NOT as expected" in text
    assert "1 of 6 steps as expected" in text and "step 2 (canary update)" in text


def test_demo_restores_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a user's AWS profile in the environment
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    run_demo(DemoOptions(quiet=True), io.StringIO())
    # THEN the demo's fake credentials do not leak out, and the profile is back
    import os

    assert os.environ.get("AWS_PROFILE") == "production"
    assert "AWS_ACCESS_KEY_ID" not in os.environ


def _plain_template(directory: Path, name: str, edit: Callable[[dict[str, Any]], None]) -> Path:
    """templates/plain-cloudformation.yaml with ``edit`` applied to its Classifier's properties."""
    from sagemaker_rollout_tools import cfn_yaml

    root = Path(__file__).resolve().parents[2]
    document = cfn_yaml.load((root / "templates" / "plain-cloudformation.yaml").read_text(encoding="utf-8"))
    edit(document["Resources"]["Classifier"]["Properties"])
    path = directory / f"{name}.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def default_story() -> DemoResult:
    """One run of the default story (its steps keep their timeline events, quiet or not)."""
    return run_demo(DemoOptions(quiet=True), io.StringIO())


@pytest.fixture(scope="module")
def unguarded_story(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoResult, str]:
    """The plain example without DeploymentConfig (no guardrails, no rollback alarm, no brake)."""
    path = _plain_template(
        tmp_path_factory.mktemp("unguarded"),
        "no-guardrails",
        lambda props: props.pop("DeploymentConfig"),
    )
    out = io.StringIO()
    return run_demo(DemoOptions(template=path, quiet=True), out), out.getvalue()


def _verified_config(step: StepResult) -> str:
    """The config the provider verified last in a step (its ``done ... InService on X (verified)`` line)."""
    done = [e for e in step.events if " done " in e and e.endswith("(verified)")]
    assert done, step.events
    return done[-1].split(" InService on ")[1].removesuffix(" (verified)")


def test_demo_tells_the_story_of_the_template_and_skips_what_it_cannot_play(
    unguarded_story: tuple[DemoResult, str],
) -> None:
    # GIVEN the plain example without DeploymentConfig (no guardrails, no rollback alarm)
    # WHEN the demo plays it
    result, text = unguarded_story
    # THEN the update is told as SageMaker's default blue/green, the alarm and abort steps are not
    # playable (with the reasons) and the delete still plays; the demo exits 0
    assert result.exit_status == 0, text
    assert [s.title for s in result.steps] == [
        "create",
        "blue/green update",
        "alarm rollback",
        "operator abort",
        "smoke test",
        "delete",
    ]
    assert "canary" not in text
    assert result.steps[2].skipped and "no AutoRollbackConfiguration alarm" in str(
        result.steps[2].skip_reason
    )
    assert result.steps[3].skipped and result.steps[3].skip_reason == (
        "no brake can stop the rollout: no DeploymentConfig: SageMaker watches no alarm"
    )
    assert result.steps[5].ok and not result.steps[5].skipped and result.steps[5].status == "SUCCESS"
    assert "4 steps as expected, 2 not playable (alarm rollback:" in text
    assert "operator abort: no brake can stop the rollout" in text


def test_demo_operator_abort_step_rolls_back_with_the_reason_then_an_abort_comes_too_late(
    default_story: DemoResult,
) -> None:
    # GIVEN the default story (a guarded canary, the provider's brake armed for each rollout)
    # WHEN its operator-abort step plays: `sagemaker-rollout abort` 390 s into the next update (the
    # canary's bake), then the same update again with an abort once SageMaker completed it
    step = default_story.steps[3]
    events = "\n".join(step.events)
    previous = _verified_config(default_story.steps[1])
    # THEN the command exited 0, SageMaker rolled back, the request answered FAILED with the
    # operator's reason and the endpoint on its previous config, and the stack rolled back
    assert (step.title, step.ok, step.skipped) == ("operator abort", True, False), step.problems
    assert step.status == "FAILED"
    assert step.reason == (
        "aborted by the operator: p99 latency doubled on the new model; SageMaker rolled back: "
        f"endpoint text-classification-ab runs {previous} (InService)"
    )
    assert "operator    $ sagemaker-rollout abort --endpoint text-classification-ab --table " in events
    assert "operator    exit 0: brake of text-classification-ab's rollout tripped" in events
    aborted = next(i for i, e in enumerate(step.events) if "exit 0: brake of" in e)
    assert any("brake alarm" in e and e.endswith("armed") for e in step.events[:aborted])
    assert any("suspend" in e and "'bake the canary'" in e for e in step.events[:aborted])
    assert "UPDATE_ROLLBACK_COMPLETE" in events
    # AND the update deployed again completed; the abort made once SageMaker had completed it (before
    # CloudFormation had the answer) exited 1, too late, and the update answered SUCCESS
    late = next(i for i, e in enumerate(step.events) if "exit 1:" in e)
    assert step.events[late].endswith(
        "exit 1: sagemaker-rollout abort: too late to brake: the rollout completed"
    )
    after = "\n".join(step.events[late:])
    assert "CloudFormation got SUCCESS" in after and after.rstrip().endswith("UPDATE_COMPLETE")
    assert _verified_config(step) != previous


def test_demo_smoke_test_step_trips_the_brake_in_the_final_bake(default_story: DemoResult) -> None:
    # GIVEN the default story, whose template has no SmokeTest
    # WHEN its smoke-test step plays: the next model answers HTTP 500, a SmokeTest added for the update
    step = default_story.steps[4]
    events = "\n".join(step.events)
    previous = _verified_config(default_story.steps[3])
    # THEN the final bake's smoke test failed it, the brake tripped, SageMaker rolled back, the
    # request answered FAILED naming the smoke test, and the stack rolled back
    assert (step.title, step.ok, step.skipped) == ("smoke test", True, False), step.problems
    assert "fails a SmokeTest added for this update (InvokeEndpoint) in final bake" in step.expected
    assert "SmokeTest added for this update: InvokeEndpoint, 3 calls" in events
    assert step.status == "FAILED"
    reason = str(step.reason)
    assert reason.startswith("smoke test failed in final bake: call 1: model answered 500"), reason
    assert f"SageMaker rolled back: endpoint text-classification-ab runs {previous}" in reason
    assert "smoke       final bake: call 1/3 fail" in events
    assert "tripped: smoke test failed in final bake" in events
    assert events.count(" UpdateEndpoint ") == 1  # SageMaker's rollback, not a second update
    assert "UPDATE_ROLLBACK_COMPLETE" in events


def test_demo_without_a_brake_the_failing_smoke_test_goes_back_after_completion(
    unguarded_story: tuple[DemoResult, str],
) -> None:
    # GIVEN the plain example without DeploymentConfig (nothing can stop its rollout midway)
    # WHEN its smoke-test step plays
    result, _ = unguarded_story
    step = result.steps[4]
    events = "\n".join(step.events)
    previous = _verified_config(result.steps[1])
    # THEN the test after completion failed it and a second update sent the endpoint back to its
    # previous config; FAILED names the smoke test and where the endpoint is; the stack rolled back
    assert step.ok and not step.skipped, step.problems
    assert "after completion: the endpoint goes back to the previous config" in step.expected
    assert step.status == "FAILED"
    reason = str(step.reason)
    assert reason.startswith("smoke test failed after completion: call 1: model answered 500"), reason
    assert f"rolled back: endpoint sagemaker-rollout-demo-classifier runs {previous}" in reason
    assert events.count(" UpdateEndpoint ") == 2
    assert "UPDATE_ROLLBACK_COMPLETE" in events


def test_demo_smoke_test_step_uses_the_templates_own_smoke_test(tmp_path: Path) -> None:
    # GIVEN the plain example with its own SmokeTest of 2 calls
    path = _plain_template(
        tmp_path, "smoke-tested", lambda props: props.update(SmokeTest={"Invoke": {"Body": "{}"}, "Count": 2})
    )
    # WHEN the demo plays it
    result = run_demo(DemoOptions(template=path, quiet=True), io.StringIO())
    # THEN every step passes the template's smoke test (the create's and the rollouts' runs), and the
    # smoke-test step fails it in the final bake with the template's count of calls
    assert result.exit_status == 0, [s.problems for s in result.steps]
    step = result.steps[4]
    assert "fails the template's SmokeTest (InvokeEndpoint) in final bake" in step.expected
    assert not any("SmokeTest added" in e for e in step.events)
    assert any("smoke       final bake: call 1/2 fail" in e for e in step.events)
    assert str(step.reason).startswith("smoke test failed in final bake: call 1: model answered 500")
    assert any("smoke test passed on" in e for e in result.steps[0].events)
