"""``sagemaker-rollout render`` and ``lint`` on the example templates and on broken ones."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import cfnlint.api
import pytest
from sagemaker_rollout import cfn_yaml
from sagemaker_rollout.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = ("ab-test", "async-scale-from-zero", "serverless", "canary-with-alarms")
TOKEN = "arn:aws:lambda:us-east-1:123456789012:function:provider"


@pytest.mark.parametrize("name", EXAMPLES)
def test_cli_render_example_prints_expanded_template(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN an example template using the macro
    # WHEN rendering it
    status = main(["render", str(REPO / "templates" / f"{name}.yaml")])
    rendered = cfn_yaml.load(capsys.readouterr().out)
    # THEN it exits 0 and prints a template without the macro, with the placeholder ServiceToken
    assert status == 0
    assert "Transform" not in rendered
    types = {resource["Type"] for resource in rendered["Resources"].values()}
    assert "Custom::SageMakerEndpoint" in types and "SageMakerRollout::Endpoint" not in types
    tokens = [
        r["Properties"]["ServiceToken"]
        for r in rendered["Resources"].values()
        if r["Type"] == "Custom::SageMakerEndpoint"
    ]
    assert tokens == [{"Fn::ImportValue": "sagemaker-rollout-EndpointProviderArn"}]
    # AND cfn-lint finds nothing at all in it
    assert [str(match) for match in cfnlint.api.lint(cfn_yaml.dump(rendered), regions=["us-east-1"])] == []


LINTED = [REPO / "templates" / f"{name}.yaml" for name in EXAMPLES] + sorted(
    (REPO / "tests" / "golden").glob("*.input.yaml")
)


@pytest.mark.parametrize("source", LINTED, ids=[path.name for path in LINTED])
def test_cli_lint_example_exits_zero(source: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN an example template or a golden input
    # WHEN linting it
    status = main(["lint", str(source)])
    # THEN it has no errors (warnings such as W9101 for an unguarded endpoint may remain)
    out = capsys.readouterr().out
    assert status == 0, out
    assert re.search(r": (OK|no errors, \d+ warning\(s\))$", out.strip()), out


def test_cli_render_parameters_and_service_token_are_applied(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the A/B example, a parameter override and an explicit service token
    args = [
        "render",
        str(REPO / "templates" / "ab-test.yaml"),
        "--parameter",
        "InstanceType=ml.m5.xlarge",
        "--service-token",
        TOKEN,
    ]
    # WHEN rendering
    status = main(args)
    rendered = cfn_yaml.load(capsys.readouterr().out)
    # THEN the token is injected and the Ref to the parameter passes through untouched
    endpoint = rendered["Resources"]["TextClassifier"]["Properties"]
    assert status == 0
    assert endpoint["ServiceToken"] == TOKEN
    assert endpoint["ProductionVariants"][0]["InstanceType"] == {"Ref": "InstanceType"}


def test_cli_render_parameter_value_feeds_validation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a template whose instance type comes from a parameter
    template = tmp_path / "t.yaml"
    template.write_text(
        "Parameters:\n  Type:\n    Type: String\n    Default: ml.m5.large\n"
        "Resources:\n  Ep:\n    Type: SageMakerRollout::Endpoint\n    Properties:\n      Variants:\n"
        "        - Name: a\n          ModelName: m\n          InstanceType: !Ref Type\n"
        "          AutoScaling: {MaxCapacity: 2, TargetInvocationsPerInstance: 5}\n"
    )
    # WHEN rendering with a burstable instance type
    status = main(["render", str(template), "-p", "Type=ml.t3.medium"])
    # THEN the macro refuses it with the located message on stderr
    assert status == 1
    assert capsys.readouterr().err.strip() == (
        "sagemaker-rollout: Ep.Variants[0].AutoScaling: autoscaling is not supported on burstable instance "
        "type "
        "ml.t3.medium (ml.t*); use another instance family or remove AutoScaling"
    )


def test_cli_lint_refused_compact_template_exits_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a compact template with MinCapacity > MaxCapacity
    template = tmp_path / "bad.yaml"
    template.write_text(
        "Transform: SageMakerRollout\nResources:\n  Classifier:\n    Type: SageMakerRollout::Endpoint\n"
        "    Properties:\n      Variants:\n        - Name: a\n          ModelName: m\n"
        "          InstanceType: ml.c5.xlarge\n          InstanceCount: 4\n"
        "          AutoScaling: {MinCapacity: 5, MaxCapacity: 3, TargetInvocationsPerInstance: 70}\n"
    )
    # WHEN linting
    status = main(["lint", str(template)])
    # THEN it fails with the message format of the contract
    assert status == 1
    assert (
        "Classifier.Variants[0].AutoScaling: MinCapacity 5 is greater than MaxCapacity 3"
        in capsys.readouterr().out
    )


def test_cli_lint_reports_cfn_lint_and_provider_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a template with an invalid plain resource and a custom endpoint the provider would refuse
    template = tmp_path / "plain.yaml"
    template.write_text(
        "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      Colour: red\n"
        "  Ep:\n    Type: Custom::SageMakerEndpoint\n    Properties:\n      ServiceToken: arn:aws:lambda:x\n"
        "      ProductionVariants:\n        - VariantName: a\n          ModelName: m\n"
        "          InstanceType: ml.m5.large\n          InitialInstanceCount: 0\n"
    )
    # WHEN linting
    status = main(["lint", str(template)])
    out = capsys.readouterr().out
    # THEN both cfn-lint's error and the provider's error (rule E9101, prefixed with the logical id)
    assert status == 1
    assert "E3002 Resources/Topic/Properties/Colour" in out
    assert (
        "E9101 Resources/Ep/Properties/ProductionVariants/0/InitialInstanceCount: "
        "Ep.ProductionVariants[0].InitialInstanceCount"
    ) in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["render", "missing.yaml"], "missing.yaml: No such file or directory"),
        (["render", "TEMPLATE", "--parameter", "novalue"], "--parameter 'novalue': expected KEY=VALUE"),
        (["lint", "BROKEN"], "duplicate key 'a'"),
    ],
)
def test_cli_bad_input_exits_two(
    args: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a missing file, a malformed option or unparsable YAML
    (tmp_path / "t.yaml").write_text("Resources: {}\n")
    (tmp_path / "b.yaml").write_text("a: 1\na: 2\n")
    args = [
        {"TEMPLATE": str(tmp_path / "t.yaml"), "BROKEN": str(tmp_path / "b.yaml")}.get(a, a) for a in args
    ]
    monkeypatch.chdir(tmp_path)
    # WHEN running the command
    status = main(args)
    # THEN it exits 2 with a one-line reason
    assert status == 2
    assert message in capsys.readouterr().err


def test_cli_module_entry_point_runs_render() -> None:
    # GIVEN the package run as a module in a fresh interpreter
    env = {**os.environ, "PYTHONPATH": str(REPO / "layers")}
    # WHEN rendering the serverless example
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sagemaker_rollout.cli",
            "render",
            str(REPO / "templates" / "serverless.yaml"),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    # THEN it succeeds and prints the custom resource
    assert result.returncode == 0, result.stderr
    assert "Type: Custom::SageMakerEndpoint" in result.stdout
