"""``sagemaker-rollout demo``: the four-step story against the simulated account, and its failure modes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from sagemaker_rollout_testing.demo import DemoOptions, DemoWorld, run_demo
from sagemaker_rollout_tools.cli import main


def test_demo_default_story_exits_zero_with_four_expected_steps(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the embedded example WHEN the demo runs
    status = main(["demo"])
    out = capsys.readouterr().out
    # THEN every step behaved as the story says, with the provider's steps in the timeline
    assert status == 0, out
    for number in range(1, 5):
        assert f"Step {number}/4" in out
    assert out.count("=> as expected") == 4
    assert "suspend autoscaling on model-a" in out  # the canary changes the instance type
    assert "restored autoscaling" in out
    alarm = "sagemaker-rollout-demo-TextClassifier-model-a-ModelLatency"
    assert f"CloudFormation got FAILED: Rolled back: alarm {alarm}" in out
    assert "UPDATE_ROLLBACK_COMPLETE" in out
    assert "DELETE_COMPLETE" in out
    assert "waiting" in out  # progress while SageMaker works
    assert out.rstrip().splitlines()[-1].startswith("4 steps as expected in ")
    assert '"level"' not in out  # the provider's JSON log lines stay out of the timeline


def test_demo_json_reports_each_step_response() -> None:
    # GIVEN --json WHEN the demo runs
    buffer = io.StringIO()
    result = run_demo(DemoOptions(echo=False), buffer)
    document = result.to_dict()
    # THEN nothing is printed while it plays, and the document has each step's answer
    assert buffer.getvalue() == ""
    assert document["asExpected"] is True
    assert [s["response"]["status"] for s in document["steps"]] == ["SUCCESS", "SUCCESS", "FAILED", "SUCCESS"]
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
    # THEN the same four steps behave as expected (no ModelVersion parameter: the model is revised)
    assert status == 0, out
    assert out.count("=> as expected") == 4
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
    assert [s.ok for s in result.steps] == [True, False, False, False]
    assert result.steps[1].status == "FAILED"
    assert any("failed health checks" in p for p in result.steps[1].problems)
    assert result.steps[2].skipped and result.steps[3].skipped
    assert "=> NOT as expected" in text
    assert "1 of 4 steps as expected" in text and "step 2 (canary update)" in text


def test_demo_restores_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a user's AWS profile in the environment
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    run_demo(DemoOptions(quiet=True), io.StringIO())
    # THEN the demo's fake credentials do not leak out, and the profile is back
    import os

    assert os.environ.get("AWS_PROFILE") == "production"
    assert "AWS_ACCESS_KEY_ID" not in os.environ


def test_demo_tells_the_story_of_the_template_and_skips_what_it_cannot_play(
    repo_root: Path, tmp_path: Path
) -> None:
    # GIVEN the plain example without DeploymentConfig (no guardrails, no rollback alarm)
    from sagemaker_rollout_tools import cfn_yaml

    document = cfn_yaml.load(
        (repo_root / "templates" / "plain-cloudformation.yaml").read_text(encoding="utf-8")
    )
    del document["Resources"]["Classifier"]["Properties"]["DeploymentConfig"]
    path = tmp_path / "no-guardrails.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    out = io.StringIO()
    # WHEN the demo plays it
    result = run_demo(DemoOptions(template=path, quiet=True), out)
    text = out.getvalue()
    # THEN the update is told as SageMaker's default blue/green, the alarm step is not playable
    # (with the reason) and the delete still plays; the demo exits 0
    assert result.exit_status == 0, text
    assert [s.title for s in result.steps] == ["create", "blue/green update", "alarm rollback", "delete"]
    assert "canary" not in text
    assert result.steps[2].skipped and "no AutoRollbackConfiguration alarm" in str(
        result.steps[2].skip_reason
    )
    assert result.steps[3].ok and not result.steps[3].skipped and result.steps[3].status == "SUCCESS"
    assert "3 steps as expected, 1 not playable (alarm rollback:" in text
